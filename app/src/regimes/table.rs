//! The rows of each regime-data table as records: read from CSV (an
//! admin's file, or one row's form sent as a one-row file, so both are
//! checked by the same code as the seed files) and written back as CSV.
use std::collections::HashMap;

use time::Date;

use super::{read, read_additional, read_fx, read_regimes, read_tariff, read_vat, Row};
use crate::domain::goods::{format_decimal, parse_decimal, Currency};
use crate::domain::rates::{Record, SdrRate, Sourced};
use crate::domain::rates::{RowState, Table};
use crate::domain::tariff::PostalBand;
use crate::domain::uploads::Problem;
use crate::domain::FieldError;

pub fn read_sdr(text: &str) -> Result<Vec<Sourced<SdrRate>>, Vec<Problem>> {
    read(text, &["currency", "valid_from", "units_per_sdr"], |r| {
        let currency = r.currency("currency");
        let valid_from = r.date("valid_from");
        if valid_from.is_none() && r.text("valid_from").is_empty() {
            r.problem("valid_from", "required");
        }
        let units = rate(r, "units_per_sdr");
        Some(SdrRate {
            currency: currency?,
            valid_from: valid_from?,
            units_per_sdr_micro: units,
        })
    })
}

/// A positive rate with up to six decimals, in millionths.
pub(super) fn rate(r: &mut Row<'_>, column: &str) -> i64 {
    match parse_decimal(column, &r.text(column), 6, "amount") {
        Ok(0) => {
            r.problem(column, "number_invalid");
            0
        }
        Ok(v) => v,
        Err(e) => {
            r.problem(column, &e.code);
            0
        }
    }
}

/// Reads a whole file of `table`. Amounts of tariff lines are in the
/// currency of their territory's regimes (`currency_of`).
pub fn read_table(
    table: Table,
    text: &str,
    currency_of: &dyn Fn(&str) -> Option<Currency>,
) -> Result<Vec<Sourced<Record>>, Vec<Problem>> {
    fn wrap<T>(
        rows: Result<Vec<Sourced<T>>, Vec<Problem>>,
        f: fn(T) -> Record,
    ) -> Result<Vec<Sourced<Record>>, Vec<Problem>> {
        rows.map(|v| v.into_iter().map(|(t, s)| (f(t), s)).collect())
    }
    match table {
        Table::Regimes => wrap(read_regimes(text), |r| Record::Regimes(Box::new(r))),
        Table::Tariff => wrap(read_tariff(text, currency_of), Record::Tariff),
        Table::Vat => wrap(read_vat(text, currency_of), Record::Vat),
        Table::Additional => wrap(read_additional(text), Record::Additional),
        Table::Fx => wrap(read_fx(text), Record::Fx),
        Table::Sdr => wrap(read_sdr(text), Record::Sdr),
    }
}

/// Reads one row typed into a form (`values` by column name); problems
/// come back under `row.<column>`.
pub fn read_form(
    table: Table,
    values: &HashMap<String, String>,
    currency_of: &dyn Fn(&str) -> Option<Currency>,
) -> Result<Sourced<Record>, Vec<FieldError>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let columns = table.columns();
    let written = w
        .write_record(columns.iter().map(|c| c.name))
        .and_then(|_| {
            w.write_record(columns.iter().map(|c| {
                values
                    .get(c.name)
                    .map(|v| v.replace(['\r', '\n'], " "))
                    .unwrap_or_default()
            }))
        });
    let text = written
        .ok()
        .and_then(|_| w.into_inner().ok())
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| vec![FieldError::new("row", "invalid")])?;
    let field = |p: &Problem| {
        let name = if p.column.is_empty() {
            "row".to_owned()
        } else {
            format!("row.{}", p.column)
        };
        FieldError::new(&name, &p.code)
    };
    match read_table(table, &text, currency_of) {
        Ok(mut rows) if rows.len() == 1 => Ok(rows.remove(0)),
        Ok(_) => Err(vec![FieldError::new("row", "required")]),
        Err(problems) => Err(problems.iter().map(field).collect()),
    }
}

use crate::domain::tariff::day_text as day;

fn day_opt(d: Option<Date>) -> String {
    d.map(day).unwrap_or_default()
}

/// A decimal with no grouping and no trailing zeros (`12`, `16.9`).
fn trimmed(value: i64, scale: u32) -> String {
    let s = format_decimal(value, scale).replace(',', "");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

fn percent(ppm: i64) -> String {
    trimmed(ppm, 4)
}

fn amount(minor: i64, currency: Option<Currency>) -> String {
    let exp = currency.map(|c| c.exponent()).unwrap_or(2);
    format_decimal(minor, exp).replace(',', "")
}

fn amount_opt(minor: Option<i64>, currency: Option<Currency>) -> String {
    minor.map(|m| amount(m, currency)).unwrap_or_default()
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn bands(bands: &[PostalBand], currency: Option<Currency>) -> String {
    bands
        .iter()
        .map(|b| {
            format!(
                "{}={}",
                b.below_ppm.map(percent).unwrap_or_default(),
                amount(b.amount_minor, currency)
            )
        })
        .collect::<Vec<_>>()
        .join("|")
}

impl Record {
    pub fn table(&self) -> Table {
        match self {
            Record::Regimes(_) => Table::Regimes,
            Record::Tariff(_) => Table::Tariff,
            Record::Vat(_) => Table::Vat,
            Record::Additional(_) => Table::Additional,
            Record::Fx(_) => Table::Fx,
            Record::Sdr(_) => Table::Sdr,
        }
    }

    /// The first day the row applies.
    pub fn from(&self) -> Date {
        match self {
            Record::Regimes(r) => r.valid.from,
            Record::Tariff(t) => t.valid.from,
            Record::Vat(v) => v.valid.from,
            Record::Additional(a) => a.valid.from,
            Record::Fx(f) => f.day,
            Record::Sdr(s) => s.valid_from,
        }
    }

    /// The first day it no longer applies, if set.
    pub fn to(&self) -> Option<Date> {
        match self {
            Record::Regimes(r) => r.valid.to,
            Record::Tariff(t) => t.valid.to,
            Record::Vat(v) => v.valid.to,
            Record::Additional(a) => a.valid.to,
            Record::Fx(_) | Record::Sdr(_) => None,
        }
    }

    /// Ends the row's period on `to` (exclusive).
    pub fn set_to(&mut self, to: Option<Date>) {
        match self {
            Record::Regimes(r) => r.valid.to = to,
            Record::Tariff(t) => t.valid.to = to,
            Record::Vat(v) => v.valid.to = to,
            Record::Additional(a) => a.valid.to = to,
            Record::Fx(_) | Record::Sdr(_) => {}
        }
    }

    /// The row as CSV cells in the table's column order. Amounts of tariff
    /// lines are in the currency of their territory (`currency_of`).
    pub fn cells(
        &self,
        source: &str,
        currency_of: &dyn Fn(&str) -> Option<Currency>,
    ) -> Vec<String> {
        let s = source.to_owned();
        match self {
            Record::Regimes(r) => {
                let c = Some(r.currency);
                vec![
                    r.code.clone(),
                    r.name.clone(),
                    r.territory.clone(),
                    r.currency.code().to_owned(),
                    day(r.valid.from),
                    day_opt(r.valid.to),
                    amount_opt(r.duty_free_max, c),
                    amount_opt(r.vat_free_max, c),
                    amount_opt(r.flat_duty_minor, c),
                    amount_opt(r.flat_duty_max, c),
                    amount_opt(r.ioss_max, c),
                    amount_opt(r.collected_at_sale_max, c),
                    amount_opt(r.gift_free_max, c),
                    amount_opt(r.gift_vat_free_max, c),
                    amount_opt(r.de_minimis_max, c),
                    yes(r.tariff_duties),
                    yes(r.additional_duties),
                    yes(r.postal_specific),
                    bands(&r.postal_bands, c),
                    yes(r.import_vat),
                    amount_opt(r.cbec.map(|x| x.per_transaction_max), c),
                    amount_opt(r.cbec.map(|x| x.annual_max), c),
                    r.cbec.map(|x| percent(x.share_ppm)).unwrap_or_default(),
                    amount_opt(r.postal_article_max, c),
                    amount_opt(r.postal_article_near_max, c),
                    amount_opt(r.postal_waive_max, c),
                    yes(r.transport_in_value),
                    amount(r.handling_fee_minor, c),
                    s,
                ]
            }
            Record::Tariff(t) => {
                let c = currency_of(&t.territory);
                let d = &t.duty;
                let specific = d.specific_minor != 0;
                vec![
                    t.territory.clone(),
                    t.hs_prefix.clone(),
                    t.description.clone(),
                    percent(d.ad_valorem_ppm),
                    if specific {
                        amount(d.specific_minor, c)
                    } else {
                        String::new()
                    },
                    if specific {
                        d.specific_unit.as_str().to_owned()
                    } else {
                        String::new()
                    },
                    amount_opt(d.min_minor, c),
                    amount_opt(d.max_minor, c),
                    day(t.valid.from),
                    day_opt(t.valid.to),
                    s,
                ]
            }
            Record::Vat(v) => {
                let c = currency_of(crate::domain::tariff::territory_of(&v.country));
                let h = v.high_end;
                vec![
                    v.country.clone(),
                    v.hs_prefix.clone(),
                    percent(v.vat_ppm),
                    percent(v.consumption_ppm),
                    percent(v.postal_article_ppm),
                    amount_opt(h.map(|h| h.min_minor), c),
                    h.map(|h| h.unit.as_str().to_owned()).unwrap_or_default(),
                    h.map(|h| percent(h.consumption_ppm)).unwrap_or_default(),
                    h.map(|h| percent(h.postal_article_ppm)).unwrap_or_default(),
                    day(v.valid.from),
                    day_opt(v.valid.to),
                    s,
                ]
            }
            Record::Additional(a) => vec![
                a.territory.clone(),
                a.origin.clone(),
                percent(a.rate_ppm),
                day(a.valid.from),
                day_opt(a.valid.to),
                s,
            ],
            Record::Fx(f) => vec![
                f.base.code().to_owned(),
                f.currency.code().to_owned(),
                day(f.day),
                trimmed(f.per_base_micro, 6),
                s,
            ],
            Record::Sdr(r) => vec![
                r.currency.code().to_owned(),
                day(r.valid_from),
                trimmed(r.units_per_sdr_micro, 6),
                s,
            ],
        }
    }

    /// The values of `columns`, joined (for grouping rows).
    pub fn values_of(&self, columns: &[&str]) -> String {
        let none = |_: &str| None;
        let cells = self.cells("", &none);
        let table = self.table();
        columns
            .iter()
            .filter_map(|c| table.column(c).and_then(|i| cells.get(i)))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The values identifying the row (its key with its start).
    pub fn key(&self) -> String {
        self.values_of(self.table().key())
    }
}

/// A whole table as a CSV file in the seed files' layout.
pub fn to_csv(
    table: Table,
    rows: &[(i64, Record, String)],
    currency_of: &dyn Fn(&str) -> Option<Currency>,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(table.columns().iter().map(|c| c.name))?;
    for (_, r, source) in rows {
        w.write_record(crate::spreadsheet::record(r.cells(source, currency_of)))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Whether each row applies on `today`: rows with periods by their dates;
/// rates of a day (FX, SDR) by being the latest of their pair on or before
/// `today`.
pub fn states(records: &[&Record], today: Date) -> Vec<RowState> {
    let mut latest: HashMap<String, Date> = HashMap::new();
    for r in records {
        let pair = match r {
            Record::Fx(f) => format!("{} {}", f.base.code(), f.currency.code()),
            Record::Sdr(s) => s.currency.code().to_owned(),
            _ => continue,
        };
        if r.from() <= today {
            let e = latest.entry(pair).or_insert(r.from());
            if r.from() > *e {
                *e = r.from();
            }
        }
    }
    records
        .iter()
        .map(|r| {
            if r.from() > today {
                return RowState::Future;
            }
            let pair = match r {
                Record::Fx(f) => Some(format!("{} {}", f.base.code(), f.currency.code())),
                Record::Sdr(s) => Some(s.currency.code().to_owned()),
                _ => None,
            };
            match pair {
                Some(p) if latest.get(&p) == Some(&r.from()) => RowState::Current,
                Some(_) => RowState::Past,
                None if r.to().is_some_and(|t| t <= today) => RowState::Past,
                None => RowState::Current,
            }
        })
        .collect()
}

/// Pairs of rows (by id) of the same group whose periods overlap, each
/// with the other's start: no day may have two rates for the same goods.
pub fn overlaps(rows: &[(i64, &Record)]) -> Vec<(i64, i64)> {
    let Some(table) = rows.first().map(|(_, r)| r.table()) else {
        return Vec::new();
    };
    let Some(group) = table.period_group() else {
        return Vec::new();
    };
    let mut by_group: HashMap<String, Vec<(i64, Date, Option<Date>)>> = HashMap::new();
    for (id, r) in rows {
        by_group
            .entry(r.values_of(group))
            .or_default()
            .push((*id, r.from(), r.to()));
    }
    let mut out = Vec::new();
    for periods in by_group.values_mut() {
        periods.sort_by_key(|p| p.1);
        // Sorted by start: a period overlaps the next one when it has not
        // ended by the next start.
        for w in periods.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.2.is_none_or(|end| end > b.1) {
                out.push((a.0, b.0));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regimes::{currencies, ADDITIONAL_CSV, FX_CSV, REGIMES_CSV, TARIFF_CSV, VAT_CSV};

    fn seed_currencies() -> Vec<crate::domain::tariff::Regime> {
        crate::regimes::parse_regimes(REGIMES_CSV).unwrap()
    }

    /// Each seed file read and written back gives the same rows.
    #[test]
    fn seed_files_round_trip() {
        let regimes = seed_currencies();
        let cur = currencies(&regimes);
        for (table, text) in [
            (Table::Regimes, REGIMES_CSV),
            (Table::Tariff, TARIFF_CSV),
            (Table::Vat, VAT_CSV),
            (Table::Additional, ADDITIONAL_CSV),
            (Table::Fx, FX_CSV),
        ] {
            let header = text.lines().next().unwrap();
            let columns: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
            assert_eq!(header, columns.join(","), "{table:?} columns");
            let rows = read_table(table, text, &cur).unwrap();
            let numbered: Vec<_> = rows.into_iter().map(|(r, s)| (0, r, s)).collect();
            let csv = String::from_utf8(to_csv(table, &numbered, &cur).unwrap()).unwrap();
            let again = read_table(table, &csv, &cur).unwrap();
            assert_eq!(again.len(), numbered.len());
            for ((a, sa), (_, b, sb)) in again.iter().zip(&numbered) {
                assert_eq!(a, b);
                assert_eq!(sa, sb);
            }
        }
    }

    #[test]
    fn seed_periods_do_not_overlap() {
        let regimes = seed_currencies();
        let cur = currencies(&regimes);
        for (table, text) in [
            (Table::Regimes, REGIMES_CSV),
            (Table::Tariff, TARIFF_CSV),
            (Table::Vat, VAT_CSV),
            (Table::Additional, ADDITIONAL_CSV),
        ] {
            let rows = read_table(table, text, &cur).unwrap();
            let ids: Vec<_> = rows
                .iter()
                .enumerate()
                .map(|(i, (r, _))| (i as i64, r))
                .collect();
            assert_eq!(overlaps(&ids), vec![], "{table:?}");
        }
    }

    #[test]
    fn a_form_row_is_checked_like_a_file_row() {
        let regimes = seed_currencies();
        let cur = currencies(&regimes);
        let mut v: HashMap<String, String> = [
            ("territory", "EU"),
            ("hs_prefix", "6109.10"),
            ("ad_valorem_percent", "12"),
            ("valid_from", "2027-01-01"),
            ("source", "TARIC"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (r, source) = read_form(Table::Tariff, &v, &cur).unwrap();
        let Record::Tariff(t) = &r else { panic!() };
        assert_eq!(
            (t.hs_prefix.as_str(), t.duty.ad_valorem_ppm),
            ("610910", 120_000)
        );
        assert_eq!(source, "TARIC");
        v.insert("valid_to".into(), "2026-01-01".into());
        v.insert("ad_valorem_percent".into(), "twelve".into());
        let errors = read_form(Table::Tariff, &v, &cur).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["row.ad_valorem_percent", "row.valid_to"]);
        // A territory with no regime has no currency for its amounts.
        v.insert("territory".into(), "JP".into());
        let errors = read_form(Table::Tariff, &v, &cur).unwrap_err();
        assert!(errors
            .iter()
            .any(|e| e.field == "row.territory" && e.code == "territory_no_regime"));
    }

    #[test]
    fn sdr_rates_are_read() {
        let rows = read_sdr("currency,valid_from,units_per_sdr,source\nEUR,2026-01-01,1.18,IMF\n")
            .unwrap();
        assert_eq!(rows[0].0.units_per_sdr_micro, 1_180_000);
        let none = |_: &str| None;
        assert_eq!(
            Record::Sdr(rows[0].0.clone()).cells("IMF", &none)[2],
            "1.18"
        );
        let bad = read_sdr("currency,valid_from,units_per_sdr\nXXX,2026-13-01,0\n").unwrap_err();
        let cols: Vec<_> = bad.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(cols, ["currency", "valid_from", "units_per_sdr"]);
    }

    #[test]
    fn states_follow_the_dates() {
        let d = |s: &str| {
            Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).unwrap()
        };
        let cur = |_: &str| Some(Currency::parse("c", "EUR").unwrap());
        let text = "territory,origin,rate_percent,valid_from,valid_to,note\nUS,*,10,2025-01-01,2026-01-01,\nUS,*,15,2026-01-01,,\nUS,CN,20,2027-01-01,,\n";
        let rows = read_table(Table::Additional, text, &cur).unwrap();
        let refs: Vec<_> = rows.iter().map(|(r, _)| r).collect();
        assert_eq!(
            states(&refs, d("2026-06-01")),
            [RowState::Past, RowState::Current, RowState::Future]
        );
        let fx = read_table(Table::Fx, FX_CSV, &cur).unwrap();
        let refs: Vec<_> = fx.iter().map(|(r, _)| r).collect();
        // Six pairs with a rate of 2019 and one of 2026: the latest applies.
        let count = |day: &str, state: RowState| {
            states(&refs, d(day))
                .iter()
                .filter(|s| **s == state)
                .count()
        };
        assert_eq!(
            (
                count("2026-06-01", RowState::Current),
                count("2026-06-01", RowState::Past)
            ),
            (6, 6)
        );
        assert_eq!(
            (
                count("2025-06-01", RowState::Current),
                count("2025-06-01", RowState::Future)
            ),
            (6, 6)
        );
        // Overlapping periods of one origin are found; other origins are apart.
        let text = "territory,origin,rate_percent,valid_from,valid_to,note\nUS,*,10,2025-01-01,2026-02-01,\nUS,*,15,2026-01-01,,\nUS,CN,20,2025-01-01,,\n";
        let rows = read_table(Table::Additional, text, &cur).unwrap();
        let ids: Vec<_> = rows
            .iter()
            .enumerate()
            .map(|(i, (r, _))| (i as i64, r))
            .collect();
        assert_eq!(overlaps(&ids), [(0, 1)]);
    }
}

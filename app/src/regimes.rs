//! Regime data as CSV: the seed files in `app/seed/regimes/` (compiled in) and
//! the admins' imports, read into the engine's types with every problem at
//! its row and column.
use std::collections::HashMap;

use time::Date;

use crate::domain::goods::{parse_decimal, Currency};
use crate::domain::rates::Sourced;
use crate::domain::tariff::{
    AdditionalDuty, Cbec, Duty, FxRate, HighEnd, PostalBand, Regime, RegimeData, SpecificUnit,
    TariffLine, Validity, VatRate,
};
use crate::domain::uploads::Problem;

pub const REGIMES_CSV: &str = include_str!("../seed/regimes/regimes.csv");
pub const TARIFF_CSV: &str = include_str!("../seed/regimes/tariff.csv");
pub const VAT_CSV: &str = include_str!("../seed/regimes/vat.csv");
pub const ADDITIONAL_CSV: &str = include_str!("../seed/regimes/additional.csv");
pub const FX_CSV: &str = include_str!("../seed/regimes/fx.csv");

/// One CSV row with named access and the problems found in it.
struct Row<'a> {
    row: u64,
    index: &'a HashMap<String, usize>,
    record: csv::StringRecord,
    problems: &'a mut Vec<Problem>,
}

impl Row<'_> {
    fn text(&self, column: &str) -> String {
        self.index
            .get(column)
            .and_then(|i| self.record.get(*i))
            .map(|v| crate::spreadsheet::unquote(v.trim()).to_owned())
            .unwrap_or_default()
    }

    fn problem(&mut self, column: &str, code: &str) {
        self.problems.push(Problem::new(self.row, column, code));
    }

    fn required(&mut self, column: &str) -> String {
        let v = self.text(column);
        if v.is_empty() {
            self.problem(column, "required");
        }
        v
    }

    fn date(&mut self, column: &str) -> Option<Date> {
        let v = self.text(column);
        if v.is_empty() {
            return None;
        }
        let d = crate::domain::tariff::parse_day(&v);
        if d.is_none() {
            self.problem(column, "date_invalid");
        }
        d
    }

    fn validity(&mut self) -> Validity {
        let from = self.date("valid_from");
        if from.is_none() && self.text("valid_from").is_empty() {
            self.problem("valid_from", "required");
        }
        let to = self.date("valid_to");
        let from = from.unwrap_or(Date::MIN);
        if to.is_some_and(|t| t <= from) {
            self.problem("valid_to", "range_reversed");
        }
        Validity { from, to }
    }

    /// A percentage as parts per million (`16.9` → 169_000).
    fn percent(&mut self, column: &str) -> Option<i64> {
        let v = self.text(column);
        if v.is_empty() {
            return None;
        }
        match parse_decimal(column, &v, 4, "rate") {
            Ok(p) => Some(p),
            Err(e) => {
                self.problem(column, &e.code);
                None
            }
        }
    }

    fn amount(&mut self, column: &str, currency: Option<Currency>) -> Option<i64> {
        let v = self.text(column);
        if v.is_empty() {
            return None;
        }
        let exp = currency.map(|c| c.exponent()).unwrap_or(2);
        match parse_decimal(column, &v, exp, "amount") {
            Ok(m) => Some(m),
            Err(e) => {
                self.problem(column, &e.code);
                None
            }
        }
    }

    fn currency(&mut self, column: &str) -> Option<Currency> {
        match Currency::parse(column, &self.text(column)) {
            Ok(c) => Some(c),
            Err(e) => {
                self.problem(column, &e.code);
                None
            }
        }
    }

    fn yes(&mut self, column: &str) -> bool {
        self.yes_or(column, false)
    }

    /// `yes` or `no`; `default` when empty (or the column is missing).
    fn yes_or(&mut self, column: &str, default: bool) -> bool {
        match self.text(column).to_lowercase().as_str() {
            "" => default,
            "yes" | "true" | "1" => true,
            "no" | "false" | "0" => false,
            _ => {
                self.problem(column, "invalid");
                false
            }
        }
    }

    fn country(&mut self, column: &str) -> String {
        let v = self.required(column).to_uppercase();
        if !v.is_empty() && crate::domain::org::CountryCode::parse(column, &v).is_err() && v != "EU"
        {
            self.problem(column, "country_invalid");
        }
        v
    }

    fn hs_prefix(&mut self, column: &str, allow_empty: bool) -> String {
        let v: String = self
            .text(column)
            .chars()
            .filter(|c| !matches!(c, '.' | ' '))
            .collect();
        if v.is_empty() && !allow_empty {
            self.problem(column, "required");
        } else if !v.chars().all(|c| c.is_ascii_digit()) || v.len() > 10 {
            self.problem(column, "hs_code_digits");
        }
        v
    }
}

fn strip<T>(rows: Vec<Sourced<T>>) -> Vec<T> {
    rows.into_iter().map(|(t, _)| t).collect()
}

/// Reads every row of `text` with `f`; `Err` lists every problem.
fn read<T>(
    text: &str,
    required: &[&str],
    mut f: impl FnMut(&mut Row<'_>) -> Option<T>,
) -> Result<Vec<Sourced<T>>, Vec<Problem>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|_| vec![Problem::new(1, "", "csv_unreadable")])?
        .clone();
    let index: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_lowercase(), i))
        .collect();
    let mut problems: Vec<Problem> = required
        .iter()
        .filter(|c| !index.contains_key(**c))
        .map(|c| Problem::new(1, c, "missing_column"))
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let row = i as u64 + 2;
        let Ok(record) = record else {
            problems.push(Problem::new(row, "", "csv_unreadable"));
            break;
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let before = problems.len();
        let mut r = Row {
            row,
            index: &index,
            record,
            problems: &mut problems,
        };
        let source = match r.text("source") {
            s if s.is_empty() => r.text("note"),
            s => s,
        };
        let item = f(&mut r);
        if problems.len() == before {
            out.extend(item.map(|i| (i, source)));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn bands(r: &mut Row<'_>, currency: Option<Currency>) -> Vec<PostalBand> {
    let text = r.text("postal_bands");
    let mut out = Vec::new();
    for part in text.split('|').filter(|p| !p.trim().is_empty()) {
        let Some((below, amount)) = part.split_once('=') else {
            r.problem("postal_bands", "invalid");
            continue;
        };
        let below = if below.trim().is_empty() {
            None
        } else {
            match parse_decimal("postal_bands", below, 4, "rate") {
                Ok(p) => Some(p),
                Err(e) => {
                    r.problem("postal_bands", &e.code);
                    continue;
                }
            }
        };
        let exp = currency.map(|c| c.exponent()).unwrap_or(2);
        match parse_decimal("postal_bands", amount, exp, "amount") {
            Ok(a) => out.push(PostalBand {
                below_ppm: below,
                amount_minor: a,
            }),
            Err(e) => r.problem("postal_bands", &e.code),
        }
    }
    out
}

pub fn parse_regimes(text: &str) -> Result<Vec<Regime>, Vec<Problem>> {
    read_regimes(text).map(strip)
}

pub fn read_regimes(text: &str) -> Result<Vec<Sourced<Regime>>, Vec<Problem>> {
    read(
        text,
        &["code", "territory", "currency", "valid_from"],
        |r| {
            let code = r.required("code");
            let name = r.text("name");
            let territory = r.country("territory");
            let currency = r.currency("currency");
            let valid = r.validity();
            let c = currency;
            let cbec = match (
                r.amount("cbec_per_transaction_max", c),
                r.amount("cbec_annual_max", c),
                r.percent("cbec_share"),
            ) {
                (Some(per), Some(annual), Some(share)) => Some(Cbec {
                    per_transaction_max: per,
                    annual_max: annual,
                    share_ppm: share,
                }),
                (None, None, None) => None,
                _ => {
                    r.problem("cbec_share", "required");
                    None
                }
            };
            let regime = Regime {
                id: 0,
                name: if name.is_empty() { code.clone() } else { name },
                code,
                territory,
                valid,
                duty_free_max: r.amount("duty_free_max", c),
                vat_free_max: r.amount("vat_free_max", c),
                flat_duty_minor: r.amount("flat_duty", c),
                flat_duty_max: r.amount("flat_duty_max", c),
                ioss_max: r.amount("ioss_max", c),
                collected_at_sale_max: r.amount("collected_at_sale_max", c),
                gift_free_max: r.amount("gift_free_max", c),
                gift_vat_free_max: r.amount("gift_vat_free_max", c),
                de_minimis_max: r.amount("de_minimis_max", c),
                tariff_duties: r.yes_or("tariff_duties", true),
                additional_duties: r.yes("additional_duties"),
                postal_specific: r.yes("postal_specific"),
                postal_bands: bands(r, c),
                import_vat: r.yes_or("import_vat", true),
                cbec,
                postal_article_max: r.amount("postal_article_max", c),
                postal_article_near_max: r.amount("postal_article_near_max", c),
                postal_waive_max: r.amount("postal_waive_max", c),
                transport_in_value: r.yes("transport_in_value"),
                handling_fee_minor: r.amount("handling_fee", c).unwrap_or(0),
                currency: currency?,
            };
            Some(regime)
        },
    )
}

/// Tariff lines; specific amounts and bounds are in `currency_of(territory)`.
pub fn parse_tariff(
    text: &str,
    currency_of: impl Fn(&str) -> Option<Currency>,
) -> Result<Vec<TariffLine>, Vec<Problem>> {
    read_tariff(text, currency_of).map(strip)
}

pub fn read_tariff(
    text: &str,
    currency_of: impl Fn(&str) -> Option<Currency>,
) -> Result<Vec<Sourced<TariffLine>>, Vec<Problem>> {
    read(
        text,
        &["territory", "hs_prefix", "ad_valorem_percent", "valid_from"],
        |r| {
            let before = r.problems.len();
            let territory = r.country("territory");
            let known = r.problems.len() == before && !territory.is_empty();
            let hs_prefix = r.hs_prefix("hs_prefix", false);
            if hs_prefix.len() == 1 {
                r.problem("hs_prefix", "hs_code_digits");
            }
            let c = currency_of(&territory);
            if c.is_none() && known {
                r.problem("territory", "territory_no_regime");
            }
            let unit = match SpecificUnit::parse(&r.text("specific_unit")) {
                Some(u) => u,
                None => {
                    r.problem("specific_unit", "invalid");
                    SpecificUnit::Item
                }
            };
            let duty = Duty {
                ad_valorem_ppm: r.percent("ad_valorem_percent").unwrap_or(0),
                specific_minor: r.amount("specific_amount", c).unwrap_or(0),
                specific_unit: unit,
                min_minor: r.amount("min_amount", c),
                max_minor: r.amount("max_amount", c),
            };
            Some(TariffLine {
                id: 0,
                territory,
                hs_prefix,
                description: r.text("description"),
                duty,
                valid: r.validity(),
            })
        },
    )
}

/// VAT rates; high-end thresholds are in `currency_of(territory)`.
pub fn parse_vat(
    text: &str,
    currency_of: impl Fn(&str) -> Option<Currency>,
) -> Result<Vec<VatRate>, Vec<Problem>> {
    read_vat(text, currency_of).map(strip)
}

pub fn read_vat(
    text: &str,
    currency_of: impl Fn(&str) -> Option<Currency>,
) -> Result<Vec<Sourced<VatRate>>, Vec<Problem>> {
    read(
        text,
        &["country", "hs_prefix", "vat_percent", "valid_from"],
        |r| {
            let country = r.country("country");
            let c = currency_of(crate::domain::tariff::territory_of(&country));
            let high_end = match r.amount("high_end_from", c) {
                None => None,
                Some(min) => {
                    let unit = match SpecificUnit::parse(&r.text("high_end_unit")) {
                        Some(u @ (SpecificUnit::Item | SpecificUnit::KgNet)) => u,
                        _ => {
                            r.problem("high_end_unit", "invalid");
                            SpecificUnit::Item
                        }
                    };
                    Some(HighEnd {
                        min_minor: min,
                        unit,
                        consumption_ppm: r.percent("high_end_consumption_percent").unwrap_or(0),
                        postal_article_ppm: r.percent("high_end_postal_percent").unwrap_or(0),
                    })
                }
            };
            Some(VatRate {
                id: 0,
                country,
                high_end,
                hs_prefix: r.hs_prefix("hs_prefix", true),
                vat_ppm: if r.text("vat_percent").is_empty() {
                    r.problem("vat_percent", "required");
                    0
                } else {
                    r.percent("vat_percent").unwrap_or(0)
                },
                consumption_ppm: r.percent("consumption_percent").unwrap_or(0),
                postal_article_ppm: r.percent("postal_article_percent").unwrap_or(0),
                valid: r.validity(),
            })
        },
    )
}

pub fn read_additional(text: &str) -> Result<Vec<Sourced<AdditionalDuty>>, Vec<Problem>> {
    read(
        text,
        &["territory", "origin", "rate_percent", "valid_from"],
        |r| {
            let origin = r.required("origin").to_uppercase();
            if origin != "*" && crate::domain::org::CountryCode::parse("origin", &origin).is_err() {
                r.problem("origin", "country_invalid");
            }
            Some(AdditionalDuty {
                id: 0,
                territory: r.country("territory"),
                origin,
                rate_ppm: r.percent("rate_percent").unwrap_or(0),
                valid: r.validity(),
            })
        },
    )
}

pub fn read_fx(text: &str) -> Result<Vec<Sourced<FxRate>>, Vec<Problem>> {
    read(text, &["base", "currency", "day", "rate"], |r| {
        let base = r.currency("base");
        let currency = r.currency("currency");
        let day = r.date("day");
        if day.is_none() && r.text("day").is_empty() {
            r.problem("day", "required");
        }
        let rate = r.text("rate");
        let per_base_micro = match parse_decimal("rate", &rate, 6, "amount") {
            Ok(0) => {
                r.problem("rate", "number_invalid");
                0
            }
            Ok(v) => v,
            Err(e) => {
                r.problem("rate", &e.code);
                0
            }
        };
        Some(FxRate {
            id: 0,
            base: base?,
            currency: currency?,
            day: day?,
            per_base_micro,
        })
    })
}

/// Everything the seed files hold.
#[derive(Debug, Clone)]
pub struct Seed {
    pub regimes: Vec<Regime>,
    pub tariff: Vec<TariffLine>,
    pub vat: Vec<VatRate>,
    pub additional: Vec<AdditionalDuty>,
    pub fx: Vec<FxRate>,
}

/// The territory's currency, from its regimes.
pub fn currencies(regimes: &[Regime]) -> impl Fn(&str) -> Option<Currency> + '_ {
    move |t: &str| {
        regimes
            .iter()
            .find(|r| r.territory == t)
            .map(|r| r.currency)
    }
}

/// The seed files, read. `Err` names the file and its problems.
pub fn seed() -> Result<Seed, (String, Vec<Problem>)> {
    use crate::domain::rates::Record;
    let mut seed = Seed {
        regimes: Vec::new(),
        tariff: Vec::new(),
        vat: Vec::new(),
        additional: Vec::new(),
        fx: Vec::new(),
    };
    for (r, _) in seed_rows()? {
        match r {
            Record::Regimes(g) => seed.regimes.push(*g),
            Record::Tariff(t) => seed.tariff.push(t),
            Record::Vat(v) => seed.vat.push(v),
            Record::Additional(a) => seed.additional.push(a),
            Record::Fx(f) => seed.fx.push(f),
            // The seed files hold no SDR rates (a migration does).
            Record::Sdr(_) => {}
        }
    }
    Ok(seed)
}

/// The seed files' rows with their sources, as stored at start-up.
pub fn seed_rows() -> Result<Vec<Sourced<crate::domain::rates::Record>>, (String, Vec<Problem>)> {
    use crate::domain::rates::Table;
    let regimes = parse_regimes(REGIMES_CSV).map_err(|p| ("regimes.csv".to_owned(), p))?;
    let cur = currencies(&regimes);
    let mut out = Vec::new();
    for (t, text) in [
        (Table::Regimes, REGIMES_CSV),
        (Table::Tariff, TARIFF_CSV),
        (Table::Vat, VAT_CSV),
        (Table::Additional, ADDITIONAL_CSV),
        (Table::Fx, FX_CSV),
    ] {
        out.extend(table::read_table(t, text, &cur).map_err(|p| (t.file_name(), p))?);
    }
    Ok(out)
}

impl Seed {
    pub fn data(&self) -> RegimeData {
        RegimeData::new(
            self.regimes.clone(),
            self.tariff.clone(),
            self.vat.clone(),
            self.additional.clone(),
            self.fx.clone(),
        )
    }
}

pub mod table;

#[cfg(test)]
mod tests;

//! The regime-data tables row by row: what the engine loads and what admins
//! list, edit, import and export (`/admin/rates`).
use sqlx::FromRow;
use time::Date;

use super::{on_db, on_tx, Db, Tx};
use crate::domain::goods::Currency;
use crate::domain::rates::Table;
use crate::domain::rates::{Record, SdrRate};
use crate::domain::tariff::{
    AdditionalDuty, Cbec, Duty, FxRate, HighEnd, PostalBand, Regime, SpecificUnit, TariffLine,
    Validity, VatRate,
};
use crate::error::{AppError, AppResult};

/// A stored row: its id, the record and where its figures come from.
pub type Stored = (i64, Record, String);

/// Where to read: the pool, or an open transaction (to see its changes).
pub enum Src<'a> {
    Db(&'a Db),
    Tx(&'a mut Tx),
}

macro_rules! fetch_all {
    ($src:expr, $row:ty, $sql:expr) => {
        match $src {
            Src::Db(db) => on_db!(db, |p| sqlx::query_as::<_, $row>($sql).fetch_all(p).await),
            Src::Tx(tx) => on_tx!(tx, |c| sqlx::query_as::<_, $row>($sql).fetch_all(c).await),
        }
    };
}

fn bands_text(bands: &[PostalBand]) -> String {
    bands
        .iter()
        .map(|b| {
            format!(
                "{}={}",
                b.below_ppm.map(|p| p.to_string()).unwrap_or_default(),
                b.amount_minor
            )
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn parse_bands(text: &str) -> Vec<PostalBand> {
    text.split('|')
        .filter_map(|part| {
            let (below, amount) = part.split_once('=')?;
            Some(PostalBand {
                below_ppm: below.parse().ok(),
                amount_minor: amount.parse().ok()?,
            })
        })
        .collect()
}

fn currency(code: &str) -> AppResult<Currency> {
    Currency::parse("currency", code).map_err(|_| {
        tracing::error!(code, "stored currency is not ISO 4217");
        AppError::Internal
    })
}

#[derive(FromRow)]
struct RegimeRow {
    id: i64,
    code: String,
    name: String,
    territory: String,
    currency: String,
    valid_from: Date,
    valid_to: Option<Date>,
    duty_free_max: Option<i64>,
    vat_free_max: Option<i64>,
    flat_duty: Option<i64>,
    flat_duty_max: Option<i64>,
    ioss_max: Option<i64>,
    collected_at_sale_max: Option<i64>,
    gift_free_max: Option<i64>,
    gift_vat_free_max: Option<i64>,
    de_minimis_max: Option<i64>,
    tariff_duties: bool,
    additional_duties: bool,
    postal_specific: bool,
    postal_bands: String,
    import_vat: bool,
    cbec_per_transaction_max: Option<i64>,
    cbec_annual_max: Option<i64>,
    cbec_share_ppm: Option<i64>,
    postal_article_max: Option<i64>,
    postal_article_near_max: Option<i64>,
    postal_waive_max: Option<i64>,
    transport_in_value: bool,
    handling_fee: i64,
    source: String,
}

#[derive(FromRow)]
struct TariffRow {
    id: i64,
    territory: String,
    hs_prefix: String,
    description: String,
    ad_valorem_ppm: i64,
    specific_minor: i64,
    specific_unit: String,
    min_minor: Option<i64>,
    max_minor: Option<i64>,
    valid_from: Date,
    valid_to: Option<Date>,
    source: String,
}

#[derive(FromRow)]
struct VatRow {
    id: i64,
    country: String,
    hs_prefix: String,
    vat_ppm: i64,
    consumption_ppm: i64,
    postal_article_ppm: i64,
    high_end_min: Option<i64>,
    high_end_unit: Option<String>,
    high_end_consumption_ppm: Option<i64>,
    high_end_postal_ppm: Option<i64>,
    valid_from: Date,
    valid_to: Option<Date>,
    source: String,
}

#[derive(FromRow)]
struct AdditionalRow {
    id: i64,
    territory: String,
    origin: String,
    rate_ppm: i64,
    valid_from: Date,
    valid_to: Option<Date>,
    note: String,
}

#[derive(FromRow)]
struct FxRow {
    id: i64,
    base: String,
    currency: String,
    day: Date,
    per_base_micro: i64,
    source: String,
}

#[derive(FromRow)]
struct SdrRow {
    id: i64,
    currency: String,
    valid_from: Date,
    units_per_sdr_micro: i64,
    source: String,
}

fn regime(r: RegimeRow) -> AppResult<Stored> {
    let cbec = match (
        r.cbec_per_transaction_max,
        r.cbec_annual_max,
        r.cbec_share_ppm,
    ) {
        (Some(p), Some(a), Some(s)) => Some(Cbec {
            per_transaction_max: p,
            annual_max: a,
            share_ppm: s,
        }),
        _ => None,
    };
    let record = Record::Regimes(Box::new(Regime {
        id: r.id,
        currency: currency(&r.currency)?,
        code: r.code,
        name: r.name,
        territory: r.territory,
        valid: Validity {
            from: r.valid_from,
            to: r.valid_to,
        },
        duty_free_max: r.duty_free_max,
        vat_free_max: r.vat_free_max,
        flat_duty_minor: r.flat_duty,
        flat_duty_max: r.flat_duty_max,
        ioss_max: r.ioss_max,
        collected_at_sale_max: r.collected_at_sale_max,
        gift_free_max: r.gift_free_max,
        gift_vat_free_max: r.gift_vat_free_max,
        de_minimis_max: r.de_minimis_max,
        tariff_duties: r.tariff_duties,
        additional_duties: r.additional_duties,
        postal_specific: r.postal_specific,
        postal_bands: parse_bands(&r.postal_bands),
        import_vat: r.import_vat,
        cbec,
        postal_article_max: r.postal_article_max,
        postal_article_near_max: r.postal_article_near_max,
        postal_waive_max: r.postal_waive_max,
        transport_in_value: r.transport_in_value,
        handling_fee_minor: r.handling_fee,
    }));
    Ok((r.id, record, r.source))
}

fn tariff(t: TariffRow) -> AppResult<Stored> {
    let unit = SpecificUnit::parse(&t.specific_unit).ok_or_else(|| {
        tracing::error!(unit = t.specific_unit, "stored specific unit");
        AppError::Internal
    })?;
    let record = Record::Tariff(TariffLine {
        id: t.id,
        territory: t.territory,
        hs_prefix: t.hs_prefix,
        description: t.description,
        duty: Duty {
            ad_valorem_ppm: t.ad_valorem_ppm,
            specific_minor: t.specific_minor,
            specific_unit: unit,
            min_minor: t.min_minor,
            max_minor: t.max_minor,
        },
        valid: Validity {
            from: t.valid_from,
            to: t.valid_to,
        },
    });
    Ok((t.id, record, t.source))
}

/// Every row of `table`, in the order of its key.
pub async fn load(src: Src<'_>, table: Table) -> AppResult<Vec<Stored>> {
    Ok(match table {
        Table::Regimes => {
            let rows = fetch_all!(
                src,
                RegimeRow,
                "select * from regimes order by territory, valid_from, code"
            )?;
            rows.into_iter().map(regime).collect::<AppResult<_>>()?
        }
        Table::Tariff => {
            let rows = fetch_all!(
                src,
                TariffRow,
                "select id, territory, hs_prefix, description, ad_valorem_ppm, specific_minor,
                        specific_unit, min_minor, max_minor, valid_from, valid_to, source
                 from tariff_lines order by territory, hs_prefix, valid_from"
            )?;
            rows.into_iter().map(tariff).collect::<AppResult<_>>()?
        }
        Table::Vat => {
            let rows = fetch_all!(
                src,
                VatRow,
                "select id, country, hs_prefix, vat_ppm, consumption_ppm, postal_article_ppm,
                        high_end_min, high_end_unit, high_end_consumption_ppm,
                        high_end_postal_ppm, valid_from, valid_to, source
                 from vat_rates order by country, hs_prefix, valid_from"
            )?;
            rows.into_iter()
                .map(|v| {
                    // The four columns are written together (all or none).
                    let high_end = match (
                        v.high_end_min,
                        v.high_end_unit.as_deref().and_then(SpecificUnit::parse),
                        v.high_end_consumption_ppm,
                        v.high_end_postal_ppm,
                    ) {
                        (Some(min_minor), Some(unit), Some(ct), Some(postal)) => Some(HighEnd {
                            min_minor,
                            unit,
                            consumption_ppm: ct,
                            postal_article_ppm: postal,
                        }),
                        (None, _, _, _) => None,
                        _ => {
                            tracing::error!(id = v.id, "stored high-end rates are incomplete");
                            return Err(AppError::Internal);
                        }
                    };
                    let r = Record::Vat(VatRate {
                        high_end,
                        id: v.id,
                        country: v.country,
                        hs_prefix: v.hs_prefix,
                        vat_ppm: v.vat_ppm,
                        consumption_ppm: v.consumption_ppm,
                        postal_article_ppm: v.postal_article_ppm,
                        valid: Validity {
                            from: v.valid_from,
                            to: v.valid_to,
                        },
                    });
                    Ok((v.id, r, v.source))
                })
                .collect::<AppResult<_>>()?
        }
        Table::Additional => {
            let rows = fetch_all!(
                src,
                AdditionalRow,
                "select id, territory, origin, rate_ppm, valid_from, valid_to, note
                 from additional_duties order by territory, origin, valid_from"
            )?;
            rows.into_iter()
                .map(|a| {
                    let r = Record::Additional(AdditionalDuty {
                        id: a.id,
                        territory: a.territory,
                        origin: a.origin,
                        rate_ppm: a.rate_ppm,
                        valid: Validity {
                            from: a.valid_from,
                            to: a.valid_to,
                        },
                    });
                    (a.id, r, a.note)
                })
                .collect()
        }
        Table::Fx => {
            let rows = fetch_all!(
                src,
                FxRow,
                "select id, base, currency, day, per_base_micro, source
                 from fx_rates order by base, currency, day"
            )?;
            rows.into_iter()
                .map(|f| {
                    let r = Record::Fx(FxRate {
                        id: f.id,
                        base: currency(&f.base)?,
                        currency: currency(&f.currency)?,
                        day: f.day,
                        per_base_micro: f.per_base_micro,
                    });
                    Ok((f.id, r, f.source))
                })
                .collect::<AppResult<_>>()?
        }
        Table::Sdr => {
            let rows = fetch_all!(
                src,
                SdrRow,
                "select id, currency, valid_from, units_per_sdr_micro, source
                 from sdr_rates order by currency, valid_from"
            )?;
            rows.into_iter()
                .map(|s| {
                    let r = Record::Sdr(SdrRate {
                        currency: currency(&s.currency)?,
                        valid_from: s.valid_from,
                        units_per_sdr_micro: s.units_per_sdr_micro,
                    });
                    Ok((s.id, r, s.source))
                })
                .collect::<AppResult<_>>()?
        }
    })
}

/// A value to store.
enum Val {
    Text(String),
    OptText(Option<String>),
    Int(Option<i64>),
    Day(Option<Date>),
    Flag(bool),
}

/// The stored table and the record's columns with their values.
fn columns(r: &Record, source: &str) -> (&'static str, Vec<(&'static str, Val)>) {
    use Val::{Day, Flag, Int, OptText, Text};
    let s = Text(source.to_owned());
    let stored_in = table_name(r.table());
    match r {
        Record::Regimes(g) => (
            stored_in,
            vec![
                ("code", Text(g.code.clone())),
                ("name", Text(g.name.clone())),
                ("territory", Text(g.territory.clone())),
                ("currency", Text(g.currency.code().to_owned())),
                ("valid_from", Day(Some(g.valid.from))),
                ("valid_to", Day(g.valid.to)),
                ("duty_free_max", Int(g.duty_free_max)),
                ("vat_free_max", Int(g.vat_free_max)),
                ("flat_duty", Int(g.flat_duty_minor)),
                ("flat_duty_max", Int(g.flat_duty_max)),
                ("ioss_max", Int(g.ioss_max)),
                ("collected_at_sale_max", Int(g.collected_at_sale_max)),
                ("gift_free_max", Int(g.gift_free_max)),
                ("gift_vat_free_max", Int(g.gift_vat_free_max)),
                ("de_minimis_max", Int(g.de_minimis_max)),
                ("tariff_duties", Flag(g.tariff_duties)),
                ("additional_duties", Flag(g.additional_duties)),
                ("postal_specific", Flag(g.postal_specific)),
                ("postal_bands", Text(bands_text(&g.postal_bands))),
                ("import_vat", Flag(g.import_vat)),
                (
                    "cbec_per_transaction_max",
                    Int(g.cbec.map(|c| c.per_transaction_max)),
                ),
                ("cbec_annual_max", Int(g.cbec.map(|c| c.annual_max))),
                ("cbec_share_ppm", Int(g.cbec.map(|c| c.share_ppm))),
                ("postal_article_max", Int(g.postal_article_max)),
                ("postal_article_near_max", Int(g.postal_article_near_max)),
                ("postal_waive_max", Int(g.postal_waive_max)),
                ("transport_in_value", Flag(g.transport_in_value)),
                ("handling_fee", Int(Some(g.handling_fee_minor))),
                ("source", s),
            ],
        ),
        Record::Tariff(t) => (
            stored_in,
            vec![
                ("territory", Text(t.territory.clone())),
                ("hs_prefix", Text(t.hs_prefix.clone())),
                ("description", Text(t.description.clone())),
                ("ad_valorem_ppm", Int(Some(t.duty.ad_valorem_ppm))),
                ("specific_minor", Int(Some(t.duty.specific_minor))),
                (
                    "specific_unit",
                    Text(t.duty.specific_unit.as_str().to_owned()),
                ),
                ("min_minor", Int(t.duty.min_minor)),
                ("max_minor", Int(t.duty.max_minor)),
                ("valid_from", Day(Some(t.valid.from))),
                ("valid_to", Day(t.valid.to)),
                ("source", s),
            ],
        ),
        Record::Vat(v) => (
            stored_in,
            vec![
                ("country", Text(v.country.clone())),
                ("hs_prefix", Text(v.hs_prefix.clone())),
                ("vat_ppm", Int(Some(v.vat_ppm))),
                ("consumption_ppm", Int(Some(v.consumption_ppm))),
                ("postal_article_ppm", Int(Some(v.postal_article_ppm))),
                ("high_end_min", Int(v.high_end.map(|h| h.min_minor))),
                (
                    "high_end_unit",
                    OptText(v.high_end.map(|h| h.unit.as_str().to_owned())),
                ),
                (
                    "high_end_consumption_ppm",
                    Int(v.high_end.map(|h| h.consumption_ppm)),
                ),
                (
                    "high_end_postal_ppm",
                    Int(v.high_end.map(|h| h.postal_article_ppm)),
                ),
                ("valid_from", Day(Some(v.valid.from))),
                ("valid_to", Day(v.valid.to)),
                ("source", s),
            ],
        ),
        Record::Additional(a) => (
            stored_in,
            vec![
                ("territory", Text(a.territory.clone())),
                ("origin", Text(a.origin.clone())),
                ("rate_ppm", Int(Some(a.rate_ppm))),
                ("valid_from", Day(Some(a.valid.from))),
                ("valid_to", Day(a.valid.to)),
                ("note", s),
            ],
        ),
        Record::Fx(f) => (
            stored_in,
            vec![
                ("base", Text(f.base.code().to_owned())),
                ("currency", Text(f.currency.code().to_owned())),
                ("day", Day(Some(f.day))),
                ("per_base_micro", Int(Some(f.per_base_micro))),
                ("source", s),
            ],
        ),
        Record::Sdr(r) => (
            stored_in,
            vec![
                ("currency", Text(r.currency.code().to_owned())),
                ("valid_from", Day(Some(r.valid_from))),
                ("units_per_sdr_micro", Int(Some(r.units_per_sdr_micro))),
                ("source", s),
            ],
        ),
    }
}

pub fn table_name(table: Table) -> &'static str {
    match table {
        Table::Regimes => "regimes",
        Table::Tariff => "tariff_lines",
        Table::Vat => "vat_rates",
        Table::Additional => "additional_duties",
        Table::Fx => "fx_rates",
        Table::Sdr => "sdr_rates",
    }
}

macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for v in $vals {
            q = match v {
                Val::Text(s) => q.bind(s),
                Val::OptText(s) => q.bind(s),
                Val::Int(i) => q.bind(i),
                Val::Day(d) => q.bind(d),
                Val::Flag(b) => q.bind(b),
            };
        }
        q
    }};
}

/// A row that shares its key and start with a stored one: the database's
/// unique index said no.
fn taken(e: sqlx::Error) -> AppError {
    if super::is_unique_violation(&e) {
        AppError::field("row.valid_from", "rate_row_taken")
    } else {
        e.into()
    }
}

/// Stores a new row; its id.
pub async fn insert(tx: &mut Tx, r: &Record, source: &str) -> AppResult<i64> {
    let (table, vals) = columns(r, source);
    let names: Vec<&str> = vals.iter().map(|(n, _)| *n).collect();
    let marks: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "insert into {table} ({}) values ({}) returning id",
        names.join(", "),
        marks.join(", ")
    );
    let vals = vals.into_iter().map(|(_, v)| v);
    on_tx!(tx, |c| bind_all!(sqlx::query_scalar::<_, i64>(&sql), vals)
        .fetch_one(c)
        .await)
    .map_err(taken)
}

/// Changes row `id` of the record's table; false when there is none.
pub async fn update(tx: &mut Tx, id: i64, r: &Record, source: &str) -> AppResult<bool> {
    let (table, vals) = columns(r, source);
    let sets: Vec<String> = vals
        .iter()
        .enumerate()
        .map(|(i, (n, _))| format!("{n} = ${}", i + 1))
        .collect();
    let sql = format!(
        "update {table} set {} where id = ${}",
        sets.join(", "),
        vals.len() + 1
    );
    let vals = vals.into_iter().map(|(_, v)| v);
    let done = on_tx!(tx, |c| bind_all!(sqlx::query(&sql), vals)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .map_err(taken)?;
    Ok(done == 1)
}

/// Removes row `id` of `table`; false when there is none.
pub async fn delete(tx: &mut Tx, table: Table, id: i64) -> AppResult<bool> {
    let sql = format!("delete from {} where id = $1", table_name(table));
    let done = on_tx!(tx, |c| sqlx::query(&sql)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// The rows of a table, each once: for the engine.
pub fn records<T>(rows: Vec<Stored>, f: impl Fn(Record) -> Option<T>) -> Vec<T> {
    rows.into_iter().filter_map(|(_, r, _)| f(r)).collect()
}

/// Whether any assessment names the regime `code` (it then stays: its
/// period is ended instead).
pub async fn regime_in_use(tx: &mut Tx, code: &str) -> AppResult<bool> {
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "select count(*) from assessments where regime = $1"
    )
    .bind(code)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// Units of `currency` per SDR (millionths) on `day`.
pub async fn sdr_rate(db: &Db, currency: &str, day: Date) -> AppResult<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select units_per_sdr_micro from sdr_rates
         where currency = $1 and valid_from <= $2 order by valid_from desc limit 1"
    )
    .bind(currency)
    .bind(day)
    .fetch_optional(p)
    .await)?)
}

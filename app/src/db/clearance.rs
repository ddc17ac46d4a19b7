//! The clearance engine's data: regimes and rates, risk rules, watchlists,
//! lane bands, and each parcel's assessments and risk scores.
use sqlx::FromRow;
use time::{Date, OffsetDateTime};

use super::{now, on_db, on_tx, Db, Tx};
use crate::domain::assess::Assessment;
use crate::domain::rates::Table;
use crate::domain::rates::{Record, Sourced};
use crate::domain::risk::{
    Bands, RiskCategory, RiskResult, Rule, RuleKind, WatchAction, WatchEntry,
};
use crate::domain::tariff::{RegimeData, Validity};
use crate::error::OrInternal;
use crate::error::{AppError, AppResult};

use super::rates::{self, Src};

const CHUNK: usize = 400;

/// The version of a kind of data (raised by every change of it).
pub async fn version(db: &Db, name: &str) -> AppResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select version from data_versions where name = $1"
    )
    .bind(name)
    .fetch_optional(p)
    .await)?
    .unwrap_or(0))
}

/// Raises the version of a kind of data, in the changing transaction.
pub async fn bump(tx: &mut Tx, name: &str) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into data_versions (name, version) values ($1, 1)
         on conflict (name) do update set version = data_versions.version + 1"
    )
    .bind(name)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn has_regimes(db: &Db) -> AppResult<bool> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select count(*) from regimes"
    )
    .fetch_one(p)
    .await)?
        > 0)
}

/// Writes the seed files' rows, with their sources (into empty tables).
pub async fn insert_seed(tx: &mut Tx, rows: &[Sourced<Record>]) -> AppResult<()> {
    for (r, source) in rows {
        rates::insert(tx, r, source).await?;
    }
    bump(tx, "regimes").await
}

/// Every regime, rate and line, for the engine.
pub async fn load_regime_data(db: &Db) -> AppResult<RegimeData> {
    let load = |t| rates::load(Src::Db(db), t);
    let regimes = rates::records(load(Table::Regimes).await?, |r| match r {
        Record::Regimes(x) => Some(*x),
        _ => None,
    });
    let tariff = rates::records(load(Table::Tariff).await?, |r| match r {
        Record::Tariff(x) => Some(x),
        _ => None,
    });
    let vat = rates::records(load(Table::Vat).await?, |r| match r {
        Record::Vat(x) => Some(x),
        _ => None,
    });
    let additional = rates::records(load(Table::Additional).await?, |r| match r {
        Record::Additional(x) => Some(x),
        _ => None,
    });
    let fx = rates::records(load(Table::Fx).await?, |r| match r {
        Record::Fx(x) => Some(x),
        _ => None,
    });
    Ok(RegimeData::new(regimes, tariff, vat, additional, fx))
}

// ---- risk ----

#[derive(FromRow)]
struct RuleRow {
    id: i64,
    administration: String,
    name: String,
    kind: String,
    params: String,
    weight: i64,
    category: String,
    enabled: bool,
    valid_from: Date,
    valid_to: Option<Date>,
}

/// A rule's kind from its stored name and parameters.
pub fn rule_kind(kind: &str, params: &str) -> Option<RuleKind> {
    let mut v: serde_json::Value = serde_json::from_str(params).ok()?;
    v.as_object_mut()?
        .insert("kind".into(), serde_json::Value::String(kind.to_owned()));
    serde_json::from_value(v).ok()
}

/// A rule kind's parameters, as stored.
pub fn rule_params(kind: &RuleKind) -> AppResult<String> {
    let mut v = serde_json::to_value(kind).map_err(|e| {
        tracing::error!(error = %e, "risk rule parameters");
        AppError::Internal
    })?;
    if let Some(m) = v.as_object_mut() {
        m.remove("kind");
    }
    Ok(v.to_string())
}

pub async fn rules(db: &Db, administration: &str) -> AppResult<Vec<Rule>> {
    let rows: Vec<RuleRow> = on_db!(db, |p| sqlx::query_as(
        "select id, administration, name, kind, params, weight, category, enabled, valid_from,
                valid_to
         from risk_rules where administration = $1 order by id"
    )
    .bind(administration)
    .fetch_all(p)
    .await)?;
    rows.into_iter()
        .map(|r| {
            let kind = rule_kind(&r.kind, &r.params).ok_or_else(|| {
                tracing::error!(rule = r.id, "stored risk rule unreadable");
                AppError::Internal
            })?;
            Ok(Rule {
                id: r.id,
                administration: r.administration,
                name: r.name,
                kind,
                weight: r.weight as i32,
                category: RiskCategory::parse(&r.category)
                    .or_internal("stored risk category unknown")?,
                enabled: r.enabled,
                valid: Validity {
                    from: r.valid_from,
                    to: r.valid_to,
                },
            })
        })
        .collect()
}

pub struct NewRule<'a> {
    pub administration: &'a str,
    pub name: &'a str,
    pub kind: &'a RuleKind,
    pub weight: i32,
    pub category: RiskCategory,
    pub enabled: bool,
    pub valid: Validity,
    pub by: Option<i64>,
}

pub async fn insert_rule(tx: &mut Tx, r: &NewRule<'_>) -> AppResult<i64> {
    let ts = now();
    let params = rule_params(r.kind)?;
    let id = on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into risk_rules (administration, name, kind, params, weight, category, enabled,
                                 valid_from, valid_to, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) returning id"
    )
    .bind(r.administration)
    .bind(r.name)
    .bind(r.kind.name())
    .bind(params)
    .bind(i64::from(r.weight))
    .bind(r.category.as_str())
    .bind(r.enabled)
    .bind(r.valid.from)
    .bind(r.valid.to)
    .bind(r.by)
    .bind(ts)
    .fetch_one(c)
    .await)?;
    bump(tx, &format!("risk:{}", r.administration)).await?;
    Ok(id)
}

/// Changes a rule (its administration stays).
pub async fn update_rule(tx: &mut Tx, r: &Rule) -> AppResult<()> {
    let params = rule_params(&r.kind)?;
    let n = on_tx!(tx, |c| sqlx::query(
        "update risk_rules set name = $1, kind = $2, params = $3, weight = $4, category = $5,
                enabled = $6, valid_from = $7, valid_to = $8, updated_at = $9
         where id = $10 and administration = $11"
    )
    .bind(&r.name)
    .bind(r.kind.name())
    .bind(params)
    .bind(i64::from(r.weight))
    .bind(r.category.as_str())
    .bind(r.enabled)
    .bind(r.valid.from)
    .bind(r.valid.to)
    .bind(now())
    .bind(r.id)
    .bind(&r.administration)
    .execute(c)
    .await
    .map(|x| x.rows_affected()))?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    bump(tx, &format!("risk:{}", r.administration)).await
}

#[derive(FromRow)]
struct WatchRow {
    id: i64,
    administration: String,
    name: String,
    country: String,
    action: String,
}

pub async fn watchlist(db: &Db, administration: &str) -> AppResult<Vec<WatchEntry>> {
    let rows: Vec<WatchRow> = on_db!(db, |p| sqlx::query_as(
        "select id, administration, name, country, action from watchlist
         where administration = $1 order by id"
    )
    .bind(administration)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|w| {
            Some(WatchEntry {
                id: w.id,
                administration: w.administration,
                name: w.name,
                country: w.country,
                action: WatchAction::parse(&w.action)?,
            })
        })
        .collect())
}

pub async fn insert_watch(tx: &mut Tx, e: &WatchEntry, note: &str) -> AppResult<i64> {
    let id = on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into watchlist (administration, name, country, action, note, created_at)
         values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(&e.administration)
    .bind(&e.name)
    .bind(&e.country)
    .bind(e.action.as_str())
    .bind(note)
    .bind(now())
    .fetch_one(c)
    .await)?;
    bump(tx, &format!("risk:{}", e.administration)).await?;
    Ok(id)
}

/// Lane bands and the auto pre-clear policy of an administration (the
/// defaults when it set none).
pub async fn settings(db: &Db, administration: &str) -> AppResult<(Bands, bool)> {
    let row = on_db!(db, |p| sqlx::query_as::<_, (i64, i64, bool)>(
        "select yellow_from, red_from, auto_preclear_green from risk_settings
         where administration = $1"
    )
    .bind(administration)
    .fetch_optional(p)
    .await)?;
    Ok(match row {
        Some((y, r, auto)) => (
            Bands {
                yellow_from: y as i32,
                red_from: r as i32,
            },
            auto,
        ),
        None => (Bands::default(), false),
    })
}

pub async fn save_settings(
    tx: &mut Tx,
    administration: &str,
    bands: Bands,
    auto_preclear_green: bool,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into risk_settings (administration, yellow_from, red_from, auto_preclear_green)
         values ($1, $2, $3, $4)
         on conflict (administration) do update set yellow_from = excluded.yellow_from,
             red_from = excluded.red_from, auto_preclear_green = excluded.auto_preclear_green"
    )
    .bind(administration)
    .bind(i64::from(bands.yellow_from))
    .bind(i64::from(bands.red_from))
    .bind(auto_preclear_green)
    .execute(c)
    .await
    .map(|_| ()))?;
    bump(tx, &format!("risk:{administration}")).await
}

pub async fn insert_reason_code(
    tx: &mut Tx,
    administration: &str,
    code: &str,
    label: &str,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into reason_codes (administration, code, label) values ($1, $2, $3)"
    )
    .bind(administration)
    .bind(code)
    .bind(label)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

// ---- each parcel's results ----

pub struct NewResult<'a> {
    pub parcel_id: i64,
    pub declaration_id: Option<i64>,
    pub assessment: &'a Assessment,
    pub risk: &'a RiskResult,
    pub annual: Option<&'a crate::domain::assess::Annual>,
}

/// Each recipient's total counted against an annual limit in `year`: the
/// current assessments of parcels whose goods are still coming in (not
/// cancelled, seized, returned, abandoned or destroyed); `except`: leave
/// out that parcel. Read in the writing transaction, which holds each
/// recipient's total until it commits (SQLite: the one writer; PostgreSQL:
/// a transaction lock per recipient, taken in key order), so two
/// submissions for one recipient cannot both stay under the limit.
pub async fn year_totals(
    tx: &mut Tx,
    keys: &[String],
    year: i32,
    except: Option<i64>,
) -> AppResult<std::collections::HashMap<String, i64>> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    if let Tx::Postgres(t) = tx {
        for k in &keys {
            sqlx::query("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(k)
                .execute(&mut **t)
                .await?;
        }
    }
    let mut out = std::collections::HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let rows: Vec<(String, i64)> = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "select a.recipient_key, cast(coalesce(sum(a.annual_minor), 0) as bigint)
                 from assessments a
                 join parcels p on p.id = a.parcel_id
                 left join declarations d on d.id = a.declaration_id
                 where a.current
                   and p.customs_status not in ('seized', 'return_ordered', 'abandoned', 'destroyed')
                   and (d.status is null or d.status <> 'cancelled')
                   and a.year = ",
            );
            q.push_bind(year);
            q.push(" and a.parcel_id <> ");
            q.push_bind(except.unwrap_or(0));
            q.push(" and a.recipient_key in (");
            let mut list = q.separated(", ");
            for k in chunk {
                list.push_bind(k);
            }
            q.push(") group by a.recipient_key");
            q.build_query_as().fetch_all(c).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// Stores assessments and risk scores as the parcels' current ones (the
/// earlier ones stay as history). `fresh`: the parcels were just created,
/// so they have no earlier results to mark as no longer current.
pub async fn insert_results(tx: &mut Tx, rows: &[NewResult<'_>], fresh: bool) -> AppResult<()> {
    let ts: OffsetDateTime = now();
    let details: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let detail = serde_json::json!({
                "lines": r.assessment.lines,
                "notes": r.assessment.notes,
            });
            Ok((
                detail.to_string(),
                serde_json::to_string(&r.risk.hits).or_internal("serialising rule hits")?,
            ))
        })
        .collect::<AppResult<_>>()?;
    for (chunk, details) in rows.chunks(CHUNK).zip(details.chunks(CHUNK)) {
        let ids: Vec<i64> = chunk.iter().map(|r| r.parcel_id).collect();
        for table in ["assessments", "risk_scores"].iter().filter(|_| !fresh) {
            on_tx!(tx, |c| {
                let mut q = sqlx::QueryBuilder::new(format!(
                    "update {table} set current = false where current and parcel_id in ("
                ));
                let mut list = q.separated(", ");
                for id in &ids {
                    list.push_bind(*id);
                }
                q.push(")");
                q.build().execute(c).await.map(|_| ())
            })?;
        }
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into assessments (parcel_id, declaration_id, regime, currency,
                     goods_value_minor, customs_value_minor, total_minor, payer, complete,
                     detail, current, created_at, recipient_key, year, annual_minor) ",
            );
            q.push_values(chunk.iter().zip(details), |mut b, (r, (detail, _))| {
                let a = r.assessment;
                b.push_bind(r.parcel_id)
                    .push_bind(r.declaration_id)
                    .push_bind(&a.regime)
                    .push_bind(a.currency.map(|c| c.code()))
                    .push_bind(a.goods_value_minor)
                    .push_bind(a.customs_value_minor)
                    .push_bind(a.total_minor)
                    .push_bind(a.payer.as_str())
                    .push_bind(a.complete)
                    .push_bind(detail)
                    .push_bind(true)
                    .push_bind(ts)
                    .push_bind(r.annual.map(|a| a.recipient_key.as_str()))
                    .push_bind(r.annual.map(|a| a.year))
                    .push_bind(r.annual.map_or(0, |a| a.counted_minor));
            });
            q.build().execute(c).await.map(|_| ())
        })?;
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into risk_scores (parcel_id, declaration_id, score, lane, blocked, hits,
                     current, created_at) ",
            );
            q.push_values(chunk.iter().zip(details), |mut b, (r, (_, hits))| {
                b.push_bind(r.parcel_id)
                    .push_bind(r.declaration_id)
                    .push_bind(i64::from(r.risk.score))
                    .push_bind(r.risk.lane.as_str())
                    .push_bind(r.risk.blocked)
                    .push_bind(hits)
                    .push_bind(true)
                    .push_bind(ts);
            });
            q.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

// ---- supervisors' lists ----

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct WatchRowFull {
    pub id: i64,
    pub name: String,
    pub country: String,
    pub action: String,
    pub note: String,
}

pub async fn watchlist_rows(db: &Db, administration: &str) -> AppResult<Vec<WatchRowFull>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, WatchRowFull>(
        "select id, name, country, action, note from watchlist
         where administration = $1 order by name, id"
    )
    .bind(administration)
    .fetch_all(p)
    .await)?)
}

/// Removes a watchlist entry of the administration; returns it.
pub async fn delete_watch(tx: &mut Tx, administration: &str, id: i64) -> AppResult<WatchRowFull> {
    let row = on_tx!(tx, |c| sqlx::query_as::<_, WatchRowFull>(
        "delete from watchlist where id = $1 and administration = $2
         returning id, name, country, action, note"
    )
    .bind(id)
    .bind(administration)
    .fetch_optional(c)
    .await)?
    .ok_or(AppError::NotFound)?;
    bump(tx, &format!("risk:{administration}")).await?;
    Ok(row)
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct ReasonRow {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub active: bool,
}

pub async fn reason_codes(db: &Db, administration: &str) -> AppResult<Vec<ReasonRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, ReasonRow>(
        "select id, code, label, active from reason_codes where administration = $1 order by code"
    )
    .bind(administration)
    .fetch_all(p)
    .await)?)
}

/// Adds a reason code, or renames and reactivates an existing one; returns
/// the row as it was before (if any) and after.
pub async fn save_reason_code(
    tx: &mut Tx,
    administration: &str,
    code: &str,
    label: &str,
) -> AppResult<(Option<ReasonRow>, ReasonRow)> {
    let before = on_tx!(tx, |c| {
        sqlx::query_as::<_, ReasonRow>(
        "select id, code, label, active from reason_codes where administration = $1 and code = $2"
    )
    .bind(administration)
    .bind(code)
    .fetch_optional(c)
    .await
    })?;
    let after = on_tx!(tx, |c| sqlx::query_as::<_, ReasonRow>(
        "insert into reason_codes (administration, code, label) values ($1, $2, $3)
         on conflict (administration, code) do update set label = excluded.label, active = true
         returning id, code, label, active"
    )
    .bind(administration)
    .bind(code)
    .bind(label)
    .fetch_one(c)
    .await)?;
    Ok((before, after))
}

pub async fn set_reason_active(
    tx: &mut Tx,
    administration: &str,
    id: i64,
    active: bool,
) -> AppResult<(ReasonRow, ReasonRow)> {
    let before = on_tx!(tx, |c| {
        sqlx::query_as::<_, ReasonRow>(
        "select id, code, label, active from reason_codes where id = $1 and administration = $2"
    )
    .bind(id)
    .bind(administration)
    .fetch_optional(c)
    .await
    })?
    .ok_or(AppError::NotFound)?;
    on_tx!(tx, |c| sqlx::query(
        "update reason_codes set active = $1 where id = $2"
    )
    .bind(active)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    let after = ReasonRow {
        active,
        ..before.clone()
    };
    Ok((before, after))
}

/// The latest `last` parcels to `country`: item id and the current
/// declaration's input as stored (a back-test scores them again).
pub async fn latest_declarations(
    db: &Db,
    country: &str,
    last: i64,
) -> AppResult<Vec<(String, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as(
        "select p.item_id, d.input_json from parcels p
         join declarations d on d.id = p.declaration_id
         where p.destination_country = $1
         order by p.id desc limit $2"
    )
    .bind(country)
    .bind(last)
    .fetch_all(p)
    .await)?)
}

/// The latest 100 scored parcels to `country`, optionally of one lane.
pub async fn scored_parcels(
    db: &Db,
    country: &str,
    lane: Option<&str>,
) -> AppResult<Vec<crate::domain::customs::ScoredParcel>> {
    Ok(on_db!(db, |p| sqlx::query_as::<
        _,
        crate::domain::customs::ScoredParcel,
    >(
        "select p.id, p.item_id, p.customs_status, p.lane, s.score, d.summary, p.version
         from parcels p
         join declarations d on d.id = p.declaration_id
         left join risk_scores s on s.parcel_id = p.id and s.current
         where p.destination_country = $1 and ($2 is null or p.lane = $2)
         order by p.id desc limit 100"
    )
    .bind(country)
    .bind(lane)
    .fetch_all(p)
    .await)?)
}

/// Whether an administration has an active reason code (in the caller's
/// transaction).
pub async fn reason_code_exists(tx: &mut Tx, administration: &str, code: &str) -> AppResult<bool> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "select count(*) from reason_codes where administration = $1 and code = $2 and active"
    )
    .bind(administration)
    .bind(code)
    .fetch_one(c)
    .await)?
        > 0)
}

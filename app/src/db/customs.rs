//! Customs administrations' own data: risk rules, the watchlist, lane bands
//! and the green-lane policy, decision reason codes, and what officers and
//! supervisors read of parcels.
use sqlx::FromRow;
use time::Date;

use super::clearance::bump;
use super::{now, on_db, on_tx, Db, Tx};
use crate::domain::risk::{Bands, RiskCategory, Rule, RuleKind, WatchAction, WatchEntry};
use crate::domain::tariff::Validity;
use crate::error::OrInternal;
use crate::error::{AppError, AppResult};

// ---- risk rules, watchlist, settings ----

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
/// The newest scored parcels of a customs scope (an officer's office, a
/// supervisor's country), of one lane or all.
pub async fn scored_parcels(
    db: &Db,
    scope: &crate::domain::customs::Scope,
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
           and ($3 is null or p.inward_office_id in
                (select id from offices where customs_office_id = $3))
         order by p.id desc limit 100"
    )
    .bind(&scope.country)
    .bind(lane)
    .bind(scope.office)
    .fetch_all(p)
    .await)?)
}

/// The customs office that clears the parcels arriving at an office of
/// exchange.
pub async fn customs_office_of(db: &Db, exchange_office: i64) -> AppResult<Option<i64>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, Option<i64>>(
        "select customs_office_id from offices where id = $1"
    )
    .bind(exchange_office)
    .fetch_optional(p)
    .await)?
    .flatten())
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

//! The clearance engine's data: the version of each kind of data, the
//! regime data it loads, and each parcel's assessments and risk scores (the
//! rules it scores with are customs', in `db::customs`).
use time::OffsetDateTime;

use super::{now, on_db, on_tx, Db, Tx};
use crate::domain::assess::Assessment;
use crate::domain::rates::Table;
use crate::domain::rates::{Record, Sourced};
use crate::domain::risk::RiskResult;
use crate::domain::tariff::RegimeData;
use crate::error::AppResult;
use crate::error::OrInternal;

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

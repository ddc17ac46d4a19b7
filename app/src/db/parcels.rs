//! Parcels and their events: one row per parcel with its three statuses and
//! location, and the append-only history of every change.
use super::{now, on_db, on_tx, one_row, Db, Tx, CHUNK};
pub use crate::domain::parcel_view::{ParcelEvent, ParcelRow};
use crate::error::{AppError, AppResult};

pub struct NewParcel<'a> {
    pub item_id: &'a str,
    pub company_id: i64,
    pub destination_country: &'a str,
    pub inward_office_id: Option<i64>,
    pub customs_status: &'a str,
    pub payment_status: &'a str,
    pub location: &'a str,
    /// The risk lane, once scored.
    pub lane: Option<&'a str>,
    /// What the recipient owes, when something is due.
    pub amount_due_minor: Option<i64>,
    pub amount_due_currency: Option<String>,
}

/// After a parcel's item id changed: its score (the random selection
/// depends on the id) and what follows from it.
pub async fn set_lane(
    tx: &mut Tx,
    parcel_id: i64,
    lane: &str,
    customs_status: &str,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "update parcels set lane = $1, customs_status = $2 where id = $3"
    )
    .bind(lane)
    .bind(customs_status)
    .bind(parcel_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn set_item_id(tx: &mut Tx, parcel_id: i64, item_id: &str) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update parcels set item_id = $1 where id = $2"
    )
    .bind(item_id)
    .bind(parcel_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// Points the parcel at a new declaration version, if nobody changed the
/// parcel since `expected_version` was read (else a conflict).
pub async fn set_current_declaration(
    tx: &mut Tx,
    parcel_id: i64,
    declaration_id: i64,
    expected_version: i64,
) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update parcels set declaration_id = $1, version = version + 1, updated_at = $2
         where id = $3 and version = $4"
    )
    .bind(declaration_id)
    .bind(now())
    .bind(parcel_id)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::Conflict {
            code: "parcel_changed".into(),
        });
    }
    Ok(())
}

/// After a (re)assessment: the lane, the payment status and what is due
/// (the caller checked the parcel's version in this transaction).
pub async fn set_assessed(
    tx: &mut Tx,
    parcel_id: i64,
    lane: &str,
    payment_status: &str,
    amount_due_minor: Option<i64>,
    amount_due_currency: Option<String>,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "update parcels set lane = $1, payment_status = $2, amount_due_minor = $3,
                amount_due_currency = $4
         where id = $5"
    )
    .bind(lane)
    .bind(payment_status)
    .bind(amount_due_minor)
    .bind(amount_due_currency)
    .bind(parcel_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Sets the parcel's customs and payment status, if it is still at
/// `expected_version` (else the concurrent change won: a conflict).
pub async fn set_statuses(
    tx: &mut Tx,
    parcel_id: i64,
    expected_version: i64,
    customs_status: &str,
    payment_status: &str,
) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update parcels set customs_status = $1, payment_status = $2, version = version + 1,
                updated_at = $3
         where id = $4 and version = $5"
    )
    .bind(customs_status)
    .bind(payment_status)
    .bind(now())
    .bind(parcel_id)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::Conflict {
            code: "parcel_changed".into(),
        });
    }
    Ok(())
}

/// The parcel's current assessment: (total, payer, currency), read in the
/// caller's transaction.
pub async fn current_assessment(
    tx: &mut Tx,
    parcel_id: i64,
) -> AppResult<Option<(i64, String, Option<String>)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<
        _,
        (i64, String, Option<String>),
    >(
        "select total_minor, payer, currency from assessments
         where parcel_id = $1 and current order by id desc limit 1"
    )
    .bind(parcel_id)
    .fetch_optional(c)
    .await)?)
}

/// Who a notice about a parcel goes to, and what the last customs event said.
#[derive(Debug, sqlx::FromRow)]
pub struct NoticeTarget {
    pub item_id: String,
    pub created_by: i64,
    pub input_json: String,
    pub reason: Option<String>,
}

pub async fn notice_target(db: &Db, parcel_id: i64) -> AppResult<Option<NoticeTarget>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, NoticeTarget>(
        "select p.item_id, d.created_by, d.input_json,
                (select e.reason from parcel_events e
                 where e.parcel_id = p.id and e.dimension = 'customs'
                 order by e.id desc limit 1) as reason
         from parcels p join declarations d on d.id = p.declaration_id
         where p.id = $1"
    )
    .bind(parcel_id)
    .fetch_optional(p)
    .await)?)
}

/// A parcel's destination, customs and payment status, read in the
/// caller's transaction.
pub async fn parcel_state(tx: &mut Tx, parcel_id: i64) -> AppResult<(String, String, String, i64)> {
    on_tx!(tx, |c| sqlx::query_as::<_, (String, String, String, i64)>(
        "select destination_country, customs_status, payment_status, version
         from parcels where id = $1"
    )
    .bind(parcel_id)
    .fetch_optional(c)
    .await)?
    .ok_or(AppError::NotFound)
}

/// Raises the parcel's version (a change that touches no other column).
pub async fn touch(tx: &mut Tx, parcel_id: i64, expected_version: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
        "update parcels set version = version + 1, updated_at = $1 where id = $2 and version = $3"
    )
    .bind(now())
    .bind(parcel_id)
    .bind(expected_version)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })?;
    if n == 0 {
        return Err(AppError::Conflict {
            code: "parcel_changed".into(),
        });
    }
    Ok(())
}

pub struct NewEvent<'a> {
    pub parcel_id: i64,
    pub dimension: &'a str,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub upu_code: Option<&'a str>,
    pub decision_code: Option<&'a str>,
    pub actor_id: Option<i64>,
    pub office_id: Option<i64>,
    pub reason: &'a str,
}

pub async fn insert_event(tx: &mut Tx, e: &NewEvent<'_>) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into parcel_events (parcel_id, dimension, from_state, to_state, upu_code,
                                    decision_code, actor_id, office_id, reason, at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(e.parcel_id)
    .bind(e.dimension)
    .bind(e.from)
    .bind(e.to)
    .bind(e.upu_code)
    .bind(e.decision_code)
    .bind(e.actor_id)
    .bind(e.office_id)
    .bind(e.reason)
    .bind(now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

const PARCEL: &str =
    "select p.id, p.item_id, p.company_id, p.declaration_id, p.destination_country,
        p.inward_office_id, f.name as inward_office_name, p.customs_status, p.payment_status,
        p.location, p.version, p.amount_due_minor, p.amount_due_currency, p.created_at
    from parcels p left join offices f on f.id = p.inward_office_id";

pub async fn parcel(db: &Db, id: i64) -> AppResult<ParcelRow> {
    let sql = format!("{PARCEL} where p.id = $1");
    on_db!(db, |p| sqlx::query_as::<_, ParcelRow>(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::NotFound)
}

pub async fn events(db: &Db, parcel_id: i64) -> AppResult<Vec<ParcelEvent>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, ParcelEvent>(
        "select e.id, e.dimension, e.from_state, e.to_state, e.upu_code, e.decision_code,
                u.display_name as actor_name, u.role as actor_role, f.name as office_name,
                e.reason, e.at
         from parcel_events e
         left join users u on u.id = e.actor_id
         left join offices f on f.id = e.office_id
         where e.parcel_id = $1 order by e.id"
    )
    .bind(parcel_id)
    .fetch_all(p)
    .await)?)
}

/// Inserts parcels (item ids known); returns (id, item_id) of each.
pub async fn insert_parcels(tx: &mut Tx, rows: &[NewParcel<'_>]) -> AppResult<Vec<(i64, String)>> {
    let ts = now();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let got = on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into parcels (item_id, company_id, destination_country, inward_office_id,
                     customs_status, payment_status, location, lane, amount_due_minor,
                     amount_due_currency, version, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(p.item_id)
                    .push_bind(p.company_id)
                    .push_bind(p.destination_country)
                    .push_bind(p.inward_office_id)
                    .push_bind(p.customs_status)
                    .push_bind(p.payment_status)
                    .push_bind(p.location)
                    .push_bind(p.lane)
                    .push_bind(p.amount_due_minor)
                    .push_bind(&p.amount_due_currency)
                    .push_bind(1i64)
                    .push_bind(ts)
                    .push_bind(ts);
            });
            q.push(" returning id, item_id");
            q.build_query_as::<(i64, String)>().fetch_all(c).await
        })?;
        out.extend(got);
    }
    Ok(out)
}

pub async fn insert_events(tx: &mut Tx, rows: &[NewEvent<'_>]) -> AppResult<()> {
    let ts = now();
    for chunk in rows.chunks(CHUNK * 2) {
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into parcel_events (parcel_id, dimension, from_state, to_state, upu_code,
                     decision_code, actor_id, office_id, reason, at) ",
            );
            q.push_values(chunk, |mut b, e| {
                b.push_bind(e.parcel_id)
                    .push_bind(e.dimension)
                    .push_bind(e.from)
                    .push_bind(e.to)
                    .push_bind(e.upu_code)
                    .push_bind(e.decision_code)
                    .push_bind(e.actor_id)
                    .push_bind(e.office_id)
                    .push_bind(e.reason)
                    .push_bind(ts);
            });
            q.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

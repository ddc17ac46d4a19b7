//! UPU S10 serial ranges of posts and of their merchants: allocation of
//! serials and the claim of item ids (own or allocated).
use time::OffsetDateTime;

use super::{now, on_db, on_tx, Db, Tx, CHUNK};
pub use crate::domain::routing::RangeRow;
use crate::error::AppResult;

pub struct NewRange<'a> {
    pub post_id: i64,
    pub company_id: Option<i64>,
    pub service: &'a str,
    pub country: &'a str,
    pub first: i64,
    pub last: i64,
}

pub async fn insert_range(tx: &mut Tx, r: &NewRange<'_>) -> AppResult<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into s10_ranges (post_id, company_id, service, country_code, first_serial,
                                 last_serial, next_serial, created_at)
         values ($1, $2, $3, $4, $5, $6, $5, $7) returning id"
    )
    .bind(r.post_id)
    .bind(r.company_id)
    .bind(r.service)
    .bind(r.country)
    .bind(r.first)
    .bind(r.last)
    .bind(now())
    .fetch_one(c)
    .await)?)
}

/// Takes the next free serial of the company's ranges (service, serial,
/// country), or `None` when it has none left. Atomic: two transactions never
/// get the same serial.
pub async fn allocate_serial(
    tx: &mut Tx,
    company_id: i64,
) -> AppResult<Option<(String, i64, String)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (String, i64, String)>(
        "update s10_ranges set next_serial = next_serial + 1
         where id = (select id from s10_ranges
                     where company_id = $1 and next_serial <= last_serial order by id limit 1)
           and next_serial <= last_serial
         returning service, next_serial - 1, country_code"
    )
    .bind(company_id)
    .fetch_optional(c)
    .await)?)
}

/// Records `item_id` as used by `parcel_id`; false when another parcel used
/// it after `reusable_before` (ids may be re-used after 24 months only).
pub async fn claim_item_id(
    tx: &mut Tx,
    item_id: &str,
    parcel_id: i64,
    reusable_before: OffsetDateTime,
) -> AppResult<bool> {
    Ok(on_tx!(tx, |c| {
        sqlx::query(
        "insert into item_ids (item_id, parcel_id, used_at) values ($1, $2, $3)
         on conflict (item_id) do update set parcel_id = excluded.parcel_id, used_at = excluded.used_at
         where item_ids.used_at < $4"
    )
    .bind(item_id)
    .bind(parcel_id)
    .bind(now())
    .bind(reusable_before)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1)
    })?)
}

/// Takes `n` consecutive serials from one of the company's ranges:
/// (service, first serial, country), or `None` when no range has room.
pub async fn allocate_block(
    tx: &mut Tx,
    company_id: i64,
    n: i64,
) -> AppResult<Option<(String, i64, String)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as::<_, (String, i64, String)>(
        "update s10_ranges set next_serial = next_serial + $2
         where id = (select id from s10_ranges
                     where company_id = $1 and next_serial + $2 - 1 <= last_serial
                     order by id limit 1)
           and next_serial + $2 - 1 <= last_serial
         returning service, next_serial - $2, country_code"
    )
    .bind(company_id)
    .bind(n)
    .fetch_optional(c)
    .await)?)
}

/// Claims item ids for their parcels; returns the ids that another parcel
/// used within the reuse period (nothing is claimed for those).
pub async fn claim_item_ids(
    tx: &mut Tx,
    pairs: &[(String, i64)],
    reusable_before: OffsetDateTime,
) -> AppResult<Vec<String>> {
    let ts = now();
    let mut claimed = 0u64;
    for chunk in pairs.chunks(CHUNK) {
        claimed += on_tx!(tx, |c| {
            let mut q =
                sqlx::QueryBuilder::new("insert into item_ids (item_id, parcel_id, used_at) ");
            q.push_values(chunk, |mut b, (item, parcel)| {
                b.push_bind(item).push_bind(*parcel).push_bind(ts);
            });
            q.push(
                " on conflict (item_id) do update set parcel_id = excluded.parcel_id,
                  used_at = excluded.used_at where item_ids.used_at < ",
            );
            q.push_bind(reusable_before);
            q.build().execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    if claimed == pairs.len() as u64 {
        return Ok(Vec::new());
    }
    // Which ones: those whose row names another parcel.
    let mut taken = Vec::new();
    for (item, parcel) in pairs {
        let owner = on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
            "select parcel_id from item_ids where item_id = $1"
        )
        .bind(item)
        .fetch_optional(c)
        .await)?;
        if owner != Some(*parcel) {
            taken.push(item.clone());
        }
    }
    Ok(taken)
}

pub async fn list_ranges(db: &Db) -> AppResult<Vec<RangeRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, RangeRow>(
        "select s.id, s.post_id, po.name as post_name, s.company_id, co.name as company_name,
                s.service, s.country_code, s.first_serial, s.last_serial, s.next_serial
         from s10_ranges s
         join organisations po on po.id = s.post_id
         left join organisations co on co.id = s.company_id
         order by s.country_code, s.service, s.first_serial, s.company_id nulls first"
    )
    .fetch_all(p)
    .await)?)
}

/// The company's S10 ranges: (service, country, first serial, last serial).
pub async fn company_ranges(db: &Db, company: i64) -> AppResult<Vec<(String, String, i64, i64)>> {
    Ok(on_db!(db, |p| sqlx::query_as::<
        _,
        (String, String, i64, i64),
    >(
        "select service, country_code, first_serial, last_serial from s10_ranges
         where company_id = $1"
    )
    .bind(company)
    .fetch_all(p)
    .await)?)
}

/// Serials left in the company's S10 ranges.
pub async fn item_ids_left(db: &Db, company: i64) -> AppResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select cast(coalesce(sum(last_serial - next_serial + 1), 0) as bigint)
         from s10_ranges where company_id = $1 and next_serial <= last_serial"
    )
    .bind(company)
    .fetch_one(p)
    .await)?)
}

/// Which of `ids` a parcel used after `since` (they cannot be used again).
pub async fn item_ids_in_use(
    db: &Db,
    ids: &[String],
    since: OffsetDateTime,
) -> AppResult<Vec<String>> {
    let mut used = Vec::new();
    for chunk in ids.chunks(500) {
        let found = on_db!(db, |p| {
            let mut q = sqlx::QueryBuilder::new("select item_id from item_ids where used_at >= ");
            q.push_bind(since);
            q.push(" and item_id in (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            q.push(")");
            q.build_query_scalar::<String>().fetch_all(p).await
        })?;
        used.extend(found);
    }
    Ok(used)
}

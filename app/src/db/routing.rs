//! Routes: the inward office of exchange of each destination (by country,
//! optionally by postcode prefix).
use super::{now, on_db, on_tx, one_row, Db, Tx};
pub use crate::domain::routing::RouteRow;
use crate::error::{AppError, AppResult};

pub async fn insert_route(
    tx: &mut Tx,
    country: &str,
    prefix: &str,
    office_id: i64,
) -> AppResult<i64> {
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into routes (country_code, postcode_prefix, office_id, created_at)
         values ($1, $2, $3, $4) returning id"
    )
    .bind(country)
    .bind(prefix)
    .bind(office_id)
    .bind(now())
    .fetch_one(c)
    .await)
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            AppError::field("postcode_prefix", "route_exists")
        } else {
            e.into()
        }
    })
}

/// Every route: (country, postcode prefix, office). The table is small.
pub async fn all_routes(db: &Db) -> AppResult<Vec<(String, String, i64)>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, (String, String, i64)>(
        "select country_code, postcode_prefix, office_id from routes"
    )
    .fetch_all(p)
    .await)?)
}

/// The route of a destination among `routes`: the longest matching postcode
/// prefix of the country (`""` matches every postcode).
pub fn pick_route(routes: &[(String, String, i64)], country: &str, postcode: &str) -> Option<i64> {
    let postcode: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    routes
        .iter()
        .filter(|(c, prefix, _)| c == country && postcode.starts_with(prefix.as_str()))
        .max_by_key(|(_, prefix, _)| prefix.len())
        .map(|(_, _, office)| *office)
}

pub async fn list_routes(db: &Db) -> AppResult<Vec<RouteRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, RouteRow>(
        "select r.id, r.country_code, r.postcode_prefix, r.office_id, f.code as office_code,
                f.name as office_name
         from routes r join offices f on f.id = r.office_id
         order by r.country_code, r.postcode_prefix"
    )
    .fetch_all(p)
    .await)?)
}

pub async fn route(db: &Db, id: i64) -> AppResult<RouteRow> {
    on_db!(db, |p| sqlx::query_as::<_, RouteRow>(
        "select r.id, r.country_code, r.postcode_prefix, r.office_id, f.code as office_code,
                f.name as office_name
         from routes r join offices f on f.id = r.office_id where r.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or(AppError::NotFound)
}

pub async fn delete_route(tx: &mut Tx, id: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query("delete from routes where id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    one_row(n)
}

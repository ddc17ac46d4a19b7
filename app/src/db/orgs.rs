//! Organisations (companies, posts, customs administrations) and their offices.
use time::OffsetDateTime;

use super::{is_unique_violation, now, on_db, on_tx, one_row, Db, Tx};
pub use crate::domain::org::{Office, Organisation};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};

const ORG_SELECT: &str = "select o.id, o.kind, o.name, o.country_code,
        (select count(*) from offices f where f.organisation_id = o.id) as office_count,
        (select count(*) from users u where u.organisation_id = o.id) as user_count
    from organisations o";

fn org_conflict(e: sqlx::Error) -> AppError {
    if is_unique_violation(&e) {
        AppError::validation(vec![FieldError::new("country_code", "one_per_country")])
    } else {
        e.into()
    }
}

pub async fn insert_org(tx: &mut Tx, kind: &str, name: &str, country: &str) -> AppResult<i64> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into organisations (kind, name, country_code, created_at, updated_at)
         values ($1, $2, $3, $4, $4) returning id"
    )
    .bind(kind)
    .bind(name)
    .bind(country)
    .bind(ts)
    .fetch_one(c)
    .await)
    .map_err(org_conflict)
}

pub async fn update_org(tx: &mut Tx, id: i64, name: &str, country: &str) -> AppResult<()> {
    let ts: OffsetDateTime = now();
    let n = on_tx!(tx, |c| sqlx::query(
        "update organisations set name = $1, country_code = $2, updated_at = $3 where id = $4"
    )
    .bind(name)
    .bind(country)
    .bind(ts)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .map_err(org_conflict)?;
    one_row(n)
}

pub async fn list_orgs(db: &Db, kind: Option<&str>) -> AppResult<Vec<Organisation>> {
    let sql = format!(
        "{ORG_SELECT} where ($1 is null or o.kind = $1) order by o.kind, o.country_code, o.name"
    );
    Ok(on_db!(db, |p| sqlx::query_as::<_, Organisation>(&sql)
        .bind(kind)
        .fetch_all(p)
        .await)?)
}

pub async fn get_org(db: &Db, id: i64) -> AppResult<Organisation> {
    let sql = format!("{ORG_SELECT} where o.id = $1");
    on_db!(db, |p| sqlx::query_as::<_, Organisation>(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::NotFound)
}

pub async fn list_offices(db: &Db, organisation_id: Option<i64>) -> AppResult<Vec<Office>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Office>(
        "select id, organisation_id, kind, code, name, postcode, customs_office_id from offices
         where ($1 is null or organisation_id = $1) order by code"
    )
    .bind(organisation_id)
    .fetch_all(p)
    .await)?)
}

pub async fn get_office(db: &Db, id: i64) -> AppResult<Office> {
    on_db!(db, |p| sqlx::query_as::<_, Office>(
        "select id, organisation_id, kind, code, name, postcode, customs_office_id from offices
         where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or(AppError::NotFound)
}

/// The customs offices of a country's customs administration.
pub async fn customs_offices(db: &Db, country: &str) -> AppResult<Vec<Office>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Office>(
        "select f.id, f.organisation_id, f.kind, f.code, f.name, f.postcode, f.customs_office_id
         from offices f join organisations o on o.id = f.organisation_id
         where f.kind = 'customs' and o.country_code = $1 order by f.code"
    )
    .bind(country)
    .fetch_all(p)
    .await)?)
}

/// Names the customs office that clears an office of exchange's parcels.
pub async fn set_customs_office(
    tx: &mut Tx,
    exchange_office: i64,
    customs_office: Option<i64>,
) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update offices set customs_office_id = $1, updated_at = $2 where id = $3"
    )
    .bind(customs_office)
    .bind(now())
    .bind(exchange_office)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// Adds an office to an organisation; office codes are unique.
pub async fn insert_office(
    tx: &mut Tx,
    organisation_id: i64,
    kind: &str,
    code: &str,
    name: &str,
    postcode: &str,
) -> AppResult<i64> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into offices (organisation_id, kind, code, name, postcode, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $6) returning id"
    )
    .bind(organisation_id)
    .bind(kind)
    .bind(code)
    .bind(name)
    .bind(postcode)
    .bind(ts)
    .fetch_one(c)
    .await)
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::validation(vec![FieldError::new("code", "office_code_taken")])
        } else {
            e.into()
        }
    })
}

/// Renames an office, sets its postcode and (an office of exchange) the
/// customs office that clears its parcels.
pub async fn update_office(
    tx: &mut Tx,
    id: i64,
    name: &str,
    postcode: &str,
    customs_office: Option<i64>,
) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update offices set name = $1, postcode = $2, customs_office_id = $3, updated_at = $4
         where id = $5"
    )
    .bind(name)
    .bind(postcode)
    .bind(customs_office)
    .bind(now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

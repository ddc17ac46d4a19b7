//! API keys and idempotency records.
use super::{is_unique_violation, now, on_db, on_tx, one_row, Db, Tx};
use crate::error::AppResult;

pub use crate::domain::apikeys::KeyRow;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyAuth {
    pub id: i64,
    pub organisation_id: i64,
    pub key_hash: String,
    pub created_by: i64,
    pub revoked: bool,
}

pub async fn insert(
    tx: &mut Tx,
    org: i64,
    name: &str,
    prefix: &str,
    hash: &str,
    by: i64,
) -> AppResult<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into api_keys (organisation_id, name, prefix, key_hash, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(org)
    .bind(name)
    .bind(prefix)
    .bind(hash)
    .bind(by)
    .bind(now())
    .fetch_one(c)
    .await)?)
}

pub async fn list(db: &Db, org: i64) -> AppResult<Vec<KeyRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, KeyRow>(
        "select k.id, k.name, k.prefix, u.display_name as created_by_name, k.created_at,
                k.last_used_at, k.revoked_at
         from api_keys k join users u on u.id = k.created_by
         where k.organisation_id = $1 order by k.id desc"
    )
    .bind(org)
    .fetch_all(p)
    .await)?)
}

pub async fn revoke(tx: &mut Tx, org: i64, id: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update api_keys set revoked_at = $1
         where id = $2 and organisation_id = $3 and revoked_at is null"
    )
    .bind(now())
    .bind(id)
    .bind(org)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

pub async fn by_prefix(db: &Db, prefix: &str) -> AppResult<Option<KeyAuth>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, KeyAuth>(
        "select id, organisation_id, key_hash, created_by, revoked_at is not null as revoked
         from api_keys where prefix = $1"
    )
    .bind(prefix)
    .fetch_optional(p)
    .await)?)
}

/// Notes the key's use (at most once a minute, to keep writes rare).
pub async fn touch(db: &Db, id: i64) -> AppResult<()> {
    let at = now();
    on_db!(db, |p| sqlx::query(
        "update api_keys set last_used_at = $1
         where id = $2 and (last_used_at is null or last_used_at < $3)"
    )
    .bind(at)
    .bind(id)
    .bind(at - time::Duration::minutes(1))
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// What an `Idempotency-Key` means for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// First time (or a dead request's lease has passed): run it, then
    /// [`finish`] record `id`.
    New(i64),
    /// Done before with the same body: answer this again.
    Replay { status: u16, body: String },
    /// Used before with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

/// Where an `Idempotency-Key` applies: an organisation's requests of one
/// method to one path.
#[derive(Debug, Clone, Copy)]
pub struct KeyScope<'a> {
    pub organisation_id: i64,
    pub method: &'a str,
    pub path: &'a str,
    pub key: &'a str,
}

/// How long a record is kept, and how long a running request holds its key.
#[derive(Debug, Clone, Copy)]
pub struct KeyTimes {
    pub keep: time::Duration,
    pub lease: time::Duration,
}

#[derive(sqlx::FromRow)]
struct IdempotencyRow {
    id: i64,
    request_hash: String,
    status: Option<i32>,
    response_body: Option<String>,
    locked_until: Option<time::OffsetDateTime>,
    expires_at: time::OffsetDateTime,
}

async fn insert_key(
    db: &Db,
    k: &KeyScope<'_>,
    request_hash: &str,
    times: KeyTimes,
) -> Result<i64, sqlx::Error> {
    let at = now();
    on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "insert into idempotency_keys (organisation_id, method, path, key, request_hash,
                                       created_at, locked_until, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(k.organisation_id)
    .bind(k.method)
    .bind(k.path)
    .bind(k.key)
    .bind(request_hash)
    .bind(at)
    .bind(at + times.lease)
    .bind(at + times.keep)
    .fetch_one(p)
    .await)
}

/// Claims a key for a request (see [`Idempotency`]). An expired record is
/// forgotten; a running request whose lease has passed (it died) is taken
/// over by this one, atomically: of two retries, one wins.
pub async fn begin(
    db: &Db,
    k: &KeyScope<'_>,
    request_hash: &str,
    times: KeyTimes,
) -> AppResult<Idempotency> {
    for _ in 0..3 {
        match insert_key(db, k, request_hash, times).await {
            Ok(id) => return Ok(Idempotency::New(id)),
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
        let row = on_db!(db, |p| sqlx::query_as::<_, IdempotencyRow>(
            "select id, request_hash, status, response_body, locked_until, expires_at
             from idempotency_keys
             where organisation_id = $1 and method = $2 and path = $3 and key = $4"
        )
        .bind(k.organisation_id)
        .bind(k.method)
        .bind(k.path)
        .bind(k.key)
        .fetch_optional(p)
        .await)?;
        let Some(row) = row else {
            continue;
        };
        let at = now();
        if row.expires_at <= at {
            on_db!(db, |p| sqlx::query(
                "delete from idempotency_keys where id = $1 and expires_at <= $2"
            )
            .bind(row.id)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ()))?;
            continue;
        }
        if row.request_hash != request_hash {
            return Ok(Idempotency::Mismatch);
        }
        if let (Some(s), Some(b)) = (row.status, row.response_body) {
            return Ok(Idempotency::Replay {
                status: s as u16,
                body: b,
            });
        }
        // Still running, unless its lease has passed: then take it over.
        if row.locked_until.is_some_and(|l| l <= at) {
            let taken = on_db!(db, |p| sqlx::query(
                "update idempotency_keys set locked_until = $1
                 where id = $2 and status is null and locked_until = $3"
            )
            .bind(at + times.lease)
            .bind(row.id)
            .bind(row.locked_until)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            if taken == 1 {
                return Ok(Idempotency::New(row.id));
            }
        }
        return Ok(Idempotency::InProgress);
    }
    Ok(Idempotency::InProgress)
}

/// Deletes the records that have expired; how many.
pub async fn purge_keys(db: &Db, at: time::OffsetDateTime) -> AppResult<u64> {
    Ok(on_db!(db, |p| sqlx::query(
        "delete from idempotency_keys where expires_at <= $1"
    )
    .bind(at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?)
}

pub async fn finish(db: &Db, id: i64, status: u16, body: &str) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "update idempotency_keys set status = $1, response_body = $2, locked_until = null
         where id = $3"
    )
    .bind(i32::from(status))
    .bind(body)
    .bind(id)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Forgets a key whose request failed on our side, so a retry may run.
pub async fn abandon(db: &Db, id: i64) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "delete from idempotency_keys where id = $1"
    )
    .bind(id)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

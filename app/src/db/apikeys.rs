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
    /// First time: run it, then [`finish`] record `id`.
    New(i64),
    /// Done before with the same body: answer this again.
    Replay { status: u16, body: String },
    /// Used before with a different body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

pub async fn begin(db: &Db, org: i64, key: &str, request_hash: &str) -> AppResult<Idempotency> {
    let inserted = on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "insert into idempotency_keys (organisation_id, key, request_hash, created_at)
         values ($1, $2, $3, $4) returning id"
    )
    .bind(org)
    .bind(key)
    .bind(request_hash)
    .bind(now())
    .fetch_one(p)
    .await);
    match inserted {
        Ok(id) => return Ok(Idempotency::New(id)),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let (hash, status, body) = on_db!(db, |p| sqlx::query_as::<
        _,
        (String, Option<i32>, Option<String>),
    >(
        "select request_hash, status, response_body from idempotency_keys
         where organisation_id = $1 and key = $2"
    )
    .bind(org)
    .bind(key)
    .fetch_one(p)
    .await)?;
    Ok(if hash != request_hash {
        Idempotency::Mismatch
    } else {
        match (status, body) {
            (Some(s), Some(b)) => Idempotency::Replay {
                status: s as u16,
                body: b,
            },
            _ => Idempotency::InProgress,
        }
    })
}

pub async fn finish(db: &Db, id: i64, status: u16, body: &str) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "update idempotency_keys set status = $1, response_body = $2 where id = $3"
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

//! Single-use account tokens (e-mail verification, password reset). Only the
//! SHA-256 of a token is stored; the token itself exists only in the e-mail.
use time::OffsetDateTime;

use super::{now, on_db, on_tx, Db, Tx};
use crate::error::AppResult;

pub const VERIFY_EMAIL: &str = "verify_email";
pub const RESET_PASSWORD: &str = "reset_password";

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    purpose: &str,
    token_hash: &str,
    expires_at: OffsetDateTime,
) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "insert into account_tokens (user_id, purpose, token_hash, expires_at, created_at)
         values ($1, $2, $3, $4, $5)"
    )
    .bind(user_id)
    .bind(purpose)
    .bind(token_hash)
    .bind(expires_at)
    .bind(now())
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    Used,
    Expired,
}

/// Marks the token used, in the caller's transaction, and returns its
/// account. A token works once, before it expires, for its purpose only.
pub async fn consume(
    tx: &mut Tx,
    purpose: &str,
    token_hash: &str,
) -> AppResult<Result<i64, Refused>> {
    let at = now();
    let row = on_tx!(tx, |c| sqlx::query_as::<
        _,
        (i64, i64, Option<OffsetDateTime>, OffsetDateTime),
    >(
        "select id, user_id, used_at, expires_at from account_tokens
         where token_hash = $1 and purpose = $2"
    )
    .bind(token_hash)
    .bind(purpose)
    .fetch_optional(c)
    .await)?;
    let Some((id, user_id, used_at, expires_at)) = row else {
        return Ok(Err(Refused::Unknown));
    };
    if used_at.is_some() {
        return Ok(Err(Refused::Used));
    }
    if expires_at <= at {
        return Ok(Err(Refused::Expired));
    }
    // Guarded by `used_at is null`, so two racing uses cannot both succeed.
    let n = on_tx!(tx, |c| sqlx::query(
        "update account_tokens set used_at = $1 where id = $2 and used_at is null"
    )
    .bind(at)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(if n == 1 {
        Ok(user_id)
    } else {
        Err(Refused::Used)
    })
}

/// Ends the other open tokens of an account for a purpose (a newer one was sent,
/// or the purpose is fulfilled).
pub async fn revoke_all(tx: &mut Tx, user_id: i64, purpose: &str) -> AppResult<()> {
    on_tx!(tx, |c| sqlx::query(
        "update account_tokens set used_at = $1
         where user_id = $2 and purpose = $3 and used_at is null"
    )
    .bind(now())
    .bind(user_id)
    .bind(purpose)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// When the newest token of this purpose was made for the account.
pub async fn last_issued(
    db: &Db,
    user_id: i64,
    purpose: &str,
) -> AppResult<Option<OffsetDateTime>> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<
        _,
        Option<OffsetDateTime>,
    >(
        "select max(created_at) from account_tokens where user_id = $1 and purpose = $2"
    )
    .bind(user_id)
    .bind(purpose)
    .fetch_one(p)
    .await)?)
}

/// Deletes tokens that expired before `before`.
pub async fn purge(db: &Db, before: OffsetDateTime) -> AppResult<u64> {
    Ok(on_db!(db, |p| sqlx::query(
        "delete from account_tokens where expires_at < $1"
    )
    .bind(before)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?)
}

//! Failed sign-in counters, kept in the database so that every server process
//! sees the same counts. A subject is `account:<id>` or `address:<ip>`.
use time::OffsetDateTime;

use super::{now, on_db, Db};
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Failures {
    pub failures: i64,
    pub last_failed_at: OffsetDateTime,
}

pub fn account(email: &str) -> String {
    format!("account:{email}")
}

pub fn address(ip: &str) -> String {
    format!("address:{ip}")
}

pub async fn get(db: &Db, subject: &str) -> AppResult<Option<Failures>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Failures>(
        "select failures, last_failed_at from sign_in_failures where subject = $1"
    )
    .bind(subject)
    .fetch_optional(p)
    .await)?)
}

/// Counts one more failure; a count whose last failure is older than
/// `forget_before` starts again at one. Returns the new state.
pub async fn record_failure(
    db: &Db,
    subject: &str,
    forget_before: OffsetDateTime,
) -> AppResult<Failures> {
    let ts = now();
    Ok(on_db!(db, |p| sqlx::query_as::<_, Failures>(
        "insert into sign_in_failures (subject, failures, last_failed_at) values ($1, 1, $2)
         on conflict (subject) do update set
             failures = case when sign_in_failures.last_failed_at < $3 then 1
                             else sign_in_failures.failures + 1 end,
             last_failed_at = $2
         returning failures, last_failed_at"
    )
    .bind(subject)
    .bind(ts)
    .bind(forget_before)
    .fetch_one(p)
    .await)?)
}

pub async fn clear(db: &Db, subject: &str) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "delete from sign_in_failures where subject = $1"
    )
    .bind(subject)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Every account subject with its failures (for the admin's user list).
pub async fn all_accounts(db: &Db) -> AppResult<Vec<(String, Failures)>> {
    let rows = on_db!(db, |p| {
        sqlx::query_as::<_, (String, i64, OffsetDateTime)>(
        "select subject, failures, last_failed_at from sign_in_failures where subject like 'account:%'"
    )
    .fetch_all(p)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(s, failures, last_failed_at)| {
            (
                s,
                Failures {
                    failures,
                    last_failed_at,
                },
            )
        })
        .collect())
}

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

/// Counts one more failure of `subject` if its count is still `seen` (none:
/// no row yet), in one statement: a compare-and-swap, so that of two
/// attempts that read the same count only one counts on it (the other reads
/// again). A count whose last failure is older than `forget_before` starts
/// again at one. False: another attempt counted first.
pub async fn count_if_unchanged(
    db: &Db,
    subject: &str,
    seen: Option<i64>,
    forget_before: OffsetDateTime,
) -> AppResult<bool> {
    let ts = now();
    let changed = match seen {
        None => on_db!(db, |p| {
            sqlx::query(
            "insert into sign_in_failures (subject, failures, last_failed_at) values ($1, 1, $2)
             on conflict (subject) do nothing"
        )
        .bind(subject)
        .bind(ts)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
        })?,
        Some(seen) => on_db!(db, |p| sqlx::query(
            "update sign_in_failures set
                 failures = case when last_failed_at < $3 then 1 else failures + 1 end,
                 last_failed_at = $2
             where subject = $1 and failures = $4"
        )
        .bind(subject)
        .bind(ts)
        .bind(forget_before)
        .bind(seen)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?,
    };
    Ok(changed == 1)
}

/// Takes back one failure counted for an attempt that turned out right.
pub async fn uncount(db: &Db, subject: &str) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "update sign_in_failures set failures = case when failures > 0 then failures - 1 else 0 end
         where subject = $1"
    )
    .bind(subject)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
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

//! The job queue and transactional outbox. A job is enqueued inside the
//! caller's transaction, so it exists exactly when the change that needs it
//! does. Runners claim due jobs with a lease; a job whose runner died is
//! claimed again once its lease runs out.
use time::OffsetDateTime;

use super::{now, on_db, on_tx, one_row, Db, Tx};
use crate::error::AppResult;

/// A job as a runner receives it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
    pub max_attempts: i32,
}

pub use crate::domain::platform::JobRow;

pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a str,
    pub run_at: OffsetDateTime,
    pub max_attempts: i32,
    pub unique_key: Option<&'a str>,
}

/// Adds a job in the caller's transaction. A job with a `unique_key` that
/// already exists is not added again (returns `None`).
pub async fn enqueue(tx: &mut Tx, job: &NewJob<'_>) -> AppResult<Option<i64>> {
    let ts = now();
    let sql = "insert into jobs (kind, payload, unique_key, state, attempts, max_attempts,
                                 run_at, created_at, updated_at)
               values ($1, $2, $3, 'pending', 0, $4, $5, $6, $6)
               on conflict (unique_key) do nothing
               returning id";
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(job.kind)
        .bind(job.payload)
        .bind(job.unique_key)
        .bind(job.max_attempts)
        .bind(job.run_at)
        .bind(ts)
        .fetch_optional(c)
        .await)?)
}

/// Is any job due (pending and due, or running with an expired lease)?
/// A cheap read, so that idle runners do not take the write lock.
pub async fn any_due(db: &Db, at: OffsetDateTime) -> AppResult<bool> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, bool>(
        "select exists (select 1 from jobs
                        where (state = 'pending' and run_at <= $1)
                           or (state = 'running' and locked_until < $1))"
    )
    .bind(at)
    .fetch_one(p)
    .await)?)
}

/// Claims up to `limit` due jobs for `runner` until `lease_until`, counting
/// an attempt for each. On PostgreSQL, rows another runner is claiming are
/// skipped (`for update skip locked`); SQLite has one writer at a time.
pub async fn claim(
    db: &Db,
    runner: &str,
    at: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> AppResult<Vec<Claimed>> {
    const PICK: &str = "select id from jobs
        where (state = 'pending' and run_at <= $1) or (state = 'running' and locked_until < $1)
        order by run_at, id limit $4";
    let update = |pick: &str| {
        format!(
            "update jobs set state = 'running', locked_by = $2, locked_until = $3,
                    attempts = attempts + 1, updated_at = $1
             where id in ({pick})
             returning id, kind, payload, attempts, max_attempts"
        )
    };
    let mut jobs = match db {
        Db::Sqlite(p) => {
            sqlx::query_as::<_, Claimed>(&update(PICK))
                .bind(at)
                .bind(runner)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(p)
                .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as::<_, Claimed>(&update(&format!("{PICK} for update skip locked")))
                .bind(at)
                .bind(runner)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(p)
                .await?
        }
    };
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Marks a job done, if `runner` still holds it. Returns whether it did.
pub async fn complete(db: &Db, id: i64, runner: &str) -> AppResult<bool> {
    let ts = now();
    Ok(on_db!(db, |p| sqlx::query(
        "update jobs set state = 'done', locked_by = null, locked_until = null,
                finished_at = $1, updated_at = $1, last_error = null
         where id = $2 and state = 'running' and locked_by = $3"
    )
    .bind(ts)
    .bind(id)
    .bind(runner)
    .execute(p)
    .await
    .map(|r| r.rows_affected() == 1))?)
}

/// Records a failed attempt: back to pending at `retry_at`, or dead when
/// `retry_at` is `None` (no attempts left).
pub async fn fail(
    db: &Db,
    id: i64,
    runner: &str,
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> AppResult<bool> {
    let ts = now();
    Ok(on_db!(db, |p| sqlx::query(
        "update jobs set state = case when $1 then 'pending' else 'dead' end,
                run_at = coalesce($2, run_at), last_error = $3, locked_by = null,
                locked_until = null, updated_at = $4,
                finished_at = case when $1 then null else $4 end
         where id = $5 and state = 'running' and locked_by = $6"
    )
    .bind(retry_at.is_some())
    .bind(retry_at)
    .bind(error)
    .bind(ts)
    .bind(id)
    .bind(runner)
    .execute(p)
    .await
    .map(|r| r.rows_affected() == 1))?)
}

/// Jobs in `state` (all unfinished ones when `None`), newest first.
pub async fn list(db: &Db, state: Option<&str>, limit: i64) -> AppResult<Vec<JobRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, JobRow>(
        "select id, kind, payload, state, attempts, max_attempts, run_at, last_error, created_at
         from jobs
         where ($1 is null and state in ('pending', 'running', 'dead')) or state = $1
         order by id desc limit $2"
    )
    .bind(state)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

pub async fn get(db: &Db, id: i64) -> AppResult<Option<JobRow>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, JobRow>(
        "select id, kind, payload, state, attempts, max_attempts, run_at, last_error, created_at
         from jobs where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// Counts per state, for the admin page's headings.
pub async fn counts(db: &Db) -> AppResult<Vec<(String, i64)>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, (String, i64)>(
        "select state, count(*) from jobs group by state order by state"
    )
    .fetch_all(p)
    .await)?)
}

/// Puts a failed or dead job back in the queue, due now, with fresh attempts.
pub async fn retry(tx: &mut Tx, id: i64) -> AppResult<()> {
    let ts = now();
    let n = on_tx!(tx, |c| sqlx::query(
        "update jobs set state = 'pending', attempts = 0, run_at = $1, updated_at = $1,
                finished_at = null
         where id = $2 and (state = 'dead' or (state = 'pending' and attempts > 0))"
    )
    .bind(ts)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// Takes a job that has not succeeded out of the queue for good.
pub async fn discard(tx: &mut Tx, id: i64) -> AppResult<()> {
    let ts = now();
    let n = on_tx!(tx, |c| sqlx::query(
        "update jobs set state = 'discarded', updated_at = $1, finished_at = $1
         where id = $2 and state in ('pending', 'dead')"
    )
    .bind(ts)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// Deletes finished jobs older than `before` (the queue stays small).
pub async fn purge_finished(db: &Db, before: OffsetDateTime) -> AppResult<u64> {
    Ok(on_db!(db, |p| sqlx::query(
        "delete from jobs where state in ('done', 'discarded') and finished_at < $1"
    )
    .bind(before)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?)
}

//! Bulk uploads of declarations and their progress.
use super::{now, on_db, on_tx, Db, Tx};
pub use crate::domain::uploads::UploadInfo;
use crate::error::AppResult;

const INFO: &str = "select id, filename, mode, status, rows_total, rows_checked, parcels_total,
        parcels_valid, parcels_saved, problem_count, failure, created_at, finished_at
    from bulk_uploads";

pub async fn insert(
    tx: &mut Tx,
    company: i64,
    by: i64,
    filename: &str,
    content: &[u8],
    mode: &str,
) -> AppResult<i64> {
    let ts = now();
    Ok(on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into bulk_uploads (company_id, uploaded_by, filename, content, mode, status,
                                   created_at, updated_at)
         values ($1, $2, $3, $4, $5, 'queued', $6, $6) returning id"
    )
    .bind(company)
    .bind(by)
    .bind(filename)
    .bind(content)
    .bind(mode)
    .bind(ts)
    .fetch_one(c)
    .await)?)
}

/// The upload, if it is the company's.
pub async fn info(db: &Db, id: i64, company: i64) -> AppResult<Option<UploadInfo>> {
    let sql = format!("{INFO} where id = $1 and company_id = $2");
    Ok(on_db!(db, |p| sqlx::query_as::<_, UploadInfo>(&sql)
        .bind(id)
        .bind(company)
        .fetch_optional(p)
        .await)?)
}

/// The company's latest uploads, newest first.
pub async fn list(db: &Db, company: i64, limit: i64) -> AppResult<Vec<UploadInfo>> {
    let sql = format!("{INFO} where company_id = $1 order by id desc limit $2");
    Ok(on_db!(db, |p| sqlx::query_as::<_, UploadInfo>(&sql)
        .bind(company)
        .bind(limit)
        .fetch_all(p)
        .await)?)
}

/// What the worker needs.
#[derive(Debug, sqlx::FromRow)]
pub struct Work {
    pub company_id: i64,
    pub uploaded_by: i64,
    pub content: Vec<u8>,
    pub mode: String,
    pub status: String,
}

pub async fn work(db: &Db, id: i64) -> AppResult<Option<Work>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Work>(
        "select company_id, uploaded_by, content, mode, status from bulk_uploads where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?)
}

/// The file and its problems (a JSON array of `[row, column, code]`), if
/// the upload is the company's.
pub async fn file_and_problems(
    db: &Db,
    id: i64,
    company: i64,
) -> AppResult<Option<(Vec<u8>, String)>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, (Vec<u8>, String)>(
        "select content, problems from bulk_uploads where id = $1 and company_id = $2"
    )
    .bind(id)
    .bind(company)
    .fetch_optional(p)
    .await)?)
}

/// Starts (or starts again) checking: the counters from zero.
pub async fn start_checking(db: &Db, id: i64) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "update bulk_uploads set status = 'checking', rows_total = 0, rows_checked = 0,
                parcels_total = 0, parcels_valid = 0, parcels_saved = 0, problems = '[]',
                problem_count = 0, failure = null, updated_at = $2
         where id = $1"
    )
    .bind(id)
    .bind(now())
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Rows checked so far, of `total`.
pub async fn rows_checked(db: &Db, id: i64, checked: i64, total: i64) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "update bulk_uploads set rows_checked = $2, rows_total = $3, updated_at = $4
         where id = $1"
    )
    .bind(id)
    .bind(checked)
    .bind(total)
    .bind(now())
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The outcome of checking: counts, problems, and what comes next
/// (`saving`, or `rejected` when nothing will be saved).
pub struct Checked<'a> {
    pub status: &'a str,
    pub rows_total: i64,
    pub parcels_total: i64,
    pub parcels_valid: i64,
    pub problems: &'a str,
    pub problem_count: i64,
}

pub async fn checked(db: &Db, id: i64, c: &Checked<'_>) -> AppResult<()> {
    let ts = now();
    let finished = (c.status != "saving").then_some(ts);
    on_db!(db, |p| sqlx::query(
        "update bulk_uploads set status = $2, rows_total = $3, rows_checked = $3,
                parcels_total = $4, parcels_valid = $5, problems = $6, problem_count = $7,
                updated_at = $8, finished_at = $9
         where id = $1"
    )
    .bind(id)
    .bind(c.status)
    .bind(c.rows_total)
    .bind(c.parcels_total)
    .bind(c.parcels_valid)
    .bind(c.problems)
    .bind(c.problem_count)
    .bind(ts)
    .bind(finished)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Parcels saved so far, from outside the saving transaction (PostgreSQL
/// only: SQLite's single writer is busy with that transaction).
pub async fn saving_progress(db: &Db, id: i64, saved: i64) -> AppResult<()> {
    if let Db::Postgres(p) = db {
        sqlx::query("update bulk_uploads set parcels_saved = $2, updated_at = $3 where id = $1")
            .bind(id)
            .bind(saved)
            .bind(now())
            .execute(p)
            .await?;
    }
    Ok(())
}

/// Done: in the transaction that saved the parcels.
pub async fn done(tx: &mut Tx, id: i64, saved: i64) -> AppResult<()> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query(
        "update bulk_uploads set status = 'done', parcels_saved = $2, updated_at = $3,
                finished_at = $3
         where id = $1"
    )
    .bind(id)
    .bind(saved)
    .bind(ts)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Failed: nothing saved, with the reason.
pub async fn failed(db: &Db, id: i64, failure: &str) -> AppResult<()> {
    let ts = now();
    on_db!(db, |p| sqlx::query(
        "update bulk_uploads set status = 'failed', parcels_saved = 0, failure = $2,
                updated_at = $3, finished_at = $3
         where id = $1"
    )
    .bind(id)
    .bind(failure)
    .bind(ts)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

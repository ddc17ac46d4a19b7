//! The admin's view of the job queue: what is waiting, failing or dead,
//! and retrying or discarding one (audited).
use crate::db::{audit, jobs};
use crate::domain::account::Role;
use crate::domain::platform::{JobList, JOB_STATES};
use crate::error::{AppError, AppResult};
use crate::ops::Caller;
use crate::state::AppState;

pub async fn list_jobs(
    state: &AppState,
    caller: &Caller,
    filter: Option<String>,
) -> AppResult<JobList> {
    caller.require(&[Role::Admin])?;
    let filter = filter.filter(|s| !s.is_empty());
    if let Some(f) = &filter {
        if !JOB_STATES.contains(&f.as_str()) {
            return Err(AppError::field("state", "invalid"));
        }
    }
    let db = &state.db;
    Ok(JobList {
        counts: jobs::counts(db).await?,
        jobs: jobs::list(db, filter.as_deref(), 200).await?,
    })
}

pub async fn retry_job(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    let user = caller.require(&[Role::Admin])?;
    let db = &state.db;
    let before = jobs::get(db, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    jobs::retry(&mut tx, id).await.map_err(|e| match e {
        AppError::NotFound => AppError::Conflict {
            code: "job_not_failed".into(),
        },
        e => e,
    })?;
    audit::record(
        &mut tx,
        user,
        "job.retry",
        "job",
        id,
        Some(&before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, job = id, "job retried");
    Ok(())
}

pub async fn discard_job(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    let user = caller.require(&[Role::Admin])?;
    let db = &state.db;
    let before = jobs::get(db, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    jobs::discard(&mut tx, id).await.map_err(|e| match e {
        AppError::NotFound => AppError::Conflict {
            code: "job_not_discardable".into(),
        },
        e => e,
    })?;
    audit::record(
        &mut tx,
        user,
        "job.discard",
        "job",
        id,
        Some(&before),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(by = user.id, job = id, "job discarded");
    Ok(())
}

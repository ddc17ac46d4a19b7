//! The admin's view of the job queue: what is waiting, failing or dead, and
//! retrying or discarding one.
use leptos::prelude::*;

pub use crate::domain::platform::{JobList, JobRow};
use crate::error::AppError;

/// States the page can filter by.
pub const JOB_STATES: [&str; 5] = ["pending", "running", "dead", "done", "discarded"];

#[server(endpoint = "admin/jobs")]
pub async fn list_jobs(state: Option<String>) -> Result<JobList, AppError> {
    crate::api::respond::reply(server::list_jobs(state).await)
}

#[server(endpoint = "admin/jobs/retry")]
pub async fn retry_job(job_id: i64) -> Result<(), AppError> {
    let result = server::retry_job(job_id).await;
    crate::api::respond::finish_form(result, |_| "/admin/jobs?retried=1".into(), "/admin/jobs")
}

#[server(endpoint = "admin/jobs/discard")]
pub async fn discard_job(job_id: i64) -> Result<(), AppError> {
    let result = server::discard_job(job_id).await;
    crate::api::respond::finish_form(result, |_| "/admin/jobs?discarded=1".into(), "/admin/jobs")
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::{JobList, JOB_STATES};
    use crate::api::guard::{require, state};
    use crate::db::{audit, jobs};
    use crate::domain::account::Role;
    use crate::error::{AppError, AppResult};

    pub async fn list_jobs(filter: Option<String>) -> AppResult<JobList> {
        require(&[Role::Admin]).await?;
        let filter = filter.filter(|s| !s.is_empty());
        if let Some(f) = &filter {
            if !JOB_STATES.contains(&f.as_str()) {
                return Err(AppError::field("state", "invalid"));
            }
        }
        let db = &state()?.db;
        Ok(JobList {
            counts: jobs::counts(db).await?,
            jobs: jobs::list(db, filter.as_deref(), 200).await?,
        })
    }

    pub async fn retry_job(id: i64) -> AppResult<()> {
        let caller = require(&[Role::Admin]).await?;
        let db = &state()?.db;
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
            &caller,
            "job.retry",
            "job",
            id,
            Some(&before),
            None::<&()>,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, job = id, "job retried");
        Ok(())
    }

    pub async fn discard_job(id: i64) -> AppResult<()> {
        let caller = require(&[Role::Admin]).await?;
        let db = &state()?.db;
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
            &caller,
            "job.discard",
            "job",
            id,
            Some(&before),
            None::<&()>,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(by = caller.id, job = id, "job discarded");
        Ok(())
    }
}

//! The doors of the job queue: the admin's server functions
//! ([`crate::ops::jobs`]) and the runner, which hands each job to its
//! operation.
use leptos::prelude::*;

pub use crate::domain::platform::{JobList, JobRow, JOB_STATES};
use crate::error::AppError;

#[server(endpoint = "admin/jobs")]
pub async fn list_jobs(state: Option<String>) -> Result<JobList, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::jobs::list_jobs, state))
}

#[server(endpoint = "admin/jobs/retry")]
pub async fn retry_job(job_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::jobs::retry_job, job_id);
    crate::api::respond::finish_form(result, |_| "/admin/jobs?retried=1".into(), "/admin/jobs")
}

#[server(endpoint = "admin/jobs/discard")]
pub async fn discard_job(job_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::jobs::discard_job, job_id);
    crate::api::respond::finish_form(result, |_| "/admin/jobs?discarded=1".into(), "/admin/jobs")
}

/// The runner's door: each job to the operation (or the mail) that does it.
#[cfg(feature = "ssr")]
pub mod runner {
    use std::future::Future;
    use std::pin::Pin;

    use crate::error::AppResult;
    use crate::jobs::{self, Job, Pass};
    use crate::state::AppState;

    /// Runs one job; an error is kept as the job's last error.
    pub fn perform(
        state: AppState,
        id: i64,
        job: Job,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> {
        Box::pin(async move {
            match job {
                Job::AccountEmail(email) => {
                    crate::mail::send_account_email(&state, id, &email).await
                }
                Job::ParcelNotice(notice) => {
                    crate::mail::send_parcel_notice(&state, id, &notice).await
                }
                Job::Housekeeping => jobs::housekeeping(&state).await.map_err(|e| e.to_string()),
                Job::BulkUpload { upload_id } => {
                    crate::ops::uploads::process(&state, upload_id, id)
                        .await
                        .map_err(|e| e.to_string())
                }
            }
        })
    }

    /// Claims up to `limit` due jobs as `runner` and runs them.
    pub async fn run_due(state: &AppState, runner: &str, limit: i64) -> AppResult<Pass> {
        jobs::run_due(state, runner, limit, perform).await
    }

    /// Starts this process's runner loop.
    pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
        jobs::spawn_runner(state, perform)
    }
}

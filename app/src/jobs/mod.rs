//! Background jobs: the queue, the schedule of periodic jobs, and the runner
//! that claims due jobs and hands each to the `perform` function it is given
//! (the job door, which calls the operation): this layer names no door and no
//! operation.
//!
//! Every job must be safe to run twice: a runner that dies between doing the
//! work and marking it done leaves the job to be claimed again when its lease
//! runs out.
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::db::{self, jobs, Tx};
use crate::error::OrInternal;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a job does, with what it needs. Stored as JSON in `jobs.payload`;
/// the variant name is `jobs.kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum Job {
    /// An e-mail to an account (see [`crate::mail::AccountEmail`]).
    AccountEmail(crate::mail::AccountEmail),
    /// Deletes finished jobs and used or expired account tokens.
    Housekeeping,
    /// Checks and saves a bulk upload of declarations.
    BulkUpload { upload_id: i64 },
    /// Tells whoever must act next about a customs decision.
    ParcelNotice(crate::mail::ParcelNotice),
}

impl Job {
    pub fn kind(&self) -> &'static str {
        match self {
            Job::AccountEmail(_) => "account_email",
            Job::Housekeeping => "housekeeping",
            Job::BulkUpload { .. } => "bulk_upload",
            Job::ParcelNotice(_) => "parcel_notice",
        }
    }

    fn payload(&self) -> Result<String, serde_json::Error> {
        let v = serde_json::to_value(self)?;
        Ok(v.get("payload")
            .map(|p| p.to_string())
            .unwrap_or_else(|| "null".into()))
    }

    fn parse(kind: &str, payload: &str) -> Result<Job, String> {
        let payload: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
        let mut v = serde_json::json!({ "kind": kind });
        if !payload.is_null() {
            v["payload"] = payload;
        }
        serde_json::from_value(v).map_err(|e| format!("unknown job {kind}: {e}"))
    }
}

/// Periodic jobs: name and period. Each period's run is one job, whichever
/// process enqueues it first (the slot is its unique key).
pub const SCHEDULE: &[(&str, i64)] = &[("housekeeping", 3600)];

fn scheduled_job(name: &str) -> Option<Job> {
    match name {
        "housekeeping" => Some(Job::Housekeeping),
        _ => None,
    }
}

/// Enqueues `job` in the caller's transaction, due now.
pub async fn enqueue(tx: &mut Tx, state: &AppState, job: &Job) -> AppResult<i64> {
    enqueue_at(tx, state, job, db::now(), None)
        .await?
        .or_internal("a job without unique key was not enqueued")
}

/// Enqueues `job` due at `run_at`; with a `unique_key`, only once.
pub async fn enqueue_at(
    tx: &mut Tx,
    state: &AppState,
    job: &Job,
    run_at: OffsetDateTime,
    unique_key: Option<&str>,
) -> AppResult<Option<i64>> {
    let payload = job.payload().map_err(|e| {
        tracing::error!(error = %e, kind = job.kind(), "job payload");
        AppError::Internal
    })?;
    jobs::enqueue(
        tx,
        &jobs::NewJob {
            kind: job.kind(),
            payload: &payload,
            run_at,
            max_attempts: state.config.job_max_attempts.max(1),
            unique_key,
        },
    )
    .await
}

/// Seconds to wait before attempt `attempts + 1`: the base, doubled for each
/// earlier failure, at most an hour. (A base of 0 retries at once: tests.)
pub fn backoff_secs(base: i64, attempts: i32) -> i64 {
    let exp = (attempts.max(1) - 1).min(20) as u32;
    base.max(0).saturating_mul(1i64 << exp).min(3600)
}

/// A name for this runner: host, process and a random part.
pub fn runner_name() -> String {
    use rand::Rng;
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{:06x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>() & 0xff_ffff
    )
}

/// Enqueues the periodic jobs whose slot has come (once per slot, whoever
/// comes first). Returns how many were added.
pub async fn schedule_due(state: &AppState, at: OffsetDateTime) -> AppResult<usize> {
    let mut added = 0;
    let mut tx = state.db.begin().await?;
    for (name, every) in SCHEDULE {
        let Some(job) = scheduled_job(name) else {
            continue;
        };
        let slot = at.unix_timestamp() / every;
        let key = format!("schedule:{name}:{slot}");
        let due = OffsetDateTime::from_unix_timestamp(slot * every).unwrap_or(at);
        if enqueue_at(&mut tx, state, &job, due, Some(&key))
            .await?
            .is_some()
        {
            added += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}

/// What one pass of a runner did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub done: Vec<i64>,
    pub failed: Vec<i64>,
    pub dead: Vec<i64>,
}

/// What runs one job (its id and what it says): the door that calls the
/// job's operation. An error is kept as the job's last error.
pub type Perform =
    fn(
        AppState,
        i64,
        Job,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>;

/// Claims up to `limit` due jobs as `runner`, runs them one by one with
/// `perform`, and records each outcome.
pub async fn run_due(
    state: &AppState,
    runner: &str,
    limit: i64,
    perform: Perform,
) -> AppResult<Pass> {
    let at = db::now();
    let lease = at + time::Duration::seconds(state.config.job_lease_secs.max(1));
    let claimed = jobs::claim(&state.db, runner, at, lease, limit).await?;
    let mut pass = Pass::default();
    for job in claimed {
        let outcome = match Job::parse(&job.kind, &job.payload) {
            Err(e) => Err(e),
            // A panicking job is a failed attempt, not a dead runner.
            Ok(j) => match tokio::spawn(perform(state.clone(), job.id, j)).await {
                Ok(r) => r,
                Err(e) => Err(format!("the job panicked: {e}")),
            },
        };
        match outcome {
            Ok(()) => {
                if jobs::complete(&state.db, job.id, runner).await? {
                    pass.done.push(job.id);
                } else {
                    tracing::warn!(job = job.id, "job finished after its lease was taken over");
                }
            }
            Err(error) => {
                let retry_at = (job.attempts < job.max_attempts).then(|| {
                    db::now()
                        + time::Duration::seconds(backoff_secs(
                            state.config.job_backoff_base_secs,
                            job.attempts,
                        ))
                });
                tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, %error, dead = retry_at.is_none(), "job failed");
                jobs::fail(&state.db, job.id, runner, &error, retry_at).await?;
                if retry_at.is_some() {
                    pass.failed.push(job.id);
                } else {
                    pass.dead.push(job.id);
                }
            }
        }
    }
    Ok(pass)
}

/// Deletes finished jobs and used or expired account tokens older than a
/// week, and expired idempotency records.
pub async fn housekeeping(state: &AppState) -> AppResult<()> {
    let at = db::now();
    let jobs = jobs::purge_finished(&state.db, at - time::Duration::days(7)).await?;
    let tokens = db::tokens::purge(&state.db, at - time::Duration::days(7)).await?;
    let keys = db::apikeys::purge_keys(&state.db, at).await?;
    tracing::info!(jobs, tokens, idempotency_keys = keys, "housekeeping");
    Ok(())
}

/// Starts the runner loop of this process: every `job_poll_ms`, enqueue
/// periodic jobs whose slot has come and run what is due with `perform`.
pub fn spawn_runner(state: AppState, perform: Perform) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let runner = runner_name();
        let poll = Duration::from_millis(state.config.job_poll_ms.max(10));
        let mut last_slot = None;
        tracing::info!(%runner, "job runner started");
        loop {
            let at = db::now();
            // The schedule only needs looking at once a minute.
            let slot = at.unix_timestamp() / 60;
            if last_slot != Some(slot) {
                match schedule_due(&state, at).await {
                    Ok(_) => last_slot = Some(slot),
                    Err(e) => tracing::error!(error = %e, "scheduling periodic jobs"),
                }
            }
            let busy = match jobs::any_due(&state.db, at).await {
                Ok(true) => match run_due(&state, &runner, 10, perform).await {
                    Ok(pass) => {
                        !(pass.done.is_empty() && pass.failed.is_empty() && pass.dead.is_empty())
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "job runner");
                        false
                    }
                },
                Ok(false) => false,
                Err(e) => {
                    tracing::error!(error = %e, "job runner");
                    false
                }
            };
            if !busy {
                tokio::time::sleep(poll).await;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(30, 1), 30);
        assert_eq!(backoff_secs(30, 2), 60);
        assert_eq!(backoff_secs(30, 3), 120);
        assert_eq!(backoff_secs(30, 8), 3600);
        assert_eq!(backoff_secs(30, 40), 3600);
    }

    #[test]
    fn jobs_round_trip_through_kind_and_payload() {
        let job = Job::AccountEmail(crate::mail::AccountEmail::VerifyEmail { user_id: 7 });
        assert_eq!(job.kind(), "account_email");
        assert_eq!(
            Job::parse(job.kind(), &job.payload().unwrap()).unwrap(),
            job
        );
        assert_eq!(
            Job::parse("housekeeping", &Job::Housekeeping.payload().unwrap()).unwrap(),
            Job::Housekeeping
        );
        assert!(Job::parse("no_such_job", "null").is_err());
    }
}

//! Bulk uploads: a merchant sends a CSV file of declarations; a background
//! job checks every row with the same submission check as the form and the
//! API, then saves the parcels (all or nothing, or the valid ones),
//! reporting its progress as it goes.
use crate::db::{self, uploads};
use crate::domain::account::CurrentUser;
use crate::domain::uploads::{
    Problem, UploadDetail, UploadInfo, UploadMode, UploadStatus, PROBLEMS_SHOWN,
};
use crate::error::{AppError, AppResult, OrInternal};
use crate::jobs::{self, Job};
use crate::ops::declarations::{prepare_engine, write_submissions, Naming, SubmissionCheck};
use crate::ops::{company, Caller};
use crate::state::AppState;

pub mod file;

/// Parcels written per statement batch while saving.
const SAVE_CHUNK: usize = 1000;
/// Rows checked between two progress reports.
const REPORT_EVERY: u64 = 2000;
/// Uploads listed.
const LIST: i64 = 20;

/// An upload with the parcels saved so far by this process, if it is saving.
fn live(state: &AppState, mut info: UploadInfo) -> UploadInfo {
    if info.status().is_some_and(|s| s == UploadStatus::Saving) {
        if let Some(n) = state.uploads.get(info.id) {
            info.parcels_saved = info.parcels_saved.max(n);
        }
    }
    info
}

/// The company's latest uploads.
pub async fn list(state: &AppState, caller: &Caller) -> AppResult<Vec<UploadInfo>> {
    let (_, company) = caller.merchant()?;
    Ok(uploads::list(&state.db, company, LIST)
        .await?
        .into_iter()
        .map(|i| live(state, i))
        .collect())
}

fn problems_of(json: &str) -> AppResult<Vec<Problem>> {
    let rows: Vec<(u64, String, String)> =
        serde_json::from_str(json).or_internal("stored upload problems are not valid")?;
    Ok(rows
        .into_iter()
        .map(|(row, column, code)| Problem { row, column, code })
        .collect())
}

/// One of the company's uploads, with the first problems once it is done.
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> AppResult<UploadDetail> {
    let (_, company) = caller.merchant()?;
    let info = uploads::info(&state.db, id, company)
        .await?
        .ok_or(AppError::NotFound)?;
    let problems = if info.problem_count > 0 && info.is_final() {
        let (_, json) = uploads::file_and_problems(&state.db, id, company)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut all = problems_of(&json)?;
        all.truncate(PROBLEMS_SHOWN);
        all
    } else {
        Vec::new()
    };
    Ok(UploadDetail {
        info: live(state, info),
        problems,
    })
}

/// The CSV template of a bulk upload.
pub fn template(caller: &Caller) -> AppResult<Vec<u8>> {
    caller.merchant()?;
    file::template().or_internal("writing the CSV template")
}

/// A finished upload's file and every problem, for the merchant's
/// downloads (their account comes along: its language names the problems).
pub async fn finished(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> AppResult<(CurrentUser, Vec<u8>, Vec<Problem>)> {
    let (user, company) = caller.merchant()?;
    let info = uploads::info(&state.db, id, company)
        .await?
        .ok_or(AppError::NotFound)?;
    if !info.is_final() {
        return Err(AppError::Conflict {
            code: "upload_not_finished".into(),
        });
    }
    let (file, json) = uploads::file_and_problems(&state.db, id, company)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((user.clone(), file, problems_of(&json)?))
}

/// A file sent for upload.
pub struct NewUpload {
    /// The file's name as the browser sent it.
    pub filename: String,
    pub bytes: Vec<u8>,
    pub mode: UploadMode,
}

/// Stores a file and queues its job (the rows are the job's; only cheap
/// checks now). Returns the upload.
pub async fn queue(state: &AppState, caller: &Caller, upload: NewUpload) -> AppResult<UploadInfo> {
    let (user, company) = caller.verified_merchant()?;
    let NewUpload {
        filename,
        bytes,
        mode,
    } = upload;
    if bytes.is_empty() {
        return Err(AppError::field("file", "required"));
    }
    if std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).is_err() {
        return Err(AppError::field("file", "file_not_utf8"));
    }
    let filename = clean_filename(&filename);
    let mut tx = state.db.begin().await?;
    let id = uploads::insert(&mut tx, company, user.id, &filename, &bytes, mode.as_str()).await?;
    jobs::enqueue(&mut tx, state, &Job::BulkUpload { upload_id: id }).await?;
    tx.commit().await?;
    tracing::info!(
        user = user.id,
        upload = id,
        size = bytes.len(),
        mode = mode.as_str(),
        "bulk upload queued"
    );
    uploads::info(&state.db, id, company)
        .await?
        .or_internal("a queued upload is missing")
}

/// The last part of a file name, without control characters or quotes.
fn clean_filename(name: &str) -> String {
    let clean: String = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if clean.trim().is_empty() {
        "upload.csv".to_owned()
    } else {
        clean
    }
}

// ---- The job ----

/// Checks and saves upload `id` (the job's work, as the merchant who
/// uploaded it). Safe to run again: a finished upload is left alone, an
/// unfinished one starts over (nothing was saved: saving is one
/// transaction). Errors only when the outcome cannot be recorded.
pub async fn process(state: &AppState, id: i64, job_id: i64) -> AppResult<()> {
    let Some(work) = uploads::work(&state.db, id).await? else {
        tracing::warn!(upload = id, "upload gone");
        return Ok(());
    };
    if UploadStatus::parse(&work.status).is_none_or(UploadStatus::is_final) {
        return Ok(());
    }
    let result = async {
        // The uploader, as they are now: still a merchant of that company.
        let user = db::users::current_user(&state.db, work.uploaded_by)
            .await?
            .filter(|u| u.organisation_id == Some(work.company_id))
            .ok_or(AppError::Forbidden)?;
        check_and_save(state, &Caller::job(user, job_id), id, &work).await
    }
    .await;
    state.uploads.set(id, None);
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            // Nothing was saved: say why, and stop (the merchant uploads the
            // file again). A process that dies instead leaves the upload
            // unfinished, and the job starts it over.
            let code = match &e {
                AppError::Validation { errors } => errors
                    .first()
                    .map(|f| f.code.clone())
                    .unwrap_or_else(|| e.code()),
                e => e.code(),
            };
            tracing::warn!(upload = id, error = %e, %code, "upload failed");
            uploads::failed(&state.db, id, &code).await
        }
    }
}

async fn check_and_save(
    state: &AppState,
    caller: &Caller,
    id: i64,
    work: &uploads::Work,
) -> AppResult<()> {
    let (user, company) = caller.verified_merchant()?;
    let mode = UploadMode::parse(&work.mode).or_internal("stored upload mode unknown")?;
    uploads::start_checking(&state.db, id).await?;

    let profile = company::load(state, company).await?;
    let defaults = file::Defaults {
        sender: profile.sender,
        currency: profile.default_currency,
        origin: profile.default_origin,
    };
    let mut parsed = match file::read(&work.content, &defaults) {
        Ok(p) => p,
        Err(problems) => {
            finish_check(state, id, mode, &file::Parsed::default(), &problems).await?;
            return Ok(());
        }
    };
    let total = parsed.rows as i64;
    uploads::rows_checked(&state.db, id, 0, total).await?;

    // The submission check, parcel by parcel for the rules of a
    // declaration (reporting progress), then all at once for what only the
    // database knows.
    // (The inputs are taken out of the groups, which gather the problems.)
    let inputs: Vec<_> = parsed.groups.iter().map(|g| g.input.clone()).collect();
    let mut check = SubmissionCheck::default();
    let mut validated = Vec::with_capacity(inputs.len());
    let (mut rows_done, mut reported) = (0u64, 0u64);
    for (g, input) in parsed.groups.iter().zip(&inputs) {
        validated.push((None, input, check.validate(state, input).await?));
        rows_done += g.rows.len() as u64;
        if rows_done - reported >= REPORT_EVERY {
            reported = rows_done;
            uploads::rows_checked(&state.db, id, rows_done as i64, total).await?;
        }
    }
    let checked = check.place(state, company, validated).await?;
    let ids_left = checked.ids_left;
    let mut ready = Vec::with_capacity(checked.items.len());
    for (i, item) in checked.items.into_iter().enumerate() {
        let g = &mut parsed.groups[i];
        match item {
            Ok(s) => ready.push((i, s)),
            Err(es) => {
                let located: Vec<Problem> = es.iter().map(|e| g.locate(e)).collect();
                g.problems.extend(located);
            }
        }
    }
    // Only parcels without any problem (the file's own included) are saved.
    let ready: Vec<_> = ready
        .into_iter()
        .filter(|(i, _)| parsed.groups[*i].is_valid())
        .map(|(_, s)| s)
        .collect();
    let needed = ready
        .iter()
        .filter(|s| s.declaration.item_id.is_none())
        .count() as i64;
    let mut problems = parsed.problems();
    if needed > ids_left {
        problems.insert(
            0,
            Problem::new(
                1,
                "item_id",
                &format!("not_enough_item_ids:{needed}:{ids_left}"),
            ),
        );
    }
    if !finish_check(state, id, mode, &parsed, &problems).await? {
        return Ok(());
    }

    // Save: one transaction, so a failure saves nothing.
    let engine = prepare_engine(
        state,
        company,
        ready
            .iter()
            .map(|s| s.declaration.addressee.country.clone())
            .collect(),
    )
    .await?;
    let all: Vec<_> = ready.iter().map(|s| &s.declaration).collect();
    let mut tx = state.db.begin().await?;
    engine.load_year_totals(&mut tx, &all, None).await?;
    let mut saved = 0i64;
    state.uploads.set(id, Some(0));
    for chunk in ready.chunks(SAVE_CHUNK) {
        write_submissions(
            &mut tx,
            state,
            &engine,
            user,
            company,
            chunk,
            Naming::Indexed,
        )
        .await?;
        saved += chunk.len() as i64;
        state.uploads.set(id, Some(saved));
        uploads::saving_progress(&state.db, id, saved).await?;
    }
    uploads::done(&mut tx, id, saved).await?;
    tx.commit().await?;
    tracing::info!(upload = id, parcels = saved, "bulk upload saved");
    Ok(())
}

/// Records the outcome of checking; returns whether to go on saving.
async fn finish_check(
    state: &AppState,
    id: i64,
    mode: UploadMode,
    parsed: &file::Parsed,
    problems: &[Problem],
) -> AppResult<bool> {
    let valid = parsed.groups.iter().filter(|g| g.is_valid()).count() as i64;
    let blocked = problems.iter().any(|p| p.row == 1);
    let save = valid > 0 && !blocked && (problems.is_empty() || mode == UploadMode::Valid);
    let rows: Vec<(u64, &str, &str)> = problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.code.as_str()))
        .collect();
    let json = serde_json::to_string(&rows).or_internal("serialising the rows to fix")?;
    uploads::checked(
        &state.db,
        id,
        &uploads::Checked {
            status: if save { "saving" } else { "rejected" },
            rows_total: parsed.rows as i64,
            parcels_total: parsed.groups.len() as i64,
            parcels_valid: if blocked { 0 } else { valid },
            problems: &json,
            problem_count: problems.len() as i64,
        },
    )
    .await?;
    Ok(save)
}

#[cfg(test)]
mod tests {
    use super::clean_filename;

    #[test]
    fn file_names_keep_their_last_part_without_quotes_or_controls() {
        assert_eq!(clean_filename("C:\\orders\\june.csv"), "june.csv");
        assert_eq!(clean_filename("../x/\"a\"\tb.csv"), "ab.csv");
        assert_eq!(clean_filename("  "), "upload.csv");
        assert_eq!(clean_filename(&"é".repeat(200)).chars().count(), 120);
    }
}

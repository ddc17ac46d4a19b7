//! Bulk uploads: a merchant sends a CSV file of declarations; a background
//! job checks every row, then saves the parcels (all or nothing, or the
//! valid ones), reporting its progress as it goes.
use leptos::prelude::*;

use crate::domain::bulk::{UploadDetail, UploadInfo};
use crate::error::AppError;

#[server(endpoint = "uploads/list")]
pub async fn list_uploads() -> Result<Vec<UploadInfo>, AppError> {
    crate::api::respond::reply(server::list().await)
}

#[server(endpoint = "uploads/get")]
pub async fn get_upload(upload_id: i64) -> Result<UploadDetail, AppError> {
    crate::api::respond::reply(server::get(upload_id).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Mutex};

    use axum::extract::{Multipart, Path, State};
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Json;
    use tower_sessions::Session;

    use crate::api::declarations::server::{
        company, load_profile, prepare_engine, write_submissions, SdrRates, ID_REUSE_AFTER,
    };
    use crate::api::guard::{require, require_for_session, require_verified, state};
    use crate::bulk::{self, Defaults};
    use crate::db::{self, parcels as store, uploads};
    use crate::domain::account::{CurrentUser, FieldError, Role};
    use crate::domain::bulk::{
        Problem, UploadDetail, UploadInfo, UploadMode, UploadStatus, MAX_FILE_BYTES, PROBLEMS_SHOWN,
    };
    use crate::domain::declaration::{self, Context};
    use crate::error::{AppError, AppResult};
    use crate::i18n::Locale;
    use crate::jobs::{self, Job};
    use crate::state::AppState;

    /// Parcels saved so far by uploads this process is saving (the saving
    /// transaction is not visible to others until it commits).
    #[derive(Clone, Default)]
    pub struct Progress(Arc<Mutex<HashMap<i64, i64>>>);

    impl Progress {
        fn set(&self, id: i64, saved: Option<i64>) {
            if let Ok(mut m) = self.0.lock() {
                match saved {
                    Some(n) => m.insert(id, n),
                    None => m.remove(&id),
                };
            }
        }

        fn get(&self, id: i64) -> Option<i64> {
            self.0.lock().ok().and_then(|m| m.get(&id).copied())
        }
    }

    /// Parcels written per statement batch while saving.
    const SAVE_CHUNK: usize = 1000;
    /// Rows checked between two progress reports.
    const REPORT_EVERY: u64 = 2000;
    /// Uploads listed.
    const LIST: i64 = 20;

    async fn merchant() -> AppResult<(CurrentUser, i64)> {
        let user = require(&[Role::Merchant]).await?;
        let org = company(&user)?;
        Ok((user, org))
    }

    fn live(state: &AppState, mut info: UploadInfo) -> UploadInfo {
        if info.status().is_some_and(|s| s == UploadStatus::Saving) {
            if let Some(n) = state.uploads.get(info.id) {
                info.parcels_saved = info.parcels_saved.max(n);
            }
        }
        info
    }

    pub async fn list() -> AppResult<Vec<UploadInfo>> {
        let (_, org) = merchant().await?;
        let state = state()?;
        Ok(uploads::list(&state.db, org, LIST)
            .await?
            .into_iter()
            .map(|i| live(&state, i))
            .collect())
    }

    fn problems_of(json: &str) -> AppResult<Vec<Problem>> {
        let rows: Vec<(u64, String, String)> = serde_json::from_str(json).map_err(|e| {
            tracing::error!(error = %e, "stored upload problems");
            AppError::Internal
        })?;
        Ok(rows
            .into_iter()
            .map(|(row, column, code)| Problem { row, column, code })
            .collect())
    }

    pub async fn get(id: i64) -> AppResult<UploadDetail> {
        let (_, org) = merchant().await?;
        let state = state()?;
        let info = uploads::info(&state.db, id, org)
            .await?
            .ok_or(AppError::NotFound)?;
        let problems = if info.problem_count > 0 && info.is_final() {
            let (_, json) = uploads::file_and_problems(&state.db, id, org)
                .await?
                .ok_or(AppError::NotFound)?;
            let mut all = problems_of(&json)?;
            all.truncate(PROBLEMS_SHOWN);
            all
        } else {
            Vec::new()
        };
        Ok(UploadDetail {
            info: live(&state, info),
            problems,
        })
    }

    // ---- HTTP handlers (files in, files out) ----

    use crate::api::respond::{csv_attachment as csv_file, json_error as fail, wants_html};

    async fn signed_in_merchant(
        session: &Session,
        state: &AppState,
    ) -> AppResult<(CurrentUser, i64)> {
        let user = require_for_session(session, state, &[Role::Merchant]).await?;
        let org = company(&user)?;
        Ok((user, org))
    }

    /// `GET /declarations/template.csv`.
    pub async fn template(State(state): State<AppState>, session: Session) -> Response {
        if let Err(e) = signed_in_merchant(&session, &state).await {
            return fail(e);
        }
        match bulk::template() {
            Ok(b) => csv_file(b, "declarations-template.csv"),
            Err(e) => {
                tracing::error!(error = %e, "CSV template");
                fail(AppError::Internal)
            }
        }
    }

    /// The reader's language: the language cookie, else the account's.
    fn locale(headers: &HeaderMap, user: &CurrentUser) -> Locale {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == crate::api::auth::LANGUAGE_COOKIE)
            .map(|(_, v)| v.to_owned());
        let lang = cookie.unwrap_or_else(|| {
            crate::mail::language_for(user.language.as_deref(), user.country_code.as_deref())
                .to_owned()
        });
        if lang == "fr" {
            Locale::fr
        } else {
            Locale::en
        }
    }

    fn problem_text(locale: Locale) -> impl Fn(&Problem) -> String {
        move |p: &Problem| crate::components::error_text(locale, &p.code, None)
    }

    async fn stored(
        state: &AppState,
        session: &Session,
        id: i64,
    ) -> AppResult<(CurrentUser, Vec<u8>, Vec<Problem>)> {
        let (user, org) = signed_in_merchant(session, state).await?;
        let info = uploads::info(&state.db, id, org)
            .await?
            .ok_or(AppError::NotFound)?;
        if !info.is_final() {
            return Err(AppError::Conflict {
                code: "upload_not_finished".into(),
            });
        }
        let (file, json) = uploads::file_and_problems(&state.db, id, org)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((user, file, problems_of(&json)?))
    }

    /// `GET /declarations/uploads/{id}/problems.csv`: every problem.
    pub async fn problems_csv(
        State(state): State<AppState>,
        session: Session,
        headers: HeaderMap,
        Path(id): Path<i64>,
    ) -> Response {
        let (user, _, problems) = match stored(&state, &session, id).await {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        match bulk::problems_csv(&problems, problem_text(locale(&headers, &user))) {
            Ok(b) => csv_file(b, &format!("upload-{id}-problems.csv")),
            Err(e) => {
                tracing::error!(error = %e, "problems CSV");
                fail(AppError::Internal)
            }
        }
    }

    /// `GET /declarations/uploads/{id}/rejected.csv`: the rows not saved,
    /// with what to fix, ready to correct and upload again.
    pub async fn rejected_csv(
        State(state): State<AppState>,
        session: Session,
        headers: HeaderMap,
        Path(id): Path<i64>,
    ) -> Response {
        let (user, file, problems) = match stored(&state, &session, id).await {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let text = problem_text(locale(&headers, &user));
        let with_column = |p: &Problem| {
            if p.column.is_empty() {
                text(p)
            } else {
                format!("{}: {}", p.column, text(p))
            }
        };
        match bulk::rejected_csv(&file, &problems, with_column) {
            Ok(b) => csv_file(b, &format!("upload-{id}-rejected.csv")),
            Err(e) => {
                tracing::error!(error = %e, "rejected rows CSV");
                fail(AppError::Internal)
            }
        }
    }

    /// `POST /declarations/uploads`, multipart: `file` (CSV) and `mode`
    /// (`all` or `valid`). Stores the file and queues its job; answers 202
    /// with the upload (a form is sent to the upload's page).
    pub async fn upload(
        State(state): State<AppState>,
        session: Session,
        headers: HeaderMap,
        multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    ) -> Response {
        let html = wants_html(&headers);
        let refuse = |e: AppError| {
            if html {
                let to = format!(
                    "/declarations/upload?error={}",
                    crate::api::respond::urlencode(&e.code())
                );
                Redirect::to(&to).into_response()
            } else {
                fail(e)
            }
        };
        let (user, org) = match signed_in_merchant(&session, &state).await {
            Ok(u) => u,
            Err(e) => return refuse(e),
        };
        if let Err(e) = require_verified(&user) {
            return refuse(e);
        }
        let Ok(mut multipart) = multipart else {
            return refuse(AppError::field("file", "required"));
        };
        let mut mode = UploadMode::All;
        let mut file: Option<(String, Vec<u8>)> = None;
        let too_large_or = |e: axum::extract::multipart::MultipartError, field: &str| {
            let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "upload_too_large"
            } else {
                "invalid"
            };
            AppError::field(field, code)
        };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return refuse(too_large_or(e, "file")),
            };
            match field.name() {
                Some("mode") => match field.text().await.map(|t| UploadMode::parse(&t)) {
                    Ok(Some(m)) => mode = m,
                    _ => return refuse(AppError::field("mode", "invalid")),
                },
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    let mut bytes = Vec::new();
                    let mut field = field;
                    loop {
                        match field.chunk().await {
                            Ok(Some(chunk)) => {
                                if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                                    return refuse(AppError::field("file", "upload_too_large"));
                                }
                                bytes.extend_from_slice(&chunk);
                            }
                            Ok(None) => break,
                            Err(e) => return refuse(too_large_or(e, "file")),
                        }
                    }
                    file = Some((name, bytes));
                }
                _ => {}
            }
        }
        let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            return refuse(AppError::field("file", "required"));
        };
        // Cheap checks now; the rows are the job's.
        if std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).is_err() {
            return refuse(AppError::field("file", "file_not_utf8"));
        }
        let filename = {
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
        };
        let saved = async {
            let mut tx = state.db.begin().await?;
            let id =
                uploads::insert(&mut tx, org, user.id, &filename, &bytes, mode.as_str()).await?;
            jobs::enqueue(&mut tx, &state, &Job::BulkUpload { upload_id: id }).await?;
            tx.commit().await?;
            AppResult::Ok(id)
        }
        .await;
        match saved {
            Ok(id) => {
                tracing::info!(
                    user = user.id,
                    upload = id,
                    size = bytes.len(),
                    mode = mode.as_str(),
                    "bulk upload queued"
                );
                let page = format!("/declarations/uploads/{id}");
                if html {
                    Redirect::to(&page).into_response()
                } else {
                    match uploads::info(&state.db, id, org).await {
                        Ok(Some(info)) => {
                            let mut res = (StatusCode::ACCEPTED, Json(info)).into_response();
                            if let Ok(v) = HeaderValue::from_str(&page) {
                                res.headers_mut().insert(header::LOCATION, v);
                            }
                            res
                        }
                        Ok(None) => fail(AppError::Internal),
                        Err(e) => fail(e),
                    }
                }
            }
            Err(e) => refuse(e),
        }
    }

    // ---- The job ----

    /// Checks and saves upload `id`. Safe to run again: a finished upload is
    /// left alone, an unfinished one starts over (nothing was saved: saving
    /// is one transaction). Errors only when the outcome cannot be recorded.
    pub async fn process(state: &AppState, id: i64) -> AppResult<()> {
        let Some(work) = uploads::work(&state.db, id).await? else {
            tracing::warn!(upload = id, "upload gone");
            return Ok(());
        };
        if UploadStatus::parse(&work.status).is_none_or(UploadStatus::is_final) {
            return Ok(());
        }
        let result = check_and_save(state, id, &work).await;
        state.uploads.set(id, None);
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                // Nothing was saved: say why, and stop (the merchant uploads
                // the file again). A process that dies instead leaves the
                // upload unfinished, and the job starts it over.
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

    async fn check_and_save(state: &AppState, id: i64, work: &uploads::Work) -> AppResult<()> {
        let user = db::users::current_user(&state.db, work.uploaded_by)
            .await?
            .filter(|u| u.role == Role::Merchant && u.organisation_id == Some(work.company_id))
            .ok_or(AppError::Forbidden)?;
        require_verified(&user)?;
        let mode = UploadMode::parse(&work.mode).ok_or(AppError::Internal)?;
        uploads::start_checking(&state.db, id).await?;

        let profile = load_profile(state, work.company_id).await?;
        let defaults = Defaults {
            sender: profile.sender,
            currency: profile.default_currency,
            origin: profile.default_origin,
        };
        let mut parsed = match bulk::read(&work.content, &defaults) {
            Ok(p) => p,
            Err(problems) => {
                finish_check(state, id, mode, &bulk::Parsed::default(), &problems).await?;
                return Ok(());
            }
        };
        let total = parsed.rows as i64;
        uploads::rows_checked(&state.db, id, 0, total).await?;

        // Every rule of a declaration, parcel by parcel.
        let today = db::now().date();
        let mut rates = SdrRates::default();
        let mut checked = Vec::with_capacity(parsed.groups.len());
        let (mut rows_done, mut reported) = (0u64, 0u64);
        for g in &mut parsed.groups {
            let rate = rates.get(&state.db, &g.input.currency, today).await?;
            let ctx = Context {
                by_merchant: true,
                units_per_sdr_micro: rate,
            };
            match declaration::validate(&g.input, &ctx) {
                Ok(d) => checked.push(Some(d)),
                Err(es) => {
                    let found: Vec<Problem> = es.iter().map(|e| g.locate(e)).collect();
                    g.problems.extend(found);
                    checked.push(None);
                }
            }
            rows_done += g.rows.len() as u64;
            if rows_done - reported >= REPORT_EVERY {
                reported = rows_done;
                uploads::rows_checked(&state.db, id, rows_done as i64, total).await?;
            }
        }

        // What only the database knows: a route for each destination, own
        // item ids free (and not twice in the file), enough serials left.
        let routes = {
            let mut tx = state.db.begin().await?;
            let r = store::all_routes(&mut tx).await?;
            tx.commit().await?;
            r
        };
        let mut own_ids: HashMap<String, usize> = HashMap::new();
        for (i, (g, d)) in parsed.groups.iter_mut().zip(&checked).enumerate() {
            let Some(d) = d else { continue };
            if store::pick_route(&routes, &d.addressee.country, &d.addressee.postcode).is_none() {
                let p = g.locate(&FieldError::new("addressee.country", "no_route"));
                g.problems.push(p);
            }
            if let Some(item) = &d.item_id {
                match own_ids.entry(item.as_str().to_owned()) {
                    std::collections::hash_map::Entry::Occupied(_) => {
                        let p = g.locate(&FieldError::new("item_id", "item_id_taken"));
                        g.problems.push(p);
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(i);
                    }
                }
            }
        }
        let wanted: Vec<String> = own_ids.keys().cloned().collect();
        let in_use: HashSet<String> =
            uploads::item_ids_in_use(&state.db, &wanted, db::now() - ID_REUSE_AFTER)
                .await?
                .into_iter()
                .collect();
        for id in &in_use {
            if let Some(i) = own_ids.get(id) {
                let g = &mut parsed.groups[*i];
                let p = g.locate(&FieldError::new("item_id", "item_id_taken"));
                g.problems.push(p);
            }
        }
        let needed = parsed
            .groups
            .iter()
            .zip(&checked)
            .filter(|(g, d)| g.is_valid() && d.as_ref().is_some_and(|d| d.item_id.is_none()))
            .count() as i64;
        let left = uploads::item_ids_left(&state.db, work.company_id).await?;
        let mut problems = parsed.problems();
        if needed > left {
            problems.insert(
                0,
                Problem::new(
                    1,
                    "item_id",
                    &format!("not_enough_item_ids:{needed}:{left}"),
                ),
            );
        }
        let verdict = finish_check(state, id, mode, &parsed, &problems).await?;
        if !verdict {
            return Ok(());
        }

        // Save: one transaction, so a failure saves nothing.
        let valid: Vec<_> = parsed
            .groups
            .iter()
            .zip(&checked)
            .filter(|(g, _)| g.is_valid())
            .filter_map(|(g, d)| d.as_ref().map(|d| (None, &g.input, d)))
            .collect();
        let engine = prepare_engine(
            state,
            valid
                .iter()
                .map(|(_, _, d)| d.addressee.country.clone())
                .collect(),
        )
        .await?;
        let all: Vec<_> = valid.iter().map(|(_, _, d)| *d).collect();
        let mut tx = state.db.begin().await?;
        engine.load_year_totals(&mut tx, &all, None).await?;
        let mut saved = 0i64;
        state.uploads.set(id, Some(0));
        for chunk in valid.chunks(SAVE_CHUNK) {
            write_submissions(&mut tx, state, &engine, &user, work.company_id, chunk, true).await?;
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
        parsed: &bulk::Parsed,
        problems: &[Problem],
    ) -> AppResult<bool> {
        let valid = parsed.groups.iter().filter(|g| g.is_valid()).count() as i64;
        let blocked = problems.iter().any(|p| p.row == 1);
        let save = valid > 0 && !blocked && (problems.is_empty() || mode == UploadMode::Valid);
        let rows: Vec<(u64, &str, &str)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_str(), p.code.as_str()))
            .collect();
        let json = serde_json::to_string(&rows).map_err(|_| AppError::Internal)?;
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
}

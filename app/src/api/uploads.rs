//! Bulk uploads: the doors of [`crate::ops::uploads`]: the server functions
//! of the pages and the HTTP handlers of files in and out.
use leptos::prelude::*;

use crate::domain::uploads::{UploadDetail, UploadInfo};
use crate::error::AppError;

#[server(endpoint = "uploads/list")]
pub async fn list_uploads() -> Result<Vec<UploadInfo>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::uploads::list))
}

#[server(endpoint = "uploads/get")]
pub async fn get_upload(upload_id: i64) -> Result<UploadDetail, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::uploads::get, upload_id))
}

#[cfg(feature = "ssr")]
pub mod server {
    use axum::extract::{Multipart, Path, State};
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Json;
    use tower_sessions::Session;

    use crate::api::guard::door_for_session;
    use crate::api::respond::{csv_attachment as csv_file, json_error as fail, wants_html};
    use crate::domain::account::CurrentUser;
    use crate::domain::uploads::{Problem, UploadMode, MAX_FILE_BYTES};
    use crate::error::{AppError, AppResult};
    use crate::i18n::Locale;
    use crate::ops::uploads::{self as ops, file};
    use crate::state::AppState;

    /// `GET /declarations/template.csv`.
    pub async fn template(State(state): State<AppState>, session: Session) -> Response {
        let result = async { ops::template(&door_for_session(&session, &state).await?) }.await;
        match result {
            Ok(b) => csv_file(b, "declarations-template.csv"),
            Err(e) => fail(e),
        }
    }

    /// The reader's language, as the page that links here was rendered in
    /// ([`crate::messages::reader_locale`]); the account's language last.
    fn locale(headers: &HeaderMap, user: &CurrentUser) -> Locale {
        let cookie = crate::api::respond::cookie(headers, crate::api::auth::LANGUAGE_COOKIE);
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        let account =
            crate::mail::language_for(user.language.as_deref(), user.country_code.as_deref());
        crate::messages::reader_locale(cookie, accept, account)
    }

    fn problem_text(locale: Locale) -> impl Fn(&Problem) -> String {
        move |p: &Problem| crate::messages::error_text(locale, &p.code, None)
    }

    async fn stored(
        state: &AppState,
        session: &Session,
        id: i64,
    ) -> AppResult<(CurrentUser, Vec<u8>, Vec<Problem>)> {
        ops::finished(state, &door_for_session(session, state).await?, id).await
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
        match file::problems_csv(&problems, problem_text(locale(&headers, &user))) {
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
        match file::rejected_csv(&file, &problems, with_column) {
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
        let caller = match door_for_session(&session, &state).await {
            Ok(c) => c,
            Err(e) => return refuse(e),
        };
        // Refused before the file is read when the caller may not upload.
        if let Err(e) = caller.verified_merchant() {
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
        let Some((filename, bytes)) = file else {
            return refuse(AppError::field("file", "required"));
        };
        let saved = ops::queue(
            &state,
            &caller,
            ops::NewUpload {
                filename,
                bytes,
                mode,
            },
        )
        .await;
        match saved {
            Ok(info) => {
                let page = format!("/declarations/uploads/{}", info.id);
                if html {
                    Redirect::to(&page).into_response()
                } else {
                    let mut res = (StatusCode::ACCEPTED, Json(info)).into_response();
                    if let Ok(v) = HeaderValue::from_str(&page) {
                        res.headers_mut().insert(header::LOCATION, v);
                    }
                    res
                }
            }
            Err(e) => refuse(e),
        }
    }
}

/// The plain HTTP routes of bulk uploads: the file in, the template and the
/// rows to fix out.
#[cfg(feature = "ssr")]
pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    let limit = DefaultBodyLimit::max(crate::domain::uploads::MAX_FILE_BYTES + 64 * 1024);
    axum::Router::new()
        .route("/declarations/uploads", post(server::upload).layer(limit))
        .route("/declarations/template.csv", get(server::template))
        .route(
            "/declarations/uploads/{id}/problems.csv",
            get(server::problems_csv),
        )
        .route(
            "/declarations/uploads/{id}/rejected.csv",
            get(server::rejected_csv),
        )
}

//! Admins keep the regime data: the doors of [`crate::ops::rates`] (tariffs,
//! regimes, VAT rates, additional duties, FX and SDR rates): server
//! functions, and the HTTP handlers of CSV export and import.
use std::collections::HashMap;

use leptos::prelude::*;

pub use crate::domain::rates::{DataOverview, TableSummary};
use crate::domain::rates::{RateRow, RateTable};
use crate::error::AppError;

#[server(endpoint = "rates/tables")]
pub async fn list_rate_tables() -> Result<DataOverview, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::rates::summaries))
}

#[server(endpoint = "rates/list")]
pub async fn list_rate_rows(table: String, q: Option<String>) -> Result<RateTable, AppError> {
    crate::api::respond::reply(crate::api::op!(
        crate::ops::rates::list,
        &table,
        q.as_deref().unwrap_or("")
    ))
}

#[server(endpoint = "rates/get")]
pub async fn get_rate_row(table: String, row_id: i64) -> Result<RateRow, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::rates::get, &table, row_id))
}

/// Adds (no `row_id`) or changes a row; `row` holds the values by column
/// name, as in the CSV file. A new row with no end closes the open period
/// of the row it follows.
#[server(endpoint = "rates/save")]
pub async fn save_rate(
    table: String,
    row_id: Option<i64>,
    row: HashMap<String, String>,
) -> Result<i64, AppError> {
    let result = crate::api::op!(crate::ops::rates::save, &table, row_id, &row);
    let back = match row_id {
        Some(id) => format!("/admin/rates/{table}/{id}"),
        None => format!("/admin/rates/{table}/new"),
    };
    let keep: Vec<(&str, String)> = crate::domain::rates::Table::parse(&table)
        .map(|t| {
            t.columns()
                .iter()
                .map(|c| (c.name, row.get(c.name).cloned().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    crate::api::respond::remember_on_error(&result, &back, keep).await;
    crate::api::respond::finish_form(
        result,
        |id| format!("/admin/rates/{table}?saved={id}"),
        &back,
    )
}

#[server(endpoint = "rates/delete")]
pub async fn delete_rate(table: String, row_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::rates::delete, &table, row_id);
    crate::api::respond::finish_form(
        result,
        |_| format!("/admin/rates/{table}?deleted=1"),
        &format!("/admin/rates/{table}/{row_id}"),
    )
}

#[cfg(feature = "ssr")]
pub mod server {
    use axum::extract::{Multipart, Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Json;
    use tower_sessions::Session;

    use crate::api::guard::door_for_session;
    use crate::api::respond::{csv_attachment, json_error as fail, wants_html};
    use crate::domain::account::Role;
    use crate::domain::rates::{problems_param, Table};
    use crate::error::AppError;
    use crate::ops::rates::{self as ops, MAX_IMPORT_BYTES};
    use crate::state::AppState;

    /// `GET /admin/rates/{table}/export.csv`: the whole table in the layout
    /// an import reads.
    pub async fn export_csv(
        State(state): State<AppState>,
        session: Session,
        Path(name): Path<String>,
    ) -> Response {
        let run = async {
            let caller = door_for_session(&session, &state).await?;
            ops::export(&state, &caller, &name).await
        };
        match run.await {
            Ok((t, bytes)) => csv_attachment(bytes, &t.file_name()),
            Err(e) => fail(e),
        }
    }

    /// `POST /admin/rates/{table}/upload`, multipart `file`: imports a CSV
    /// file. A form goes back to the table (or to the import page with the
    /// problems); programs get the outcome, or 422 with the problems.
    pub async fn upload(
        State(state): State<AppState>,
        session: Session,
        headers: HeaderMap,
        Path(name): Path<String>,
        multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    ) -> Response {
        let html = wants_html(&headers);
        let page = format!("/admin/rates/{}/import", urlencoding(&name));
        let refuse = |e: AppError| {
            if html && !matches!(e, AppError::Unauthorized | AppError::Forbidden) {
                let to = format!("{page}?error={}", crate::api::respond::urlencode(&e.code()));
                Redirect::to(&to).into_response()
            } else {
                fail(e)
            }
        };
        let caller = match door_for_session(&session, &state).await {
            Ok(c) => c,
            Err(e) => return refuse(e),
        };
        if let Err(e) = caller.require(&[Role::Admin]) {
            return refuse(e);
        }
        let Some(t) = Table::parse(&name) else {
            return fail(AppError::NotFound);
        };
        let Ok(mut multipart) = multipart else {
            return refuse(AppError::field("file", "required"));
        };
        let mut file: Option<(String, Vec<u8>)> = None;
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) if field.name() == Some("file") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return refuse(AppError::field("file", "upload_too_large"))
                        }
                        Err(_) => return refuse(AppError::field("file", "invalid")),
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return refuse(AppError::field("file", "upload_too_large"))
                }
                Err(_) => return refuse(AppError::field("file", "invalid")),
            }
        }
        let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            return refuse(AppError::field("file", "required"));
        };
        if bytes.len() > MAX_IMPORT_BYTES {
            return refuse(AppError::field("file", "upload_too_large"));
        }
        let Ok(text) = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        else {
            return refuse(AppError::field("file", "file_not_utf8"));
        };
        let clean: String = file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(120)
            .collect();
        match ops::import(&state, &caller, &name, &clean, text).await {
            Ok(Ok(outcome)) => {
                if html {
                    Redirect::to(&format!(
                        "/admin/rates/{}?added={}&replaced={}&ended={}",
                        t.as_str(),
                        outcome.added,
                        outcome.replaced,
                        outcome.ended
                    ))
                    .into_response()
                } else {
                    Json(outcome).into_response()
                }
            }
            Ok(Err(problems)) => {
                if html {
                    let shown = 50;
                    let more = problems.len().saturating_sub(shown);
                    let to = format!(
                        "{page}?problems={}&more={more}",
                        crate::api::respond::urlencode(&problems_param(&problems, shown))
                    );
                    Redirect::to(&to).into_response()
                } else {
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        Json(serde_json::json!({ "problems": problems })),
                    )
                        .into_response()
                }
            }
            Err(e) => refuse(e),
        }
    }

    fn urlencoding(s: &str) -> String {
        crate::api::respond::urlencode(s)
    }
}

/// The plain HTTP routes of the regime data: CSV export and import.
#[cfg(feature = "ssr")]
pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    let limit = DefaultBodyLimit::max(crate::ops::rates::MAX_IMPORT_BYTES + 64 * 1024);
    axum::Router::new()
        .route("/admin/rates/{table}/export.csv", get(server::export_csv))
        .route(
            "/admin/rates/{table}/upload",
            post(server::upload).layer(limit),
        )
}

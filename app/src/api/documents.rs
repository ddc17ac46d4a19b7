//! Documents: files a user uploads (invoices, licences, photos of goods),
//! kept in the database so that any server process can serve them. Each
//! belongs to an account or to an organisation and is readable only by it.
//!
//! The doors of [`crate::ops::documents`]: upload and download are plain
//! HTTP handlers (multipart in, bytes out); the list is a server function.
use leptos::prelude::*;

pub use crate::domain::platform::DocumentInfo;
use crate::error::AppError;

/// The caller's documents and those of their organisation, newest first.
#[server(endpoint = "documents/list")]
pub async fn list_documents() -> Result<Vec<DocumentInfo>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::documents::list))
}

#[cfg(feature = "ssr")]
pub mod server {
    use axum::body::Body;
    use axum::extract::{Multipart, Path, State};
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Json;
    use tower_sessions::Session;

    use crate::api::guard::door_for_session;
    use crate::domain::platform::MAX_DOCUMENT_BYTES;
    use crate::error::AppError;
    use crate::ops::documents as ops;
    use crate::state::AppState;

    use crate::api::respond::wants_html;

    /// An error as a program expects it (status + JSON), or for a plain
    /// form, back to the page with the error code.
    fn refuse(html: bool, e: AppError) -> Response {
        if html {
            let to = format!(
                "/documents?error={}",
                crate::api::respond::urlencode(&e.code())
            );
            return Redirect::to(&to).into_response();
        }
        crate::api::respond::json_error(e)
    }

    /// `POST /api/documents`, multipart: `file`, and `owner` = `user`
    /// (default) or `organisation`.
    pub async fn upload(
        State(state): State<AppState>,
        session: Session,
        headers: HeaderMap,
        multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    ) -> Response {
        let html = wants_html(&headers);
        let caller = match door_for_session(&session, &state).await {
            Ok(c) => c,
            Err(e) => return refuse(html, e),
        };
        if let Err(e) = caller.signed_in() {
            return refuse(html, e);
        }
        let Ok(mut multipart) = multipart else {
            return refuse(html, AppError::field("file", "required"));
        };
        let mut owner = "user".to_owned();
        let mut file: Option<(String, Vec<u8>)> = None;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        "file_too_large"
                    } else {
                        "invalid"
                    };
                    return refuse(html, AppError::field("file", code));
                }
            };
            match field.name() {
                Some("owner") => match field.text().await {
                    Ok(text) => owner = text,
                    Err(_) => return refuse(html, AppError::field("owner", "invalid")),
                },
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    let mut bytes = Vec::new();
                    let mut field = field;
                    loop {
                        match field.chunk().await {
                            Ok(Some(chunk)) => {
                                if bytes.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                                    return refuse(html, AppError::field("file", "file_too_large"));
                                }
                                bytes.extend_from_slice(&chunk);
                            }
                            Ok(None) => break,
                            Err(e) => {
                                let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                                    "file_too_large"
                                } else {
                                    "invalid"
                                };
                                return refuse(html, AppError::field("file", code));
                            }
                        }
                    }
                    file = Some((name, bytes));
                }
                _ => {}
            }
        }
        let Some((name, bytes)) = file else {
            return refuse(html, AppError::field("file", "required"));
        };
        match ops::upload(&state, &caller, ops::NewFile { owner, name, bytes }).await {
            Ok(_) if html => Redirect::to("/documents?uploaded=1").into_response(),
            Ok(info) => (StatusCode::CREATED, Json(info)).into_response(),
            Err(e) => refuse(html, e),
        }
    }

    /// `GET /api/documents/{id}`: the file, as an attachment of its real
    /// type. Someone who may not read it gets the same 404 as for a
    /// document that does not exist.
    pub async fn download(
        State(state): State<AppState>,
        session: Session,
        Path(id): Path<i64>,
    ) -> Response {
        let found = async {
            let caller = door_for_session(&session, &state).await?;
            ops::download(&state, &caller, id).await
        };
        let (info, bytes) = match found.await {
            Ok(f) => f,
            Err(e) => return refuse(false, e),
        };
        let disposition = format!("attachment; filename=\"{}\"", info.filename);
        let mut res = Response::new(Body::from(bytes));
        let h = res.headers_mut();
        let set = |v: &str| {
            HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("application/octet-stream"))
        };
        h.insert(header::CONTENT_TYPE, set(&info.content_type));
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        // Never rendered as a page of the portal, even if opened directly.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
        res
    }
}

/// The plain HTTP routes of documents (upload room for the largest file).
#[cfg(feature = "ssr")]
pub fn router() -> axum::Router<crate::state::AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::{get, post};
    let limit = DefaultBodyLimit::max(crate::domain::platform::MAX_DOCUMENT_BYTES + 64 * 1024);
    axum::Router::new()
        .route("/api/documents", post(server::upload).layer(limit))
        .route("/api/documents/{id}", get(server::download))
}

//! Documents: files a user uploads (invoices, licences, photos of goods),
//! kept in the database so that any server process can serve them. Each
//! belongs to an account or to an organisation and is readable only by it.
//!
//! Upload and download are plain HTTP handlers (multipart in, bytes out);
//! the list is a server function.
use leptos::prelude::*;

pub use crate::domain::platform::DocumentInfo;
use crate::error::AppError;

/// The caller's documents and those of their organisation, newest first.
#[server(endpoint = "documents/list")]
pub async fn list_documents() -> Result<Vec<DocumentInfo>, AppError> {
    crate::api::respond::reply(server::list_documents().await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use axum::body::Body;
    use axum::extract::{Multipart, Path, State};
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Json;
    use tower_sessions::Session;

    use super::DocumentInfo;
    use crate::api::guard::{self, user_for_session};
    use crate::db::documents::{self, NewDocument};
    use crate::domain::account::CurrentUser;
    use crate::domain::platform::{clean_filename, sniff_content_type, MAX_DOCUMENT_BYTES};
    use crate::error::{AppError, AppResult};
    use crate::state::AppState;

    /// Whether `user` may read (and list) documents of this owner.
    pub fn may_read(user: &CurrentUser, owner_kind: &str, owner_id: i64) -> bool {
        match owner_kind {
            "user" => owner_id == user.id,
            "organisation" => user.organisation_id == Some(owner_id),
            _ => false,
        }
    }

    pub async fn list_documents() -> AppResult<Vec<DocumentInfo>> {
        let user = guard::current_user().await?.ok_or(AppError::Unauthorized)?;
        let db = &guard::state()?.db;
        let mut docs = documents::list_for(db, "user", user.id).await?;
        if let Some(org) = user.organisation_id {
            docs.extend(documents::list_for(db, "organisation", org).await?);
        }
        docs.sort_by_key(|d| std::cmp::Reverse(d.id));
        Ok(docs)
    }

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

    async fn signed_in(session: &Session, state: &AppState) -> AppResult<CurrentUser> {
        user_for_session(session, state)
            .await?
            .ok_or(AppError::Unauthorized)
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
        let user = match signed_in(&session, &state).await {
            Ok(u) => u,
            Err(e) => return refuse(html, e),
        };
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
        let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            return refuse(html, AppError::field("file", "required"));
        };
        let Some(content_type) = sniff_content_type(&bytes) else {
            return refuse(html, AppError::field("file", "file_type"));
        };
        let owner_id = match owner.as_str() {
            "user" => user.id,
            "organisation" => match user.organisation_id {
                Some(o) => o,
                None => return refuse(html, AppError::field("owner", "invalid")),
            },
            _ => return refuse(html, AppError::field("owner", "invalid")),
        };
        let sha = {
            use sha2::Digest;
            data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&bytes))
        };
        let filename = clean_filename(&name, content_type);
        let saved = async {
            let mut tx = state.db.begin().await?;
            let id = documents::insert(
                &mut tx,
                &NewDocument {
                    owner_kind: &owner,
                    owner_id,
                    uploaded_by: user.id,
                    filename: &filename,
                    content_type,
                    sha256: &sha,
                    content: &bytes,
                },
            )
            .await?;
            tx.commit().await?;
            AppResult::Ok(id)
        }
        .await;
        match saved {
            Ok(id) => {
                tracing::info!(
                    user = user.id,
                    document = id,
                    size = bytes.len(),
                    content_type,
                    "document uploaded"
                );
                if html {
                    Redirect::to("/documents?uploaded=1").into_response()
                } else {
                    match documents::info(&state.db, id).await {
                        Ok(Some(info)) => (StatusCode::CREATED, Json(info)).into_response(),
                        _ => refuse(false, AppError::Internal),
                    }
                }
            }
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
        let user = match signed_in(&session, &state).await {
            Ok(u) => u,
            Err(e) => return refuse(false, e),
        };
        let info = match documents::info(&state.db, id).await {
            Ok(Some(i)) if may_read(&user, &i.owner_kind, i.owner_id) => i,
            Ok(_) => return refuse(false, AppError::NotFound),
            Err(e) => return refuse(false, e),
        };
        let bytes = match documents::content(&state.db, id).await {
            Ok(Some(b)) => b,
            Ok(None) => return refuse(false, AppError::NotFound),
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
        tracing::info!(user = user.id, document = id, "document downloaded");
        res
    }
}

//! How a server function's result becomes an HTTP answer: the error's status
//! code for programs, and redirect-after-post for plain HTML forms (which is
//! what makes every form work without JavaScript).
use http::header::ACCEPT;
use http::request::Parts;
use http::StatusCode;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use crate::error::{AppError, AppResult};

/// A plain browser form post (not the hydrated client, not an API client).
pub fn is_html_form_post() -> bool {
    use_context::<Parts>().is_some_and(|p| wants_html(&p.headers))
}

/// The request comes from a browser page (it accepts HTML), not a program.
pub fn wants_html(headers: &http::HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// An error as programs get it from a plain handler: its status and the
/// error as JSON.
pub fn json_error(e: AppError) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(e)).into_response()
}

/// A CSV file to download as `name`, never cached.
pub fn csv_attachment(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http::header;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        http::HeaderValue::from_static("private, no-store"),
    );
    res
}

pub fn set_status(err: &AppError) {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.set_status(
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let AppError::Throttled { retry_after_secs } = err {
            if let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.insert_header(http::header::RETRY_AFTER, v);
            }
        }
    }
}

/// Sets the status code of an error result; use for data server functions.
pub fn reply<T>(result: AppResult<T>) -> AppResult<T> {
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

/// Finishes a form's server function: on success go to `ok_to`; on error a
/// plain form goes back to `back_to` with `?error=<codes>`, while programs get
/// the error's status code and the error itself.
pub fn finish_form<T>(
    result: AppResult<T>,
    ok_to: impl FnOnce(&T) -> String,
    back_to: &str,
) -> AppResult<T> {
    match &result {
        Ok(v) => leptos_axum::redirect(&ok_to(v)),
        Err(e) => {
            if is_html_form_post() {
                let sep = if back_to.contains('?') { '&' } else { '?' };
                let mut to = format!("{back_to}{sep}error={}", urlencode(&e.code()));
                if let AppError::Throttled { retry_after_secs } = e {
                    to.push_str(&format!("&retry={retry_after_secs}"));
                }
                leptos_axum::redirect(&to);
                if let Some(res) = use_context::<ResponseOptions>() {
                    res.set_status(StatusCode::SEE_OTHER);
                }
            } else {
                set_status(e);
            }
        }
    }
    result
}

/// Session key of the values of the last failed form (not secrets).
const FORM_MEMORY_KEY: &str = "form_memory";

#[derive(serde::Serialize, serde::Deserialize)]
struct FormMemory {
    path: String,
    values: std::collections::HashMap<String, String>,
}

/// When a plain HTML form failed, keeps what the user typed (never passwords)
/// in the session, so the form page shown again can fill it back in.
pub async fn remember_on_error<T>(result: &AppResult<T>, back_to: &str, keep: Vec<(&str, String)>) {
    if result.is_ok() || !is_html_form_post() {
        return;
    }
    let Ok(session) = crate::api::guard::session().await else {
        return;
    };
    let memory = FormMemory {
        path: back_to.split('?').next().unwrap_or(back_to).to_owned(),
        values: keep.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    };
    if let Err(e) = session.insert(FORM_MEMORY_KEY, memory).await {
        tracing::warn!(error = %e, "could not keep form values");
    }
}

/// Takes (once) the values kept for the form at `path`.
pub async fn take_remembered(
    session: &tower_sessions::Session,
    path: &str,
) -> AppResult<std::collections::HashMap<String, String>> {
    let internal = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session store");
        AppError::Internal
    };
    match session
        .get::<FormMemory>(FORM_MEMORY_KEY)
        .await
        .map_err(internal)?
    {
        Some(m) if m.path == path => {
            session
                .remove::<FormMemory>(FORM_MEMORY_KEY)
                .await
                .map_err(internal)?;
            Ok(m.values)
        }
        _ => Ok(Default::default()),
    }
}

/// Only same-site paths may be redirect targets (no open redirects): a path
/// that starts with one `/`, holds no control character, whitespace or
/// backslash (browsers drop a tab or a newline, so `/\t/evil.example` would
/// be followed as `//evil.example`, another host), and whose parse has no
/// scheme and no host.
pub fn safe_next(next: &str) -> Option<String> {
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let local = plain
        && next
            .parse::<http::Uri>()
            .is_ok_and(|u| u.scheme().is_none() && u.host().is_none());
    local.then(|| next.to_owned())
}

pub use crate::messages::urlencode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(safe_next("/admin/users").as_deref(), Some("/admin/users"));
        assert_eq!(safe_next("//evil.example"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/\\evil.example"), None);
        assert_eq!(safe_next("home"), None);
        // Browsers drop tabs and newlines: these would go to evil.example.
        assert_eq!(safe_next("/\t/evil.example"), None);
        assert_eq!(safe_next("/\n/evil.example"), None);
        assert_eq!(safe_next("/\r/evil.example"), None);
        assert_eq!(safe_next("/ /evil.example"), None);
        assert_eq!(safe_next("/\u{a0}/evil.example"), None);
        assert_eq!(safe_next("/\u{2028}/evil.example"), None);
        // A query and a fragment stay.
        assert_eq!(
            safe_next("/declarations?q=E2E&before=9#top").as_deref(),
            Some("/declarations?q=E2E&before=9#top")
        );
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(
            urlencode("email.required,password.x"),
            "email.required,password.x"
        );
        assert_eq!(urlencode("a b&c"), "a%20b%26c");
    }
}

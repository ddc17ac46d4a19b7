//! Headers every response carries, and refusal of cross-origin writes.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderValue};
use http::{Method, StatusCode};

/// Refuses a state-changing request that a browser says comes from another
/// origin (`Origin` that is not this host, or `Sec-Fetch-Site: cross-site`).
/// Programs that send neither header (API clients, tests) are not browsers
/// and carry no ambient cookies worth stealing from.
pub async fn refuse_cross_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && is_cross_origin(&req) {
        tracing::warn!(path = %req.uri().path(), "cross-origin write refused");
        return (StatusCode::FORBIDDEN, "Cross-origin request refused.").into_response();
    }
    next.run(req).await
}

fn is_cross_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site == "cross-site" || site == "same-site" {
            return true;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if origin == "null" {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    origin_host != host
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "postclear_session";

/// What the security headers depend on in the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// The portal is reached over https (`PUBLIC_URL`): browsers are told
    /// to use nothing else for a year (HSTS).
    pub https: bool,
}

impl Policy {
    pub fn of(config: &app::config::Config) -> Self {
        Self {
            https: config.public_url.starts_with("https://"),
        }
    }
}

/// Whether the request carries a session (a signed-in page, most likely).
fn has_session(req: &Request) -> bool {
    app::api::respond::cookie(req.headers(), SESSION_COOKIE).is_some()
}

/// Adds the security headers; pages set their own CSP (with a nonce) first,
/// everything else gets a strict one. A page seen with a session and every
/// answer under `/api/` (server functions and the REST API) is
/// `Cache-Control: no-store`: a shared computer's back button or a proxy
/// must not show one person's parcels, bills or codes to the next. (The
/// bundle's files get their own caching afterwards, in `assets`.)
pub async fn headers(State(policy): State<Policy>, mut req: Request, next: Next) -> Response<Body> {
    let private = req.uri().path().starts_with("/api/") || has_session(&req);
    let path = req.uri().path().to_owned();
    // A page leaves its own policy (with its nonce) here.
    let slot = app::shell::CspSlot::default();
    req.extensions_mut().insert(slot.clone());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Some(csp) = slot.0.get() {
            // Leptos's response lost the header the page set: put it back.
            tracing::warn!(%path, "page policy restored from its slot");
            h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
        }
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        // Every page sets its own policy with a nonce (the shell); one
        // without it gets the strict one below, which blocks its scripts.
        tracing::warn!(%path, "page answered without its own content security policy");
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if policy.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    res
}

/// A server function whose arguments could not be read never runs, and
/// Leptos answers 500 with our `validation` error (`bad_arguments`). That is
/// the caller's mistake: answer 400 instead.
pub async fn bad_arguments_are_400(req: Request, next: Next) -> Response<Body> {
    let is_api = req.uri().path().starts_with("/api/") && !req.uri().path().starts_with("/api/v1/");
    let res = next.run(req).await;
    if !is_api || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let bad_arguments = serde_json::from_slice::<app::error::AppError>(&bytes)
        .ok()
        .is_some_and(|e| matches!(&e, app::error::AppError::Validation { errors } if errors.iter().any(|f| f.code.starts_with("bad_arguments"))));
    if bad_arguments {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

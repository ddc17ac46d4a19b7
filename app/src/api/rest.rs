//! The REST API for merchants' systems (`/api/v1`): JSON in and out, API
//! keys (`Authorization: Bearer pck_…`), `Idempotency-Key` on POST, errors
//! as RFC 9457 problem details listing every field error, and an OpenAPI 3
//! document generated from this code.
use axum::body::Bytes;
use axum::extract::{FromRequestParts, OriginalUri, Path, Query, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::db::{self, apikeys};
use crate::domain::account::Role;
use crate::domain::declaration::DeclarationInput;
use crate::domain::parcel_view::{DeclarationFilter, DeclarationRow, ParcelDetail};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::ops::declarations as declare;
use crate::state::AppState;

/// RFC 9457 problem details, with every field error.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every field that breaks a rule (`lines.0.hs_code`), with the rule's code.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<ApiFieldError>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub code: String,
}

fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    detail: Option<String>,
    errors: Vec<FieldError>,
) -> Response {
    let body = Problem {
        type_: format!("https://postclear.test/problems/{kind}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        errors: errors
            .into_iter()
            .map(|e| ApiFieldError {
                field: e.field,
                code: e.code,
            })
            .collect(),
    };
    with_body(
        status,
        serde_json::to_string(&body),
        "application/problem+json",
    )
}

/// A serialised body with its type; a body that cannot be serialised is our
/// fault (500), never an empty answer with the intended status.
fn with_body(
    status: StatusCode,
    body: serde_json::Result<String>,
    content_type: &'static str,
) -> Response {
    match body {
        Ok(text) => {
            let mut res = (status, text).into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "could not serialise an API answer");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An application error as problem details.
pub fn error_response(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match e {
        AppError::Validation { errors } => problem(
            status,
            "validation",
            "The request breaks some rules",
            None,
            errors,
        ),
        AppError::Unauthorized => problem(
            status,
            "unauthorized",
            "A valid API key is required",
            None,
            vec![],
        ),
        AppError::NotFound => problem(status, "not-found", "Not found", None, vec![]),
        AppError::Conflict { code } => problem(
            status,
            "conflict",
            "Conflict with the current state",
            Some(code),
            vec![],
        ),
        other => problem(status, &other.code(), &other.to_string(), None, vec![]),
    }
}

fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    with_body(status, serde_json::to_string(body), "application/json")
}

/// The organisation calling, found from its API key; acts as the key's
/// creator (`who`, the caller of the operations).
pub struct ApiCaller {
    pub organisation_id: i64,
    pub who: crate::ops::Caller,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || error_response(AppError::Unauthorized);
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(unauthorized)?;
        // `pck_` + 12 hex digits, then `_` and the secret (which may hold `_`).
        let prefix_len = crate::tokens::KEY_PREFIX.len() + 12;
        let prefix = key
            .get(..prefix_len)
            .filter(|p| {
                p.starts_with(crate::tokens::KEY_PREFIX) && key[prefix_len..].starts_with('_')
            })
            .ok_or_else(unauthorized)?;
        let found = apikeys::by_prefix(&state.db, prefix)
            .await
            .map_err(error_response)?;
        let Some(k) = found else {
            return Err(unauthorized());
        };
        if !crate::tokens::same_hash(&crate::tokens::hash_token(key), &k.key_hash) || k.revoked {
            return Err(unauthorized());
        }
        let user = db::users::current_user(&state.db, k.created_by)
            .await
            .map_err(error_response)?
            .filter(|u| u.role == Role::Merchant && u.organisation_id == Some(k.organisation_id))
            .ok_or_else(unauthorized)?;
        apikeys::touch(&state.db, k.id)
            .await
            .map_err(error_response)?;
        Ok(ApiCaller {
            organisation_id: k.organisation_id,
            who: crate::ops::Caller::api_key(user, k.id),
        })
    }
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn malformed(detail: String) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "malformed",
        "The body is not the JSON this endpoint takes",
        Some(detail),
        vec![],
    )
}

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_KEEP_HOURS: i64 = 24;
/// How long a running request holds its key: a retry after that (the first
/// request died) runs it.
pub const IDEMPOTENCY_LEASE_SECS: i64 = 60;

/// A request's `Idempotency-Key` (if it has one) with what the key is
/// scoped by: the method and the path the client called.
pub struct Retry {
    key: Option<String>,
    method: Method,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Retry {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let path = match parts.extensions.get::<OriginalUri>() {
            Some(original) => original.path().to_owned(),
            None => parts.uri.path().to_owned(),
        };
        Ok(Retry {
            key: parts
                .headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(|k| k.trim().to_owned()),
            method: parts.method.clone(),
            path,
        })
    }
}

/// Runs a POST once per `Idempotency-Key` (per organisation, method and
/// path): a retry with the same key and body gets the first answer again;
/// the same key with another body, 422; while the first still runs, 409.
async fn idempotent<F, Fut>(
    state: &AppState,
    caller: &ApiCaller,
    retry: &Retry,
    body: &Bytes,
    run: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let Some(key) = retry.key.as_deref() else {
        return run().await;
    };
    if key.is_empty() || key.len() > 255 {
        return error_response(AppError::field("Idempotency-Key", "invalid"));
    }
    let hash = {
        use sha2::Digest;
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(body))
    };
    let scope = apikeys::KeyScope {
        organisation_id: caller.organisation_id,
        method: retry.method.as_str(),
        path: &retry.path,
        key,
    };
    let times = apikeys::KeyTimes {
        keep: time::Duration::hours(IDEMPOTENCY_KEEP_HOURS),
        lease: time::Duration::seconds(IDEMPOTENCY_LEASE_SECS),
    };
    let record = match apikeys::begin(&state.db, &scope, &hash, times).await {
        Ok(apikeys::Idempotency::New(id)) => id,
        Ok(apikeys::Idempotency::Replay { status, body }) => {
            // The first answer, byte for byte.
            let content_type = if status >= 400 {
                "application/problem+json"
            } else {
                "application/json"
            };
            let mut res = with_body(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                Ok(body),
                content_type,
            );
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return res;
        }
        Ok(apikeys::Idempotency::Mismatch) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "This Idempotency-Key was used with a different request body",
                None,
                vec![FieldError::new("Idempotency-Key", "idempotency_key_reused")],
            )
        }
        Ok(apikeys::Idempotency::InProgress) => {
            return problem(
                StatusCode::CONFLICT,
                "in-progress",
                "A request with this Idempotency-Key is still running",
                None,
                vec![],
            )
        }
        Err(e) => return error_response(e),
    };
    let res = run().await;
    let status = res.status();
    if status.is_server_error() {
        let _ = apikeys::abandon(&state.db, record).await;
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "could not read the answer to record it");
            let _ = apikeys::abandon(&state.db, record).await;
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = apikeys::finish(&state.db, record, status.as_u16(), &text).await {
        tracing::error!(error = %e, "could not record the idempotent response");
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// What a submission answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Created {
    pub parcel_id: i64,
    pub declaration_id: i64,
    pub item_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Batch {
    /// At most 1,000 declarations; all are saved, or none.
    pub declarations: Vec<DeclarationInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchCreated {
    pub parcels: Vec<Created>,
}

/// A new version of a parcel's declaration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Amendment {
    /// The parcel `version` the change is based on (from GET).
    pub version: i64,
    pub declaration: DeclarationInput,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Cancellation {
    pub version: i64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Search in item ids, addressee names, goods and references.
    pub q: Option<String>,
    /// A declaration or customs status.
    pub status: Option<String>,
    /// Created on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Created on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// The next page: parcels older than this declaration id.
    pub before_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page {
    pub items: Vec<DeclarationRow>,
    /// Pass as `before_id` for the next page; absent on the last page.
    pub next_before_id: Option<i64>,
}

/// Create and submit one declaration.
#[utoipa::path(post, path = "/api/v1/declarations", request_body = DeclarationInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first answer")),
    responses((status = 201, body = Created), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_declaration(
    State(state): State<AppState>,
    caller: ApiCaller,
    retry: Retry,
    body: Bytes,
) -> Response {
    idempotent(&state, &caller, &retry, &body, || async {
        let input: DeclarationInput = match parse(&body) {
            Ok(i) => i,
            Err(e) => return malformed(e),
        };
        match declare::submit(&state, &caller.who, None, &input).await {
            Ok(s) => json(
                StatusCode::CREATED,
                &Created {
                    parcel_id: s.parcel_id,
                    declaration_id: s.declaration_id,
                    item_id: s.item_id,
                },
            ),
            Err(e) => error_response(e),
        }
    })
    .await
}

/// Create and submit up to 1,000 declarations in one go (all or none).
#[utoipa::path(post, path = "/api/v1/declarations/batch", request_body = Batch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first answer")),
    responses((status = 201, body = BatchCreated), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn create_batch(
    State(state): State<AppState>,
    caller: ApiCaller,
    retry: Retry,
    body: Bytes,
) -> Response {
    idempotent(&state, &caller, &retry, &body, || async {
        let batch: Batch = match parse(&body) {
            Ok(b) => b,
            Err(e) => return malformed(e),
        };
        match declare::submit_batch(&state, &caller.who, &batch.declarations).await {
            Ok(list) => json(
                StatusCode::CREATED,
                &BatchCreated {
                    parcels: list
                        .into_iter()
                        .map(|s| Created {
                            parcel_id: s.parcel_id,
                            declaration_id: s.declaration_id,
                            item_id: s.item_id,
                        })
                        .collect(),
                },
            ),
            Err(e) => error_response(e),
        }
    })
    .await
}

/// A parcel: its states, every version of its declaration, its events.
#[utoipa::path(get, path = "/api/v1/parcels/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ParcelDetail), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn get_parcel(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Response {
    match declare::parcel_detail(&state, &caller.who, id).await {
        Ok(p) => json(StatusCode::OK, &p),
        Err(e) => error_response(e),
    }
}

/// The organisation's declarations, newest first, 50 a page.
#[utoipa::path(get, path = "/api/v1/parcels", params(ListQuery),
    responses((status = 200, body = Page), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn list_parcels(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ListQuery>,
) -> Response {
    let filter = DeclarationFilter {
        q: q.q,
        status: q.status,
        from: q.from,
        to: q.to,
        before_id: q.before_id,
    };
    let page = crate::domain::parcel_view::PAGE;
    match declare::list(&state, &caller.who, &filter).await {
        Ok(items) => {
            let next_before_id = (items.len() as i64 == page)
                .then(|| items.last().map(|r| r.id))
                .flatten();
            json(
                StatusCode::OK,
                &Page {
                    items,
                    next_before_id,
                },
            )
        }
        Err(e) => error_response(e),
    }
}

/// Amend: a new version of the declaration (until the parcel reaches the
/// inward office of exchange).
#[utoipa::path(post, path = "/api/v1/parcels/{id}/amend", params(("id" = i64, Path)), request_body = Amendment,
    responses((status = 200, body = ParcelDetail), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn amend_parcel(
    State(state): State<AppState>,
    caller: ApiCaller,
    retry: Retry,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    idempotent(&state, &caller, &retry, &body, || async {
        let a: Amendment = match parse(&body) {
            Ok(a) => a,
            Err(e) => return malformed(e),
        };
        let done = declare::amend(&state, &caller.who, id, a.version, &a.declaration).await;
        match done {
            Ok(_) => match declare::parcel_detail(&state, &caller.who, id).await {
                Ok(p) => json(StatusCode::OK, &p),
                Err(e) => error_response(e),
            },
            Err(e) => error_response(e),
        }
    })
    .await
}

/// Cancel the parcel's declaration (until it reaches the inward office of exchange).
#[utoipa::path(post, path = "/api/v1/parcels/{id}/cancel", params(("id" = i64, Path)), request_body = Cancellation,
    responses((status = 200, body = ParcelDetail), (status = 409, body = Problem)),
    security(("api_key" = [])))]
pub async fn cancel_parcel(
    State(state): State<AppState>,
    caller: ApiCaller,
    retry: Retry,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    idempotent(&state, &caller, &retry, &body, || async {
        let c: Cancellation = match parse(&body) {
            Ok(c) => c,
            Err(e) => return malformed(e),
        };
        match declare::cancel(&state, &caller.who, id, c.version).await {
            Ok(()) => match declare::parcel_detail(&state, &caller.who, id).await {
                Ok(p) => json(StatusCode::OK, &p),
                Err(e) => error_response(e),
            },
            Err(e) => error_response(e),
        }
    })
    .await
}

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key made under “API keys” in the portal"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Postclear API", version = "1", description = "Declare parcels (CN22/CN23 data) and follow them through customs."),
    paths(create_declaration, create_batch, get_parcel, list_parcels, amend_parcel, cancel_parcel),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// The OpenAPI 3 document of this API.
pub fn openapi_json() -> serde_json::Result<String> {
    ApiDoc::openapi().to_pretty_json()
}

async fn openapi() -> Response {
    with_body(StatusCode::OK, openapi_json(), "application/json")
}

/// The interactive reference: Swagger UI from the portal's own files.
async fn docs_page() -> Response {
    let html = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Postclear API reference</title>
<link rel="stylesheet" href="/api/v1/docs/assets/swagger-ui.css"></head>
<body><main id="swagger-ui" aria-label="Postclear API reference"></main>
<script src="/api/v1/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/init.js"></script></body></html>"#;
    let mut res = html.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"),
    );
    res
}

async fn docs_init() -> Response {
    let js = "window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true });";
    let mut res = js.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript"),
    );
    res
}

/// The `/api/v1` routes; `docs_assets`: the folder of the swagger-ui-dist package.
pub fn router(docs_assets: std::path::PathBuf) -> Router<AppState> {
    Router::new()
        .route("/api/v1/declarations", post(create_declaration))
        .route("/api/v1/declarations/batch", post(create_batch))
        .route("/api/v1/parcels", get(list_parcels))
        .route("/api/v1/parcels/{id}", get(get_parcel))
        .route("/api/v1/parcels/{id}/amend", post(amend_parcel))
        .route("/api/v1/parcels/{id}/cancel", post(cancel_parcel))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/docs", get(docs_page))
        .route("/api/v1/docs/init.js", get(docs_init))
        .nest_service(
            "/api/v1/docs/assets",
            tower_http::services::ServeDir::new(docs_assets),
        )
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
}

//! The doors: server functions (one module per area) and the REST API. Each
//! is thin: it finds the caller and calls the operation of `crate::ops`,
//! then turns the result into an answer (a status, a redirect, JSON).

/// Calls an operation for the caller of this server function:
/// `op!(f, a, b)` is `f(&state, &caller, a, b).await`, with the caller found
/// from the session.
#[cfg(feature = "ssr")]
macro_rules! op {
    ($f:path $(, $arg:expr)* $(,)?) => {
        async {
            let (state, caller) = $crate::api::guard::door().await?;
            $f(&state, &caller $(, $arg)*).await
        }
        .await
    };
}
#[cfg(feature = "ssr")]
pub(crate) use op;
pub mod account;
pub mod admin;
pub mod apikeys;
pub mod audit;
pub mod auth;
pub mod company;
pub mod customs;
pub mod declarations;
pub mod documents;
pub mod jobs;
pub mod rates;
pub mod routing;
pub mod uploads;

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod labels;
#[cfg(feature = "ssr")]
pub mod respond;
#[cfg(feature = "ssr")]
pub mod rest;

/// Every plain HTTP route of the doors (files in and out, the REST API), one
/// `router()` per area; the server function endpoints and pages are added
/// by the server.
#[cfg(feature = "ssr")]
pub fn router(api_docs_dir: std::path::PathBuf) -> axum::Router<crate::state::AppState> {
    axum::Router::new()
        .merge(documents::router())
        .merge(uploads::router())
        .merge(rates::router())
        .merge(labels::router())
        .merge(export::router())
        .merge(rest::router(api_docs_dir))
}

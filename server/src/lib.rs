//! The Postclear server: configuration, database, sessions, security headers
//! and the Leptos application, assembled into one axum router.
pub mod assets;
pub mod demo;
pub mod demo_parcels;
pub mod security;
pub mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::config::{AppEnv, Config};
use app::db::{self, Db};
use app::state::AppState;
use app::{shell, App};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Refused(String),
    #[error("application: {0}")]
    App(#[from] app::error::AppError),
}

/// Leptos settings for a server started without cargo-leptos (tests, or the
/// binary run directly): the environment (`LEPTOS_*`) wins, else these defaults.
pub fn leptos_options_from_env() -> Result<LeptosOptions, leptos::config::errors::LeptosConfigError>
{
    for (k, v) in [
        ("LEPTOS_OUTPUT_NAME", "postclear"),
        ("LEPTOS_SITE_ROOT", "target/site"),
        ("LEPTOS_SITE_PKG_DIR", "pkg"),
        ("LEPTOS_SITE_ADDR", "127.0.0.1:3000"),
    ] {
        if std::env::var_os(k).is_none() {
            std::env::set_var(k, v);
        }
    }
    // Built by cargo-leptos with `hash-files`, the binary has the hashes of
    // the bundle's file names beside it; a test binary has none.
    if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
        let beside = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")));
        let hashed = beside.is_some_and(|f| f.is_file());
        std::env::set_var("LEPTOS_HASH_FILES", hashed.to_string());
    }
    Ok(leptos::config::get_configuration(None)?.leptos_options)
}

/// Connects, migrates, and loads or refuses demo data according to `APP_ENV`
/// and the address the portal listens on.
pub async fn prepare(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartError> {
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    db.migrate().await?;
    // Regime data (tariffs, VAT, thresholds, FX) from app/seed/regimes/ into an
    // empty database, in every environment.
    app::clearance::ensure_seeded(&db).await?;
    // Demo accounts share a published password (and authenticator key): they
    // may exist only in development, served on this machine alone.
    let loopback = leptos_options.site_addr.ip().is_loopback();
    let mut demo_loaded = false;
    match config.app_env {
        AppEnv::Development if !loopback => {
            let n = db::users::count_demo_users(&db).await?;
            if n > 0 {
                return Err(StartError::Refused(format!(
                    "the database holds {n} demo account(s) with a published password, and the portal would serve them on {} (not this machine only): bind to 127.0.0.1 (LEPTOS_SITE_ADDR) or remove them",
                    leptos_options.site_addr
                )));
            }
            tracing::warn!(
                addr = %leptos_options.site_addr,
                "no demo data: it is loaded only when the portal listens on this machine alone (127.0.0.1)"
            );
        }
        AppEnv::Development => {
            if demo::load_if_empty(&db, config.demo_two_factor).await? {
                demo_loaded = true;
                tracing::warn!(
                    password = demo::DEMO_PASSWORD,
                    authenticator_secret = config.demo_two_factor.then_some(demo::DEMO_TOTP_SECRET),
                    accounts = ?demo::ACCOUNTS.iter().map(|a| a.email).collect::<Vec<_>>(),
                    "demo data loaded: one account per role, all with the same password"
                );
            }
        }
        AppEnv::Production => {
            let n = db::users::count_demo_users(&db).await?;
            if n > 0 {
                return Err(StartError::Refused(format!(
                    "APP_ENV=production but the database holds {n} demo account(s); remove them first"
                )));
            }
        }
    }
    // Authenticator secrets are kept sealed (older rows and the demo
    // accounts' are sealed here, once).
    let sealed = db::users::seal_plain_secrets(&db, config.secrets_key()).await?;
    if sealed > 0 {
        tracing::info!(sealed, "authenticator secrets sealed with SECRETS_KEY");
    }
    app::password::warm_up();
    let state = AppState {
        leptos_options,
        db,
        config: Arc::new(config),
        uploads: Default::default(),
        engine: Default::default(),
    };
    if demo_loaded && state.config.demo_parcels {
        let made = demo_parcels::load(&state).await?;
        tracing::info!(
            parcels = made,
            "demo parcels made through the real operations"
        );
    }
    Ok(state)
}

/// Finds who a page request comes from before the page renders, so that every
/// part of the page knows at once (server functions check again themselves).
async fn load_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_page = req.method() == http::Method::GET
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && path != "/healthz"
        && !path.ends_with(".svg");
    if is_page {
        if let Some(session) = req.extensions().get::<tower_sessions::Session>().cloned() {
            let user = app::api::guard::user_for_session(&session, &state).await;
            req.extensions_mut().insert(app::api::guard::SignedIn(user));
            // A form sent back with errors: what was typed, for this page only.
            let sent_back = req
                .uri()
                .query()
                .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("error=")));
            if sent_back {
                let path = req.uri().path().to_owned();
                match app::api::respond::take_remembered(&session, &path).await {
                    Ok(values) => {
                        req.extensions_mut()
                            .insert(app::api::guard::RememberedForm(values));
                    }
                    Err(e) => tracing::warn!(error = %e, "could not read the kept form values"),
                }
            }
        }
    }
    next.run(req).await
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ok", "database": state.db.backend()})),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "database": state.db.backend()})),
            )
        }
    }
}

/// The app's routes, found once per process. Finding them renders the app
/// with resource loading suppressed through a process-wide flag: a page
/// whose resource is first polled by another router at that moment would
/// never finish (leptos-rs/leptos#4773). One server builds one router, but
/// the tests start many in one process while others serve pages: with the
/// list made once, every server waits for it before it serves anything.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole application as one router.
pub async fn router(state: AppState) -> Result<Router, StartError> {
    let store = sessions::Store::new(&state.db).await?;
    let cfg = state.config.clone();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(security::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(cfg.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            cfg.public_session_idle_secs,
        )));
    tokio::spawn(async move {
        use tower_sessions::ExpiredDeletion;
        if let Err(e) = store
            .continuously_delete_expired(tokio::time::Duration::from_secs(600))
            .await
        {
            tracing::error!(error = %e, "expired-session cleanup stopped");
        }
    });

    if cfg.run_jobs {
        app::api::jobs::runner::spawn(state.clone());
    }

    let routes = route_list();
    let ctx = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(app::api::router(state.config.api_docs_dir.clone()))
        .leptos_routes_with_context(&state, routes, ctx.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(ctx, shell))
        .layer(middleware::from_fn_with_state(state.clone(), load_user))
        .layer(sessions)
        .layer(middleware::from_fn(security::bad_arguments_are_400))
        .layer(middleware::from_fn(security::refuse_cross_origin))
        .layer(middleware::from_fn_with_state(
            security::Policy::of(&state.config),
            security::headers,
        ))
        .layer(middleware::from_fn_with_state(
            (
                assets::Hashes::of_build(&state.leptos_options).map_err(StartError::Refused)?,
                state.leptos_options.clone(),
            ),
            assets::cache_headers,
        ))
        // Pages and answers compressed on the fly; a release build's bundle
        // files are already compressed on disk (`--precompress`) and pass as
        // they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state);
    Ok(router)
}

/// Serves `router` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}

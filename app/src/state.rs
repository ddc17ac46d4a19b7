//! What every server function, page and handler can reach.
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::config::Config;
use crate::db::Db;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: std::sync::Arc<Config>,
    /// Live progress of the bulk uploads this process is saving.
    pub uploads: crate::api::uploads::server::Progress,
    /// Regime data and risk rules, cached per process.
    pub engine: crate::clearance::EngineCache,
}

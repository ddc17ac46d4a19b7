//! What every operation, page and handler can reach.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    pub uploads: UploadProgress,
    /// Regime data and risk rules, cached per process.
    pub engine: crate::clearance::EngineCache,
}

/// Parcels saved so far by the bulk uploads this process is saving (the
/// saving transaction is not visible to others until it commits).
#[derive(Clone, Default)]
pub struct UploadProgress(Arc<Mutex<HashMap<i64, i64>>>);

impl UploadProgress {
    /// Records how many parcels upload `id` saved (`None`: it is finished).
    pub fn set(&self, id: i64, saved: Option<i64>) {
        if let Ok(mut m) = self.0.lock() {
            match saved {
                Some(n) => m.insert(id, n),
                None => m.remove(&id),
            };
        }
    }

    pub fn get(&self, id: i64) -> Option<i64> {
        self.0.lock().ok().and_then(|m| m.get(&id).copied())
    }
}

//! What a failed plain form had typed, for the page that shows it again.
use std::collections::HashMap;

use leptos::prelude::*;

use crate::error::AppError;

/// The values kept for the form at `path` after it failed (taken once).
#[server(endpoint = "forms/values")]
pub async fn form_values(path: String) -> Result<HashMap<String, String>, AppError> {
    crate::api::respond::reply(crate::api::respond::take_remembered(&path).await)
}

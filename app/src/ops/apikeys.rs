//! API keys of a merchant's company: made in the portal, shown once, stored
//! hashed, revoked at any time.
use crate::db::apikeys;
use crate::domain::account;
use crate::domain::apikeys::KeyRow;
use crate::error::{AppError, AppResult};
use crate::ops::Caller;
use crate::state::AppState;

/// The company's keys (never the keys themselves).
pub async fn list(state: &AppState, caller: &Caller) -> AppResult<Vec<KeyRow>> {
    let (_, company) = caller.merchant()?;
    apikeys::list(&state.db, company).await
}

/// Makes a key for the company; returns the key, which is not stored (only
/// its hash) and is shown once.
pub async fn create(state: &AppState, caller: &Caller, name: &str) -> AppResult<String> {
    let (user, company) = caller.merchant()?;
    let name = account::check_name("name", name).map_err(|e| AppError::validation(vec![e]))?;
    let (key, prefix, hash) = crate::tokens::new_api_key();
    let mut tx = state.db.begin().await?;
    apikeys::insert(&mut tx, company, &name, &prefix, &hash, user.id).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, %prefix, "API key created");
    Ok(key)
}

/// Revokes one of the company's keys.
pub async fn revoke(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    let (user, company) = caller.merchant()?;
    let mut tx = state.db.begin().await?;
    apikeys::revoke(&mut tx, company, id).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, key = id, "API key revoked");
    Ok(())
}

//! API keys of a merchant's company: made in the portal, shown once,
//! stored hashed, revoked at any time.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::AppError;

/// An API key as its owners see it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[server(endpoint = "api_keys/list")]
pub async fn list_api_keys() -> Result<Vec<KeyRow>, AppError> {
    crate::api::respond::reply(server::list().await)
}

#[server(endpoint = "api_keys/create")]
pub async fn create_api_key(name: String) -> Result<String, AppError> {
    let result = server::create(&name).await;
    crate::api::respond::remember_on_error(&result, "/api-keys", vec![("name", name)]).await;
    crate::api::respond::finish_form(result, |_| "/api-keys?created=1".into(), "/api-keys")
}

/// The key just made, once.
#[server(endpoint = "api_keys/new")]
pub async fn take_new_api_key() -> Result<Option<String>, AppError> {
    crate::api::respond::reply(server::take_new().await)
}

#[server(endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    let result = server::revoke(key_id).await;
    crate::api::respond::finish_form(result, |_| "/api-keys?revoked=1".into(), "/api-keys")
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::KeyRow;
    use crate::api::guard::{require, session, state};
    use crate::db::apikeys;
    use crate::domain::account::{self, CurrentUser, Role};
    use crate::error::{AppError, AppResult};

    const NEW_KEY: &str = "new_api_key";

    async fn merchant() -> AppResult<(CurrentUser, i64)> {
        let user = require(&[Role::Merchant]).await?;
        let org = user.organisation_id.ok_or(AppError::Forbidden)?;
        Ok((user, org))
    }

    fn session_error(e: tower_sessions::session::Error) -> AppError {
        tracing::error!(error = %e, "session store");
        AppError::Internal
    }

    pub async fn list() -> AppResult<Vec<KeyRow>> {
        let (_, org) = merchant().await?;
        apikeys::list(&state()?.db, org).await
    }

    /// Makes a key and keeps it in the session to be shown once; returns it
    /// too (a program calling this gets it in the answer).
    pub async fn create(name: &str) -> AppResult<String> {
        let (user, org) = merchant().await?;
        let name = account::check_name("name", name).map_err(|e| AppError::validation(vec![e]))?;
        let (key, prefix, hash) = crate::api::rest::new_key();
        let mut tx = state()?.db.begin().await?;
        apikeys::insert(&mut tx, org, &name, &prefix, &hash, user.id).await?;
        tx.commit().await?;
        session()
            .await?
            .insert(NEW_KEY, key.clone())
            .await
            .map_err(session_error)?;
        tracing::info!(user = user.id, %prefix, "API key created");
        Ok(key)
    }

    pub async fn take_new() -> AppResult<Option<String>> {
        merchant().await?;
        session()
            .await?
            .remove::<String>(NEW_KEY)
            .await
            .map_err(session_error)
    }

    pub async fn revoke(id: i64) -> AppResult<()> {
        let (user, org) = merchant().await?;
        let mut tx = state()?.db.begin().await?;
        apikeys::revoke(&mut tx, org, id).await?;
        tx.commit().await?;
        tracing::info!(user = user.id, key = id, "API key revoked");
        Ok(())
    }
}

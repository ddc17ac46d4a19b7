//! API keys of a merchant's company: the doors of [`crate::ops::apikeys`].
//! A key just made is kept in the session to be shown once.
use leptos::prelude::*;

pub use crate::domain::apikeys::KeyRow;
use crate::error::AppError;

#[server(endpoint = "api_keys/list")]
pub async fn list_api_keys() -> Result<Vec<KeyRow>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::apikeys::list))
}

#[server(endpoint = "api_keys/create")]
pub async fn create_api_key(name: String) -> Result<String, AppError> {
    let result = session::create(&name).await;
    crate::api::respond::remember_on_error(&result, "/api-keys", vec![("name", name)]).await;
    crate::api::respond::finish_form(result, |_| "/api-keys?created=1".into(), "/api-keys")
}

/// The key just made, once.
#[server(endpoint = "api_keys/new")]
pub async fn take_new_api_key() -> Result<Option<String>, AppError> {
    crate::api::respond::reply(session::take_new().await)
}

#[server(endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(key_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::apikeys::revoke, key_id);
    crate::api::respond::finish_form(result, |_| "/api-keys?revoked=1".into(), "/api-keys")
}

/// The key shown once: kept in the session between the form's post and the
/// page that shows it.
#[cfg(feature = "ssr")]
mod session {
    use crate::api::guard::{door, session, session_error};
    use crate::error::AppResult;

    const NEW_KEY: &str = "new_api_key";

    /// Makes a key and keeps it in the session to be shown once; returns it
    /// too (a program calling this gets it in the answer).
    pub async fn create(name: &str) -> AppResult<String> {
        let (state, caller) = door().await?;
        let key = crate::ops::apikeys::create(&state, &caller, name).await?;
        session()
            .await?
            .insert(NEW_KEY, key.clone())
            .await
            .map_err(session_error)?;
        Ok(key)
    }

    pub async fn take_new() -> AppResult<Option<String>> {
        let (_, caller) = door().await?;
        caller.merchant()?;
        session()
            .await?
            .remove::<String>(NEW_KEY)
            .await
            .map_err(session_error)
    }
}

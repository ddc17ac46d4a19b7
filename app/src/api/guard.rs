//! The session side of every door: the state, the session, the signed-in
//! account (read fresh on every call) as the caller of the operations.
use leptos::prelude::use_context;
use tower_sessions::Session;

use crate::db;
use crate::domain::account::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Session key holding the signed-in account's id.
pub const USER_KEY: &str = "user_id";
/// Session key holding the account's session generation at sign-in: when
/// the account's generation moves on (password reset), the session is over.
pub const GENERATION_KEY: &str = "session_generation";
/// Session key holding when the account signed in (unix seconds): the
/// session ends `session_absolute_secs` later, however active.
pub const SIGNED_IN_AT_KEY: &str = "signed_in_at";

pub fn state() -> AppResult<AppState> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

pub async fn session() -> AppResult<Session> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer");
        AppError::Internal
    })
}

/// A session store failure, logged; the caller learns only "internal".
pub(crate) fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store");
    AppError::Internal
}

/// The signed-in account, read fresh from the database on every call so that a
/// disabled account loses access at once.
pub async fn current_user() -> AppResult<Option<CurrentUser>> {
    user_for_session(&session().await?, &state()?).await
}

/// Who a page request comes from, found by the server before the page renders
/// (so pages know it at once, without waiting on a resource).
#[derive(Clone, Debug)]
pub struct SignedIn(pub AppResult<Option<CurrentUser>>);

/// What a form sent back with errors had typed, taken from the session
/// before the page renders.
#[derive(Clone, Debug, Default)]
pub struct RememberedForm(pub std::collections::HashMap<String, String>);

/// [`current_user`] for a given session: the account, with the session's
/// idle expiry renewed, or `None` (and the session ended) when it is gone.
pub async fn user_for_session(
    session: &Session,
    state: &AppState,
) -> AppResult<Option<CurrentUser>> {
    let Some(id) = session.get::<i64>(USER_KEY).await.map_err(session_error)? else {
        return Ok(None);
    };
    let generation = session
        .get::<i64>(GENERATION_KEY)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT_KEY)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let young = db::now().unix_timestamp() - signed_in_at < state.config.session_absolute_secs;
    let user = if young {
        db::users::current_user(&state.db, id)
            .await?
            .filter(|u| u.session_generation == generation)
    } else {
        None
    };
    match &user {
        // Activity: the session lives on for the role's idle period from now.
        // (The store keeps only the expiry date, not the policy, so it is set
        // again on every request that uses the session.)
        Some(u) => session.set_expiry(Some(idle_expiry(state, u.role))),
        // Disabled, deleted, signed out everywhere (password reset, two-step
        // sign-in turned on or off) or past its lifetime: end this session.
        None => session.flush().await.map_err(session_error)?,
    }
    Ok(user)
}

/// The state and the caller of this server function (nobody signed in is
/// a caller too: operations refuse it where they need an account).
pub async fn door() -> AppResult<(AppState, crate::ops::Caller)> {
    let state = state()?;
    let user = user_for_session(&session().await?, &state).await?;
    Ok((state, crate::ops::Caller::session(user)))
}

/// [`door`] for a plain handler, with its session.
pub async fn door_for_session(
    session: &Session,
    state: &AppState,
) -> AppResult<crate::ops::Caller> {
    Ok(crate::ops::Caller::session(
        user_for_session(session, state).await?,
    ))
}

fn idle_expiry(state: &AppState, role: Role) -> tower_sessions::Expiry {
    let secs = state.config.session_idle_secs(role);
    tower_sessions::Expiry::OnInactivity(time::Duration::seconds(secs))
}

/// Starts a fresh session for `user_id` that ends after the role's
/// inactivity period, or its absolute lifetime: emptied of whatever the
/// browser's session held before (a waiting second step of another
/// account, say) and under a new id (no session fixation).
pub async fn start_session(user_id: i64, role: Role) -> AppResult<()> {
    let session = session().await?;
    let generation = db::users::current_user(&state()?.db, user_id)
        .await?
        .ok_or(AppError::AccountDisabled)?
        .session_generation;
    session.clear().await;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_KEY, user_id)
        .await
        .map_err(session_error)?;
    session
        .insert(GENERATION_KEY, generation)
        .await
        .map_err(session_error)?;
    session
        .insert(SIGNED_IN_AT_KEY, db::now().unix_timestamp())
        .await
        .map_err(session_error)?;
    session.set_expiry(Some(idle_expiry(&state()?, role)));
    Ok(())
}

pub async fn end_session() -> AppResult<()> {
    session().await?.flush().await.map_err(session_error)
}

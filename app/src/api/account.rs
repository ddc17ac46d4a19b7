//! Account recovery and protection: the doors of [`crate::ops::account`]
//! (e-mail verification, password reset, two-factor sign-in with an
//! authenticator app and recovery codes), with what is the session's: the
//! sign-in waiting for its second step, the secret being set up, the
//! recovery codes shown once.
pub use crate::domain::account::{SignInStep, TwoFactorEnrolment};
use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "account/resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::account::resend_verification);
    crate::api::respond::finish_form(result, |_| "/account?sent=1".into(), "/account")
}

#[server(endpoint = "account/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::account::verify_email, &token);
    let back = format!(
        "/verify-email?token={}",
        crate::api::respond::urlencode(&token)
    );
    crate::api::respond::finish_form(result, |_| "/email-verified".into(), &back)
}

#[server(endpoint = "account/forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::account::forgot_password, &email);
    crate::api::respond::remember_on_error(&result, "/forgot-password", vec![("email", email)])
        .await;
    crate::api::respond::finish_form(
        result,
        |_| "/forgot-password/sent".into(),
        "/forgot-password",
    )
}

#[server(endpoint = "account/reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let result = session::reset_password(&token, &password).await;
    let back = format!(
        "/reset-password?token={}",
        crate::api::respond::urlencode(&token)
    );
    crate::api::respond::finish_form(result, |_| "/sign-in?reset=1".into(), &back)
}

#[server(endpoint = "account/two_factor/setup")]
pub async fn two_factor_setup() -> Result<TwoFactorEnrolment, AppError> {
    crate::api::respond::reply(session::setup().await)
}

#[server(endpoint = "account/two_factor/confirm")]
pub async fn two_factor_confirm(code: String, next: Option<String>) -> Result<(), AppError> {
    let result = session::confirm(&code).await;
    let back = match next.as_deref().and_then(crate::api::respond::safe_next) {
        Some(n) => format!(
            "/two-factor/setup?next={}",
            crate::api::respond::urlencode(&n)
        ),
        None => "/two-factor/setup".into(),
    };
    crate::api::respond::finish_form(
        result,
        |_| match next.as_deref().and_then(crate::api::respond::safe_next) {
            Some(n) => format!(
                "/two-factor/recovery-codes?next={}",
                crate::api::respond::urlencode(&n)
            ),
            None => "/two-factor/recovery-codes".into(),
        },
        &back,
    )
}

/// The recovery codes just made, once (they are not kept anywhere readable).
#[server(endpoint = "account/two_factor/recovery_codes")]
pub async fn take_recovery_codes() -> Result<Vec<String>, AppError> {
    crate::api::respond::reply(session::take_recovery_codes().await)
}

#[server(endpoint = "account/two_factor/disable")]
pub async fn two_factor_disable(password: String) -> Result<(), AppError> {
    let result = session::disable(&password).await;
    crate::api::respond::finish_form(result, |_| "/account?two_factor_off=1".into(), "/account")
}

/// Changes the password; this browser stays signed in, every other
/// session ends.
#[server(endpoint = "account/change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let result = session::change_password(&current_password, &new_password).await;
    crate::api::respond::finish_form(result, |_| "/account?password_changed=1".into(), "/account")
}

/// Ends every session of the account, this one too.
#[server(endpoint = "account/sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let result = async {
        crate::api::op!(crate::ops::account::sign_out_everywhere)?;
        crate::api::guard::end_session().await
    }
    .await;
    crate::api::respond::finish_form(
        result,
        |_| "/sign-in?signed_out=everywhere".into(),
        "/account",
    )
}

/// The second step of sign-in: a code from the authenticator app, or a
/// recovery code.
#[server(endpoint = "auth/code")]
pub async fn sign_in_code(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::api::respond::{finish_form, safe_next, urlencode};
    let next = next.as_deref().and_then(safe_next);
    let back = match &next {
        Some(n) => format!("/sign-in/code?next={}", urlencode(n)),
        None => "/sign-in/code".into(),
    };
    let result = session::sign_in_code(&code).await;
    // The pending sign-in ran out: start again from the password.
    let back = if matches!(result, Err(AppError::Unauthorized)) {
        "/sign-in".into()
    } else {
        back
    };
    finish_form(
        result,
        |_| next.clone().unwrap_or_else(|| "/home".into()),
        &back,
    )
}

/// What is the session's between the steps of sign-in and enrolment.
#[cfg(feature = "ssr")]
pub mod session {
    use serde::{Deserialize, Serialize};
    use tower_sessions::Session;

    use crate::api::guard::{self, door, session, session_error};
    use crate::db;
    use crate::domain::account::{Role, TwoFactorEnrolment};
    use crate::error::{AppError, AppResult};
    use crate::ops::account as ops;

    /// A sign-in whose password was right, waiting for its second step.
    const PENDING_KEY: &str = "pending_sign_in";
    /// The secret being set up (kept in the session until confirmed).
    const SETUP_KEY: &str = "two_factor_setup";
    /// Recovery codes to show once.
    const CODES_KEY: &str = "recovery_codes";
    /// How long the second step may take.
    const PENDING_SECS: i64 = 10 * 60;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Purpose {
        Code,
        Enrol,
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct Pending {
        user_id: i64,
        role: Role,
        purpose: Purpose,
        until: i64,
    }

    /// Remembers a sign-in whose password was right until its second step.
    pub async fn begin_pending(user_id: i64, role: Role, purpose: Purpose) -> AppResult<()> {
        let s = session().await?;
        // Nothing of an earlier sign-in carries over to this one.
        s.clear().await;
        s.cycle_id().await.map_err(session_error)?;
        let pending = Pending {
            user_id,
            role,
            purpose,
            until: db::now().unix_timestamp() + PENDING_SECS,
        };
        s.insert(PENDING_KEY, pending)
            .await
            .map_err(session_error)?;
        // Short-lived: the session ends if the second step never comes.
        s.set_expiry(Some(tower_sessions::Expiry::OnInactivity(
            time::Duration::seconds(PENDING_SECS),
        )));
        Ok(())
    }

    async fn pending(s: &Session, purpose: Purpose) -> AppResult<Option<Pending>> {
        let p = s.get::<Pending>(PENDING_KEY).await.map_err(session_error)?;
        Ok(p.filter(|p| p.purpose == purpose && p.until > db::now().unix_timestamp()))
    }

    async fn finish_pending(s: &Session, p: &Pending) -> AppResult<()> {
        s.remove::<Pending>(PENDING_KEY)
            .await
            .map_err(session_error)?;
        guard::start_session(p.user_id, p.role).await
    }

    /// Sets a new password; this browser is not signed in either.
    pub async fn reset_password(token: &str, new_password: &str) -> AppResult<()> {
        let (state, caller) = door().await?;
        ops::reset_password(&state, &caller, token, new_password).await?;
        guard::end_session().await
    }

    /// The account setting up two-factor sign-in: the signed-in one, or the
    /// one whose sign-in waits for enrolment.
    async fn enrolling() -> AppResult<(ops::Enrolling, Option<Pending>)> {
        let (state, caller) = door().await?;
        if let Some(u) = caller.user() {
            let who = ops::Enrolling {
                user_id: u.id,
                email: u.email.clone(),
            };
            return Ok((who, None));
        }
        let p = pending(&session().await?, Purpose::Enrol)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let email = db::users::email_of(&state.db, p.user_id).await?;
        let who = ops::Enrolling {
            user_id: p.user_id,
            email,
        };
        Ok((who, Some(p)))
    }

    pub async fn setup() -> AppResult<TwoFactorEnrolment> {
        let (who, _) = enrolling().await?;
        let state = guard::state()?;
        let s = session().await?;
        let kept = s.get::<String>(SETUP_KEY).await.map_err(session_error)?;
        let (enrolment, secret) = ops::enrolment(&state, &who, kept).await?;
        s.insert(SETUP_KEY, secret).await.map_err(session_error)?;
        Ok(enrolment)
    }

    pub async fn confirm(code: &str) -> AppResult<()> {
        let (who, pending) = enrolling().await?;
        let state = guard::state()?;
        let s = session().await?;
        let secret = s
            .get::<String>(SETUP_KEY)
            .await
            .map_err(session_error)?
            .ok_or(AppError::Conflict {
                code: "setup_expired".into(),
            })?;
        // Signed in already: this browser stays so (the others are signed out).
        let signed_in = match pending {
            None => guard::current_user().await?.map(|u| u.role),
            Some(_) => None,
        };
        let codes = ops::confirm_two_factor(&state, &who, &secret, code).await?;
        s.remove::<String>(SETUP_KEY).await.map_err(session_error)?;
        if let Some(p) = pending {
            finish_pending(&s, &p).await?;
        } else if let Some(role) = signed_in {
            guard::start_session(who.user_id, role).await?;
        }
        session()
            .await?
            .insert(CODES_KEY, codes)
            .await
            .map_err(session_error)
    }

    /// Turns two-step sign-in off; this browser stays signed in, the others
    /// are signed out.
    pub async fn disable(password: &str) -> AppResult<()> {
        let (state, caller) = door().await?;
        ops::disable_two_factor(&state, &caller, password).await?;
        let me = caller.signed_in()?;
        guard::start_session(me.id, me.role).await
    }

    pub async fn change_password(current: &str, new: &str) -> AppResult<()> {
        let (state, caller) = door().await?;
        ops::change_password(&state, &caller, current, new).await?;
        let me = caller.signed_in()?;
        guard::start_session(me.id, me.role).await
    }

    pub async fn take_recovery_codes() -> AppResult<Vec<String>> {
        let (_, caller) = door().await?;
        caller.signed_in()?;
        let s = session().await?;
        Ok(s.remove::<Vec<String>>(CODES_KEY)
            .await
            .map_err(session_error)?
            .unwrap_or_default())
    }

    /// The second step of a waiting sign-in.
    pub async fn sign_in_code(code: &str) -> AppResult<()> {
        let s = session().await?;
        let state = guard::state()?;
        let p = pending(&s, Purpose::Code)
            .await?
            .ok_or(AppError::Unauthorized)?;
        ops::second_factor(&state, p.user_id, code).await?;
        finish_pending(&s, &p).await
    }
}

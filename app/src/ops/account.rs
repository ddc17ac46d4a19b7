//! Account recovery and protection: e-mail verification, password reset,
//! and two-factor sign-in with an authenticator app (TOTP, RFC 6238) and
//! recovery codes. What waits between steps (a sign-in's second step, a
//! secret being set up) is the session's: the doors pass it in.
use crate::db::{self, throttle, tokens};
use crate::domain::account::{self, TwoFactorEnrolment};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};
use crate::jobs::{self, Job};
use crate::mail::AccountEmail;
use crate::ops::auth::{count_attempt, Limit};
use crate::ops::Caller;
use crate::password;
use crate::state::AppState;
use crate::tokens::hash_token;
use crate::totp;

/// A new reset e-mail at most this often per account.
const RESET_EVERY_SECS: i64 = 60;
const RECOVERY_CODES: usize = 10;

// ---- e-mail verification ----

/// Sends the signed-in account's confirmation e-mail again.
pub async fn resend_verification(state: &AppState, caller: &Caller) -> AppResult<()> {
    let user = caller.signed_in()?;
    if user.email_verified {
        return Err(AppError::Conflict {
            code: "already_verified".into(),
        });
    }
    // Every e-mail counts: a few, then a growing wait (no mail bombing).
    count_attempt(
        state,
        &[Limit {
            subject: format!("resend:{}", user.id),
            max_failures: state.config.resend_max,
        }],
    )
    .await?;
    let mut tx = state.db.begin().await?;
    jobs::enqueue(
        &mut tx,
        state,
        &Job::AccountEmail(AccountEmail::VerifyEmail { user_id: user.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn token_error(r: tokens::Refused) -> AppError {
    AppError::field(
        "token",
        match r {
            tokens::Refused::Unknown => "token_unknown",
            tokens::Refused::Used => "token_used",
            tokens::Refused::Expired => "token_expired",
        },
    )
}

/// Confirms an address with the token of its e-mailed link (anyone holding
/// the link may: the token is the proof).
pub async fn verify_email(state: &AppState, _caller: &Caller, token: &str) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    let user_id = tokens::consume(&mut tx, tokens::VERIFY_EMAIL, &hash_token(token))
        .await?
        .map_err(token_error)?;
    db::users::mark_verified(&mut tx, user_id).await?;
    tokens::revoke_all(&mut tx, user_id, tokens::VERIFY_EMAIL).await?;
    tx.commit().await?;
    tracing::info!(user = user_id, "e-mail address verified");
    Ok(())
}

// ---- password reset ----

/// Queues a reset e-mail. Always the same answer, whether an account has
/// this address or not.
pub async fn forgot_password(state: &AppState, _caller: &Caller, email: &str) -> AppResult<()> {
    let email = account::normalise_email(email).map_err(|e| AppError::validation(vec![e]))?;
    let Some(target) = db::users::mail_target_by_email(&state.db, &email).await? else {
        tracing::info!("password reset asked for an unknown address");
        return Ok(());
    };
    if target.disabled {
        return Ok(());
    }
    // At most one e-mail a minute per account (no mail bombing).
    if let Some(last) = tokens::last_issued(&state.db, target.id, tokens::RESET_PASSWORD).await? {
        if (db::now() - last).whole_seconds() < RESET_EVERY_SECS {
            return Ok(());
        }
    }
    let mut tx = state.db.begin().await?;
    jobs::enqueue(
        &mut tx,
        state,
        &Job::AccountEmail(AccountEmail::PasswordReset { user_id: target.id }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = target.id, "password reset e-mail queued");
    Ok(())
}

/// Sets a new password with the token of a reset link; every session of the
/// account ends (the door ends this browser's too).
pub async fn reset_password(
    state: &AppState,
    _caller: &Caller,
    token: &str,
    new_password: &str,
) -> AppResult<()> {
    password::check_new(new_password, &[]).map_err(|e| AppError::validation(vec![e]))?;
    let hash = password::hash(new_password.to_owned()).await?;
    let mut tx = state.db.begin().await?;
    let user_id = tokens::consume(&mut tx, tokens::RESET_PASSWORD, &hash_token(token))
        .await?
        .map_err(token_error)?;
    db::users::set_password(&mut tx, user_id, &hash).await?;
    tokens::revoke_all(&mut tx, user_id, tokens::RESET_PASSWORD).await?;
    // Following the link proves the address too.
    db::users::mark_verified(&mut tx, user_id).await?;
    jobs::enqueue(
        &mut tx,
        state,
        &Job::AccountEmail(AccountEmail::PasswordChanged { user_id }),
    )
    .await?;
    tx.commit().await?;
    if let Some(email) = db::users::mail_target(&state.db, user_id)
        .await?
        .map(|t| t.email)
    {
        throttle::clear(&state.db, &throttle::account(&email)).await?;
    }
    tracing::info!(user = user_id, "password reset; every session ended");
    Ok(())
}

/// Changes the signed-in account's password. The current one is asked for
/// (and throttled like a sign-in, so a borrowed session cannot guess it),
/// the new one is checked like at sign-up; every session ends (the door
/// starts this browser's anew) and the account is told by e-mail.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let user = caller.signed_in()?;
    let mut errors = Vec::new();
    if current.is_empty() {
        errors.push(FieldError::new("current_password", "required"));
    }
    match password::check_new(new, &[&user.email, &user.display_name]) {
        Err(e) => errors.push(FieldError::new("new_password", &e.code)),
        Ok(()) if new == current => errors.push(FieldError::new("new_password", "password_same")),
        Ok(()) => {}
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let account = throttle::account(&user.email);
    count_attempt(
        state,
        &[Limit {
            subject: account.clone(),
            max_failures: state.config.account_max_failures,
        }],
    )
    .await?;
    let creds = db::users::credentials_by_email(&state.db, &user.email)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(current.to_owned(), Some(creds.password_hash)).await? {
        // Counted already.
        return Err(AppError::field("current_password", "password_wrong"));
    }
    throttle::clear(&state.db, &account).await?;
    let hash = password::hash(new.to_owned()).await?;
    let mut tx = state.db.begin().await?;
    db::users::set_password(&mut tx, user.id, &hash).await?;
    jobs::enqueue(
        &mut tx,
        state,
        &Job::AccountEmail(AccountEmail::PasswordChanged { user_id: user.id }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        user = user.id,
        "password changed; every other session ended"
    );
    Ok(())
}

/// Ends every session of the signed-in account, on every device, this one
/// too ("sign out everywhere": a lost phone, a shared computer).
pub async fn sign_out_everywhere(state: &AppState, caller: &Caller) -> AppResult<()> {
    let user = caller.signed_in()?;
    let mut tx = state.db.begin().await?;
    db::users::end_sessions(&mut tx, user.id).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, "signed out everywhere");
    Ok(())
}

// ---- two-factor sign-in ----

/// The account setting up two-factor sign-in: the signed-in one, or the one
/// whose sign-in waits for enrolment (the door knows which).
#[derive(Debug, Clone)]
pub struct Enrolling {
    pub user_id: i64,
    pub email: String,
}

/// What the enrolment page shows for a secret (`kept`: the one already
/// being set up, else a new one); returns it with the secret to keep.
pub async fn enrolment(
    state: &AppState,
    who: &Enrolling,
    kept: Option<String>,
) -> AppResult<(TwoFactorEnrolment, String)> {
    if db::users::totp_state(&state.db, who.user_id).await?.enabled {
        return Err(AppError::Conflict {
            code: "two_factor_on".into(),
        });
    }
    let secret = kept.unwrap_or_else(totp::new_secret);
    let url = totp::otpauth_url(&secret, &who.email);
    Ok((
        TwoFactorEnrolment {
            secret: totp::grouped(&secret),
            qr_image: totp::qr_data_url(&url)?,
            otpauth_url: url,
            account: who.email.clone(),
        },
        secret,
    ))
}

/// Turns two-factor sign-in on once a code of the new secret is right;
/// returns the recovery codes to show once (only their hashes are kept).
pub async fn confirm_two_factor(
    state: &AppState,
    who: &Enrolling,
    secret: &str,
    code: &str,
) -> AppResult<Vec<String>> {
    let code = code.trim().replace(' ', "");
    if code.is_empty() {
        return Err(AppError::field("code", "required"));
    }
    let step = totp::verify(secret, &code, db::now().unix_timestamp())
        .ok_or_else(|| AppError::field("code", "code_wrong"))?;
    let key = state.config.secrets_key();
    let codes = totp::recovery_codes(RECOVERY_CODES);
    let hashes: Vec<String> = codes.iter().map(|c| key.recovery_hash(c)).collect();
    let mut tx = state.db.begin().await?;
    db::users::enable_totp(&mut tx, who.user_id, &key.seal(secret), step, &hashes).await?;
    // Every other session of the account ends: it was opened without the
    // second step (the door starts this browser's anew).
    db::users::end_sessions(&mut tx, who.user_id).await?;
    tx.commit().await?;
    tracing::info!(user = who.user_id, "two-factor sign-in turned on");
    Ok(codes)
}

/// Merchants and recipients may turn it off again (with their password);
/// staff may not when the portal requires it.
pub async fn disable_two_factor(state: &AppState, caller: &Caller, pw: &str) -> AppResult<()> {
    let user = caller.signed_in()?;
    if user.role.is_staff() && state.config.staff_two_factor {
        return Err(AppError::Conflict {
            code: "two_factor_required".into(),
        });
    }
    let creds = db::users::credentials_by_email(&state.db, &user.email)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if !password::verify(pw.to_owned(), Some(creds.password_hash)).await? {
        return Err(AppError::field("password", "password_wrong"));
    }
    let mut tx = state.db.begin().await?;
    db::users::disable_totp(&mut tx, user.id).await?;
    // Every other session ends (the door starts this browser's anew).
    db::users::end_sessions(&mut tx, user.id).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, "two-factor sign-in turned off");
    Ok(())
}

/// The second step of the sign-in of `user_id` (whose password was right):
/// a code of the authenticator app, or a recovery code; throttled per
/// account. The door then starts the session.
pub async fn second_factor(state: &AppState, user_id: i64, code: &str) -> AppResult<()> {
    let cfg = &state.config;
    let subject = format!("code:{user_id}");
    let code = code.trim();
    if code.is_empty() {
        return Err(AppError::field("code", "required"));
    }
    // Counted before it is checked: parallel guesses cannot all be checked.
    count_attempt(
        state,
        &[Limit {
            subject: subject.clone(),
            max_failures: cfg.account_max_failures,
        }],
    )
    .await?;
    let key = cfg.secrets_key();
    let ok = if totp::looks_like_totp(code) {
        let t = db::users::totp_state(&state.db, user_id).await?;
        match (t.enabled, t.secret) {
            (true, Some(stored)) => {
                let secret = key.open(&stored).ok_or_else(|| {
                    tracing::error!(
                        user = user_id,
                        "an authenticator secret does not open: is SECRETS_KEY the one it was sealed with?"
                    );
                    AppError::Internal
                })?;
                match totp::verify(&secret, code, db::now().unix_timestamp()) {
                    Some(step) => db::users::accept_totp_step(&state.db, user_id, step).await?,
                    None => false,
                }
            }
            _ => false,
        }
    } else {
        // Codes made before they were keyed are kept as a plain hash.
        db::users::use_recovery_code(&state.db, user_id, &key.recovery_hash(code)).await?
            || db::users::use_recovery_code(&state.db, user_id, &totp::hash_recovery(code)).await?
    };
    if !ok {
        // Already counted.
        return Err(AppError::field("code", "code_wrong"));
    }
    throttle::clear(&state.db, &subject).await?;
    tracing::info!(user = user_id, "signed in with a second factor");
    Ok(())
}

//! Account recovery and protection: e-mail verification, password reset,
//! and two-factor sign-in with an authenticator app (TOTP, RFC 6238) and
//! recovery codes.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the enrolment page shows: the secret as a QR code and as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolment {
    /// Base32, grouped by four for typing.
    pub secret: String,
    pub otpauth_url: String,
    /// The QR code of `otpauth_url` as an SVG `data:` URL (made by the server).
    pub qr_image: String,
    pub account: String,
}

/// Where the sign-in goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInStep {
    /// Signed in.
    Done,
    /// The password was right; the authenticator code is asked next.
    Code,
    /// The password was right; this role must set up an authenticator first.
    Enrol,
}

#[server(endpoint = "account/resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    let result = server::resend_verification().await;
    crate::api::respond::finish_form(result, |_| "/account?sent=1".into(), "/account")
}

#[server(endpoint = "account/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let result = server::verify_email(&token).await;
    let back = format!(
        "/verify-email?token={}",
        crate::api::respond::urlencode(&token)
    );
    crate::api::respond::finish_form(result, |_| "/email-verified".into(), &back)
}

#[server(endpoint = "account/forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let result = server::forgot_password(&email).await;
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
    let result = server::reset_password(&token, &password).await;
    let back = format!(
        "/reset-password?token={}",
        crate::api::respond::urlencode(&token)
    );
    crate::api::respond::finish_form(result, |_| "/sign-in?reset=1".into(), &back)
}

#[server(endpoint = "account/two_factor/setup")]
pub async fn two_factor_setup() -> Result<TwoFactorEnrolment, AppError> {
    crate::api::respond::reply(server::setup().await)
}

#[server(endpoint = "account/two_factor/confirm")]
pub async fn two_factor_confirm(code: String, next: Option<String>) -> Result<(), AppError> {
    let result = server::confirm(&code).await;
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
    crate::api::respond::reply(server::take_recovery_codes().await)
}

#[server(endpoint = "account/two_factor/disable")]
pub async fn two_factor_disable(password: String) -> Result<(), AppError> {
    let result = server::disable(&password).await;
    crate::api::respond::finish_form(result, |_| "/account?two_factor_off=1".into(), "/account")
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
    let result = server::sign_in_code(&code).await;
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

#[cfg(feature = "ssr")]
pub mod server {
    use serde::{Deserialize, Serialize};
    use tower_sessions::Session;

    use super::TwoFactorEnrolment;
    use crate::api::guard::{self, session, state};
    use crate::api::password;
    use crate::db::{self, throttle, tokens};
    use crate::domain::account::{self, CurrentUser, Role};
    use crate::domain::throttle::remaining_secs;
    use crate::error::{AppError, AppResult};
    use crate::jobs::{self, Job};
    use crate::mail::{hash_token, AccountEmail};

    /// A sign-in whose password was right, waiting for its second step.
    const PENDING_KEY: &str = "pending_sign_in";
    /// The secret being set up (kept in the session until confirmed).
    const SETUP_KEY: &str = "two_factor_setup";
    /// Recovery codes to show once.
    const CODES_KEY: &str = "recovery_codes";
    /// How long the second step may take.
    const PENDING_SECS: i64 = 10 * 60;
    /// A new reset e-mail at most this often per account.
    const RESET_EVERY_SECS: i64 = 60;
    const RECOVERY_CODES: usize = 10;

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

    fn session_error(e: tower_sessions::session::Error) -> AppError {
        tracing::error!(error = %e, "session store");
        AppError::Internal
    }

    /// Remembers a sign-in whose password was right until its second step.
    pub async fn begin_pending(user_id: i64, role: Role, purpose: Purpose) -> AppResult<()> {
        let s = session().await?;
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

    // ---- e-mail verification ----

    pub async fn resend_verification() -> AppResult<()> {
        let user = guard::current_user().await?.ok_or(AppError::Unauthorized)?;
        if user.email_verified {
            return Err(AppError::Conflict {
                code: "already_verified".into(),
            });
        }
        let state = state()?;
        let mut tx = state.db.begin().await?;
        jobs::enqueue(
            &mut tx,
            &state,
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

    pub async fn verify_email(token: &str) -> AppResult<()> {
        let state = state()?;
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

    /// Always the same answer, whether an account has this address or not.
    pub async fn forgot_password(email: &str) -> AppResult<()> {
        let email = account::normalise_email(email).map_err(|e| AppError::validation(vec![e]))?;
        let state = state()?;
        let Some(target) = db::users::mail_target_by_email(&state.db, &email).await? else {
            tracing::info!("password reset asked for an unknown address");
            return Ok(());
        };
        if target.disabled {
            return Ok(());
        }
        // At most one e-mail a minute per account (no mail bombing).
        if let Some(last) =
            tokens::last_issued(&state.db, target.id, tokens::RESET_PASSWORD).await?
        {
            if (db::now() - last).whole_seconds() < RESET_EVERY_SECS {
                return Ok(());
            }
        }
        let mut tx = state.db.begin().await?;
        jobs::enqueue(
            &mut tx,
            &state,
            &Job::AccountEmail(AccountEmail::PasswordReset { user_id: target.id }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = target.id, "password reset e-mail queued");
        Ok(())
    }

    pub async fn reset_password(token: &str, new_password: &str) -> AppResult<()> {
        account::check_password(new_password).map_err(|e| AppError::validation(vec![e]))?;
        let state = state()?;
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
            &state,
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
        // This browser is not signed in either.
        guard::end_session().await?;
        tracing::info!(user = user_id, "password reset; every session ended");
        Ok(())
    }

    // ---- two-factor sign-in ----

    /// The account setting up two-factor sign-in: the signed-in one, or the
    /// one whose sign-in waits for enrolment.
    async fn enrolling() -> AppResult<(i64, String, Option<Pending>)> {
        let s = session().await?;
        if let Some(u) = guard::current_user().await? {
            return Ok((u.id, u.email, None));
        }
        let p = pending(&s, Purpose::Enrol)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let email = db::users::email_of(&state()?.db, p.user_id).await?;
        Ok((p.user_id, email, Some(p)))
    }

    pub async fn setup() -> AppResult<TwoFactorEnrolment> {
        let (user_id, email, _) = enrolling().await?;
        if db::users::totp_state(&state()?.db, user_id).await?.enabled {
            return Err(AppError::Conflict {
                code: "two_factor_on".into(),
            });
        }
        let s = session().await?;
        let secret = match s.get::<String>(SETUP_KEY).await.map_err(session_error)? {
            Some(secret) => secret,
            None => {
                let secret = totp::new_secret();
                s.insert(SETUP_KEY, secret.clone())
                    .await
                    .map_err(session_error)?;
                secret
            }
        };
        let url = totp::otpauth_url(&secret, &email);
        Ok(TwoFactorEnrolment {
            secret: totp::grouped(&secret),
            qr_image: totp::qr_data_url(&url)?,
            otpauth_url: url,
            account: email,
        })
    }

    pub async fn confirm(code: &str) -> AppResult<()> {
        let (user_id, _, pending) = enrolling().await?;
        let state = state()?;
        let s = session().await?;
        let secret = s
            .get::<String>(SETUP_KEY)
            .await
            .map_err(session_error)?
            .ok_or(AppError::Conflict {
                code: "setup_expired".into(),
            })?;
        let code = code.trim().replace(' ', "");
        if code.is_empty() {
            return Err(AppError::field("code", "required"));
        }
        let step = totp::verify(&secret, &code, db::now().unix_timestamp())
            .ok_or_else(|| AppError::field("code", "code_wrong"))?;
        let codes = totp::recovery_codes(RECOVERY_CODES);
        let hashes: Vec<String> = codes.iter().map(|c| totp::hash_recovery(c)).collect();
        let mut tx = state.db.begin().await?;
        db::users::enable_totp(&mut tx, user_id, &secret, step, &hashes).await?;
        tx.commit().await?;
        s.remove::<String>(SETUP_KEY).await.map_err(session_error)?;
        if let Some(p) = pending {
            finish_pending(&s, &p).await?;
        }
        session()
            .await?
            .insert(CODES_KEY, codes)
            .await
            .map_err(session_error)?;
        tracing::info!(user = user_id, "two-factor sign-in turned on");
        Ok(())
    }

    pub async fn take_recovery_codes() -> AppResult<Vec<String>> {
        guard::current_user().await?.ok_or(AppError::Unauthorized)?;
        let s = session().await?;
        Ok(s.remove::<Vec<String>>(CODES_KEY)
            .await
            .map_err(session_error)?
            .unwrap_or_default())
    }

    /// Merchants and recipients may turn it off again (with their password);
    /// staff may not when the portal requires it.
    pub async fn disable(pw: &str) -> AppResult<()> {
        let user: CurrentUser = guard::current_user().await?.ok_or(AppError::Unauthorized)?;
        let state = state()?;
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
        tx.commit().await?;
        tracing::info!(user = user.id, "two-factor sign-in turned off");
        Ok(())
    }

    pub async fn sign_in_code(code: &str) -> AppResult<()> {
        let s = session().await?;
        let state = state()?;
        let cfg = &state.config;
        let p = pending(&s, Purpose::Code)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let subject = format!("code:{}", p.user_id);
        if let Some(f) = throttle::get(&state.db, &subject).await? {
            let wait = remaining_secs(
                f.failures,
                f.last_failed_at.unix_timestamp(),
                db::now().unix_timestamp(),
                cfg.account_max_failures,
                cfg.throttle_base_secs,
                cfg.throttle_max_secs,
            );
            if wait > 0 {
                return Err(AppError::Throttled {
                    retry_after_secs: wait,
                });
            }
        }
        let code = code.trim();
        if code.is_empty() {
            return Err(AppError::field("code", "required"));
        }
        let ok = if totp::looks_like_totp(code) {
            let t = db::users::totp_state(&state.db, p.user_id).await?;
            match (t.enabled, t.secret) {
                (true, Some(secret)) => {
                    match totp::verify(&secret, code, db::now().unix_timestamp()) {
                        Some(step) => {
                            db::users::accept_totp_step(&state.db, p.user_id, step).await?
                        }
                        None => false,
                    }
                }
                _ => false,
            }
        } else {
            db::users::use_recovery_code(&state.db, p.user_id, &totp::hash_recovery(code)).await?
        };
        if !ok {
            throttle::record_failure(&state.db, &subject, db::now() - time::Duration::hours(24))
                .await?;
            return Err(AppError::field("code", "code_wrong"));
        }
        throttle::clear(&state.db, &subject).await?;
        finish_pending(&s, &p).await?;
        tracing::info!(user = p.user_id, "signed in with a second factor");
        Ok(())
    }

    /// TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) and recovery codes.
    pub mod totp {
        use crate::error::{AppError, AppResult};
        use totp_rs::{Algorithm, TOTP};

        const STEP: u64 = 30;
        const DIGITS: usize = 6;
        const ISSUER: &str = "Postclear";

        /// 160 random bits, base32 (the size RFC 4226 recommends).
        pub fn new_secret() -> String {
            use rand::RngCore;
            let mut bytes = [0u8; 20];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            data_encoding::BASE32_NOPAD.encode(&bytes)
        }

        fn totp(secret: &str, account: &str) -> Option<TOTP> {
            let bytes = data_encoding::BASE32_NOPAD
                .decode(secret.replace(' ', "").to_uppercase().as_bytes())
                .ok()?;
            Some(TOTP::new_unchecked(
                Algorithm::SHA1,
                DIGITS,
                1,
                STEP,
                bytes,
                Some(ISSUER.to_owned()),
                account.to_owned(),
            ))
        }

        /// The code of `secret` at unix time `t`.
        pub fn code_at(secret: &str, t: i64) -> Option<String> {
            Some(totp(secret, "")?.generate(t.max(0) as u64))
        }

        /// The time step whose code `code` is, allowing one step of clock
        /// drift either way; `None` when it is no code of those steps.
        pub fn verify(secret: &str, code: &str, now: i64) -> Option<i64> {
            let code = code.trim().replace(' ', "");
            if !looks_like_totp(&code) {
                return None;
            }
            let t = totp(secret, "")?;
            let now_step = now.max(0) / STEP as i64;
            let mut found = None;
            for step in [now_step - 1, now_step, now_step + 1] {
                let expected = t.generate((step.max(0) as u64) * STEP);
                // Compare every candidate fully (no early exit on a match).
                if constant_time_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
                    found = Some(step);
                }
            }
            found
        }

        fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
            a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
        }

        pub fn looks_like_totp(code: &str) -> bool {
            let code = code.trim().replace(' ', "");
            code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())
        }

        pub fn otpauth_url(secret: &str, account: &str) -> String {
            totp(secret, account)
                .map(|t| t.get_url())
                .unwrap_or_default()
        }

        /// The secret in groups of four, for typing it in by hand.
        pub fn grouped(secret: &str) -> String {
            secret
                .as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }

        /// The QR code of `data` as an SVG image in a `data:` URL.
        pub fn qr_data_url(data: &str) -> AppResult<String> {
            let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| {
                tracing::error!(error = %e, "QR code");
                AppError::Internal
            })?;
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            Ok(format!(
                "data:image/svg+xml;base64,{}",
                data_encoding::BASE64.encode(svg.as_bytes())
            ))
        }

        /// Letters and digits that cannot be mistaken for one another.
        const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

        /// `n` codes like `k7hq2-m9xtp`, about 49 bits each.
        pub fn recovery_codes(n: usize) -> Vec<String> {
            use rand::Rng;
            let mut rng = rand::rngs::OsRng;
            (0..n)
                .map(|_| {
                    let mut s: String = (0..10)
                        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                        .collect();
                    s.insert(5, '-');
                    s
                })
                .collect()
        }

        /// Case, spaces and dashes do not matter when a code is typed.
        pub fn hash_recovery(code: &str) -> String {
            let norm: String = code
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            crate::mail::hash_token(&norm)
        }

        #[cfg(test)]
        mod tests {
            use super::*;

            // RFC 6238 appendix B, SHA1, secret "12345678901234567890" (8 digits
            // there; the last six are the 6-digit code).
            #[test]
            fn matches_the_rfc_6238_test_vectors() {
                let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
                for (t, eight) in [
                    (59, "94287082"),
                    (1111111109, "07081804"),
                    (1111111111, "14050471"),
                    (1234567890, "89005924"),
                    (2000000000, "69279037"),
                ] {
                    assert_eq!(code_at(&secret, t).unwrap(), &eight[2..], "t={t}");
                }
            }

            #[test]
            fn accepts_one_step_of_drift_and_no_more() {
                let secret = new_secret();
                let now = 1_800_000_000;
                let step = now / 30;
                let code = code_at(&secret, now).unwrap();
                assert_eq!(verify(&secret, &code, now), Some(step));
                assert_eq!(verify(&secret, &code, now + 30), Some(step));
                assert_eq!(verify(&secret, &code, now - 30), Some(step));
                assert_eq!(verify(&secret, &code, now + 90), None);
                assert_eq!(verify(&secret, "12345", now), None);
                assert_eq!(verify(&secret, "abcdef", now), None);
            }

            #[test]
            fn recovery_codes_are_distinct_and_forgiving_to_type() {
                let codes = recovery_codes(10);
                let mut unique = codes.clone();
                unique.sort();
                unique.dedup();
                assert_eq!(unique.len(), 10);
                let c = &codes[0];
                assert_eq!(c.len(), 11);
                assert_eq!(
                    hash_recovery(c),
                    hash_recovery(&c.to_uppercase().replace('-', " "))
                );
                assert!(!looks_like_totp(c));
            }

            #[test]
            fn the_enrolment_link_names_the_issuer_and_account() {
                let url = otpauth_url("JBSWY3DPEHPK3PXP", "officer@example.test");
                assert!(
                    url.starts_with("otpauth://totp/Postclear:officer%40example.test?"),
                    "{url}"
                );
                assert!(url.contains("secret=JBSWY3DPEHPK3PXP"), "{url}");
                let img = qr_data_url(&url).unwrap();
                let svg = data_encoding::BASE64
                    .decode(
                        img.trim_start_matches("data:image/svg+xml;base64,")
                            .as_bytes(),
                    )
                    .unwrap();
                assert!(String::from_utf8(svg).unwrap().contains("<svg"));
                assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
            }
        }
    }
}

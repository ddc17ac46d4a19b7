//! Sign-up, sign-in, sign-out and the language preference.
use leptos::prelude::*;

use crate::domain::account::CurrentUser;
use crate::error::AppError;

/// Name of the cookie that remembers the language (the i18n crate reads it).
pub const LANGUAGE_COOKIE: &str = "i18n_pref_locale";

#[server(endpoint = "auth/me")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    crate::api::respond::reply(crate::api::guard::current_user().await)
}

#[server(endpoint = "auth/sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<crate::api::account::SignInStep, AppError> {
    use crate::api::account::SignInStep;
    use crate::api::respond::{finish_form, safe_next, urlencode};
    let back = match next.as_deref().and_then(safe_next) {
        Some(n) => format!("/sign-in?next={}", urlencode(&n)),
        None => "/sign-in".to_owned(),
    };
    let result = server::sign_in(&email, &password).await;
    crate::api::respond::remember_on_error(&result, &back, vec![("email", email)]).await;
    let next = next.as_deref().and_then(safe_next);
    let with_next = |path: &str| match &next {
        Some(n) => format!("{path}?next={}", urlencode(n)),
        None => path.to_owned(),
    };
    finish_form(
        result,
        |step| match step {
            SignInStep::Done => next.clone().unwrap_or_else(|| "/home".into()),
            SignInStep::Code => with_next("/sign-in/code"),
            SignInStep::Enrol => with_next("/two-factor/setup"),
        },
        &back,
    )
}

#[server(endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let result = crate::api::guard::end_session().await;
    crate::api::respond::finish_form(result, |_| "/".into(), "/")
}

#[server(endpoint = "auth/sign_up")]
pub async fn sign_up(
    account_type: String,
    display_name: String,
    email: String,
    password: String,
    company_name: Option<String>,
    country_code: Option<String>,
    language: Option<String>,
) -> Result<(), AppError> {
    let keep = vec![
        ("account_type", account_type.clone()),
        ("display_name", display_name.clone()),
        ("email", email.clone()),
        ("company_name", company_name.clone().unwrap_or_default()),
        ("country_code", country_code.clone().unwrap_or_default()),
    ];
    let result = server::sign_up(server::SignUp {
        account_type,
        display_name,
        email,
        password,
        company_name,
        country_code,
        language,
    })
    .await;
    crate::api::respond::remember_on_error(&result, "/sign-up", keep).await;
    crate::api::respond::finish_form(result, |_| "/home".into(), "/sign-up")
}

#[server(endpoint = "prefs/language")]
pub async fn set_language(language: String, next: Option<String>) -> Result<(), AppError> {
    use crate::api::respond::{finish_form, safe_next};
    let back = next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or_else(|| "/".into());
    let result = server::set_language(&language).await;
    finish_form(result, |_| back.clone(), &back)
}

#[cfg(feature = "ssr")]
pub mod server {
    use http::header::SET_COOKIE;
    use http::HeaderValue;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use super::LANGUAGE_COOKIE;
    use crate::api::account::server::{self as two_factor, Purpose};
    use crate::api::account::SignInStep;
    use crate::api::{guard, password};
    use crate::db::{self, throttle};
    use crate::domain::account::{self, FieldError, Role};
    use crate::domain::org::CountryCode;
    use crate::domain::throttle::remaining_secs;
    use crate::error::{AppError, AppResult};
    use crate::jobs::{self, Job};
    use crate::mail::AccountEmail;

    /// Failures older than this are forgotten.
    const FORGET_AFTER: time::Duration = time::Duration::hours(24);

    /// The client's address, for per-address throttling.
    async fn client_address(trust_proxy: bool) -> String {
        if trust_proxy {
            if let Some(parts) = use_context::<http::request::Parts>() {
                if let Some(first) = parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                {
                    return first.trim().to_owned();
                }
            }
        }
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|ci| ci.0.ip().to_string())
            .unwrap_or_else(|_| "unknown".into())
    }

    async fn throttled_for(
        db: &db::Db,
        subject: &str,
        max: i64,
        base: i64,
        cap: i64,
    ) -> AppResult<i64> {
        Ok(match throttle::get(db, subject).await? {
            Some(f) => remaining_secs(
                f.failures,
                f.last_failed_at.unix_timestamp(),
                db::now().unix_timestamp(),
                max,
                base,
                cap,
            ),
            None => 0,
        })
    }

    pub async fn sign_in(email: &str, password: &str) -> AppResult<SignInStep> {
        let state = guard::state()?;
        let cfg = &state.config;
        let db = &state.db;
        let email = email.trim().to_lowercase();
        let mut missing = Vec::new();
        if email.is_empty() {
            missing.push(FieldError::new("email", "required"));
        }
        if password.is_empty() {
            missing.push(FieldError::new("password", "required"));
        }
        if !missing.is_empty() {
            return Err(AppError::validation(missing));
        }
        let address = throttle::address(&client_address(cfg.trust_proxy).await);
        // The account subject is keyed by e-mail, so an unknown e-mail is
        // throttled exactly like a real one and reveals nothing.
        let account = throttle::account(&email);
        let wait = throttled_for(
            db,
            &address,
            cfg.address_max_failures,
            cfg.throttle_base_secs,
            cfg.throttle_max_secs,
        )
        .await?
        .max(
            throttled_for(
                db,
                &account,
                cfg.account_max_failures,
                cfg.throttle_base_secs,
                cfg.throttle_max_secs,
            )
            .await?,
        );
        if wait > 0 {
            tracing::warn!(%address, "sign-in throttled");
            return Err(AppError::Throttled {
                retry_after_secs: wait,
            });
        }

        let creds = db::users::credentials_by_email(db, &email).await?;
        let ok = password::verify(
            password.to_owned(),
            creds.as_ref().map(|c| c.password_hash.clone()),
        )
        .await?;
        let creds = match creds {
            Some(c) if ok => c,
            _ => {
                let forget = db::now() - FORGET_AFTER;
                throttle::record_failure(db, &account, forget).await?;
                throttle::record_failure(db, &address, forget).await?;
                tracing::info!(%address, "sign-in failed");
                return Err(AppError::BadCredentials);
            }
        };
        if creds.disabled {
            return Err(AppError::AccountDisabled);
        }
        throttle::clear(db, &account).await?;
        let role: Role = creds.role.parse().map_err(|_| AppError::Internal)?;
        if let Some(lang) = creds.language.as_deref() {
            set_language_cookie(lang);
        }
        // The second step, when the account has one or its role must.
        if db::users::totp_state(db, creds.id).await?.enabled {
            two_factor::begin_pending(creds.id, role, Purpose::Code).await?;
            return Ok(SignInStep::Code);
        }
        if role.is_staff() && cfg.staff_two_factor {
            two_factor::begin_pending(creds.id, role, Purpose::Enrol).await?;
            return Ok(SignInStep::Enrol);
        }
        guard::start_session(creds.id, role).await?;
        tracing::info!(user = creds.id, %role, "signed in");
        Ok(SignInStep::Done)
    }

    pub struct SignUp {
        pub account_type: String,
        pub display_name: String,
        pub email: String,
        pub password: String,
        pub company_name: Option<String>,
        pub country_code: Option<String>,
        pub language: Option<String>,
    }

    pub async fn sign_up(input: SignUp) -> AppResult<()> {
        let state = guard::state()?;
        let mut errors = Vec::new();
        let role = match input.account_type.as_str() {
            "merchant" => Some(Role::Merchant),
            "recipient" => Some(Role::Recipient),
            _ => {
                errors.push(FieldError::new("account_type", "required"));
                None
            }
        };
        let name = account::check_name("display_name", &input.display_name)
            .map_err(|e| errors.push(e))
            .ok();
        let email = account::normalise_email(&input.email)
            .map_err(|e| errors.push(e))
            .ok();
        let _ = account::check_password(&input.password).map_err(|e| errors.push(e));
        let mut company = None;
        if role == Some(Role::Merchant) {
            let cname =
                account::check_name("company_name", input.company_name.as_deref().unwrap_or(""))
                    .map_err(|e| errors.push(e))
                    .ok();
            let country =
                CountryCode::parse("country_code", input.country_code.as_deref().unwrap_or(""))
                    .map_err(|e| errors.push(e))
                    .ok();
            company = cname.zip(country);
        }
        let language = input.language.filter(|l| account::is_language(l));
        let (Some(role), Some(name), Some(email), true) = (role, name, email, errors.is_empty())
        else {
            return Err(AppError::validation(errors));
        };
        let hash = password::hash(input.password).await?;

        let mut tx = state.db.begin().await?;
        let organisation_id = match &company {
            Some((cname, country)) => {
                Some(db::orgs::insert_org(&mut tx, "company", cname, country.as_str()).await?)
            }
            None => None,
        };
        let id = db::users::insert_user(
            &mut tx,
            &db::users::NewUser {
                email: &email,
                password_hash: &hash,
                display_name: &name,
                role,
                organisation_id,
                office_id: None,
                language: language.as_deref(),
                is_demo: false,
                email_verified: false,
            },
        )
        .await?;
        // The confirmation e-mail goes out if, and only if, the account exists.
        jobs::enqueue(
            &mut tx,
            &state,
            &Job::AccountEmail(AccountEmail::VerifyEmail { user_id: id }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = id, %role, "signed up");
        guard::start_session(id, role).await
    }

    fn set_language_cookie(lang: &str) {
        let secure = guard::state()
            .map(|s| s.config.secure_cookies)
            .unwrap_or(false);
        let cookie = format!(
            "{LANGUAGE_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax{}",
            if secure { "; Secure" } else { "" }
        );
        if let (Some(res), Ok(v)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&cookie),
        ) {
            res.append_header(SET_COOKIE, v);
        }
    }

    pub async fn set_language(language: &str) -> AppResult<()> {
        if !account::is_language(language) {
            return Err(AppError::field("language", "language_invalid"));
        }
        if let Some(user) = guard::current_user().await? {
            db::users::set_language(&guard::state()?.db, user.id, language).await?;
        }
        set_language_cookie(language);
        Ok(())
    }
}

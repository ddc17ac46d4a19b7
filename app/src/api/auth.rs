//! Sign-up, sign-in, sign-out and the language preference: the doors of
//! [`crate::ops::auth`], with what is the session's.
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
) -> Result<crate::domain::account::SignInStep, AppError> {
    use crate::api::respond::{finish_form, safe_next, urlencode};
    use crate::domain::account::SignInStep;
    let back = match next.as_deref().and_then(safe_next) {
        Some(n) => format!("/sign-in?next={}", urlencode(&n)),
        None => "/sign-in".to_owned(),
    };
    let result = session::sign_in(&email, &password).await;
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
    let result = session::sign_up(crate::ops::auth::SignUp {
        account_type,
        display_name,
        email,
        password,
        company_name,
        country_code,
        language,
        address: String::new(),
    })
    .await;
    crate::api::respond::remember_on_error(&result, "/sign-up", keep).await;
    crate::api::respond::finish_form(result, |_| "/sign-up/sent".into(), "/sign-up")
}

#[server(endpoint = "prefs/language")]
pub async fn set_language(language: String, next: Option<String>) -> Result<(), AppError> {
    use crate::api::respond::{finish_form, safe_next};
    let back = next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or_else(|| "/".into());
    let result = session::set_language(&language).await;
    finish_form(result, |_| back.clone(), &back)
}

/// What is the session's: starting it, the second step, the language cookie.
#[cfg(feature = "ssr")]
pub mod session {
    use http::header::SET_COOKIE;
    use http::HeaderValue;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use super::LANGUAGE_COOKIE;
    use crate::api::account::session::{self as two_factor, Purpose};
    use crate::api::guard::{self, door};
    use crate::domain::account::SignInStep;
    use crate::error::AppResult;
    use crate::ops::auth::{self, SignIn, SignUp};

    /// The client's address, for per-address throttling
    /// ([`crate::domain::throttle::client_address`]).
    async fn client_address(config: &crate::config::Config) -> String {
        let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .ok()
            .map(|ci| ci.0.ip());
        let headers = use_context::<http::request::Parts>().map(|p| p.headers);
        let forwarded: Vec<&str> = headers
            .iter()
            .flat_map(|h| h.get_all("x-forwarded-for"))
            .filter_map(|v| v.to_str().ok())
            .collect();
        crate::domain::throttle::client_address(
            peer,
            &forwarded,
            config.trust_proxy,
            &config.trusted_proxies,
        )
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
    }

    pub async fn sign_in(email: &str, password: &str) -> AppResult<SignInStep> {
        let (state, caller) = door().await?;
        let address = client_address(&state.config).await;
        let v = auth::sign_in(
            &state,
            &caller,
            SignIn {
                email,
                password,
                address: &address,
            },
        )
        .await?;
        if let Some(lang) = v.language.as_deref() {
            set_language_cookie(lang);
        }
        match v.next {
            SignInStep::Code => two_factor::begin_pending(v.user_id, v.role, Purpose::Code).await?,
            SignInStep::Enrol => {
                two_factor::begin_pending(v.user_id, v.role, Purpose::Enrol).await?
            }
            SignInStep::Done => guard::start_session(v.user_id, v.role).await?,
        }
        Ok(v.next)
    }

    pub async fn sign_up(mut input: SignUp) -> AppResult<()> {
        let (state, caller) = door().await?;
        input.address = client_address(&state.config).await;
        auth::sign_up(&state, &caller, input).await
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
        let (state, caller) = door().await?;
        auth::set_language(&state, &caller, language).await?;
        set_language_cookie(language);
        Ok(())
    }
}

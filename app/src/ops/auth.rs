//! Sign-up and sign-in: the checks and the writes. The doors keep what is
//! the session's (starting it, the second step waiting in it, the language
//! cookie).
use crate::db::{self, throttle};
use crate::domain::account::{self, Role, SignInStep};
use crate::domain::org::CountryCode;
use crate::domain::throttle::remaining_secs;
use crate::domain::FieldError;
use crate::error::{AppError, AppResult, OrInternal};
use crate::jobs::{self, Job};
use crate::mail::AccountEmail;
use crate::ops::Caller;
use crate::password;
use crate::state::AppState;

/// Failures older than this are forgotten.
const FORGET_AFTER: time::Duration = time::Duration::hours(24);

/// Seconds a subject with these failures must still wait (0: none).
fn wait_after(seen: Option<throttle::Failures>, max: i64, base: i64, cap: i64) -> i64 {
    seen.map_or(0, |f| {
        remaining_secs(
            f.failures,
            f.last_failed_at.unix_timestamp(),
            db::now().unix_timestamp(),
            max,
            base,
            cap,
        )
    })
}

/// A throttled subject (`account:…`, `address:…`, `code:…`) and the
/// failures it may have before it waits.
pub(crate) struct Limit {
    pub subject: String,
    pub max_failures: i64,
}

/// Counts an attempt (a password, a second-step code) as a failure of each
/// subject *before* it is checked, or answers how long to wait. Counting
/// first, each count one compare-and-swap, is what stops a burst: thirty
/// parallel guesses cannot all be checked before the first failure is on
/// record; at most `max_failures` are, and the rest wait. A right answer
/// takes its counts back ([`throttle::clear`] or [`throttle::uncount`]).
pub(crate) async fn count_attempt(state: &AppState, limits: &[Limit]) -> AppResult<()> {
    let cfg = &state.config;
    let db = &state.db;
    let forget = db::now() - FORGET_AFTER;
    let mut counted: Vec<&str> = Vec::new();
    let mut wait = 0;
    'limits: for limit in limits {
        // Another attempt counting at the same moment makes this one read
        // again; a subject that keeps changing under it is being hammered.
        for _ in 0..20 {
            let seen = throttle::get(db, &limit.subject).await?;
            wait = wait_after(
                seen,
                limit.max_failures,
                cfg.throttle_base_secs,
                cfg.throttle_max_secs,
            );
            if wait > 0 {
                break 'limits;
            }
            let failures = seen.map(|f| f.failures);
            if throttle::count_if_unchanged(db, &limit.subject, failures, forget).await? {
                counted.push(&limit.subject);
                continue 'limits;
            }
        }
        wait = cfg.throttle_base_secs.max(1);
        break;
    }
    if wait == 0 {
        return Ok(());
    }
    for subject in counted {
        throttle::uncount(db, subject).await?;
    }
    Err(AppError::Throttled {
        retry_after_secs: wait,
    })
}

/// What a sign-in form sends, with the client's address (for throttling).
pub struct SignIn<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub address: &'a str,
}

/// A right password: whose, and what comes next.
#[derive(Debug, Clone)]
pub struct Verified {
    pub user_id: i64,
    pub role: Role,
    /// The account's language, for the language cookie.
    pub language: Option<String>,
    pub next: SignInStep,
}

/// Checks an e-mail and password, throttled per address and per account
/// (an unknown e-mail is throttled exactly like a real one and reveals
/// nothing). The door starts the session, or keeps the second step waiting.
pub async fn sign_in(state: &AppState, _caller: &Caller, input: SignIn<'_>) -> AppResult<Verified> {
    let cfg = &state.config;
    let db = &state.db;
    let email = input.email.trim().to_lowercase();
    let mut missing = Vec::new();
    if email.is_empty() {
        missing.push(FieldError::new("email", "required"));
    }
    if input.password.is_empty() {
        missing.push(FieldError::new("password", "required"));
    }
    if !missing.is_empty() {
        return Err(AppError::validation(missing));
    }
    let address = throttle::address(input.address);
    let account = throttle::account(&email);
    let limits = [
        Limit {
            subject: address.clone(),
            max_failures: cfg.address_max_failures,
        },
        Limit {
            subject: account.clone(),
            max_failures: cfg.account_max_failures,
        },
    ];
    if let Err(e) = count_attempt(state, &limits).await {
        tracing::warn!(%address, "sign-in throttled");
        return Err(e);
    }

    let creds = db::users::credentials_by_email(db, &email).await?;
    let ok = password::verify(
        input.password.to_owned(),
        creds.as_ref().map(|c| c.password_hash.clone()),
    )
    .await?;
    let creds = match creds {
        Some(c) if ok => c,
        _ => {
            // Already counted.
            tracing::info!(%address, "sign-in failed");
            return Err(AppError::BadCredentials);
        }
    };
    // The right password: its counts are taken back.
    throttle::uncount(db, &address).await?;
    if creds.disabled {
        throttle::uncount(db, &account).await?;
        return Err(AppError::AccountDisabled);
    }
    throttle::clear(db, &account).await?;
    let role: Role = creds
        .role
        .parse::<Role>()
        .or_internal("stored role unknown")?;
    // The second step, when the account has one or its role must.
    let next = if db::users::totp_state(db, creds.id).await?.enabled {
        SignInStep::Code
    } else if role.is_staff() && cfg.staff_two_factor {
        SignInStep::Enrol
    } else {
        tracing::info!(user = creds.id, %role, "signed in");
        SignInStep::Done
    };
    Ok(Verified {
        user_id: creds.id,
        role,
        language: creds.language,
        next,
    })
}

pub struct SignUp {
    pub account_type: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
    pub company_name: Option<String>,
    pub country_code: Option<String>,
    pub language: Option<String>,
    /// The client's address (sign-ups are rate-limited per address).
    pub address: String,
}

/// Makes a merchant (with its company) or recipient account and queues the
/// confirmation e-mail. An address that has an account already gets an
/// e-mail saying so, and nothing is made; the answer is the same either way
/// (with the same work: the password is hashed in both), so the page does
/// not tell who has an account. The account signs in once it wishes.
pub async fn sign_up(state: &AppState, _caller: &Caller, input: SignUp) -> AppResult<()> {
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
    let _ = password::check_new(
        &input.password,
        &[input.email.as_str(), input.display_name.as_str()],
    )
    .map_err(|e| errors.push(e));
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
    let (Some(role), Some(name), Some(email), true) = (role, name, email, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    // Every sign-up counts against its address: a few, then a growing wait.
    count_attempt(
        state,
        &[Limit {
            subject: format!("signup:{}", throttle::address(&input.address)),
            max_failures: state.config.signup_address_max,
        }],
    )
    .await?;
    let hash = password::hash(input.password).await?;
    if let Some(existing) = db::users::mail_target_by_email(&state.db, &email).await? {
        let mut tx = state.db.begin().await?;
        jobs::enqueue(
            &mut tx,
            state,
            &Job::AccountEmail(AccountEmail::AccountExists {
                user_id: existing.id,
            }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = existing.id, "sign-up with the address of an account");
        return Ok(());
    }

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
    .await;
    let id = match id {
        Ok(id) => id,
        // Another sign-up with this address won the race: the same answer
        // (the transaction rolls back).
        Err(AppError::Validation { errors }) if errors.iter().any(|e| e.code == "email_taken") => {
            tracing::info!("sign-up raced another with the same address");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    // The confirmation e-mail goes out if, and only if, the account exists.
    jobs::enqueue(
        &mut tx,
        state,
        &Job::AccountEmail(AccountEmail::VerifyEmail { user_id: id }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user = id, %role, "signed up");
    Ok(())
}

/// Checks a language and keeps it as the signed-in account's (anyone may
/// choose one: the door sets the cookie).
pub async fn set_language(state: &AppState, caller: &Caller, language: &str) -> AppResult<()> {
    if !account::is_language(language) {
        return Err(AppError::field("language", "language_invalid"));
    }
    if let Some(user) = caller.user() {
        db::users::set_language(&state.db, user.id, language).await?;
    }
    Ok(())
}

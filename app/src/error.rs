//! One error type for every server function, page and handler. It is
//! serialisable so it crosses the server-function boundary intact.
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::domain::FieldError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// Nobody is signed in (or the session ended).
    #[error("sign-in required")]
    Unauthorized,
    /// Signed in, but this role or scope may not do that.
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Input that breaks a rule; every problem at once, each naming its field.
    #[error("invalid input")]
    Validation { errors: Vec<FieldError> },
    /// E-mail and password do not match an active account (deliberately vague).
    #[error("e-mail or password is wrong")]
    BadCredentials,
    #[error("this account is disabled")]
    AccountDisabled,
    /// The account's e-mail address is not confirmed yet.
    #[error("confirm your e-mail address first")]
    EmailUnverified,
    /// Too many failed attempts; try again after the given number of seconds.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    /// A state change that conflicts with the current state.
    #[error("conflict: {code}")]
    Conflict { code: String },
    /// Something failed on our side; details are in the server log only.
    #[error("internal error")]
    Internal,
    /// Transport-level failure of a server function call.
    #[error("request failed: {message}")]
    Transport { message: String },
}

impl AppError {
    pub fn field(field: &str, code: &str) -> Self {
        AppError::Validation {
            errors: vec![FieldError::new(field, code)],
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        AppError::Validation { errors }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::Forbidden | AppError::AccountDisabled | AppError::EmailUnverified => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } => 409,
            AppError::Validation { .. } => 422,
            AppError::Throttled { .. } => 429,
            AppError::Internal => 500,
            AppError::Transport { .. } => 502,
        }
    }

    /// The short code a page uses to pick its translated message.
    pub fn code(&self) -> String {
        match self {
            AppError::Unauthorized => "unauthorized".into(),
            AppError::Forbidden => "forbidden".into(),
            AppError::NotFound => "not_found".into(),
            AppError::Validation { errors } => errors
                .iter()
                .map(|e| format!("{}.{}", e.field, e.code))
                .collect::<Vec<_>>()
                .join(","),
            AppError::BadCredentials => "bad_credentials".into(),
            AppError::AccountDisabled => "account_disabled".into(),
            AppError::EmailUnverified => "email_unverified".into(),
            AppError::Throttled { .. } => "throttled".into(),
            AppError::Conflict { code } => code.clone(),
            AppError::Internal | AppError::Transport { .. } => "internal".into(),
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Validation { errors: vec![e] }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Bad or missing form fields are the caller's mistake, not ours.
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => AppError::Validation {
                errors: vec![FieldError::new("request", &format!("bad_arguments: {m}"))],
            },
            other => AppError::Transport {
                message: other.to_string(),
            },
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "database error");
        AppError::Internal
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Turns a failure that is ours (a broken invariant, a corrupt stored value,
/// a poisoned lock) into [`AppError::Internal`], logging what was being done,
/// where, and the underlying error: the caller learns only "internal", the
/// log keeps the context.
#[cfg(feature = "ssr")]
pub trait OrInternal<T> {
    fn or_internal(self, context: &str) -> AppResult<T>;
}

#[cfg(feature = "ssr")]
impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    #[track_caller]
    fn or_internal(self, context: &str) -> AppResult<T> {
        let at = std::panic::Location::caller();
        self.map_err(|e| {
            tracing::error!(error = %e, at = %at, "{context}");
            AppError::Internal
        })
    }
}

#[cfg(feature = "ssr")]
impl<T> OrInternal<T> for Option<T> {
    #[track_caller]
    fn or_internal(self, context: &str) -> AppResult<T> {
        let at = std::panic::Location::caller();
        self.ok_or_else(|| {
            tracing::error!(at = %at, "{context}");
            AppError::Internal
        })
    }
}

impl From<crate::domain::parcel::Refused> for AppError {
    /// A state move the parcel's current state does not allow: a conflict
    /// naming the dimension and both states (`state_refused:customs:held:released`).
    fn from(r: crate::domain::parcel::Refused) -> Self {
        AppError::Conflict {
            code: format!(
                "state_refused:{}:{}:{}",
                r.dimension.replace(' ', "_"),
                r.from,
                r.to
            ),
        }
    }
}

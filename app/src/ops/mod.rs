//! The operations, one module per area: every thing a caller can do is one
//! async fn taking `(&AppState, &Caller, input)`. It checks the caller's role
//! **and scope** itself, validates, and runs one transaction. The doors (the
//! `#[server]` functions of `api/`, the REST handlers of `api/rest.rs`, the
//! job runner) only find the caller and call these, so authorisation and
//! validation are written once.
use crate::domain::account::{CurrentUser, Role};
use crate::error::{AppError, AppResult};

pub mod account;
pub mod admin;
pub mod apikeys;
pub mod audit;
pub mod auth;
pub mod company;
pub mod customs;
pub mod declarations;
pub mod documents;
pub mod jobs;
pub mod rates;
pub mod routing;
pub mod uploads;

/// Through which door a call came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A signed-in session (pages, forms, server functions).
    Session,
    /// An organisation's API key, acting as the account that made it.
    ApiKey { key_id: i64 },
    /// A background job, acting as the account that queued it.
    Job { job_id: i64 },
}

/// Who is calling an operation: the account (if anyone is signed in) and the
/// door. Operations ask it for the role and scope they need.
#[derive(Debug, Clone)]
pub struct Caller {
    user: Option<CurrentUser>,
    pub via: Via,
}

impl Caller {
    /// A session's caller: `None` when nobody is signed in.
    pub fn session(user: Option<CurrentUser>) -> Self {
        Caller {
            user,
            via: Via::Session,
        }
    }

    pub fn api_key(user: CurrentUser, key_id: i64) -> Self {
        Caller {
            user: Some(user),
            via: Via::ApiKey { key_id },
        }
    }

    pub fn job(user: CurrentUser, job_id: i64) -> Self {
        Caller {
            user: Some(user),
            via: Via::Job { job_id },
        }
    }

    /// The account, if anyone is signed in.
    pub fn user(&self) -> Option<&CurrentUser> {
        self.user.as_ref()
    }

    /// The signed-in account, or 401.
    pub fn signed_in(&self) -> AppResult<&CurrentUser> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }

    /// The account if its role is one of `allowed`: 401 when nobody is
    /// signed in, 403 for another role. Scope is checked by the operation
    /// with the account returned.
    pub fn require(&self, allowed: &[Role]) -> AppResult<&CurrentUser> {
        let user = self.signed_in()?;
        if allowed.contains(&user.role) {
            Ok(user)
        } else {
            tracing::warn!(user = user.id, role = %user.role, via = ?self.via, "refused by role");
            Err(AppError::Forbidden)
        }
    }

    /// A merchant and its company's id.
    pub fn merchant(&self) -> AppResult<(&CurrentUser, i64)> {
        let user = self.require(&[Role::Merchant])?;
        let company = user.organisation_id.ok_or(AppError::Forbidden)?;
        Ok((user, company))
    }

    /// A merchant whose e-mail address is confirmed (to submit or pay).
    pub fn verified_merchant(&self) -> AppResult<(&CurrentUser, i64)> {
        let (user, company) = self.merchant()?;
        if !user.email_verified {
            return Err(AppError::EmailUnverified);
        }
        Ok((user, company))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, org: Option<i64>, email_verified: bool) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "a@example.test".into(),
            display_name: "A".into(),
            role,
            organisation_id: org,
            organisation_name: None,
            office_id: None,
            office_name: None,
            country_code: None,
            language: None,
            email_verified,
            two_factor: false,
            session_generation: 0,
        }
    }

    #[test]
    fn nobody_is_401_another_role_403() {
        assert_eq!(
            Caller::session(None).require(&[Role::Admin]).unwrap_err(),
            AppError::Unauthorized
        );
        let clerk = Caller::session(Some(user(Role::PostalClerk, Some(3), true)));
        assert_eq!(
            clerk.require(&[Role::Admin]).unwrap_err(),
            AppError::Forbidden
        );
        assert_eq!(clerk.require(&[Role::PostalClerk]).unwrap().id, 1);
    }

    #[test]
    fn a_merchant_needs_a_company_and_a_confirmed_address_to_submit() {
        let loose = Caller::session(Some(user(Role::Merchant, None, true)));
        assert_eq!(loose.merchant().unwrap_err(), AppError::Forbidden);
        let unconfirmed = Caller::api_key(user(Role::Merchant, Some(7), false), 9);
        assert_eq!(unconfirmed.merchant().unwrap().1, 7);
        let refused = unconfirmed.verified_merchant().unwrap_err();
        assert_eq!(refused, AppError::EmailUnverified);
        assert_eq!(refused.status(), 403);
        let ok = Caller::job(user(Role::Merchant, Some(7), true), 4);
        assert_eq!(ok.verified_merchant().unwrap().1, 7);
    }
}

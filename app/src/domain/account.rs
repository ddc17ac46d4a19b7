//! Roles, accounts and the rules about who may create whom.
use super::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The six roles of the portal (ARCHITECTURE.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Merchant,
    Recipient,
    PostalClerk,
    CustomsOfficer,
    CustomsSupervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Merchant,
        Role::Recipient,
        Role::PostalClerk,
        Role::CustomsOfficer,
        Role::CustomsSupervisor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Merchant => "merchant",
            Role::Recipient => "recipient",
            Role::PostalClerk => "postal_clerk",
            Role::CustomsOfficer => "customs_officer",
            Role::CustomsSupervisor => "customs_supervisor",
            Role::Admin => "admin",
        }
    }

    /// Staff work in the back office: shorter sessions, accounts made by an admin.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Merchant | Role::Recipient)
    }

    /// The kind of organisation an account of this role belongs to, if any.
    pub fn organisation_kind(self) -> Option<OrgKind> {
        match self {
            Role::Merchant => Some(OrgKind::Company),
            Role::PostalClerk => Some(OrgKind::Post),
            Role::CustomsOfficer | Role::CustomsSupervisor => Some(OrgKind::Customs),
            Role::Recipient | Role::Admin => None,
        }
    }

    /// Roles whose accounts work at one office of their organisation.
    pub fn needs_office(self) -> bool {
        matches!(self, Role::PostalClerk | Role::CustomsOfficer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}`"))
    }
}

pub use super::org::OrgKind;

/// Who is signed in, as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub office_id: Option<i64>,
    pub office_name: Option<String>,
    pub country_code: Option<String>,
    pub language: Option<String>,
    /// The e-mail address was confirmed (needed to submit and to pay).
    pub email_verified: bool,
    /// Signs in with an authenticator code as well as the password.
    pub two_factor: bool,
    /// The server's check that the session is still valid; not sent to pages.
    #[serde(skip)]
    pub session_generation: i64,
}

/// One row of the admin's user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub organisation_name: Option<String>,
    pub office_name: Option<String>,
    pub country_code: Option<String>,
    pub disabled: bool,
    /// Signs in with an authenticator code too.
    pub two_factor: bool,
    /// Seconds the account stays throttled (0 when it is not).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub locked_secs: i64,
}

/// Languages the portal speaks; the first is the default.
pub const LANGUAGES: [&str; 2] = ["en", "fr"];

pub fn is_language(code: &str) -> bool {
    LANGUAGES.contains(&code)
}

/// Minimum length follows NIST SP 800-63B for user-chosen secrets.
pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 128;

/// Trims and lower-cases an e-mail address and checks its shape
/// (one `@`, a dot in the domain, no spaces); delivery proves the rest.
pub fn normalise_email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if email.is_empty() {
        Err(FieldError::new("email", "required"))
    } else if valid {
        Ok(email)
    } else {
        Err(FieldError::new("email", "email_invalid"))
    }
}

pub fn check_password(password: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        Err(FieldError::new("password", "password_too_short"))
    } else if len > MAX_PASSWORD_LEN {
        Err(FieldError::new("password", "password_too_long"))
    } else {
        Ok(())
    }
}

pub fn check_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() {
        Err(FieldError::new(field, "required"))
    } else if name.chars().count() > 200 {
        Err(FieldError::new(field, "too_long"))
    } else {
        Ok(name.to_owned())
    }
}

/// What a self sign-up asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignUpKind {
    Merchant,
    Recipient,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn staff_roles() {
        assert!(!Role::Merchant.is_staff());
        assert!(!Role::Recipient.is_staff());
        assert!(Role::PostalClerk.is_staff());
        assert!(Role::Admin.is_staff());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email("  Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        assert_eq!(normalise_email("").unwrap_err().code, "required");
        for bad in [
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
            "ana@.com",
        ] {
            assert_eq!(
                normalise_email(bad).unwrap_err().code,
                "email_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_have_a_length_window() {
        assert_eq!(
            check_password("short").unwrap_err().code,
            "password_too_short"
        );
        assert!(check_password("correct horse battery").is_ok());
        assert_eq!(
            check_password(&"x".repeat(129)).unwrap_err().code,
            "password_too_long"
        );
    }
}

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

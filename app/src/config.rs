//! Configuration from the environment, each with a working default
//! (`.env.example` lists and explains them).
use std::env;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// The key development uses when `SECRETS_KEY` is unset: published (it is
/// in the source), so production never takes it.
fn dev_secrets_key() -> &'static crate::secrets::SecretsKey {
    static KEY: std::sync::OnceLock<crate::secrets::SecretsKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        crate::secrets::SecretsKey::from_hex(
            "706f7374636c6561722d646576656c6f706d656e742d6f6e6c792d6b65792121",
        )
        .expect("the development key is 64 hex digits")
    })
}

impl AppEnv {
    /// `APP_ENV`: production unless development is asked for, so demo data
    /// and plain-http cookies are only ever a choice (`make run` makes it).
    pub fn parse(value: Option<&str>) -> Result<AppEnv, ConfigError> {
        match value {
            Some("development") => Ok(AppEnv::Development),
            None | Some("production") => Ok(AppEnv::Production),
            Some(other) => Err(ConfigError(format!(
                "APP_ENV={other:?}: use development or production"
            ))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub database_url: String,
    /// Seconds of inactivity after which a staff session ends.
    pub staff_session_idle_secs: i64,
    /// Seconds of inactivity after which a merchant's session ends.
    pub merchant_session_idle_secs: i64,
    /// Seconds of inactivity after which a recipient's session ends.
    pub public_session_idle_secs: i64,
    /// Seconds after sign-in after which any session ends, active or not.
    pub session_absolute_secs: i64,
    /// Set the `Secure` flag on cookies (on when `PUBLIC_URL` is https).
    pub secure_cookies: bool,
    /// Failed sign-ins on one account before it is throttled.
    pub account_max_failures: i64,
    /// Failed sign-ins from one client address before it is throttled.
    pub address_max_failures: i64,
    /// Sign-ups from one address before it waits (`SIGNUP_ADDRESS_MAX`).
    pub signup_address_max: i64,
    /// Confirmation e-mails an account may ask for before it waits
    /// (`RESEND_MAX`).
    pub resend_max: i64,
    /// First delay once throttled, doubled at each further failure.
    pub throttle_base_secs: i64,
    pub throttle_max_secs: i64,
    /// Trust `X-Forwarded-For` for the client address (only behind a proxy):
    /// the rightmost hop that is not one of `trusted_proxies`.
    pub trust_proxy: bool,
    /// Addresses of our own proxies behind the first one (a load balancer
    /// behind a CDN, say), skipped from the right of `X-Forwarded-For`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub db_max_connections: u32,
    /// Address of the portal as users reach it; links in e-mails start with it.
    pub public_url: String,
    /// `smtp://` or `smtps://` URL of the mail relay; unset: e-mails are
    /// written as `.eml` files to `mail_outbox_dir`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub mail_outbox_dir: std::path::PathBuf,
    /// Run the background job runner in this process.
    pub run_jobs: bool,
    /// How often an idle runner looks for due jobs.
    pub job_poll_ms: u64,
    /// How long a claimed job is reserved for its runner before another may
    /// take it over (a runner that died mid-job).
    pub job_lease_secs: i64,
    /// Attempts before a job is dead-lettered.
    pub job_max_attempts: i32,
    /// First retry delay, doubled at each further failure (capped at an hour).
    pub job_backoff_base_secs: i64,
    /// Postal, customs and admin accounts must sign in with a second factor.
    pub staff_two_factor: bool,
    /// Demo staff accounts come with the published demo authenticator secret.
    pub demo_two_factor: bool,
    /// With the demo accounts, a few hundred demo parcels (`DEMO_PARCELS`).
    pub demo_parcels: bool,
    /// Seals authenticator secrets and keys recovery-code hashes
    /// (`SECRETS_KEY`, 64 hex digits; see [`Config::secrets_key`]).
    pub secrets_key: Option<crate::secrets::SecretsKey>,
    /// The swagger-ui-dist package served with the API reference.
    pub api_docs_dir: std::path::PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name}={v:?} is not a valid value"))),
    }
}

fn parse_bool(name: &str, default: bool) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(ConfigError(format!("{name}={v:?} must be true or false"))),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let app_env = AppEnv::parse(var("APP_ENV").as_deref())?;
        let public_url = var("PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        Ok(Config {
            app_env,
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/postclear.db".into()),
            staff_session_idle_secs: parse("STAFF_SESSION_IDLE_SECS", 30 * 60)?,
            merchant_session_idle_secs: parse("MERCHANT_SESSION_IDLE_SECS", 3600)?,
            public_session_idle_secs: parse("PUBLIC_SESSION_IDLE_SECS", 7 * 24 * 3600)?,
            session_absolute_secs: parse("SESSION_ABSOLUTE_SECS", 12 * 3600)?,
            secure_cookies: parse_bool("SECURE_COOKIES", public_url.starts_with("https://"))?,
            account_max_failures: parse("SIGNIN_ACCOUNT_MAX_FAILURES", 5)?,
            address_max_failures: parse("SIGNIN_ADDRESS_MAX_FAILURES", 50)?,
            signup_address_max: parse("SIGNUP_ADDRESS_MAX", 10)?,
            resend_max: parse("RESEND_MAX", 3)?,
            throttle_base_secs: parse("SIGNIN_THROTTLE_BASE_SECS", 30)?,
            throttle_max_secs: parse("SIGNIN_THROTTLE_MAX_SECS", 3600)?,
            trust_proxy: parse_bool("TRUST_PROXY", false)?,
            trusted_proxies: var("TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|_| {
                        ConfigError(format!("TRUSTED_PROXIES: {a:?} is not an IP address"))
                    })
                })
                .collect::<Result<_, _>>()?,
            db_max_connections: parse("DB_MAX_CONNECTIONS", 10)?,
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM")
                .unwrap_or_else(|| "Postclear <no-reply@postclear.test>".into()),
            mail_outbox_dir: var("MAIL_OUTBOX_DIR")
                .unwrap_or_else(|| "data/outbox".into())
                .into(),
            run_jobs: parse_bool("RUN_JOBS", true)?,
            job_poll_ms: parse("JOB_POLL_MS", 1000)?,
            job_lease_secs: parse("JOB_LEASE_SECS", 300)?,
            job_max_attempts: parse("JOB_MAX_ATTEMPTS", 8)?,
            job_backoff_base_secs: parse("JOB_BACKOFF_BASE_SECS", 30)?,
            staff_two_factor: match var("STAFF_TWO_FACTOR").as_deref() {
                None | Some("required") => true,
                Some("optional") => false,
                Some(other) => {
                    return Err(ConfigError(format!(
                        "STAFF_TWO_FACTOR={other:?}: use required or optional"
                    )))
                }
            },
            demo_two_factor: parse_bool("DEMO_TWO_FACTOR", true)?,
            demo_parcels: parse_bool("DEMO_PARCELS", true)?,
            secrets_key: match var("SECRETS_KEY") {
                Some(hex) => Some(crate::secrets::SecretsKey::from_hex(&hex).ok_or_else(|| {
                    ConfigError("SECRETS_KEY must be 64 hex digits (32 bytes)".into())
                })?),
                None => None,
            },
            api_docs_dir: var("API_DOCS_DIR")
                .unwrap_or_else(|| "vendor/node_modules/swagger-ui-dist".into())
                .into(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
        .and_then(Config::checked)
    }

    /// Refuses settings that are unsafe together: production must be
    /// reached over https with `Secure` cookies (a session cookie sent in
    /// clear text can be stolen on any network on the way).
    pub fn checked(self) -> Result<Self, ConfigError> {
        if self.app_env == AppEnv::Production {
            if !self.public_url.starts_with("https://") {
                return Err(ConfigError(format!(
                    "APP_ENV=production needs PUBLIC_URL to be an https:// address (it is {:?})",
                    self.public_url
                )));
            }
            if !self.secure_cookies {
                return Err(ConfigError(
                    "APP_ENV=production needs secure cookies: remove SECURE_COOKIES=false".into(),
                ));
            }
            if self.secrets_key.is_none() {
                return Err(ConfigError(
                    "APP_ENV=production needs SECRETS_KEY (64 hex digits, e.g. `openssl rand -hex 32`): it seals authenticator secrets and keys recovery codes".into(),
                ));
            }
        }
        Ok(self)
    }

    /// The settings tests start from: development, a given database.
    pub fn for_tests(database_url: &str) -> Self {
        Config {
            app_env: AppEnv::Development,
            database_url: database_url.to_owned(),
            staff_session_idle_secs: 30 * 60,
            merchant_session_idle_secs: 3600,
            public_session_idle_secs: 7 * 24 * 3600,
            session_absolute_secs: 12 * 3600,
            secure_cookies: false,
            account_max_failures: 5,
            address_max_failures: 50,
            signup_address_max: 10,
            resend_max: 3,
            throttle_base_secs: 30,
            throttle_max_secs: 3600,
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            db_max_connections: 5,
            public_url: "http://127.0.0.1:3000".into(),
            smtp_url: None,
            mail_from: "Postclear <no-reply@postclear.test>".into(),
            mail_outbox_dir: std::env::temp_dir().join("postclear-tests").join(format!(
                "outbox-{}",
                database_url
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or("db")
                    .replace('.', "-")
            )),
            run_jobs: true,
            job_poll_ms: 50,
            job_lease_secs: 300,
            job_max_attempts: 8,
            job_backoff_base_secs: 30,
            staff_two_factor: false,
            demo_two_factor: false,
            demo_parcels: false,
            secrets_key: None,
            api_docs_dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../vendor/node_modules/swagger-ui-dist"),
        }
    }

    /// The key of secrets at rest: `SECRETS_KEY`, else (development only:
    /// [`Config::checked`] refuses production without one) the published
    /// development key.
    pub fn secrets_key(&self) -> &crate::secrets::SecretsKey {
        self.secrets_key
            .as_ref()
            .unwrap_or_else(|| dev_secrets_key())
    }

    /// Seconds of inactivity after which a session of `role` ends (never
    /// more than the absolute lifetime).
    pub fn session_idle_secs(&self, role: crate::domain::account::Role) -> i64 {
        use crate::domain::account::Role;
        let idle = match role {
            Role::Merchant => self.merchant_session_idle_secs,
            Role::Recipient => self.public_session_idle_secs,
            _ => self.staff_session_idle_secs,
        };
        idle.min(self.session_absolute_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_app_env_is_production() {
        assert_eq!(AppEnv::parse(None).unwrap(), AppEnv::Production);
        assert_eq!(
            AppEnv::parse(Some("development")).unwrap(),
            AppEnv::Development
        );
        assert!(AppEnv::parse(Some("dev")).is_err());
    }

    #[test]
    fn production_refuses_to_start_without_https_cookies() {
        let dev = Config::for_tests("sqlite::memory:");
        assert!(dev.clone().checked().is_ok(), "development over http");
        let mut prod = dev.clone();
        prod.app_env = AppEnv::Production;
        let e = prod.clone().checked().unwrap_err();
        assert!(e.0.contains("PUBLIC_URL"), "{e}");
        prod.public_url = "https://postclear.example".into();
        let e = prod.clone().checked().unwrap_err();
        assert!(e.0.contains("SECURE_COOKIES"), "{e}");
        prod.secure_cookies = true;
        let e = prod.clone().checked().unwrap_err();
        assert!(e.0.contains("SECRETS_KEY"), "{e}");
        prod.secrets_key = crate::secrets::SecretsKey::from_hex(&"ab".repeat(32));
        assert!(prod.checked().is_ok());
    }

    #[test]
    fn idle_times_by_role_never_outlast_the_absolute_lifetime() {
        use crate::domain::account::Role;
        let c = Config::for_tests("sqlite::memory:");
        // ASVS 4.0 3.3.2 (L2): 30 minutes for staff, an hour for merchants by
        // default; recipients' week is cut to the 12-hour lifetime.
        assert_eq!(c.session_idle_secs(Role::CustomsOfficer), 30 * 60);
        assert_eq!(c.session_idle_secs(Role::Admin), 30 * 60);
        assert_eq!(c.session_idle_secs(Role::Merchant), 60 * 60);
        assert_eq!(c.session_idle_secs(Role::Recipient), 12 * 60 * 60);
    }
}

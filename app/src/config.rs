//! Configuration from the environment, each with a working default
//! (`.env.example` lists and explains them).
use std::env;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub app_env: AppEnv,
    pub database_url: String,
    /// Seconds of inactivity after which a staff session ends.
    pub staff_session_idle_secs: i64,
    /// Seconds of inactivity after which a merchant's or recipient's session ends.
    pub public_session_idle_secs: i64,
    /// Set the `Secure` flag on cookies (on when `PUBLIC_URL` is https).
    pub secure_cookies: bool,
    /// Failed sign-ins on one account before it is throttled.
    pub account_max_failures: i64,
    /// Failed sign-ins from one client address before it is throttled.
    pub address_max_failures: i64,
    /// First delay once throttled, doubled at each further failure.
    pub throttle_base_secs: i64,
    pub throttle_max_secs: i64,
    /// Trust `X-Forwarded-For` for the client address (only behind a proxy).
    pub trust_proxy: bool,
    pub db_max_connections: u32,
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
        let app_env = match var("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => {
                return Err(ConfigError(format!(
                    "APP_ENV={other:?}: use development or production"
                )))
            }
        };
        let public_url = var("PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".into());
        Ok(Config {
            app_env,
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/postclear.db".into()),
            staff_session_idle_secs: parse("STAFF_SESSION_IDLE_SECS", 30 * 60)?,
            public_session_idle_secs: parse("PUBLIC_SESSION_IDLE_SECS", 7 * 24 * 3600)?,
            secure_cookies: parse_bool("SECURE_COOKIES", public_url.starts_with("https://"))?,
            account_max_failures: parse("SIGNIN_ACCOUNT_MAX_FAILURES", 5)?,
            address_max_failures: parse("SIGNIN_ADDRESS_MAX_FAILURES", 50)?,
            throttle_base_secs: parse("SIGNIN_THROTTLE_BASE_SECS", 30)?,
            throttle_max_secs: parse("SIGNIN_THROTTLE_MAX_SECS", 3600)?,
            trust_proxy: parse_bool("TRUST_PROXY", false)?,
            db_max_connections: parse("DB_MAX_CONNECTIONS", 10)?,
        })
    }

    /// The settings tests start from: development, a given database.
    pub fn for_tests(database_url: &str) -> Self {
        Config {
            app_env: AppEnv::Development,
            database_url: database_url.to_owned(),
            staff_session_idle_secs: 30 * 60,
            public_session_idle_secs: 7 * 24 * 3600,
            secure_cookies: false,
            account_max_failures: 5,
            address_max_failures: 50,
            throttle_base_secs: 30,
            throttle_max_secs: 3600,
            trust_proxy: false,
            db_max_connections: 5,
        }
    }

    pub fn session_idle_secs(&self, staff: bool) -> i64 {
        if staff {
            self.staff_session_idle_secs
        } else {
            self.public_session_idle_secs
        }
    }
}

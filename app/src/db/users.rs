//! Accounts.
use super::{is_unique_violation, now, on_db, on_tx, one_row, Db, Tx};
pub use crate::domain::account::UserSummary;
use crate::domain::account::{CurrentUser, Role};
use crate::domain::FieldError;
use crate::error::{AppError, AppResult};

/// What sign-in needs to know about an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub language: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct CurrentRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    office_id: Option<i64>,
    office_name: Option<String>,
    country_code: Option<String>,
    language: Option<String>,
    disabled: bool,
    email_verified: bool,
    two_factor: bool,
    session_generation: i64,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub office_id: Option<i64>,
    pub language: Option<&'a str>,
    pub is_demo: bool,
    /// Staff made by an admin and demo accounts need no verification e-mail.
    pub email_verified: bool,
}

pub async fn insert_user(tx: &mut Tx, u: &NewUser<'_>) -> AppResult<i64> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into users (email, password_hash, display_name, role, organisation_id, office_id,
                            language, is_demo, email_verified_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, case when $10 then $9 end, $9, $9)
         returning id"
    )
    .bind(u.email)
    .bind(u.password_hash)
    .bind(u.display_name)
    .bind(u.role.as_str())
    .bind(u.organisation_id)
    .bind(u.office_id)
    .bind(u.language)
    .bind(u.is_demo)
    .bind(ts)
    .bind(u.email_verified)
    .fetch_one(c)
    .await)
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::validation(vec![FieldError::new("email", "email_taken")])
        } else {
            e.into()
        }
    })
}

pub async fn credentials_by_email(db: &Db, email: &str) -> AppResult<Option<Credentials>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, Credentials>(
        "select id, password_hash, role, disabled_at is not null as disabled, language
         from users where email = $1"
    )
    .bind(email)
    .fetch_optional(p)
    .await)?)
}

/// The signed-in account with its organisation and office, or `None` when the
/// account no longer exists or is disabled.
pub async fn current_user(db: &Db, id: i64) -> AppResult<Option<CurrentUser>> {
    let row = on_db!(db, |p| sqlx::query_as::<_, CurrentRow>(
        "select u.id, u.email, u.display_name, u.role, u.organisation_id,
                o.name as organisation_name, u.office_id, f.name as office_name,
                o.country_code, u.language, u.disabled_at is not null as disabled,
                u.email_verified_at is not null as email_verified,
                u.totp_enabled_at is not null as two_factor, u.session_generation
         from users u
         left join organisations o on o.id = u.organisation_id
         left join offices f on f.id = u.office_id
         where u.id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?;
    let Some(r) = row.filter(|r| !r.disabled) else {
        return Ok(None);
    };
    let role = r.role.parse::<Role>().map_err(|e| {
        tracing::error!(user = r.id, "{e}");
        AppError::Internal
    })?;
    Ok(Some(CurrentUser {
        id: r.id,
        email: r.email,
        display_name: r.display_name,
        role,
        organisation_id: r.organisation_id,
        organisation_name: r.organisation_name,
        office_id: r.office_id,
        office_name: r.office_name,
        country_code: r.country_code,
        language: r.language,
        email_verified: r.email_verified,
        two_factor: r.two_factor,
        session_generation: r.session_generation,
    }))
}

/// Users, optionally only those of one country's organisations (for supervisors).
/// The accounts of an organisation (`None`: all), of a role (`None`: all).
pub async fn list_users(
    db: &Db,
    organisation: Option<i64>,
    role: Option<&str>,
) -> AppResult<Vec<UserSummary>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, UserSummary>(
        "select u.id, u.email, u.display_name, u.role, o.name as organisation_name,
                f.name as office_name, o.country_code, u.disabled_at is not null as disabled,
                u.totp_enabled_at is not null as two_factor
         from users u
         left join organisations o on o.id = u.organisation_id
         left join offices f on f.id = u.office_id
         where ($1 is null or u.organisation_id = $1) and ($2 is null or u.role = $2)
         order by u.role, u.email"
    )
    .bind(organisation)
    .bind(role)
    .fetch_all(p)
    .await)?)
}

pub async fn set_disabled(tx: &mut Tx, id: i64, disabled: bool) -> AppResult<()> {
    let ts = now();
    let n = on_tx!(tx, |c| sqlx::query(
        "update users set disabled_at = case when $1 then $2 else null end, updated_at = $2
         where id = $3"
    )
    .bind(disabled)
    .bind(ts)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

pub async fn set_language(db: &Db, id: i64, language: &str) -> AppResult<()> {
    on_db!(db, |p| sqlx::query(
        "update users set language = $1, updated_at = $2 where id = $3"
    )
    .bind(language)
    .bind(now())
    .bind(id)
    .execute(p)
    .await
    .map(|_| ()))?;
    Ok(())
}

pub async fn count_users(db: &Db) -> AppResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select count(*) from users"
    )
    .fetch_one(p)
    .await)?)
}

pub async fn count_demo_users(db: &Db) -> AppResult<i64> {
    Ok(on_db!(db, |p| sqlx::query_scalar::<_, i64>(
        "select count(*) from users where is_demo"
    )
    .fetch_one(p)
    .await)?)
}

/// Role, organisation country and office of an account, for scope checks.
/// An account's role and organisation.
pub async fn scope_of(db: &Db, id: i64) -> AppResult<(String, Option<i64>)> {
    on_db!(db, |p| sqlx::query_as::<_, (String, Option<i64>)>(
        "select role, organisation_id from users where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or(AppError::NotFound)
}

pub async fn email_of(db: &Db, id: i64) -> AppResult<String> {
    on_db!(db, |p| sqlx::query_scalar::<_, String>(
        "select email from users where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or(AppError::NotFound)
}

/// What an e-mail to an account needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailTarget {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub language: Option<String>,
    pub country_code: Option<String>,
    pub email_verified: bool,
    pub disabled: bool,
}

const MAIL_TARGET: &str = "select u.id, u.email, u.display_name, u.language, o.country_code,
        u.email_verified_at is not null as email_verified, u.disabled_at is not null as disabled
    from users u left join organisations o on o.id = u.organisation_id";

pub async fn mail_target(db: &Db, id: i64) -> AppResult<Option<MailTarget>> {
    let sql = format!("{MAIL_TARGET} where u.id = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, MailTarget>(&sql)
        .bind(id)
        .fetch_optional(p)
        .await)?)
}

pub async fn mail_target_by_email(db: &Db, email: &str) -> AppResult<Option<MailTarget>> {
    let sql = format!("{MAIL_TARGET} where u.email = $1");
    Ok(on_db!(db, |p| sqlx::query_as::<_, MailTarget>(&sql)
        .bind(email)
        .fetch_optional(p)
        .await)?)
}

pub async fn mark_verified(tx: &mut Tx, id: i64) -> AppResult<()> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query(
        "update users set email_verified_at = coalesce(email_verified_at, $1), updated_at = $1
         where id = $2"
    )
    .bind(ts)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Sets a new password and ends every session of the account (their
/// generation no longer matches).
pub async fn set_password(tx: &mut Tx, id: i64, hash: &str) -> AppResult<()> {
    let ts = now();
    let n = on_tx!(tx, |c| sqlx::query(
        "update users set password_hash = $1, session_generation = session_generation + 1,
                updated_at = $2
         where id = $3"
    )
    .bind(hash)
    .bind(ts)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

/// The account's authenticator state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpState {
    pub secret: Option<String>,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

pub async fn totp_state(db: &Db, id: i64) -> AppResult<TotpState> {
    on_db!(db, |p| sqlx::query_as::<_, TotpState>(
        "select totp_secret as secret, totp_enabled_at is not null as enabled,
                totp_last_step as last_step
         from users where id = $1"
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or(AppError::NotFound)
}

/// Turns two-factor sign-in on with `secret`, whose code at `step` was just
/// shown to be right, and replaces the recovery codes.
pub async fn enable_totp(
    tx: &mut Tx,
    id: i64,
    secret: &str,
    step: i64,
    recovery_hashes: &[String],
) -> AppResult<()> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query(
        "update users set totp_secret = $1, totp_enabled_at = $2, totp_last_step = $3,
                updated_at = $2
         where id = $4"
    )
    .bind(secret)
    .bind(ts)
    .bind(step)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    replace_recovery_codes(tx, id, recovery_hashes).await
}

/// Ends every session of the account (their generation no longer matches).
pub async fn end_sessions(tx: &mut Tx, id: i64) -> AppResult<()> {
    let n = on_tx!(tx, |c| sqlx::query(
        "update users set session_generation = session_generation + 1, updated_at = $1
         where id = $2"
    )
    .bind(now())
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    one_row(n)
}

pub async fn disable_totp(tx: &mut Tx, id: i64) -> AppResult<()> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query(
        "update users set totp_secret = null, totp_enabled_at = null, totp_last_step = null,
                updated_at = $1
         where id = $2"
    )
    .bind(ts)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    on_tx!(tx, |c| sqlx::query(
        "delete from recovery_codes where user_id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Accepts the code of time step `step` once: false when a code of this or a
/// later step was already used (a replayed code).
pub async fn accept_totp_step(db: &Db, id: i64, step: i64) -> AppResult<bool> {
    Ok(on_db!(db, |p| sqlx::query(
        "update users set totp_last_step = $1
         where id = $2 and totp_enabled_at is not null
           and (totp_last_step is null or totp_last_step < $1)"
    )
    .bind(step)
    .bind(id)
    .execute(p)
    .await
    .map(|r| r.rows_affected() == 1))?)
}

pub async fn replace_recovery_codes(tx: &mut Tx, id: i64, hashes: &[String]) -> AppResult<()> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query(
        "delete from recovery_codes where user_id = $1"
    )
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))?;
    for h in hashes {
        on_tx!(tx, |c| sqlx::query(
            "insert into recovery_codes (user_id, code_hash, created_at) values ($1, $2, $3)"
        )
        .bind(id)
        .bind(h)
        .bind(ts)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Seals the authenticator secrets still stored as typed (rows from before
/// secrets were sealed, and the demo accounts); returns how many.
pub async fn seal_plain_secrets(db: &Db, key: &crate::secrets::SecretsKey) -> AppResult<usize> {
    let sql = format!(
        "select id, totp_secret from users
         where totp_secret is not null and totp_secret not like '{}%'",
        crate::secrets::SEALED
    );
    let rows = on_db!(db, |p| sqlx::query_as::<_, (i64, String)>(&sql)
        .fetch_all(p)
        .await)?;
    let mut sealed = 0;
    for (id, secret) in rows {
        on_db!(db, |p| sqlx::query(
            "update users set totp_secret = $1 where id = $2 and totp_secret = $3"
        )
        .bind(key.seal(&secret))
        .bind(id)
        .bind(&secret)
        .execute(p)
        .await
        .map(|_| ()))?;
        sealed += 1;
    }
    Ok(sealed)
}

/// Uses up the recovery code with this hash; false when there is no unused one.
pub async fn use_recovery_code(db: &Db, id: i64, hash: &str) -> AppResult<bool> {
    Ok(on_db!(db, |p| sqlx::query(
        "update recovery_codes set used_at = $1
         where user_id = $2 and code_hash = $3 and used_at is null"
    )
    .bind(now())
    .bind(id)
    .bind(hash)
    .execute(p)
    .await
    .map(|r| r.rows_affected() == 1))?)
}

const AUDIT_VIEW: &str =
    "select u.id, u.email, u.display_name, u.role, o.name as organisation_name,
        f.name as office_name, o.country_code, u.disabled_at is not null as disabled,
                u.totp_enabled_at is not null as two_factor
    from users u
    left join organisations o on o.id = u.organisation_id
    left join offices f on f.id = u.office_id
    where u.id = $1";

/// The account as the audit log keeps it (no secrets).
pub async fn audit_view(db: &Db, id: i64) -> AppResult<UserSummary> {
    on_db!(db, |p| sqlx::query_as::<_, UserSummary>(AUDIT_VIEW)
        .bind(id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::NotFound)
}

/// [`audit_view`] inside a transaction (an account it just made).
pub async fn audit_view_tx(tx: &mut Tx, id: i64) -> AppResult<UserSummary> {
    on_tx!(tx, |c| sqlx::query_as::<_, UserSummary>(AUDIT_VIEW)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or(AppError::NotFound)
}

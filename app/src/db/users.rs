//! Accounts.
use super::{is_unique_violation, now, on_db, on_tx, one_row, Db, Tx};
pub use crate::domain::account::UserSummary;
use crate::domain::account::{CurrentUser, FieldError, Role};
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
}

pub async fn insert_user(tx: &mut Tx, u: &NewUser<'_>) -> AppResult<i64> {
    let ts = now();
    on_tx!(tx, |c| sqlx::query_scalar::<_, i64>(
        "insert into users (email, password_hash, display_name, role, organisation_id, office_id,
                            language, is_demo, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id"
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
                o.country_code, u.language, u.disabled_at is not null as disabled
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
    }))
}

/// Users, optionally only those of one country's organisations (for supervisors).
pub async fn list_users(
    db: &Db,
    country: Option<&str>,
    role: Option<&str>,
) -> AppResult<Vec<UserSummary>> {
    Ok(on_db!(db, |p| sqlx::query_as::<_, UserSummary>(
        "select u.id, u.email, u.display_name, u.role, o.name as organisation_name,
                f.name as office_name, o.country_code, u.disabled_at is not null as disabled
         from users u
         left join organisations o on o.id = u.organisation_id
         left join offices f on f.id = u.office_id
         where ($1 is null or o.country_code = $1) and ($2 is null or u.role = $2)
         order by u.role, u.email"
    )
    .bind(country)
    .bind(role)
    .fetch_all(p)
    .await)?)
}

pub async fn set_disabled(db: &Db, id: i64, disabled: bool) -> AppResult<()> {
    let ts = now();
    let n = on_db!(db, |p| sqlx::query(
        "update users set disabled_at = case when $1 then $2 else null end, updated_at = $2
         where id = $3"
    )
    .bind(disabled)
    .bind(ts)
    .bind(id)
    .execute(p)
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
pub async fn scope_of(db: &Db, id: i64) -> AppResult<(String, Option<String>)> {
    on_db!(db, |p| sqlx::query_as::<_, (String, Option<String>)>(
        "select u.role, o.country_code from users u
         left join organisations o on o.id = u.organisation_id where u.id = $1"
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

//! The audit log: one row per change to reference data, written in the same
//! transaction as the change. Rows are never changed or deleted (the
//! database refuses it with a trigger).
use super::{now, on_db, on_tx, Db, Tx};
use crate::domain::account::CurrentUser;
pub use crate::domain::platform::{AuditEntry, AuditFilter};
use crate::error::OrInternal;
use crate::error::{AppError, AppResult};

/// Records `action` on `entity` `entity_id` by `actor`, with the entity as
/// it was before (`None` for a creation) and after (`None` for a removal).
pub async fn record<B: serde::Serialize, A: serde::Serialize>(
    tx: &mut Tx,
    actor: &CurrentUser,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<&B>,
    after: Option<&A>,
) -> AppResult<()> {
    let before: Option<String> = before
        .map(serde_json::to_string)
        .transpose()
        .or_internal("serialising an audit row's before")?;
    let after: Option<String> = after
        .map(serde_json::to_string)
        .transpose()
        .or_internal("serialising an audit row's after")?;
    on_tx!(tx, |c| sqlx::query(
        "insert into audit_log (at, actor_id, actor_email, actor_role, action, entity, entity_id,
                                before_json, after_json)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(now())
    .bind(actor.id)
    .bind(&actor.email)
    .bind(actor.role.as_str())
    .bind(action)
    .bind(entity)
    .bind(entity_id.to_string())
    .bind(before)
    .bind(after)
    .execute(c)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Entries matching `f`, newest first, at most `limit`.
pub async fn list(db: &Db, f: &AuditFilter, limit: i64) -> AppResult<Vec<AuditEntry>> {
    let day = |s: &Option<String>, end: bool| -> AppResult<Option<time::OffsetDateTime>> {
        let Some(s) = s.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let d = time::Date::parse(s, &fmt)
            .map_err(|_| AppError::field(if end { "to" } else { "from" }, "date_invalid"))?;
        let d = if end { d.next_day().unwrap_or(d) } else { d };
        Ok(Some(d.midnight().assume_utc()))
    };
    let from = day(&f.from, false)?;
    let to = day(&f.to, true)?;
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
    };
    Ok(on_db!(db, |p| sqlx::query_as::<_, AuditEntry>(
        "select id, at, actor_id, actor_email, actor_role, action, entity, entity_id,
                before_json, after_json
         from audit_log
         where ($1 is null or entity = $1)
           and ($2 is null or actor_email like '%' || $2 || '%')
           and ($3 is null or action = $3)
           and ($4 is null or at >= $4)
           and ($5 is null or at < $5)
           and ($6 is null or id < $6)
         order by id desc limit $7"
    )
    .bind(text(&f.entity))
    .bind(text(&f.actor))
    .bind(text(&f.action))
    .bind(from)
    .bind(to)
    .bind(f.before_id)
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

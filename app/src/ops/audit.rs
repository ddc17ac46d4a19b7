//! Browsing the audit log (admins).
use crate::db::audit;
use crate::domain::account::Role;
use crate::domain::platform::{AuditEntry, AuditFilter, AUDIT_PAGE};
use crate::error::AppResult;
use crate::ops::Caller;
use crate::state::AppState;

/// A page of the audit log, newest first.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &AuditFilter,
) -> AppResult<Vec<AuditEntry>> {
    caller.require(&[Role::Admin])?;
    audit::list(&state.db, filter, AUDIT_PAGE).await
}

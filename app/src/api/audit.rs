//! Browsing the audit log: the door of [`crate::ops::audit`].
use leptos::prelude::*;

pub use crate::domain::platform::{AuditEntry, AuditFilter, AUDIT_PAGE};
use crate::error::AppError;

#[server(endpoint = "admin/audit")]
pub async fn list_audit(
    entity: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before_id: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    let filter = AuditFilter {
        entity,
        actor,
        action,
        from,
        to,
        before_id,
    };
    crate::api::respond::reply(crate::api::op!(crate::ops::audit::list, &filter))
}

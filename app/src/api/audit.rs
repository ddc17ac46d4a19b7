//! Browsing the audit log.
use leptos::prelude::*;

pub use crate::domain::platform::{AuditEntry, AuditFilter};
use crate::error::AppError;

/// Entries per page.
pub const AUDIT_PAGE: i64 = 100;

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
    crate::api::respond::reply(server::list_audit(filter).await)
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::{AuditEntry, AuditFilter, AUDIT_PAGE};
    use crate::api::guard::{require, state};
    use crate::db::audit;
    use crate::domain::account::Role;
    use crate::error::AppResult;

    pub async fn list_audit(filter: AuditFilter) -> AppResult<Vec<AuditEntry>> {
        require(&[Role::Admin]).await?;
        audit::list(&state()?.db, &filter, AUDIT_PAGE).await
    }
}

//! The declaration list as CSV (for spreadsheets), with the list's filters.
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::api::guard::door_for_session;
use crate::domain::parcel_view::DeclarationFilter;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// `GET /declarations/export.csv`: every declaration the list would show.
pub async fn declarations_csv(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ExportQuery>,
) -> Response {
    let fail = |e: AppError| {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, e.to_string()).into_response()
    };
    let filter = DeclarationFilter {
        q: q.q,
        status: q.status,
        from: q.from,
        to: q.to,
        before_id: None,
    };
    let found = async {
        let caller = door_for_session(&session, &state).await?;
        crate::ops::declarations::export(&state, &caller, &filter).await
    };
    let rows = match found.await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "created_at",
        "item_id",
        "reference",
        "status",
        "customs_status",
        "form",
        "addressee",
        "country",
        "contents",
        "currency",
        "total_value",
        "version",
    ];
    let mut result = w.write_record(header);
    for r in &rows {
        if result.is_err() {
            break;
        }
        let exp = crate::domain::goods::Currency::parse("c", &r.currency)
            .map(|c| c.exponent())
            .unwrap_or(2);
        let value = if r.status == "draft" {
            String::new()
        } else {
            crate::domain::goods::format_decimal(r.total_value_minor, exp).replace(',', "")
        };
        let created = match r
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "CSV export date");
                return fail(AppError::Internal);
            }
        };
        // Spreadsheet-safe: a reference or a name cannot run as a formula.
        result = w.write_record(crate::spreadsheet::record([
            created.as_str(),
            r.item_id.as_deref().unwrap_or(""),
            &r.reference,
            &r.status,
            r.customs_status.as_deref().unwrap_or(""),
            r.form.as_deref().unwrap_or(""),
            &r.addressee_name,
            &r.addressee_country,
            &r.summary,
            &r.currency,
            &value,
            &r.version.to_string(),
        ]));
    }
    let bytes = match result
        .map_err(|e| e.to_string())
        .and_then(|_| w.into_inner().map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "CSV export");
            return fail(AppError::Internal);
        }
    };
    crate::api::respond::csv_attachment(bytes, "declarations.csv")
}

/// The declaration list as a file.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/declarations/export.csv",
        axum::routing::get(declarations_csv),
    )
}

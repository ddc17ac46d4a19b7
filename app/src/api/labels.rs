//! Printable label and CN23 of a parcel, as HTML and PDF (plain HTTP
//! handlers: their answers are documents, not data).
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::api::guard::door_for_session;
use crate::error::AppError;
use crate::labels::{self, Doc};
use crate::ops::declarations::parcel_detail;
use crate::state::AppState;

#[derive(Clone, Copy)]
enum What {
    LabelHtml,
    LabelPdf,
    Cn23Html,
    Cn23Pdf,
}

async fn render(state: &AppState, session: &Session, id: i64, what: What) -> Response {
    let fail = |e: AppError| {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, e.to_string()).into_response()
    };
    let found = async {
        let caller = door_for_session(session, state).await?;
        // Another role's "not allowed" would tell that the parcel exists.
        parcel_detail(state, &caller, id)
            .await
            .map_err(|e| match e {
                AppError::Forbidden => AppError::NotFound,
                e => e,
            })
    };
    let parcel = match found.await {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let Some(doc) = Doc::from_parcel(&parcel) else {
        return fail(AppError::NotFound);
    };
    let made = match what {
        What::LabelHtml => {
            labels::label_html(&doc).map(|h| (h.into_bytes(), "text/html; charset=utf-8", None))
        }
        What::Cn23Html => {
            labels::cn23_html(&doc).map(|h| (h.into_bytes(), "text/html; charset=utf-8", None))
        }
        What::LabelPdf => labels::label_pdf(&doc).map(|b| {
            (
                b,
                "application/pdf",
                Some(format!("label-{}.pdf", doc.item_id)),
            )
        }),
        What::Cn23Pdf => labels::cn23_pdf(&doc).map(|b| {
            (
                b,
                "application/pdf",
                Some(format!("cn23-{}.pdf", doc.item_id)),
            )
        }),
    };
    match made {
        Ok((bytes, content_type, file)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"),
            );
            if let Some(name) = file {
                if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                    h.insert(header::CONTENT_DISPOSITION, v);
                }
            }
            res
        }
        Err(e) => {
            tracing::error!(error = %e, parcel = id, "printable document");
            fail(AppError::Internal)
        }
    }
}

pub async fn label_html(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    render(&s, &session, id, What::LabelHtml).await
}
pub async fn label_pdf(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    render(&s, &session, id, What::LabelPdf).await
}
pub async fn cn23_html(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    render(&s, &session, id, What::Cn23Html).await
}
pub async fn cn23_pdf(
    State(s): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Response {
    render(&s, &session, id, What::Cn23Pdf).await
}

/// The printable documents of a parcel.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/parcels/{id}/label", get(label_html))
        .route("/parcels/{id}/label.pdf", get(label_pdf))
        .route("/parcels/{id}/cn23", get(cn23_html))
        .route("/parcels/{id}/cn23.pdf", get(cn23_pdf))
}

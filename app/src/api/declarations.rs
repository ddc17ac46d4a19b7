//! Merchants declare parcels: the doors of [`crate::ops::declarations`]
//! (drafts, submission, amendment and cancellation, the list and the parcel
//! page).
use leptos::prelude::*;

pub use crate::domain::declaration::{DeclarationInput, LineInput, PartyInput};
pub use crate::domain::parcel_view::{
    DeclarationDetail, DeclarationFilter, DeclarationRow, ParcelDetail, Saved, Submitted, PAGE,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::api::respond::{finish_form, reply};
#[cfg(feature = "ssr")]
use crate::ops::declarations as ops;

/// The declaration form's one endpoint: `action` is `save`, `submit`,
/// `add_line` or `remove_line:<n>`. Every action first keeps what was typed
/// as a draft, so nothing typed is lost when the submission is refused.
#[server(endpoint = "declarations/save")]
pub async fn save_declaration(
    declaration_id: Option<i64>,
    action: String,
    input: DeclarationInput,
) -> Result<Saved, AppError> {
    let (draft, result) = match crate::api::guard::door().await {
        Ok((state, caller)) => {
            ops::form_action(&state, &caller, declaration_id, &action, input).await
        }
        Err(e) => (None, Err(e)),
    };
    // A refused submission was kept as a draft first: back to that draft.
    let back = match draft.or(declaration_id) {
        Some(id) => format!("/declarations/{id}/edit"),
        None => "/declarations/new".into(),
    };
    finish_form(
        result,
        |s| match (&s.parcel_id, s.line_anchor) {
            (Some(p), _) => format!("/parcels/{p}"),
            (None, Some(n)) => format!("/declarations/{}/edit#line-{n}", s.declaration_id),
            (None, None) => format!("/declarations/{}/edit?saved=1", s.declaration_id),
        },
        &back,
    )
}

#[server(endpoint = "declarations/delete_draft")]
pub async fn delete_draft(declaration_id: i64) -> Result<(), AppError> {
    let result = op!(ops::delete_draft, declaration_id);
    finish_form(
        result,
        |_| "/declarations?deleted=1".into(),
        "/declarations",
    )
}

#[server(endpoint = "declarations/get")]
pub async fn get_declaration(declaration_id: i64) -> Result<DeclarationDetail, AppError> {
    reply(op!(ops::get, declaration_id))
}

/// A new draft's starting values: the company's sender and defaults.
#[server(endpoint = "declarations/blank")]
pub async fn blank_declaration() -> Result<DeclarationInput, AppError> {
    reply(op!(ops::blank))
}

#[server(endpoint = "declarations/list")]
pub async fn list_declarations(
    filter: Option<DeclarationFilter>,
) -> Result<Vec<DeclarationRow>, AppError> {
    reply(op!(ops::list, &filter.unwrap_or_default()))
}

#[server(endpoint = "parcels/get")]
pub async fn get_parcel(parcel_id: i64) -> Result<ParcelDetail, AppError> {
    reply(op!(ops::parcel_detail, parcel_id))
}

/// A new version of a submitted declaration (same item id).
#[server(endpoint = "parcels/amend")]
pub async fn amend_parcel(
    parcel_id: i64,
    version: i64,
    input: DeclarationInput,
) -> Result<(), AppError> {
    let result = op!(ops::amend, parcel_id, version, &input).map(|_| ());
    let page = format!("/parcels/{parcel_id}");
    finish_form(
        result,
        |_| format!("{page}?amended=1"),
        &format!("{page}/amend"),
    )
}

#[server(endpoint = "parcels/cancel")]
pub async fn cancel_parcel(parcel_id: i64, version: i64) -> Result<(), AppError> {
    let result = op!(ops::cancel, parcel_id, version);
    let page = format!("/parcels/{parcel_id}");
    finish_form(result, |_| format!("{page}?cancelled=1"), &page)
}

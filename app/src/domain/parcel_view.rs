//! Shapes of declarations and parcels as the merchant pages and the API see them.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::declaration::{DeclarationInput, PartyInput};

/// One declaration (a draft, or a version of a parcel's declaration) in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeclarationRow {
    pub id: i64,
    pub parcel_id: Option<i64>,
    pub version: i32,
    pub status: String,
    pub reference: String,
    pub item_id: Option<String>,
    pub form: Option<String>,
    pub currency: String,
    pub total_value_minor: i64,
    pub addressee_name: String,
    pub addressee_country: String,
    pub summary: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, format = DateTime))]
    pub submitted_at: Option<OffsetDateTime>,
    /// The parcel's customs status, when there is a parcel.
    #[cfg_attr(feature = "ssr", sqlx(default))]
    pub customs_status: Option<String>,
}

/// A declaration with what was typed (to edit a draft or show a version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeclarationDetail {
    pub row: DeclarationRow,
    pub input: DeclarationInput,
}

/// One change of one of the parcel's dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ParcelEvent {
    pub id: i64,
    pub dimension: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub upu_code: Option<String>,
    pub decision_code: Option<String>,
    pub actor_name: Option<String>,
    /// The role of whoever acted (none for the system): decides what a
    /// merchant may see of the event. Never sent.
    #[serde(skip)]
    pub actor_role: Option<String>,
    pub office_name: Option<String>,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

/// Reason codes that tell how customs rated a parcel, which a merchant must
/// not learn (the green lane says which parcels customs does not look at).
pub const REASONS_HIDDEN_FROM_MERCHANTS: [&str; 1] = ["GREEN_LANE"];

impl ParcelEvent {
    /// The event as a merchant sees it: the names of the merchant's own
    /// people only (never an officer's or a clerk's), and no reason that
    /// reveals the lane (its decision stays: the parcel's status is theirs
    /// to know).
    pub fn for_merchant(mut self) -> Self {
        if self.actor_role.as_deref() != Some("merchant") {
            self.actor_name = None;
        }
        let code = self.reason.split(':').next().unwrap_or("").trim();
        if REASONS_HIDDEN_FROM_MERCHANTS.contains(&code) {
            self.reason = String::new();
        }
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ParcelRow {
    pub id: i64,
    pub item_id: String,
    pub company_id: i64,
    pub declaration_id: Option<i64>,
    pub destination_country: String,
    pub inward_office_id: Option<i64>,
    pub inward_office_name: Option<String>,
    pub customs_status: String,
    pub payment_status: String,
    pub location: String,
    pub version: i64,
    /// What the recipient owes before delivery (minor units), when
    /// something is due.
    pub amount_due_minor: Option<i64>,
    pub amount_due_currency: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "ssr", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}

/// The parcel page: its states, every version of its declaration, its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ParcelDetail {
    pub parcel: ParcelRow,
    pub declaration_status: String,
    /// Newest first.
    pub versions: Vec<DeclarationDetail>,
    /// Oldest first.
    pub events: Vec<ParcelEvent>,
    /// The merchant may still amend or cancel it.
    pub changeable: bool,
}

/// A company's defaults for new declarations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyProfile {
    pub sender: PartyInput,
    pub default_origin: String,
    pub default_currency: String,
    /// The company sells through a registered cross-border e-commerce
    /// platform: its parcels to China are cross-border retail imports,
    /// else general trade.
    #[serde(default)]
    pub cross_border_platform: bool,
}

/// What the declaration list filters by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationFilter {
    pub q: Option<String>,
    pub status: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Keyset: entries older than this id.
    pub before_id: Option<i64>,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub declaration_id: i64,
    /// Set when the declaration was submitted.
    pub parcel_id: Option<i64>,
    pub item_id: Option<String>,
    /// The line to scroll to after adding one.
    pub line_anchor: Option<usize>,
}

/// The result of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitted {
    pub declaration_id: i64,
    pub parcel_id: i64,
    pub item_id: String,
}

/// Declarations per page of the list.
pub const PAGE: i64 = 50;

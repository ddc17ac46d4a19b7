//! Routing of parcels to their inward office of exchange (by destination
//! country, optionally by postcode prefix) and the UPU S10 serial ranges of
//! posts and of their merchants, as admins keep them.
use serde::{Deserialize, Serialize};

/// A route: parcels to this country (and postcode prefix) enter at this office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RouteRow {
    pub id: i64,
    pub country_code: String,
    pub postcode_prefix: String,
    pub office_id: i64,
    pub office_code: String,
    pub office_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
/// A range of S10 serials of a post (or of one of its merchants).
pub struct RangeRow {
    pub id: i64,
    pub post_id: i64,
    pub post_name: String,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub service: String,
    pub country_code: String,
    pub first_serial: i64,
    pub last_serial: i64,
    pub next_serial: i64,
}

/// Both lists, with what the forms offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingData {
    pub routes: Vec<RouteRow>,
    pub ranges: Vec<RangeRow>,
    /// Offices of exchange: (id, label).
    pub exchange_offices: Vec<(i64, String)>,
    pub posts: Vec<(i64, String)>,
    pub companies: Vec<(i64, String)>,
}

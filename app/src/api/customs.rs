//! Customs decisions on parcels: the door of [`crate::ops::customs`].
use leptos::prelude::*;

pub mod rules;

use crate::error::AppError;

/// `customs/decide`: a customs officer or supervisor of the destination
/// country decides on a parcel they saw at `version`.
#[server(endpoint = "customs/decide")]
pub async fn decide_parcel(
    parcel_id: i64,
    version: i64,
    decision: String,
    reason_code: String,
    text: String,
) -> Result<(), AppError> {
    use crate::ops::customs::{decide, Decide};
    let input = Decide {
        parcel_id,
        version,
        decision,
        reason_code,
        text,
    };
    crate::api::respond::reply(crate::api::op!(decide, input))
}

//! Pure rules: no IO, no Leptos. Runs on the server and in the browser.
use serde::{Deserialize, Serialize};

pub mod account;
pub mod apikeys;
pub mod assess;
pub mod customs;
pub mod decision;
pub mod declaration;
pub mod goods;
pub mod org;
pub mod parcel;
pub mod parcel_view;
pub mod platform;
pub mod rates;
pub mod risk;
pub mod routing;
pub mod s10;
pub mod tariff;
pub mod throttle;
pub mod uploads;

/// A problem with one field of a form, named by a message key the pages translate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
        }
    }
}

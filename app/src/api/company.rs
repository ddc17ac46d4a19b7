//! The merchant's company profile: the doors of [`crate::ops::company`]
//! (endpoints under `declarations/`, where the form first lived).
use leptos::prelude::*;

pub use crate::domain::parcel_view::CompanyProfile;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::api::respond::{finish_form, reply};
#[cfg(feature = "ssr")]
use crate::ops::company;

#[server(endpoint = "declarations/profile")]
pub async fn get_company_profile() -> Result<CompanyProfile, AppError> {
    reply(op!(company::profile))
}

#[server(endpoint = "declarations/profile/save")]
pub async fn save_company_profile(profile: CompanyProfile) -> Result<(), AppError> {
    let result = op!(company::save, profile);
    finish_form(result, |_| "/company?saved=1".into(), "/company")
}

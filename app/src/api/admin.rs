//! Back-office administration: organisations, offices and staff accounts.
use leptos::prelude::*;

use crate::error::AppError;

pub use crate::domain::account::UserSummary;
pub use crate::domain::org::{
    Office, OfficeEdit, Organisation, OrganisationDetail, StaffFormChoices,
};

#[server(endpoint = "admin/users")]
pub async fn list_users(role: Option<String>) -> Result<Vec<UserSummary>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::admin::list_users, role))
}

#[server(endpoint = "admin/staff_choices")]
pub async fn staff_form_options() -> Result<StaffFormChoices, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::admin::staff_form_choices))
}

#[allow(clippy::too_many_arguments)]
#[server(endpoint = "admin/users/create")]
pub async fn create_staff(
    email: String,
    display_name: String,
    password: String,
    role: String,
    organisation_id: Option<String>,
    office_id: Option<String>,
    language: Option<String>,
) -> Result<i64, AppError> {
    let keep = vec![
        ("email", email.clone()),
        ("display_name", display_name.clone()),
        ("role", role.clone()),
        (
            "organisation_id",
            organisation_id.clone().unwrap_or_default(),
        ),
        ("office_id", office_id.clone().unwrap_or_default()),
        ("language", language.clone().unwrap_or_default()),
    ];
    let result = crate::api::op!(
        crate::ops::admin::create_staff,
        crate::ops::admin::NewStaff {
            email,
            display_name,
            password,
            role,
            organisation_id,
            office_id,
            language,
        }
    );
    crate::api::respond::remember_on_error(&result, "/admin/users/new", keep).await;
    crate::api::respond::finish_form(
        result,
        |_| "/admin/users?created=1".into(),
        "/admin/users/new",
    )
}

#[server(endpoint = "admin/users/set_disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::admin::set_user_disabled, user_id, disabled);
    crate::api::respond::finish_form(result, |_| "/admin/users".into(), "/admin/users")
}

/// For someone who lost both their authenticator and their recovery codes:
/// turns two-step sign-in off and ends their sessions; staff set it up again
/// at their next sign-in.
#[server(endpoint = "admin/users/reset_two_factor")]
pub async fn reset_two_factor(user_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::admin::reset_two_factor, user_id);
    crate::api::respond::finish_form(result, |_| "/admin/users?reset=1".into(), "/admin/users")
}

#[server(endpoint = "admin/users/unlock")]
pub async fn unlock_user(user_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::admin::unlock_user, user_id);
    crate::api::respond::finish_form(result, |_| "/admin/users".into(), "/admin/users")
}

#[server(endpoint = "admin/organisations")]
pub async fn list_organisations(kind: Option<String>) -> Result<Vec<Organisation>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::admin::list_organisations, kind))
}

#[server(endpoint = "admin/organisation")]
pub async fn get_organisation(id: i64) -> Result<OrganisationDetail, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::admin::get_organisation, id))
}

#[server(endpoint = "admin/organisations/create")]
pub async fn create_organisation(
    kind: String,
    name: String,
    country_code: String,
) -> Result<i64, AppError> {
    let result = crate::api::op!(
        crate::ops::admin::create_organisation,
        &kind,
        &name,
        &country_code
    );
    let keep = vec![
        ("kind", kind),
        ("name", name),
        ("country_code", country_code),
    ];
    crate::api::respond::remember_on_error(&result, "/admin/organisations/new", keep).await;
    crate::api::respond::finish_form(
        result,
        |id| format!("/admin/organisations/{id}"),
        "/admin/organisations/new",
    )
}

#[server(endpoint = "admin/organisations/update")]
pub async fn update_organisation(
    id: i64,
    name: String,
    country_code: String,
) -> Result<(), AppError> {
    let result = crate::api::op!(
        crate::ops::admin::update_organisation,
        id,
        &name,
        &country_code
    );
    let page = format!("/admin/organisations/{id}");
    let keep = vec![("name", name), ("country_code", country_code)];
    crate::api::respond::remember_on_error(&result, &page, keep).await;
    crate::api::respond::finish_form(result, |_| format!("{page}?saved=1"), &page)
}

#[server(endpoint = "admin/offices/create")]
pub async fn create_office(
    organisation_id: i64,
    kind: String,
    code: String,
    office_name: String,
    postcode: Option<String>,
) -> Result<i64, AppError> {
    let result = crate::api::op!(
        crate::ops::admin::create_office,
        organisation_id,
        &kind,
        &code,
        &office_name,
        postcode.as_deref().unwrap_or(""),
    );
    let page = format!("/admin/organisations/{organisation_id}");
    let keep = vec![
        ("office_kind", kind),
        ("code", code),
        ("office_name", office_name),
        ("postcode", postcode.unwrap_or_default()),
    ];
    crate::api::respond::remember_on_error(&result, &page, keep).await;
    crate::api::respond::finish_form(result, |_| format!("{page}?saved=1"), &page)
}

#[server(endpoint = "admin/offices/update")]
pub async fn update_office(
    id: i64,
    office_name: String,
    postcode: Option<String>,
    customs_office_id: Option<String>,
) -> Result<i64, AppError> {
    let postcode = postcode.unwrap_or_default();
    let customs_office_id = customs_office_id.unwrap_or_default();
    let result = crate::api::op!(
        crate::ops::admin::update_office,
        id,
        &office_name,
        &postcode,
        &customs_office_id
    );
    let back = format!("/admin/offices/{id}");
    let keep = vec![
        ("office_name", office_name),
        ("postcode", postcode),
        ("customs_office_id", customs_office_id),
    ];
    crate::api::respond::remember_on_error(&result, &back, keep).await;
    crate::api::respond::finish_form(
        result,
        |org| format!("/admin/organisations/{org}?saved=1"),
        &back,
    )
}

#[server(endpoint = "admin/office")]
pub async fn get_office(id: i64) -> Result<OfficeEdit, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::admin::get_office, id))
}

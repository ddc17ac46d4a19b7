//! Admin settings behind declarations: the inward office of exchange of each
//! destination (by country, optionally by postcode prefix), and the UPU S10
//! serial ranges of posts and of their merchants.
use leptos::prelude::*;

pub use crate::domain::routing::{RangeRow, RouteRow, RoutingData};
use crate::error::AppError;

#[server(endpoint = "admin/routing")]
pub async fn get_routing() -> Result<RoutingData, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::routing::routing))
}

#[server(endpoint = "admin/routes/create")]
pub async fn create_route(
    country_code: String,
    postcode_prefix: Option<String>,
    office_id: Option<i64>,
) -> Result<i64, AppError> {
    let result = crate::api::op!(
        crate::ops::routing::create_route,
        &country_code,
        postcode_prefix.as_deref().unwrap_or(""),
        office_id,
    );
    crate::api::respond::finish_form(
        result,
        |_| "/admin/routing?saved=1".into(),
        "/admin/routing",
    )
}

#[server(endpoint = "admin/routes/delete")]
pub async fn delete_route(route_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::routing::delete_route, route_id);
    crate::api::respond::finish_form(
        result,
        |_| "/admin/routing?saved=1".into(),
        "/admin/routing",
    )
}

#[server(endpoint = "admin/ranges/create")]
pub async fn create_range(
    post_id: Option<i64>,
    company_id: Option<i64>,
    service: String,
    first_serial: String,
    last_serial: String,
) -> Result<i64, AppError> {
    let result = crate::api::op!(
        crate::ops::routing::create_range,
        post_id,
        company_id,
        &service,
        &first_serial,
        &last_serial,
    );
    crate::api::respond::finish_form(
        result,
        |_| "/admin/routing?saved=1#ranges".into(),
        "/admin/routing",
    )
}

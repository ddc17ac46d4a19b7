//! Risk rules of a customs administration, kept by its supervisors: list,
//! create and edit (a new rule starts disabled), back-test against recent
//! declarations, enable and disable; every change in the audit log. Officers
//! see the scored parcels of their country.
use leptos::prelude::*;

pub use crate::domain::customs::{
    Backtest, LaneSettings, Moved, ReasonView, RuleForm, RuleView, ScoredParcel, SupervisorLists,
    WatchView, BACKTEST_DEFAULT, BACKTEST_MAX,
};
use crate::error::AppError;
#[server(endpoint = "risk/rules")]
pub async fn list_rules() -> Result<Vec<RuleView>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::customs::rules::list))
}

#[server(endpoint = "risk/rules/get")]
pub async fn get_rule(rule_id: i64) -> Result<RuleView, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::customs::rules::get, rule_id))
}

/// Creates (no `rule_id`) or changes a rule; a new rule is disabled until
/// back-tested and enabled.
#[server(endpoint = "risk/rules/save")]
pub async fn save_rule(rule_id: Option<i64>, rule: RuleForm) -> Result<i64, AppError> {
    let result = crate::api::op!(crate::ops::customs::rules::save, rule_id, &rule);
    let back = match rule_id {
        Some(id) => format!("/customs/rules/{id}"),
        None => "/customs/rules".to_owned(),
    };
    crate::api::respond::finish_form(result, |id| format!("/customs/rules/{id}?saved=1"), &back)
}

#[server(endpoint = "risk/rules/enable")]
pub async fn enable_rule(rule_id: i64, enabled: bool) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::customs::rules::enable, rule_id, enabled);
    let page = format!("/customs/rules/{rule_id}");
    crate::api::respond::finish_form(result, |_| format!("{page}?enabled={enabled}"), &page)
}

#[server(endpoint = "risk/backtest")]
pub async fn backtest_rule(rule_id: i64, last: Option<i64>) -> Result<Backtest, AppError> {
    crate::api::respond::reply(crate::api::op!(
        crate::ops::customs::rules::backtest,
        rule_id,
        last
    ))
}

#[server(endpoint = "risk/parcels")]
pub async fn scored_parcels(lane: Option<String>) -> Result<Vec<ScoredParcel>, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::customs::rules::parcels, lane))
}

#[server(endpoint = "risk/lists")]
pub async fn customs_lists() -> Result<SupervisorLists, AppError> {
    crate::api::respond::reply(crate::api::op!(crate::ops::customs::rules::lists))
}

#[server(endpoint = "risk/settings/save")]
pub async fn save_lane_settings(
    yellow_from: String,
    red_from: String,
    auto_preclear_green: Option<String>,
) -> Result<(), AppError> {
    let result = crate::api::op!(
        crate::ops::customs::rules::save_settings,
        &yellow_from,
        &red_from,
        auto_preclear_green.is_some()
    );
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=settings".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/watchlist/add")]
pub async fn add_watch(
    name: String,
    country: String,
    action: String,
    note: String,
) -> Result<i64, AppError> {
    let result = crate::api::op!(
        crate::ops::customs::rules::add_watch,
        &name,
        &country,
        &action,
        &note
    );
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=watchlist".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/watchlist/remove")]
pub async fn remove_watch(entry_id: i64) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::customs::rules::remove_watch, entry_id);
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=watchlist".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/reasons/save")]
pub async fn save_reason(code: String, label: String) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::customs::rules::save_reason, &code, &label);
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=reasons".into(),
        "/customs/lists",
    )
}

#[server(endpoint = "risk/reasons/active")]
pub async fn set_reason_active(reason_id: i64, active: bool) -> Result<(), AppError> {
    let result = crate::api::op!(crate::ops::customs::rules::reason_active, reason_id, active);
    crate::api::respond::finish_form(
        result,
        |_| "/customs/lists?saved=reasons".into(),
        "/customs/lists",
    )
}

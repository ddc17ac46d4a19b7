//! The dashboard every signed-in role lands on.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{use_user, Guarded};
use crate::domain::account::{CurrentUser, Role};
use crate::i18n::*;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Guarded roles=&Role::ALL>
            {use_user().ok().flatten().map(|u| view! { <Dashboard user=u /> })}
        </Guarded>
    }
}

#[component]
fn Dashboard(user: CurrentUser) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let (title, text) = match user.role {
        Role::Merchant => (
            td_string!(l, home.title_merchant).to_string(),
            td_string!(l, home.merchant_text).to_string(),
        ),
        Role::Recipient => (
            td_string!(l, home.title_recipient).to_string(),
            td_string!(l, home.recipient_text).to_string(),
        ),
        Role::PostalClerk => (
            td_string!(l, home.title_postal_clerk).to_string(),
            td_string!(l, home.postal_clerk_text).to_string(),
        ),
        Role::CustomsOfficer => (
            td_string!(l, home.title_customs_officer).to_string(),
            td_string!(l, home.customs_officer_text).to_string(),
        ),
        Role::CustomsSupervisor => (
            td_string!(l, home.title_customs_supervisor).to_string(),
            td_string!(l, home.customs_supervisor_text).to_string(),
        ),
        Role::Admin => (
            td_string!(l, home.title_admin).to_string(),
            td_string!(l, home.admin_text).to_string(),
        ),
    };
    let name = user.display_name.clone();
    let title_for_head = title.clone();
    view! {
        <Title text=title_for_head />
        <h1 data-role=user.role.as_str()>{title}</h1>
        <p class="lead">{t!(i18n, home.welcome, name = move || name.clone())}</p>
        {(!user.email_verified).then(|| view! {
            <div class="notice notice--warning" role="status" id="verify-banner">
                <p>{t!(i18n, home.verify_banner)} " " <a href="/account">{t!(i18n, home.verify_link)}</a></p>
            </div>
        })}
        <dl class="summary-list">
            {user.organisation_name.clone().map(|o| view! {
                <div><dt>{t!(i18n, home.organisation)}</dt><dd>{o}{user.country_code.clone().map(|c| format!(" ({c})"))}</dd></div>
            })}
            {user.office_name.clone().map(|o| view! {
                <div><dt>{t!(i18n, home.office)}</dt><dd>{o}</dd></div>
            })}
        </dl>
        <p>{text}</p>
        {match user.role {
            Role::Admin => view! {
                <ul class="link-list">
                    <li><a href="/admin/users">{t!(i18n, home.manage_users)}</a></li>
                    <li><a href="/admin/organisations">{t!(i18n, home.manage_orgs)}</a></li>
                    <li><a href="/admin/routing">{t!(i18n, nav.routing)}</a></li>
                    <li><a href="/admin/rates">{t!(i18n, nav.rates)}</a></li>
                    <li><a href="/admin/jobs">{t!(i18n, home.manage_jobs)}</a></li>
                    <li><a href="/admin/audit">{t!(i18n, home.audit_log)}</a></li>
                </ul>
            }.into_any(),
            Role::Merchant => view! {
                <ul class="link-list">
                    <li><a href="/declarations/new">{t!(i18n, nav.new_declaration)}</a></li>
                    <li><a href="/declarations/upload">{t!(i18n, nav.upload_declarations)}</a></li>
                    <li><a href="/declarations">{t!(i18n, nav.declarations)}</a></li>
                    <li><a href="/company">{t!(i18n, nav.company)}</a></li>
                    <li><a href="/api-keys">{t!(i18n, nav.api_keys)}</a></li>
                </ul>
            }.into_any(),
            Role::CustomsOfficer => view! {
                <ul class="link-list">
                    <li><a href="/customs/parcels">{t!(i18n, nav.scored_parcels)}</a></li>
                </ul>
            }.into_any(),
            Role::CustomsSupervisor => view! {
                <ul class="link-list">
                    <li><a href="/admin/users">{t!(i18n, home.manage_officers)}</a></li>
                    <li><a href="/customs/rules">{t!(i18n, nav.risk_rules)}</a></li>
                    <li><a href="/customs/lists">{t!(i18n, nav.customs_lists)}</a></li>
                    <li><a href="/customs/parcels">{t!(i18n, nav.scored_parcels)}</a></li>
                </ul>
            }.into_any(),
            _ => ().into_any(),
        }}
    }
}

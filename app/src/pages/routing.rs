//! Routing of parcels to inward offices of exchange, and S10 serial ranges
//! (admins).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::routing::get_routing;
use crate::components::{error_text, use_form_errors, ErrorSummary, Guarded, Problem};
use crate::domain::account::Role;
use crate::i18n::*;

const ADMIN: &[Role] = &[Role::Admin];

/// Routing of parcels to inward offices of exchange, and S10 serial ranges.
#[component]
pub fn Routing() -> impl IntoView {
    view! { <Guarded roles=ADMIN><RoutingPage /></Guarded> }
}

#[component]
fn RoutingPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let data = Resource::new(|| (), |_| get_routing());
    let field_error = move |f: &'static str| {
        move || {
            errors.get().for_field(f).map(|c| view! { <p class="field__error">{error_text(i18n.get_locale_untracked(), &c, None)}</p> })
        }
    };
    view! {
        <Title text=t_string!(i18n, routing.title).to_string() />
        <ErrorSummary errors />
        {move || saved().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, admin.saved)}</p></div> })}
        <h1>{t!(i18n, routing.title)}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! {
                        <h2>{t!(i18n, routing.routes)}</h2>
                        <p>{t!(i18n, routing.routes_intro)}</p>
                        <div class="table-wrap">
                            <table class="table" id="routes-table">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, routing.country)}</th>
                                    <th scope="col">{t!(i18n, routing.prefix)}</th>
                                    <th scope="col">{t!(i18n, routing.office)}</th>
                                    <th scope="col">{t!(i18n, admin.actions)}</th>
                                </tr></thead>
                                <tbody>
                                    {d.routes.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.country_code.clone()}</td>
                                            <td>{r.postcode_prefix.clone()}</td>
                                            <td>{format!("{} ({})", r.office_name, r.office_code)}</td>
                                            <td>
                                                <form method="post" action="/api/admin/routes/delete" class="inline-form">
                                                    <input type="hidden" name="route_id" value=r.id.to_string() />
                                                    <button type="submit" class="button button--small button--secondary">{t!(i18n, routing.delete)}</button>
                                                </form>
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <form method="post" action="/api/admin/routes/create" class="filters filters--wrap" novalidate>
                            <div class="field field--inline">
                                <label class="field__label" for="country_code">{t!(i18n, routing.country)}</label>
                                {field_error("country_code")}
                                <input class="input" id="country_code" name="country_code" type="text" />
                            </div>
                            <div class="field field--inline">
                                <label class="field__label" for="postcode_prefix">{t!(i18n, routing.prefix_optional)}</label>
                                {field_error("postcode_prefix")}
                                <input class="input" id="postcode_prefix" name="postcode_prefix" type="text" />
                            </div>
                            <div class="field field--inline">
                                <label class="field__label" for="office_id">{t!(i18n, routing.office)}</label>
                                {field_error("office_id")}
                                <select class="select" id="office_id" name="office_id">
                                    {d.exchange_offices.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                                </select>
                            </div>
                            <button type="submit" class="button">{t!(i18n, routing.add_route)}</button>
                        </form>

                        <h2 id="ranges">{t!(i18n, routing.ranges)}</h2>
                        <p>{t!(i18n, routing.ranges_intro)}</p>
                        <div class="table-wrap">
                            <table class="table" id="ranges-table">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, routing.post)}</th>
                                    <th scope="col">{t!(i18n, routing.merchant)}</th>
                                    <th scope="col">{t!(i18n, routing.service)}</th>
                                    <th scope="col">{t!(i18n, routing.serials)}</th>
                                    <th scope="col">{t!(i18n, routing.next)}</th>
                                </tr></thead>
                                <tbody>
                                    {d.ranges.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.post_name.clone()}</td>
                                            <td>{r.company_name.clone().unwrap_or_else(|| td_string!(l, routing.whole_post).to_string())}</td>
                                            <td>{format!("{} … {}", r.service, r.country_code)}</td>
                                            <td class="num">{format!("{:08} – {:08}", r.first_serial, r.last_serial)}</td>
                                            <td class="num">{format!("{:08}", r.next_serial)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <form method="post" action="/api/admin/ranges/create" class="filters filters--wrap" novalidate>
                            <div class="field field--inline">
                                <label class="field__label" for="post_id">{t!(i18n, routing.post)}</label>
                                {field_error("post_id")}
                                <select class="select" id="post_id" name="post_id">
                                    {d.posts.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field field--inline">
                                <label class="field__label" for="company_id">{t!(i18n, routing.merchant)}</label>
                                {field_error("company_id")}
                                <select class="select" id="company_id" name="company_id">
                                    <option value="">{t!(i18n, routing.whole_post)}</option>
                                    {d.companies.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field field--inline">
                                <label class="field__label" for="service">{t!(i18n, routing.service)}</label>
                                {field_error("service")}
                                <input class="input" id="service" name="service" type="text" value="LX" />
                            </div>
                            <div class="field field--inline">
                                <label class="field__label" for="first_serial">{t!(i18n, routing.first)}</label>
                                {field_error("first_serial")}
                                <input class="input" id="first_serial" name="first_serial" type="text" inputmode="numeric" />
                            </div>
                            <div class="field field--inline">
                                <label class="field__label" for="last_serial">{t!(i18n, routing.last)}</label>
                                {field_error("last_serial")}
                                <input class="input" id="last_serial" name="last_serial" type="text" inputmode="numeric" />
                            </div>
                            <button type="submit" class="button">{t!(i18n, routing.add_range)}</button>
                        </form>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

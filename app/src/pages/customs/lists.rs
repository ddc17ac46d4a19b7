//! A customs supervisor's lists: the lane bands and green-lane policy, the
//! watchlist, and the decision reason codes of their administration.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::customs::rules::{customs_lists, SupervisorLists};
use crate::components::{use_form_errors, ErrorSummary, Guarded, Problem, TextField};
use crate::domain::account::Role;
use crate::i18n::*;

const SUPERVISOR: &[Role] = &[Role::CustomsSupervisor];

#[component]
pub fn CustomsListsPage() -> impl IntoView {
    view! { <Guarded roles=SUPERVISOR><ListsPage /></Guarded> }
}

#[component]
fn ListsPage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let query = use_query_map();
    let lists = Resource::new(|| (), |_| customs_lists());
    let saved = move || query.read().get("saved").is_some();
    view! {
        <Title text=t_string!(i18n, lists.title).to_string() />
        <ErrorSummary errors />
        {move || saved().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, lists.saved)}</p></div> })}
        <h1>{t!(i18n, lists.title)}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match lists.await {
                    Ok(l) => view! { <ListsView lists=l /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ListsView(lists: SupervisorLists) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    let s = lists.settings;
    view! {
        <h2>{t!(i18n, lists.lanes)}</h2>
        <form method="post" action="/api/risk/settings/save" class="form" novalidate>
            <div class="field-row">
                <TextField name="yellow_from" kind="number" label=td_string!(l, lists.yellow_from).to_string()
                    value=s.yellow_from.to_string() errors />
                <TextField name="red_from" kind="number" label=td_string!(l, lists.red_from).to_string()
                    value=s.red_from.to_string() errors />
            </div>
            <div class="checkbox">
                <input type="checkbox" id="auto_preclear_green" name="auto_preclear_green" value="on" checked=s.auto_preclear_green />
                <label for="auto_preclear_green">{t!(i18n, lists.auto_preclear)}</label>
            </div>
            <button type="submit" class="button">{t!(i18n, lists.save_lanes)}</button>
        </form>

        <h2>{t!(i18n, lists.watchlist)}</h2>
        <div class="table-wrap">
            <table class="table" id="watchlist">
                <thead><tr>
                    <th scope="col">{t!(i18n, lists.name)}</th>
                    <th scope="col">{t!(i18n, lists.country)}</th>
                    <th scope="col">{t!(i18n, lists.action)}</th>
                    <th scope="col">{t!(i18n, lists.note)}</th>
                    <td></td>
                </tr></thead>
                <tbody>
                    {lists.watchlist.into_iter().map(|w| {
                        let action = if w.action == "block" { td_string!(l, lists.block) } else { td_string!(l, lists.warn) };
                        let remove = format!("{} {}", td_string!(l, lists.remove), w.name);
                        view! {
                            <tr>
                                <td>{w.name.clone()}</td>
                                <td>{w.country.clone()}</td>
                                <td>{action.to_string()}</td>
                                <td>{w.note.clone()}</td>
                                <td>
                                    <form method="post" action="/api/risk/watchlist/remove">
                                        <input type="hidden" name="entry_id" value=w.id />
                                        <button type="submit" class="button button--secondary button--small" aria-label=remove>{t!(i18n, lists.remove)}</button>
                                    </form>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h3>{t!(i18n, lists.add_watch)}</h3>
        <form method="post" action="/api/risk/watchlist/add" class="form" novalidate>
            <TextField name="name" label=td_string!(l, lists.name).to_string() required=true errors />
            <TextField name="country" label=td_string!(l, lists.country_optional).to_string() errors />
            <div class="field">
                <label class="field__label" for="action">{t!(i18n, lists.action)}</label>
                <select class="select" id="action" name="action">
                    <option value="warn">{t!(i18n, lists.warn)}</option>
                    <option value="block">{t!(i18n, lists.block)}</option>
                </select>
            </div>
            <TextField name="note" label=td_string!(l, lists.note).to_string() errors />
            <button type="submit" class="button">{t!(i18n, lists.add)}</button>
        </form>

        <h2>{t!(i18n, lists.reasons)}</h2>
        <div class="table-wrap">
            <table class="table" id="reason-codes">
                <thead><tr>
                    <th scope="col">{t!(i18n, lists.code)}</th>
                    <th scope="col">{t!(i18n, lists.label)}</th>
                    <th scope="col">{t!(i18n, lists.state)}</th>
                    <td></td>
                </tr></thead>
                <tbody>
                    {lists.reasons.into_iter().map(|r| {
                        let (state, toggle, label) = if r.active {
                            (td_string!(l, lists.active), "false", td_string!(l, lists.deactivate))
                        } else {
                            (td_string!(l, lists.inactive), "true", td_string!(l, lists.activate))
                        };
                        let aria = format!("{label} {}", r.code);
                        view! {
                            <tr>
                                <td><code>{r.code.clone()}</code></td>
                                <td>{r.label.clone()}</td>
                                <td>{state.to_string()}</td>
                                <td>
                                    <form method="post" action="/api/risk/reasons/active">
                                        <input type="hidden" name="reason_id" value=r.id />
                                        <input type="hidden" name="active" value=toggle />
                                        <button type="submit" class="button button--secondary button--small" aria-label=aria>{label.to_string()}</button>
                                    </form>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h3>{t!(i18n, lists.add_reason)}</h3>
        <form method="post" action="/api/risk/reasons/save" class="form" novalidate>
            <TextField name="code" label=td_string!(l, lists.code).to_string()
                hint=td_string!(l, lists.code_hint).to_string() required=true errors />
            <TextField name="label" label=td_string!(l, lists.label).to_string() required=true errors />
            <button type="submit" class="button">{t!(i18n, lists.add)}</button>
        </form>
    }
}

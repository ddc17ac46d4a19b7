//! Administration: accounts, organisations and offices.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::admin::{
    get_office, get_organisation, list_organisations, list_users, staff_form_options, Organisation,
    UserSummary,
};
use crate::components::{
    error_text, remembered, role_name, use_form_errors, ErrorSummary, Guarded, Problem, SortHeader,
    SortableTable, TextField,
};
use crate::domain::account::Role;
use crate::i18n::*;

const ADMIN: &[Role] = &[Role::Admin];
const STAFF_MANAGERS: &[Role] = &[Role::Admin, Role::CustomsSupervisor];

fn org_kind_name(l: Locale, kind: &str) -> String {
    match kind {
        "company" => td_string!(l, org_kinds.company).to_string(),
        "post" => td_string!(l, org_kinds.post).to_string(),
        "customs" => td_string!(l, org_kinds.customs).to_string(),
        other => other.to_owned(),
    }
}

fn office_kind_name(l: Locale, kind: &str) -> String {
    match kind {
        "exchange" => td_string!(l, office_kinds.exchange).to_string(),
        "delivery" => td_string!(l, office_kinds.delivery).to_string(),
        "customs" => td_string!(l, office_kinds.customs).to_string(),
        other => other.to_owned(),
    }
}

#[component]
pub fn Users() -> impl IntoView {
    view! { <Guarded roles=STAFF_MANAGERS><UsersPage /></Guarded> }
}

#[component]
fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let role_filter = move || query.read().get("role").unwrap_or_default();
    let users = Resource::new(role_filter, |r| list_users((!r.is_empty()).then_some(r)));
    let errors = use_form_errors();
    let created = move || query.read().get("created").is_some();
    let reset = move || query.read().get("reset").is_some();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, admin.users_title).to_string() />
        <ErrorSummary errors />
        {move || created().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, admin.created)}</p></div> })}
        {move || reset().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, admin.two_factor_reset)}</p></div> })}
        <div class="page-head">
            <h1>{t!(i18n, admin.users_title)}</h1>
            <a class="button" href="/admin/users/new">{t!(i18n, nav.new_staff)}</a>
        </div>
        <form method="get" action="/admin/users" class="filters">
            <label class="field__label" for="role">{t!(i18n, admin.role)}</label>
            <select class="select" id="role" name="role">
                <option value="">{t!(i18n, admin.all_roles)}</option>
                {Role::ALL.into_iter().map(|r| {
                    let selected = move || role_filter() == r.as_str();
                    view! { <option value=r.as_str() selected=selected>{role_name(l, r)}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button button--secondary">{t!(i18n, admin.filter)}</button>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                let me = crate::components::use_user().ok().flatten().map(|u| u.id);
                match users.await {
                    Ok(list) => view! { <UsersTable users=list me /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A dense table, sorted by e-mail address; its column headers sort it in
/// place (`SortableTable`).
#[component]
fn UsersTable(mut users: Vec<UserSummary>, me: Option<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let count = users.len();
    users.sort_by(|a, b| a.email.cmp(&b.email));
    let header = |label: String| view! { <SortHeader label /> };
    view! {
        <p class="table-count">{t!(i18n, admin.count, count = move || count)}</p>
        <SortableTable>
            <table class="table" id="users-table">
                <thead><tr>
                    <SortHeader label=td_string!(l, admin.email).to_string() sorted=true />
                    {header(td_string!(l, admin.name).to_string())}
                    {header(td_string!(l, admin.role).to_string())}
                    {header(td_string!(l, admin.organisation).to_string())}
                    <th scope="col">{t!(i18n, admin.office)}</th>
                    {header(td_string!(l, admin.status).to_string())}
                    <th scope="col">{t!(i18n, admin.actions)}</th>
                </tr></thead>
                <tbody>
                    {users.into_iter().map(|u| view! { <UserRow is_me=Some(u.id) == me u /> }).collect_view()}
                </tbody>
            </table>
        </SortableTable>
    }
}

#[component]
fn UserRow(u: UserSummary, is_me: bool) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let role = u
        .role
        .parse::<Role>()
        .map(|r| role_name(l, r))
        .unwrap_or(u.role.clone());
    let status = if u.disabled {
        td_string!(l, admin.disabled).to_string()
    } else if u.locked_secs > 0 {
        td_string!(l, admin.locked).to_string()
    } else {
        td_string!(l, admin.active).to_string()
    };
    let id = u.id.to_string();
    let toggle_label = if u.disabled {
        td_string!(l, admin.enable).to_string()
    } else {
        td_string!(l, admin.disable).to_string()
    };
    view! {
        <tr data-email=u.email.clone()>
            <td>{u.email.clone()}</td>
            <td>{u.display_name.clone()}</td>
            <td data-sort=u.role.clone()>{role}</td>
            <td>{u.organisation_name.clone().unwrap_or_default()}{u.country_code.clone().map(|c| format!(" ({c})"))}</td>
            <td>{u.office_name.clone().unwrap_or_default()}</td>
            // Active, then locked (longest lock last), then disabled.
            <td data-sort=(i64::from(u.disabled) * 1_000_000_000_000 + u.locked_secs).to_string()>{status}</td>
            <td class="actions">
                {(!is_me).then(|| view! {
                    <form method="post" action="/api/admin/users/set_disabled" class="inline-form">
                        <input type="hidden" name="user_id" value=id.clone() />
                        <input type="hidden" name="disabled" value=(!u.disabled).to_string() />
                        <button type="submit" class="button button--small button--secondary">
                            {toggle_label}
                            <span class="visually-hidden">" " {u.email.clone()}</span>
                        </button>
                    </form>
                })}
                {(u.two_factor && !is_me).then(|| view! {
                    <form method="post" action="/api/admin/users/reset_two_factor" class="inline-form">
                        <input type="hidden" name="user_id" value=id.clone() />
                        <button type="submit" class="button button--small button--secondary">
                            {t!(i18n, admin.reset_two_factor)}<span class="visually-hidden">" " {u.email.clone()}</span>
                        </button>
                    </form>
                })}
                {(u.locked_secs > 0).then(|| view! {
                    <form method="post" action="/api/admin/users/unlock" class="inline-form">
                        <input type="hidden" name="user_id" value=id.clone() />
                        <button type="submit" class="button button--small">
                            {t!(i18n, admin.unlock)}<span class="visually-hidden">" " {u.email.clone()}</span>
                        </button>
                    </form>
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn NewStaff() -> impl IntoView {
    view! { <Guarded roles=STAFF_MANAGERS><NewStaffPage /></Guarded> }
}

#[component]
fn NewStaffPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    let choices = Resource::new(|| (), |_| staff_form_options());
    let field_error = move |f: &'static str| {
        move || {
            errors
                .get()
                .for_field(f)
                .map(|c| view! { <p class="field__error">{error_text(l, &c, None)}</p> })
        }
    };
    view! {
        <Title text=t_string!(i18n, admin.new_staff_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, admin.new_staff_title)}</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    let c = match choices.await {
                        Ok(c) => c,
                        Err(e) => return view! { <Problem error=e /> }.into_any(),
                    };
                    let org_name = |id: i64| c.organisations.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_default();
                    let offices: Vec<_> = c.offices.iter().map(|o| (o.id, format!("{} – {} ({})", org_name(o.organisation_id), o.name, o.code))).collect();
                    view! {
                        <form method="post" action="/api/admin/users/create" novalidate>
                            <TextField name="display_name" label=td_string!(l, admin.name).to_string() required=true errors />
                            <TextField name="email" kind="email" label=td_string!(l, admin.email).to_string() required=true errors />
                            <div class="field">
                                <label class="field__label" for="role">{t!(i18n, admin.role)}</label>
                                {field_error("role")}
                                <select class="select" id="role" name="role">
                                    {c.roles.iter().map(|r| {
                                        let name = r.parse::<Role>().map(|x| role_name(l, x)).unwrap_or(r.clone());
                                        let selected = remembered("role").as_deref() == Some(r.as_str());
                                        view! { <option value=r.clone() selected=selected>{name}</option> }
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label class="field__label" for="organisation_id">{t!(i18n, admin.organisation)}</label>
                                {field_error("organisation_id")}
                                <select class="select" id="organisation_id" name="organisation_id">
                                    <option value="">{t!(i18n, admin.none)}</option>
                                    {c.organisations.iter().map(|o| view! {
                                        <option value=o.id.to_string() selected=remembered("organisation_id") == Some(o.id.to_string())>{format!("{} ({}, {})", o.name, org_kind_name(l, &o.kind), o.country_code)}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label class="field__label" for="office_id">{t!(i18n, admin.office)}</label>
                                {field_error("office_id")}
                                <select class="select" id="office_id" name="office_id">
                                    <option value="">{t!(i18n, admin.none)}</option>
                                    {offices.into_iter().map(|(id, label)| view! {
                                        <option value=id.to_string() selected=remembered("office_id") == Some(id.to_string())>{label}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="field">
                                <label class="field__label" for="language">{t!(i18n, admin.language)}</label>
                                <select class="select" id="language" name="language">
                                    <option value="en">"English"</option>
                                    <option value="fr" selected=remembered("language").as_deref() == Some("fr")>"Français"</option>
                                </select>
                            </div>
                            <TextField name="password" kind="password" autocomplete="new-password" required=true
                                label=td_string!(l, admin.initial_password).to_string()
                                hint=td_string!(l, admin.initial_password_hint).to_string() errors />
                            <button type="submit" class="button">{t!(i18n, admin.create)}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn Organisations() -> impl IntoView {
    view! { <Guarded roles=ADMIN><OrganisationsPage /></Guarded> }
}

#[component]
fn OrganisationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let orgs = Resource::new(|| (), |_| list_organisations(None));
    view! {
        <Title text=t_string!(i18n, admin.orgs_title).to_string() />
        <div class="page-head">
            <h1>{t!(i18n, admin.orgs_title)}</h1>
            <a class="button" href="/admin/organisations/new">{t!(i18n, admin.new_org)}</a>
        </div>
        <Suspense>
            {move || Suspend::new(async move {
                match orgs.await {
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table" id="organisations-table">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, admin.org_name)}</th>
                                    <th scope="col">{t!(i18n, admin.kind)}</th>
                                    <th scope="col">{t!(i18n, admin.country)}</th>
                                    <th scope="col" class="num">{t!(i18n, admin.offices)}</th>
                                    <th scope="col" class="num">{t!(i18n, admin.users)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|o: Organisation| view! {
                                        <tr>
                                            <td><a href=format!("/admin/organisations/{}", o.id)>{o.name.clone()}</a></td>
                                            <td>{org_kind_name(l, &o.kind)}</td>
                                            <td>{o.country_code.clone()}</td>
                                            <td class="num">{o.office_count}</td>
                                            <td class="num">{o.user_count}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NewOrganisation() -> impl IntoView {
    view! { <Guarded roles=ADMIN><NewOrganisationPage /></Guarded> }
}

#[component]
fn NewOrganisationPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    view! {
        <Title text=t_string!(i18n, admin.new_org_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, admin.new_org_title)}</h1>
            <form method="post" action="/api/admin/organisations/create" novalidate>
                <div class="field">
                    <label class="field__label" for="kind">{t!(i18n, admin.kind)}</label>
                    <select class="select" id="kind" name="kind">
                        {["post", "customs", "company"].into_iter().map(|k| view! {
                            <option value=k selected=remembered("kind").as_deref() == Some(k)>{org_kind_name(l, k)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <TextField name="name" label=td_string!(l, admin.org_name).to_string() required=true errors />
                <TextField name="country_code" label=td_string!(l, admin.country_code).to_string()
                    hint=td_string!(l, admin.country_hint).to_string() required=true errors />
                <button type="submit" class="button">{t!(i18n, admin.create_org)}</button>
            </form>
        </div>
    }
}

#[component]
pub fn EditOrganisation() -> impl IntoView {
    view! { <Guarded roles=ADMIN><EditOrganisationPage /></Guarded> }
}

#[component]
fn EditOrganisationPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let query = use_query_map();
    let id = crate::components::use_id_param();
    let detail = Resource::new(move || id.get(), get_organisation);
    let errors = use_form_errors();
    let saved = move || query.read().get("saved").is_some();
    view! {
        <Title text=t_string!(i18n, admin.edit_org_title).to_string() />
        <ErrorSummary errors />
        {move || saved().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, admin.saved)}</p></div> })}
        <Suspense>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Ok(d) => d,
                    Err(e) => {
                        crate::components::set_page_status(e.status());
                        return view! { <h1>{t!(i18n, admin.edit_org_title)}</h1><Problem error=e /> }.into_any();
                    }
                };
                let o = d.organisation;
                let kinds: Vec<&'static str> = match o.kind.as_str() {
                    "post" => vec!["exchange", "delivery"],
                    "customs" => vec!["customs"],
                    _ => vec![],
                };
                view! {
                    <h1>{o.name.clone()} <span class="caption">{org_kind_name(l, &o.kind)}</span></h1>
                    <div class="columns">
                        <section class="column">
                            <form method="post" action="/api/admin/organisations/update" novalidate>
                                <input type="hidden" name="id" value=o.id.to_string() />
                                <TextField name="name" label=td_string!(l, admin.org_name).to_string() value=o.name.clone() required=true errors />
                                <TextField name="country_code" label=td_string!(l, admin.country_code).to_string()
                                    hint=td_string!(l, admin.country_hint).to_string() value=o.country_code.clone() required=true errors />
                                <button type="submit" class="button">{t!(i18n, admin.save)}</button>
                            </form>
                        </section>
                        <section class="column" aria-labelledby="offices-heading">
                            <h2 id="offices-heading">{t!(i18n, admin.offices)}</h2>
                            {if d.offices.is_empty() {
                                view! { <p>{t!(i18n, admin.no_offices)}</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap"><table class="table" id="offices-table">
                                        <thead><tr>
                                            <th scope="col">{t!(i18n, admin.office_code)}</th>
                                            <th scope="col">{t!(i18n, admin.office_name)}</th>
                                            <th scope="col">{t!(i18n, admin.kind)}</th>
                                            <th scope="col">{t!(i18n, admin.postcode)}</th>
                                        </tr></thead>
                                        <tbody>
                                            {d.offices.into_iter().map(|f| view! {
                                                <tr><td><a href=format!("/admin/offices/{}", f.id)><code>{f.code}</code></a></td><td>{f.name}</td><td>{office_kind_name(l, &f.kind)}</td><td>{f.postcode}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table></div>
                                }.into_any()
                            }}
                            {(!kinds.is_empty()).then(|| view! {
                                <h3>{t!(i18n, admin.add_office)}</h3>
                                <form method="post" action="/api/admin/offices/create" novalidate>
                                    <input type="hidden" name="organisation_id" value=o.id.to_string() />
                                    <div class="field">
                                        <label class="field__label" for="office-kind">{t!(i18n, admin.kind)}</label>
                                        <select class="select" id="office-kind" name="kind">
                                            {kinds.iter().map(|k| view! {
                                                <option value=*k selected=remembered("office_kind").as_deref() == Some(*k)>{office_kind_name(l, k)}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <TextField name="code" label=td_string!(l, admin.office_code).to_string()
                                        hint=td_string!(l, admin.office_code_hint).to_string() required=true errors />
                                    <TextField name="office_name" label=td_string!(l, admin.office_name).to_string() required=true errors />
                                    <TextField name="postcode" label=td_string!(l, admin.postcode).to_string() errors />
                                    <button type="submit" class="button">{t!(i18n, admin.add_office)}</button>
                                </form>
                            })}
                        </section>
                    </div>
                }.into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn EditOffice() -> impl IntoView {
    view! { <Guarded roles=ADMIN><EditOfficePage /></Guarded> }
}

#[component]
fn EditOfficePage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let id = crate::components::use_id_param();
    let office = Resource::new(move || id.get(), get_office);
    let errors = use_form_errors();
    view! {
        <Title text=t_string!(i18n, admin.edit_office_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
                <Suspense>
                    {move || Suspend::new(async move {
                        let (f, customs) = match office.await {
                            Ok(e) => (e.office, e.customs_offices),
                            Err(e) => {
                                crate::components::set_page_status(e.status());
                                return view! { <h1>{t!(i18n, admin.edit_office_title)}</h1><Problem error=e /> }.into_any();
                            }
                        };
                        view! {
                            <h1>{f.name.clone()} <span class="caption">{office_kind_name(l, &f.kind)} " · " <code>{f.code.clone()}</code></span></h1>
                            <form method="post" action="/api/admin/offices/update" novalidate>
                                <input type="hidden" name="id" value=f.id.to_string() />
                                <TextField name="office_name" label=td_string!(l, admin.office_name).to_string() value=f.name.clone() required=true errors />
                                <TextField name="postcode" label=td_string!(l, admin.postcode).to_string() value=f.postcode.clone() errors />
                                {(f.kind == "exchange").then(|| {
                                    let chosen = remembered("customs_office_id")
                                        .unwrap_or_else(|| f.customs_office_id.map(|i| i.to_string()).unwrap_or_default());
                                    let error = errors.get_untracked().for_field("customs_office_id").map(|c| error_text(l, &c, None));
                                    let invalid = error.is_some();
                                    view! {
                                        <div class="field" class:field--error=invalid>
                                            <label class="field__label" for="customs_office_id">{t!(i18n, admin.customs_office)}</label>
                                            <p class="field__hint" id="customs_office_id-hint">{t!(i18n, admin.customs_office_hint)}</p>
                                            {error.map(|e| view! { <p class="field__error" id="customs_office_id-error">{e}</p> })}
                                            <select class="select" id="customs_office_id" name="customs_office_id" aria-describedby="customs_office_id-hint">
                                                <option value="" selected=chosen.is_empty()>{t!(i18n, admin.customs_office_none)}</option>
                                                {customs.iter().map(|c| {
                                                    let v = c.id.to_string();
                                                    let sel = v == chosen;
                                                    view! { <option value=v selected=sel>{format!("{} ({})", c.name, c.code)}</option> }
                                                }).collect_view()}
                                            </select>
                                        </div>
                                    }
                                })}
                                <button type="submit" class="button">{t!(i18n, admin.save)}</button>
                            </form>
                            <p><a href=format!("/admin/organisations/{}", f.organisation_id)>{t!(i18n, admin.back_to_org)}</a></p>
                        }.into_any()
                    })}
                </Suspense>
        </div>
    }
}

//! Back-office pages of the platform services: the job queue and the audit
//! log (admins), and documents (every signed-in account).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::{list_audit, AuditFilter, AUDIT_PAGE};
use crate::api::documents::list_documents;
use crate::api::jobs::{list_jobs, JOB_STATES};
use crate::components::{use_form_errors, use_user, ErrorSummary, Guarded, Problem};
use crate::domain::account::Role;
use crate::domain::platform::{AuditEntry, DocumentInfo, JobRow, MAX_DOCUMENT_BYTES};
use crate::i18n::*;

const ADMIN: &[Role] = &[Role::Admin];

/// `2026-11-28 14:05:09 UTC`.
pub fn when(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    format!("{} UTC", t.format(&f).unwrap_or_default())
}

fn state_name(l: Locale, state: &str) -> String {
    match state {
        "pending" => td_string!(l, jobs.state_pending).to_string(),
        "running" => td_string!(l, jobs.state_running).to_string(),
        "dead" => td_string!(l, jobs.state_dead).to_string(),
        "done" => td_string!(l, jobs.state_done).to_string(),
        "discarded" => td_string!(l, jobs.state_discarded).to_string(),
        other => other.to_owned(),
    }
}

#[component]
pub fn Jobs() -> impl IntoView {
    view! { <Guarded roles=ADMIN><JobsPage /></Guarded> }
}

#[component]
fn JobsPage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let query = use_query_map();
    let filter = move || query.read().get("state").unwrap_or_default();
    let jobs = Resource::new(filter, |s| list_jobs((!s.is_empty()).then_some(s)));
    let l = i18n.get_locale_untracked();
    let done = move || {
        let q = query.read();
        q.get("retried").is_some() || q.get("discarded").is_some()
    };
    view! {
        <Title text=t_string!(i18n, jobs.title).to_string() />
        <ErrorSummary errors />
        {move || done().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, jobs.changed)}</p></div> })}
        <h1>{t!(i18n, jobs.title)}</h1>
        <p>{t!(i18n, jobs.intro)}</p>
        <form method="get" action="/admin/jobs" class="filters">
            <label class="field__label" for="state">{t!(i18n, jobs.state)}</label>
            <select class="select" id="state" name="state">
                <option value="">{t!(i18n, jobs.unfinished)}</option>
                {JOB_STATES.into_iter().map(|s| {
                    let selected = move || filter() == s;
                    view! { <option value=s selected=selected>{state_name(l, s)}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="button button--secondary">{t!(i18n, admin.filter)}</button>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                match jobs.await {
                    Ok(list) => view! {
                        <p class="table-count">
                            {list.counts.iter().map(|(s, n)| format!("{}: {n}", state_name(l, s))).collect::<Vec<_>>().join(" · ")}
                        </p>
                        <JobsTable jobs=list.jobs />
                    }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn JobsTable(jobs: Vec<JobRow>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if jobs.is_empty() {
        return view! { <p>{t!(i18n, jobs.none)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table" id="jobs-table">
                <thead><tr>
                    <th scope="col">"#"</th>
                    <th scope="col">{t!(i18n, jobs.kind)}</th>
                    <th scope="col">{t!(i18n, jobs.state)}</th>
                    <th scope="col">{t!(i18n, jobs.attempts)}</th>
                    <th scope="col">{t!(i18n, jobs.run_at)}</th>
                    <th scope="col">{t!(i18n, jobs.last_error)}</th>
                    <th scope="col">{t!(i18n, jobs.actions)}</th>
                </tr></thead>
                <tbody>
                    {jobs.into_iter().map(|j| {
                        let failed = j.state == "dead" || (j.state == "pending" && j.attempts > 0);
                        let can_discard = j.state == "dead" || j.state == "pending";
                        let id = j.id.to_string();
                        view! {
                            <tr>
                                <td>{j.id}</td>
                                <td><code>{j.kind.clone()}</code><br/><small class="muted">{j.payload.clone()}</small></td>
                                <td><span class=format!("tag tag--{}", j.state)>{state_name(l, &j.state)}</span></td>
                                <td>{format!("{} / {}", j.attempts, j.max_attempts)}</td>
                                <td>{when(j.run_at)}</td>
                                <td class="wrap">{j.last_error.clone().unwrap_or_default()}</td>
                                <td class="actions">
                                    {failed.then(|| view! {
                                        <form method="post" action="/api/admin/jobs/retry" class="inline-form">
                                            <input type="hidden" name="job_id" value=id.clone() />
                                            <button type="submit" class="button button--small">{t!(i18n, jobs.retry)}</button>
                                        </form>
                                    })}
                                    {can_discard.then(|| view! {
                                        <form method="post" action="/api/admin/jobs/discard" class="inline-form">
                                            <input type="hidden" name="job_id" value=id.clone() />
                                            <button type="submit" class="button button--small button--warning">{t!(i18n, jobs.discard)}</button>
                                        </form>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn Audit() -> impl IntoView {
    view! { <Guarded roles=ADMIN><AuditPage /></Guarded> }
}

#[component]
fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        AuditFilter {
            entity: get("entity"),
            actor: get("actor"),
            action: get("action"),
            from: get("from"),
            to: get("to"),
            before_id: get("before").and_then(|v| v.parse().ok()),
        }
    };
    let entries = Resource::new(filter, |f: AuditFilter| {
        list_audit(f.entity, f.actor, f.action, f.from, f.to, f.before_id)
    });
    let value = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    view! {
        <Title text=t_string!(i18n, audit.title).to_string() />
        <h1>{t!(i18n, audit.title)}</h1>
        <p>{t!(i18n, audit.intro)}</p>
        <form method="get" action="/admin/audit" class="filters filters--wrap">
            <div class="field field--inline">
                <label class="field__label" for="entity">{t!(i18n, audit.entity)}</label>
                <select class="select" id="entity" name="entity">
                    <option value="">{t!(i18n, audit.all)}</option>
                    {["user", "organisation", "office", "job"].into_iter().map(|e| {
                        let selected = move || value("entity")() == e;
                        view! { <option value=e selected=selected>{e}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field field--inline">
                <label class="field__label" for="actor">{t!(i18n, audit.actor)}</label>
                <input class="input" id="actor" name="actor" type="search" value=value("actor") />
            </div>
            <div class="field field--inline">
                <label class="field__label" for="from">{t!(i18n, audit.from)}</label>
                <input class="input" id="from" name="from" type="date" value=value("from") />
            </div>
            <div class="field field--inline">
                <label class="field__label" for="to">{t!(i18n, audit.to)}</label>
                <input class="input" id="to" name="to" type="date" value=value("to") />
            </div>
            <button type="submit" class="button button--secondary">{t!(i18n, admin.filter)}</button>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) => view! { <AuditTable entries=list /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    if entries.is_empty() {
        return view! { <p>{t!(i18n, audit.none)}</p> }.into_any();
    }
    // The next page: the same filters, older entries.
    let older = (entries.len() as i64 == AUDIT_PAGE).then(|| {
        let last = entries.last().map(|e| e.id).unwrap_or(0);
        let q = query.read_untracked();
        let mut parts: Vec<String> = ["entity", "actor", "action", "from", "to"]
            .iter()
            .filter_map(|k| {
                q.get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", crate::components::urlencode(&v)))
            })
            .collect();
        parts.push(format!("before={last}"));
        format!("/admin/audit?{}", parts.join("&"))
    });
    view! {
        <div class="table-wrap">
            <table class="table" id="audit-table">
                <thead><tr>
                    <th scope="col">{t!(i18n, audit.when)}</th>
                    <th scope="col">{t!(i18n, audit.actor)}</th>
                    <th scope="col">{t!(i18n, audit.action)}</th>
                    <th scope="col">{t!(i18n, audit.entity)}</th>
                    <th scope="col">{t!(i18n, audit.before)}</th>
                    <th scope="col">{t!(i18n, audit.after)}</th>
                </tr></thead>
                <tbody>
                    {entries.into_iter().map(|e| view! {
                        <tr>
                            <td class="nowrap">{when(e.at)}</td>
                            <td>{e.actor_email.clone()}<br/><small class="muted">{e.actor_role.clone()}</small></td>
                            <td><code>{e.action.clone()}</code></td>
                            <td>{format!("{} {}", e.entity, e.entity_id)}</td>
                            <td class="wrap"><code class="json">{e.before_json.clone().unwrap_or_default()}</code></td>
                            <td class="wrap"><code class="json">{e.after_json.clone().unwrap_or_default()}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {older.map(|href| view! { <p><a href=href>{t!(i18n, audit.older)}</a></p> })}
    }
    .into_any()
}

#[component]
pub fn Documents() -> impl IntoView {
    view! { <Guarded roles=&Role::ALL><DocumentsPage /></Guarded> }
}

#[component]
fn DocumentsPage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let query = use_query_map();
    let uploaded = move || query.read().get("uploaded").is_some();
    let docs = Resource::new(|| (), |_| list_documents());
    let user = use_user().ok().flatten();
    let org = user.as_ref().and_then(|u| u.organisation_name.clone());
    let file_error = move || {
        errors
            .get()
            .for_field("file")
            .map(|c| crate::components::error_text(i18n.get_locale_untracked(), &c, None))
    };
    let max_mb = MAX_DOCUMENT_BYTES / (1024 * 1024);
    view! {
        <Title text=t_string!(i18n, documents.title).to_string() />
        <ErrorSummary errors />
        {move || uploaded().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, documents.uploaded)}</p></div> })}
        <h1>{t!(i18n, documents.title)}</h1>
        <form method="post" action="/api/documents" enctype="multipart/form-data" class="upload">
            <div class="field" class:field--error=move || file_error().is_some()>
                <label class="field__label" for="file">{t!(i18n, documents.file)}</label>
                <p class="field__hint" id="file-hint">{t!(i18n, documents.hint, max = move || max_mb)}</p>
                {move || file_error().map(|e| view! { <p class="field__error" id="file-error">{e}</p> })}
                <input class="file" id="file" name="file" type="file" required
                    accept="application/pdf,image/jpeg,image/png" aria-describedby="file-hint" />
            </div>
            {org.map(|name| view! {
                <fieldset class="field">
                    <legend class="field__label">{t!(i18n, documents.owner)}</legend>
                    <div class="radio">
                        <input type="radio" id="owner-user" name="owner" value="user" checked />
                        <label for="owner-user">{t!(i18n, documents.owner_me)}</label>
                    </div>
                    <div class="radio">
                        <input type="radio" id="owner-org" name="owner" value="organisation" />
                        <label for="owner-org">{name}</label>
                    </div>
                </fieldset>
            })}
            <button type="submit" class="button">{t!(i18n, documents.upload)}</button>
        </form>
        <h2>{t!(i18n, documents.list)}</h2>
        <Suspense>
            {move || Suspend::new(async move {
                match docs.await {
                    Ok(list) => view! { <DocumentsTable docs=list /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!(
            "{}.{} MB",
            bytes / (1024 * 1024),
            (bytes % (1024 * 1024)) * 10 / (1024 * 1024)
        )
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

#[component]
fn DocumentsTable(docs: Vec<DocumentInfo>) -> impl IntoView {
    let i18n = use_i18n();
    if docs.is_empty() {
        return view! { <p>{t!(i18n, documents.none)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table" id="documents-table">
                <thead><tr>
                    <th scope="col">{t!(i18n, documents.name)}</th>
                    <th scope="col">{t!(i18n, documents.type_)}</th>
                    <th scope="col">{t!(i18n, documents.size)}</th>
                    <th scope="col">{t!(i18n, documents.added)}</th>
                </tr></thead>
                <tbody>
                    {docs.into_iter().map(|d| view! {
                        <tr>
                            <td><a href=format!("/api/documents/{}", d.id) download=d.filename.clone()>{d.filename.clone()}</a></td>
                            <td>{d.content_type.clone()}</td>
                            <td>{size_text(d.size_bytes)}</td>
                            <td>{when(d.created_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

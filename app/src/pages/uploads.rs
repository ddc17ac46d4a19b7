//! Bulk upload pages: send a CSV file of declarations, then watch it being
//! checked and saved, with every problem placed at its row and column.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::uploads::{get_upload, list_uploads};
use crate::components::{
    error_text, use_form_errors, use_id_param, ErrorSummary, Guarded, Problem as ProblemView,
};
use crate::domain::account::Role;
use crate::domain::uploads::{UploadDetail, UploadInfo, UploadStatus, MAX_ROWS, PROBLEMS_SHOWN};
use crate::i18n::*;
use crate::pages::platform::when;

const MERCHANT: &[Role] = &[Role::Merchant];

/// How often a page watching an unfinished upload asks again.
const POLL_MS: u64 = 700;

fn status_name(l: Locale, status: &str) -> String {
    match UploadStatus::parse(status) {
        Some(UploadStatus::Queued) => td_string!(l, uploads.status_queued).to_string(),
        Some(UploadStatus::Checking) => td_string!(l, uploads.status_checking).to_string(),
        Some(UploadStatus::Saving) => td_string!(l, uploads.status_saving).to_string(),
        Some(UploadStatus::Done) => td_string!(l, uploads.status_done).to_string(),
        Some(UploadStatus::Rejected) => td_string!(l, uploads.status_rejected).to_string(),
        Some(UploadStatus::Failed) => td_string!(l, uploads.status_failed).to_string(),
        None => status.to_owned(),
    }
}

/// `12,345`.
fn count(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[component]
pub fn UploadDeclarations() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><UploadForm /></Guarded> }
}

#[component]
fn UploadForm() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let uploads = Resource::new(|| (), |_| list_uploads());
    let field_error = move |field: &'static str| {
        move || {
            errors
                .get()
                .for_field(field)
                .map(|c| error_text(i18n.get_locale_untracked(), &c, None))
        }
    };
    let file_error = field_error("file");
    let max_rows = count(MAX_ROWS as i64);
    view! {
        <Title text=t_string!(i18n, uploads.title).to_string() />
        <ErrorSummary errors />
        <p class="back-link"><a href="/declarations">{t!(i18n, uploads.back)}</a></p>
        <h1>{t!(i18n, uploads.title)}</h1>
        <p class="lead">{t!(i18n, uploads.lead)}</p>
        <h2>{t!(i18n, uploads.step_template)}</h2>
        <p>{t!(i18n, uploads.template_text)}</p>
        <p><a class="button button--secondary" rel="external" href="/declarations/template.csv" download="declarations-template.csv">{t!(i18n, uploads.template)}</a></p>
        <details class="details">
            <summary>{t!(i18n, uploads.columns_title)}</summary>
            <ul class="columns-help">
                <li>{t!(i18n, uploads.columns_parcel)}</li>
                <li>{t!(i18n, uploads.columns_line)}</li>
                <li>{t!(i18n, uploads.columns_defaults)}</li>
                <li>{t!(i18n, uploads.columns_values)}</li>
            </ul>
        </details>
        <h2>{t!(i18n, uploads.step_upload)}</h2>
        <form method="post" action="/declarations/uploads" enctype="multipart/form-data" class="upload">
            <div class="field" class:field--error=move || file_error().is_some()>
                <label class="field__label" for="file">{t!(i18n, uploads.file)}</label>
                <p class="field__hint" id="file-hint">{t!(i18n, uploads.file_hint, max = move || max_rows.clone())}</p>
                {move || file_error().map(|e| view! { <p class="field__error" id="file-error">{e}</p> })}
                <input class="file" id="file" name="file" type="file" required
                    accept=".csv,text/csv" aria-describedby="file-hint" />
            </div>
            <fieldset class="field">
                <legend class="field__label">{t!(i18n, uploads.mode)}</legend>
                <div class="radio">
                    <input type="radio" id="mode-all" name="mode" value="all" checked />
                    <label for="mode-all">{t!(i18n, uploads.mode_all)}</label>
                </div>
                <div class="radio">
                    <input type="radio" id="mode-valid" name="mode" value="valid" />
                    <label for="mode-valid">{t!(i18n, uploads.mode_valid)}</label>
                </div>
            </fieldset>
            <button type="submit" class="button">{t!(i18n, uploads.submit)}</button>
        </form>
        <h2>{t!(i18n, uploads.recent)}</h2>
        <Suspense>
            {move || Suspend::new(async move {
                match uploads.await {
                    Ok(list) => view! { <UploadsTable uploads=list /> }.into_any(),
                    Err(e) => view! { <ProblemView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UploadsTable(uploads: Vec<UploadInfo>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    if uploads.is_empty() {
        return view! { <p>{t!(i18n, uploads.none)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table" id="uploads-table">
                <thead><tr>
                    <th scope="col">{t!(i18n, uploads.file_name)}</th>
                    <th scope="col">{t!(i18n, uploads.uploaded)}</th>
                    <th scope="col">{t!(i18n, uploads.status)}</th>
                    <th scope="col" class="num">{t!(i18n, uploads.rows)}</th>
                    <th scope="col" class="num">{t!(i18n, uploads.saved)}</th>
                    <th scope="col" class="num">{t!(i18n, uploads.rejected)}</th>
                </tr></thead>
                <tbody>
                    {uploads.into_iter().map(|u| {
                        let href = format!("/declarations/uploads/{}", u.id);
                        view! {
                            <tr>
                                <td><a href=href>{u.filename.clone()}</a></td>
                                <td>{when(u.created_at)}</td>
                                <td>{status_name(l, &u.status)}</td>
                                <td class="num">{count(u.rows_total)}</td>
                                <td class="num">{count(u.parcels_saved)}</td>
                                <td class="num">{count(u.parcels_rejected())}</td>
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
pub fn UploadProgress() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><UploadPage /></Guarded> }
}

#[component]
fn UploadPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = use_id_param();
    let detail = Resource::new(move || id.get(), get_upload);
    view! {
        <Title text=t_string!(i18n, uploads.upload_title).to_string() />
        <p class="back-link"><a href="/declarations/upload">{t!(i18n, uploads.back_to_upload)}</a></p>
        <Suspense>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <UploadLive locale=i18n.get_locale_untracked() detail=d /> }.into_any(),
                    Err(e) => view! { <ProblemView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An upload as it is checked and saved (`#[island]`): the server renders it
/// as it is now; in the browser it asks again every `POLL_MS` until the
/// upload is finished (without JavaScript, a link checks again).
#[island]
fn UploadLive(locale: Locale, detail: UploadDetail) -> impl IntoView {
    let id = detail.info.id;
    let current = RwSignal::new(detail);
    // Effects run in the browser only.
    Effect::new(move |_| {
        if !current.with_untracked(|d| d.info.is_final()) {
            follow(id, current);
        }
    });
    view! { {move || view! { <UploadView l=locale detail=current.get() /> }} }
}

/// Asks for upload `id` after `POLL_MS`, shows it, and goes on until it is
/// finished. An answer that does not come stops the following; the page's
/// link still checks again.
fn follow(id: i64, current: RwSignal<UploadDetail>) {
    set_timeout(
        move || {
            leptos::task::spawn_local(async move {
                if let Ok(d) = get_upload(id).await {
                    let finished = d.info.is_final();
                    current.set(d);
                    if !finished {
                        follow(id, current);
                    }
                }
            })
        },
        std::time::Duration::from_millis(POLL_MS),
    );
}

/// One state of an upload; inside an island, so its words come from the
/// locale it is given (no context).
#[component]
fn UploadView(l: Locale, detail: UploadDetail) -> impl IntoView {
    let UploadDetail { info, problems } = detail;
    let status = info.status();
    let finished = info.is_final();
    let heading = format!("{} {}", td_string!(l, uploads.upload_title), info.filename);
    let rows_text = format!(
        "{} {} / {}",
        td_string!(l, uploads.rows_checked),
        count(info.rows_checked),
        count(info.rows_total)
    );
    let saved_text = format!(
        "{} {} / {}",
        td_string!(l, uploads.parcels_saved),
        count(info.parcels_saved),
        count(info.parcels_valid.max(info.parcels_saved))
    );
    let status_text = format!(
        "{} {}",
        td_string!(l, uploads.status_label),
        status_name(l, &info.status)
    );
    let id = info.id;
    let has_rejected = finished && info.problem_count > 0 && info.parcels_total > 0;
    let outcome = match status {
        Some(UploadStatus::Done) => {
            let saved =
                td_string!(l, uploads.done_saved).replace("{n}", &count(info.parcels_saved));
            let rejected = (info.parcels_rejected() > 0).then(|| {
                td_string!(l, uploads.done_rejected).replace("{n}", &count(info.parcels_rejected()))
            });
            Some(
                view! {
                    <div class="notice notice--success" role="status">
                        <p>{saved}</p>
                        {rejected.map(|r| view! { <p>{r}</p> })}
                        <p><a href="/declarations">{td_string!(l, uploads.see_declarations)}</a></p>
                    </div>
                }
                .into_any(),
            )
        }
        Some(UploadStatus::Rejected) => {
            let text = td_string!(l, uploads.rejected_text)
                .replace("{n}", &count(info.problem_count))
                .replace("{p}", &count(info.parcels_rejected()));
            Some(
                view! {
                    <div class="notice notice--error" role="alert"><p>{text}</p></div>
                }
                .into_any(),
            )
        }
        Some(UploadStatus::Failed) => {
            let why = error_text(l, info.failure.as_deref().unwrap_or("internal"), None);
            let text = format!("{} {why}", td_string!(l, uploads.failed_text));
            Some(
                view! {
                    <div class="notice notice--error" role="alert"><p>{text}</p></div>
                }
                .into_any(),
            )
        }
        _ => None,
    };
    let more = (info.problem_count as usize > problems.len()).then(|| {
        td_string!(l, uploads.problems_more)
            .replace("{shown}", &count(PROBLEMS_SHOWN as i64))
            .replace("{n}", &count(info.problem_count))
    });
    view! {
        <h1>{heading}</h1>
        <div class="upload-progress" aria-live="polite">
            <p class="upload-progress__status" id="upload-status">{status_text}</p>
            <label class="field__label" for="rows-progress">{rows_text}</label>
            <progress id="rows-progress" max=info.rows_total.max(1) value=info.rows_checked>{info.rows_checked}</progress>
            <label class="field__label" for="parcels-progress">{saved_text}</label>
            <progress id="parcels-progress" max=info.parcels_valid.max(1) value=info.parcels_saved>{info.parcels_saved}</progress>
        </div>
        {(!finished).then(|| view! {
            <p><a href=format!("/declarations/uploads/{id}")>{td_string!(l, uploads.check_again)}</a></p>
        })}
        {outcome}
        {has_rejected.then(|| view! {
            <ul class="link-list">
                <li><a rel="external" download=format!("upload-{id}-rejected.csv") href=format!("/declarations/uploads/{id}/rejected.csv")>{td_string!(l, uploads.download_rejected)}</a></li>
                <li><a rel="external" download=format!("upload-{id}-problems.csv") href=format!("/declarations/uploads/{id}/problems.csv")>{td_string!(l, uploads.download_problems)}</a></li>
            </ul>
        })}
        {(!problems.is_empty()).then(|| view! {
            <h2>{td_string!(l, uploads.problems)}</h2>
            {more.map(|m| view! { <p>{m}</p> })}
            <div class="table-wrap">
                <table class="table" id="problems-table">
                    <thead><tr>
                        <th scope="col" class="num">{td_string!(l, uploads.row)}</th>
                        <th scope="col">{td_string!(l, uploads.column)}</th>
                        <th scope="col">{td_string!(l, uploads.problem)}</th>
                    </tr></thead>
                    <tbody>
                        {problems.into_iter().map(|p| view! {
                            <tr>
                                <td class="num">{p.row}</td>
                                <td><code>{p.column.clone()}</code></td>
                                <td>{error_text(l, &p.code, None)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}

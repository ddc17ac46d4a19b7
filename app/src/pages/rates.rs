//! Admin pages for the regime data: an overview of the six tables, each
//! table's rows (filter, sort, export), one row's form (add, change with
//! validity dates, delete) and the CSV import.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::rates::{get_rate_row, list_rate_rows, list_rate_tables, DataOverview};
use crate::components::{
    error_text, remembered, urlencode, use_form_errors, ErrorSummary, FormErrors, Guarded, Problem,
    SortableTable,
};
use crate::domain::account::Role;
use crate::domain::rates::{parse_problems_param, ColumnKind, RateRow, RateTable, RowState, Table};
use crate::i18n::*;

const ADMIN: &[Role] = &[Role::Admin];

pub fn table_name(l: Locale, t: Table) -> String {
    match t {
        Table::Regimes => td_string!(l, rates.regimes),
        Table::Tariff => td_string!(l, rates.tariff),
        Table::Vat => td_string!(l, rates.vat),
        Table::Additional => td_string!(l, rates.additional),
        Table::Fx => td_string!(l, rates.fx),
        Table::Sdr => td_string!(l, rates.sdr),
    }
    .to_string()
}

fn table_about(l: Locale, t: Table) -> String {
    match t {
        Table::Regimes => td_string!(l, rates.regimes_about),
        Table::Tariff => td_string!(l, rates.tariff_about),
        Table::Vat => td_string!(l, rates.vat_about),
        Table::Additional => td_string!(l, rates.additional_about),
        Table::Fx => td_string!(l, rates.fx_about),
        Table::Sdr => td_string!(l, rates.sdr_about),
    }
    .to_string()
}

/// A column's heading and label, in the reader's language.
pub fn column_label(l: Locale, name: &str) -> String {
    match name {
        "code" => td_string!(l, rates.col_code),
        "name" => td_string!(l, rates.col_name),
        "territory" => td_string!(l, rates.col_territory),
        "currency" => td_string!(l, rates.col_currency),
        "valid_from" => td_string!(l, rates.col_valid_from),
        "valid_to" => td_string!(l, rates.col_valid_to),
        "duty_free_max" => td_string!(l, rates.col_duty_free_max),
        "vat_free_max" => td_string!(l, rates.col_vat_free_max),
        "flat_duty" => td_string!(l, rates.col_flat_duty),
        "flat_duty_max" => td_string!(l, rates.col_flat_duty_max),
        "ioss_max" => td_string!(l, rates.col_ioss_max),
        "collected_at_sale_max" => td_string!(l, rates.col_collected_at_sale_max),
        "gift_free_max" => td_string!(l, rates.col_gift_free_max),
        "gift_vat_free_max" => td_string!(l, rates.col_gift_vat_free_max),
        "de_minimis_max" => td_string!(l, rates.col_de_minimis_max),
        "tariff_duties" => td_string!(l, rates.col_tariff_duties),
        "additional_duties" => td_string!(l, rates.col_additional_duties),
        "postal_specific" => td_string!(l, rates.col_postal_specific),
        "import_vat" => td_string!(l, rates.col_import_vat),
        "high_end_from" => td_string!(l, rates.col_high_end_from),
        "high_end_unit" => td_string!(l, rates.col_high_end_unit),
        "high_end_consumption_percent" => td_string!(l, rates.col_high_end_consumption_percent),
        "high_end_postal_percent" => td_string!(l, rates.col_high_end_postal_percent),
        "postal_bands" => td_string!(l, rates.col_postal_bands),
        "cbec_per_transaction_max" => td_string!(l, rates.col_cbec_per_transaction_max),
        "cbec_annual_max" => td_string!(l, rates.col_cbec_annual_max),
        "cbec_share" => td_string!(l, rates.col_cbec_share),
        "postal_article_max" => td_string!(l, rates.col_postal_article_max),
        "postal_article_near_max" => td_string!(l, rates.col_postal_article_near_max),
        "postal_waive_max" => td_string!(l, rates.col_postal_waive_max),
        "transport_in_value" => td_string!(l, rates.col_transport_in_value),
        "handling_fee" => td_string!(l, rates.col_handling_fee),
        "source" => td_string!(l, rates.col_source),
        "hs_prefix" => td_string!(l, rates.col_hs_prefix),
        "description" => td_string!(l, rates.col_description),
        "ad_valorem_percent" => td_string!(l, rates.col_ad_valorem_percent),
        "specific_amount" => td_string!(l, rates.col_specific_amount),
        "specific_unit" => td_string!(l, rates.col_specific_unit),
        "min_amount" => td_string!(l, rates.col_min_amount),
        "max_amount" => td_string!(l, rates.col_max_amount),
        "country" => td_string!(l, rates.col_country),
        "vat_percent" => td_string!(l, rates.col_vat_percent),
        "consumption_percent" => td_string!(l, rates.col_consumption_percent),
        "postal_article_percent" => td_string!(l, rates.col_postal_article_percent),
        "origin" => td_string!(l, rates.col_origin),
        "rate_percent" => td_string!(l, rates.col_rate_percent),
        "note" => td_string!(l, rates.col_note),
        "base" => td_string!(l, rates.col_base),
        "day" => td_string!(l, rates.col_day),
        "rate" => td_string!(l, rates.col_rate),
        "units_per_sdr" => td_string!(l, rates.col_units_per_sdr),
        other => return other.to_owned(),
    }
    .to_string()
}

fn kind_hint(l: Locale, table: Table, kind: ColumnKind, name: &str) -> Option<String> {
    let hint = match (kind, name) {
        (_, "hs_prefix") if table == Table::Vat => td_string!(l, rates.hint_hs_prefix_vat),
        (_, "hs_prefix") => td_string!(l, rates.hint_hs_prefix),
        (_, "postal_bands") => td_string!(l, rates.hint_postal_bands),
        (_, "postal_specific") => td_string!(l, rates.hint_postal_specific),
        (_, "high_end_from") => td_string!(l, rates.hint_high_end_from),
        (_, "origin") => td_string!(l, rates.hint_origin),
        (_, "territory") => td_string!(l, rates.hint_territory),
        (ColumnKind::Date, "valid_to") => td_string!(l, rates.hint_valid_to),
        (ColumnKind::Date, _) => td_string!(l, rates.hint_date),
        (ColumnKind::Percent, _) => td_string!(l, rates.hint_percent),
        (ColumnKind::Amount, _) => td_string!(l, rates.hint_amount),
        (ColumnKind::Rate, _) => td_string!(l, rates.hint_rate),
        _ => return None,
    };
    Some(hint.to_string())
}

fn state_tag(l: Locale, s: RowState) -> impl IntoView {
    let (class, text) = match s {
        RowState::Current => ("tag tag--green", td_string!(l, rates.state_current)),
        RowState::Future => ("tag tag--yellow", td_string!(l, rates.state_future)),
        RowState::Past => ("tag tag--grey", td_string!(l, rates.state_past)),
    };
    view! { <span class=class>{text.to_string()}</span> }
}

fn use_table() -> Memo<Option<Table>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("table").and_then(|t| Table::parse(&t)))
}

/// Links to the six tables; the current one marked.
#[component]
fn TableTabs(current: Option<Table>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <nav class="tabs" aria-label=td_string!(l, rates.tables).to_string()>
            <ul class="tabs__list">
                <li><a href="/admin/rates" aria-current=current.is_none().then_some("page")>{t!(i18n, rates.overview)}</a></li>
                {Table::ALL.into_iter().map(|t| view! {
                    <li><a href=format!("/admin/rates/{}", t.as_str()) aria-current=(current == Some(t)).then_some("page")>{table_name(l, t)}</a></li>
                }).collect_view()}
            </ul>
        </nav>
    }
}

#[component]
pub fn RatesOverview() -> impl IntoView {
    view! { <Guarded roles=ADMIN><OverviewPage /></Guarded> }
}

#[component]
fn OverviewPage() -> impl IntoView {
    let i18n = use_i18n();
    let tables = Resource::new(|| (), |_| list_rate_tables());
    view! {
        <Title text=t_string!(i18n, rates.title).to_string() />
        <h1>{t!(i18n, rates.title)}</h1>
        <TableTabs current=None />
        <p class="lead">{t!(i18n, rates.intro)}</p>
        <Suspense>
            {move || Suspend::new(async move {
                match tables.await {
                    Ok(data) => view! { <Overview data /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(data: DataOverview) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let list = data.tables;
    let gaps = data.vat_gaps;
    view! {
        {(!gaps.is_empty()).then(|| view! {
            <div class="notice notice--warning" role="alert" id="vat-gaps">
                <h2>{t!(i18n, rates.vat_gaps_title)}</h2>
                <p>{t!(i18n, rates.vat_gaps_intro)}</p>
                <ul>
                    {gaps.into_iter().map(|(code, from)| {
                        let country = crate::domain::org::CountryCode::name(&code);
                        view! {
                            <li>{td!(l, rates.vat_gap, country = move || country.clone(), code = move || code.clone(), from = move || from.clone())}</li>
                        }
                    }).collect_view()}
                </ul>
                <p><a href="/admin/rates/vat">{t!(i18n, rates.vat_gaps_mend)}</a></p>
            </div>
        })}
        <div class="table-wrap">
            <table class="table" id="rate-tables">
                <thead><tr>
                    <th scope="col">{t!(i18n, rates.table)}</th>
                    <th scope="col">{t!(i18n, rates.holds)}</th>
                    <th scope="col" class="num">{t!(i18n, rates.rows)}</th>
                    <th scope="col" class="num">{t!(i18n, rates.in_force)}</th>
                    <th scope="col" class="num">{t!(i18n, rates.upcoming)}</th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|s| view! {
                        <tr>
                            <td><a href=format!("/admin/rates/{}", s.table.as_str())>{table_name(l, s.table)}</a></td>
                            <td>{table_about(l, s.table)}</td>
                            <td class="num">{s.rows}</td>
                            <td class="num">{s.current}</td>
                            <td class="num">{s.future}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn RatesTable() -> impl IntoView {
    view! { <Guarded roles=ADMIN><TablePage /></Guarded> }
}

#[component]
fn TablePage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let table = use_table();
    let query = use_query_map();
    let errors = use_form_errors();
    let q = move || query.read().get("q").unwrap_or_default();
    let rows = Resource::new(
        move || (table.get(), q()),
        |(t, q)| async move {
            match t {
                Some(t) => {
                    list_rate_rows(t.as_str().to_owned(), (!q.is_empty()).then_some(q)).await
                }
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let flag = move |k: &'static str| move || query.read().get(k);
    let title = move || table.get().map(|t| table_name(l, t)).unwrap_or_default();
    let slug = move || table.get().map(|t| t.as_str()).unwrap_or("");
    view! {
        <Title text=title />
        <ErrorSummary errors />
        {move || flag("saved")().map(|_| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, rates.saved)}</p></div> })}
        {move || flag("deleted")().map(|_| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, rates.deleted)}</p></div> })}
        {move || flag("added")().map(|added| {
            let text = td_string!(l, rates.imported)
                .replace("{0}", &added)
                .replace("{1}", &flag("replaced")().unwrap_or_default())
                .replace("{2}", &flag("ended")().unwrap_or_default());
            view! { <div class="notice notice--success" role="status" id="import-done"><p>{text}</p></div> }
        })}
        <div class="page-head">
            <h1>{title}</h1>
            <div class="page-head__actions">
                <a class="button button--secondary" href=move || format!("/admin/rates/{}/import", slug())>{t!(i18n, rates.import)}</a>
                <a class="button" href=move || format!("/admin/rates/{}/new", slug())>{t!(i18n, rates.add)}</a>
            </div>
        </div>
        {move || table.get().map(|t| view! { <TableTabs current=Some(t) /><p>{table_about(l, t)}</p> })}
        <p>
            <a rel="external" download href=move || format!("/admin/rates/{}/export.csv", slug())>{t!(i18n, rates.export)}</a>
        </p>
        <form method="get" class="filters" role="search">
            <div class="field field--inline">
                <label class="field__label" for="q">{t!(i18n, rates.filter)}</label>
                <input class="input" id="q" name="q" type="search" value=q />
            </div>
            <button type="submit" class="button button--secondary">{t!(i18n, rates.filter_button)}</button>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(t) => view! { <Rows data=t /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A cell as a number for sorting (amounts, percentages, rates).
fn numeric(s: &str) -> Option<i128> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let mut frac = frac.to_owned();
    frac.truncate(8);
    while frac.len() < 8 {
        frac.push('0');
    }
    Some(int.parse::<i128>().ok()? * 100_000_000 + frac.parse::<i128>().ok()?)
}

#[component]
fn Rows(data: RateTable) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let t = data.table;
    // Prose wraps; codes, dates and figures stay on one line.
    let prose = |name: &str| matches!(name, "name" | "description" | "source" | "note");
    let listed: Vec<(usize, &'static str, ColumnKind)> = t
        .columns()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.listed)
        .map(|(i, c)| (i, c.name, c.kind))
        .collect();
    let count = td_string!(l, rates.count)
        .replace("{0}", &data.rows.len().to_string())
        .replace("{1}", &data.matching.to_string())
        .replace("{2}", &data.total.to_string());
    let key_cols: Vec<usize> = t.key().iter().filter_map(|k| t.column(k)).collect();
    let listed_body = listed.clone();
    view! {
        <p class="table-count" id="rates-count">{count}</p>
        // In the stored order; the column headers sort in place (`SortableTable`).
        <SortableTable>
            <table class="table" id="rates-table">
                <thead><tr>
                    {listed.iter().map(|(_, name, kind)| {
                        let n = matches!(kind, ColumnKind::Percent | ColumnKind::Amount | ColumnKind::Rate);
                        view! {
                            <th scope="col" aria-sort="none" class:num=n>
                                <button type="button" class="sort">{column_label(l, name)}</button>
                            </th>
                        }
                    }).collect_view()}
                    <th scope="col">{t!(i18n, rates.state)}</th>
                    <th scope="col"><span class="visually-hidden">{t!(i18n, rates.actions)}</span></th>
                </tr></thead>
                <tbody>
                    {data.rows.into_iter().map(|r| {
                        let label = format!(
                            "{} {}",
                            td_string!(l, rates.change),
                            key_cols.iter().map(|i| r.cells[*i].as_str()).collect::<Vec<_>>().join(" ")
                        );
                        view! {
                            <tr>
                                {listed_body.iter().map(|(i, name, kind)| {
                                    let n = matches!(kind, ColumnKind::Percent | ColumnKind::Amount | ColumnKind::Rate);
                                    let wrap = prose(name);
                                    // Figures sort by their value, in units of 10^-8.
                                    let key = n.then(|| numeric(&r.cells[*i]).map(|v| v.to_string())).flatten();
                                    view! { <td class:num=n class:wrap=wrap class:nowrap=!wrap data-sort=key>{r.cells[*i].clone()}</td> }
                                }).collect_view()}
                                <td>{state_tag(l, r.state)}</td>
                                <td class="actions"><a href=format!("/admin/rates/{}/{}", t.as_str(), r.id) aria-label=label>{t!(i18n, rates.change)}</a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </SortableTable>
    }
}

#[component]
pub fn RateRowPage() -> impl IntoView {
    view! { <Guarded roles=ADMIN><RowPage /></Guarded> }
}

#[component]
fn RowPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let table = use_table();
    let params = use_params_map();
    let errors = use_form_errors();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok());
    let row = Resource::new(
        move || (table.get(), id()),
        |(t, id)| async move {
            match (t, id) {
                (Some(t), Some(id)) => get_rate_row(t.as_str().to_owned(), id).await.map(Some),
                (Some(_), None) => Ok(None),
                _ => Err(crate::error::AppError::NotFound),
            }
        },
    );
    let back = move || {
        table
            .get()
            .map(|t| format!("/admin/rates/{}", t.as_str()))
            .unwrap_or_else(|| "/admin/rates".to_owned())
    };
    let title = move || {
        let t = table.get().map(|t| table_name(l, t)).unwrap_or_default();
        if id().is_some() {
            td_string!(l, rates.change_title).replace("{0}", &t)
        } else {
            td_string!(l, rates.add_title).replace("{0}", &t)
        }
    };
    view! {
        <Title text=title />
        <p class="back-link"><a href=back>{t!(i18n, rates.back)}</a></p>
        <ErrorSummary errors />
        <h1>{title}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match (row.await, table.get()) {
                    (Ok(r), Some(t)) => view! { <RowForm table=t row=r errors /> }.into_any(),
                    (Err(e), _) => view! { <Problem error=e /> }.into_any(),
                    (Ok(_), None) => view! { <Problem error=crate::error::AppError::NotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RowForm(table: Table, row: Option<RateRow>, errors: Memo<FormErrors>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let id = row.as_ref().map(|r| r.id);
    let cells = row.as_ref().map(|r| r.cells.clone()).unwrap_or_default();
    let fields = table
        .columns()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = format!("row[{}]", c.name);
            let field = format!("row.{}", c.name);
            let stored = cells.get(i).cloned().unwrap_or_default();
            let value = remembered(c.name).unwrap_or(stored);
            let error = errors.get_untracked().for_field(&field).map(|code| error_text(l, &code, None));
            let hint = kind_hint(l, table, c.kind, c.name);
            let hint_id = format!("{field}-hint");
            let error_id = format!("{field}-error");
            let described = {
                let mut ids = Vec::new();
                if hint.is_some() {
                    ids.push(hint_id.clone());
                }
                if error.is_some() {
                    ids.push(error_id.clone());
                }
                (!ids.is_empty()).then(|| ids.join(" "))
            };
            let invalid = error.is_some().then_some("true");
            let control = match c.kind {
                ColumnKind::YesNo => {
                    // A new row's flags that are on unless said otherwise.
                    let yes = value == "yes"
                        || (value.is_empty()
                            && matches!(c.name, "tariff_duties" | "import_vat" | "transport_in_value"));
                    view! {
                        <select class="select" id=field.clone() name=name aria-describedby=described aria-invalid=invalid>
                            <option value="yes" selected=yes>{t!(i18n, rates.yes)}</option>
                            <option value="no" selected=!yes>{t!(i18n, rates.no)}</option>
                        </select>
                    }
                    .into_any()
                }
                ColumnKind::Unit => {
                    let units = [
                        ("", td_string!(l, rates.unit_none)),
                        ("item", td_string!(l, rates.unit_item)),
                        ("pair", td_string!(l, rates.unit_pair)),
                        ("kg_net", td_string!(l, rates.unit_kg_net)),
                        ("100kg_gross", td_string!(l, rates.unit_100kg_gross)),
                    ];
                    view! {
                        <select class="select" id=field.clone() name=name aria-describedby=described aria-invalid=invalid>
                            {units.into_iter().map(|(v, text)| view! { <option value=v selected=value == v>{text.to_string()}</option> }).collect_view()}
                        </select>
                    }
                    .into_any()
                }
                kind => {
                    let input_type = if kind == ColumnKind::Date { "date" } else { "text" };
                    let mode = matches!(kind, ColumnKind::Percent | ColumnKind::Amount | ColumnKind::Rate)
                        .then_some("decimal");
                    view! {
                        <input class="input" id=field.clone() name=name type=input_type inputmode=mode value=value
                            aria-describedby=described aria-invalid=invalid />
                    }
                    .into_any()
                }
            };
            view! {
                <div class="field" class:field--error=invalid.is_some()>
                    <label class="field__label" for=field.clone()>{column_label(l, c.name)}</label>
                    {hint.map(|h| view! { <p class="field__hint" id=hint_id>{h}</p> })}
                    {error.map(|e| view! { <p class="field__error" id=error_id>{e}</p> })}
                    {control}
                </div>
            }
        })
        .collect_view();
    let slug = table.as_str();
    view! {
        <form method="post" action="/api/rates/save" class="form" novalidate>
            <input type="hidden" name="table" value=slug />
            {id.map(|id| view! { <input type="hidden" name="row_id" value=id /> })}
            {(id.is_none() && table.period_group().is_some()).then(|| view! { <p>{t!(i18n, rates.new_row_ends)}</p> })}
            {fields}
            <button type="submit" class="button">{t!(i18n, rates.save)}</button>
        </form>
        {id.map(|id| view! {
            <h2>{t!(i18n, rates.delete_title)}</h2>
            <p>{t!(i18n, rates.delete_warning)}</p>
            <form method="post" action="/api/rates/delete">
                <input type="hidden" name="table" value=slug />
                <input type="hidden" name="row_id" value=id />
                <button type="submit" class="button button--warning">{t!(i18n, rates.delete)}</button>
            </form>
        })}
    }
}

#[component]
pub fn RatesImport() -> impl IntoView {
    view! { <Guarded roles=ADMIN><ImportPage /></Guarded> }
}

#[component]
fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let table = use_table();
    let query = use_query_map();
    let errors = use_form_errors();
    let problems = move || {
        query
            .read()
            .get("problems")
            .map(|p| parse_problems_param(&p))
            .unwrap_or_default()
    };
    let more = move || {
        query
            .read()
            .get("more")
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let title = move || {
        let t = table.get().map(|t| table_name(l, t)).unwrap_or_default();
        td_string!(l, rates.import_title).replace("{0}", &t)
    };
    let slug = move || table.get().map(|t| t.as_str()).unwrap_or("");
    let columns = move || {
        table
            .get()
            .map(|t| {
                t.columns()
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default()
    };
    view! {
        <Title text=title />
        <p class="back-link"><a href=move || format!("/admin/rates/{}", slug())>{t!(i18n, rates.back)}</a></p>
        <ErrorSummary errors />
        {move || {
            let p = problems();
            (!p.is_empty()).then(|| {
                let more = more();
                view! {
                    <div class="error-summary" role="alert" tabindex="-1" id="import-problems">
                        <h2 class="error-summary__title">{t!(i18n, rates.import_refused)}</h2>
                        <div class="table-wrap">
                            <table class="table">
                                <thead><tr>
                                    <th scope="col" class="num">{t!(i18n, rates.problem_row)}</th>
                                    <th scope="col">{t!(i18n, rates.problem_column)}</th>
                                    <th scope="col">{t!(i18n, rates.problem)}</th>
                                </tr></thead>
                                <tbody>
                                    {p.into_iter().map(|p| view! {
                                        <tr>
                                            <td class="num">{p.row}</td>
                                            <td><code>{p.column.clone()}</code></td>
                                            <td>{error_text(l, &p.code, None)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {(more > 0).then(|| view! { <p>{td_string!(l, rates.more_problems).replace("{0}", &more.to_string())}</p> })}
                    </div>
                }
            })
        }}
        <h1>{title}</h1>
        {move || table.get().is_none().then(|| view! { <Problem error=crate::error::AppError::NotFound /> })}
        <p>{t!(i18n, rates.import_intro)}</p>
        <p>{t!(i18n, rates.import_columns)}</p>
        <pre class="codes"><code id="import-columns">{columns}</code></pre>
        <p><a rel="external" download href=move || format!("/admin/rates/{}/export.csv", slug())>{t!(i18n, rates.export)}</a></p>
        <form method="post" enctype="multipart/form-data" class="form upload"
            action=move || format!("/admin/rates/{}/upload", urlencode(slug()))>
            <div class="field" class:field--error=move || errors.get().for_field("file").is_some()>
                <label class="field__label" for="file">{t!(i18n, rates.file)}</label>
                {move || errors.get().for_field("file").map(|c| view! { <p class="field__error" id="file-error">{error_text(l, &c, None)}</p> })}
                <input class="file" id="file" name="file" type="file" accept=".csv,text/csv" />
            </div>
            <button type="submit" class="button">{t!(i18n, rates.import_button)}</button>
        </form>
    }
}

//! Customs pages: supervisors keep their country's risk rules (new rules
//! start disabled, are back-tested, then enabled); officers see the scored
//! parcels of their country by lane.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::customs::rules::{
    backtest_rule, get_rule, list_rules, scored_parcels, Backtest, RuleForm, RuleView,
    BACKTEST_DEFAULT,
};
use crate::components::{
    error_text, remembered, use_form_errors, use_id_param, ErrorSummary, FormErrors, Guarded,
    Problem,
};
use crate::domain::account::Role;
use crate::i18n::*;

const SUPERVISOR: &[Role] = &[Role::CustomsSupervisor];
const CUSTOMS: &[Role] = &[Role::CustomsOfficer, Role::CustomsSupervisor];

const KINDS: &[&str] = &[
    "keyword",
    "hs_prefix",
    "origin",
    "value_per_kg_below",
    "watchlist",
    "gift_by_merchant",
    "hs_implausible",
    "late_data",
    "random",
];

const CATEGORIES: &[&str] = &["fiscal", "health", "safety", "security"];

fn kind_name(l: Locale, kind: &str) -> String {
    match kind {
        "keyword" => td_string!(l, risk.kind_keyword).to_string(),
        "hs_prefix" => td_string!(l, risk.kind_hs_prefix).to_string(),
        "origin" => td_string!(l, risk.kind_origin).to_string(),
        "value_per_kg_below" => td_string!(l, risk.kind_value_per_kg).to_string(),
        "watchlist" => td_string!(l, risk.kind_watchlist).to_string(),
        "gift_by_merchant" => td_string!(l, risk.kind_gift).to_string(),
        "hs_implausible" => td_string!(l, risk.kind_hs_implausible).to_string(),
        "late_data" => td_string!(l, risk.kind_late_data).to_string(),
        "random" => td_string!(l, risk.kind_random).to_string(),
        other => other.to_owned(),
    }
}

fn category_name(l: Locale, c: &str) -> String {
    match c {
        "fiscal" => td_string!(l, risk.cat_fiscal).to_string(),
        "health" => td_string!(l, risk.cat_health).to_string(),
        "safety" => td_string!(l, risk.cat_safety).to_string(),
        "security" => td_string!(l, risk.cat_security).to_string(),
        other => other.to_owned(),
    }
}

fn lane_name(l: Locale, lane: &str) -> String {
    match lane {
        "green" => td_string!(l, risk.lane_green).to_string(),
        "yellow" => td_string!(l, risk.lane_yellow).to_string(),
        "red" => td_string!(l, risk.lane_red).to_string(),
        _ => "–".to_owned(),
    }
}

/// One field of the rule form: `rule[key]`, its error under `rule.key`.
#[component]
fn RuleField(
    key: &'static str,
    label: String,
    #[prop(optional)] hint: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    value: String,
    errors: Memo<FormErrors>,
) -> impl IntoView {
    let i18n = use_i18n();
    let name = format!("rule[{key}]");
    let id = format!("rule-{key}");
    let value = remembered(&name).unwrap_or(value);
    let field = format!("rule.{key}");
    let error = move || {
        errors
            .get()
            .for_field(&field)
            .map(|c| error_text(i18n.get_locale_untracked(), &c, None))
    };
    let hint_id = format!("{id}-hint");
    let described = hint.is_some().then(|| hint_id.clone());
    let has_error = error.clone();
    view! {
        <div class="field" class:field--error=move || has_error().is_some()>
            <label class="field__label" for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            {move || error().map(|e| view! { <p class="field__error">{e}</p> })}
            {if kind == "textarea" {
                view! { <textarea class="input textarea" id=id.clone() name=name.clone() rows="3" aria-describedby=described.clone()>{value.clone()}</textarea> }.into_any()
            } else {
                view! { <input class="input" id=id.clone() name=name.clone() type=kind value=value.clone() aria-describedby=described.clone() /> }.into_any()
            }}
        </div>
    }
}

/// The form to create (no `rule_id`) or change a rule.
#[component]
fn RuleEditor(rule_id: Option<i64>, form: RuleForm) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    let kind = remembered("rule[kind]").unwrap_or(form.kind.clone());
    let category = remembered("rule[category]").unwrap_or(form.category.clone());
    view! {
        <form method="post" action="/api/risk/rules/save" class="form" novalidate>
            {rule_id.map(|id| view! { <input type="hidden" name="rule_id" value=id /> })}
            <RuleField key="name" label=td_string!(l, risk.name).to_string() value=form.name.clone() errors />
            <div class="field">
                <label class="field__label" for="rule-kind">{t!(i18n, risk.kind)}</label>
                <select class="select" id="rule-kind" name="rule[kind]">
                    {KINDS.iter().map(|k| view! {
                        <option value=*k selected=kind == *k>{kind_name(l, k)}</option>
                    }).collect_view()}
                </select>
            </div>
            <RuleField key="words" kind="textarea" label=td_string!(l, risk.words).to_string()
                hint=td_string!(l, risk.words_hint).to_string() value=form.words.clone() errors />
            <RuleField key="prefix" label=td_string!(l, risk.prefix).to_string()
                hint=td_string!(l, risk.prefix_hint).to_string() value=form.prefix.clone() errors />
            <RuleField key="country" label=td_string!(l, risk.country).to_string()
                hint=td_string!(l, risk.country_hint).to_string() value=form.country.clone() errors />
            <div class="field-row">
                <RuleField key="min_per_kg" label=td_string!(l, risk.min_per_kg).to_string() value=form.min_per_kg.clone() errors />
                <RuleField key="currency" label=td_string!(l, risk.currency).to_string() value=form.currency.clone() errors />
            </div>
            <RuleField key="rate_percent" label=td_string!(l, risk.rate).to_string() value=form.rate_percent.clone() errors />
            <div class="field-row">
                <RuleField key="weight" kind="number" label=td_string!(l, risk.weight).to_string()
                    hint=td_string!(l, risk.weight_hint).to_string() value=form.weight.clone() errors />
                <div class="field">
                    <label class="field__label" for="rule-category">{t!(i18n, risk.category)}</label>
                    <select class="select" id="rule-category" name="rule[category]">
                        {CATEGORIES.iter().map(|c| view! {
                            <option value=*c selected=category == *c>{category_name(l, c)}</option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <div class="field-row">
                <RuleField key="valid_from" kind="date" label=td_string!(l, risk.valid_from).to_string() value=form.valid_from.clone() errors />
                <RuleField key="valid_to" kind="date" label=td_string!(l, risk.valid_to).to_string() value=form.valid_to.clone() errors />
            </div>
            <button type="submit" class="button">{t!(i18n, risk.save)}</button>
        </form>
    }
}

#[component]
pub fn CustomsRules() -> impl IntoView {
    view! { <Guarded roles=SUPERVISOR><RulesPage /></Guarded> }
}

#[component]
fn RulesPage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let rules = Resource::new(|| (), |_| list_rules());
    let blank = RuleForm {
        kind: "keyword".into(),
        category: "safety".into(),
        weight: "40".into(),
        ..Default::default()
    };
    view! {
        <Title text=t_string!(i18n, risk.title).to_string() />
        <ErrorSummary errors />
        <h1>{t!(i18n, risk.title)}</h1>
        <p class="lead">{t!(i18n, risk.lead)}</p>
        <Suspense>
            {move || Suspend::new(async move {
                match rules.await {
                    Ok(list) => view! { <RulesTable rules=list /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
        <h2>{t!(i18n, risk.new_rule)}</h2>
        <p>{t!(i18n, risk.new_rule_hint)}</p>
        <RuleEditor rule_id=None form=blank />
    }
}

#[component]
fn RulesTable(rules: Vec<RuleView>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    view! {
        <div class="table-wrap">
            <table class="table" id="rules-table">
                <thead><tr>
                    <th scope="col">{t!(i18n, risk.name)}</th>
                    <th scope="col">{t!(i18n, risk.kind)}</th>
                    <th scope="col">{t!(i18n, risk.parameters)}</th>
                    <th scope="col" class="num">{t!(i18n, risk.weight)}</th>
                    <th scope="col">{t!(i18n, risk.category)}</th>
                    <th scope="col">{t!(i18n, risk.state)}</th>
                </tr></thead>
                <tbody>
                    {rules.into_iter().map(|r| {
                        let state = if r.enabled { td_string!(l, risk.enabled) } else { td_string!(l, risk.disabled) };
                        view! {
                            <tr>
                                <td><a href=format!("/customs/rules/{}", r.id)>{r.form.name.clone()}</a></td>
                                <td>{kind_name(l, &r.form.kind)}</td>
                                <td>{r.summary.clone()}</td>
                                <td class="num">{r.form.weight.clone()}</td>
                                <td>{category_name(l, &r.form.category)}</td>
                                <td>{state.to_string()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn CustomsRule() -> impl IntoView {
    view! { <Guarded roles=SUPERVISOR><RulePage /></Guarded> }
}

#[component]
fn RulePage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let id = use_id_param();
    let query = use_query_map();
    let rule = Resource::new(move || id.get(), get_rule);
    let last = move || query.read().get("last").and_then(|v| v.parse::<i64>().ok());
    let backtest = Resource::new(
        move || (id.get(), last()),
        |(id, last)| async move {
            match last {
                Some(n) => backtest_rule(id, Some(n)).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let flag = move |k: &'static str| move || query.read().get(k);
    view! {
        <Title text=t_string!(i18n, risk.rule_title).to_string() />
        <ErrorSummary errors />
        <p class="back-link"><a href="/customs/rules">{t!(i18n, risk.back)}</a></p>
        {move || flag("saved")().map(|_| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, risk.saved)}</p></div> })}
        {move || flag("enabled")().map(|v| {
            let text = if v == "true" { t_string!(i18n, risk.now_enabled) } else { t_string!(i18n, risk.now_disabled) };
            view! { <div class="notice notice--success" role="status"><p>{text.to_string()}</p></div> }
        })}
        <Suspense>
            {move || Suspend::new(async move {
                match rule.await {
                    Ok(r) => view! { <RuleDetail rule=r /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                match backtest.await {
                    Ok(Some(b)) => view! { <BacktestView b /> }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RuleDetail(rule: RuleView) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let state = if rule.enabled {
        td_string!(l, risk.enabled)
    } else {
        td_string!(l, risk.disabled)
    };
    let heading = rule.form.name.clone();
    let state_text = format!("{} {state}", td_string!(l, risk.state_label));
    let (toggle, label) = if rule.enabled {
        ("false", td_string!(l, risk.disable).to_string())
    } else {
        ("true", td_string!(l, risk.enable).to_string())
    };
    let id = rule.id;
    view! {
        <h1>{heading}</h1>
        <p id="rule-state"><strong>{state_text}</strong></p>
        <div class="actions">
            <form method="get" action=format!("/customs/rules/{id}") class="filters">
                <div class="field field--inline">
                    <label class="field__label" for="last">{t!(i18n, risk.backtest_last)}</label>
                    <input class="input input--short" id="last" name="last" type="number" min="1" value=BACKTEST_DEFAULT />
                </div>
                <button type="submit" class="button button--secondary">{t!(i18n, risk.backtest)}</button>
            </form>
            <form method="post" action="/api/risk/rules/enable">
                <input type="hidden" name="rule_id" value=id />
                <input type="hidden" name="enabled" value=toggle />
                <button type="submit" class="button">{label}</button>
            </form>
        </div>
        <h2>{t!(i18n, risk.edit)}</h2>
        <RuleEditor rule_id=Some(id) form=rule.form />
    }
}

#[component]
fn BacktestView(b: Backtest) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let summary = td_string!(l, risk.backtest_summary)
        .replace("{hits}", &b.hits.to_string())
        .replace("{n}", &b.considered.to_string());
    let row = |label: String, v: [i64; 3]| {
        view! {
            <tr>
                <th scope="row">{label}</th>
                <td class="num">{v[0]}</td>
                <td class="num">{v[1]}</td>
                <td class="num">{v[2]}</td>
            </tr>
        }
    };
    view! {
        <section aria-labelledby="backtest-heading" id="backtest">
            <h2 id="backtest-heading">{t!(i18n, risk.backtest_title)}</h2>
            <p id="backtest-summary">{summary}</p>
            <div class="table-wrap">
                <table class="table">
                    <thead><tr>
                        <td></td>
                        <th scope="col" class="num">{lane_name(l, "green")}</th>
                        <th scope="col" class="num">{lane_name(l, "yellow")}</th>
                        <th scope="col" class="num">{lane_name(l, "red")}</th>
                    </tr></thead>
                    <tbody>
                        {row(td_string!(l, risk.without_rule).to_string(), b.before)}
                        {row(td_string!(l, risk.with_rule).to_string(), b.after)}
                    </tbody>
                </table>
            </div>
            {(!b.moved.is_empty()).then(|| view! {
                <h3>{t!(i18n, risk.moved)}</h3>
                <ul class="link-list">
                    {b.moved.into_iter().map(|m| {
                        let text = format!("{}: {} → {}", m.item_id, lane_name(l, &m.before), lane_name(l, &m.after));
                        view! { <li>{text}</li> }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
pub fn CustomsParcels() -> impl IntoView {
    view! { <Guarded roles=CUSTOMS><ParcelsPage /></Guarded> }
}

#[component]
fn ParcelsPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let query = use_query_map();
    let lane = move || query.read().get("lane").filter(|v| !v.is_empty());
    let parcels = Resource::new(lane, scored_parcels);
    view! {
        <Title text=t_string!(i18n, risk.parcels_title).to_string() />
        <h1>{t!(i18n, risk.parcels_title)}</h1>
        <form method="get" action="/customs/parcels" class="filters" role="search">
            <div class="field field--inline">
                <label class="field__label" for="lane">{t!(i18n, risk.lane)}</label>
                <select class="select" id="lane" name="lane">
                    <option value="">{t!(i18n, audit.all)}</option>
                    {["green", "yellow", "red"].into_iter().map(|v| {
                        let selected = move || lane().as_deref() == Some(v);
                        view! { <option value=v selected=selected>{lane_name(l, v)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button button--secondary">{t!(i18n, risk.filter)}</button>
        </form>
        <Suspense>
            {move || Suspend::new(async move {
                match parcels.await {
                    Ok(list) if list.is_empty() => view! { <p>{t!(i18n, risk.no_parcels)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table" id="scored-parcels">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, risk.item)}</th>
                                    <th scope="col">{t!(i18n, risk.lane)}</th>
                                    <th scope="col" class="num">{t!(i18n, risk.score)}</th>
                                    <th scope="col">{t!(i18n, risk.customs_status)}</th>
                                    <th scope="col">{t!(i18n, risk.contents)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| view! {
                                        <tr>
                                            <td class="item-id">{p.item_id.clone()}</td>
                                            <td class=format!("lane lane--{}", p.lane.clone().unwrap_or_default())>{lane_name(l, p.lane.as_deref().unwrap_or(""))}</td>
                                            <td class="num">{p.score.map(|s| s.to_string()).unwrap_or_default()}</td>
                                            <td>{p.customs_status.clone()}</td>
                                            <td>{p.summary.clone()}</td>
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

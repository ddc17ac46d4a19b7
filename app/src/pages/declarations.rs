//! The merchant's declaration pages: the form (new, draft, amendment), the
//! list, and the parcel page.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::declarations::{
    blank_declaration, get_declaration, get_parcel, list_declarations, DeclarationDetail,
    DeclarationFilter, DeclarationInput, DeclarationRow, ParcelDetail,
};
use crate::components::{
    error_text, use_form_errors, use_id_param, ErrorSummary, FormErrors, Guarded, Problem,
    SortHeader, SortableTable,
};
use crate::domain::account::Role;
use crate::domain::declaration::{validate, Category, Context};
use crate::domain::goods::format_decimal;
use crate::domain::FieldError;
use crate::i18n::*;
use crate::pages::platform::when;

pub(crate) const MERCHANT: &[Role] = &[Role::Merchant];

/// `sender.name` → `input[sender][name]` (the server function's argument).
pub fn qs_name(key: &str) -> String {
    let mut out = String::from("input");
    for part in key.split('.') {
        out.push('[');
        out.push_str(part);
        out.push(']');
    }
    out
}

/// The text field of a declaration named by its error key.
fn field_mut<'a>(d: &'a mut DeclarationInput, key: &str) -> Option<&'a mut String> {
    let parts: Vec<&str> = key.split('.').collect();
    let party =
        |p: &'a mut crate::domain::declaration::PartyInput, f: &str| -> Option<&'a mut String> {
            Some(match f {
                "name" => &mut p.name,
                "address1" => &mut p.address1,
                "address2" => &mut p.address2,
                "city" => &mut p.city,
                "postcode" => &mut p.postcode,
                "country" => &mut p.country,
                "phone" => &mut p.phone,
                "email" => &mut p.email,
                "tax_ref" => &mut p.tax_ref,
                _ => return None,
            })
        };
    match parts.as_slice() {
        ["sender", f] => party(&mut d.sender, f),
        ["addressee", f] => party(&mut d.addressee, f),
        ["lines", i, f] => {
            let l = d.lines.get_mut(i.parse::<usize>().ok()?)?;
            Some(match *f {
                "description" => &mut l.description,
                "quantity" => &mut l.quantity,
                "net_weight_kg" => &mut l.net_weight_kg,
                "value" => &mut l.value,
                "hs_code" => &mut l.hs_code,
                "origin" => &mut l.origin,
                _ => return None,
            })
        }
        [f] => Some(match *f {
            "reference" => &mut d.reference,
            "item_id" => &mut d.item_id,
            "category" => &mut d.category,
            "category_explanation" => &mut d.category_explanation,
            "currency" => &mut d.currency,
            "gross_weight_kg" => &mut d.gross_weight_kg,
            "postage" => &mut d.postage,
            "insurance" => &mut d.insurance,
            "invoice_number" => &mut d.invoice_number,
            "licence_number" => &mut d.licence_number,
            "certificate_number" => &mut d.certificate_number,
            "ioss_number" => &mut d.ioss_number,
            "incoterm" => &mut d.incoterm,
            "non_delivery" => &mut d.non_delivery,
            "comments" => &mut d.comments,
            _ => return None,
        }),
        _ => None,
    }
}

fn field_value(d: &DeclarationInput, key: &str) -> String {
    let mut d = d.clone();
    field_mut(&mut d, key)
        .map(|s| s.clone())
        .unwrap_or_default()
}

/// The error key of a form control's name: `input[lines][0][hs_code]` is
/// `lines.0.hs_code` (the inverse of `qs_name`).
pub fn key_of(name: &str) -> Option<String> {
    let inner = name.strip_prefix("input[")?.strip_suffix(']')?;
    Some(inner.replace("][", "."))
}

/// The declaration a form's controls hold, from their `(name, value)` pairs.
pub fn input_from_fields(fields: &[(String, String)]) -> DeclarationInput {
    let keys: Vec<(String, &String)> = fields
        .iter()
        .filter_map(|(name, value)| key_of(name).map(|k| (k, value)))
        .collect();
    let lines = keys
        .iter()
        .filter_map(|(k, _)| {
            k.strip_prefix("lines.")?
                .split('.')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .map(|i| i + 1)
        .max()
        .unwrap_or(0);
    let mut d = DeclarationInput {
        lines: vec![Default::default(); lines],
        ..Default::default()
    };
    for (key, value) in keys {
        if let Some(s) = field_mut(&mut d, &key) {
            *s = value.clone();
        }
    }
    d
}

/// What the server renders each field with: what was typed (or is stored)
/// and the problems of the last submission.
#[derive(Clone)]
struct Shown {
    input: std::sync::Arc<DeclarationInput>,
    server: std::sync::Arc<FormErrors>,
}

impl Shown {
    fn value(&self, key: &str) -> String {
        field_value(&self.input, key)
    }

    fn message(&self, l: Locale, key: &str) -> Option<String> {
        self.server
            .for_field(key)
            .map(|code| error_text(l, &code, None))
    }
}

/// The live rule checks of the declaration form (`#[island]`): as the
/// merchant types, the declaration's own rules (the same `validate` the
/// server runs) check what the form holds, and each field left once shows
/// its problem at once, or loses it when put right. The form itself is the
/// server's markup and works without JavaScript; the server decides again
/// on submission, with the day's SDR rate.
#[island]
fn LiveChecks(locale: Locale, children: Children) -> impl IntoView {
    let touched = StoredValue::new(std::collections::HashSet::<String>::new());
    let check = move |ev: &leptos::web_sys::Event, touch: bool| {
        let Some(form) = crate::dom::form_of(ev) else {
            return;
        };
        if touch {
            if let Some(key) = crate::dom::control_name(ev).and_then(|n| key_of(&n)) {
                touched.update_value(|t| {
                    t.insert(key);
                });
            }
        }
        let input = input_from_fields(&crate::dom::form_fields(&form));
        let ctx = Context {
            by_merchant: true,
            // The browser does not know the day's SDR rate; the server does.
            units_per_sdr_micro: Some(1_000_000),
        };
        let problems = validate(&input, &ctx).err().unwrap_or_default();
        touched.with_value(|keys| {
            for key in keys {
                let message = problems
                    .iter()
                    .find(|e: &&FieldError| e.field == *key)
                    .map(|e| error_text(locale, &e.code, None));
                crate::dom::show_field_message(&form, key, message.as_deref());
            }
        });
    };
    view! {
        <div on:input=move |ev| check(&ev, false) on:change=move |ev| check(&ev, true)>
            {children()}
        </div>
    }
}

#[component]
fn DField(
    shown: Shown,
    key: String,
    label: String,
    #[prop(optional)] hint: Option<String>,
    #[prop(optional)] class: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    let l = use_i18n().get_locale_untracked();
    let value = shown.value(&key);
    let error = shown.message(l, &key);
    let hint_id = format!("{key}-hint");
    let error_id = format!("{key}-error");
    let described = [
        hint.as_ref().map(|_| hint_id.clone()),
        error.as_ref().map(|_| error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    view! {
        <div class=format!("field {class}") class:field--error=error.is_some()>
            <label class="field__label" for=key.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id>{h}</p> })}
            {error.clone().map(|e| view! { <p class="field__error" id=error_id>{e}</p> })}
            <input class="input" id=key.clone() name=qs_name(&key) type="text" value=value
                autocomplete=autocomplete inputmode=inputmode
                aria-invalid=error.is_some().then_some("true")
                aria-describedby=(!described.is_empty()).then_some(described) />
        </div>
    }
}

/// Which of the form's three uses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A new declaration or a draft (`declaration_id`).
    Draft(Option<i64>),
    /// A new version of a parcel's declaration.
    Amend { parcel_id: i64, version: i64 },
}

#[component]
fn PartyFields(shown: Shown, who: &'static str, legend: String) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let k = move |f: &str| format!("{who}.{f}");
    let s = move || shown.clone();
    view! {
        <fieldset class="group">
            <legend class="group__title">{legend}</legend>
            <DField shown=s() key=k("name") label=td_string!(l, declare.name).to_string() autocomplete="name" />
            <DField shown=s() key=k("address1") label=td_string!(l, declare.address1).to_string() autocomplete="address-line1" />
            <DField shown=s() key=k("address2") label=td_string!(l, declare.address2).to_string() autocomplete="address-line2" />
            <div class="row">
                <DField shown=s() key=k("postcode") label=td_string!(l, declare.postcode).to_string() class="field--short" autocomplete="postal-code" />
                <DField shown=s() key=k("city") label=td_string!(l, declare.city).to_string() autocomplete="address-level2" />
                <DField shown=s() key=k("country") label=td_string!(l, declare.country).to_string()
                    hint=td_string!(l, declare.country_hint).to_string() class="field--short" autocomplete="country" />
            </div>
            <div class="row">
                <DField shown=s() key=k("phone") label=td_string!(l, declare.phone).to_string() autocomplete="tel" inputmode="tel" />
                <DField shown=s() key=k("email") label=td_string!(l, declare.email).to_string() autocomplete="email" inputmode="email" />
                <DField shown=s() key=k("tax_ref") label=td_string!(l, declare.tax_ref).to_string() />
            </div>
        </fieldset>
    }
}

#[component]
fn DeclarationForm(input: DeclarationInput, mode: Mode) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let server = use_form_errors();
    let lines = input.lines.len();
    let shown = Shown {
        input: std::sync::Arc::new(input),
        server: std::sync::Arc::new(server.get_untracked()),
    };
    let s = move || shown.clone();
    let action = match mode {
        Mode::Draft(_) => "/api/declarations/save",
        Mode::Amend { .. } => "/api/parcels/amend",
    };
    let select = {
        let shown = s();
        move |key: &'static str, options: Vec<(&'static str, String)>, label: String| {
            let current = shown.value(key);
            let error = shown.message(l, key);
            let error_id = format!("{key}-error");
            view! {
                <div class="field" class:field--error=error.is_some()>
                    <label class="field__label" for=key>{label}</label>
                    {error.clone().map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
                    <select class="select" id=key name=qs_name(key)
                        aria-invalid=error.is_some().then_some("true")
                        aria-describedby=error.is_some().then_some(error_id)>
                        {options.into_iter().map(|(v, text)| {
                            let selected = v == current;
                            view! { <option value=v selected=selected>{text}</option> }
                        }).collect_view()}
                    </select>
                </div>
            }
        }
    };
    let categories: Vec<(&'static str, String)> = Category::ALL
        .into_iter()
        .filter(|c| *c != Category::Gift)
        .map(|c| (c.as_str(), category_name(l, c.as_str())))
        .collect();
    view! {
        <ErrorSummary errors=server />
        <LiveChecks locale=l>
        <form method="post" action=action novalidate class="declaration-form">
            {match mode {
                Mode::Draft(id) => view! {
                    {id.map(|id| view! { <input type="hidden" name="declaration_id" value=id.to_string() /> })}
                }.into_any(),
                Mode::Amend { parcel_id, version } => view! {
                    <input type="hidden" name="parcel_id" value=parcel_id.to_string() />
                    <input type="hidden" name="version" value=version.to_string() />
                }.into_any(),
            }}
            <div class="row">
                <DField shown=s() key="reference".into() label=td_string!(l, declare.reference).to_string()
                    hint=td_string!(l, declare.reference_hint).to_string() />
                {matches!(mode, Mode::Draft(_)).then(|| view! {
                    <DField shown=s() key="item_id".into() label=td_string!(l, declare.item_id).to_string()
                        hint=td_string!(l, declare.item_id_hint).to_string() class="field--code" />
                })}
            </div>
            <PartyFields shown=s() who="sender" legend=td_string!(l, declare.sender).to_string() />
            <PartyFields shown=s() who="addressee" legend=td_string!(l, declare.addressee).to_string() />
            <fieldset class="group">
                <legend class="group__title">{t!(i18n, declare.contents)}</legend>
                <div class="row">
                    {select("category", categories, td_string!(l, declare.category).to_string())}
                    <DField shown=s() key="currency".into() label=td_string!(l, declare.currency).to_string()
                        hint=td_string!(l, declare.currency_hint).to_string() class="field--short" />
                </div>
                // Shown by the style sheet while the category is "other".
                <div class="when-other">
                    <DField shown=s() key="category_explanation".into() label=td_string!(l, declare.category_explanation).to_string() />
                </div>
                {(0..lines).map(|i| view! { <LineFields shown=s() i mode /> }).collect_view()}
                {matches!(mode, Mode::Draft(_)).then(|| view! {
                    <button type="submit" name="action" value="add_line" class="button button--secondary">{t!(i18n, declare.add_line)}</button>
                })}
            </fieldset>
            <fieldset class="group">
                <legend class="group__title">{t!(i18n, declare.shipping)}</legend>
                <div class="row">
                    <DField shown=s() key="gross_weight_kg".into() label=td_string!(l, declare.gross_weight).to_string()
                        hint=td_string!(l, declare.kg_hint).to_string() class="field--short" inputmode="decimal" />
                    <DField shown=s() key="postage".into() label=td_string!(l, declare.postage).to_string() class="field--short" inputmode="decimal" />
                    <DField shown=s() key="insurance".into() label=td_string!(l, declare.insurance).to_string() class="field--short" inputmode="decimal" />
                </div>
                <div class="row">
                    {select("incoterm", vec![("DAP", td_string!(l, declare.dap).to_string()), ("DDP", td_string!(l, declare.ddp).to_string())], td_string!(l, declare.incoterm).to_string())}
                    {select("non_delivery", vec![("return", td_string!(l, declare.return_).to_string()), ("abandon", td_string!(l, declare.abandon).to_string())], td_string!(l, declare.non_delivery).to_string())}
                </div>
                <div class="row">
                    <DField shown=s() key="ioss_number".into() label=td_string!(l, declare.ioss).to_string()
                        hint=td_string!(l, declare.ioss_hint).to_string() class="field--code" />
                    <DField shown=s() key="invoice_number".into() label=td_string!(l, declare.invoice).to_string() />
                    <DField shown=s() key="licence_number".into() label=td_string!(l, declare.licence).to_string() />
                    <DField shown=s() key="certificate_number".into() label=td_string!(l, declare.certificate).to_string() />
                </div>
                <DField shown=s() key="comments".into() label=td_string!(l, declare.comments).to_string() />
            </fieldset>
            <div class="actions-bar">
                {match mode {
                    Mode::Draft(_) => view! {
                        <button type="submit" name="action" value="submit" class="button">{t!(i18n, declare.submit)}</button>
                        <button type="submit" name="action" value="save" class="button button--secondary">{t!(i18n, declare.save_draft)}</button>
                    }.into_any(),
                    Mode::Amend { .. } => view! {
                        <button type="submit" class="button">{t!(i18n, declare.save_amendment)}</button>
                    }.into_any(),
                }}
            </div>
        </form>
        </LiveChecks>
    }
}

#[component]
fn LineFields(shown: Shown, i: usize, mode: Mode) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let k = move |f: &str| format!("lines.{i}.{f}");
    let s = move || shown.clone();
    view! {
        <fieldset class="line" id=format!("line-{i}")>
            <legend class="line__title">{t!(i18n, declare.line, n = move || i + 1)}</legend>
            <DField shown=s() key=k("description") label=td_string!(l, declare.description).to_string()
                hint=td_string!(l, declare.description_hint).to_string() />
            <div class="row">
                <DField shown=s() key=k("quantity") label=td_string!(l, declare.quantity).to_string() class="field--short" inputmode="numeric" />
                <DField shown=s() key=k("net_weight_kg") label=td_string!(l, declare.net_weight).to_string() class="field--short" inputmode="decimal" />
                <DField shown=s() key=k("value") label=td_string!(l, declare.value).to_string() class="field--short" inputmode="decimal" />
                <DField shown=s() key=k("hs_code") label=td_string!(l, declare.hs_code).to_string()
                    hint=td_string!(l, declare.hs_hint).to_string() class="field--short" inputmode="numeric" />
                <DField shown=s() key=k("origin") label=td_string!(l, declare.origin).to_string() class="field--short" />
            </div>
            {matches!(mode, Mode::Draft(_)).then(|| view! {
                <button type="submit" name="action" value=format!("remove_line:{i}") class="button button--small button--secondary">
                    {t!(i18n, declare.remove_line, n = move || i + 1)}
                </button>
            })}
        </fieldset>
    }
}

fn category_name(l: Locale, c: &str) -> String {
    match c {
        "sale_of_goods" => td_string!(l, declare.cat_sale).to_string(),
        "returned_goods" => td_string!(l, declare.cat_returned).to_string(),
        "gift" => td_string!(l, declare.cat_gift).to_string(),
        "commercial_sample" => td_string!(l, declare.cat_sample).to_string(),
        "documents" => td_string!(l, declare.cat_documents).to_string(),
        "other" => td_string!(l, declare.cat_other).to_string(),
        o => o.to_owned(),
    }
}

pub fn status_name(l: Locale, s: &str) -> String {
    match s {
        "draft" => td_string!(l, states.draft).to_string(),
        "submitted" => td_string!(l, states.submitted).to_string(),
        "amended" => td_string!(l, states.amended).to_string(),
        "cancelled" => td_string!(l, states.cancelled).to_string(),
        "pre_advised" => td_string!(l, states.pre_advised).to_string(),
        "assessed" => td_string!(l, states.assessed).to_string(),
        "pre_cleared" => td_string!(l, states.pre_cleared).to_string(),
        "presented" => td_string!(l, states.presented).to_string(),
        "held_documentary" => td_string!(l, states.held_documentary).to_string(),
        "held_inspection" => td_string!(l, states.held_inspection).to_string(),
        "info_requested" => td_string!(l, states.info_requested).to_string(),
        "released" => td_string!(l, states.released).to_string(),
        "seized" => td_string!(l, states.seized).to_string(),
        "return_ordered" => td_string!(l, states.return_ordered).to_string(),
        "abandoned" => td_string!(l, states.abandoned).to_string(),
        "destroyed" => td_string!(l, states.destroyed).to_string(),
        "not_due" => td_string!(l, states.not_due).to_string(),
        "due" => td_string!(l, states.due).to_string(),
        "paid" => td_string!(l, states.paid).to_string(),
        "refunded" => td_string!(l, states.refunded).to_string(),
        "waived" => td_string!(l, states.waived).to_string(),
        "posted" => td_string!(l, states.posted).to_string(),
        "at_outward_oe" => td_string!(l, states.at_outward_oe).to_string(),
        "left_outward_oe" => td_string!(l, states.left_outward_oe).to_string(),
        "at_inward_oe" => td_string!(l, states.at_inward_oe).to_string(),
        "held_by_post" => td_string!(l, states.held_by_post).to_string(),
        "with_customs" => td_string!(l, states.with_customs).to_string(),
        "left_inward_oe" => td_string!(l, states.left_inward_oe).to_string(),
        "at_delivery_office" => td_string!(l, states.at_delivery_office).to_string(),
        "out_for_delivery" => td_string!(l, states.out_for_delivery).to_string(),
        "at_pickup_point" => td_string!(l, states.at_pickup_point).to_string(),
        "delivery_failed" => td_string!(l, states.delivery_failed).to_string(),
        "delivered" => td_string!(l, states.delivered).to_string(),
        "returning_to_sender" => td_string!(l, states.returning_to_sender).to_string(),
        "disposed" => td_string!(l, states.disposed).to_string(),
        o => o.to_owned(),
    }
}

fn money(minor: i64, currency: &str) -> String {
    let exp = crate::domain::goods::Currency::parse("c", currency)
        .map(|c| c.exponent())
        .unwrap_or(2);
    format!("{currency} {}", format_decimal(minor, exp))
}

#[component]
pub fn NewDeclaration() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><NewDeclarationPage /></Guarded> }
}

#[component]
fn NewDeclarationPage() -> impl IntoView {
    let i18n = use_i18n();
    let blank = Resource::new(|| (), |_| blank_declaration());
    view! {
        <Title text=t_string!(i18n, declare.new_title).to_string() />
        <h1>{t!(i18n, declare.new_title)}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match blank.await {
                    Ok(input) => view! { <DeclarationForm input mode=Mode::Draft(None) /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn EditDeclaration() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><EditDeclarationPage /></Guarded> }
}

#[component]
fn EditDeclarationPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = use_id_param();
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let draft = Resource::new(move || id.get(), get_declaration);
    view! {
        <Title text=t_string!(i18n, declare.draft_title).to_string() />
        {move || saved().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, declare.saved)}</p></div> })}
        <h1>{t!(i18n, declare.draft_title)}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match draft.await {
                    Ok(DeclarationDetail { row, input }) if row.status == "draft" => view! {
                        <DeclarationForm input mode=Mode::Draft(Some(row.id)) />
                        <form method="post" action="/api/declarations/delete_draft" class="inline-form">
                            <input type="hidden" name="declaration_id" value=row.id.to_string() />
                            <button type="submit" class="button button--warning">{t!(i18n, declare.delete_draft)}</button>
                        </form>
                    }.into_any(),
                    Ok(DeclarationDetail { row, .. }) => {
                        let href = row.parcel_id.map(|p| format!("/parcels/{p}")).unwrap_or_else(|| "/declarations".into());
                        view! { <p>{t!(i18n, declare.already_submitted)} " " <a href=href>{t!(i18n, declare.open_parcel)}</a></p> }.into_any()
                    }
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AmendParcel() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><AmendParcelPage /></Guarded> }
}

#[component]
fn AmendParcelPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = use_id_param();
    let parcel = Resource::new(move || id.get(), get_parcel);
    view! {
        <Title text=t_string!(i18n, declare.amend_title).to_string() />
        <h1>{t!(i18n, declare.amend_title)}</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match parcel.await {
                    Ok(p) if p.changeable => {
                        let input = p.versions.first().map(|v| v.input.clone()).unwrap_or_default();
                        view! {
                            <p class="lead">{p.parcel.item_id.clone()}</p>
                            <DeclarationForm input mode=Mode::Amend { parcel_id: p.parcel.id, version: p.parcel.version } />
                        }.into_any()
                    }
                    Ok(p) => view! { <p>{t!(i18n, declare.not_changeable)} " " <a href=format!("/parcels/{}", p.parcel.id)>{t!(i18n, declare.open_parcel)}</a></p> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn Declarations() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><DeclarationsPage /></Guarded> }
}

#[component]
fn DeclarationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let query = use_query_map();
    let errors = use_form_errors();
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
        DeclarationFilter {
            q: get("q"),
            status: get("status"),
            from: get("from"),
            to: get("to"),
            before_id: get("before").and_then(|v| v.parse().ok()),
        }
    };
    let rows = Resource::new(filter, |f| list_declarations(Some(f)));
    let value = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let statuses = [
        "draft",
        "submitted",
        "amended",
        "cancelled",
        "pre_advised",
        "assessed",
        "released",
    ];
    view! {
        <Title text=t_string!(i18n, declare.list_title).to_string() />
        <ErrorSummary errors />
        <div class="page-head">
            <h1>{t!(i18n, declare.list_title)}</h1>
            <div class="page-head__actions">
                <a class="button button--secondary" href="/declarations/upload">{t!(i18n, nav.upload_declarations)}</a>
                <a class="button" href="/declarations/new">{t!(i18n, declare.new_title)}</a>
            </div>
        </div>
        <p>
            <a rel="external" download="declarations.csv" href=move || {
                let q = query.read();
                let parts: Vec<String> = ["q", "status", "from", "to"]
                    .iter()
                    .filter_map(|k| q.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", crate::components::urlencode(&v))))
                    .collect();
                format!("/declarations/export.csv?{}", parts.join("&"))
            }>{t!(i18n, declare.export)}</a>
        </p>
        <form method="get" action="/declarations" class="filters filters--wrap" role="search">
            <div class="field field--inline">
                <label class="field__label" for="q">{t!(i18n, declare.search)}</label>
                <input class="input" id="q" name="q" type="search" value=value("q") />
            </div>
            <div class="field field--inline">
                <label class="field__label" for="status">{t!(i18n, declare.status)}</label>
                <select class="select" id="status" name="status">
                    <option value="">{t!(i18n, audit.all)}</option>
                    {statuses.into_iter().map(|s| {
                        let selected = move || value("status")() == s;
                        view! { <option value=s selected=selected>{status_name(l, s)}</option> }
                    }).collect_view()}
                </select>
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
                match rows.await {
                    Ok(list) => view! { <DeclarationsTable rows=list /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeclarationsTable(rows: Vec<DeclarationRow>) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let query = use_query_map();
    if rows.is_empty() {
        return view! { <p>{t!(i18n, declare.none)}</p> }.into_any();
    }
    let older = (rows.len() as i64 == crate::api::declarations::PAGE).then(|| {
        let last = rows.last().map(|r| r.id).unwrap_or(0);
        let q = query.read_untracked();
        let mut parts: Vec<String> = ["q", "status", "from", "to"]
            .iter()
            .filter_map(|k| {
                q.get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", crate::components::urlencode(&v)))
            })
            .collect();
        parts.push(format!("before={last}"));
        format!("/declarations?{}", parts.join("&"))
    });
    // Newest first; the column headers sort in place (`SortableTable`).
    let mut rows = rows;
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    let header = |label: String| view! { <SortHeader label /> };
    view! {
        <SortableTable>
            <table class="table" id="declarations-table">
                <thead><tr>
                    <SortHeader label=td_string!(l, declare.created).to_string() sorted=false />
                    {header(td_string!(l, declare.item_id).to_string())}
                    <th scope="col">{t!(i18n, declare.reference)}</th>
                    {header(td_string!(l, declare.addressee).to_string())}
                    <th scope="col">{t!(i18n, declare.contents)}</th>
                    {header(td_string!(l, declare.value).to_string())}
                    {header(td_string!(l, declare.status).to_string())}
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let href = match r.parcel_id {
                            Some(p) => format!("/parcels/{p}"),
                            None => format!("/declarations/{}/edit", r.id),
                        };
                        let status = r.customs_status.clone().filter(|_| r.status != "cancelled").unwrap_or(r.status.clone());
                        // By currency, then amount (minor units, zero-padded to sort as text).
                        let value_key = format!("{} {:020}", r.currency, r.total_value_minor.max(0));
                        view! {
                            <tr>
                                <td class="nowrap" data-sort=r.id.to_string()>{when(r.created_at)}</td>
                                <td><a href=href>{r.item_id.clone().unwrap_or_else(|| td_string!(l, declare.draft_link).to_string())}</a></td>
                                <td>{r.reference.clone()}</td>
                                <td data-sort=r.addressee_name.clone()>{r.addressee_name.clone()}<span class="muted">{format!(" {}", r.addressee_country)}</span></td>
                                <td class="wrap">{r.summary.clone()}</td>
                                <td class="nowrap num" data-sort=value_key>{(r.status != "draft").then(|| money(r.total_value_minor, &r.currency))}</td>
                                <td data-sort=status.clone()><span class=format!("tag tag--{status}")>{status_name(l, &status)}</span></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </SortableTable>
        {older.map(|href| view! { <p><a href=href>{t!(i18n, declare.older)}</a></p> })}
    }
    .into_any()
}

#[component]
pub fn Parcel() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><ParcelPage /></Guarded> }
}

#[component]
fn ParcelPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = use_id_param();
    let query = use_query_map();
    let errors = use_form_errors();
    let parcel = Resource::new(move || id.get(), get_parcel);
    let flag = move |k: &'static str| move || query.read().get(k).is_some();
    view! {
        <ErrorSummary errors />
        {move || flag("amended")().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, declare.amended)}</p></div> })}
        {move || flag("cancelled")().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, declare.cancelled)}</p></div> })}
        <Suspense>
            {move || Suspend::new(async move {
                match parcel.await {
                    Ok(p) => view! { <ParcelView p /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ParcelView(p: ParcelDetail) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let current = p.versions.first().cloned();
    let title = format!("{} {}", td_string!(l, declare.parcel), p.parcel.item_id);
    view! {
        <Title text=title.clone() />
        <h1>{t!(i18n, declare.parcel)} " " <span class="item-id">{p.parcel.item_id.clone()}</span></h1>
        <dl class="status-cards">
            <div class="status-card"><dt>{t!(i18n, declare.declaration_status)}</dt><dd id="declaration-status">{status_name(l, &p.declaration_status)}</dd></div>
            <div class="status-card"><dt>{t!(i18n, declare.customs_status)}</dt><dd id="customs-status">{status_name(l, &p.parcel.customs_status)}</dd></div>
            <div class="status-card"><dt>{t!(i18n, declare.payment_status)}</dt><dd id="payment-status">{status_name(l, &p.parcel.payment_status)}</dd></div>
            <div class="status-card"><dt>{t!(i18n, declare.location)}</dt><dd id="location">{status_name(l, &p.parcel.location)}</dd></div>
        </dl>
        // One text node: mixed static and dynamic text does not hydrate.
        <p>{format!("{}: {}", td_string!(l, declare.inward_office), p.parcel.inward_office_name.clone().unwrap_or_default())}</p>
        <ul class="link-list link-list--inline">
            <li><a href=format!("/parcels/{}/label", p.parcel.id) rel="external">{t!(i18n, declare.print_label)}</a></li>
            <li><a href=format!("/parcels/{}/cn23", p.parcel.id) rel="external">{t!(i18n, declare.print_cn23)}</a></li>
        </ul>
        {p.changeable.then(|| view! {
            <div class="actions-bar">
                <a class="button button--secondary" href=format!("/parcels/{}/amend", p.parcel.id)>{t!(i18n, declare.amend)}</a>
                <form method="post" action="/api/parcels/cancel" class="inline-form">
                    <input type="hidden" name="parcel_id" value=p.parcel.id.to_string() />
                    <input type="hidden" name="version" value=p.parcel.version.to_string() />
                    <button type="submit" class="button button--warning">{t!(i18n, declare.cancel)}</button>
                </form>
            </div>
        })}
        {current.map(|v| view! { <DeclarationSummary v /> })}
        <h2>{t!(i18n, declare.timeline)}</h2>
        <ol class="timeline" id="timeline">
            {p.events.into_iter().map(|e| view! {
                <li class="timeline__item">
                    <span class="timeline__when">{when(e.at)}</span>
                    <span class="timeline__what">
                        {format!(
                            "{}: {}",
                            dimension_name(l, &e.dimension),
                            e.from_state.as_deref().map(|f| format!("{} → ", status_name(l, f))).unwrap_or_default()
                        )}
                        <strong>{status_name(l, &e.to_state)}</strong>
                        <span>{e.upu_code.clone().map(|c| format!(" ({c})")).unwrap_or_default()}</span>
                    </span>
                    {(!e.reason.is_empty()).then(|| view! { <span class="timeline__reason">{e.reason.clone()}</span> })}
                    {e.actor_name.clone().map(|a| view! { <span class="muted">{a}</span> })}
                </li>
            }).collect_view()}
        </ol>
        {(p.versions.len() > 1).then(|| view! {
            <h2>{t!(i18n, declare.versions)}</h2>
            <ul class="link-list">
                {p.versions.iter().map(|v| view! {
                    <li>{format!("v{} · {} · {} · {}", v.row.version, status_name(l, &v.row.status), money(v.row.total_value_minor, &v.row.currency), v.row.summary)}</li>
                }).collect_view()}
            </ul>
        })}
    }
}

fn dimension_name(l: Locale, d: &str) -> String {
    match d {
        "declaration" => td_string!(l, declare.declaration_status).to_string(),
        "customs" => td_string!(l, declare.customs_status).to_string(),
        "payment" => td_string!(l, declare.payment_status).to_string(),
        "location" => td_string!(l, declare.location).to_string(),
        o => o.to_owned(),
    }
}

#[component]
fn DeclarationSummary(v: DeclarationDetail) -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let d = v.input;
    let party = |p: &crate::domain::declaration::PartyInput| {
        format!(
            "{}, {}{}, {} {}, {}",
            p.name,
            p.address1,
            if p.address2.is_empty() {
                String::new()
            } else {
                format!(", {}", p.address2)
            },
            p.postcode,
            p.city,
            p.country
        )
    };
    view! {
        <h2>{format!("{} (v{}, {})", td_string!(l, declare.declaration), v.row.version, v.row.form.clone().unwrap_or_default())}</h2>
        <dl class="summary-list">
            <div><dt>{t!(i18n, declare.sender)}</dt><dd>{party(&d.sender)}</dd></div>
            <div><dt>{t!(i18n, declare.addressee)}</dt><dd>{party(&d.addressee)}</dd></div>
            <div><dt>{t!(i18n, declare.category)}</dt><dd>{category_name(l, &d.category)}</dd></div>
            <div><dt>{t!(i18n, declare.incoterm)}</dt><dd>{d.incoterm.clone()}</dd></div>
            <div><dt>{t!(i18n, declare.value)}</dt><dd>{money(v.row.total_value_minor, &v.row.currency)}</dd></div>
        </dl>
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th scope="col">{t!(i18n, declare.description)}</th>
                    <th scope="col">{t!(i18n, declare.quantity)}</th>
                    <th scope="col">{t!(i18n, declare.net_weight)}</th>
                    <th scope="col">{t!(i18n, declare.value)}</th>
                    <th scope="col">{t!(i18n, declare.hs_code)}</th>
                    <th scope="col">{t!(i18n, declare.origin)}</th>
                </tr></thead>
                <tbody>
                    {d.lines.into_iter().map(|x| view! {
                        <tr><td>{x.description}</td><td class="num">{x.quantity}</td><td class="num">{x.net_weight_kg}</td>
                            <td class="num">{x.value}</td><td>{x.hs_code}</td><td>{x.origin}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forms_controls_read_back_into_the_declaration_they_show() {
        for key in ["reference", "sender.city", "lines.1.hs_code"] {
            assert_eq!(key_of(&qs_name(key)).as_deref(), Some(key));
        }
        assert_eq!(key_of("declaration_id"), None);
        assert_eq!(key_of("action"), None);
        let fields: Vec<(String, String)> = [
            ("declaration_id", "7"),
            ("input[addressee][country]", "GB"),
            ("input[lines][1][hs_code]", "6109.10"),
            ("input[lines][0][description]", "Cotton T-shirt"),
            ("input[category]", "other"),
            ("input[no_such_field]", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let d = input_from_fields(&fields);
        assert_eq!(d.addressee.country, "GB");
        assert_eq!(d.category, "other");
        // Two lines: the highest index read, whatever the order.
        assert_eq!(d.lines.len(), 2);
        assert_eq!(d.lines[0].description, "Cotton T-shirt");
        assert_eq!(d.lines[1].hs_code, "6109.10");
    }
}

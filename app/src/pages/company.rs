//! The merchant's company profile: the sender printed on its declarations
//! and the defaults of new ones.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::company::{get_company_profile, CompanyProfile};
use crate::components::{error_text, use_form_errors, ErrorSummary, FormErrors, Guarded, Problem};
use crate::i18n::*;
use crate::pages::declarations::MERCHANT;

#[component]
pub fn Company() -> impl IntoView {
    view! { <Guarded roles=MERCHANT><CompanyPage /></Guarded> }
}

#[component]
fn CompanyPage() -> impl IntoView {
    let i18n = use_i18n();
    let l = i18n.get_locale_untracked();
    let errors = use_form_errors();
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    let profile = Resource::new(|| (), |_| get_company_profile());
    view! {
        <Title text=t_string!(i18n, declare.company_title).to_string() />
        <ErrorSummary errors />
        {move || saved().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, declare.saved)}</p></div> })}
        <h1>{t!(i18n, declare.company_title)}</h1>
        <p>{t!(i18n, declare.company_intro)}</p>
        <Suspense>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(p) => view! { <CompanyForm p errors l /> }.into_any(),
                    Err(e) => view! { <Problem error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CompanyForm(p: CompanyProfile, errors: Memo<FormErrors>, l: Locale) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |name: &'static str, key: String, label: String, value: String| {
        let e2 = key.clone();
        let error = move || {
            errors
                .get()
                .for_field(&e2)
                .map(|c| error_text(i18n.get_locale(), &c, None))
        };
        let error2 = error.clone();
        view! {
            <div class="field" class:field--error=move || error2().is_some()>
                <label class="field__label" for=key.clone()>{label}</label>
                {move || error().map(|e| view! { <p class="field__error">{e}</p> })}
                <input class="input" id=key.clone() name=name type="text" value=value />
            </div>
        }
    };
    let s = p.sender;
    view! {
        <form method="post" action="/api/declarations/profile/save" novalidate>
            <fieldset class="group">
                <legend class="group__title">{t!(i18n, declare.default_sender)}</legend>
                {field("profile[sender][name]", "sender.name".into(), td_string!(l, declare.name).to_string(), s.name)}
                {field("profile[sender][address1]", "sender.address1".into(), td_string!(l, declare.address1).to_string(), s.address1)}
                {field("profile[sender][address2]", "sender.address2".into(), td_string!(l, declare.address2).to_string(), s.address2)}
                {field("profile[sender][postcode]", "sender.postcode".into(), td_string!(l, declare.postcode).to_string(), s.postcode)}
                {field("profile[sender][city]", "sender.city".into(), td_string!(l, declare.city).to_string(), s.city)}
                {field("profile[sender][country]", "sender.country".into(), td_string!(l, declare.country).to_string(), s.country)}
                {field("profile[sender][phone]", "sender.phone".into(), td_string!(l, declare.phone).to_string(), s.phone)}
                {field("profile[sender][email]", "sender.email".into(), td_string!(l, declare.email).to_string(), s.email)}
                {field("profile[sender][tax_ref]", "sender.tax_ref".into(), td_string!(l, declare.tax_ref).to_string(), s.tax_ref)}
            </fieldset>
            {field("profile[default_origin]", "default_origin".into(), td_string!(l, declare.default_origin).to_string(), p.default_origin)}
            {field("profile[default_currency]", "default_currency".into(), td_string!(l, declare.default_currency).to_string(), p.default_currency)}
            <div class="field">
                <div class="checkbox">
                    <input class="checkbox__input" type="checkbox" id="cross_border_platform" name="profile[cross_border_platform]" value="true"
                        checked=p.cross_border_platform aria-describedby="cross_border_platform-hint" />
                    <label class="checkbox__label" for="cross_border_platform">{t!(i18n, declare.cross_border_platform)}</label>
                </div>
                <p class="field__hint" id="cross_border_platform-hint">{t!(i18n, declare.cross_border_platform_hint)}</p>
            </div>
            <button type="submit" class="button">{t!(i18n, declare.save)}</button>
        </form>
    }
}

//! Sign-in and sign-up.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{remembered, use_form_errors, ErrorSummary, TextField};
use crate::i18n::*;

#[component]
pub fn SignIn() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, sign_in.title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            {move || query.read().get("reset").is_some().then(|| view! {
                <div class="notice notice--success" role="status"><p>{t!(i18n, sign_in.password_changed)}</p></div>
            })}
            {move || query.read().get("signed_out").is_some().then(|| view! {
                <div class="notice notice--success" role="status"><p>{t!(i18n, sign_in.signed_out_everywhere)}</p></div>
            })}
            <h1>{t!(i18n, sign_in.title)}</h1>
            <form method="post" action="/api/auth/sign_in" novalidate>
                <input type="hidden" name="next" value=next />
                <TextField name="email" kind="email" autocomplete="username" required=true
                    label=td_string!(l, sign_in.email).to_string() errors />
                <TextField name="password" kind="password" autocomplete="current-password" required=true
                    label=td_string!(l, sign_in.password).to_string() errors />
                <button type="submit" class="button">{t!(i18n, sign_in.submit)}</button>
            </form>
            <p><a href="/forgot-password">{t!(i18n, sign_in.forgot)}</a></p>
            <p>{t!(i18n, sign_in.no_account)} " " <a href="/sign-up">{t!(i18n, sign_in.create)}</a></p>
        </div>
    }
}

#[component]
pub fn SignUp() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let l = i18n.get_locale_untracked();
    // The company questions show only while "merchant" is chosen: the style
    // sheet does it (`:has`), so it needs no JavaScript; a browser without
    // `:has` shows them always, marked as only for merchants.
    let merchant = remembered("account_type").as_deref() == Some("merchant");
    let type_error = move || errors.get().for_field("account_type");
    view! {
        <Title text=t_string!(i18n, sign_up.title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, sign_up.title)}</h1>
            <form method="post" action="/api/auth/sign_up" novalidate class="sign-up">
                <input type="hidden" name="language" value=move || i18n.get_locale().to_string() />
                <fieldset class="field" id="account_type">
                    <legend class="field__label">{t!(i18n, sign_up.account_type)}</legend>
                    {move || type_error().map(|c| view! { <p class="field__error">{crate::components::error_text(l, &c, None)}</p> })}
                    <div class="radio">
                        <input type="radio" id="type-recipient" name="account_type" value="recipient"
                            checked=!merchant />
                        <label for="type-recipient">{t!(i18n, sign_up.type_recipient)}</label>
                    </div>
                    <div class="radio">
                        <input type="radio" id="type-merchant" name="account_type" value="merchant"
                            checked=merchant />
                        <label for="type-merchant">{t!(i18n, sign_up.type_merchant)}</label>
                    </div>
                </fieldset>
                <TextField name="display_name" autocomplete="name" required=true
                    label=td_string!(l, sign_up.display_name).to_string() errors />
                <TextField name="email" kind="email" autocomplete="email" required=true
                    label=td_string!(l, sign_up.email).to_string() errors />
                <TextField name="password" kind="password" autocomplete="new-password" required=true
                    label=td_string!(l, sign_up.password).to_string()
                    hint=td_string!(l, sign_up.password_hint).to_string() errors />
                <div class="conditional merchant-only">
                    <TextField name="company_name" autocomplete="organization"
                        label=td_string!(l, sign_up.company_name).to_string()
                        hint=td_string!(l, sign_up.company_hint).to_string() errors />
                    <TextField name="country_code" autocomplete="country"
                        label=td_string!(l, sign_up.country_code).to_string()
                        hint=td_string!(l, sign_up.country_hint).to_string() errors />
                </div>
                <button type="submit" class="button">{t!(i18n, sign_up.submit)}</button>
            </form>
            <p>{t!(i18n, sign_up.have_account)} " " <a href="/sign-in">{t!(i18n, nav.sign_in)}</a></p>
        </div>
    }
}

/// After sign-up: the same page whether the address was new or had an
/// account already (that account's owner gets an e-mail saying so).
#[component]
pub fn SignUpSent() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, sign_up.sent_title).to_string() />
        <div class="narrow">
            <h1>{t!(i18n, sign_up.sent_title)}</h1>
            <p>{t!(i18n, sign_up.sent_text)}</p>
            <p>{t!(i18n, sign_up.sent_next)}</p>
            <p><a class="button" href="/sign-in">{t!(i18n, nav.sign_in)}</a></p>
        </div>
    }
}

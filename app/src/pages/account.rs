//! The account's own pages: e-mail verification, password reset, two-factor
//! sign-in (setting it up, the code at sign-in, recovery codes) and the
//! account overview.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::account::{take_recovery_codes, two_factor_setup};
use crate::components::{use_form_errors, use_user, ErrorSummary, Guarded, Problem, TextField};
use crate::domain::account::Role;
use crate::error::AppError;
use crate::i18n::*;

fn query_value(name: &'static str) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let query = use_query_map();
    move || query.read().get(name).unwrap_or_default()
}

/// The link from the verification e-mail: one button confirms (a link
/// checker opening the page does not use up the token).
#[component]
pub fn VerifyEmail() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let token = query_value("token");
    view! {
        <Title text=t_string!(i18n, account.verify_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, account.verify_title)}</h1>
            <p>{t!(i18n, account.verify_text)}</p>
            <form method="post" action="/api/account/verify_email">
                <input type="hidden" name="token" value=token />
                <button type="submit" class="button">{t!(i18n, account.verify_submit)}</button>
            </form>
            <p><a href="/account">{t!(i18n, account.resend_link)}</a></p>
        </div>
    }
}

#[component]
pub fn EmailVerified() -> impl IntoView {
    let i18n = use_i18n();
    let signed_in = use_user().ok().flatten().is_some();
    view! {
        <Title text=t_string!(i18n, account.verified_title).to_string() />
        <div class="narrow">
            <div class="panel panel--success" role="status">
                <h1>{t!(i18n, account.verified_title)}</h1>
            </div>
            <p>{t!(i18n, account.verified_text)}</p>
            {if signed_in {
                view! { <a class="button" href="/home">{t!(i18n, account.continue_home)}</a> }.into_any()
            } else {
                view! { <a class="button" href="/sign-in">{t!(i18n, nav.sign_in)}</a> }.into_any()
            }}
        </div>
    }
}

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, account.forgot_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, account.forgot_title)}</h1>
            <p>{t!(i18n, account.forgot_text)}</p>
            <form method="post" action="/api/account/forgot_password" novalidate>
                <TextField name="email" kind="email" autocomplete="email" required=true
                    label=td_string!(l, sign_in.email).to_string() errors />
                <button type="submit" class="button">{t!(i18n, account.forgot_submit)}</button>
            </form>
        </div>
    }
}

#[component]
pub fn ForgotSent() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=t_string!(i18n, account.sent_title).to_string() />
        <div class="narrow">
            <h1>{t!(i18n, account.sent_title)}</h1>
            <p>{t!(i18n, account.sent_text)}</p>
            <p><a href="/sign-in">{t!(i18n, nav.sign_in)}</a></p>
        </div>
    }
}

#[component]
pub fn ResetPassword() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let token = query_value("token");
    let l = i18n.get_locale_untracked();
    let token_problem = move || errors.get().for_field("token").is_some();
    view! {
        <Title text=t_string!(i18n, account.reset_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, account.reset_title)}</h1>
            {move || token_problem().then(|| view! {
                <p><a href="/forgot-password">{t!(i18n, account.reset_again)}</a></p>
            })}
            <form method="post" action="/api/account/reset_password" novalidate>
                <input type="hidden" name="token" value=token />
                <TextField name="password" kind="password" autocomplete="new-password" required=true
                    label=td_string!(l, account.new_password).to_string()
                    hint=td_string!(l, sign_up.password_hint).to_string() errors />
                <button type="submit" class="button">{t!(i18n, account.reset_submit)}</button>
            </form>
        </div>
    }
}

/// The second step of sign-in.
#[component]
pub fn SignInCode() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let next = query_value("next");
    let l = i18n.get_locale_untracked();
    view! {
        <Title text=t_string!(i18n, account.code_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, account.code_title)}</h1>
            <form method="post" action="/api/auth/code" novalidate>
                <input type="hidden" name="next" value=next />
                <TextField name="code" autocomplete="one-time-code" required=true
                    label=td_string!(l, account.code_label).to_string()
                    hint=td_string!(l, account.code_hint).to_string() errors />
                <button type="submit" class="button">{t!(i18n, account.code_submit)}</button>
            </form>
            <p><a href="/sign-in">{t!(i18n, account.code_restart)}</a></p>
        </div>
    }
}

/// Setting up an authenticator app: a QR code, the secret as text for
/// typing in, and the first code to prove it works.
#[component]
pub fn TwoFactorSetupPage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let next = query_value("next");
    let setup = Resource::new(|| (), |_| two_factor_setup());
    let l = i18n.get_locale_untracked();
    let required = use_user().ok().flatten().is_none();
    view! {
        <Title text=t_string!(i18n, account.setup_title).to_string() />
        <div class="narrow">
            <ErrorSummary errors />
            <h1>{t!(i18n, account.setup_title)}</h1>
            {required.then(|| view! { <p class="lead">{t!(i18n, account.setup_required)}</p> })}
            <Suspense>
                {move || {
                    let next = next.clone();
                    Suspend::new(async move {
                    match setup.await {
                        Ok(s) => view! {
                            <ol class="steps">
                                <li>{t!(i18n, account.setup_step_app)}</li>
                                <li>
                                    {t!(i18n, account.setup_step_scan)}
                                    <img class="qr" src=s.qr_image width="220" height="220"
                                        alt=td_string!(l, account.qr_alt).to_string() />
                                    <p>{t!(i18n, account.setup_or_type)}</p>
                                    <p><code class="secret" id="totp-secret">{s.secret}</code></p>
                                </li>
                                <li>{t!(i18n, account.setup_step_code)}</li>
                            </ol>
                            <form method="post" action="/api/account/two_factor/confirm" novalidate>
                                <input type="hidden" name="next" value=next />
                                <TextField name="code" autocomplete="one-time-code" required=true
                                    label=td_string!(l, account.code_label).to_string() errors />
                                <button type="submit" class="button">{t!(i18n, account.setup_submit)}</button>
                            </form>
                        }.into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <p>{t!(i18n, account.setup_signed_out)}</p>
                            <a class="button" href="/sign-in">{t!(i18n, nav.sign_in)}</a>
                        }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    }
                })}}
            </Suspense>
        </div>
    }
}

#[component]
pub fn RecoveryCodes() -> impl IntoView {
    view! { <Guarded roles=&Role::ALL><RecoveryCodesPage /></Guarded> }
}

#[component]
fn RecoveryCodesPage() -> impl IntoView {
    let i18n = use_i18n();
    let next = query_value("next");
    let codes = Resource::new(|| (), |_| take_recovery_codes());
    let next_href = move || {
        let n = next();
        if n.starts_with('/') && !n.starts_with("//") {
            n
        } else {
            "/home".into()
        }
    };
    view! {
        <Title text=t_string!(i18n, account.codes_title).to_string() />
        <div class="narrow">
            <div class="panel panel--success" role="status">
                <h1>{t!(i18n, account.codes_title)}</h1>
                <p>{t!(i18n, account.two_factor_on)}</p>
            </div>
            <Suspense>
                {move || Suspend::new(async move {
                    match codes.await {
                        Ok(list) if !list.is_empty() => view! {
                            <p>{t!(i18n, account.codes_text)}</p>
                            <ul class="codes" id="recovery-codes">
                                {list.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Ok(_) => view! { <p>{t!(i18n, account.codes_gone)}</p> }.into_any(),
                        Err(e) => view! { <Problem error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <a class="button" href=next_href>{t!(i18n, account.codes_done)}</a>
        </div>
    }
}

/// The account overview: e-mail confirmation and two-factor sign-in.
#[component]
pub fn Account() -> impl IntoView {
    view! { <Guarded roles=&Role::ALL><AccountPage /></Guarded> }
}

#[component]
fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let errors = use_form_errors();
    let query = use_query_map();
    let flag = move |name: &'static str| move || query.read().get(name).is_some();
    let Some(user) = use_user().ok().flatten() else {
        return ().into_any();
    };
    let l = i18n.get_locale_untracked();
    let may_turn_off = !user.role.is_staff();
    view! {
        <Title text=t_string!(i18n, account.title).to_string() />
        <ErrorSummary errors />
        {move || flag("sent")().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, account.sent_verification)}</p></div> })}
        {move || flag("two_factor_off")().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, account.two_factor_now_off)}</p></div> })}
        {move || flag("password_changed")().then(|| view! { <div class="notice notice--success" role="status"><p>{t!(i18n, account.password_changed)}</p></div> })}
        <h1>{t!(i18n, account.title)}</h1>
        <dl class="summary-list">
            <div><dt>{t!(i18n, sign_in.email)}</dt><dd id="account-email">{user.email.clone()}</dd></div>
            <div>
                <dt>{t!(i18n, account.email_status)}</dt>
                <dd id="email-status">{if user.email_verified {
                    view! { <span class="tag tag--green">{t!(i18n, account.verified)}</span> }.into_any()
                } else {
                    view! { <span class="tag tag--yellow">{t!(i18n, account.unverified)}</span> }.into_any()
                }}</dd>
            </div>
            <div>
                <dt>{t!(i18n, account.two_factor)}</dt>
                <dd id="two-factor-status">{if user.two_factor {
                    view! { <span class="tag tag--green">{t!(i18n, account.on)}</span> }.into_any()
                } else {
                    view! { <span class="tag tag--grey">{t!(i18n, account.off)}</span> }.into_any()
                }}</dd>
            </div>
        </dl>
        {(!user.email_verified).then(|| view! {
            <h2>{t!(i18n, account.confirm_heading)}</h2>
            <p>{t!(i18n, account.unverified_text)}</p>
            <form method="post" action="/api/account/resend_verification">
                <button type="submit" class="button button--secondary">{t!(i18n, account.resend)}</button>
            </form>
        })}
        <h2>{t!(i18n, account.two_factor)}</h2>
        {if user.two_factor {
            if may_turn_off {
                view! {
                    <p>{t!(i18n, account.two_factor_on)}</p>
                    <form method="post" action="/api/account/two_factor/disable" novalidate>
                        <TextField name="password" kind="password" autocomplete="current-password" required=true
                            label=td_string!(l, account.password_to_turn_off).to_string() errors />
                        <button type="submit" class="button button--warning">{t!(i18n, account.turn_off)}</button>
                    </form>
                }.into_any()
            } else {
                view! { <p>{t!(i18n, account.two_factor_on)}</p> }.into_any()
            }
        } else {
            view! {
                <p>{t!(i18n, account.two_factor_explain)}</p>
                <a class="button" href="/two-factor/setup">{t!(i18n, account.set_up)}</a>
            }.into_any()
        }}
        <h2>{t!(i18n, account.password_heading)}</h2>
        <form method="post" action="/api/account/change_password" novalidate>
            <TextField name="current_password" kind="password" autocomplete="current-password" required=true
                label=td_string!(l, account.current_password).to_string() errors />
            <TextField name="new_password" kind="password" autocomplete="new-password" required=true
                label=td_string!(l, account.new_password).to_string()
                hint=td_string!(l, account.new_password_hint).to_string() errors />
            <button type="submit" class="button button--secondary">{t!(i18n, account.change_password_submit)}</button>
        </form>
        <p><a href="/forgot-password">{t!(i18n, account.change_password)}</a></p>
        <h2>{t!(i18n, account.everywhere_heading)}</h2>
        <p>{t!(i18n, account.everywhere_text)}</p>
        <form method="post" action="/api/account/sign_out_everywhere">
            <button type="submit" class="button button--secondary">{t!(i18n, account.sign_out_everywhere)}</button>
        </form>
    }
    .into_any()
}

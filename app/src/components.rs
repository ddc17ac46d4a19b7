//! Small views shared by every area: layout, guard, forms and error messages.
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use crate::domain::account::{CurrentUser, Role};
use crate::error::AppError;
use crate::i18n::*;

/// The signed-in account (or none) of this page, found by the server before
/// rendering and handed to the browser with the page.
#[derive(Clone, Debug)]
pub struct PageUser(pub Result<Option<CurrentUser>, AppError>);

pub fn use_user() -> Result<Option<CurrentUser>, AppError> {
    expect_context::<PageUser>().0
}

/// The numeric `:id` of the current route (0, which matches nothing, when it is not a number).
pub fn use_id_param() -> Memo<i64> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    })
}

/// Sets the HTTP status of the page being rendered on the server.
pub fn set_page_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::from_u16(_code).unwrap_or(http::StatusCode::OK));
    }
}

pub fn role_name(locale: Locale, role: Role) -> String {
    match role {
        Role::Merchant => td_string!(locale, roles.merchant).to_string(),
        Role::Recipient => td_string!(locale, roles.recipient).to_string(),
        Role::PostalClerk => td_string!(locale, roles.postal_clerk).to_string(),
        Role::CustomsOfficer => td_string!(locale, roles.customs_officer).to_string(),
        Role::CustomsSupervisor => td_string!(locale, roles.customs_supervisor).to_string(),
        Role::Admin => td_string!(locale, roles.admin).to_string(),
    }
}

/// The translated sentence for an error code (`field.code` or `code`).
pub fn error_text(locale: Locale, code: &str, retry_secs: Option<i64>) -> String {
    let full = code.rsplit('.').next().unwrap_or(code);
    let code = full.split(':').next().unwrap_or(full);
    // Parameters after the code: `item_id_check_digit:5:4`.
    let p: Vec<&str> = full.split(':').skip(1).collect();
    let arg = |i: usize| p.get(i).copied().unwrap_or("").to_owned();
    let with = |text: &str| text.replace("{0}", &arg(0)).replace("{1}", &arg(1));
    match code {
        "unauthorized" => td_string!(locale, errors.unauthorized).to_string(),
        "forbidden" => td_string!(locale, errors.forbidden).to_string(),
        "not_found" => td_string!(locale, errors.not_found).to_string(),
        "bad_credentials" => td_string!(locale, errors.bad_credentials).to_string(),
        "account_disabled" => td_string!(locale, errors.account_disabled).to_string(),
        "throttled" => {
            let minutes = retry_secs.map(|s| (s + 59) / 60).unwrap_or(1).max(1);
            format!(
                "{} {minutes} {}",
                td_string!(locale, errors.throttled),
                td_string!(locale, errors.minutes)
            )
        }
        "required" => td_string!(locale, errors.required).to_string(),
        "too_long" => td_string!(locale, errors.too_long).to_string(),
        "email_invalid" => td_string!(locale, errors.email_invalid).to_string(),
        "email_taken" => td_string!(locale, errors.email_taken).to_string(),
        "password_too_short" => td_string!(locale, errors.password_too_short).to_string(),
        "password_too_long" => td_string!(locale, errors.password_too_long).to_string(),
        "country_invalid" => td_string!(locale, errors.country_invalid).to_string(),
        "one_per_country" => td_string!(locale, errors.one_per_country).to_string(),
        "office_code_invalid" => td_string!(locale, errors.office_code_invalid).to_string(),
        "office_code_taken" => td_string!(locale, errors.office_code_taken).to_string(),
        "office_wrong_kind" => td_string!(locale, errors.office_wrong_kind).to_string(),
        "office_not_in_organisation" => {
            td_string!(locale, errors.office_not_in_organisation).to_string()
        }
        "organisation_wrong_kind" => td_string!(locale, errors.organisation_wrong_kind).to_string(),
        "role_invalid" => td_string!(locale, errors.role_invalid).to_string(),
        "role_has_no_organisation" => {
            td_string!(locale, errors.role_has_no_organisation).to_string()
        }
        "language_invalid" => td_string!(locale, errors.language_invalid).to_string(),
        "cannot_disable_self" => td_string!(locale, errors.cannot_disable_self).to_string(),
        "bad_arguments" => td_string!(locale, errors.bad_arguments).to_string(),
        "invalid" => td_string!(locale, errors.invalid).to_string(),
        "cannot_reset_self" => td_string!(locale, errors.cannot_reset_self).to_string(),
        "two_factor_off" => td_string!(locale, errors.two_factor_off).to_string(),
        "email_unverified" => td_string!(locale, errors.email_unverified).to_string(),
        "token_unknown" => td_string!(locale, errors.token_unknown).to_string(),
        "token_used" => td_string!(locale, errors.token_used).to_string(),
        "token_expired" => td_string!(locale, errors.token_expired).to_string(),
        "code_wrong" => td_string!(locale, errors.code_wrong).to_string(),
        "setup_expired" => td_string!(locale, errors.setup_expired).to_string(),
        "two_factor_on" => td_string!(locale, errors.two_factor_on).to_string(),
        "two_factor_required" => td_string!(locale, errors.two_factor_required).to_string(),
        "already_verified" => td_string!(locale, errors.already_verified).to_string(),
        "password_wrong" => td_string!(locale, errors.password_wrong).to_string(),
        "file_too_large" => td_string!(locale, errors.file_too_large).to_string(),
        "file_type" => td_string!(locale, errors.file_type).to_string(),
        "job_not_failed" => td_string!(locale, errors.job_not_failed).to_string(),
        "job_not_discardable" => td_string!(locale, errors.job_not_discardable).to_string(),
        "date_invalid" => td_string!(locale, errors.date_invalid).to_string(),
        "office_not_in_country" => td_string!(locale, errors.office_not_in_country).to_string(),
        "route_exists" => td_string!(locale, errors.route_exists).to_string(),
        "serial_invalid" => td_string!(locale, errors.serial_invalid).to_string(),
        "range_reversed" => td_string!(locale, errors.range_reversed).to_string(),
        "range_overlaps" => td_string!(locale, errors.range_overlaps).to_string(),
        "range_outside_post" => td_string!(locale, errors.range_outside_post).to_string(),
        "hs_code_length" => with(td_string!(locale, errors.hs_code_length)),
        "hs_code_digits" => td_string!(locale, errors.hs_code_digits).to_string(),
        "description_vague" => td_string!(locale, errors.description_vague).to_string(),
        "gift_from_merchant" => td_string!(locale, errors.gift_from_merchant).to_string(),
        "incoterm_invalid" => td_string!(locale, errors.incoterm_invalid).to_string(),
        "ioss_invalid" => td_string!(locale, errors.ioss_invalid).to_string(),
        "weight_zero" => td_string!(locale, errors.weight_zero).to_string(),
        "gross_below_net" => td_string!(locale, errors.gross_below_net).to_string(),
        "total_mismatch" => td_string!(locale, errors.total_mismatch).to_string(),
        "no_sdr_rate" => td_string!(locale, errors.no_sdr_rate).to_string(),
        "lines_required" => td_string!(locale, errors.lines_required).to_string(),
        "too_many_lines" => td_string!(locale, errors.too_many_lines).to_string(),
        "quantity_zero" => td_string!(locale, errors.quantity_zero).to_string(),
        "quantity_too_large" | "amount_too_large" | "weight_too_large" | "rate_too_large" => {
            td_string!(locale, errors.number_too_large).to_string()
        }
        "amount_decimals" | "weight_decimals" | "quantity_decimals" | "rate_decimals" => {
            with(td_string!(locale, errors.decimals))
        }
        "amount_negative" | "weight_negative" | "quantity_negative" | "rate_negative" => {
            td_string!(locale, errors.negative).to_string()
        }
        "amount_invalid" | "weight_invalid" | "quantity_invalid" | "rate_invalid"
        | "number_invalid" => td_string!(locale, errors.number_invalid).to_string(),
        "currency_invalid" => td_string!(locale, errors.currency_invalid).to_string(),
        "phone_invalid" => td_string!(locale, errors.phone_invalid).to_string(),
        "item_id_length" => with(td_string!(locale, errors.item_id_length)),
        "item_id_service" => with(td_string!(locale, errors.item_id_service)),
        "item_id_digits" => td_string!(locale, errors.item_id_digits).to_string(),
        "item_id_check_digit" => with(td_string!(locale, errors.item_id_check_digit)),
        "item_id_country" => with(td_string!(locale, errors.item_id_country)),
        "item_id_serial" => td_string!(locale, errors.item_id_serial).to_string(),
        "item_id_taken" => td_string!(locale, errors.item_id_taken).to_string(),
        "item_id_fixed" => td_string!(locale, errors.item_id_fixed).to_string(),
        "no_item_ids" => td_string!(locale, errors.no_item_ids).to_string(),
        "no_route" => td_string!(locale, errors.no_route).to_string(),
        "destination_fixed" => td_string!(locale, errors.destination_fixed).to_string(),
        "not_a_draft" => td_string!(locale, errors.not_a_draft).to_string(),
        "parcel_changed" => td_string!(locale, errors.parcel_changed).to_string(),
        "state_refused" => with(td_string!(locale, errors.state_refused)).replace("{2}", &arg(2)),
        "file_not_utf8" => td_string!(locale, errors.file_not_utf8).to_string(),
        "csv_unreadable" => td_string!(locale, errors.csv_unreadable).to_string(),
        "unknown_column" => td_string!(locale, errors.unknown_column).to_string(),
        "duplicate_column" => td_string!(locale, errors.duplicate_column).to_string(),
        "missing_column" => td_string!(locale, errors.missing_column).to_string(),
        "file_empty" => td_string!(locale, errors.file_empty).to_string(),
        "too_many_rows" => with(td_string!(locale, errors.too_many_rows)),
        "too_many_fields" => with(td_string!(locale, errors.too_many_fields)),
        "differs_from_row" => with(td_string!(locale, errors.differs_from_row)),
        "not_enough_item_ids" => with(td_string!(locale, errors.not_enough_item_ids)),
        "upload_too_large" => td_string!(locale, errors.upload_too_large).to_string(),
        "upload_not_finished" => td_string!(locale, errors.upload_not_finished).to_string(),
        "territory_no_regime" => td_string!(locale, errors.territory_no_regime).to_string(),
        "rate_row_taken" => td_string!(locale, errors.rate_row_taken).to_string(),
        "rate_period_overlaps" => with(td_string!(locale, errors.rate_period_overlaps)),
        "rate_row_twice" => with(td_string!(locale, errors.rate_row_twice)),
        "regime_in_use" => td_string!(locale, errors.regime_in_use).to_string(),
        "file_no_rows" => td_string!(locale, errors.file_no_rows).to_string(),
        _ => td_string!(locale, errors.internal).to_string(),
    }
}

/// Errors a form page was sent back with: `?error=field.code,field.code`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FormErrors(pub Vec<(String, String)>, pub Option<i64>);

impl FormErrors {
    pub fn for_field(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, c)| c.clone())
    }
}

pub fn use_form_errors() -> Memo<FormErrors> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        let retry = q.get("retry").and_then(|r| r.parse().ok());
        let errors = q
            .get("error")
            .map(|e| {
                e.split(',')
                    .filter(|s| !s.is_empty())
                    // Fields may have dots (`lines.0.hs_code`), codes never do.
                    .map(|item| match item.rsplit_once('.') {
                        Some((f, c)) => (f.to_owned(), c.to_owned()),
                        None => (String::new(), item.to_owned()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        FormErrors(errors, retry)
    })
}

/// The box at the top of a form listing every problem, each linking to its field.
#[component]
pub fn ErrorSummary(errors: Memo<FormErrors>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let e = errors.get();
        (!e.0.is_empty()).then(|| {
            let locale = i18n.get_locale();
            let retry = e.1;
            view! {
                <div class="error-summary" role="alert" tabindex="-1" id="error-summary">
                    <h2 class="error-summary__title">{t!(i18n, errors.title)}</h2>
                    <ul>
                        {e.0.into_iter().map(|(field, code)| {
                            let text = error_text(locale, &code, retry);
                            if field.is_empty() || field == "request" {
                                view! { <li>{text}</li> }.into_any()
                            } else {
                                view! { <li><a href=format!("#{field}")>{text}</a></li> }.into_any()
                            }
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

/// What the user typed into a form that was sent back with errors, found by
/// the server before the page renders (never passwords).
#[derive(Clone, Debug, Default)]
pub struct FormValues(pub std::collections::HashMap<String, String>);

/// The value typed last time into field `name`, if the form came back.
pub fn remembered(name: &str) -> Option<String> {
    use_context::<FormValues>().and_then(|v| v.0.get(name).cloned())
}

/// A labelled text input with an optional hint and its error message.
#[component]
pub fn TextField(
    name: &'static str,
    label: String,
    #[prop(optional)] hint: Option<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] required: bool,
    errors: Memo<FormErrors>,
) -> impl IntoView {
    let i18n = use_i18n();
    // What the user typed before the form came back wins over the stored value.
    let value = if kind == "password" {
        None
    } else {
        remembered(name).or(value)
    };
    let hint_id = format!("{name}-hint");
    let error_id = format!("{name}-error");
    let error = move || {
        errors
            .get()
            .for_field(name)
            .map(|c| error_text(i18n.get_locale_untracked(), &c, None))
    };
    let described = {
        let (hint_id, error_id, has_hint) = (hint_id.clone(), error_id.clone(), hint.is_some());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field--error=move || error().is_some()>
            <label class="field__label" for=name>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            {move || error().map(|e| view! { <p class="field__error" id=error_id.clone()>{e}</p> })}
            <input
                class="input"
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                required=required
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described
            />
        </div>
    }
}

/// Shows `children` only to the given roles. Nobody signed in: off to sign-in
/// (a real 302 on the server). Wrong role: a 403 page. The data behind every
/// page is guarded again by its server functions.
#[component]
pub fn Guarded(roles: &'static [Role], children: Children) -> impl IntoView {
    let location = use_location();
    match use_user() {
        Ok(Some(u)) if roles.contains(&u.role) => children().into_any(),
        Ok(Some(_)) => {
            set_page_status(403);
            view! { <Forbidden /> }.into_any()
        }
        Ok(None) => {
            let search = location.search.get_untracked();
            let mut here = location.pathname.get_untracked();
            if !search.is_empty() {
                here = format!("{here}?{search}");
            }
            let to = format!("/sign-in?next={}", urlencode(&here));
            view! { <Redirect path=to /> }.into_any()
        }
        Err(e) => {
            set_page_status(e.status());
            view! { <Problem error=e /> }.into_any()
        }
    }
}

/// Percent-encodes a query value (error codes keep their `field.code,` form).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[component]
pub fn Forbidden() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{t!(i18n, forbidden.title)}</h1>
        <p>{t!(i18n, errors.forbidden)}</p>
        <p><a href="/home">{t!(i18n, nav.home)}</a></p>
    }
}

/// A failed data load, in plain words.
#[component]
pub fn Problem(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let text = error_text(i18n.get_locale_untracked(), &error.code(), None);
    view! { <div class="notice notice--error" role="alert"><p>{text}</p></div> }
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let user = use_user().ok().flatten();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
        <header class="header">
            <div class="header__inner">
                <a class="header__brand" href="/">
                    <span class="header__logo" aria-hidden="true">"PC"</span>
                    <span>{t!(i18n, app_name)}</span>
                </a>
                <LanguageSwitch />
            </div>
            <Nav user />
        </header>
        <main class="main" id="main" tabindex="-1">{children()}</main>
        <footer class="footer"><p>{t!(i18n, footer.text)}</p></footer>
    }
}

#[component]
fn Nav(user: Option<CurrentUser>) -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let current =
        move |href: &'static str| move || (location.pathname.get() == href).then_some("page");
    match user {
        None => view! {
            <nav class="nav" aria-label=move || t_string!(i18n, nav.main).to_string()>
                <ul class="nav__list">
                    <li><a href="/sign-in" aria-current=current("/sign-in")>{t!(i18n, nav.sign_in)}</a></li>
                    <li><a href="/sign-up" aria-current=current("/sign-up")>{t!(i18n, nav.sign_up)}</a></li>
                </ul>
            </nav>
        }.into_any(),
        Some(u) => {
            let role = u.role;
            let links: Vec<(&'static str, String)> = {
                let l = i18n.get_locale_untracked();
                let mut v = vec![("/home", td_string!(l, nav.home).to_string())];
                match role {
                    Role::Admin => {
                        v.push(("/admin/users", td_string!(l, nav.users).to_string()));
                        v.push(("/admin/organisations", td_string!(l, nav.organisations).to_string()));
                        v.push(("/admin/routing", td_string!(l, nav.routing).to_string()));
                        v.push(("/admin/rates", td_string!(l, nav.rates).to_string()));
                        v.push(("/admin/jobs", td_string!(l, nav.jobs).to_string()));
                        v.push(("/admin/audit", td_string!(l, nav.audit).to_string()));
                    }
                    Role::Merchant => {
                        v.push(("/declarations", td_string!(l, nav.declarations).to_string()));
                        v.push(("/declarations/new", td_string!(l, nav.new_declaration).to_string()));
                        v.push(("/company", td_string!(l, nav.company).to_string()));
                        v.push(("/api-keys", td_string!(l, nav.api_keys).to_string()));
                    }
                    Role::CustomsSupervisor => {
                        v.push(("/admin/users", td_string!(l, nav.officers).to_string()));
                        v.push(("/admin/users/new", td_string!(l, nav.new_staff).to_string()));
                    }
                    _ => {}
                }
                v.push(("/documents", td_string!(l, nav.documents).to_string()));
                v.push(("/account", td_string!(l, nav.account).to_string()));
                v
            };
            view! {
                <nav class="nav" aria-label=move || t_string!(i18n, nav.main).to_string()>
                    <ul class="nav__list">
                        {links.into_iter().map(|(href, text)| view! {
                            <li><a href=href aria-current=current(href)>{text}</a></li>
                        }).collect_view()}
                    </ul>
                    <div class="nav__account">
                        <span class="nav__who">
                            {t!(i18n, nav.signed_in_as)} " " <strong>{u.display_name.clone()}</strong>
                            " (" {role_name(i18n.get_locale_untracked(), role)} ")"
                        </span>
                        <form method="post" action="/api/auth/sign_out" class="inline-form">
                            <button type="submit" class="button button--link">{t!(i18n, nav.sign_out)}</button>
                        </form>
                    </div>
                </nav>
            }.into_any()
        }
    }
}

/// Switching language is a form, so it works without JavaScript too.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = use_location();
    let next = move || {
        let search = location.search.get();
        if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{}", location.pathname.get(), search)
        }
    };
    view! {
        <form method="post" action="/api/prefs/language" class="lang-switch">
            <input type="hidden" name="next" value=next />
            <span class="visually-hidden" id="lang-label">{t!(i18n, nav.language)}</span>
            <div role="group" aria-labelledby="lang-label" class="lang-switch__group">
                <button type="submit" name="language" value="en" lang="en"
                    aria-pressed=move || (i18n.get_locale() == Locale::en).to_string()>"English"</button>
                <button type="submit" name="language" value="fr" lang="fr"
                    aria-pressed=move || (i18n.get_locale() == Locale::fr).to_string()>"Français"</button>
            </div>
        </form>
    }
}

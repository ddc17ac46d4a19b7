//! Small views shared by every area: layout, guard, forms and error messages.
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_location, use_query_map};

use crate::domain::account::{CurrentUser, Role};
use crate::error::AppError;
use crate::i18n::*;
pub use crate::messages::{error_text, urlencode};

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

/// A table whose column headers (`SortHeader`) sort its rows in place. The
/// rows are the server's markup; this island only reorders them, so a table
/// costs the browser bundle nothing but this one function. Without
/// JavaScript the rows stay in the order the server sent.
#[island]
pub fn SortableTable(children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap" on:click=move |ev| crate::dom::sort_on_click(&ev)>
            {children()}
        </div>
    }
}

/// A column header of a `SortableTable`; `sorted` is `Some(ascending)` for
/// the column the server sorted the rows by. A cell's `data-sort` attribute,
/// when it has one, is what its column sorts by (else its text).
#[component]
pub fn SortHeader(label: String, #[prop(optional)] sorted: Option<bool>) -> impl IntoView {
    let aria = match sorted {
        Some(true) => "ascending",
        Some(false) => "descending",
        None => "none",
    };
    view! {
        <th scope="col" aria-sort=aria>
            <button type="button" class="sort">{label}</button>
        </th>
    }
}

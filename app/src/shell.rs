//! The HTML document, the router and the layout around every page.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::{Layout, PageUser};
use crate::i18n::*;
use crate::pages::{
    account, admin, apikeys, auth, company, customs, declarations, home, platform, public, rates,
    routing, uploads,
};

/// The document shell rendered by the server around <App/>.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    security_headers_with_nonce(&options);
    #[cfg(feature = "ssr")]
    let interactive = from_parts(|p| has_islands(p.uri.path())).unwrap_or(false);
    #[cfg(not(feature = "ssr"))]
    let interactive = false;
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // Only under `cargo leptos watch` (LEPTOS_WATCH): reloads the page on rebuild.
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="leptos" />
                // Only a page with an island loads the browser bundle.
                {interactive.then(|| view! { <HydrationScripts options=options.clone() islands=true /> })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// A fresh nonce per page: the hydration script carries it, and the
/// Content-Security-Policy allows no other inline script.
#[cfg(feature = "ssr")]
fn security_headers_with_nonce(options: &LeptosOptions) {
    use http::{header::CONTENT_SECURITY_POLICY, HeaderValue};
    leptos::nonce::provide_nonce();
    let nonce = leptos::nonce::use_nonce().expect("nonce just provided");
    // `cargo leptos watch` reloads the page through its own websocket port.
    let reload = if std::env::var("LEPTOS_WATCH").is_ok() {
        format!(" ws://{}:{}", options.site_addr.ip(), options.reload_port)
    } else {
        String::new()
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    let Ok(v) = HeaderValue::from_str(&csp) else {
        return;
    };
    // The server's security middleware puts the policy on the response from
    // this slot: a header set only through `ResponseOptions` was now and
    // then missing from a page with an island, whose scripts the fallback
    // policy then blocked.
    if let Some(slot) = from_request::<CspSlot>() {
        let _ = slot.0.set(v.clone());
    }
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.insert_header(CONTENT_SECURITY_POLICY, v);
    }
}

/// Where a page leaves its content security policy (with this response's
/// nonce) for the server's security middleware, which put the slot into
/// the request.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default)]
pub struct CspSlot(pub std::sync::Arc<std::sync::OnceLock<http::HeaderValue>>);

/// The pages that hold an island (an interactive part, `#[island]`), by
/// route: only they load the browser bundle; every other page is complete as
/// the server sends it. A test of every page for every role checks that each
/// page with an island is listed here.
pub fn has_islands(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    matches!(
        parts.as_slice(),
        // Sortable tables.
        ["admin", "users"]
            | ["declarations"]
            | ["admin", "rates", _]
            // The declaration form's live rule checks.
            | ["declarations", "new"]
            | ["declarations", _, "edit"]
            | ["parcels", _, "amend"]
            // An upload followed as it is checked and saved.
            | ["declarations", "uploads", _]
    )
}

/// Something of this page request, from its parts.
#[cfg(feature = "ssr")]
fn from_parts<T>(f: impl FnOnce(&http::request::Parts) -> T) -> Option<T> {
    use_context::<http::request::Parts>().map(|p| f(&p))
}

/// A value the server's middleware attached to this page request.
#[cfg(feature = "ssr")]
fn from_request<T: Clone + Send + Sync + 'static>() -> Option<T> {
    from_parts(|p| p.extensions.get::<T>().cloned()).flatten()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Found by the server for this request before rendering (server::load_user):
    // who is signed in, and what a form sent back with errors had typed. The
    // app renders on the server only (islands mode), so neither is sent along.
    #[cfg(feature = "ssr")]
    let (user, typed) = (
        from_request::<crate::api::guard::SignedIn>()
            .map(|s| s.0)
            .unwrap_or(Err(crate::error::AppError::Internal)),
        from_request::<crate::api::guard::RememberedForm>()
            .map(|f| f.0)
            .unwrap_or_default(),
    );
    #[cfg(not(feature = "ssr"))]
    let (user, typed) = (Ok(None), std::collections::HashMap::new());
    provide_context(PageUser(user));
    provide_context(crate::components::FormValues(typed));
    view! {
        <I18nContextProvider>
            <AppTitle />
            <Router>
                <Layout>
                    <Routes fallback=|| view! { <public::NotFound /> }>
                        <Route path=path!("") view=public::Landing ssr=SsrMode::Async />
                        <Route path=path!("/track") view=public::Track ssr=SsrMode::Async />
                        <Route path=path!("/sign-in") view=auth::SignIn ssr=SsrMode::Async />
                        <Route path=path!("/sign-up") view=auth::SignUp ssr=SsrMode::Async />
                        <Route path=path!("/sign-up/sent") view=auth::SignUpSent ssr=SsrMode::Async />
                        <Route path=path!("/home") view=home::Home ssr=SsrMode::Async />
                        <Route path=path!("/admin/users") view=admin::Users ssr=SsrMode::Async />
                        <Route path=path!("/admin/users/new") view=admin::NewStaff ssr=SsrMode::Async />
                        <Route path=path!("/admin/organisations") view=admin::Organisations ssr=SsrMode::Async />
                        <Route path=path!("/admin/organisations/new") view=admin::NewOrganisation ssr=SsrMode::Async />
                        <Route path=path!("/admin/organisations/:id") view=admin::EditOrganisation ssr=SsrMode::Async />
                        <Route path=path!("/admin/offices/:id") view=admin::EditOffice ssr=SsrMode::Async />
                        <Route path=path!("/admin/jobs") view=platform::Jobs ssr=SsrMode::Async />
                        <Route path=path!("/admin/routing") view=routing::Routing ssr=SsrMode::Async />
                        <Route path=path!("/admin/rates") view=rates::RatesOverview ssr=SsrMode::Async />
                        <Route path=path!("/admin/rates/:table") view=rates::RatesTable ssr=SsrMode::Async />
                        <Route path=path!("/admin/rates/:table/new") view=rates::RateRowPage ssr=SsrMode::Async />
                        <Route path=path!("/admin/rates/:table/import") view=rates::RatesImport ssr=SsrMode::Async />
                        <Route path=path!("/admin/rates/:table/:id") view=rates::RateRowPage ssr=SsrMode::Async />
                        <Route path=path!("/declarations") view=declarations::Declarations ssr=SsrMode::Async />
                        <Route path=path!("/declarations/new") view=declarations::NewDeclaration ssr=SsrMode::Async />
                        <Route path=path!("/declarations/upload") view=uploads::UploadDeclarations ssr=SsrMode::Async />
                        <Route path=path!("/declarations/uploads/:id") view=uploads::UploadProgress ssr=SsrMode::Async />
                        <Route path=path!("/declarations/:id/edit") view=declarations::EditDeclaration ssr=SsrMode::Async />
                        <Route path=path!("/parcels/:id") view=declarations::Parcel ssr=SsrMode::Async />
                        <Route path=path!("/parcels/:id/amend") view=declarations::AmendParcel ssr=SsrMode::Async />
                        <Route path=path!("/company") view=company::Company ssr=SsrMode::Async />
                        <Route path=path!("/api-keys") view=apikeys::ApiKeys ssr=SsrMode::Async />
                        <Route path=path!("/customs/rules") view=customs::rules::CustomsRules ssr=SsrMode::Async />
                        <Route path=path!("/customs/rules/:id") view=customs::rules::CustomsRule ssr=SsrMode::Async />
                        <Route path=path!("/customs/lists") view=customs::lists::CustomsListsPage ssr=SsrMode::Async />
                        <Route path=path!("/customs/parcels") view=customs::rules::CustomsParcels ssr=SsrMode::Async />
                        <Route path=path!("/admin/audit") view=platform::Audit ssr=SsrMode::Async />
                        <Route path=path!("/documents") view=platform::Documents ssr=SsrMode::Async />
                        <Route path=path!("/account") view=account::Account ssr=SsrMode::Async />
                        <Route path=path!("/verify-email") view=account::VerifyEmail ssr=SsrMode::Async />
                        <Route path=path!("/email-verified") view=account::EmailVerified ssr=SsrMode::Async />
                        <Route path=path!("/forgot-password") view=account::ForgotPassword ssr=SsrMode::Async />
                        <Route path=path!("/forgot-password/sent") view=account::ForgotSent ssr=SsrMode::Async />
                        <Route path=path!("/reset-password") view=account::ResetPassword ssr=SsrMode::Async />
                        <Route path=path!("/sign-in/code") view=account::SignInCode ssr=SsrMode::Async />
                        <Route path=path!("/two-factor/setup") view=account::TwoFactorSetupPage ssr=SsrMode::Async />
                        <Route path=path!("/two-factor/recovery-codes") view=account::RecoveryCodes ssr=SsrMode::Async />
                    </Routes>
                </Layout>
            </Router>
        </I18nContextProvider>
    }
}

#[component]
fn AppTitle() -> impl IntoView {
    let i18n = use_i18n();
    // Read now: the formatter runs when the head is written, after the
    // reactive owner of the page may already be gone.
    let app = t_string!(i18n, app_name).to_string();
    view! { <Title formatter=move |page: String| {
        if page.is_empty() { app.clone() } else { format!("{page} – {app}") }
    } /> }
}

#[cfg(test)]
mod tests {
    use super::has_islands;

    #[test]
    fn only_the_pages_with_an_interactive_part_load_the_bundle() {
        for page in [
            "/admin/users",
            "/declarations",
            "/declarations/",
            "/declarations/new",
            "/declarations/12/edit",
            "/parcels/3/amend",
            "/declarations/uploads/9",
            "/admin/rates/tariff",
        ] {
            assert!(has_islands(page), "{page}");
        }
        for page in [
            "/",
            "/track",
            "/sign-in",
            "/sign-up",
            "/home",
            "/parcels/3",
            "/declarations/upload",
            "/admin/rates",
            "/admin/rates/tariff/new",
            "/admin/users/new",
            "/customs/parcels",
        ] {
            assert!(!has_islands(page), "{page}");
        }
    }
}

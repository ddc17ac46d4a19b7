//! Postclear: the Leptos application, compiled for the server (`ssr`) and for
//! the browser (`hydrate`). Islands mode: the server renders every page, and
//! the browser bundle holds only the interactive parts (`#[island]`).
#![recursion_limit = "256"]

// The translations, checked at compile time (app/locales/*.json).
#[allow(deprecated)]
mod i18n_gen {
    leptos_i18n::load_locales!();
}
pub use i18n_gen::i18n;

pub mod api;
pub mod components;
pub mod dom;
pub mod domain;
pub mod error;
pub mod messages;
pub mod pages;
pub mod shell;

#[cfg(feature = "ssr")]
pub mod clearance;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod labels;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod regimes;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod spreadsheet;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod tokens;
#[cfg(feature = "ssr")]
pub mod totp;

pub use shell::{shell, App};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use leptos::prelude::{document, set_timeout};
    console_error_panic_hook::set_once();
    // Islands mode: the page stays as the server rendered it; the loader
    // script hydrates each `#[island]` on it right after this returns.
    leptos::mount::hydrate_islands();
    // Marks the document once those islands are live (tests wait for it):
    // the loader walks the page in microtasks, so a zero timeout runs after.
    set_timeout(
        || {
            if let Some(html) = document().document_element() {
                let _ = html.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}

//! Pure rules: no IO, no Leptos. Runs on the server and in the browser.
pub mod account;
pub mod org;
pub mod platform;
pub mod throttle;

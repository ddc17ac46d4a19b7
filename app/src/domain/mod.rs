//! Pure rules: no IO, no Leptos. Runs on the server and in the browser.
pub mod account;
pub mod assess;
pub mod bulk;
pub mod decision;
pub mod declaration;
pub mod goods;
pub mod org;
pub mod parcel;
pub mod parcel_view;
pub mod platform;
pub mod rates;
pub mod risk;
pub mod s10;
pub mod tariff;
pub mod throttle;

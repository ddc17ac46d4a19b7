//! One module per area.
pub mod account;
pub mod admin;
pub mod auth;
pub mod declarations;
pub mod home;
pub mod lists;
pub mod platform;
pub mod public;
pub mod rates;
pub mod risk;
pub mod uploads;

//! One module per area.
pub mod account;
pub mod admin;
pub mod apikeys;
pub mod auth;
pub mod company;
pub mod customs;
pub mod declarations;
pub mod home;
pub mod platform;
pub mod public;
pub mod rates;
pub mod routing;
pub mod uploads;

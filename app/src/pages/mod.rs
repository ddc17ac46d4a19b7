//! One module per area.
pub mod admin;
pub mod auth;
pub mod home;
pub mod public;

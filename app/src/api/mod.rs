//! Server functions, one module per area. Each reads top to bottom: who is
//! calling, may they, validate, one transaction, a typed result.
pub mod account;
pub mod admin;
pub mod apikeys;
pub mod audit;
pub mod auth;
pub mod customs;
pub mod declarations;
pub mod documents;
pub mod jobs;
pub mod rates;
pub mod reference;
pub mod risk;
pub mod uploads;

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod labels;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod respond;
#[cfg(feature = "ssr")]
pub mod rest;

//! The integration tests: the real server, in process, over HTTP, on SQLite and
//! on PostgreSQL. One test binary (linked once), one module per area.

#[macro_use]
mod common;

mod accounts;
mod admin;
mod api;
mod clearance;
mod decisions;
mod declarations;
mod demo;
mod matrix;
mod pages;
mod platform;
mod rates;
mod recovery;
mod risk;
mod routing;
mod uploads;

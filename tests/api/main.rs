//! Integration tests: the real router over real databases. Every `both!` test runs on SQLite
//! and, when `ONEROSTER_TEST_DATABASE_URL` is set, on PostgreSQL.

#[macro_use]
pub mod common;

mod auth;
mod cli;
mod csv;
mod docs;
mod errors;
mod generate;
mod gradebook;
mod plans;
mod query;
mod resources;
mod retention;
mod rostering;
mod store;

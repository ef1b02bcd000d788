//! The web crate's integration tests, one binary: the whole application over HTTP on every app
//! backend (SQLite, and PostgreSQL where `BIYE_TEST_POSTGRES` is set), and in Chromium for the
//! browser flows. One module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod announcements;
mod api;
mod app;
mod appeals;
mod application;
mod audit_log;
mod backfill;
mod browser;
mod browser_a11y;
mod browser_appeals;
mod browser_batch;
mod browser_keyboard;
#[path = "../browser_kit/mod.rs"]
mod browser_kit;
mod browser_payment;
mod browser_signature;
mod browser_verify;
mod common;
mod corrections;
mod deadlines;
mod degree;
mod delegations;
mod exemptions;
mod exports;
mod grad_batches;
mod graduation;
mod hardening;
mod import_staff;
mod imports;
mod imports_students;
mod language;
mod notifications;
mod payments;
mod province;
mod registration;
mod reviews;
mod stats;
mod two_factor;
mod verify;
mod yunnan;

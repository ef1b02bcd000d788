//! The store crate's integration tests, one binary: the repositories and operations against
//! SQLite, PostgreSQL and (for the contract suite) MariaDB. One module per area; `common` holds
//! what they share.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod appeals;
mod applications;
mod audit_log;
mod backfill;
mod batch_audit;
mod batches;
mod common;
mod contract;
mod database;
mod deadline_reminders;
mod deadlines;
mod degree;
mod demo;
mod exemptions;
mod import;
mod import_staff;
mod import_students;
mod language;
mod objects_s3;
mod queues;
mod reader;
mod reference_cache;
mod registration;
mod stats;
mod totp;
mod verification;
mod yunnan;

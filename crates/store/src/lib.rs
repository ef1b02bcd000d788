//! biye's database: entities, migrations and repositories.
//!
//! One code base serves SQLite (default), PostgreSQL and MySQL; the backend is picked from the URL.
//! Every repository function takes a connection or transaction so that callers decide the
//! transaction boundary.

pub mod accounts;
pub mod appeal;
pub mod credential;
pub mod db;
pub mod degree;
pub mod demo;
pub mod entity;
pub mod exemptions;
pub mod graduation;
pub mod import;
pub mod keyset;
pub mod mail;
pub mod migration;
mod multirow;
pub mod notifications;
pub mod notify;
pub mod objects;
pub mod payment;
pub mod reader;
pub mod refcache;
pub mod repo;
pub mod sms;
#[cfg(feature = "test-support")]
pub mod testkit;
pub mod verification;
pub mod write;

pub use db::{Db, connect};
pub use sea_orm;

//! The demo data set.
pub mod catalog;

//! Repositories: plain functions over a connection or transaction (`&impl ConnectionTrait`).

pub mod audit;
pub mod calendar;
pub mod candidate;
pub mod inbox;
pub mod lease;
pub mod org;
pub mod password;
pub mod province_settings;
pub mod record_correction;
pub mod reference;
pub mod score_backfill;
pub mod secret;
pub mod session;
pub mod staff;
pub mod student;
pub mod throttle;

/// Errors of the repositories that callers handle differently from a database failure.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The row asked for does not exist (or is outside the caller's scope).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule would be broken; the message is for the user.
    #[error("{0}")]
    Conflict(String),
    /// Input that fails a domain rule; the message is for the user.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Whether a database error is a unique-constraint violation, on any of the three backends.
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

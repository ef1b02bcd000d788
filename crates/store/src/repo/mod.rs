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
pub mod versioned;

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
    /// The account lacks the role for this; the message is for the user.
    #[error("{0}")]
    Forbidden(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Whether a database error is a deadlock or serialization failure that the database resolved by
/// rolling one transaction back (MySQL/MariaDB 1213 / SQLSTATE 40001, PostgreSQL 40P01 / 40001):
/// running the transaction again is the documented remedy.
pub fn is_deadlock(e: &sea_orm::DbErr) -> bool {
    let text = e.to_string();
    text.contains("1213")
        || text.contains("40001")
        || text.contains("40P01")
        || text.contains("Deadlock found")
}

/// Runs `attempt` (one whole transaction) again when the database chose it as a deadlock's
/// victim, at most three times in all; any other outcome is returned as it is.
pub async fn retry_deadlock<T, F, Fut>(mut attempt: F) -> Result<T, RepoError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RepoError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(RepoError::Db(e)) if tries < 3 && is_deadlock(&e) => {
                tracing::info!(error = %e, tries, "transaction chosen as deadlock victim; running it again");
            }
            other => return other,
        }
    }
}

/// Whether a database error is a unique-constraint violation, on any of the three backends.
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

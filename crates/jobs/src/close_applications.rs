//! 本次不予办理: after a batch's deadline, closes the graduation applications that had not
//! succeeded (initial approval plus payment). Safe on several instances at once: each close is a
//! conditional update, so an application is closed and messaged once.

use chrono::{DateTime, Utc};
use store::Db;
use store::repo::RepoError;

/// Closes what the deadline ended; returns how many were closed.
pub async fn run(db: &Db, now: DateTime<Utc>) -> Result<u64, RepoError> {
    let n = store::graduation::application::close_expired(db, now).await?;
    if n > 0 {
        tracing::info!(
            closed = n,
            "graduation applications closed at the batch deadline"
        );
    }
    Ok(n)
}

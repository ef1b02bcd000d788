//! 截止提醒: three days and one day before a graduation batch's deadline, reminds the candidates
//! whose application still waits for them (not submitted, rejected, not paid). Safe on several
//! instances at once: each reminder is recorded under a unique key in the transaction of its
//! message, so a candidate is reminded once per application and kind.

use chrono::{DateTime, Utc};
use store::Db;
use store::repo::RepoError;

/// Sends the reminders due at `now`; returns how many were sent.
pub async fn run(db: &Db, now: DateTime<Utc>) -> Result<u64, RepoError> {
    let n = store::graduation::reminders::send_due(db, now).await?;
    if n > 0 {
        tracing::info!(sent = n, "graduation deadline reminders sent to candidates");
    }
    Ok(n)
}

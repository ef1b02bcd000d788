//! Removes sessions that ran out, so the table holds only live ones. Safe to run on several
//! instances at once: each delete is idempotent.

use chrono::{DateTime, Utc};
use store::Db;

/// Deletes expired sessions; returns how many went.
pub async fn run(db: &Db, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    let n = store::repo::session::purge_expired(db, now).await?;
    if n > 0 {
        tracing::info!(removed = n, "expired sessions purged");
    }
    Ok(n)
}

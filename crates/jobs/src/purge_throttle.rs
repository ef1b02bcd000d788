//! Removes sign-in counts that no longer hold anything (window over, no lock, no turn waited
//! for), so that the addresses and made-up names an attacker tries do not pile up in
//! `login_throttle`. Safe on several instances at once: each delete is idempotent.

use chrono::{DateTime, Utc};
use store::Db;

/// Deletes the stale rows; returns how many went.
pub async fn run(db: &Db, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    let n = store::repo::throttle::purge_stale(db, now).await?;
    if n > 0 {
        tracing::info!(removed = n, "stale sign-in counts purged");
    }
    Ok(n)
}

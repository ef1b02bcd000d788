//! Background work, one job per file. Jobs keep no state in the process: every instance may run
//! them, and what they change is in the database.

pub mod purge_sessions;

use std::time::Duration;

use store::Db;

/// Runs the periodic jobs until the returned handle is aborted.
pub fn spawn_periodic(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = purge_sessions::run(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    })
}

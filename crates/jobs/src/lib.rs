//! Background work, one job per file. Jobs keep no state in the process: every instance may run
//! them, and what they change is in the database.

pub mod checkpoint_wal;
pub mod close_applications;
pub mod execute_refunds;
pub mod purge_sessions;
pub mod reconcile_payments;

use std::sync::Arc;
use std::time::Duration;

use store::Db;
use store::payment::PaymentGateway;

/// Runs the periodic jobs until the returned handle is aborted.
pub fn spawn_periodic(db: Db, gateway: Arc<dyn PaymentGateway>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Once a minute: a batch deadline is acted on within a minute of passing.
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        let mut rounds: u64 = 0;
        loop {
            tick.tick().await;
            let now = chrono::Utc::now();
            if rounds.is_multiple_of(10)
                && let Err(e) = purge_sessions::run(&db, now).await
            {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
            if let Err(e) = close_applications::run(&db, now).await {
                tracing::warn!(error = %e, "closing applications at the deadline failed");
            }
            if let Err(e) = reconcile_payments::run(&db, gateway.as_ref(), now).await {
                tracing::warn!(error = %e, "payment reconciliation failed");
            }
            if let Err(e) = execute_refunds::run(&db, gateway.as_ref(), now).await {
                tracing::warn!(error = %e, "executing refunds failed");
            }
            if let Err(e) = checkpoint_wal::run(&db).await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
            rounds += 1;
        }
    })
}

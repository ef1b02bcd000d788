//! Reconciliation (对账): orders still pending some minutes after they were opened may have been
//! paid with the notification lost on the way; the gateway is asked, and what it reports paid is
//! settled exactly as a notification would be. Safe on several instances at once: settling is a
//! conditional update, so an order is booked once whoever asks.

use chrono::{DateTime, Duration, Utc};
use store::Db;
use store::payment::{self, PaymentGateway, Settlement};
use store::repo::RepoError;

/// How long a notification gets before the gateway is asked instead.
pub const GRACE: Duration = Duration::minutes(2);

/// Settles the pending orders the gateway reports paid; returns how many this run settled.
pub async fn run(
    db: &Db,
    gateway: &dyn PaymentGateway,
    now: DateTime<Utc>,
) -> Result<u64, RepoError> {
    let mut settled = 0;
    for order in payment::pending_orders_older_than(db, now, GRACE).await? {
        let notice = match gateway.query(&order.order_no).await {
            Ok(Some(n)) => n,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(order_no = %order.order_no, error = %e, "reconciliation: gateway query failed");
                continue;
            }
        };
        match payment::settle(db, &notice, now).await {
            Ok(Settlement::Settled { .. } | Settlement::RefundQueued { .. }) => {
                tracing::info!(order_no = %order.order_no, "reconciliation settled an order whose notification never came");
                settled += 1;
            }
            Ok(Settlement::Duplicate { .. }) => {}
            Err(RepoError::Db(e)) => return Err(RepoError::Db(e)),
            Err(e) => {
                tracing::warn!(order_no = %order.order_no, error = %e, "reconciliation: the gateway's answer was refused");
            }
        }
    }
    Ok(settled)
}

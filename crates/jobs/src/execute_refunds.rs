//! 退费: after a batch closes, pays back the queued refunds of its applications to the original
//! account ("在当次毕业办理结束后退回原交费账号"); a second charge of an order is paid back at
//! once. Safe to run twice and on several instances:
//! the gateway treats a repeated refund number as the same refund, and recording it done is a
//! conditional update, so the money moves once and the candidate hears of it once.

use chrono::{DateTime, Utc};
use store::Db;
use store::payment::{self, PaymentGateway, RefundRequest};
use store::repo::RepoError;

/// Executes the refunds due at `now`; returns how many this run recorded as done.
pub async fn run(
    db: &Db,
    gateway: &dyn PaymentGateway,
    now: DateTime<Utc>,
) -> Result<u64, RepoError> {
    let mut done = 0;
    for due in payment::due_refunds(db, now).await? {
        // Once handed over it can no longer be called off by an appeal's 撤销; one called off
        // meanwhile is skipped.
        if !payment::claim_refund(db, &due.refund.refund_no).await? {
            continue;
        }
        let request = RefundRequest {
            refund_no: due.refund.refund_no.clone(),
            order_no: due.order.order_no.clone(),
            amount_fen: due.refund.amount_fen,
            gateway_txn_no: (!due.refund.charge_txn_no.is_empty())
                .then(|| due.refund.charge_txn_no.clone()),
        };
        let receipt = match gateway.refund(&request).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(refund_no = %request.refund_no, error = %e, "refund failed at the gateway; retried next run");
                continue;
            }
        };
        if payment::mark_refund_done(db, &request.refund_no, &receipt.gateway_refund_no, now)
            .await?
        {
            tracing::info!(refund_no = %request.refund_no, amount_fen = request.amount_fen, "refund executed");
            done += 1;
        }
    }
    Ok(done)
}

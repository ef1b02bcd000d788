//! 交费 and 退费: fee orders for an application's payment stage, settling them from a gateway's
//! notification exactly once, reconciliation of orders whose notification never came, and
//! refunds executed after the batch closes. Amounts are integer fen.
//!
//! Settling is one transaction whose first statement is the conditional UPDATE of the order
//! (`… WHERE order_no = ? AND status = 'pending' AND amount_fen = ?`): of several notifications
//! arriving at once exactly one changes the row and moves the application on; the others find
//! it paid and change nothing. SQLite never has to upgrade a read lock on the way.

pub mod gateway;
pub mod local;
pub mod report;

use chrono::{DateTime, Duration, Utc};
use domain::messages::inbox as messages;
use domain::payment::Notice;
use domain::review::EventAction;
use domain::review::yuan;
use rand::Rng;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

pub use gateway::{GatewayError, OrderRequest, PaymentGateway, RefundReceipt, RefundRequest};

use crate::entity::{batch, graduation_application as app, payment_order, refund, review_event};
use crate::graduation::application;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::{RepoError, is_unique_violation};

/// An order waiting for its payment.
pub const ORDER_PENDING: &str = "pending";
/// An order paid.
pub const ORDER_PAID: &str = "paid";
/// A refund waiting for the batch to close.
pub const REFUND_QUEUED: &str = "queued";
/// A refund handed to the gateway: no longer called off, finished by [`mark_refund_done`].
pub const REFUND_EXECUTING: &str = "executing";
/// A refund the gateway executed.
pub const REFUND_DONE: &str = "done";
/// A queued refund called off before it was executed (an appeal revoked the rejection).
pub const REFUND_CANCELLED: &str = "cancelled";

/// How long after its creation reconciliation keeps asking the gateway about a pending order;
/// older ones were abandoned (a candidate who comes back gets the same order and a new query).
pub const RECONCILE_HORIZON: Duration = Duration::days(60);

/// Most orders or refunds one job run handles; the next run takes the rest.
const JOB_BATCH: u64 = 500;

/// Where the candidate follows an application, linked from every message.
const PROGRESS_LINK: &str = "/candidate/application/progress";

fn candidate(id: i64) -> Actor {
    Actor {
        kind: "candidate",
        id: Some(id),
    }
}

/// A new order number: "GF", Beijing time to the second, ten random digits. Never derived from
/// anything a user typed.
pub fn new_order_no(now: DateTime<Utc>) -> String {
    let local = domain::calendar::beijing(now);
    let mut rng = rand::thread_rng();
    let digits: String = (0..10)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    format!("GF{}{digits}", local.format("%Y%m%d%H%M%S"))
}

/// The refund number of an order's booked charge: the order's number names it.
pub fn refund_no_of(order_no: &str) -> String {
    format!("R{order_no}")
}

/// The refund number of a second charge of an order: the order's refund number and the first
/// twelve hex digits of the SHA-256 of the charge's transaction number, so the same charge always
/// gets the same number and two charges never share one (at most 40 characters).
pub fn second_charge_refund_no(order_no: &str, gateway_txn_no: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(gateway_txn_no.as_bytes()));
    format!("{}-{}", refund_no_of(order_no), &digest[..12])
}

/// The orders of an application, oldest first.
pub async fn orders_of<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Vec<payment_order::Model>, RepoError> {
    Ok(payment_order::Entity::find()
        .filter(payment_order::Column::ApplicationId.eq(application_id))
        .order_by_asc(payment_order::Column::Id)
        .all(conn)
        .await?)
}

/// An order by its number.
pub async fn order<C: ConnectionTrait>(
    conn: &C,
    order_no: &str,
) -> Result<payment_order::Model, RepoError> {
    payment_order::Entity::find()
        .filter(payment_order::Column::OrderNo.eq(order_no))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// The order the candidate pays now: after [`application::check_can_pay`] allows it, the
/// application's pending order for this stage and amount if it has one (going back to the pay
/// page must not open a second order), else a new one.
pub async fn create_order(
    db: &DatabaseConnection,
    a: &app::Model,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<payment_order::Model, RepoError> {
    let (stage, amount_fen) = application::check_can_pay(db, a, now).await?;
    let stage = i32::try_from(stage).map_err(|_| RepoError::Invalid("交费环节无效".to_owned()))?;
    let pending = payment_order::Entity::find()
        .filter(payment_order::Column::ApplicationId.eq(a.id))
        .filter(payment_order::Column::Stage.eq(stage))
        .filter(payment_order::Column::AmountFen.eq(amount_fen))
        .filter(payment_order::Column::Status.eq(ORDER_PENDING))
        .order_by_desc(payment_order::Column::Id)
        .one(db)
        .await?;
    if let Some(o) = pending {
        return Ok(o);
    }
    // Ten random digits per second make a collision unlikely, not impossible: try again.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let txn = crate::write::begin_write(db).await?;
        let inserted = payment_order::ActiveModel {
            order_no: Set(new_order_no(now)),
            application_id: Set(a.id),
            stage: Set(stage),
            amount_fen: Set(amount_fen),
            status: Set(ORDER_PENDING.to_owned()),
            gateway_txn_no: Set(None),
            created_at: Set(now),
            paid_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let o = match inserted {
            Ok(o) => o,
            Err(e) if is_unique_violation(&e) && attempts < 3 => continue,
            Err(e) => return Err(e.into()),
        };
        audit::record(
            &txn,
            now,
            candidate(a.candidate_id),
            "payment_order.created",
            ("payment_order", Some(o.id)),
            &format!(
                "order_no={} application_id={} amount_fen={}",
                o.order_no, a.id, o.amount_fen
            ),
            ip,
        )
        .await?;
        txn.commit().await?;
        return Ok(o);
    }
}

/// What a notification did.
#[derive(Debug, Clone)]
pub enum Settlement {
    /// It marked the order paid and moved the application on.
    Settled {
        /// The order, now paid.
        order: payment_order::Model,
        /// The application after the payment stage.
        application: Box<app::Model>,
    },
    /// The order had been paid already: nothing changed.
    Duplicate {
        /// The order.
        order: payment_order::Model,
    },
    /// The money arrived but the application no longer waited for it (closed at the deadline,
    /// or paid through another order): the order is booked paid and its refund queued.
    RefundQueued {
        /// The order, now paid.
        order: payment_order::Model,
        /// Why the application could not take the payment.
        reason: String,
    },
}

/// Books a verified notification: see the module documentation. An unknown order is
/// `NotFound`, an amount that differs from the order's is `Invalid`; both change nothing.
pub async fn settle(
    db: &DatabaseConnection,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<Settlement, RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let changed = payment_order::Entity::update_many()
        .col_expr(payment_order::Column::Status, Expr::value(ORDER_PAID))
        .col_expr(
            payment_order::Column::GatewayTxnNo,
            Expr::value(notice.gateway_txn_no.clone()),
        )
        .col_expr(payment_order::Column::PaidAt, Expr::value(notice.paid_at))
        .filter(payment_order::Column::OrderNo.eq(notice.order_no.as_str()))
        .filter(payment_order::Column::Status.eq(ORDER_PENDING))
        .filter(payment_order::Column::AmountFen.eq(notice.amount_fen))
        .exec(&txn)
        .await?
        .rows_affected;
    let found = payment_order::Entity::find()
        .filter(payment_order::Column::OrderNo.eq(notice.order_no.as_str()))
        .one(&txn)
        .await?;
    let Some(order) = found else {
        return Err(RepoError::NotFound);
    };
    if changed == 0 {
        if order.amount_fen != notice.amount_fen {
            return Err(RepoError::Invalid(format!(
                "金额不符：订单 {} 应付 {} 元，通知金额为 {} 元",
                order.order_no,
                yuan(order.amount_fen),
                yuan(notice.amount_fen)
            )));
        }
        if order.gateway_txn_no.as_deref() != Some(notice.gateway_txn_no.as_str())
            && order.status == ORDER_PAID
        {
            // Same order paid under another transaction: the payer was charged twice. The
            // second charge was never owed: it goes back at once, not after the batch.
            tracing::warn!(order_no = %order.order_no, booked = ?order.gateway_txn_no,
                notified = %notice.gateway_txn_no, "payment notification for a paid order names another transaction");
            return match queue_second_charge_refund(&txn, &order, notice, now).await? {
                Some(reason) => {
                    txn.commit().await?;
                    Ok(Settlement::RefundQueued { order, reason })
                }
                None => {
                    txn.rollback().await?;
                    Ok(Settlement::Duplicate { order })
                }
            };
        }
        return Ok(Settlement::Duplicate { order });
    }
    audit::record(
        &txn,
        now,
        Actor::SYSTEM,
        "payment_order.paid",
        ("payment_order", Some(order.id)),
        &format!(
            "order_no={} gateway_txn_no={} amount_fen={}",
            order.order_no, notice.gateway_txn_no, order.amount_fen
        ),
        None,
    )
    .await?;
    let stage = usize::try_from(order.stage).unwrap_or(usize::MAX);
    match application::payment_settled(&txn, order.application_id, stage, now).await {
        Ok(a) => {
            txn.commit().await?;
            Ok(Settlement::Settled {
                order,
                application: Box::new(a),
            })
        }
        Err(RepoError::Conflict(why)) => {
            let reason = format!("交费到账时申请已不在待交费状态（{why}）");
            queue_refund(&txn, &order, &reason, now).await?;
            txn.commit().await?;
            Ok(Settlement::RefundQueued { order, reason })
        }
        Err(e) => Err(e),
    }
}

/// Queues the refund of a second charge of a paid order, due at once; returns the reason told
/// to the candidate, or `None` when this charge's refund was queued before (a repeated
/// notification).
async fn queue_second_charge_refund(
    txn: &DatabaseTransaction,
    order: &payment_order::Model,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<Option<String>, RepoError> {
    let known = refund::Entity::find()
        .filter(refund::Column::OrderId.eq(order.id))
        .filter(refund::Column::ChargeTxnNo.eq(notice.gateway_txn_no.as_str()))
        .one(txn)
        .await?;
    if known.is_some() {
        return Ok(None);
    }
    let reason = format!(
        "订单 {} 已交费，支付平台又扣款一次（交易号 {}），重复扣款将退回原交费账号",
        order.order_no, notice.gateway_txn_no
    );
    let mut refund = queued_refund(
        order,
        second_charge_refund_no(&order.order_no, &notice.gateway_txn_no),
        notice.amount_fen,
        &reason,
        now,
    );
    refund.charge_txn_no = Set(notice.gateway_txn_no.clone());
    refund.due_at = Set(Some(now));
    let queued = match refund.insert(txn).await {
        Ok(r) => r,
        // The same charge's notification, settled a moment ago by another request.
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let text =
        messages::refund_second_charge(&order.order_no, notice.amount_fen, &notice.gateway_txn_no);
    let detail = format!(
        "second_charge gateway_txn_no={} booked_txn_no={}",
        notice.gateway_txn_no,
        order.gateway_txn_no.as_deref().unwrap_or("")
    );
    announce_refund(txn, order, &queued, &text, &detail, now).await?;
    Ok(Some(reason))
}

/// Queues the refund of a paid order the application could not take.
async fn queue_refund(
    txn: &DatabaseTransaction,
    order: &payment_order::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let queued = queued_refund(
        order,
        refund_no_of(&order.order_no),
        order.amount_fen,
        reason,
        now,
    )
    .insert(txn)
    .await?;
    let text = messages::refund_queued(order.amount_fen, reason);
    announce_refund(txn, order, &queued, &text, "", now).await
}

/// A refund of `order` waiting to be executed (after the batch, unless `due_at` is set).
fn queued_refund(
    order: &payment_order::Model,
    refund_no: String,
    amount_fen: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> refund::ActiveModel {
    refund::ActiveModel {
        refund_no: Set(refund_no),
        order_id: Set(order.id),
        amount_fen: Set(amount_fen),
        status: Set(REFUND_QUEUED.to_owned()),
        reason: Set(reason.to_owned()),
        gateway_refund_no: Set(None),
        queued_at: Set(now),
        executed_at: Set(None),
        ..Default::default()
    }
}

/// What a queued refund leaves behind, in its transaction: a row of the application's history,
/// an audit row (`detail` appended) and the candidate's message.
async fn announce_refund(
    txn: &DatabaseTransaction,
    order: &payment_order::Model,
    queued: &refund::Model,
    text: &messages::InboxText,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let a = application::get(txn, order.application_id).await?;
    history(&a, EventAction::RefundQueued, Some(text.body.clone()), now)
        .insert(txn)
        .await?;
    audit::record(
        txn,
        now,
        Actor::SYSTEM,
        "refund.queued",
        ("refund", Some(queued.id)),
        format!(
            "refund_no={} order_no={} amount_fen={} {detail}",
            queued.refund_no, order.order_no, queued.amount_fen
        )
        .trim_end(),
        None,
    )
    .await?;
    inbox::send(
        txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(PROGRESS_LINK),
        now,
    )
    .await
}

/// What revoking a final rejection at a stage after `payment_stage` (named `stage_name`, fee
/// `amount_fen`) does with the fee: it is still held when a paid order of that stage has no
/// refund; else the newest queued refund of one is called off (conditionally on its still being
/// queued, so a refund the job already handed to the gateway is never called off) and the fee
/// pays for the application again; else it went back and the candidate pays again. Call it in
/// the transaction that reopens the application; `staff_id` revoked.
pub async fn fee_on_reopening<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    payment_stage: usize,
    stage_name: &str,
    amount_fen: i64,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<messages::FeeOnReopening, RepoError> {
    let stage = i32::try_from(payment_stage).unwrap_or(i32::MAX);
    let paid = payment_order::Entity::find()
        .filter(payment_order::Column::ApplicationId.eq(a.id))
        .filter(payment_order::Column::Stage.eq(stage))
        .filter(payment_order::Column::Status.eq(ORDER_PAID))
        .order_by_desc(payment_order::Column::PaidAt)
        .order_by_desc(payment_order::Column::Id)
        .all(conn)
        .await?;
    if paid.is_empty() {
        return Ok(messages::FeeOnReopening::Held);
    }
    // Only the refund of an order's booked charge gives the fee back; a second charge's refund
    // returns money that was never owed.
    let refunds = refund::Entity::find()
        .filter(refund::Column::OrderId.is_in(paid.iter().map(|o| o.id)))
        .filter(refund::Column::ChargeTxnNo.eq(""))
        .all(conn)
        .await?;
    let refund_of = |o: &payment_order::Model| refunds.iter().find(|r| r.order_id == o.id);
    if paid.iter().any(|o| refund_of(o).is_none()) {
        return Ok(messages::FeeOnReopening::Held);
    }
    for o in &paid {
        let Some(r) = refund_of(o).filter(|r| r.status == REFUND_QUEUED) else {
            continue;
        };
        if !move_refund(conn, r.id, REFUND_QUEUED, REFUND_CANCELLED, Vec::new()).await? {
            continue;
        }
        let why = format!(
            "申辩复核撤销原决定，原定退回的毕业审定费 {} 元（退款单号 {}）不再退回，继续用于本次申请",
            yuan(r.amount_fen),
            r.refund_no
        );
        history(a, EventAction::RefundCancelled, Some(why), now)
            .insert(conn)
            .await?;
        audit::record(
            conn,
            now,
            Actor::staff(staff_id),
            "refund.cancelled",
            ("refund", Some(r.id)),
            &format!(
                "refund_no={} order_no={} amount_fen={} application_id={}",
                r.refund_no, o.order_no, r.amount_fen, a.id
            ),
            None,
        )
        .await?;
        return Ok(messages::FeeOnReopening::RefundCancelled {
            amount_fen: r.amount_fen,
        });
    }
    Ok(messages::FeeOnReopening::PayAgain {
        amount_fen,
        payment_stage: stage_name.to_owned(),
    })
}

/// Moves refund `id` from status `from` to `to` with `also` set, conditionally on its still
/// being `from`: `false` when another request moved it first (nothing written).
pub(crate) async fn move_refund<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    from: &str,
    to: &str,
    also: Vec<(refund::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, RepoError> {
    let mut update = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(to.to_owned()))
        .filter(refund::Column::Id.eq(id))
        .filter(refund::Column::Status.eq(from));
    for (c, v) in also {
        update = update.col_expr(c, v);
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}

/// A row of the application's history about its fee, by the system.
fn history(
    a: &app::Model,
    action: EventAction,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> review_event::ActiveModel {
    review_event::ActiveModel {
        application_id: Set(a.id),
        stage: Set(None),
        stage_name: Set("退费".to_owned()),
        action: Set(action.code().to_owned()),
        org_id: Set(None),
        actor_kind: Set(Actor::SYSTEM.kind.to_owned()),
        actor_id: Set(None),
        reason: Set(reason),
        at: Set(now),
        ..Default::default()
    }
}

/// Pending orders created at least `age` before `now` (and within [`RECONCILE_HORIZON`]),
/// newest first: the ones whose notification may have been lost.
pub async fn pending_orders_older_than<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    age: Duration,
) -> Result<Vec<payment_order::Model>, RepoError> {
    Ok(payment_order::Entity::find()
        .filter(payment_order::Column::Status.eq(ORDER_PENDING))
        .filter(payment_order::Column::CreatedAt.lte(now - age))
        .filter(payment_order::Column::CreatedAt.gte(now - RECONCILE_HORIZON))
        .order_by_desc(payment_order::Column::CreatedAt)
        .limit(JOB_BATCH)
        .all(conn)
        .await?)
}

/// A queued refund whose batch has closed, with the order it pays back.
#[derive(Debug, Clone)]
pub struct DueRefund {
    /// The refund.
    pub refund: refund::Model,
    /// The order paid.
    pub order: payment_order::Model,
}

/// Queued refunds due at `now`: those of applications whose batch closed at or before `now`
/// ("在当次毕业办理结束后退回"), and second charges, which are due when they are queued.
pub async fn due_refunds<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<Vec<DueRefund>, RepoError> {
    let closed_batches = Query::select()
        .column(batch::Column::Id)
        .from(batch::Entity)
        .and_where(batch::Column::ClosesAt.lte(now))
        .to_owned();
    let their_apps = Query::select()
        .column(app::Column::Id)
        .from(app::Entity)
        .and_where(app::Column::BatchId.in_subquery(closed_batches))
        .to_owned();
    let their_orders = Query::select()
        .column(payment_order::Column::Id)
        .from(payment_order::Entity)
        .and_where(payment_order::Column::ApplicationId.in_subquery(their_apps))
        .to_owned();
    let refunds = refund::Entity::find()
        .filter(refund::Column::Status.is_in([REFUND_QUEUED, REFUND_EXECUTING]))
        .filter(
            Condition::any().add(refund::Column::DueAt.lte(now)).add(
                Condition::all()
                    .add(refund::Column::DueAt.is_null())
                    .add(refund::Column::OrderId.in_subquery(their_orders)),
            ),
        )
        .order_by_asc(refund::Column::Id)
        .limit(JOB_BATCH)
        .all(conn)
        .await?;
    let order_ids: Vec<i64> = refunds.iter().map(|r| r.order_id).collect();
    let orders = payment_order::Entity::find()
        .filter(payment_order::Column::Id.is_in(order_ids))
        .all(conn)
        .await?;
    Ok(refunds
        .into_iter()
        .filter_map(|r| {
            let order = orders.iter().find(|o| o.id == r.order_id)?.clone();
            Some(DueRefund { refund: r, order })
        })
        .collect())
}

/// The refunds of an application's orders, oldest first.
pub async fn refunds_of<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Vec<refund::Model>, RepoError> {
    let orders = Query::select()
        .column(payment_order::Column::Id)
        .from(payment_order::Entity)
        .and_where(payment_order::Column::ApplicationId.eq(application_id))
        .to_owned();
    Ok(refund::Entity::find()
        .filter(refund::Column::OrderId.in_subquery(orders))
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await?)
}

/// Hands a due refund to the gateway: `queued` becomes `executing` (a conditional update), after
/// which it can no longer be called off. `Ok(true)` when it is `executing` now (by this call or an
/// earlier run that stopped before recording the gateway's answer; the gateway takes a repeated
/// refund number as the same refund); `Ok(false)` when it was called off or is done.
pub async fn claim_refund(db: &DatabaseConnection, refund_no: &str) -> Result<bool, RepoError> {
    refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(REFUND_EXECUTING))
        .filter(refund::Column::RefundNo.eq(refund_no))
        .filter(refund::Column::Status.eq(REFUND_QUEUED))
        .exec(db)
        .await?;
    let r = refund::Entity::find()
        .filter(refund::Column::RefundNo.eq(refund_no))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok(r.status == REFUND_EXECUTING)
}

/// Records that the gateway executed a refund: once per refund number (a conditional update on
/// its being `queued` or `executing`), with the history row, the candidate's message and the
/// audit row in the same transaction. `Ok(false)` when it had been recorded before.
pub async fn mark_refund_done(
    db: &DatabaseConnection,
    refund_no: &str,
    gateway_refund_no: &str,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let changed = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(REFUND_DONE))
        .col_expr(
            refund::Column::GatewayRefundNo,
            Expr::value(gateway_refund_no.to_owned()),
        )
        .col_expr(refund::Column::ExecutedAt, Expr::value(now))
        .filter(refund::Column::RefundNo.eq(refund_no))
        .filter(refund::Column::Status.is_in([REFUND_QUEUED, REFUND_EXECUTING]))
        .exec(&txn)
        .await?
        .rows_affected;
    let r = refund::Entity::find()
        .filter(refund::Column::RefundNo.eq(refund_no))
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    if changed == 0 {
        return Ok(false);
    }
    let o = payment_order::Entity::find_by_id(r.order_id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let a = application::get(&txn, o.application_id).await?;
    let text = messages::refund_executed(r.amount_fen, &r.refund_no);
    history(&a, EventAction::Refunded, Some(text.body.clone()), now)
        .insert(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        Actor::SYSTEM,
        "refund.executed",
        ("refund", Some(r.id)),
        &format!(
            "refund_no={} order_no={} amount_fen={} gateway_refund_no={gateway_refund_no}",
            r.refund_no, o.order_no, r.amount_fen
        ),
        None,
    )
    .await?;
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(PROGRESS_LINK),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

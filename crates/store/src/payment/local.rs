//! The local payment gateway (模拟支付平台): a real HTTP flow for development and tests.
//!
//! The web server serves its pay page under `/gateway/local/`; paying there records the payment
//! in the gateway's own tables and sends a signed notification to the notify URL of the order,
//! exactly as an external gateway would. It never reads our tables: what it knows about an order
//! is what [`PaymentGateway::start`] told it.
//!
//! What became of an order is asked the way a real gateway is asked: a signed query posted to
//! its query address ([`QUERY_PATH`]) and a signed answer ([`domain::payment::query`]), not a
//! look into its tables.
//!
//! Anyone who can open the pay page can "pay", so this gateway is for development, tests and
//! demonstrations only.

use chrono::{DateTime, Utc};
use domain::payment::Notice;
use domain::payment::query::{OrderQuery, QueryAnswer, TradeState, verify_answer};
use domain::payment::{SIGNATURE_HEADER, sign};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use super::gateway::{GatewayError, OrderRequest, PaymentGateway, RefundReceipt, RefundRequest};
use crate::entity::{
    local_gateway_charge as charge, local_gateway_payment as payment,
    local_gateway_refund as refund,
};
use crate::repo::{RepoError, is_unique_violation};

/// A payment not paid yet.
pub const PENDING: &str = "pending";
/// A payment the payer confirmed.
pub const PAID: &str = "paid";

/// Where the pay page of an order is served, below the public base URL.
pub fn pay_path(order_no: &str) -> String {
    format!("/gateway/local/pay/{order_no}")
}

/// Where the gateway answers order queries (订单查询), below the public base URL.
pub const QUERY_PATH: &str = "/gateway/local/query";

/// The local gateway over the shared database.
#[derive(Clone)]
pub struct LocalGateway {
    db: DatabaseConnection,
    base_url: String,
    secret: String,
}

impl std::fmt::Debug for LocalGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The shared secret never goes into a log.
        f.debug_struct("LocalGateway")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl LocalGateway {
    /// A gateway whose pages are served under `base_url` (e.g. `http://127.0.0.1:8080`),
    /// signing and checking order queries with `secret` (the one its notifications carry).
    pub fn new(db: DatabaseConnection, base_url: &str, secret: &str) -> Self {
        Self {
            db,
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret: secret.to_owned(),
        }
    }
}

fn gateway_err(e: impl std::fmt::Display) -> GatewayError {
    GatewayError(e.to_string())
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

/// A number of the gateway's own: prefix, Beijing time to the second, random digits.
fn gateway_no(prefix: &str, now: DateTime<Utc>) -> String {
    let local = domain::calendar::beijing(now);
    format!(
        "{prefix}{}{}",
        local.format("%Y%m%d%H%M%S"),
        random_digits(8)
    )
}

/// A payment the gateway holds, by order number.
pub async fn payment<C: ConnectionTrait>(
    conn: &C,
    order_no: &str,
) -> Result<Option<payment::Model>, RepoError> {
    Ok(payment::Entity::find()
        .filter(payment::Column::OrderNo.eq(order_no))
        .one(conn)
        .await?)
}

/// The payer pressed 交费: marks the payment paid once. Returns the payment and whether this
/// call paid it (`false` when it had been paid before); `None` for an unknown order.
pub async fn confirm(
    db: &DatabaseConnection,
    order_no: &str,
    now: DateTime<Utc>,
) -> Result<Option<(payment::Model, bool)>, RepoError> {
    let n = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(PAID))
        .col_expr(payment::Column::TxnNo, Expr::value(gateway_no("LP", now)))
        .col_expr(payment::Column::PaidAt, Expr::value(now))
        .filter(payment::Column::OrderNo.eq(order_no))
        .filter(payment::Column::Status.eq(PENDING))
        .exec(db)
        .await?
        .rows_affected;
    Ok(payment(db, order_no).await?.map(|p| (p, n > 0)))
}

/// Charges a paid order a second time, as happens when a payer pays from two devices, and
/// returns the notification of that charge (with a transaction number of its own); `None` when
/// the order is unknown or not paid yet. The local gateway's pay page never does this by itself:
/// it stands for a real gateway's double charge in development and tests.
pub async fn charge_again(
    db: &DatabaseConnection,
    order_no: &str,
    now: DateTime<Utc>,
) -> Result<Option<Notice>, RepoError> {
    let Some(p) = payment(db, order_no).await?.filter(|p| p.status == PAID) else {
        return Ok(None);
    };
    let c = charge::ActiveModel {
        order_no: Set(p.order_no.clone()),
        txn_no: Set(gateway_no("LP", now)),
        amount_fen: Set(p.amount_fen),
        paid_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(Notice {
        order_no: c.order_no,
        gateway_txn_no: c.txn_no,
        amount_fen: c.amount_fen,
        paid_at: c.paid_at,
        timestamp: now.timestamp(),
        nonce: random_digits(16),
    }))
}

/// The notification for a paid payment, stamped `now`; `None` while it is not paid.
pub fn notice_of(p: &payment::Model, now: DateTime<Utc>) -> Option<Notice> {
    if p.status != PAID {
        return None;
    }
    Some(Notice {
        order_no: p.order_no.clone(),
        gateway_txn_no: p.txn_no.clone()?,
        amount_fen: p.amount_fen,
        paid_at: p.paid_at?,
        timestamp: now.timestamp(),
        nonce: random_digits(16),
    })
}

/// The gateway's answer to a verified query, stamped `now` (the gateway's own clock).
pub async fn answer_query<C: ConnectionTrait>(
    conn: &C,
    q: &OrderQuery,
    now: DateTime<Utc>,
) -> Result<QueryAnswer, RepoError> {
    let known = payment(conn, &q.order_no).await?;
    let paid = known
        .as_ref()
        .filter(|p| p.status == PAID && p.txn_no.is_some() && p.paid_at.is_some());
    let trade_state = match (&known, paid) {
        (_, Some(_)) => TradeState::Paid,
        (Some(_), None) => TradeState::NotPaid,
        (None, _) => TradeState::UnknownOrder,
    };
    Ok(QueryAnswer {
        order_no: q.order_no.clone(),
        trade_state,
        gateway_txn_no: paid.and_then(|p| p.txn_no.clone()),
        amount_fen: paid.map(|p| p.amount_fen),
        paid_at: paid.and_then(|p| p.paid_at),
        query_nonce: q.nonce.clone(),
        timestamp: now.timestamp(),
    })
}

/// Sends a signed notification to `notify_url`, retrying with backoff until the callback
/// answers `success`; returns whether it did. Meant to run in a task of its own.
pub async fn deliver(notify_url: &str, notice: &Notice, secret: &[u8]) -> bool {
    crate::notify::deliver_signed(notify_url, notice.to_body(), secret, &notice.order_no).await
}

#[async_trait::async_trait]
impl PaymentGateway for LocalGateway {
    async fn start(&self, order: &OrderRequest) -> Result<String, GatewayError> {
        let inserted = payment::ActiveModel {
            order_no: Set(order.order_no.clone()),
            subject: Set(order.subject.chars().take(100).collect()),
            amount_fen: Set(order.amount_fen),
            return_url: Set(order.return_url.clone()),
            notify_url: Set(order.notify_url.clone()),
            status: Set(PENDING.to_owned()),
            txn_no: Set(None),
            created_at: Set(Utc::now()),
            paid_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(_) => {}
            // The candidate came back to an order they had started: same order, same page.
            Err(e) if is_unique_violation(&e) => {
                let known = payment(&self.db, &order.order_no)
                    .await
                    .map_err(gateway_err)?
                    .ok_or_else(|| gateway_err("订单登记失败"))?;
                if known.amount_fen != order.amount_fen {
                    return Err(GatewayError(format!(
                        "订单 {} 已按 {} 分登记，不能改为 {} 分",
                        order.order_no, known.amount_fen, order.amount_fen
                    )));
                }
            }
            Err(e) => return Err(gateway_err(e)),
        }
        Ok(format!("{}{}", self.base_url, pay_path(&order.order_no)))
    }

    async fn query(&self, order_no: &str) -> Result<Option<Notice>, GatewayError> {
        let asked = OrderQuery {
            order_no: order_no.to_owned(),
            timestamp: Utc::now().timestamp(),
            nonce: random_digits(16),
        };
        let body = asked.to_body();
        let client = crate::notify::http_client().map_err(gateway_err)?;
        let reply = client
            .post(format!("{}{QUERY_PATH}", self.base_url))
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, sign(&body, self.secret.as_bytes()))
            .body(body)
            .send()
            .await
            .map_err(gateway_err)?;
        let status = reply.status();
        let signature = reply
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let raw = reply.bytes().await.map_err(gateway_err)?;
        if !status.is_success() {
            return Err(GatewayError(format!(
                "订单查询失败：HTTP {status} {}",
                String::from_utf8_lossy(&raw)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )));
        }
        verify_answer(&raw, &signature, self.secret.as_bytes(), Utc::now(), &asked)
            .map_err(gateway_err)
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundReceipt, GatewayError> {
        if let Some(done) = refund_by_no(&self.db, &request.refund_no).await? {
            return same_refund(&done, request);
        }
        let paid = payment(&self.db, &request.order_no)
            .await
            .map_err(gateway_err)?
            .filter(|p| p.status == PAID)
            .ok_or_else(|| GatewayError(format!("订单 {} 未支付，不能退款", request.order_no)))?;
        // What can be given back is per charge: the order's first, or a second one named by its
        // transaction number.
        let (txn_no, charged) = match &request.gateway_txn_no {
            Some(t) if Some(t) != paid.txn_no.as_ref() => {
                let charge = charge::Entity::find()
                    .filter(charge::Column::TxnNo.eq(t.as_str()))
                    .filter(charge::Column::OrderNo.eq(request.order_no.as_str()))
                    .one(&self.db)
                    .await
                    .map_err(gateway_err)?
                    .ok_or_else(|| {
                        GatewayError(format!(
                            "订单 {} 没有交易号为 {t} 的扣款，不能退款",
                            request.order_no
                        ))
                    })?;
                (Some(t.clone()), charge.amount_fen)
            }
            _ => (None, paid.amount_fen),
        };
        let refunded: i64 = refund::Entity::find()
            .filter(refund::Column::OrderNo.eq(request.order_no.as_str()))
            .all(&self.db)
            .await
            .map_err(gateway_err)?
            .iter()
            // A refund of the first charge is kept without a transaction number.
            .filter(|r| r.txn_no == txn_no)
            .map(|r| r.amount_fen)
            .sum();
        if request.amount_fen <= 0 || refunded + request.amount_fen > charged {
            return Err(GatewayError(format!(
                "退款金额 {} 分超过订单 {} 该笔扣款的可退金额 {} 分",
                request.amount_fen,
                request.order_no,
                charged - refunded
            )));
        }
        let now = Utc::now();
        let inserted = refund::ActiveModel {
            refund_no: Set(request.refund_no.clone()),
            order_no: Set(request.order_no.clone()),
            amount_fen: Set(request.amount_fen),
            gateway_refund_no: Set(gateway_no("LR", now)),
            created_at: Set(now),
            txn_no: Set(txn_no),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match inserted {
            Ok(r) => Ok(RefundReceipt {
                gateway_refund_no: r.gateway_refund_no,
            }),
            // Another instance refunded the same number a moment ago: that refund is this one.
            Err(e) if is_unique_violation(&e) => {
                let done = refund_by_no(&self.db, &request.refund_no)
                    .await?
                    .ok_or_else(|| gateway_err("退款登记失败"))?;
                same_refund(&done, request)
            }
            Err(e) => Err(gateway_err(e)),
        }
    }
}

async fn refund_by_no(
    db: &DatabaseConnection,
    refund_no: &str,
) -> Result<Option<refund::Model>, GatewayError> {
    refund::Entity::find()
        .filter(refund::Column::RefundNo.eq(refund_no))
        .one(db)
        .await
        .map_err(gateway_err)
}

/// The receipt of a refund number seen before, provided it is the same refund.
fn same_refund(
    done: &refund::Model,
    request: &RefundRequest,
) -> Result<RefundReceipt, GatewayError> {
    if done.order_no != request.order_no || done.amount_fen != request.amount_fen {
        return Err(GatewayError(format!(
            "退款单号 {} 已用于订单 {} 的 {} 分退款",
            done.refund_no, done.order_no, done.amount_fen
        )));
    }
    Ok(RefundReceipt {
        gateway_refund_no: done.gateway_refund_no.clone(),
    })
}

/// The refunds the gateway made for an order (for tests and support).
pub async fn refunds_of<C: ConnectionTrait>(
    conn: &C,
    order_no: &str,
) -> Result<Vec<refund::Model>, RepoError> {
    Ok(refund::Entity::find()
        .filter(refund::Column::OrderNo.eq(order_no))
        .all(conn)
        .await?)
}

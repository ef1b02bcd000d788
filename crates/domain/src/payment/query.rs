//! 订单查询: we ask the payment gateway what became of an order, and the gateway answers. Both
//! messages are signed the way a notification is (HMAC-SHA256 of the exact body bytes in
//! [`super::SIGNATURE_HEADER`] under the shared secret, a timestamp within
//! [`super::MAX_SKEW_SECONDS`] of now), so that neither a stranger can ask the gateway about our
//! orders nor anybody between us and the gateway can answer "paid" in its place.
//!
//! The answer repeats the order number and the nonce of the query it answers: an answer captured
//! for one order, or for an earlier query, cannot be passed off as the answer to this one.
//!
//! Pure: the time is a parameter.

use chrono::{DateTime, Utc};

use super::{MAX_SKEW_SECONDS, Notice, signature_matches};

/// Longest order number a query may name (the column is 40 characters).
const MAX_ORDER_NO: usize = 40;

/// A query about one order (订单查询请求).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrderQuery {
    /// Our order number (商户订单号).
    pub order_no: String,
    /// When the query was sent, in unix seconds.
    pub timestamp: i64,
    /// Random per query; the answer repeats it.
    pub nonce: String,
}

/// What the gateway knows of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradeState {
    /// The payer paid.
    Paid,
    /// Registered, not paid (yet).
    NotPaid,
    /// The gateway never heard of the order.
    UnknownOrder,
}

/// The gateway's answer to an [`OrderQuery`] (订单查询结果).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueryAnswer {
    /// The order asked about.
    pub order_no: String,
    /// What became of it.
    pub trade_state: TradeState,
    /// The gateway's transaction number (支付流水号), when paid.
    pub gateway_txn_no: Option<String>,
    /// The amount paid in fen, when paid.
    pub amount_fen: Option<i64>,
    /// When the payer paid, when paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// The nonce of the query answered.
    pub query_nonce: String,
    /// When the answer was sent, in unix seconds.
    pub timestamp: i64,
}

/// Why a query or an answer is not accepted, in words for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryRefusal {
    /// The signature is missing, malformed or does not match the body.
    #[error("订单查询签名无效")]
    BadSignature,
    /// The body is not a well-formed query or answer.
    #[error("订单查询格式错误：{0}")]
    Malformed(String),
    /// The timestamp is further than [`MAX_SKEW_SECONDS`] from now.
    #[error(
        "订单查询已过期：发送时间与当前时间相差 {seconds} 秒，超过允许的 {MAX_SKEW_SECONDS} 秒"
    )]
    Stale {
        /// How far off it was, in seconds.
        seconds: i64,
    },
    /// The answer is about another order or another query.
    #[error("订单查询结果与查询不符：{0}")]
    Mismatch(String),
}

impl OrderQuery {
    /// The exact bytes to send and sign.
    pub fn to_body(&self) -> Vec<u8> {
        // Serialising a struct of strings and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl QueryAnswer {
    /// The exact bytes to send and sign.
    pub fn to_body(&self) -> Vec<u8> {
        // Serialising a struct of strings, integers and times cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

fn fresh(timestamp: i64, now: DateTime<Utc>) -> Result<(), QueryRefusal> {
    let seconds = now.timestamp().saturating_sub(timestamp).abs();
    if seconds > MAX_SKEW_SECONDS {
        return Err(QueryRefusal::Stale { seconds });
    }
    Ok(())
}

fn valid_order_no(order_no: &str) -> bool {
    !order_no.is_empty()
        && order_no.len() <= MAX_ORDER_NO
        && order_no.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The gateway's check of a query: the signature over the raw body (constant time), the body's
/// shape, the timestamp window around `now`.
pub fn verify_query(
    raw: &[u8],
    signature: &str,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<OrderQuery, QueryRefusal> {
    if !signature_matches(raw, signature, secret) {
        return Err(QueryRefusal::BadSignature);
    }
    let q: OrderQuery =
        serde_json::from_slice(raw).map_err(|e| QueryRefusal::Malformed(e.to_string()))?;
    if !valid_order_no(&q.order_no) {
        return Err(QueryRefusal::Malformed("商户订单号无效".to_owned()));
    }
    if q.nonce.is_empty() || q.nonce.len() > 64 {
        return Err(QueryRefusal::Malformed("随机串无效".to_owned()));
    }
    fresh(q.timestamp, now)?;
    Ok(q)
}

/// Our check of the gateway's answer to `asked`: signature, shape, timestamp, and that it answers
/// this very query. A paid order comes back as the notice the gateway would have sent (stamped
/// with the answer's time and the query's nonce), to be settled exactly as a notification is;
/// `None` while the order is not paid.
pub fn verify_answer(
    raw: &[u8],
    signature: &str,
    secret: &[u8],
    now: DateTime<Utc>,
    asked: &OrderQuery,
) -> Result<Option<Notice>, QueryRefusal> {
    if !signature_matches(raw, signature, secret) {
        return Err(QueryRefusal::BadSignature);
    }
    let a: QueryAnswer =
        serde_json::from_slice(raw).map_err(|e| QueryRefusal::Malformed(e.to_string()))?;
    if a.order_no != asked.order_no {
        return Err(QueryRefusal::Mismatch(format!(
            "查询订单 {}，答复的是订单 {}",
            asked.order_no, a.order_no
        )));
    }
    if a.query_nonce != asked.nonce {
        return Err(QueryRefusal::Mismatch(
            "答复的不是本次查询（随机串不同）".to_owned(),
        ));
    }
    fresh(a.timestamp, now)?;
    match a.trade_state {
        TradeState::NotPaid | TradeState::UnknownOrder => Ok(None),
        TradeState::Paid => {
            let (Some(gateway_txn_no), Some(amount_fen), Some(paid_at)) =
                (a.gateway_txn_no, a.amount_fen, a.paid_at)
            else {
                return Err(QueryRefusal::Malformed(
                    "已支付的订单缺少支付流水号、金额或支付时间".to_owned(),
                ));
            };
            if gateway_txn_no.is_empty() || gateway_txn_no.len() > 64 {
                return Err(QueryRefusal::Malformed("支付流水号无效".to_owned()));
            }
            if amount_fen <= 0 {
                return Err(QueryRefusal::Malformed(format!(
                    "金额必须大于 0 分，实际为 {amount_fen} 分"
                )));
            }
            Ok(Some(Notice {
                order_no: a.order_no,
                gateway_txn_no,
                amount_fen,
                paid_at,
                timestamp: a.timestamp,
                nonce: a.query_nonce,
            }))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::payment::sign;
    use chrono::TimeZone;

    const SECRET: &[u8] = b"test-secret";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap()
    }

    fn query() -> OrderQuery {
        OrderQuery {
            order_no: "GF20261124140000123456".into(),
            timestamp: now().timestamp(),
            nonce: "q1".into(),
        }
    }

    fn paid(q: &OrderQuery, timestamp: i64) -> QueryAnswer {
        QueryAnswer {
            order_no: q.order_no.clone(),
            trade_state: TradeState::Paid,
            gateway_txn_no: Some("LP0001".into()),
            amount_fen: Some(4_000),
            paid_at: Some(now()),
            query_nonce: q.nonce.clone(),
            timestamp,
        }
    }

    #[test]
    fn a_signed_fresh_query_is_accepted_and_a_forged_one_is_not() {
        let body = query().to_body();
        let sig = sign(&body, SECRET);
        assert_eq!(verify_query(&body, &sig, SECRET, now()), Ok(query()));
        assert_eq!(
            verify_query(&body, &sign(&body, b"another"), SECRET, now()),
            Err(QueryRefusal::BadSignature)
        );
        let mut old = query();
        old.timestamp -= 301;
        let body = old.to_body();
        assert_eq!(
            verify_query(&body, &sign(&body, SECRET), SECRET, now()),
            Err(QueryRefusal::Stale { seconds: 301 })
        );
    }

    #[test]
    fn a_paid_answer_becomes_the_notice_to_settle() {
        let q = query();
        let body = paid(&q, now().timestamp()).to_body();
        let notice = verify_answer(&body, &sign(&body, SECRET), SECRET, now(), &q)
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                notice.order_no.as_str(),
                notice.gateway_txn_no.as_str(),
                notice.amount_fen
            ),
            ("GF20261124140000123456", "LP0001", 4_000)
        );
    }

    #[test]
    fn a_not_paid_or_unknown_order_is_none() {
        let q = query();
        for state in [TradeState::NotPaid, TradeState::UnknownOrder] {
            let a = QueryAnswer {
                trade_state: state,
                gateway_txn_no: None,
                amount_fen: None,
                paid_at: None,
                ..paid(&q, now().timestamp())
            };
            let body = a.to_body();
            assert_eq!(
                verify_answer(&body, &sign(&body, SECRET), SECRET, now(), &q),
                Ok(None),
                "{state:?}"
            );
        }
    }

    #[test]
    fn an_answer_to_another_order_or_query_or_unsigned_is_refused() {
        let q = query();
        let mut other = paid(&q, now().timestamp());
        other.order_no = "GF1".into();
        let mut replayed = paid(&q, now().timestamp());
        replayed.query_nonce = "an-earlier-query".into();
        for a in [other, replayed] {
            let body = a.to_body();
            assert!(
                matches!(
                    verify_answer(&body, &sign(&body, SECRET), SECRET, now(), &q),
                    Err(QueryRefusal::Mismatch(_))
                ),
                "{a:?}"
            );
        }
        let body = paid(&q, now().timestamp()).to_body();
        assert_eq!(
            verify_answer(&body, "", SECRET, now(), &q),
            Err(QueryRefusal::BadSignature)
        );
        let body = paid(&q, now().timestamp() - 400).to_body();
        assert_eq!(
            verify_answer(&body, &sign(&body, SECRET), SECRET, now(), &q),
            Err(QueryRefusal::Stale { seconds: 400 })
        );
    }

    #[test]
    fn a_paid_answer_without_its_payment_is_malformed() {
        let q = query();
        let a = QueryAnswer {
            gateway_txn_no: None,
            ..paid(&q, now().timestamp())
        };
        let body = a.to_body();
        assert!(matches!(
            verify_answer(&body, &sign(&body, SECRET), SECRET, now(), &q),
            Err(QueryRefusal::Malformed(_))
        ));
    }
}

//! 交费 notifications: what a payment gateway tells us when money arrived, and how we know the
//! gateway (and nobody else) said it.
//!
//! The gateway POSTs a JSON body and an HMAC-SHA256 of exactly those bytes under a secret both
//! sides share. The MAC is checked over the raw body before anything is parsed, so a body that
//! was re-encoded on the way (key order, whitespace) is refused rather than trusted; then the
//! timestamp must lie within [`MAX_SKEW_SECONDS`] of now, so a captured notification cannot be
//! replayed later. Order number and amount are the store's to check against the order.
//!
//! Pure: the time is a parameter.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub mod query;

/// The HTTP header carrying the hex HMAC-SHA256 of the body.
pub const SIGNATURE_HEADER: &str = "X-Biye-Signature";

/// How far a notification's timestamp may lie from now, either way, in seconds.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// Longest order number a notification may name (the column is 40 characters).
const MAX_ORDER_NO: usize = 40;

/// A payment notification (支付结果通知) as the gateway sends it; amounts in fen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    /// Our order number (商户订单号).
    pub order_no: String,
    /// The gateway's transaction number (支付流水号).
    pub gateway_txn_no: String,
    /// The amount paid, in fen.
    pub amount_fen: i64,
    /// When the payer paid.
    pub paid_at: DateTime<Utc>,
    /// When the notification was sent, in unix seconds.
    pub timestamp: i64,
    /// Random per notification, so two sends of one payment differ in their signature input.
    pub nonce: String,
}

/// Why a notification is not accepted, in words for the log and the gateway.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentRefusal {
    /// The signature is missing, malformed or does not match the body.
    #[error("交费通知签名无效")]
    BadSignature,
    /// The body is not a well-formed notification.
    #[error("交费通知格式错误：{0}")]
    Malformed(String),
    /// The timestamp is further than [`MAX_SKEW_SECONDS`] from now.
    #[error(
        "交费通知已过期：通知时间与当前时间相差 {seconds} 秒，超过允许的 {MAX_SKEW_SECONDS} 秒"
    )]
    Stale {
        /// How far off it was, in seconds.
        seconds: i64,
    },
}

impl Notice {
    /// The exact bytes to send and sign.
    pub fn to_body(&self) -> Vec<u8> {
        // Serialising a struct of strings and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

fn mac(secret: &[u8]) -> Option<Hmac<Sha256>> {
    // An empty secret would let anyone sign; treat it as no key at all.
    if secret.is_empty() {
        return None;
    }
    Hmac::<Sha256>::new_from_slice(secret).ok()
}

/// The hex HMAC-SHA256 of `raw` under `secret` (empty when the secret is empty).
pub fn sign(raw: &[u8], secret: &[u8]) -> String {
    match mac(secret) {
        Some(mut m) => {
            m.update(raw);
            hex::encode(m.finalize().into_bytes())
        }
        None => String::new(),
    }
}

/// Whether `signature` is the hex HMAC-SHA256 of `raw` under `secret`, compared in constant
/// time. Shared by every signed notification we receive (payments, the credential service).
pub fn signature_matches(raw: &[u8], signature: &str, secret: &[u8]) -> bool {
    let Some(mut m) = mac(secret) else {
        return false;
    };
    let Ok(given) = hex::decode(signature.trim()) else {
        return false;
    };
    m.update(raw);
    m.verify_slice(&given).is_ok()
}

/// Checks a notification: the signature over the raw body (constant time), then the body's
/// shape, then the timestamp window around `now`.
pub fn verify(
    raw: &[u8],
    signature: &str,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<Notice, PaymentRefusal> {
    if !signature_matches(raw, signature, secret) {
        return Err(PaymentRefusal::BadSignature);
    }
    let notice: Notice =
        serde_json::from_slice(raw).map_err(|e| PaymentRefusal::Malformed(e.to_string()))?;
    if notice.order_no.is_empty()
        || notice.order_no.len() > MAX_ORDER_NO
        || !notice.order_no.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(PaymentRefusal::Malformed("商户订单号无效".to_owned()));
    }
    if notice.gateway_txn_no.is_empty() || notice.gateway_txn_no.len() > 64 {
        return Err(PaymentRefusal::Malformed("支付流水号无效".to_owned()));
    }
    if notice.amount_fen <= 0 {
        return Err(PaymentRefusal::Malformed(format!(
            "金额必须大于 0 分，实际为 {} 分",
            notice.amount_fen
        )));
    }
    let seconds = now.timestamp().saturating_sub(notice.timestamp).abs();
    if seconds > MAX_SKEW_SECONDS {
        return Err(PaymentRefusal::Stale { seconds });
    }
    Ok(notice)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &[u8] = b"test-secret";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 6, 0, 0).unwrap()
    }

    fn notice(timestamp: i64) -> Notice {
        Notice {
            order_no: "GF20261124140000123456".into(),
            gateway_txn_no: "LP0001".into(),
            amount_fen: 4_000,
            paid_at: now(),
            timestamp,
            nonce: "n1".into(),
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            sign(b"what do ya want for nothing?", b"Jefe"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signed_fresh_notice_is_accepted() {
        let body = notice(now().timestamp()).to_body();
        let sig = sign(&body, SECRET);
        assert_eq!(
            verify(&body, &sig, SECRET, now()),
            Ok(notice(now().timestamp()))
        );
    }

    #[test]
    fn a_tampered_body_is_refused() {
        let body = notice(now().timestamp()).to_body();
        let sig = sign(&body, SECRET);
        let tampered = String::from_utf8(body).unwrap().replace("4000", "1");
        assert_eq!(
            verify(tampered.as_bytes(), &sig, SECRET, now()),
            Err(PaymentRefusal::BadSignature)
        );
    }

    #[test]
    fn the_same_content_re_encoded_is_refused() {
        // Signed over bytes, not over the parsed value: a pretty-printed copy does not verify.
        let n = notice(now().timestamp());
        let sig = sign(&n.to_body(), SECRET);
        let pretty = serde_json::to_vec_pretty(&n).unwrap();
        assert_eq!(
            verify(&pretty, &sig, SECRET, now()),
            Err(PaymentRefusal::BadSignature)
        );
    }

    #[test]
    fn a_wrong_secret_a_garbled_or_missing_signature_is_refused() {
        let body = notice(now().timestamp()).to_body();
        let sig = sign(&body, b"another-secret");
        for s in [sig.as_str(), "zz", "", &sign(&body, SECRET)[..10]] {
            assert_eq!(
                verify(&body, s, SECRET, now()),
                Err(PaymentRefusal::BadSignature),
                "{s}"
            );
        }
        assert_eq!(
            verify(&body, &sign(&body, SECRET), b"", now()),
            Err(PaymentRefusal::BadSignature)
        );
    }

    #[test]
    fn three_hundred_seconds_old_is_accepted_three_hundred_and_one_is_not() {
        for (age, ok) in [(300, true), (301, false), (-300, true), (-301, false)] {
            let body = notice(now().timestamp() - age).to_body();
            let sig = sign(&body, SECRET);
            let got = verify(&body, &sig, SECRET, now());
            if ok {
                assert!(got.is_ok(), "{age}: {got:?}");
            } else {
                assert_eq!(
                    got,
                    Err(PaymentRefusal::Stale { seconds: age.abs() }),
                    "{age}"
                );
                assert!(got.unwrap_err().to_string().contains("已过期"));
            }
        }
    }

    #[test]
    fn a_signed_body_that_is_not_a_notice_is_malformed() {
        for body in [
            &b"{}"[..],
            br#"{"order_no":"","gateway_txn_no":"x","amount_fen":1,"paid_at":"2026-11-24T06:00:00Z","timestamp":0,"nonce":""}"#,
            br#"{"order_no":"GF1","gateway_txn_no":"x","amount_fen":0,"paid_at":"2026-11-24T06:00:00Z","timestamp":0,"nonce":""}"#,
        ] {
            let sig = sign(body, SECRET);
            assert!(
                matches!(
                    verify(body, &sig, SECRET, now()),
                    Err(PaymentRefusal::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

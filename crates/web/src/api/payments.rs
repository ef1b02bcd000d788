//! The payment gateway's notification callback (支付结果通知). No session: the body's HMAC
//! signature under the shared secret is the authentication.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::payment::{SIGNATURE_HEADER, verify};
use serde::Serialize;
use store::payment::{self, Settlement};
use store::repo::RepoError;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{AppError, ErrorBody};

/// The notification body as the gateway sends it: the shape of [`domain::payment::Notice`] with
/// the rules [`domain::payment::verify`] applies, for the document (the handler verifies the
/// signature over the raw bytes before reading them, so it takes no typed body).
#[allow(dead_code)]
#[derive(ToSchema)]
#[schema(description = "支付结果通知；签名覆盖原始请求体字节")]
pub struct PaymentNotice {
    /// 商户订单号：1 至 40 位数字或字母。
    #[schema(pattern = "^[0-9A-Za-z]{1,40}$", min_length = 1, max_length = 40)]
    pub order_no: String,
    /// 支付流水号：1 至 64 个字节。
    #[schema(min_length = 1, max_length = 64)]
    pub gateway_txn_no: String,
    /// 实付金额（分），须与订单一致。
    #[schema(minimum = 1)]
    pub amount_fen: i64,
    /// 支付时间。
    pub paid_at: chrono::DateTime<chrono::Utc>,
    /// 通知发送时间（Unix 秒），与服务器时间相差不得超过 300 秒。
    pub timestamp: i64,
    /// 随机串。
    pub nonce: String,
}

/// 回调的答复：纯文本 success。
#[derive(Serialize, ToSchema)]
pub enum Acknowledged {
    /// 已处理，或重复的通知。
    #[serde(rename = "success")]
    Success,
}

/// The answer gateways expect for a notification they need not send again.
fn success() -> Response {
    (StatusCode::OK, "success").into_response()
}

/// 支付结果通知（支付平台回调，服务器之间调用，无需会话与 CSRF 令牌）。
///
/// 请求体为 JSON，签名覆盖原始请求体字节：X-Biye-Signature 头为以共享密钥计算的 HMAC-SHA256（小写
/// 十六进制）。timestamp 与服务器时间相差超过 300 秒的通知被拒绝。订单号与金额（分）须与订单一致。同一
/// 订单的重复通知只入账一次，均答复 success。
#[utoipa::path(
    post,
    path = "/api/v1/payments/notify",
    operation_id = "payment_notify",
    tag = "回调",
    params(("X-Biye-Signature" = String, Header, description = "原始请求体的 HMAC-SHA256（小写十六进制）", pattern = "^[0-9a-f]{64}$")),
    request_body = PaymentNotice,
    security(()),
    responses(
        (status = 200, description = "已入账或重复通知", body = Acknowledged, content_type = "text/plain"),
        (status = 400, description = "签名无效、通知过期、金额不符或订单不存在；未做任何更改", body = ErrorBody),
        (status = 500, description = "暂时无法处理，支付平台应稍后重发", body = ErrorBody),
    )
)]
pub async fn notify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let now = state.now();
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let notice = match verify(
        &body,
        signature,
        state.config.payment_secret.as_bytes(),
        now,
    ) {
        Ok(n) => n,
        Err(r) => return super::refuse_callback("payment notification", r.to_string()),
    };
    match payment::settle(&state.db, &notice, now).await {
        Ok(Settlement::Settled { order, application }) => {
            tracing::info!(order_no = %order.order_no, application = application.id,
                status = %application.status, "payment settled");
            success()
        }
        Ok(Settlement::Duplicate { order }) => {
            tracing::info!(order_no = %order.order_no, "duplicate payment notification ignored");
            success()
        }
        Ok(Settlement::RefundQueued { order, reason }) => {
            tracing::warn!(order_no = %order.order_no, %reason, "payment booked and refund queued");
            success()
        }
        Err(RepoError::NotFound) => super::refuse_callback(
            "payment notification",
            format!("订单不存在：{}", notice.order_no),
        ),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            super::refuse_callback("payment notification", m)
        }
        Err(e @ (RepoError::Db(_) | RepoError::Forbidden(_))) => AppError::from(e).into_json(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::api::rules::{Rules, shown_json};

    /// The documented body is the gateway's: a real notification passes its checks, field for
    /// field.
    #[test]
    fn the_documented_notice_is_the_one_the_gateway_sends() {
        let notice = domain::payment::Notice {
            order_no: "BY20240601000001".to_owned(),
            gateway_txn_no: "4200001234202406011234567890".to_owned(),
            amount_fen: 30_000,
            paid_at: chrono::Utc::now(),
            timestamp: chrono::Utc::now().timestamp(),
            nonce: "f3a9".to_owned(),
        };
        let mut sent: serde_json::Value = serde_json::from_slice(&notice.to_body()).unwrap();
        let schema =
            serde_json::to_value(<PaymentNotice as utoipa::PartialSchema>::schema()).unwrap();
        let mut out = Vec::new();
        Rules::default().check(&schema, &mut sent, "", &shown_json, &mut out);
        assert!(out.is_empty(), "{out:?}");
        let documented: BTreeSet<&String> =
            schema["properties"].as_object().unwrap().keys().collect();
        let fields: BTreeSet<&String> = sent.as_object().unwrap().keys().collect();
        assert_eq!(documented, fields);
        assert_eq!(schema["required"].as_array().unwrap().len(), fields.len());
    }
}

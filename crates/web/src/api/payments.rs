//! The payment gateway's notification callback (支付结果通知). No session: the body's HMAC
//! signature under the shared secret is the authentication.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::payment::{SIGNATURE_HEADER, verify};
use store::payment::{self, Settlement};
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;

/// A refused notification: 400 with a Chinese message, logged. The gateway stops retrying a
/// 400; nothing was changed.
fn refuse(message: String) -> Response {
    tracing::warn!(reason = %message, "payment notification refused");
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({
            "error": "Bad Request",
            "message": message,
            "fields": {},
        })),
    )
        .into_response()
}

/// The answer gateways expect for a notification they need not send again.
fn success() -> Response {
    (StatusCode::OK, "success").into_response()
}

/// POST /api/v1/payments/notify: verifies the signature over the raw body, the timestamp window,
/// then settles the order (order number and amount checked against it). Settled and duplicate
/// notifications both answer 200 `success`.
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
        Err(r) => return refuse(r.to_string()),
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
        Err(RepoError::NotFound) => refuse(format!("订单不存在：{}", notice.order_no)),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => refuse(m),
        Err(e @ RepoError::Db(_)) => AppError::from(e).into_json(),
    }
}

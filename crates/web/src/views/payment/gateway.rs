//! The local payment gateway's pages (模拟支付平台). They belong to the gateway, not to biye: no
//! sign-in, no session CSRF token (see `session::CSRF_EXEMPT_PREFIXES`); the only thing they can
//! change is the gateway's own record of a payment, and biye learns of it only through the
//! signed notification or by asking it (a signed 订单查询, answered signed).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::payment::query::verify_query;
use domain::payment::{SIGNATURE_HEADER, sign};
use store::payment::local;

use crate::AppState;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "gateway/pay.html")]
struct PayPage {
    order_no: String,
    subject: String,
    amount: String,
    paid: bool,
    action: String,
    return_url: String,
}

fn unknown_order() -> AppError {
    AppError::NotFound("支付平台未找到该订单".to_owned())
}

/// GET /gateway/local/pay/{order_no}
pub async fn pay_page(
    State(state): State<AppState>,
    Path(order_no): Path<String>,
) -> Result<Html<String>, AppError> {
    let p = local::payment(&state.db, &order_no)
        .await?
        .ok_or_else(unknown_order)?;
    Ok(Html(
        PayPage {
            action: local::pay_path(&p.order_no),
            amount: domain::review::yuan(p.amount_fen),
            paid: p.status == local::PAID,
            order_no: p.order_no,
            subject: p.subject,
            return_url: p.return_url,
        }
        .render()?,
    ))
}

/// POST /gateway/local/pay/{order_no} (交费): records the payment, sends the signed
/// notification in the background and sends the browser back to the merchant. Paying an order
/// twice changes nothing and notifies nobody again.
pub async fn confirm(
    State(state): State<AppState>,
    Path(order_no): Path<String>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (p, newly_paid) = local::confirm(&state.db, &order_no, now)
        .await?
        .ok_or_else(unknown_order)?;
    if newly_paid && let Some(notice) = local::notice_of(&p, now) {
        let notify_url = p.notify_url.clone();
        let secret = state.config.payment_secret.clone();
        // The payer is not kept waiting for the merchant: a gateway notifies asynchronously.
        tokio::spawn(async move {
            local::deliver(&notify_url, &notice, secret.as_bytes()).await;
        });
    }
    Ok(Redirect::to(&p.return_url).into_response())
}

/// POST /gateway/local/query (订单查询): a signed query about one order, answered with what the
/// gateway knows of it, signed. A query whose signature or time does not hold is refused (400)
/// and answered nothing about the order.
pub async fn query(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    // The gateway is a separate system with a clock of its own: the wall clock, not the
    // application's (which tests move).
    let now = chrono::Utc::now();
    let secret = state.config.payment_secret.as_bytes();
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let asked = match verify_query(&body, signature, secret, now) {
        Ok(q) => q,
        Err(r) => {
            tracing::warn!(reason = %r, "local gateway: order query refused");
            return (StatusCode::BAD_REQUEST, r.to_string()).into_response();
        }
    };
    match local::answer_query(&state.db, &asked, now).await {
        Ok(answer) => {
            let raw = answer.to_body();
            let signed = sign(&raw, secret);
            (
                [
                    (header::CONTENT_TYPE.as_str(), "application/json".to_owned()),
                    (SIGNATURE_HEADER, signed),
                ],
                raw,
            )
                .into_response()
        }
        Err(e) => AppError::from(e).into_json(),
    }
}

//! The local payment gateway's pages (模拟支付平台). They belong to the gateway, not to biye: no
//! sign-in, no session CSRF token (see `session::CSRF_EXEMPT_PREFIXES`); the only thing they can
//! change is the gateway's own record of a payment, and biye learns of it only through the
//! signed notification.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
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

/// POST /gateway/local/pay/{order_no} (确认支付): records the payment, sends the signed
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

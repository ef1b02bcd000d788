//! 交费: the candidate starts paying the fee of their application's payment stage and is sent to
//! the payment gateway.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;

/// Where the gateway posts its notifications, below the public base URL.
pub const NOTIFY_PATH: &str = "/api/v1/payments/notify";
/// Where the gateway sends the candidate back after paying ([`return_path`] adds the order).
pub const RETURN_PATH: &str = "/candidate/application/pay/return";

/// The return address of an order, below the public base URL.
pub fn return_path(order_no: &str) -> String {
    format!("{RETURN_PATH}?order_no={order_no}")
}

/// POST /candidate/application/pay: the browser is sent to the gateway with the order of the
/// candidate's current application ([`crate::services::payment::start`]).
pub async fn pay(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    let started = crate::services::payment::start(&state, &me).await?;
    Ok(Redirect::to(&started.pay_url).into_response())
}

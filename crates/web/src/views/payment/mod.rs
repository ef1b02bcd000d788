//! 交费: the pay button, the local stand-in gateway and the 财务 role's 缴费与退费 page.

pub mod gateway;
pub mod pay;
pub mod returned;
pub mod staff;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/candidate/application/pay", post(pay::pay))
        .route(pay::RETURN_PATH, get(returned::returned))
        .route("/staff/payments", get(staff::payments))
        .route("/staff/payments/export.xlsx", get(staff::export))
}

//! 交费: the pay button and the local stand-in gateway.

pub mod gateway;
pub mod pay;

use axum::Router;
use axum::routing::post;

use crate::AppState;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new().route("/candidate/application/pay", post(pay::pay))
}

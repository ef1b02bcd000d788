//! 学位申请: the student's application, the school's batches, review and award.

pub mod apply;
pub mod batches;
pub mod report;
pub mod review;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/student/degree", get(apply::page))
        .route("/student/degree/template.xlsx", get(apply::template))
        .route("/student/degree/apply", get(apply::form).post(apply::save))
        .route(
            "/student/degree/upload",
            post(apply::upload).layer(DefaultBodyLimit::max(apply::UPLOAD_LIMIT)),
        )
        .route("/student/degree/submit", post(apply::submit))
        .route("/student/degree/files/{id}", get(apply::own_file))
        .route("/staff/degree", get(review::queue))
        .route(
            "/staff/degree-batches",
            get(batches::page).post(batches::create),
        )
        .route("/staff/degree-batches/{id}/window", post(batches::window))
        .route(
            "/staff/degree-batches/{id}/appeal-days",
            post(batches::appeal_days),
        )
        .route("/staff/degree/export.xlsx", get(review::export))
        .route("/staff/degree/award", post(review::award))
        .route("/staff/degree/report.xlsx", get(report::download))
        .route("/staff/degree/{id}", get(review::detail))
        .route("/staff/degree/{id}/review", post(review::review))
        .route("/staff/degree/{id}/files/{file_id}", get(review::file))
}

//! 学位外语: the student's applications and the school's review and rules.

pub mod apply;
pub mod review;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/student/language", get(apply::page))
        .route(
            "/student/language/{batch_id}/apply",
            get(apply::form)
                .post(apply::submit)
                .layer(DefaultBodyLimit::max(crate::routes::UPLOAD_LIMIT)),
        )
        .route("/student/language/applications/{id}", get(apply::detail))
        .route(
            "/student/language/applications/{id}/withdraw",
            post(apply::withdraw),
        )
        .route(
            "/student/language/applications/{id}/files/{file_id}",
            get(apply::file),
        )
        .route("/student/inbox", get(apply::inbox_page))
        .route("/student/inbox/read", post(apply::inbox_read))
        .route("/staff/language", get(review::queue))
        .route("/staff/language/export.xlsx", get(review::export))
        .route("/staff/language/bulk", post(review::bulk))
        .route("/staff/language/{id}", get(review::detail))
        .route("/staff/language/{id}/decide", post(review::decide))
        .route("/staff/language/{id}/files/{file_id}", get(review::file))
        .route(
            "/staff/degree-rules",
            get(review::rules_page).post(review::rules_save),
        )
}

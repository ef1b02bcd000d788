//! 陈述申辩 / 复核: the student's filing against a decision on their degree or 学位外语
//! application, the candidate's against the final rejection of their graduation application,
//! and the deciding organisation's list, detail and outcome.

pub mod candidate;
pub mod staff;
pub mod student;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;
use crate::services::appeal::BODY_LIMIT;

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/student/appeals/{kind}/{subject_id}",
            get(student::page)
                .post(student::file)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route(
            "/student/appeals/files/{appeal_id}/{file_id}",
            get(student::own_file),
        )
        .route(
            "/candidate/appeals/graduation/{subject_id}",
            get(candidate::page)
                .post(candidate::file)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route(
            "/candidate/appeals/files/{appeal_id}/{file_id}",
            get(candidate::own_file),
        )
        .route("/staff/appeals", get(staff::list))
        .route("/staff/appeals/{id}", get(staff::detail))
        .route("/staff/appeals/{id}/decision", post(staff::decide))
        .route("/staff/appeals/{id}/files/{file_id}", get(staff::file))
}

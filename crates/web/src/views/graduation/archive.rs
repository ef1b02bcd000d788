//! The 毕业生电子档案 (seed 003 §(三)3): rendered right after the final
//! approval from what was approved, with a 免考课程审核单 per online exemption, stored with the
//! application's files and served to the candidate and to reviewers who may see the application.
//! The queued row is written in the approval's transaction; if rendering fails here (say, no font
//! installed yet), the first request for the document renders it.

use axum::extract::{Path, State};
use axum::response::Response;
use store::entity::graduation_application as app;

use crate::AppState;
use crate::error::AppError;
use crate::services::archive::build;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::views::graduation::printouts::{no_font_page, own, pdf_response, visible};

async fn serve(state: &AppState, a: &app::Model) -> Result<Response, AppError> {
    let Some(row) = build(state, a).await? else {
        return Err(AppError::NotFound(
            "毕业生电子档案在毕业申请终审通过后生成".to_owned(),
        ));
    };
    let Some(key) = row.object_key else {
        return Ok(no_font_page());
    };
    let pdf = state
        .objects
        .get(&key)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let cand = store::repo::candidate::get(&state.db, a.candidate_id).await?;
    Ok(pdf_response(
        format!("{}-archive.pdf", cand.admission_no),
        pdf,
    ))
}

/// GET /candidate/application/archive.pdf
pub async fn candidate_archive(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    let a = own(&state, &me).await?;
    serve(&state, &a).await
}

/// GET /staff/applications/{id}/archive.pdf
pub async fn staff_archive(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    me.require_read()?;
    let a = visible(&state, &me, id).await?;
    serve(&state, &a).await
}

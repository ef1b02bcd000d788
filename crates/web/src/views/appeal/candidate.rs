//! The candidate's side: after the final rejection of their graduation application (rejected,
//! and still rejected when the batch closed), the decision with its deadline in Beijing time,
//! the filing form, and afterwards where the appeal stands. Only the candidate whose
//! application it is sees any of it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::appeal::AppealKind;
use store::appeal as appeals;
use store::repo::RepoError;

use super::student::{Done, Typed, render_with};
use crate::AppState;
use crate::error::AppError;
use crate::services::appeal::{self as service, KEEP};
use crate::session::CurrentCandidate;
use crate::upload::{CheckedMultipart, read_many};
use crate::views::Layout;

async fn render(
    state: &AppState,
    me: &CurrentCandidate,
    subject_id: i64,
    typed: Typed,
) -> Result<String, AppError> {
    let target = service::candidate_target(state, me, subject_id).await?;
    let layout = Layout::candidate(
        "陈述申辩",
        &me.model.name,
        &me.ctx,
        "/candidate/application/progress",
    );
    render_with(
        state,
        layout,
        AppealKind::Graduation,
        subject_id,
        target,
        typed,
    )
    .await
}

/// GET /candidate/appeals/graduation/{subject_id}: the final rejection, its deadline, the form
/// or the appeal already filed.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(subject_id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Html<String>, AppError> {
    let message = (q.done() == Some("filed"))
        .then(|| "申辩已提交，驳回该申请的机构复核后会将处理结果发到收件箱".to_owned());
    let typed = Typed {
        statement: String::new(),
        errors: Vec::new(),
        message,
    };
    Ok(Html(render(&state, &me, subject_id, typed).await?))
}

/// POST /candidate/appeals/graduation/{subject_id} (multipart: csrf_token, statement, files).
pub async fn file(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(subject_id): Path<i64>,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let (mut fields, uploads) = match read_many(multipart, "files", KEEP).await {
        Ok(read) => read,
        Err(Ok(e)) => return Err(e),
        Err(Err(m)) => {
            let typed = Typed {
                statement: String::new(),
                errors: vec![("files".to_owned(), m)],
                message: None,
            };
            let html = render(&state, &me, subject_id, typed).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let statement = fields.remove("statement").unwrap_or_default();
    match service::file_candidate(&state, &me, subject_id, &statement, uploads).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?done=filed",
            service::filing_href(AppealKind::Graduation, subject_id)
        ))
        .into_response()),
        Err(e) => {
            let status = match &e {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => return Err(e),
            };
            let errors = match e {
                AppError::Invalid(list) => list,
                AppError::Conflict(m) => vec![(String::new(), m)],
                _ => Vec::new(),
            };
            let typed = Typed {
                statement,
                errors,
                message: None,
            };
            let html = render(&state, &me, subject_id, typed).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// GET /candidate/appeals/files/{appeal_id}/{file_id}: the candidate's own files only.
pub async fn own_file(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path((appeal_id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let found =
        match appeals::for_appellant(&state.db, appeals::CANDIDATE, me.model.id, appeal_id).await {
            Ok(a) => appeals::file_of(&state.db, a.id, file_id).await,
            Err(e) => Err(e),
        };
    match found {
        Ok(f) => super::staff::serve(&state, &f).await,
        Err(RepoError::NotFound) => {
            tracing::warn!(
                candidate = me.model.id,
                appeal = appeal_id,
                "request denied: another candidate's appeal file"
            );
            Err(AppError::NotFound("未找到该文件".to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

//! 13位准考证查询 (seed 003 §(一)1): a candidate who obtained results under an older 13-character
//! admission number enters it here after signing in with the 12-digit one. The number links only
//! when its records carry the candidate's own ID number; its results are then listed and brought
//! into the platform, where they count for graduation.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::{LegacyAdmissionNo, ScoreValue};
use serde::Deserialize;
use store::repo::RepoError;
use store::repo::score_backfill::legacy;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;
use crate::views::Layout;
use crate::views::graduation::application::ip;

/// One result under a linked number.
pub struct ScoreLine {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// Result.
    pub score: String,
    /// Passed?
    pub passed: bool,
    /// Exam date.
    pub date: String,
}

/// A linked number and its results.
pub struct LinkedNo {
    /// The 13 characters.
    pub legacy_no: String,
    /// Its results.
    pub scores: Vec<ScoreLine>,
}

#[derive(Template)]
#[template(path = "candidate/legacy.html")]
struct Page {
    layout: Layout,
    legacy_no: String,
    error: Option<String>,
    message: Option<String>,
    linked: Vec<LinkedNo>,
}

async fn render(
    state: &AppState,
    me: &CurrentCandidate,
    legacy_no: String,
    error: Option<String>,
    message: Option<String>,
) -> Result<String, AppError> {
    let names = store::repo::reference::course_names(&state.db).await?;
    let linked = legacy::linked_of(&state.db, me.model.id)
        .await?
        .into_iter()
        .map(|(l, rows)| LinkedNo {
            legacy_no: l.legacy_no,
            scores: rows
                .into_iter()
                .map(|r| ScoreLine {
                    name: names.get(&r.course_code).cloned().unwrap_or_default(),
                    score: ScoreValue::from_db(r.score_tenths, r.passed)
                        .map(|v| v.display())
                        .unwrap_or_default(),
                    passed: r.passed,
                    date: r.exam_date.to_string(),
                    code: r.course_code,
                })
                .collect(),
        })
        .collect();
    Ok(Page {
        layout: Layout::candidate(
            "13位准考证查询",
            &me.model.name,
            &me.ctx,
            "/candidate/legacy",
        ),
        legacy_no,
        error,
        message,
        linked,
    }
    .render()?)
}

/// `?linked=N` after a link (N results brought over).
#[derive(Deserialize, Default)]
pub struct LinkedFlag {
    #[serde(default)]
    linked: Option<usize>,
}

/// GET /candidate/legacy
pub async fn page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<LinkedFlag>,
) -> Result<Html<String>, AppError> {
    let message = q.linked.map(|n| {
        if n == 0 {
            "该13位准考证号已关联到您的账号，其成绩已在管理平台中".to_owned()
        } else {
            format!("关联成功，{n}条成绩已转入管理平台，可在“成绩查询”中查看并用于申请毕业")
        }
    });
    Ok(Html(
        render(&state, &me, String::new(), None, message).await?,
    ))
}

/// The form.
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    legacy_no: String,
}

/// POST /candidate/legacy: check the format, then link (idempotent for the owner).
pub async fn link(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<LinkForm>,
) -> Result<Response, AppError> {
    let refused = |m: String| async {
        let html = render(&state, &me, f.legacy_no.clone(), Some(m), None).await?;
        Ok::<_, AppError>((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let no = match LegacyAdmissionNo::parse(&f.legacy_no) {
        Ok(n) => n,
        Err(e) => return refused(e.0).await,
    };
    match legacy::link(&state.db, &me.model, &no, state.now(), ip(&me.ctx)).await {
        Ok(done) => {
            Ok(Redirect::to(&format!("/candidate/legacy?linked={}", done.copied)).into_response())
        }
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => refused(m).await,
        Err(e) => Err(e.into()),
    }
}

//! 成绩补录 and 13位准考证查询 over JSON for the signed-in candidate: the same operations as the
//! pages ([`crate::views::backfill`], [`crate::views::legacy`]). Filing a backfill needs its scan
//! and stays on the page's multipart form.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use domain::backfill::{BackfillSource, BackfillStatus};
use domain::{LegacyAdmissionNo, ScoreValue};
use serde::{Deserialize, Serialize};
use store::repo::RepoError;
use store::repo::score_backfill::{self as backfills, legacy};

use super::ApiResult;
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;

/// One of the candidate's backfill requests.
#[derive(Serialize)]
pub struct BackfillJson {
    /// Id.
    pub id: i64,
    /// course_certificate / transfer_letter / practical_result_notice.
    pub source: String,
    /// 补录依据 label.
    pub source_label: String,
    /// Course code.
    pub course_code: String,
    /// Score as shown ("85", "合格").
    pub score: String,
    /// Date obtained.
    pub obtained_on: String,
    /// Certificate, letter or notice number.
    pub document_no: String,
    /// pending / approved / rejected.
    pub status: String,
    /// 待审核 / 已补录 / 已驳回.
    pub status_label: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Filed at (UTC).
    pub created_at: String,
}

/// GET /api/v1/backfills: the signed-in candidate's requests, newest first.
pub async fn list(
    State(state): State<AppState>,
    me: Result<CurrentCandidate, AppError>,
) -> ApiResult<Vec<BackfillJson>> {
    let me = me?;
    let rows = backfills::of_candidate(&state.db, me.model.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| BackfillJson {
                id: r.id,
                source_label: BackfillSource::from_code(&r.source)
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default(),
                source: r.source,
                course_code: r.course_code,
                score: ScoreValue::from_db(r.score_tenths, r.passed)
                    .map(|v| v.display())
                    .unwrap_or_default(),
                obtained_on: r.obtained_on.to_string(),
                document_no: r.document_no,
                status_label: BackfillStatus::from_code(&r.status)
                    .map(|s| s.label().to_owned())
                    .unwrap_or_default(),
                status: r.status,
                reason: r.decision_reason,
                created_at: r.created_at.to_rfc3339(),
            })
            .collect(),
    ))
}

/// One result under a linked number.
#[derive(Serialize)]
pub struct LegacyScoreJson {
    /// Course code.
    pub course_code: String,
    /// Score as shown.
    pub score: String,
    /// Passed?
    pub passed: bool,
    /// Exam date.
    pub exam_date: String,
}

/// A linked 13-character number with its results.
#[derive(Serialize)]
pub struct LegacyJson {
    /// The number.
    pub legacy_no: String,
    /// Its results.
    pub scores: Vec<LegacyScoreJson>,
}

/// GET /api/v1/legacy: the numbers linked to the signed-in candidate.
pub async fn linked(
    State(state): State<AppState>,
    me: Result<CurrentCandidate, AppError>,
) -> ApiResult<Vec<LegacyJson>> {
    let me = me?;
    let out = legacy::linked_of(&state.db, me.model.id)
        .await?
        .into_iter()
        .map(|(l, rows)| LegacyJson {
            legacy_no: l.legacy_no,
            scores: rows
                .into_iter()
                .map(|r| LegacyScoreJson {
                    score: ScoreValue::from_db(r.score_tenths, r.passed)
                        .map(|v| v.display())
                        .unwrap_or_default(),
                    passed: r.passed,
                    exam_date: r.exam_date.to_string(),
                    course_code: r.course_code,
                })
                .collect(),
        })
        .collect();
    Ok(Json(out))
}

/// The number to link.
#[derive(Deserialize)]
pub struct LinkJson {
    /// 13 characters, letters in either case.
    pub legacy_no: String,
}

/// The outcome of a link.
#[derive(Serialize)]
pub struct LinkedJson {
    /// False when it was already linked to this account.
    pub newly_linked: bool,
    /// Results brought into the platform by this call.
    pub copied: usize,
}

/// POST /api/v1/legacy {"legacy_no": "…"}: links the number (idempotent for its owner).
pub async fn link(
    State(state): State<AppState>,
    me: Result<CurrentCandidate, AppError>,
    body: Result<Json<LinkJson>, JsonRejection>,
) -> ApiResult<LinkedJson> {
    let me = me?;
    let Json(body) = body.map_err(|e| {
        AppError::Invalid(vec![("legacy_no".to_owned(), format!("请求体无效：{e}"))])
    })?;
    let no = LegacyAdmissionNo::parse(&body.legacy_no)
        .map_err(|e| AppError::Invalid(vec![("legacy_no".to_owned(), e.0)]))?;
    match legacy::link(&state.db, &me.model, &no, state.now(), Some(&me.ctx.ip)).await {
        Ok(l) => Ok(Json(LinkedJson {
            newly_linked: l.newly_linked,
            copied: l.copied,
        })),
        Err(RepoError::Invalid(m)) => {
            Err(AppError::Invalid(vec![("legacy_no".to_owned(), m)]).into())
        }
        Err(e) => Err(e.into()),
    }
}

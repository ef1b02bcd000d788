//! 学位外语 under `/api/v1`: the signed-in student's batches and applications, the same rows
//! as the page.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::ApiResult;
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStudent;

/// One batch as the 学位外语 table shows it.
#[derive(Serialize)]
pub struct LanguageRowJson {
    /// 序号.
    pub no: usize,
    /// Batch id.
    pub batch_id: i64,
    /// 批次名称.
    pub batch_name: String,
    /// 申请时间 (window, Beijing time).
    pub window: String,
    /// 申请条件.
    pub condition: String,
    /// The student's average, as text.
    pub actual: String,
    /// 申请状态: 已申请 or 未申请.
    pub applied: bool,
    /// 申请条件是否达标.
    pub condition_met: bool,
    /// Active application id.
    pub application_id: Option<i64>,
    /// 审核状态 code (pending / approved / rejected), empty without application.
    pub status: String,
    /// 审核状态 label.
    pub status_label: String,
    /// 审核意见.
    pub opinion: String,
    /// 合格状态 label.
    pub qualification: String,
    /// Whether 申请 is offered now.
    pub can_apply: bool,
    /// Whether 撤销申请 is offered now.
    pub can_withdraw: bool,
}

/// GET /api/v1/language
pub async fn list(
    State(state): State<AppState>,
    me: Result<CurrentStudent, AppError>,
) -> ApiResult<Vec<LanguageRowJson>> {
    let me = me?;
    let rows = crate::views::language::rows(&state, &me).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| LanguageRowJson {
                no: r.no,
                batch_id: r.batch_id,
                batch_name: r.batch_name,
                window: r.window,
                condition: r.rule,
                actual: r.actual,
                applied: r.applied,
                condition_met: r.met,
                application_id: r.app_id,
                status: r.status_code,
                status_label: r.status,
                opinion: r.opinion,
                qualification: r.qualification,
                can_apply: r.can_apply,
                can_withdraw: r.can_withdraw,
            })
            .collect(),
    ))
}

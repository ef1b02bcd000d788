//! 毕业审核 over JSON: the same queue and the same decisions as the staff pages
//! ([`crate::views::review`]), for integrations.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};

use super::{ApiError, ApiResult};
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::views::review::{self, DecisionInput, QueueLine, QueueQuery};

/// One page of a queue.
#[derive(Serialize)]
pub struct QueueJson {
    /// Applications matching the filters.
    pub total: u64,
    /// This page, 1-based.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// The applications on this page (ID numbers masked).
    pub items: Vec<QueueLine>,
}

/// GET /api/v1/reviews?batch=&major=&status=pending|decided&q=&page=
pub async fn list(
    State(state): State<AppState>,
    me: Result<CurrentStaff, AppError>,
    Query(q): Query<QueueQuery>,
) -> ApiResult<QueueJson> {
    let me = me?;
    let page = review::load_queue(&state, &me.org, &q).await?;
    Ok(Json(QueueJson {
        total: page.total,
        page: page.page,
        per_page: review::PER_PAGE,
        items: page.lines,
    }))
}

/// A decision on one application.
#[derive(Debug, Deserialize)]
pub struct DecisionJson {
    /// The stage being decided, as the caller last saw the application.
    pub stage: usize,
    /// `approve` or `reject`.
    pub decision: String,
    /// Free text of the reason (补充说明); with `reason_code`, at least one is needed to reject.
    #[serde(default)]
    pub reason: String,
    /// Code of a common reason from the catalogue.
    #[serde(default)]
    pub reason_code: String,
    /// With `approve`: the reviewer checked that the 实习(实验)考核合格成绩通知单 bears the seal
    /// of the applied chief university's college (Yunnan); required where the notice was filed.
    #[serde(default)]
    pub seal_confirmed: bool,
}

/// The application after a decision.
#[derive(Serialize)]
pub struct DecidedJson {
    /// Application id.
    pub id: i64,
    /// Status code after the decision.
    pub status: String,
    /// The stage it is at now, if any.
    pub stage: Option<i32>,
    /// The reason the candidate sees, after a rejection.
    pub rejection_reason: Option<String>,
}

/// POST /api/v1/reviews/{id}/decision
pub async fn decision(
    State(state): State<AppState>,
    me: Result<CurrentStaff, AppError>,
    Path(id): Path<i64>,
    body: Result<Json<DecisionJson>, JsonRejection>,
) -> ApiResult<DecidedJson> {
    let me = me?;
    let Json(body) = body.map_err(|e| {
        AppError::Invalid(vec![(
            String::new(),
            format!("请求内容无效：{}", e.body_text()),
        )])
    })?;
    let input = DecisionInput {
        decision: body.decision,
        reason_code: body.reason_code,
        reason_text: body.reason,
    };
    let decision = input
        .decision()
        .map_err(|m| ApiError::from(AppError::Invalid(vec![("reason".to_owned(), m)])))?;
    let a = review::decide_one(&state, &me, id, body.stage, decision, body.seal_confirmed).await?;
    Ok(Json(DecidedJson {
        id: a.id,
        status: a.status,
        stage: a.stage,
        rejection_reason: a.rejection_reason,
    }))
}

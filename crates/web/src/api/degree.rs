//! 学位申请 over JSON for the signed-in student: the 学位审核条件 of the current degree batch and
//! where the application stands, as on the page [`crate::views::degree`].

use axum::Json;
use axum::extract::State;
use domain::degree::conditions::refusal;
use domain::degree::{DegreeAward, DegreeReview};
use serde::Serialize;
use store::degree::application as degree;

use super::ApiResult;
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStudent;
use crate::views::degree::{conditions, current_batch};

/// One 学位审核条件 row.
#[derive(Serialize)]
pub struct ConditionJson {
    /// 条件.
    pub rule: String,
    /// 当前状态.
    pub current: String,
    /// 是否合格.
    pub passed: bool,
}

/// The student's degree application in the batch, if any.
#[derive(Serialize)]
pub struct ApplicationJson {
    /// Id.
    pub id: i64,
    /// draft / submitted.
    pub status: String,
    /// pending / approved / rejected, with its label.
    pub review_status: Option<String>,
    /// 待审核 / 审核通过 / 审核不通过.
    pub review_label: Option<String>,
    /// 审核意见.
    pub review_opinion: Option<String>,
    /// awarded / not_awarded.
    pub award: Option<String>,
    /// 授予 / 不授予.
    pub award_label: Option<String>,
}

/// The answer of GET /api/v1/degree.
#[derive(Serialize)]
pub struct DegreeJson {
    /// 当前学位批次; `None` when the school has none.
    pub batch: Option<String>,
    /// The conditions, in the seed's order.
    pub conditions: Vec<ConditionJson>,
    /// Why applying is refused, if it is.
    pub refusal: Option<String>,
    /// The application.
    pub application: Option<ApplicationJson>,
}

/// GET /api/v1/degree
pub async fn status(
    State(state): State<AppState>,
    me: Result<CurrentStudent, AppError>,
) -> ApiResult<DegreeJson> {
    let me = me?;
    let Some(b) = current_batch(&state, &me.model).await? else {
        return Ok(Json(DegreeJson {
            batch: None,
            conditions: Vec::new(),
            refusal: None,
            application: None,
        }));
    };
    let conds = conditions(&state, &me.model, &b).await?;
    let why = refusal(&conds);
    let a = degree::of_student(&state.db, me.model.id, b.id).await?;
    Ok(Json(DegreeJson {
        batch: Some(b.name),
        conditions: conds
            .into_iter()
            .map(|c| ConditionJson {
                rule: c.rule,
                current: c.current,
                passed: c.passed,
            })
            .collect(),
        refusal: why,
        application: a.map(|a| ApplicationJson {
            id: a.id,
            status: a.status,
            review_label: a
                .review_status
                .as_deref()
                .and_then(DegreeReview::from_code)
                .map(|r| r.label().to_owned()),
            review_status: a.review_status,
            review_opinion: a.review_opinion,
            award_label: a
                .award
                .as_deref()
                .and_then(DegreeAward::from_code)
                .map(|x| x.label().to_owned()),
            award: a.award,
        }),
    }))
}

//! 学位申请 over JSON for the signed-in student: the 学位审核条件 of the current degree batch and
//! where the application stands, as on the page [`crate::views::degree`].

use axum::Json;
use axum::extract::State;
use domain::degree::conditions::refusal;
use domain::degree::{DegreeAward, DegreeReview};
use serde::Serialize;
use store::degree::application as degree;
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;

use super::{Api, ApiResult, codes_schema};
use crate::AppState;
use crate::error::ErrorBody;
use crate::session::CurrentStudent;

fn review_schema() -> Object {
    codes_schema(
        DegreeReview::ALL.iter().map(|r| r.code()),
        true,
        "学位申请审核状态代码（提交后才有）",
    )
}

fn award_schema() -> Object {
    codes_schema(
        DegreeAward::ALL.iter().map(|a| a.code()),
        true,
        "学位授予结果代码（记录后才有）",
    )
}
use crate::services::degree::{conditions, current_batch};

/// 一条学位审核条件。
#[derive(Serialize, ToSchema)]
pub struct ConditionJson {
    /// 条件。
    pub rule: String,
    /// 当前状态。
    pub current: String,
    /// 是否合格。
    pub passed: bool,
}

/// 本人在该批次的学位申请。
#[derive(Serialize, ToSchema)]
pub struct ApplicationJson {
    /// 学位申请 id。
    pub id: i64,
    /// 申请状态：draft 填写中，submitted 已提交。
    pub status: String,
    /// 审核状态 code, once submitted.
    #[schema(schema_with = review_schema)]
    pub review_status: Option<String>,
    /// 审核状态（待审核、审核通过、审核不通过）。
    pub review_label: Option<String>,
    /// 审核意见。
    pub review_opinion: Option<String>,
    /// 学位授予结果 code, once recorded.
    #[schema(schema_with = award_schema)]
    pub award: Option<String>,
    /// 学位授予结果（授予、不授予）。
    pub award_label: Option<String>,
}

/// 学位审核条件与申请状态。
#[derive(Serialize, ToSchema)]
pub struct DegreeJson {
    /// 当前学位批次名称；学校没有学位批次时为 null。
    pub batch: Option<String>,
    /// 学位审核条件。
    pub conditions: Vec<ConditionJson>,
    /// 不可申请时的原因。
    pub refusal: Option<String>,
    /// 本人的学位申请，尚未申请时为 null。
    pub application: Option<ApplicationJson>,
}

/// 学位申请：当前学位批次的学位审核条件（条件、当前状态、是否合格）与本人申请的申请状态、审核状态、审核意见、学位授予结果。
#[utoipa::path(
    get,
    path = "/api/v1/degree",
    operation_id = "get_degree",
    tag = "学位",
    security(("session" = [])),
    responses(
        (status = 200, description = "学位审核条件与申请状态；学校没有学位批次时 batch 为 null", body = DegreeJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
) -> ApiResult<DegreeJson> {
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

//! A continuing-education school's admin over the API: 学位条件设置 (thresholds and review
//! stages) and the school's 学位外语 and 学位申请 batches, through the service the pages call
//! ([`crate::services::school`]).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::degree::stages::names_text;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::school as service;
use crate::session::CurrentStaff;

/// 学位条件设置。
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RulesJson {
    /// 学位外语申请条件：考试课程平均成绩不低于（分，0–100，最多一位小数）。
    #[schema(max_length = 10)]
    pub language_min_average: String,
    /// 学位申请条件：课程平均成绩（不含毕业课程）不低于（分）。
    #[schema(max_length = 10)]
    pub degree_min_average: String,
    /// 学位申请条件：每门学位主干课最低成绩不低于（分）。
    #[schema(max_length = 10)]
    pub degree_min_core: String,
    /// 学位外语审核环节，按审核顺序（1–5 个，每个最多 20 字，不重复）。
    #[schema(max_items = 10)]
    pub language_stages: Vec<String>,
    /// 学位申请审核环节，按审核顺序；最后一个环节通过后方可登记学位授予结果。
    #[schema(max_items = 10)]
    pub degree_stages: Vec<String>,
}

impl From<service::Rules> for RulesJson {
    fn from(r: service::Rules) -> Self {
        let list = |t: &str| t.lines().map(str::to_owned).collect();
        RulesJson {
            language_stages: list(&r.language_stages),
            degree_stages: list(&r.degree_stages),
            language_min_average: r.language_min_average,
            degree_min_average: r.degree_min_average,
            degree_min_core: r.degree_min_core,
        }
    }
}

/// 本校的学位条件设置。
#[utoipa::path(
    get,
    path = "/api/v1/degree/rules",
    operation_id = "get_degree_rules",
    tag = "学位",
    security(("session" = [])),
    responses(
        (status = 200, description = "当前的学位条件与审核环节", body = RulesJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的管理员", body = ErrorBody),
    )
)]
pub async fn get_rules(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
) -> ApiResult<RulesJson> {
    Ok(Json(service::rules(&state, &me).await?.into()))
}

/// 保存学位条件设置：只影响此后创建的批次，已创建的批次保持创建时的条件和审核环节。
#[utoipa::path(
    put,
    path = "/api/v1/degree/rules",
    operation_id = "save_degree_rules",
    tag = "学位",
    request_body = RulesJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = RulesJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "分数或审核环节不符合要求（fields 指明每个字段）", body = ErrorBody),
    )
)]
pub async fn save_rules(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiJson(body): ApiJson<RulesJson>,
) -> ApiResult<RulesJson> {
    let input = service::Rules {
        language_min_average: body.language_min_average,
        degree_min_average: body.degree_min_average,
        degree_min_core: body.degree_min_core,
        language_stages: names_text(&body.language_stages),
        degree_stages: names_text(&body.degree_stages),
    };
    service::save_rules(&state, &me, &input).await?;
    Ok(Json(service::rules(&state, &me).await?.into()))
}

/// 本校的一个学位外语或学位申请批次。
#[derive(Serialize, ToSchema)]
pub struct BatchJson {
    /// 批次 id。
    pub id: i64,
    /// 批次类型：language 学位外语，degree 学位申请。
    pub kind: String,
    /// 批次名称。
    pub name: String,
    /// 申请开始时间。
    pub opens_at: DateTime<Utc>,
    /// 申请截止时间（不含）。
    pub closes_at: DateTime<Utc>,
    /// 创建时复制的平均成绩条件（分）。
    pub min_average: Option<String>,
    /// 创建时复制的学位主干课最低成绩（分），仅学位申请批次。
    pub min_core: Option<String>,
    /// 创建时复制的审核环节，按顺序。
    pub stages: Vec<String>,
}

impl From<service::Batch> for BatchJson {
    fn from(b: service::Batch) -> Self {
        let points = |t: Option<i32>| t.map(domain::degree::threshold_display);
        BatchJson {
            id: b.batch.id,
            min_average: points(b.batch.min_average_tenths),
            min_core: points(b.batch.min_core_tenths),
            kind: b.batch.kind,
            name: b.batch.name,
            opens_at: b.batch.opens_at,
            closes_at: b.batch.closes_at,
            stages: b.stages,
        }
    }
}

/// 本校的学位外语和学位申请批次，按申请开始时间从新到旧。
#[utoipa::path(
    get,
    path = "/api/v1/degree/batches",
    operation_id = "list_degree_batches",
    tag = "学位",
    security(("session" = [])),
    responses(
        (status = 200, description = "本校的批次", body = Vec<BatchJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的管理员", body = ErrorBody),
    )
)]
pub async fn list_batches(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
) -> ApiResult<Vec<BatchJson>> {
    let all = service::batches(&state, &me).await?;
    Ok(Json(all.into_iter().map(BatchJson::from).collect()))
}

/// 新建批次。
#[derive(Deserialize, ToSchema)]
pub struct NewBatchJson {
    /// 批次类型。
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// 批次名称，1–50 个字，同类型内不重复。
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// 申请开始时间。
    pub opens_at: DateTime<Utc>,
    /// 申请截止时间，须晚于开始时间。
    pub closes_at: DateTime<Utc>,
}

fn kind_schema() -> Object {
    codes_schema(
        store::degree::batches::KINDS.iter().map(|(k, _)| *k),
        false,
        "批次类型：language 学位外语，degree 学位申请",
    )
}

/// 新建学位外语或学位申请批次；批次复制本校当前的学位条件和审核环节。
#[utoipa::path(
    post,
    path = "/api/v1/degree/batches",
    operation_id = "create_degree_batch",
    tag = "学位",
    request_body = NewBatchJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已创建", body = BatchJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "已有同名同类型的批次", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "名称、类型或时间不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn create_batch(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiJson(body): ApiJson<NewBatchJson>,
) -> Result<Response, ApiError> {
    let b = service::create_batch(
        &state,
        &me,
        &body.kind,
        &body.name,
        body.opens_at,
        body.closes_at,
    )
    .await?;
    let stages = store::degree::stages_of(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    let json = BatchJson::from(service::Batch { batch: b, stages });
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// 批次 id。
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BatchId {
    /// 批次 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 新的申请时间。
#[derive(Deserialize, ToSchema)]
pub struct WindowJson {
    /// 申请开始时间。
    pub opens_at: DateTime<Utc>,
    /// 申请截止时间，须晚于开始时间。
    pub closes_at: DateTime<Utc>,
}

/// 修改本校一个批次的申请时间。
#[utoipa::path(
    put,
    path = "/api/v1/degree/batches/{id}/window",
    operation_id = "move_degree_batch_window",
    tag = "学位",
    params(BatchId),
    request_body = WindowJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已修改", body = BatchJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不是本校的批次", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "截止时间不晚于开始时间（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn move_window(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(BatchId { id }): ApiPath<BatchId>,
    ApiJson(body): ApiJson<WindowJson>,
) -> ApiResult<BatchJson> {
    let b = service::move_window(&state, &me, id, body.opens_at, body.closes_at).await?;
    let stages = store::degree::stages_of(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| s.name)
        .collect();
    Ok(Json(service::Batch { batch: b, stages }.into()))
}

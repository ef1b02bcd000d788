//! 毕业批次 over the API for the admins of a province's office: list, create, move a window, end
//! applications now, through the service the page calls ([`crate::services::grad_batches`]).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use store::entity::batch;
use store::graduation::batches::Phase;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::grad_batches as service;
use crate::session::CurrentStaff;

/// 本省的一个毕业批次。
#[derive(Serialize, ToSchema)]
pub struct GraduationBatchJson {
    /// 批次 id。
    pub id: i64,
    /// 批次名称。
    pub name: String,
    /// 申请开始时间。
    pub opens_at: DateTime<Utc>,
    /// 申请截止时间（不含）。
    pub closes_at: DateTime<Utc>,
    /// 状态：未开始、申请中或已截止。
    pub status: String,
    /// 申请人数。
    pub applications: u64,
}

impl GraduationBatchJson {
    fn of(b: batch::Model, applications: u64, now: DateTime<Utc>) -> Self {
        GraduationBatchJson {
            status: Phase::of(&b, now).label().to_owned(),
            id: b.id,
            name: b.name,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            applications,
        }
    }
}

async fn one(state: &AppState, b: batch::Model) -> Result<GraduationBatchJson, ApiError> {
    let n = service::applications_in(state, b.id).await?;
    Ok(GraduationBatchJson::of(b, n, state.now()))
}

/// 本省的毕业批次，按申请开始时间从新到旧。
#[utoipa::path(
    get,
    path = "/api/v1/graduation/batches",
    operation_id = "list_graduation_batches",
    tag = "毕业申请",
    security(("session" = [])),
    responses(
        (status = 200, description = "本省的毕业批次及申请人数", body = Vec<GraduationBatchJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是省级考试机构的管理员", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
) -> ApiResult<Vec<GraduationBatchJson>> {
    let now = state.now();
    let all = service::list(&state, &me).await?;
    Ok(Json(
        all.into_iter()
            .map(|l| GraduationBatchJson::of(l.batch, l.applications, now))
            .collect(),
    ))
}

/// 新建毕业批次。
#[derive(Deserialize, ToSchema)]
pub struct NewGraduationBatchJson {
    /// 批次名称，1–40 个字。
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// 申请开始时间。
    pub opens_at: DateTime<Utc>,
    /// 申请截止时间，须晚于开始时间。
    pub closes_at: DateTime<Utc>,
}

/// 新建本省的毕业批次：批次复制当前的审核环节、费用和图片大小上限；申请时间不能与本省其他毕业批次重叠（可首尾相接）。
#[utoipa::path(
    post,
    path = "/api/v1/graduation/batches",
    operation_id = "create_graduation_batch",
    tag = "毕业申请",
    request_body = NewGraduationBatchJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已创建", body = GraduationBatchJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是省级考试机构的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "申请时间与本省另一个毕业批次重叠（message 指明该批次及其申请时间）", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "名称或时间不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiJson(body): ApiJson<NewGraduationBatchJson>,
) -> Result<Response, ApiError> {
    let b = service::create(&state, &me, &body.name, body.opens_at, body.closes_at).await?;
    let json = one(&state, b).await?;
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

/// 毕业批次 id。
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GraduationBatchId {
    /// 毕业批次 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 新的申请时间。
#[derive(Deserialize, ToSchema)]
pub struct GraduationWindowJson {
    /// 申请开始时间；已开始且已有申请的批次不能修改。
    pub opens_at: DateTime<Utc>,
    /// 申请截止时间，须晚于开始时间；已截止的批次改到以后即重新开放。
    pub closes_at: DateTime<Utc>,
}

/// 调整本省一个毕业批次的申请时间。
#[utoipa::path(
    put,
    path = "/api/v1/graduation/batches/{id}",
    operation_id = "move_graduation_batch",
    tag = "毕业申请",
    params(GraduationBatchId),
    request_body = GraduationWindowJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已调整", body = GraduationBatchJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是省级考试机构的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不是本省的毕业批次", body = ErrorBody),
        (status = 409, description = "申请时间与本省另一个毕业批次重叠", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "截止时间不晚于开始时间，或已开始且已有申请的批次修改了开始时间（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn move_window(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(GraduationBatchId { id }): ApiPath<GraduationBatchId>,
    ApiJson(body): ApiJson<GraduationWindowJson>,
) -> ApiResult<GraduationBatchJson> {
    let b = service::move_window(&state, &me, id, body.opens_at, body.closes_at).await?;
    Ok(Json(one(&state, b).await?))
}

/// 结束本省一个毕业批次的申请：申请截止时间改为现在。
#[utoipa::path(
    post,
    path = "/api/v1/graduation/batches/{id}/close",
    operation_id = "close_graduation_batch",
    tag = "毕业申请",
    params(GraduationBatchId),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已结束申请", body = GraduationBatchJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是省级考试机构的管理员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不是本省的毕业批次", body = ErrorBody),
        (status = 422, description = "批次已截止或尚未开始", body = ErrorBody),
    )
)]
pub async fn close(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(GraduationBatchId { id }): ApiPath<GraduationBatchId>,
) -> ApiResult<GraduationBatchJson> {
    let b = service::close(&state, &me, id).await?;
    Ok(Json(one(&state, b).await?))
}

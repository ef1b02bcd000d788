//! The candidate's own record over JSON — 修改信息, 新增在籍专业, 考籍更正 — and the decision on a
//! correction by the organisation that handles it: the same operations as the pages
//! ([`crate::views::accounts::candidate`], [`crate::views::graduation::record_correction`])
//! through [`crate::services::profile`] and [`crate::services::corrections`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use store::repo::record_correction::{Decision, Field};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::{corrections, profile};
use crate::session::{CurrentCandidate, CurrentStaff};

/// 联系方式。
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ContactJson {
    /// 联系电话（11 位手机号或带区号的固定电话）。
    #[schema(max_length = 20)]
    pub phone: String,
    /// 通讯地址。
    #[schema(max_length = 100)]
    pub address: String,
}

/// 修改信息：联系电话与通讯地址，两项都符合要求才保存。
#[utoipa::path(
    put,
    path = "/api/v1/profile/contact",
    operation_id = "save_contact",
    tag = "考生",
    request_body = ContactJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = ContactJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "电话或地址不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save_contact(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<ContactJson>,
) -> ApiResult<ContactJson> {
    let c = profile::change_contact(&state, &me, &body.phone, &body.address).await?;
    Ok(Json(ContactJson {
        phone: c.phone.unwrap_or_default(),
        address: c.address.unwrap_or_default(),
    }))
}

/// 新增的在籍专业。
#[derive(Deserialize, ToSchema)]
pub struct EnrolJson {
    /// 本省的专业 id。
    #[schema(minimum = 1)]
    pub major_id: i64,
}

/// 新增在籍专业（本省的专业，每个一次）。
#[utoipa::path(
    post,
    path = "/api/v1/profile/majors",
    operation_id = "add_enrolled_major",
    tag = "考生",
    request_body = EnrolJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已新增"),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "已是在籍专业", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "专业不存在或不是本省的专业（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn add_major(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<EnrolJson>,
) -> Result<StatusCode, ApiError> {
    profile::add_major(&state, &me, body.major_id).await?;
    Ok(StatusCode::CREATED)
}

fn field_schema() -> Object {
    codes_schema(Field::ALL.iter().map(|f| f.code()), false, "更正项目代码")
}

/// 考籍更正申请。
#[derive(Deserialize, ToSchema)]
pub struct CorrectionJson {
    /// 更正项目。
    #[schema(schema_with = field_schema)]
    pub field: String,
    /// 更正为。
    #[schema(max_length = 100)]
    pub new_value: String,
    /// 更正理由。
    #[schema(max_length = 200)]
    pub reason: String,
}

/// 申请考籍更正：个人信息有误或变更时，交考试机构审核。
#[utoipa::path(
    post,
    path = "/api/v1/corrections",
    operation_id = "file_correction",
    tag = "考生",
    request_body = CorrectionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已提交"),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "该项目已有待审核的更正申请", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "项目、新内容或理由不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn file_correction(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<CorrectionJson>,
) -> Result<StatusCode, ApiError> {
    corrections::file(&state, &me, &body.field, &body.new_value, &body.reason).await?;
    Ok(StatusCode::CREATED)
}

/// The request in `/api/v1/corrections/{id}/decision`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CorrectionId {
    /// 考籍更正申请 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 考籍更正审核结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CorrectionDecisionKind {
    /// 通过：考生信息随之更正。
    Approve,
    /// 驳回（须填写 2 至 200 字的审核意见）。
    Reject,
}

/// 对一份考籍更正申请的审核。
#[derive(Deserialize, ToSchema)]
pub struct CorrectionDecisionJson {
    /// approve 通过；reject 驳回。
    #[schema(inline)]
    pub decision: CorrectionDecisionKind,
    /// 审核意见；驳回时必填。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub opinion: String,
}

/// 考籍更正审核：区县（州市）考试机构通过或驳回本机构范围内的一份待审核申请。
#[utoipa::path(
    post,
    path = "/api/v1/corrections/{id}/decision",
    operation_id = "decide_correction",
    tag = "考生",
    params(CorrectionId),
    request_body = CorrectionDecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "已审核"),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是审核考籍更正的机构，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不在本机构范围内", body = ErrorBody),
        (status = 409, description = "已审核", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "驳回缺少审核意见等（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn decide_correction(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(CorrectionId { id }): ApiPath<CorrectionId>,
    ApiJson(body): ApiJson<CorrectionDecisionJson>,
) -> Result<StatusCode, ApiError> {
    let decision = match body.decision {
        CorrectionDecisionKind::Approve => Decision::Approve,
        CorrectionDecisionKind::Reject => Decision::Reject(body.opinion),
    };
    corrections::decide(&state, &me, id, decision).await?;
    Ok(StatusCode::NO_CONTENT)
}

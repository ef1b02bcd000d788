//! 前置学历人工审核 over JSON for staff: the stamped copy and the originals checked by the
//! confirmation point (or chief university), the provincial office's final review — the same
//! operations as the page ([`crate::views::review::prior`]) through
//! [`crate::services::prior_review`].

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::prior_review as service;
use crate::session::CurrentStaff;
use crate::upload::{CheckedMultipart, read_upload};

/// The application in `/api/v1/prior-reviews/{id}/…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PriorReviewId {
    /// 毕业申请 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 前置学历审核的进展。
#[derive(Serialize, ToSchema)]
pub struct PriorReviewJson {
    /// 毕业申请 id。
    pub id: i64,
    /// 前置学历核查状态：manual 待考生提交，awaiting_originals 待现场核验原件，awaiting_final
    /// 待省招生考试院终审，verified 已通过。
    pub prior_check: String,
}

impl From<store::entity::graduation_application::Model> for PriorReviewJson {
    fn from(a: store::entity::graduation_application::Model) -> Self {
        PriorReviewJson {
            id: a.id,
            prior_check: a.prior_check,
        }
    }
}

/// 盖章复印件（multipart/form-data）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct StampedUpload {
    /// 加盖“复印件与原件一致”的复印件扫描件（.jpg），不超过本省的扫描件上限。
    #[schema(format = Binary, content_media_type = "image/jpeg")]
    file: String,
}

/// 上传盖章复印件：考生到本机构核验原件后，上传加盖“复印件与原件一致”的复印件。
#[utoipa::path(
    post,
    path = "/api/v1/prior-reviews/{id}/stamped-copy",
    operation_id = "upload_prior_stamped_copy",
    tag = "毕业审核",
    params(PriorReviewId),
    request_body(content = StampedUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已上传", body = PriorReviewJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在，或不在本机构的前置学历审核范围内", body = ErrorBody),
        (status = 409, description = "申请状态已变化", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "扫描件不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn upload_stamped(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(PriorReviewId { id }): ApiPath<PriorReviewId>,
    multipart: CheckedMultipart,
) -> ApiResult<PriorReviewJson> {
    let form = read_upload(multipart)
        .await
        .map_err(super::application::read_failed)?;
    let a = service::upload_stamped(&state, &me, id, form.file).await?;
    Ok(Json(a.into()))
}

/// 确认原件已核验：申请转省招生考试院终审（须先上传盖章复印件）。
#[utoipa::path(
    post,
    path = "/api/v1/prior-reviews/{id}/originals-checked",
    operation_id = "record_prior_originals_checked",
    tag = "毕业审核",
    params(PriorReviewId),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已确认", body = PriorReviewJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在，或不在本机构的前置学历审核范围内", body = ErrorBody),
        (status = 409, description = "申请状态已变化", body = ErrorBody),
        (status = 422, description = "尚未上传盖章复印件等", body = ErrorBody),
    )
)]
pub async fn originals_checked(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(PriorReviewId { id }): ApiPath<PriorReviewId>,
) -> Result<Json<PriorReviewJson>, ApiError> {
    let a = service::originals_checked(&state, &me, id).await?;
    Ok(Json(a.into()))
}

/// 前置学历终审结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriorDecisionKind {
    /// 通过。
    Approve,
    /// 驳回（须填写原因）。
    Reject,
}

/// 省招生考试院的前置学历终审。
#[derive(Deserialize, ToSchema)]
pub struct PriorDecisionJson {
    /// approve 通过；reject 驳回。
    #[schema(inline)]
    pub decision: PriorDecisionKind,
    /// 驳回原因（考生可见）。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: String,
}

/// 前置学历终审：省招生考试院通过或驳回。
#[utoipa::path(
    post,
    path = "/api/v1/prior-reviews/{id}/decision",
    operation_id = "decide_prior_review",
    tag = "毕业审核",
    params(PriorReviewId),
    request_body = PriorDecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已审核", body = PriorReviewJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在，或不在本机构的前置学历审核范围内", body = ErrorBody),
        (status = 409, description = "申请状态已变化", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "驳回缺少原因等（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(PriorReviewId { id }): ApiPath<PriorReviewId>,
    ApiJson(body): ApiJson<PriorDecisionJson>,
) -> ApiResult<PriorReviewJson> {
    let decision = match body.decision {
        PriorDecisionKind::Approve => "approve",
        PriorDecisionKind::Reject => "reject",
    };
    let a = service::decide(&state, &me, id, decision, &body.reason).await?;
    Ok(Json(a.into()))
}

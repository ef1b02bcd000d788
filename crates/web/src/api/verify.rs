//! 文件验证 over the API: what the public verify page shows of an issued printout, for systems
//! that check documents in bulk (an employer's HR system), through the same lookup and under
//! the same per-address limit as the page ([`crate::services::verification`]).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiPath, ApiResult};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::verification::{self as service, IssueView};
use crate::session::SessionCtx;

/// 一份已签发文件的验证结果（不含身份证号等打印件以外的个人信息）。
#[derive(Serialize, ToSchema)]
pub struct VerifiedDocumentJson {
    /// 验证码，按打印格式分组，如 ABCDE-FGHJK。
    pub code: String,
    /// 文件类型代码：graduate_register（毕业生登记表）、transcript（毕业生成绩表）、e_archive（毕业生电子档案）。
    pub kind: String,
    /// 文件类型名称。
    pub kind_label: String,
    /// 持有人姓名（部分隐去，如 张*三）。
    pub holder: String,
    /// 签发单位。
    pub issuer: String,
    /// 签发时间（UTC）。
    pub issued_at: DateTime<Utc>,
    /// 签发时 PDF 文件的 SHA-256（小写十六进制）。
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub sha256: String,
    /// 签发时 PDF 文件的大小（字节）。
    pub size_bytes: i64,
    /// 是否为该持有人同类文件的最新版本。
    pub current: bool,
    /// 被更新版本取代的时间（UTC）；仍为最新版本时为 null。
    pub superseded_at: Option<DateTime<Utc>>,
}

impl From<IssueView> for VerifiedDocumentJson {
    fn from(v: IssueView) -> Self {
        Self {
            current: v.current(),
            code: v.code,
            kind: v.kind,
            kind_label: v.kind_label,
            holder: v.holder,
            issuer: v.issuer,
            issued_at: v.issued_at,
            sha256: v.sha256,
            size_bytes: v.size_bytes,
            superseded_at: v.superseded_at,
        }
    }
}

/// 验证码。
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VerifyCodePath {
    /// 文件上印制的验证码：10 位字母和数字，可含连字符，不区分大小写。
    #[param(max_length = 40)]
    pub code: String,
}

/// 按验证码查询已签发文件：签发单位、签发时间、持有人（部分隐去）、SHA-256 及是否为最新版本。
/// 无需登录；同一网络地址 10 分钟内最多查询 30 次。
#[utoipa::path(
    get,
    path = "/api/v1/verify/{code}",
    operation_id = "verify_document",
    tag = "文件验证",
    params(VerifyCodePath),
    security(()),
    responses(
        (status = 200, description = "验证码有效", body = VerifiedDocumentJson),
        (status = 404, description = "未找到该验证码", body = ErrorBody),
        (status = 422, description = "验证码过长", body = ErrorBody),
        (status = 429, description = "查询过于频繁（message 说明何时可再查询）", body = ErrorBody),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    Api(ctx): Api<SessionCtx>,
    ApiPath(VerifyCodePath { code }): ApiPath<VerifyCodePath>,
) -> ApiResult<VerifiedDocumentJson> {
    Ok(Json(service::lookup(&state, &code, &ctx.ip).await?.into()))
}

//! 成绩补录 and 13位准考证查询 over JSON: the candidate's requests, filing one with its scan and
//! linking a legacy number; the handling organisation's decision. The same operations as the
//! pages ([`crate::views::graduation::backfill`], [`crate::views::graduation::legacy`]) through
//! [`crate::services::backfill`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::backfill::{BackfillInput, BackfillSource, BackfillStatus};
use domain::{LegacyAdmissionNo, ScoreValue};
use serde::{Deserialize, Serialize};
use store::entity::score_backfill as backfill;
use store::repo::RepoError;
use store::repo::score_backfill::{self as backfills, legacy};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::services::backfill as service;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::upload::{CheckedMultipart, read_upload};

fn source_schema() -> Object {
    codes_schema(
        BackfillSource::ALL.iter().map(|s| s.code()),
        false,
        "补录依据代码",
    )
}

fn status_schema() -> Object {
    codes_schema(
        BackfillStatus::ALL.iter().map(|s| s.code()),
        false,
        "补录状态代码",
    )
}

/// 一份成绩补录申请。
#[derive(Serialize, ToSchema)]
pub struct BackfillJson {
    /// 补录申请 id。
    pub id: i64,
    /// 补录依据 code.
    #[schema(schema_with = source_schema)]
    pub source: String,
    /// 补录依据（文字）。
    pub source_label: String,
    /// 课程代码。
    pub course_code: String,
    /// 成绩，如“85”“合格”。
    pub score: String,
    /// 取得日期。
    #[schema(format = Date)]
    pub obtained_on: String,
    /// 证书、证明信或通知单编号。
    pub document_no: String,
    /// 补录状态 code.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 补录状态（待审核、已补录、已驳回）。
    pub status_label: String,
    /// 驳回原因。
    pub reason: Option<String>,
    /// 提交时间。
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<backfill::Model> for BackfillJson {
    fn from(r: backfill::Model) -> Self {
        BackfillJson {
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
        }
    }
}

/// 成绩补录：当前考生的补录申请（新的在前）。提交申请见 file_backfill。
#[utoipa::path(
    get,
    path = "/api/v1/backfills",
    operation_id = "list_backfills",
    tag = "考生",
    security(("session" = [])),
    responses(
        (status = 200, description = "补录申请列表", body = Vec<BackfillJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<Vec<BackfillJson>> {
    let rows = backfills::of_candidate(&state.db, me.model.id).await?;
    Ok(Json(rows.into_iter().map(BackfillJson::from).collect()))
}

/// 已关联准考证号下的一条成绩。
#[derive(Serialize, ToSchema)]
pub struct LegacyScoreJson {
    /// 课程代码。
    pub course_code: String,
    /// 成绩。
    pub score: String,
    /// 是否合格。
    pub passed: bool,
    /// 考试日期。
    #[schema(format = Date)]
    pub exam_date: String,
}

/// 已关联的13位准考证号及其成绩。
#[derive(Serialize, ToSchema)]
pub struct LegacyJson {
    /// 13位准考证号。
    pub legacy_no: String,
    /// 成绩。
    pub scores: Vec<LegacyScoreJson>,
}

/// 13位准考证查询：当前考生已关联的13位准考证号及其成绩。
#[utoipa::path(
    get,
    path = "/api/v1/legacy",
    operation_id = "list_legacy_numbers",
    tag = "考生",
    security(("session" = [])),
    responses(
        (status = 200, description = "已关联的准考证号及成绩", body = Vec<LegacyJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号", body = ErrorBody),
    )
)]
pub async fn linked(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<Vec<LegacyJson>> {
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

/// 要关联的13位准考证号。
#[derive(Deserialize, ToSchema)]
pub struct LinkJson {
    /// 13位准考证号：数字和字母（字母大小写均可），至少一个字母。
    #[schema(
        min_length = 13,
        max_length = 13,
        pattern = "^[0-9A-Za-z]{13}$",
        example = "530302B940615"
    )]
    pub legacy_no: String,
}

/// 关联结果。
#[derive(Serialize, ToSchema)]
pub struct LinkedJson {
    /// 是否本次新关联；此前已关联到本人时为 false。
    pub newly_linked: bool,
    /// 本次转入管理平台的成绩条数。
    pub copied: u64,
}

/// 关联13位准考证号：该准考证号登记的身份证号须与本人一致，关联后其成绩转入管理平台；重复关联不重复转入。
#[utoipa::path(
    post,
    path = "/api/v1/legacy",
    operation_id = "link_legacy_number",
    tag = "考生",
    request_body = LinkJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已关联（newly_linked 为 false 表示此前已关联到本人）", body = LinkedJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "已关联到其他账号", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "格式不符、查无成绩或身份证号不一致（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn link(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    ApiJson(body): ApiJson<LinkJson>,
) -> ApiResult<LinkedJson> {
    let no = LegacyAdmissionNo::parse(&body.legacy_no)
        .map_err(|e| AppError::Invalid(vec![("legacy_no".to_owned(), e.0)]))?;
    match legacy::link(&state.db, &me.model, &no, state.now(), Some(&me.ctx.ip)).await {
        Ok(l) => Ok(Json(LinkedJson {
            newly_linked: l.newly_linked,
            copied: u64::try_from(l.copied).unwrap_or(u64::MAX),
        })),
        Err(RepoError::Invalid(m)) => {
            Err(AppError::Invalid(vec![("legacy_no".to_owned(), m)]).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// 成绩补录申请（multipart/form-data）：表单各项与一张扫描件。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BackfillUpload {
    /// 补录依据。
    #[schema(schema_with = source_schema)]
    source: String,
    /// 课程代码。
    course_code: String,
    /// 成绩，如 85 或 合格。
    score: String,
    /// 取得日期，如 2019-06-30。
    #[schema(format = Date)]
    obtained_on: String,
    /// 证书、证明信或通知单编号。
    document_no: String,
    /// 扫描件（.jpg），不超过本省的扫描件上限。
    #[schema(format = Binary, content_media_type = "image/jpeg")]
    file: String,
}

/// 成绩补录：提交证书（证明信、通知单）信息与扫描件，交办理机构审核；不符合时不保存扫描件。
#[utoipa::path(
    post,
    path = "/api/v1/backfills",
    operation_id = "file_backfill",
    tag = "考生",
    request_body(content = BackfillUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已提交", body = BackfillJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 409, description = "该课程已有待审核的补录申请", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "信息或扫描件不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let mut form = read_upload(multipart)
        .await
        .map_err(super::application::read_failed)?;
    let mut field = |k: &str| form.fields.remove(k).unwrap_or_default();
    let input = BackfillInput {
        source: field("source"),
        course_code: field("course_code"),
        score: field("score"),
        obtained_on: field("obtained_on"),
        document_no: field("document_no"),
    };
    let r = service::file(&state, &me, input, form.file).await?;
    Ok((StatusCode::CREATED, Json(BackfillJson::from(r))).into_response())
}

/// The request in `/api/v1/backfills/{id}/decision`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BackfillId {
    /// 补录申请 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 补录审核结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BackfillDecisionKind {
    /// 通过：成绩录入。
    Approve,
    /// 驳回（须填写原因）。
    Reject,
}

/// 对一份补录申请的审核。
#[derive(Deserialize, ToSchema)]
pub struct BackfillDecisionJson {
    /// approve 通过；reject 驳回。
    #[schema(inline)]
    pub decision: BackfillDecisionKind,
    /// 驳回原因（考生可见）。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: String,
    /// 通过时确认原件已收取存档（证书、证明信须确认）。
    #[serde(default)]
    pub original_kept: bool,
}

/// 成绩补录审核：办理机构通过（成绩录入）或驳回一份待审核的补录申请。
#[utoipa::path(
    post,
    path = "/api/v1/backfills/{id}/decision",
    operation_id = "decide_backfill",
    tag = "考生",
    params(BackfillId),
    request_body = BackfillDecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "审核后的补录申请", body = BackfillJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不由本机构办理", body = ErrorBody),
        (status = 409, description = "已审核，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "驳回缺少原因、未确认原件等（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(BackfillId { id }): ApiPath<BackfillId>,
    ApiJson(body): ApiJson<BackfillDecisionJson>,
) -> ApiResult<BackfillJson> {
    let decision = match body.decision {
        BackfillDecisionKind::Approve => "approve",
        BackfillDecisionKind::Reject => "reject",
    };
    let r = service::decide(&state, &me, id, decision, &body.reason, body.original_kept).await?;
    Ok(Json(BackfillJson::from(r)))
}

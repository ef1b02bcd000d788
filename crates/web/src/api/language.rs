//! 学位外语 under `/api/v1`: the signed-in student's batches and applications (the same rows as
//! the page), applying with proof files and 撤销申请; the school's review. The same operations
//! as the pages through [`crate::services::language`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::degree::language::{ExamKind, LanguageInput, LanguageStatus, Qualification};
use domain::files::PROOF_MAX_BYTES;
use serde::{Deserialize, Serialize};
use store::degree::language::Decision;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::services::language as service;
use crate::session::{CurrentStaff, CurrentStudent};
use crate::upload::{CheckedMultipart, read_many};

fn status_schema() -> Object {
    // Empty where the student has no application in the batch.
    codes_schema(
        LanguageStatus::ALL
            .iter()
            .map(|s| s.code())
            .chain(std::iter::once("")),
        false,
        "审核状态代码；没有申请时为空",
    )
}

/// 学位外语表格中的一个批次。
#[derive(Serialize, ToSchema)]
pub struct LanguageRowJson {
    /// 序号，从 1 开始。
    pub no: u64,
    /// 批次 id。
    pub batch_id: i64,
    /// 批次名称。
    pub batch_name: String,
    /// 申请时间（北京时间）。
    pub window: String,
    /// 申请条件。
    pub condition: String,
    /// 本人平均成绩。
    pub actual: String,
    /// 申请状态：是否已申请。
    pub applied: bool,
    /// 申请条件是否达标。
    pub condition_met: bool,
    /// 当前申请的 id。
    pub application_id: Option<i64>,
    /// 审核状态 code, empty without application.
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 审核状态（文字）。
    pub status_label: String,
    /// 审核意见。
    pub opinion: String,
    /// 合格状态（文字）。
    pub qualification: String,
    /// 现在能否申请。
    pub can_apply: bool,
    /// 现在能否撤销申请。
    pub can_withdraw: bool,
}

/// 学位外语：当前学生所在学校的学位外语批次及本人的申请（与“学位外语”页面的表格相同）。申请见 apply_language。
#[utoipa::path(
    get,
    path = "/api/v1/language",
    operation_id = "list_language_batches",
    tag = "学位",
    security(("session" = [])),
    responses(
        (status = 200, description = "学位外语批次与本人的申请", body = Vec<LanguageRowJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
) -> ApiResult<Vec<LanguageRowJson>> {
    let rows = crate::services::language::rows(&state, &me).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| LanguageRowJson {
                no: u64::try_from(r.no).unwrap_or(u64::MAX),
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

/// The batch in `/api/v1/language/{batch_id}/applications`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct BatchId {
    /// 学位外语批次 id（取自列表的 batch_id）。
    #[param(minimum = 1)]
    pub batch_id: i64,
}

fn kind_schema() -> Object {
    codes_schema(
        ExamKind::ALL.iter().map(|k| k.code()),
        false,
        "考试类别代码",
    )
}

/// 学位外语申请（multipart/form-data）：表单各项与 1 至 5 个证明文件（字段名 files，可重复）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct LanguageApply {
    /// 科目（代码或名称）。
    subject: String,
    /// 申请证书类型（代码或名称）。
    certificate_type: String,
    /// 考试类别。
    #[schema(schema_with = kind_schema)]
    exam_kind: String,
    /// 级别。
    exam_level: String,
    /// 语种（代码或名称）。
    language: String,
    /// 证书获取日期，如 2024-06-15。
    #[schema(format = Date)]
    obtained_on: String,
    /// 成绩单编号。
    transcript_no: String,
    /// 考试成绩。
    score: String,
    /// 成绩状态。
    score_status: String,
    /// 外国语成绩证明：jpg、png 或 pdf，每个不超过 1M，最多 5 个。
    #[schema(format = Binary)]
    files: Vec<String>,
}

/// 提交后的学位外语申请。
#[derive(Serialize, ToSchema)]
pub struct LanguageApplicationJson {
    /// 学位外语申请 id。
    pub id: i64,
    /// 批次 id。
    pub batch_id: i64,
    /// 审核状态。
    #[schema(schema_with = status_schema)]
    pub status: String,
}

/// 申请学位外语成绩认定：检查全部规则（含证明文件）后一次提交；不符合时不保存任何文件。
#[utoipa::path(
    post,
    path = "/api/v1/language/{batch_id}/applications",
    operation_id = "apply_language",
    tag = "学位",
    params(BatchId),
    request_body(content = LanguageApply, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已提交", body = LanguageApplicationJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "批次不存在或不是本校的批次", body = ErrorBody),
        (status = 409, description = "已有申请，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "信息或证明文件不符合要求、不在申请时间内（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn apply(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
    ApiPath(BatchId { batch_id }): ApiPath<BatchId>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let b = service::own_batch(&state, &me, batch_id).await?;
    let (fields, uploads) = read_many(multipart, "files", PROOF_MAX_BYTES + 1)
        .await
        .map_err(super::application::read_failed)?;
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let input = LanguageInput {
        subject: field("subject"),
        certificate_type: field("certificate_type"),
        exam_kind: field("exam_kind"),
        exam_level: field("exam_level"),
        language: field("language"),
        obtained_on: field("obtained_on"),
        transcript_no: field("transcript_no"),
        score: field("score"),
        score_status: field("score_status"),
    };
    let a = service::apply(&state, &me, &b, input, uploads).await?;
    Ok((
        StatusCode::CREATED,
        Json(LanguageApplicationJson {
            id: a.id,
            batch_id: a.batch_id,
            status: a.status,
        }),
    )
        .into_response())
}

/// The application in `/api/v1/language/applications/{id}/…`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LanguageApplicationId {
    /// 学位外语申请 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 撤销本人的学位外语申请（审核前）。
#[utoipa::path(
    post,
    path = "/api/v1/language/applications/{id}/withdrawal",
    operation_id = "withdraw_language",
    tag = "学位",
    params(LanguageApplicationId),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "已撤销"),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是学生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不是本人的申请", body = ErrorBody),
        (status = 409, description = "已审核或批次已截止，不能撤销", body = ErrorBody),
        (status = 422, description = "id 不是正整数，或不能撤销", body = ErrorBody),
    )
)]
pub async fn withdraw(
    State(state): State<AppState>,
    Api(me): Api<CurrentStudent>,
    ApiPath(LanguageApplicationId { id }): ApiPath<LanguageApplicationId>,
) -> Result<StatusCode, ApiError> {
    service::withdraw(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn qualification_schema() -> Object {
    codes_schema(
        Qualification::ALL.iter().map(|q| q.code()),
        false,
        "合格状态代码",
    )
}

/// 学位外语审核结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LanguageDecision {
    /// 审核通过。
    Approve,
    /// 审核不通过（须填写审核意见）。
    Reject,
}

/// 对一份学位外语申请的审核。
#[derive(Deserialize, ToSchema)]
pub struct LanguageReviewJson {
    /// approve 审核通过；reject 审核不通过。
    #[schema(inline)]
    pub decision: LanguageDecision,
    /// 合格状态。
    #[schema(schema_with = qualification_schema)]
    pub qualification: String,
    /// 审核意见；审核不通过时必填。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub opinion: String,
    /// 审核时看到的版本；申请已变化时返回 409。省略则不核对。
    #[serde(default)]
    pub version: Option<i32>,
}

/// 学位外语审核：本校批次截止后，审核一份申请并认定合格状态。
#[utoipa::path(
    post,
    path = "/api/v1/language/applications/{id}/review",
    operation_id = "review_language",
    tag = "学位",
    params(LanguageApplicationId),
    request_body = LanguageReviewJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "审核后的申请", body = LanguageApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的工作人员、没有申请所在审核环节的审核权限（本人角色或生效中的工作委托），或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不属于本机构的批次", body = ErrorBody),
        (status = 409, description = "申请已变化或已审核，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "输入不符合要求或批次尚未截止（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn review(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(LanguageApplicationId { id }): ApiPath<LanguageApplicationId>,
    ApiJson(body): ApiJson<LanguageReviewJson>,
) -> ApiResult<LanguageApplicationJson> {
    let qualification = Qualification::from_code(&body.qualification).ok_or_else(|| {
        ApiError::from(AppError::refused(
            "qualification",
            "请选择合格状态：合格或不合格",
        ))
    })?;
    let decision = Decision {
        approve: matches!(body.decision, LanguageDecision::Approve),
        opinion: body.opinion,
        qualification,
    };
    let a = service::review(&state, &me, id, body.version, &decision).await?;
    Ok(Json(LanguageApplicationJson {
        id: a.id,
        batch_id: a.batch_id,
        status: a.status,
    }))
}

/// 批量审核：同一结论用于勾选的每份申请。
#[derive(Deserialize, ToSchema)]
pub struct LanguageBulkJson {
    /// 学位外语申请 id，1–200 个。
    #[schema(min_items = 1, max_items = 200)]
    pub ids: Vec<i64>,
    /// approve 审核通过；reject 审核不通过。
    #[schema(inline)]
    pub decision: LanguageDecision,
    /// 合格状态（最后一个审核环节通过时记录）。
    #[schema(schema_with = qualification_schema)]
    pub qualification: String,
    /// 审核意见；审核不通过时必填。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub opinion: String,
}

/// 未审核的一份申请及原因。
#[derive(Serialize, ToSchema)]
pub struct LanguageBulkRefusalJson {
    /// 学位外语申请 id。
    pub id: i64,
    /// 未审核的原因。
    pub message: String,
}

/// 批量审核的结果。
#[derive(Serialize, ToSchema)]
pub struct LanguageBulkResultJson {
    /// 已审核的申请 id。
    pub done: Vec<i64>,
    /// 未审核的申请及原因（已被他人处理、不属于本校、批次未截止等）。
    pub refused: Vec<LanguageBulkRefusalJson>,
}

/// 学位外语批量审核：每份申请单独处理，一份失败不影响其他。
#[utoipa::path(
    post,
    path = "/api/v1/language/bulk-review",
    operation_id = "review_language_bulk",
    tag = "学位",
    request_body = LanguageBulkJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "逐份的结果", body = LanguageBulkResultJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是继续教育学院的工作人员，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "未勾选、超过 200 份或结论不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn review_bulk(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiJson(body): ApiJson<LanguageBulkJson>,
) -> ApiResult<LanguageBulkResultJson> {
    let qualification = Qualification::from_code(&body.qualification).ok_or_else(|| {
        ApiError::from(AppError::refused(
            "qualification",
            "请选择合格状态：合格或不合格",
        ))
    })?;
    let decision = Decision {
        approve: matches!(body.decision, LanguageDecision::Approve),
        opinion: body.opinion,
        qualification,
    };
    let out = service::review_many(&state, &me, &body.ids, &decision).await?;
    Ok(Json(LanguageBulkResultJson {
        done: out.done,
        refused: out
            .refused
            .into_iter()
            .map(|(id, message)| LanguageBulkRefusalJson { id, message })
            .collect(),
    }))
}

//! 成绩补录 and 13位准考证查询 over JSON for the signed-in candidate: the same operations as the
//! pages ([`crate::views::backfill`], [`crate::views::legacy`]). Filing a backfill needs its scan
//! and stays on the page's multipart form.

use axum::Json;
use axum::extract::State;
use domain::backfill::{BackfillSource, BackfillStatus};
use domain::{LegacyAdmissionNo, ScoreValue};
use serde::{Deserialize, Serialize};
use store::repo::RepoError;
use store::repo::score_backfill::{self as backfills, legacy};
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;

use super::{Api, ApiJson, ApiResult, codes_schema};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::session::CurrentCandidate;

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

/// 成绩补录：当前考生的补录申请（新的在前）。提交申请需上传扫描件，请使用页面 /candidate/backfills。
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
    Ok(Json(
        rows.into_iter()
            .map(|r| BackfillJson {
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
            })
            .collect(),
    ))
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

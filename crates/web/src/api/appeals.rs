//! 陈述申辩 / 复核 over JSON: the student files an appeal against a 不授予 or a 学位外语 不合格,
//! the candidate against the final rejection of a graduation application, with the statement
//! and files; either side reads it, and the deciding school records 维持 or
//! 撤销原决定 with reasons. The same operations as the pages ([`crate::views::appeal`]) through
//! [`crate::services::appeal`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::appeal::{AppealKind, AppealStatus, REASON_MAX, STATEMENT_MAX};
use serde::{Deserialize, Serialize};
use store::appeal as appeals;
use store::entity::appeal;
use store::repo::RepoError;
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult, codes_schema};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::services::appeal::{self as service, KEEP, NOT_FOUND};
use crate::session::{CurrentCandidate, CurrentStaff, CurrentStudent};
use crate::upload::{CheckedMultipart, read_many};

fn kind_schema() -> Object {
    codes_schema(
        AppealKind::ALL.iter().map(|k| k.code()),
        false,
        "申辩事项：degree_award 学位授予结果“不授予”（subject_id 为学位申请 id），language 学位外语成绩认定“不合格”（subject_id 为学位外语申请 id），graduation 毕业申请驳回后批次截止、本次不予办理（考生提出，subject_id 为毕业申请 id）",
    )
}

fn status_schema() -> Object {
    codes_schema(
        AppealStatus::ALL.iter().map(|s| s.code()),
        false,
        "处理结果：pending 待处理，upheld 维持原决定，revoked 撤销原决定",
    )
}

fn outcome_schema() -> Object {
    codes_schema(
        [AppealStatus::Upheld.code(), AppealStatus::Revoked.code()],
        false,
        "处理结果：upheld 维持原决定，revoked 撤销原决定（申请退回作出决定的环节重新作出决定）",
    )
}

/// 提出申辩（multipart/form-data）。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AppealFiling {
    /// 申辩事项。
    #[schema(schema_with = kind_schema)]
    kind: String,
    /// 被申辩决定所在的申请 id。
    subject_id: i64,
    /// 申辩陈述：写明对原决定有异议的事实和理由，必填，最多 2000 字。
    #[schema(max_length = 2000)]
    statement: String,
    /// 申辩材料（选填，可多个，最多 5 个；PDF、JPG、PNG 或 .xlsx，每个不超过 10M）。
    #[schema(format = Binary)]
    files: Vec<String>,
}

/// 一份申辩。
#[derive(Serialize, ToSchema)]
pub struct AppealJson {
    /// 申辩编号。
    pub id: i64,
    /// 申辩事项。
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// 被申辩决定所在的申请 id。
    pub subject_id: i64,
    /// 作出原决定的审核环节，撤销后申请退回该环节。
    pub stage: String,
    /// 原决定作出时间（UTC）。
    pub decided_at: String,
    /// 申辩期限届满的时刻（UTC，此刻起不再受理）。
    pub closes_at: String,
    /// 申辩陈述。
    pub statement: String,
    /// 申辩材料文件名。
    pub files: Vec<String>,
    /// 处理结果。
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 处理理由（处理后才有）。
    pub outcome_reason: Option<String>,
    /// 处理时间（UTC，处理后才有）。
    pub outcome_at: Option<String>,
    /// 提交时间（UTC）。
    pub filed_at: String,
    /// 版本；处理时可带上，申辩已变化时返回 409。
    pub version: i32,
}

async fn json_of(state: &AppState, a: appeal::Model) -> Result<AppealJson, AppError> {
    let files = appeals::files_of(&state.db, a.id)
        .await?
        .into_iter()
        .map(|f| f.original_name)
        .collect();
    Ok(AppealJson {
        id: a.id,
        kind: a.kind,
        subject_id: a.subject_id,
        stage: a.stage_name,
        decided_at: a.decided_at.to_rfc3339(),
        closes_at: a.closes_at.to_rfc3339(),
        statement: a.statement,
        files,
        status: a.status,
        outcome_reason: a.outcome_reason,
        outcome_at: a.outcome_at.map(|t| t.to_rfc3339()),
        filed_at: a.filed_at.to_rfc3339(),
        version: a.version,
    })
}

/// 对本人申请中的“不授予”学位或学位外语“不合格”决定（学生），或毕业申请驳回后批次截止、本次不予办理的决定（考生）提出申辩：须在本批次的申辩期限内（决定作出之日起若干日，次日起算，截止日 24:00 北京时间；毕业申请自批次截止时起算），每项决定只能申辩一次；不符合时不保存任何文件。
#[utoipa::path(
    post,
    path = "/api/v1/appeals",
    operation_id = "file_appeal",
    tag = "申辩",
    request_body(content = AppealFiling, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已提交", body = AppealJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是该申辩事项的申请人账号（学生或考生），或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "申请不存在或不是本人的申请", body = ErrorBody),
        (status = 409, description = "该决定已申辩过，或原决定已变化，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "陈述或材料不符合要求、已超过申辩期限或没有可申辩的决定（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    student: Result<CurrentStudent, AppError>,
    candidate: Result<CurrentCandidate, AppError>,
    multipart: CheckedMultipart,
) -> Result<Response, ApiError> {
    let (fields, uploads) = read_many(multipart, "files", KEEP)
        .await
        .map_err(super::application::read_failed)?;
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let Some(kind) = AppealKind::from_code(field("kind").trim()) else {
        return Err(AppError::refused(
            "kind",
            "申辩事项应为 degree_award（学位授予结果“不授予”）、language（学位外语成绩认定“不合格”）或 graduation（毕业申请本次不予办理）",
        )
        .into());
    };
    let Some(subject_id) = field("subject_id")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|&i| i > 0)
    else {
        return Err(AppError::refused("subject_id", "subject_id 应为申请 id（正整数）").into());
    };
    let statement = field("statement");
    // A graduation application is a candidate's; the rest are students'.
    let a = match (kind, candidate, student) {
        (AppealKind::Graduation, Ok(me), _) => {
            service::file_candidate(&state, &me, subject_id, &statement, uploads).await?
        }
        (AppealKind::Graduation, Err(e), _) => return Err(e.into()),
        (_, _, Ok(me)) => service::file(&state, &me, kind, subject_id, &statement, uploads).await?,
        (_, _, Err(e)) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(json_of(&state, a).await?)).into_response())
}

/// The appeal in `/api/v1/appeals/{id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AppealId {
    /// 申辩编号。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 一份申辩：提出申辩的学生或考生本人，或作出原决定的机构的工作人员可以查看。
#[utoipa::path(
    get,
    path = "/api/v1/appeals/{id}",
    operation_id = "get_appeal",
    tag = "申辩",
    params(AppealId),
    security(("session" = [])),
    responses(
        (status = 200, description = "申辩", body = AppealJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "工作人员账号没有查看权限", body = ErrorBody),
        (status = 404, description = "不存在，或不是本人的申辩、不由本机构处理", body = ErrorBody),
        (status = 422, description = "id 不是正整数", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    student: Result<CurrentStudent, AppError>,
    candidate: Result<CurrentCandidate, AppError>,
    staff: Result<CurrentStaff, AppError>,
    ApiPath(AppealId { id }): ApiPath<AppealId>,
) -> ApiResult<AppealJson> {
    let own = match (&student, &candidate) {
        (Ok(me), _) => Some(appeals::for_student(&state.db, me.model.id, id).await),
        (_, Ok(me)) => {
            Some(appeals::for_appellant(&state.db, appeals::CANDIDATE, me.model.id, id).await)
        }
        _ => None,
    };
    let a = match (own, staff) {
        (Some(Ok(a)), _) => a,
        (Some(Err(RepoError::NotFound)), _) => {
            return Err(AppError::NotFound(NOT_FOUND.to_owned()).into());
        }
        (Some(Err(e)), _) => return Err(e.into()),
        (None, Ok(me)) => service::mine(&state, &me, id).await?,
        (None, Err(_)) => {
            let e = student
                .err()
                .unwrap_or_else(|| AppError::NotFound(NOT_FOUND.to_owned()));
            return Err(e.into());
        }
    };
    Ok(Json(json_of(&state, a).await?))
}

/// 申辩的处理结果。
#[derive(Deserialize, ToSchema)]
pub struct AppealDecisionJson {
    /// 处理结果。
    #[schema(schema_with = outcome_schema)]
    pub outcome: String,
    /// 处理理由，必填，最多 1000 字；学生将在收件箱和申辩记录中看到。
    #[schema(max_length = 1000)]
    pub reason: String,
    /// 处理时看到的版本；申辩已变化时返回 409。省略则不核对。
    #[serde(default)]
    pub version: Option<i32>,
}

/// 处理申辩：作出原决定的机构中该环节的审核人员（或管理员）维持或撤销原决定，并写明理由；撤销后申请退回该环节重新作出决定。
#[utoipa::path(
    post,
    path = "/api/v1/appeals/{id}/decision",
    operation_id = "decide_appeal",
    tag = "申辩",
    params(AppealId),
    request_body = AppealDecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "处理后的申辩", body = AppealJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号、没有作出决定环节的审核权限，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不由本机构处理", body = ErrorBody),
        (status = 409, description = "申辩已处理，或原决定已变化，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "处理结果或理由不符合要求（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(AppealId { id }): ApiPath<AppealId>,
    ApiJson(body): ApiJson<AppealDecisionJson>,
) -> ApiResult<AppealJson> {
    let a = service::decide(&state, &me, id, &body.outcome, &body.reason, body.version).await?;
    Ok(Json(json_of(&state, a).await?))
}

// The documented limits are the rules' own.
const _: () = assert!(STATEMENT_MAX == 2000 && REASON_MAX == 1000);

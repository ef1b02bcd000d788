//! 免考申请 over JSON: the candidate's applications and filing one with its scan; the agency's
//! queue (by key, as the page pages it) and its decision. The same operations as the pages
//! ([`crate::views::graduation::exemptions`]) through [`crate::services::exemptions`] and the
//! store's rules.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::entity::exemption_application as ex_app;
use store::exemptions::applications::{self as ex, Decision};
use store::keyset::{Cursor, PageAt};
use store::repo::RepoError;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiResult};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::services::exemptions as service;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::upload::{CheckedMultipart, read_upload};

/// 一份免考申请。
#[derive(Serialize, ToSchema)]
pub struct ExemptionApplicationJson {
    /// 免考申请 id。
    pub id: i64,
    /// 课程代码。
    pub course_code: String,
    /// 免考依据。
    pub basis: String,
    /// 状态代码：pending 待审核、approved 已通过、rejected 未通过。
    pub status: String,
    /// 状态（文字）。
    pub status_label: String,
    /// 未通过的原因（考生可见）。
    pub reason: Option<String>,
    /// 提交时间。
    #[schema(format = DateTime)]
    pub created_at: String,
    /// 审核时间。
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
}

impl From<ex_app::Model> for ExemptionApplicationJson {
    fn from(a: ex_app::Model) -> Self {
        ExemptionApplicationJson {
            id: a.id,
            status_label: ex::status_label(&a.status).to_owned(),
            course_code: a.course_code,
            basis: a.basis,
            status: a.status,
            reason: a.decision_reason,
            created_at: a.created_at.to_rfc3339(),
            decided_at: a.decided_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// 免考申请：当前考生的申请（新的在前）。
#[utoipa::path(
    get,
    path = "/api/v1/exemptions",
    operation_id = "list_exemption_applications",
    tag = "考生",
    security(("session" = [])),
    responses(
        (status = 200, description = "免考申请列表", body = Vec<ExemptionApplicationJson>),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentCandidate>,
) -> ApiResult<Vec<ExemptionApplicationJson>> {
    let rows = ex::of_candidate(&state.db, me.model.id).await?;
    Ok(Json(
        rows.into_iter()
            .map(ExemptionApplicationJson::from)
            .collect(),
    ))
}

/// 免考申请（multipart/form-data）：课程、免考依据与一份证明材料扫描件。
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ExemptionUpload {
    /// 课程代码：在籍专业考试计划中尚未合格、尚未免考且没有待审核申请的课程。
    course_code: String,
    /// 免考依据，如“国家开放大学专科毕业证书”，最多 100 字。
    basis: String,
    /// 证明材料扫描件（jpg、png 或 pdf），不超过本省的扫描件上限。
    #[schema(format = Binary)]
    file: String,
}

/// 免考申请：提交课程、免考依据与扫描件，交考生所属的区县（州市）考试机构审核；任何一项不符合时不保存扫描件。
#[utoipa::path(
    post,
    path = "/api/v1/exemptions",
    operation_id = "file_exemption_application",
    tag = "考生",
    request_body(content = ExemptionUpload, content_type = "multipart/form-data"),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 201, description = "已提交", body = ExemptionApplicationJson),
        (status = 400, description = "上传内容无法读取", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是考生账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 multipart/form-data", body = ErrorBody),
        (status = 422, description = "课程、免考依据或扫描件不符合要求（message 逐条说明）", body = ErrorBody),
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
    let course_code = form.fields.remove("course_code").unwrap_or_default();
    let basis = form.fields.remove("basis").unwrap_or_default();
    match service::file(&state, &me, &course_code, &basis, form.file).await {
        Ok(a) => Ok((StatusCode::CREATED, Json(ExemptionApplicationJson::from(a))).into_response()),
        Err(Ok(messages)) => Err(AppError::Invalid(
            messages.into_iter().map(|m| (String::new(), m)).collect(),
        )
        .into()),
        Err(Err(e)) => Err(e.into()),
    }
}

/// 免考审核队列的筛选与翻页。
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExemptionQueueQuery {
    /// pending（默认）待审核；done 已处理。
    #[serde(default)]
    #[param(pattern = r"^(pending|done)$")]
    pub status: Option<String>,
    /// 下一页：上一页响应中的 next。
    #[serde(default)]
    #[param(pattern = r"^-?[0-9]{1,19}_[0-9]{1,19}$")]
    pub after: Option<String>,
    /// 上一页：上一页响应中的 prev。
    #[serde(default)]
    #[param(pattern = r"^-?[0-9]{1,19}_[0-9]{1,19}$")]
    pub before: Option<String>,
}

/// 免考审核队列中的一份申请（身份证号已遮盖）。
#[derive(Serialize, ToSchema)]
pub struct ExemptionQueueItemJson {
    /// 申请本身。
    #[serde(flatten)]
    pub application: ExemptionApplicationJson,
    /// 准考证号。
    pub admission_no: String,
    /// 姓名。
    pub name: String,
    /// 身份证号（遮盖）。
    pub id_card_masked: String,
}

/// 免考审核队列的一页。
#[derive(Serialize, ToSchema)]
pub struct ExemptionQueueJson {
    /// 本页的申请，按 id 从小到大。
    pub items: Vec<ExemptionQueueItemJson>,
    /// 下一页游标（传给 after）；没有下一页时为 null。
    pub next: Option<String>,
    /// 上一页游标（传给 before）；没有上一页时为 null。
    pub prev: Option<String>,
}

fn malformed_cursor(name: &str) -> ApiError {
    AppError::Invalid(vec![(
        name.to_owned(),
        format!("{name} 不是有效的翻页游标，请使用上一次响应中的 next 或 prev"),
    )])
    .into()
}

/// 免考审核：本机构及下级办理的免考申请，每页 50 份，按游标翻页。
#[utoipa::path(
    get,
    path = "/api/v1/exemptions/queue",
    operation_id = "exemption_queue",
    tag = "毕业审核",
    params(ExemptionQueueQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "一页免考申请", body = ExemptionQueueJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或没有审核员角色", body = ErrorBody),
        (status = 422, description = "游标无效", body = ErrorBody),
    )
)]
pub async fn queue(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    Query(q): Query<ExemptionQueueQuery>,
) -> ApiResult<ExemptionQueueJson> {
    me.require(domain::StaffRole::Reviewer)?;
    let at = match (q.after.as_deref(), q.before.as_deref()) {
        (Some(a), _) if !a.is_empty() => {
            PageAt::After(Cursor::decode(a).ok_or_else(|| malformed_cursor("after"))?)
        }
        (_, Some(b)) if !b.is_empty() => {
            PageAt::Before(Cursor::decode(b).ok_or_else(|| malformed_cursor("before"))?)
        }
        _ => PageAt::First,
    };
    let pending = q.status.as_deref() != Some("done");
    let page = ex::queue(&state.db, &me.org, pending, at, crate::paging::PER_PAGE).await?;
    let people = store::repo::candidate::by_ids(
        &state.db,
        &page.rows.iter().map(|a| a.candidate_id).collect::<Vec<_>>(),
    )
    .await?;
    let items = page
        .rows
        .into_iter()
        .map(|a| {
            let c = people.get(&a.candidate_id);
            ExemptionQueueItemJson {
                admission_no: c.map(|c| c.admission_no.clone()).unwrap_or_default(),
                name: c.map(|c| c.name.clone()).unwrap_or_default(),
                id_card_masked: c
                    .map(|c| crate::util::mask_id(&c.id_card_no))
                    .unwrap_or_default(),
                application: a.into(),
            }
        })
        .collect();
    Ok(Json(ExemptionQueueJson {
        items,
        next: page.next.map(|c| c.encode()),
        prev: page.prev.map(|c| c.encode()),
    }))
}

/// The application in `/api/v1/exemptions/{id}/decision`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExemptionId {
    /// 免考申请 id。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 免考审核结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExemptionDecisionKind {
    /// 通过：记录线上免考。
    Approve,
    /// 不通过（须填写原因）。
    Reject,
}

/// 对一份免考申请的审核。
#[derive(Deserialize, ToSchema)]
pub struct ExemptionDecisionJson {
    /// approve 通过；reject 不通过。
    #[schema(inline)]
    pub decision: ExemptionDecisionKind,
    /// 不通过的原因（考生可见），最多 200 字。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: String,
}

/// 免考审核：通过（记录线上免考）或不通过一份待审核的免考申请。
#[utoipa::path(
    post,
    path = "/api/v1/exemptions/{id}/decision",
    operation_id = "decide_exemption_application",
    tag = "毕业审核",
    params(ExemptionId),
    request_body = ExemptionDecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "审核后的免考申请", body = ExemptionApplicationJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号、没有审核员角色，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不由本机构办理", body = ErrorBody),
        (status = 409, description = "已审核，未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "不通过缺少原因或原因过长", body = ErrorBody),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(ExemptionId { id }): ApiPath<ExemptionId>,
    ApiJson(body): ApiJson<ExemptionDecisionJson>,
) -> ApiResult<ExemptionApplicationJson> {
    me.require(domain::StaffRole::Reviewer)?;
    let decision = match body.decision {
        ExemptionDecisionKind::Approve => Decision::Approve,
        ExemptionDecisionKind::Reject => Decision::Reject,
    };
    let decided = ex::decide(
        &state.db,
        ex::Reviewer {
            org: &me.org,
            staff_id: me.staff.id,
        },
        id,
        decision,
        &body.reason,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await;
    match decided {
        Ok(a) => Ok(Json(a.into())),
        Err(RepoError::NotFound) => {
            Err(AppError::NotFound("未找到该免考申请，或不由本机构办理".to_owned()).into())
        }
        Err(RepoError::Invalid(m)) => Err(AppError::Invalid(vec![("reason".to_owned(), m)]).into()),
        Err(e) => Err(e.into()),
    }
}

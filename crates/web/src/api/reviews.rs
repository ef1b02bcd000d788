//! 毕业审核 over JSON: the same queue and the same decisions as the staff pages
//! ([`crate::services::review`]), for integrations.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use domain::review::{CommonReason, Status};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::{Api, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, codes_schema};
use crate::AppState;
use crate::error::{AppError, ErrorBody};
use crate::services::review::{self, DecisionInput, QueueLine, QueueQuery};
use crate::session::CurrentStaff;

/// 审核列表：待审核或已审核。
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueStatus {
    /// 待审核：当前等待本机构审核。
    #[default]
    Pending,
    /// 已审核：本机构审核过。
    Decided,
}

/// 待审核列表的排序。
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueSort {
    /// 按提交时间（默认）。
    #[default]
    Submitted,
    /// 按截止日期从早到晚；只列出有办理时限的申请。
    Due,
}

/// 待审核列表按办理时限筛选。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DueFilter {
    /// 已逾期：已过截止日期。
    Overdue,
    /// 即将到期：今天或下一个工作日到期。
    Soon,
}

/// Filters of GET /api/v1/reviews.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewsQuery {
    /// 批次 id；省略时不限批次。
    #[param(minimum = 1)]
    pub batch: Option<i64>,
    /// 专业 id；省略时不限专业。
    #[param(minimum = 1)]
    pub major: Option<i64>,
    /// pending 待审核（当前等待本机构，默认）；decided 已审核（本机构审核过）。
    #[param(inline)]
    pub status: Option<QueueStatus>,
    /// 准考证号或姓名开头；不能含控制字符。
    #[param(pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub q: Option<String>,
    /// 待审核列表的排序：submitted 按提交时间（默认）；due 按截止日期（只列出有办理时限的申请）。
    #[param(inline)]
    pub sort: Option<QueueSort>,
    /// 待审核列表只列出 overdue 已逾期或 soon 即将到期（今天或下一个工作日到期）的申请，按截止日期排列。
    #[param(inline)]
    pub due: Option<DueFilter>,
    /// 下一页：上一次响应的 next；省略时从第一份起。每页 20 份。
    #[param(pattern = r"^-?[0-9]{1,19}_[0-9]{1,19}$")]
    pub after: Option<String>,
    /// 上一页：上一次响应的 prev（与 after 同时给出时以 after 为准）。
    #[param(pattern = r"^-?[0-9]{1,19}_[0-9]{1,19}$")]
    pub before: Option<String>,
}

impl ReviewsQuery {
    /// The same filters as the page's form sends them, for the shared queue.
    fn to_queue(&self) -> QueueQuery {
        let text = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        QueueQuery {
            batch: text(self.batch),
            major: text(self.major),
            status: match self.status.unwrap_or_default() {
                QueueStatus::Pending => "pending",
                QueueStatus::Decided => "decided",
            }
            .to_owned(),
            q: self.q.clone().unwrap_or_default(),
            sort: match self.sort.unwrap_or_default() {
                QueueSort::Submitted => "",
                QueueSort::Due => "due",
            }
            .to_owned(),
            due: match self.due {
                Some(DueFilter::Overdue) => "overdue",
                Some(DueFilter::Soon) => "soon",
                None => "",
            }
            .to_owned(),
            after: self.after.clone().unwrap_or_default(),
            before: self.before.clone().unwrap_or_default(),
        }
    }
}

fn status_schema() -> Object {
    codes_schema(Status::ALL.iter().map(|s| s.code()), false, "申请状态代码")
}

/// 审核列表中的一份毕业申请（个人信息已脱敏）。
#[derive(Serialize, ToSchema)]
pub struct ReviewItemJson {
    /// 毕业申请 id。
    pub id: i64,
    /// 申请所在的环节序号（审核时须提交此值）。
    pub stage: Option<i32>,
    /// 申请状态。
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 申请状态（文字）。
    pub status_label: String,
    /// 准考证号。
    pub admission_no: String,
    /// 姓名。
    pub name: String,
    /// 身份证号（已脱敏）。
    pub id_card_no: String,
    /// 专业，如“610201 计算机应用技术”。
    pub major: String,
    /// 批次名称。
    pub batch: String,
    /// 当前环节；不在审核环节时为申请状态。
    pub current_stage: String,
    /// 提交时间。
    pub submitted_at: Option<DateTime<Utc>>,
    /// 考生申请主考学校驳回（专业误选）的时间。
    pub wrong_major_requested_at: Option<DateTime<Utc>>,
    /// 本机构现在能否审核。
    pub actionable: bool,
    /// 办理时限截止的时刻（北京时间截止日期的 24:00），此后即为逾期；不在本机构待审核或无时限时为 null。
    pub due_at: Option<DateTime<Utc>>,
    /// 截止日期（北京时间，如“2026-12-10”）；本机构待审核而环节无时限时为“无时限”；其他为空。
    pub due_date: String,
    /// 办理时限状态：none 无时限，in_time 未到期，due_soon 即将到期，overdue 已逾期；不在本机构待审核时为 null。
    pub due_status: Option<String>,
    /// 已逾期的工作日数（截止日期之后到今天）；未逾期时为 null。
    pub overdue_working_days: Option<u32>,
}

impl From<QueueLine> for ReviewItemJson {
    fn from(l: QueueLine) -> Self {
        ReviewItemJson {
            id: l.id,
            stage: l.stage,
            status: l.status,
            status_label: l.status_label,
            admission_no: l.admission_no,
            name: l.name,
            id_card_no: l.id_card_no,
            major: l.major,
            batch: l.batch,
            current_stage: l.current_stage,
            submitted_at: l.submitted_at,
            wrong_major_requested_at: l.wrong_major_requested_at,
            actionable: l.actionable,
            due_at: l.due_at,
            due_date: l.due_date,
            due_status: l.standing.map(|s| s.code().to_owned()),
            overdue_working_days: match l.standing {
                Some(domain::review::deadline::Standing::Overdue(n)) => Some(n),
                _ => None,
            },
        }
    }
}

/// 一页审核列表。
#[derive(Serialize, ToSchema)]
pub struct QueueJson {
    /// 符合条件的申请总数。
    pub total: u64,
    /// 每页份数。
    pub per_page: u64,
    /// 上一页的游标（作为 before 传回）；已是第一页时为 null。
    pub prev: Option<String>,
    /// 下一页的游标（作为 after 传回）；没有更多时为 null。
    pub next: Option<String>,
    /// 本页的申请。
    pub items: Vec<ReviewItemJson>,
}

/// 毕业审核列表：本机构待审核或已审核的毕业申请（身份证号已脱敏），每页 20 份，按提交时间排列
/// （待审核也可按截止日期排列或只看已逾期、即将到期的）；
/// 翻页用响应中的 next / prev 游标（after / before），不用页码，翻页期间有申请被审核也不会漏看或重复。
#[utoipa::path(
    get,
    path = "/api/v1/reviews",
    operation_id = "list_reviews",
    tag = "毕业审核",
    params(ReviewsQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "一页审核列表", body = QueueJson, links(
            ("decide" = (
                operation_id = "decide_review",
                parameters(("id" = "$response.body#/items/0/id")),
                description = "审核列表中的第一份申请"
            ))
        )),
        (status = 400, description = "查询字符串无法解析", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号", body = ErrorBody),
        (status = 422, description = "查询参数不符合要求或翻页游标无效（fields 指明参数）", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiQuery(q): ApiQuery<ReviewsQuery>,
) -> ApiResult<QueueJson> {
    me.require_read()?;
    if q.q
        .as_deref()
        .is_some_and(|t| t.chars().any(char::is_control))
    {
        return Err(
            AppError::Invalid(vec![("q".to_owned(), "查询参数不能含控制字符".to_owned())]).into(),
        );
    }
    for (field, given) in [("after", &q.after), ("before", &q.before)] {
        if given
            .as_deref()
            .is_some_and(|c| store::keyset::Cursor::decode(c).is_none())
        {
            return Err(AppError::Invalid(vec![(
                field.to_owned(),
                "翻页游标无效：请原样传回上一次响应中的 next 或 prev".to_owned(),
            )])
            .into());
        }
    }
    let page = review::load_queue(
        &state,
        &me.ctx.reader(&state),
        me.ctx.seen,
        &me.org,
        &q.to_queue(),
    )
    .await?;
    Ok(Json(QueueJson {
        total: page.total,
        per_page: review::PER_PAGE,
        prev: page.prev.map(|c| c.encode()),
        next: page.next.map(|c| c.encode()),
        items: page.lines.into_iter().map(ReviewItemJson::from).collect(),
    }))
}

/// The application in `/api/v1/reviews/{id}/decision`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ApplicationId {
    /// 毕业申请 id（取自审核列表的 id）。
    #[param(minimum = 1)]
    pub id: i64,
}

/// 审核结论。
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// 通过。
    Approve,
    /// 驳回。
    Reject,
}

fn reason_code_schema() -> Object {
    codes_schema(
        CommonReason::ALL.iter().map(|r| r.code()),
        true,
        "常见驳回原因代码",
    )
}

/// 对一份毕业申请的审核。
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionJson {
    /// 所审核的环节序号（取自列表的 stage）；申请已进入其他环节时返回 409。
    pub stage: u32,
    /// approve 通过；reject 驳回。
    #[schema(inline)]
    pub decision: DecisionKind,
    /// 补充说明；驳回须选择常见原因 reason_code 或填写 reason，至少一项。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: Option<String>,
    /// 常见驳回原因。
    #[serde(default)]
    #[schema(schema_with = reason_code_schema)]
    pub reason_code: Option<String>,
    /// 通过时确认：实习(实验)考核合格成绩通知单加盖的是申请毕业主考学校有关学院的公章（已上传
    /// 成绩通知单的申请未确认时不能通过，返回 422）。
    #[serde(default)]
    pub seal_confirmed: bool,
}

/// 审核后的申请。
#[derive(Serialize, ToSchema)]
pub struct DecidedJson {
    /// 毕业申请 id。
    pub id: i64,
    /// 审核后的申请状态。
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 现在所在的环节序号。
    pub stage: Option<i32>,
    /// 驳回后考生看到的原因。
    pub rejection_reason: Option<String>,
}

/// 审核一份毕业申请：通过或驳回。
#[utoipa::path(
    post,
    path = "/api/v1/reviews/{id}/decision",
    operation_id = "decide_review",
    tag = "毕业审核",
    params(ApplicationId),
    request_body = DecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "审核后的申请", body = DecidedJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "不存在或不由本机构审核", body = ErrorBody),
        (status = 409, description = "申请状态已变化（已被他人审核或不在该环节），未做任何更改", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "输入不符合要求（fields 指明字段），例如驳回缺少原因、未确认公章", body = ErrorBody),
    )
)]
pub async fn decision(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(ApplicationId { id }): ApiPath<ApplicationId>,
    ApiJson(body): ApiJson<DecisionJson>,
) -> ApiResult<DecidedJson> {
    let input = DecisionInput {
        decision: match body.decision {
            DecisionKind::Approve => "approve",
            DecisionKind::Reject => "reject",
        }
        .to_owned(),
        reason_code: body.reason_code.unwrap_or_default(),
        reason_text: body.reason.unwrap_or_default(),
    };
    let decision = input
        .decision()
        .map_err(|m| ApiError::from(AppError::Invalid(vec![("reason".to_owned(), m)])))?;
    let stage = usize::try_from(body.stage).unwrap_or(usize::MAX);
    let a = review::decide_one(&state, &me, id, stage, decision, body.seal_confirmed).await?;
    Ok(Json(DecidedJson {
        id: a.id,
        status: a.status,
        stage: a.stage,
        rejection_reason: a.rejection_reason,
    }))
}

#[cfg(test)]
mod tests {
    use domain::review::REASON_TEXT_MAX;

    use super::*;

    #[test]
    fn the_documented_limits_are_the_rules_of_the_pages() {
        // The attribute needs literals; these keep them equal to the constants the rules use.
        let params = serde_json::to_value(ReviewsQuery::into_params(|| None)).unwrap_or_default();
        let after = params
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "after"))
            .cloned()
            .unwrap_or_default();
        // The documented cursor form is the one the pages write.
        let cursor = store::keyset::Cursor::by_id(7).encode();
        let pattern = after["schema"]["pattern"].as_str().unwrap_or_default();
        assert_eq!(pattern, r"^-?[0-9]{1,19}_[0-9]{1,19}$");
        assert!(
            cursor.ends_with("_7")
                && cursor[..cursor.len() - 2]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-')
        );
        let body = serde_json::to_value(<DecisionJson as utoipa::PartialSchema>::schema())
            .unwrap_or_default();
        assert_eq!(body["properties"]["reason"]["maxLength"], REASON_TEXT_MAX);
    }
}

/// 批量审核中的一份申请。
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkItemJson {
    /// 毕业申请 id。
    #[schema(minimum = 1)]
    pub id: i64,
    /// 所审核的环节序号（取自列表的 stage）。
    pub stage: u32,
}

/// 一次批量审核：同一结论用于多份申请。
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkDecisionJson {
    /// 要审核的申请，1 至 100 份。
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<BulkItemJson>,
    /// approve 通过；reject 驳回。
    #[schema(inline)]
    pub decision: DecisionKind,
    /// 补充说明；驳回须选择常见原因 reason_code 或填写 reason，至少一项。
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: Option<String>,
    /// 常见驳回原因。
    #[serde(default)]
    #[schema(schema_with = reason_code_schema)]
    pub reason_code: Option<String>,
}

/// 未能审核的一份申请。
#[derive(Serialize, ToSchema)]
pub struct BulkFailureJson {
    /// 毕业申请 id。
    pub id: i64,
    /// 原因（例如已被他人审核、不由本机构审核、需确认公章）。
    pub message: String,
}

/// 批量审核的结果。
#[derive(Serialize, ToSchema)]
pub struct BulkResultJson {
    /// 审核成功的份数。
    pub succeeded: u64,
    /// 未能审核的申请及原因；其余申请不受影响。
    pub failures: Vec<BulkFailureJson>,
}

/// 批量审核：同一结论逐份用于多份毕业申请（与页面的批量审核相同）；某份失败不影响其他份。
#[utoipa::path(
    post,
    path = "/api/v1/reviews/bulk-decision",
    operation_id = "decide_reviews_in_bulk",
    tag = "毕业审核",
    request_body = BulkDecisionJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "各份申请的结果", body = BulkResultJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是工作人员账号，或缺少、不符的 X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "未选择申请、超过 100 份或驳回缺少原因（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn bulk_decision(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiJson(body): ApiJson<BulkDecisionJson>,
) -> ApiResult<BulkResultJson> {
    let input = DecisionInput {
        decision: match body.decision {
            DecisionKind::Approve => "approve",
            DecisionKind::Reject => "reject",
        }
        .to_owned(),
        reason_code: body.reason_code.unwrap_or_default(),
        reason_text: body.reason.unwrap_or_default(),
    };
    let decision = input
        .decision()
        .map_err(|m| ApiError::from(AppError::Invalid(vec![("reason".to_owned(), m)])))?;
    let picks: Vec<(i64, usize)> = body
        .items
        .iter()
        .map(|i| (i.id, usize::try_from(i.stage).unwrap_or(usize::MAX)))
        .collect();
    let outcome = review::decide_many(&state, &me, &picks, &decision).await?;
    Ok(Json(BulkResultJson {
        succeeded: u64::try_from(outcome.succeeded).unwrap_or(u64::MAX),
        failures: outcome
            .failures
            .into_iter()
            .map(|(id, message)| BulkFailureJson { id, message })
            .collect(),
    }))
}

//! 审计日志 over the API for admins: the rows the page shows, with its filters and its keyset
//! cursor, read through the same [`crate::views::accounts::audit_log::read`].

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Api, ApiQuery, ApiResult};
use crate::AppState;
use crate::error::ErrorBody;
use crate::session::CurrentStaff;
use crate::views::accounts::audit_log::{self as page, AuditQuery};

/// 一条审计记录。
#[derive(Serialize, ToSchema)]
pub struct AuditRowJson {
    /// 记录编号。
    pub id: i64,
    /// 时间（UTC）。
    pub at: DateTime<Utc>,
    /// 操作人：工作人员用户名，或打码的准考证号、学号，或“系统”。
    pub actor: String,
    /// 操作代码。
    pub action: String,
    /// 操作的中文名称（没有时同操作代码）。
    pub action_label: String,
    /// 对象：类型及编号。
    pub subject: String,
    /// 详情。
    pub detail: String,
    /// 操作来源 IP。
    pub ip: String,
}

/// 一页审计记录。
#[derive(Serialize, ToSchema)]
pub struct AuditPageJson {
    /// 记录，按时间从新到旧，每页最多 50 条。
    pub rows: Vec<AuditRowJson>,
    /// 下一页的 after 参数；没有下一页时为 null。
    pub next: Option<String>,
}

/// 本机构范围内的审计日志，按时间从新到旧，用 after 翻页。
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit_log",
    tag = "账号",
    params(AuditQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "一页审计记录及下一页的位置", body = AuditPageJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是管理员", body = ErrorBody),
        (status = 422, description = "筛选条件无效", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<AuditPageJson> {
    let read = page::read(&state, &me, &q).await?;
    Ok(Json(AuditPageJson {
        rows: read
            .lines
            .into_iter()
            .map(|l| AuditRowJson {
                id: l.id,
                at: l.at,
                actor: l.actor,
                action: l.action,
                action_label: l.action_label,
                subject: l.subject,
                detail: l.detail,
                ip: l.ip,
            })
            .collect(),
        next: read.next,
    }))
}

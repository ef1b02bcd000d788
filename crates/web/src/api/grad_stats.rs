//! 统计 of one graduation batch over the API, through the service the page calls
//! ([`crate::services::grad_stats`]).

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Serialize;
use store::graduation::stats::BatchStats;
use utoipa::ToSchema;

use super::grad_batches::GraduationBatchId;
use super::{Api, ApiPath, ApiResult};
use crate::AppState;
use crate::error::ErrorBody;
use crate::services::grad_stats as service;
use crate::session::CurrentStaff;

/// 一种申请状态的人数。
#[derive(Serialize, ToSchema)]
pub struct StatusCountJson {
    /// 状态代码（draft、in_review、awaiting_payment、rejected、approved、closed）。
    pub status: String,
    /// 状态名称。
    pub label: String,
    /// 人数。
    pub count: u64,
}

/// 一个审核环节。
#[derive(Serialize, ToSchema)]
pub struct StageStatsJson {
    /// 环节序号，从 0 起。
    pub seq: i32,
    /// 环节名称。
    pub name: String,
    /// 是否为交费环节（其“通过”为已交费）。
    pub payment: bool,
    /// 当前在此环节待审核（或待交费）的人数。
    pub waiting: u64,
    /// 在此环节被驳回、尚未重新提交的人数。
    pub rejected_now: u64,
    /// 此环节的通过（交费）次数。
    pub approvals: u64,
    /// 此环节的驳回次数。
    pub rejections: u64,
}

/// 一个审核机构。
#[derive(Serialize, ToSchema)]
pub struct OrgStatsJson {
    /// 机构 id。
    pub org_id: i64,
    /// 机构名称。
    pub name: String,
    /// 机构类型。
    pub kind: String,
    /// 当前待其审核的人数。
    pub waiting: u64,
    /// 其通过次数。
    pub approvals: u64,
    /// 其驳回次数。
    pub rejections: u64,
}

/// 一天（北京时间）的数字。
#[derive(Serialize, ToSchema)]
pub struct DayStatsJson {
    /// 日期（北京时间）。
    pub date: NaiveDate,
    /// 提交次数（含驳回后重新提交）。
    pub submitted: u64,
    /// 审核通过次数。
    pub approvals: u64,
    /// 驳回次数。
    pub rejections: u64,
    /// 交费笔数。
    pub payments: u64,
    /// 交费金额（分）。
    pub paid_fen: i64,
    /// 退费笔数（按决定退费的日期）。
    pub refunds: u64,
    /// 退费金额（分）。
    pub refund_fen: i64,
}

/// 一种驳回原因的次数。
#[derive(Serialize, ToSchema)]
pub struct ReasonStatsJson {
    /// 常用驳回原因的代码，或 other。
    pub code: String,
    /// 原因。
    pub label: String,
    /// 次数。
    pub count: u64,
}

/// 一个毕业批次的统计。
#[derive(Serialize, ToSchema)]
pub struct BatchStatsJson {
    /// 批次 id。
    pub batch_id: i64,
    /// 批次名称。
    pub name: String,
    /// 申请总数。
    pub applications: u64,
    /// 各状态人数。
    pub statuses: Vec<StatusCountJson>,
    /// 各审核环节，按顺序。
    pub stages: Vec<StageStatsJson>,
    /// 各审核机构，按名称。
    pub orgs: Vec<OrgStatsJson>,
    /// 从第一天到最后一天的每日数字（北京时间）。
    pub days: Vec<DayStatsJson>,
    /// 各驳回原因，次数多的在前。
    pub reasons: Vec<ReasonStatsJson>,
}

impl BatchStatsJson {
    fn of(batch_id: i64, name: String, s: BatchStats) -> Self {
        BatchStatsJson {
            batch_id,
            name,
            applications: s.applications,
            statuses: s
                .statuses
                .iter()
                .map(|(st, n)| StatusCountJson {
                    status: st.code().to_owned(),
                    label: st.label().to_owned(),
                    count: *n,
                })
                .collect(),
            stages: s
                .stages
                .into_iter()
                .map(|st| StageStatsJson {
                    seq: st.seq,
                    name: st.name,
                    payment: st.payment,
                    waiting: st.waiting,
                    rejected_now: st.rejected_now,
                    approvals: st.approvals,
                    rejections: st.rejections,
                })
                .collect(),
            orgs: s
                .orgs
                .into_iter()
                .map(|o| OrgStatsJson {
                    org_id: o.org_id,
                    name: o.name,
                    kind: o.kind,
                    waiting: o.waiting,
                    approvals: o.approvals,
                    rejections: o.rejections,
                })
                .collect(),
            days: s
                .days
                .into_iter()
                .map(|d| DayStatsJson {
                    date: d.date,
                    submitted: d.submitted,
                    approvals: d.approvals,
                    rejections: d.rejections,
                    payments: d.payments,
                    paid_fen: d.paid_fen,
                    refunds: d.refunds,
                    refund_fen: d.refund_fen,
                })
                .collect(),
            reasons: s
                .reasons
                .into_iter()
                .map(|r| ReasonStatsJson {
                    code: r.code,
                    label: r.label,
                    count: r.count,
                })
                .collect(),
        }
    }
}

/// 一个毕业批次的统计：各状态、各审核环节、各审核机构的人数，每日的提交、审核、交费与退费，各驳回原因。省级考试机构的管理员、审核员和只读人员可查看本省的批次。
#[utoipa::path(
    get,
    path = "/api/v1/graduation/batches/{id}/stats",
    operation_id = "graduation_batch_stats",
    tag = "毕业申请",
    params(GraduationBatchId),
    security(("session" = [])),
    responses(
        (status = 200, description = "该批次的统计", body = BatchStatsJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "不是省级考试机构的管理员、审核员或只读人员，或批次属于其他省份", body = ErrorBody),
        (status = 404, description = "没有该毕业批次", body = ErrorBody),
    )
)]
pub async fn stats(
    State(state): State<AppState>,
    Api(me): Api<CurrentStaff>,
    ApiPath(GraduationBatchId { id }): ApiPath<GraduationBatchId>,
) -> ApiResult<BatchStatsJson> {
    let (b, s) = service::of_batch(&state, &me, id).await?;
    Ok(Json(BatchStatsJson::of(b.id, b.name, s)))
}

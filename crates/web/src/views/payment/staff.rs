//! 缴费与退费: the 财务 role's read-only list of the fee orders and refunds of the candidates
//! registered within the organisation's subtree.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use store::payment::report::{self, OrderFilter};

use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::{AppState, util};

const PER_PAGE: u64 = 50;

/// One refund of an order, in words.
pub struct RefundRow {
    /// 退费单号.
    pub refund_no: String,
    /// 金额 in yuan.
    pub amount: String,
    /// 状态.
    pub status: &'static str,
    /// 退费原因.
    pub reason: String,
    /// When it was queued, Beijing time.
    pub queued_at: String,
    /// When the gateway executed it, Beijing time; empty while waiting.
    pub executed_at: String,
}

/// One order in the list, the candidate's name masked.
pub struct OrderRow {
    /// 订单号.
    pub order_no: String,
    /// 考生, masked.
    pub name: String,
    /// 准考证号.
    pub admission_no: String,
    /// 金额 in yuan.
    pub amount: String,
    /// 状态.
    pub status: &'static str,
    /// 下单时间, Beijing time.
    pub created_at: String,
    /// 支付时间, Beijing time; empty while unpaid.
    pub paid_at: String,
    /// Its refunds.
    pub refunds: Vec<RefundRow>,
}

#[derive(Template)]
#[template(path = "staff/payments.html")]
struct PaymentsPage {
    layout: Layout,
    rows: Vec<OrderRow>,
    total: u64,
    page: u64,
    pages: u64,
    paid_count: u64,
    paid_amount: String,
    status: &'static str,
    filters: Vec<(&'static str, &'static str)>,
}

/// Query of the list.
#[derive(Debug, Deserialize, Default)]
pub struct PaymentsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<u64>,
}

/// GET /staff/payments (缴费与退费): the orders of the organisation's subtree, newest first.
pub async fn payments(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<PaymentsQuery>,
) -> Result<Html<String>, AppError> {
    me.require(domain::StaffRole::Finance)?;
    let filter = OrderFilter::from_code(&q.status);
    let page = q.page.unwrap_or(1).max(1);
    let report = report::orders(&state.db, &me.org, filter, page - 1, PER_PAGE).await?;
    let yuan = domain::review::yuan;
    let rows = report
        .lines
        .into_iter()
        .map(|l| OrderRow {
            name: l
                .candidate
                .as_ref()
                .map(|c| domain::mask_name(&c.name))
                .unwrap_or_default(),
            admission_no: l.candidate.map(|c| c.admission_no).unwrap_or_default(),
            amount: yuan(l.order.amount_fen),
            status: report::order_status_label(&l.order.status),
            created_at: util::beijing(l.order.created_at),
            paid_at: l.order.paid_at.map(util::beijing).unwrap_or_default(),
            refunds: l
                .refunds
                .into_iter()
                .map(|r| RefundRow {
                    amount: yuan(r.amount_fen),
                    status: report::refund_status_label(&r.status),
                    queued_at: util::beijing(r.queued_at),
                    executed_at: r.executed_at.map(util::beijing).unwrap_or_default(),
                    refund_no: r.refund_no,
                    reason: r.reason,
                })
                .collect(),
            order_no: l.order.order_no,
        })
        .collect();
    let view = PaymentsPage {
        layout: Layout::staff(
            "缴费与退费",
            crate::views::accounts::staff::who(&me),
            &me.ctx,
            "/staff/payments",
            &me.roles,
        ),
        rows,
        total: report.total,
        page,
        pages: report.total.div_ceil(PER_PAGE).max(1),
        paid_count: report.paid_count,
        paid_amount: yuan(report.paid_fen),
        status: filter.code(),
        filters: OrderFilter::ALL
            .into_iter()
            .map(|f| (f.code(), f.label()))
            .collect(),
    };
    Ok(Html(view.render()?))
}

/// GET /staff/payments/export.xlsx (导出): the ledger under the list's filter, every page — one
/// row per order and one per refund below it, amounts as numbers, for reconciling against the
/// gateway's statement.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<PaymentsQuery>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require(domain::StaffRole::Finance)?;
    let filter = OrderFilter::from_code(&q.status);
    let mut x = XlsxExport::new(
        "缴费与退费",
        &[
            "类型",
            "订单号",
            "退费单号",
            "准考证号",
            "考生",
            "金额（元）",
            "状态",
            "下单/申请时间",
            "支付/退费时间",
            "退费原因",
        ],
    )?;
    let mut page = 0;
    let snapshot = crate::export::snapshot(&state.db).await?;
    loop {
        let report = report::orders(&snapshot, &me.org, filter, page, crate::export::CHUNK).await?;
        let full = report.lines.len() as u64 == crate::export::CHUNK;
        for l in report.lines {
            let (admission_no, name) = l
                .candidate
                .as_ref()
                .map(|c| (c.admission_no.clone(), domain::mask_name(&c.name)))
                .unwrap_or_default();
            let created = util::beijing(l.order.created_at);
            let paid = l.order.paid_at.map(util::beijing).unwrap_or_default();
            x.push(&[
                Cell::Text("缴费"),
                Cell::Text(&l.order.order_no),
                Cell::Empty,
                Cell::Text(&admission_no),
                Cell::Text(&name),
                Cell::Number(l.order.amount_fen as f64 / 100.0),
                Cell::Text(report::order_status_label(&l.order.status)),
                Cell::Text(&created),
                Cell::Text(&paid),
                Cell::Empty,
            ])?;
            for r in &l.refunds {
                let queued = util::beijing(r.queued_at);
                let executed = r.executed_at.map(util::beijing).unwrap_or_default();
                x.push(&[
                    Cell::Text("退费"),
                    Cell::Text(&l.order.order_no),
                    Cell::Text(&r.refund_no),
                    Cell::Text(&admission_no),
                    Cell::Text(&name),
                    Cell::Number(-(r.amount_fen as f64) / 100.0),
                    Cell::Text(report::refund_status_label(&r.status)),
                    Cell::Text(&queued),
                    Cell::Text(&executed),
                    Cell::Text(&r.reason),
                ])?;
            }
        }
        if !full {
            break;
        }
        page += 1;
    }
    let name = format!(
        "缴费与退费-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

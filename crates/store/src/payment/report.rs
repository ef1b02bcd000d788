//! 缴费与退费: the fee orders and refunds of the candidates registered within an organisation's
//! subtree, for the 财务 role. Read only.
//!
//! Scope is the candidate's registration organisation under the organisation's path, as for the
//! candidate list; a chief university's examined candidates registered elsewhere are not its
//! money, so they are left out.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    ORDER_PAID, ORDER_PENDING, REFUND_CANCELLED, REFUND_DONE, REFUND_EXECUTING, REFUND_QUEUED,
};
use crate::entity::{
    candidate, graduation_application as app, organisation, payment_order, refund,
};
use crate::repo::RepoError;
use crate::repo::candidate::scope_condition_for_path;

/// Which orders the report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderFilter {
    /// 全部.
    #[default]
    All,
    /// 待支付.
    Pending,
    /// 已支付.
    Paid,
    /// Orders with at least one refund, queued or executed.
    Refunded,
}

impl OrderFilter {
    /// Every filter, in the order the page offers them.
    pub const ALL: [OrderFilter; 4] = [
        OrderFilter::All,
        OrderFilter::Pending,
        OrderFilter::Paid,
        OrderFilter::Refunded,
    ];

    /// The value in the query string.
    pub fn code(self) -> &'static str {
        match self {
            OrderFilter::All => "",
            OrderFilter::Pending => ORDER_PENDING,
            OrderFilter::Paid => ORDER_PAID,
            OrderFilter::Refunded => "refunded",
        }
    }

    /// The filter named in a query string; anything unknown lists everything.
    pub fn from_code(code: &str) -> OrderFilter {
        Self::ALL
            .into_iter()
            .find(|f| f.code() == code)
            .unwrap_or_default()
    }

    /// The label on the page.
    pub fn label(self) -> &'static str {
        match self {
            OrderFilter::All => "全部",
            OrderFilter::Pending => "待支付",
            OrderFilter::Paid => "已支付",
            OrderFilter::Refunded => "有退费",
        }
    }
}

/// An order status in words.
pub fn order_status_label(status: &str) -> &'static str {
    match status {
        ORDER_PENDING => "待支付",
        ORDER_PAID => "已支付",
        _ => "未知状态",
    }
}

/// A refund status in words.
pub fn refund_status_label(status: &str) -> &'static str {
    match status {
        REFUND_QUEUED => "待退费",
        REFUND_EXECUTING => "退费办理中",
        REFUND_DONE => "已退费",
        REFUND_CANCELLED => "已取消（申辩撤销原决定）",
        _ => "未知状态",
    }
}

/// One order of the report with its candidate and refunds.
#[derive(Debug, Clone)]
pub struct OrderLine {
    /// The order.
    pub order: payment_order::Model,
    /// The candidate who placed it; `None` only if the row vanished meanwhile.
    pub candidate: Option<candidate::Model>,
    /// Its refunds, oldest first.
    pub refunds: Vec<refund::Model>,
}

/// One page of the report.
#[derive(Debug, Clone)]
pub struct OrdersPage {
    /// The orders, newest first.
    pub lines: Vec<OrderLine>,
    /// Orders matching the filter in the scope.
    pub total: u64,
    /// Paid orders in the scope, whatever the filter.
    pub paid_count: u64,
    /// Their amount in fen.
    pub paid_fen: i64,
}

/// The orders of applications whose candidate is registered within the organisation's subtree.
fn in_scope(org: &organisation::Model) -> Condition {
    let candidates = Query::select()
        .column(candidate::Column::Id)
        .from(candidate::Entity)
        .cond_where(scope_condition_for_path(&org.path))
        .to_owned();
    let applications = Query::select()
        .column(app::Column::Id)
        .from(app::Entity)
        .and_where(app::Column::CandidateId.in_subquery(candidates))
        .to_owned();
    Condition::all().add(payment_order::Column::ApplicationId.in_subquery(applications))
}

fn filtered(filter: OrderFilter) -> Condition {
    match filter {
        OrderFilter::All => Condition::all(),
        OrderFilter::Pending => {
            Condition::all().add(payment_order::Column::Status.eq(ORDER_PENDING))
        }
        OrderFilter::Paid => Condition::all().add(payment_order::Column::Status.eq(ORDER_PAID)),
        OrderFilter::Refunded => {
            let refunded = Query::select()
                .column(refund::Column::OrderId)
                .from(refund::Entity)
                .and_where(refund::Column::Status.ne(REFUND_CANCELLED))
                .to_owned();
            Condition::all().add(payment_order::Column::Id.in_subquery(refunded))
        }
    }
}

/// Number and amount of the paid orders in the scope. SUM of a BIGINT is NUMERIC on
/// PostgreSQL, so it is cast back to an integer each backend spells its own way.
async fn paid_totals<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
) -> Result<(u64, i64), RepoError> {
    let int = match conn.get_database_backend() {
        DatabaseBackend::MySql => "SIGNED",
        _ => "BIGINT",
    };
    let row: Option<(i64, i64)> = payment_order::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(
            Expr::cust(format!(
                "CAST(COALESCE(SUM(payment_orders.amount_fen), 0) AS {int})"
            )),
            "fen",
        )
        .filter(in_scope(org))
        .filter(payment_order::Column::Status.eq(ORDER_PAID))
        .into_tuple()
        .one(conn)
        .await?;
    let (n, fen) = row.unwrap_or((0, 0));
    Ok((u64::try_from(n).unwrap_or_default(), fen))
}

/// One page (`page` from 0) of the orders of the organisation's subtree, newest first, with the
/// candidates, refunds and the paid totals of the whole scope.
pub async fn orders<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
    filter: OrderFilter,
    page: u64,
    per_page: u64,
) -> Result<OrdersPage, RepoError> {
    let q = payment_order::Entity::find()
        .filter(in_scope(org))
        .filter(filtered(filter));
    let total = q.clone().count(conn).await?;
    let orders = q
        .order_by_desc(payment_order::Column::CreatedAt)
        .order_by_desc(payment_order::Column::Id)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(conn)
        .await?;
    let (paid_count, paid_fen) = paid_totals(conn, org).await?;

    let app_ids: Vec<i64> = orders.iter().map(|o| o.application_id).collect();
    let order_ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let candidate_of: HashMap<i64, i64> = app::Entity::find()
        .filter(app::Column::Id.is_in(app_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.candidate_id))
        .collect();
    let candidates: HashMap<i64, candidate::Model> = candidate::Entity::find()
        .filter(candidate::Column::Id.is_in(candidate_of.values().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut refunds: HashMap<i64, Vec<refund::Model>> = HashMap::new();
    for r in refund::Entity::find()
        .filter(refund::Column::OrderId.is_in(order_ids))
        .order_by_asc(refund::Column::Id)
        .all(conn)
        .await?
    {
        refunds.entry(r.order_id).or_default().push(r);
    }
    let lines = orders
        .into_iter()
        .map(|order| {
            let candidate = candidate_of
                .get(&order.application_id)
                .and_then(|c| candidates.get(c).cloned());
            OrderLine {
                refunds: refunds.remove(&order.id).unwrap_or_default(),
                candidate,
                order,
            }
        })
        .collect();
    Ok(OrdersPage {
        lines,
        total,
        paid_count,
        paid_fen,
    })
}

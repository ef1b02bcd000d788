//! 统计 of one graduation batch (`/staff/batches/{id}/stats`) and its 导出
//! (`/staff/batches/{id}/stats.xlsx`): where the applications stand per stage and organisation,
//! and what happened per day, each chart an inline SVG drawn here (no script) with a table of
//! the same numbers beside it. Who may read it: [`crate::services::grad_stats`].

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Response};
use store::entity::batch;
use store::graduation::stats::BatchStats;

use crate::AppState;
use crate::error::AppError;
use crate::services::grad_stats as service;
use crate::session::CurrentStaff;
use crate::views::Layout;

/// Width of every chart's drawing, in its own units (it scales to the page's width).
const WIDTH: u32 = 400;
/// Longest bar of a horizontal chart, leaving room for its value after it.
const BAR_MAX: u32 = 320;
/// Height of a column chart's plot.
const PLOT_H: u32 = 140;

/// One bar of a horizontal bar chart: its label above it, its value after it.
pub struct Bar {
    /// What it counts.
    pub label: String,
    /// The count, as shown.
    pub value: u64,
    /// Top of the label line.
    pub y: u32,
    /// Top of the bar.
    pub bar_y: u32,
    /// Length of the bar.
    pub width: u32,
    /// Where the value is written.
    pub value_x: u32,
}

/// A horizontal bar chart: one bar per item, as tall as there are items, readable at any width.
pub struct BarChart {
    /// The element id, for `aria-labelledby`.
    pub id: &'static str,
    /// Its title (the SVG `<title>`).
    pub title: String,
    /// The numbers in a sentence (the SVG `<desc>`).
    pub desc: String,
    /// The bars.
    pub bars: Vec<Bar>,
    /// Height of the drawing.
    pub height: u32,
    /// Fill colour of the bars.
    pub colour: &'static str,
}

impl BarChart {
    fn new(
        id: &'static str,
        title: &str,
        colour: &'static str,
        items: Vec<(String, u64)>,
    ) -> BarChart {
        let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let desc = if items.is_empty() {
            "暂无数据".to_owned()
        } else {
            items
                .iter()
                .map(|(l, v)| format!("{l} {v}"))
                .collect::<Vec<_>>()
                .join("；")
        };
        let bars: Vec<Bar> = items
            .into_iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let y = i as u32 * 44;
                // A non-zero count keeps a visible sliver however small it is beside the largest.
                let width = match value {
                    0 => 0,
                    v => ((v as f64 / max as f64) * BAR_MAX as f64).round().max(2.0) as u32,
                };
                Bar {
                    label,
                    value,
                    y: y + 14,
                    bar_y: y + 20,
                    width,
                    value_x: width + 6,
                }
            })
            .collect();
        BarChart {
            id,
            title: title.to_owned(),
            desc,
            height: (bars.len() as u32 * 44).max(24),
            bars,
            colour,
        }
    }
}

/// One day's column of a column chart.
pub struct Column {
    /// The day, 2026-11-03.
    pub label: String,
    /// The count.
    pub value: u64,
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// A column chart over the days: one column per day, the first and last day and the largest
/// count written on the axes.
pub struct ColumnChart {
    /// The element id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The numbers in a sentence.
    pub desc: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The largest count (the top of the axis).
    pub max: u64,
    /// The first day.
    pub first: String,
    /// The last day.
    pub last: String,
    /// Fill colour.
    pub colour: &'static str,
    /// Bottom of the plot.
    pub base: u32,
    /// Height of the drawing.
    pub height: u32,
}

impl ColumnChart {
    fn new(id: &str, title: &str, colour: &'static str, days: Vec<(String, u64)>) -> ColumnChart {
        let max = days.iter().map(|(_, v)| *v).max().unwrap_or(0);
        let n = days.len().max(1) as u32;
        let left = 44;
        let step = ((WIDTH - left) / n).max(1);
        let w = step.saturating_sub(step / 5).max(1);
        let base = 12 + PLOT_H;
        let busy: Vec<String> = days
            .iter()
            .filter(|(_, v)| *v > 0)
            .map(|(d, v)| format!("{d} {v}"))
            .collect();
        let desc = if busy.is_empty() {
            "每天均为 0".to_owned()
        } else {
            format!("共 {} 天，其余为 0：{}", days.len(), busy.join("；"))
        };
        ColumnChart {
            id: id.to_owned(),
            title: title.to_owned(),
            desc,
            first: days.first().map(|d| d.0.clone()).unwrap_or_default(),
            last: days.last().map(|d| d.0.clone()).unwrap_or_default(),
            columns: days
                .into_iter()
                .enumerate()
                .map(|(i, (label, value))| {
                    let h = if max == 0 {
                        0
                    } else {
                        ((value as f64 / max as f64) * PLOT_H as f64).round() as u32
                    };
                    Column {
                        label,
                        value,
                        x: left + i as u32 * step,
                        y: base - h,
                        w,
                        h,
                    }
                })
                .collect(),
            max,
            colour,
            base,
            height: base + 22,
        }
    }
}

/// A day chart: element id, title, colour and the day's count it draws.
type DaySeries = (
    &'static str,
    &'static str,
    &'static str,
    fn(&store::graduation::stats::DayRow) -> u64,
);

/// Yuan with two decimals, from fen.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

#[derive(Template)]
#[template(path = "staff/batch_stats.html")]
struct Page {
    layout: Layout,
    b: batch::Model,
    s: BatchStats,
    at: String,
    statuses: BarChart,
    stages: BarChart,
    orgs: BarChart,
    reasons: BarChart,
    days: Vec<ColumnChart>,
}

impl Page {
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
}

fn page(
    layout: Layout,
    b: batch::Model,
    s: BatchStats,
    now: chrono::DateTime<chrono::Utc>,
) -> Page {
    let statuses = BarChart::new(
        "chart-statuses",
        "各状态申请人数",
        "#1d5fa8",
        s.statuses
            .iter()
            .map(|(st, n)| (st.label().to_owned(), *n))
            .collect(),
    );
    let stages = BarChart::new(
        "chart-stages",
        "各审核环节当前待办人数",
        "#2f855a",
        s.stages
            .iter()
            .map(|st| (st.name.clone(), st.waiting))
            .collect(),
    );
    let orgs = BarChart::new(
        "chart-orgs",
        "各审核机构待审核人数",
        "#b7791f",
        s.orgs.iter().map(|o| (o.name.clone(), o.waiting)).collect(),
    );
    let reasons = BarChart::new(
        "chart-reasons",
        "驳回原因（次数）",
        "#c53030",
        s.reasons
            .iter()
            .map(|r| (r.label.clone(), r.count))
            .collect(),
    );
    let series: [DaySeries; 5] = [
        (
            "chart-day-submitted",
            "每日提交申请",
            "#1d5fa8",
            |d| d.submitted,
        ),
        (
            "chart-day-approvals",
            "每日审核通过",
            "#2f855a",
            |d| d.approvals,
        ),
        ("chart-day-rejections", "每日驳回", "#c53030", |d| {
            d.rejections
        }),
        ("chart-day-payments", "每日交费", "#b7791f", |d| {
            d.payments
        }),
        ("chart-day-refunds", "每日退费", "#6b46c1", |d| {
            d.refunds
        }),
    ];
    let days = series
        .iter()
        .map(|(id, title, colour, f)| {
            ColumnChart::new(
                id,
                title,
                colour,
                s.days.iter().map(|d| (d.date.to_string(), f(d))).collect(),
            )
        })
        .collect();
    Page {
        layout,
        at: domain::calendar::beijing_minute(now),
        b,
        s,
        statuses,
        stages,
        orgs,
        reasons,
        days,
    }
}

/// GET /staff/batches/{id}/stats
pub async fn show(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let (b, s) = service::of_batch(&state, &me, id).await?;
    let layout = Layout::staff(
        "毕业批次统计",
        crate::views::accounts::staff::who(&me),
        &me.ctx,
        "/staff/batches",
        &me.roles,
    );
    Ok(Html(page(layout, b, s, state.now()).render()?))
}

/// The page of batch `batch_id` as the statistics benchmark measures it: the same counts and the
/// same template as [`show`], without a signed-in request around them.
pub async fn render_for_bench(db: &store::Db, batch_id: i64) -> Result<String, AppError> {
    use sea_orm::EntityTrait;
    let b = batch::Entity::find_by_id(batch_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("未找到该毕业批次".to_owned()))?;
    let s = store::graduation::stats::of_batch(db, batch_id).await?;
    let ctx = crate::session::SessionCtx::default();
    let layout = Layout::bare("毕业批次统计", &ctx);
    Ok(page(layout, b, s, chrono::Utc::now()).render()?)
}

/// GET /staff/batches/{id}/stats.xlsx (导出): the page's numbers, one per row (分类, 名称,
/// 指标, 数值), so that a spreadsheet can filter and pivot them.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    let (b, s) = service::of_batch(&state, &me, id).await?;
    let mut x = XlsxExport::new("统计", &["分类", "名称", "指标", "数值"])?;
    let mut row = |group: &str, name: &str, what: &str, n: f64| {
        x.push(&[
            Cell::Text(group),
            Cell::Text(name),
            Cell::Text(what),
            Cell::Number(n),
        ])
    };
    row("申请", "全部", "人数", s.applications as f64)?;
    for (st, n) in &s.statuses {
        row("申请状态", st.label(), "人数", *n as f64)?;
    }
    for st in &s.stages {
        let (waiting, approved) = if st.payment {
            ("待交费", "已交费")
        } else {
            ("待审核", "通过")
        };
        row("审核环节", &st.name, waiting, st.waiting as f64)?;
        row(
            "审核环节",
            &st.name,
            "已驳回待重新提交",
            st.rejected_now as f64,
        )?;
        row("审核环节", &st.name, approved, st.approvals as f64)?;
        row("审核环节", &st.name, "驳回", st.rejections as f64)?;
    }
    for o in &s.orgs {
        row("审核机构", &o.name, "待审核", o.waiting as f64)?;
        row("审核机构", &o.name, "通过", o.approvals as f64)?;
        row("审核机构", &o.name, "驳回", o.rejections as f64)?;
    }
    for d in &s.days {
        let day = d.date.to_string();
        row("按日", &day, "提交", d.submitted as f64)?;
        row("按日", &day, "通过", d.approvals as f64)?;
        row("按日", &day, "驳回", d.rejections as f64)?;
        row("按日", &day, "交费", d.payments as f64)?;
        row("按日", &day, "交费金额（元）", d.paid_fen as f64 / 100.0)?;
        row("按日", &day, "退费", d.refunds as f64)?;
        row("按日", &day, "退费金额（元）", d.refund_fen as f64 / 100.0)?;
    }
    for r in &s.reasons {
        row("驳回原因", &r.label, "次数", r.count as f64)?;
    }
    for r in &s.day_reasons {
        row(
            "按日驳回原因",
            &r.date.to_string(),
            &r.label,
            r.count as f64,
        )?;
    }
    let name = format!(
        "毕业批次统计-{}-{}.xlsx",
        b.name,
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

/// GET /staff/batches/{id}/applications.xlsx (申请明细): every application of the batch, one
/// row each with where it stands (status, stage, the organisation it waits at), for the same
/// readers as the 统计 page; ID numbers masked as in the review queues. Read by id in chunks
/// inside one snapshot, so a decision during the export neither skips nor repeats a row.
pub async fn applications_export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    use std::collections::HashMap;
    use store::entity::{graduation_application as app, major, organisation};
    use tabular::export::{Cell, XlsxExport};
    let b = service::batch_of(&state, &me, id).await?;
    let stages = store::graduation::application::stages(&state.db, b.id).await?;
    let mut x = XlsxExport::new(
        "申请明细",
        &[
            "准考证号",
            "姓名",
            "身份证号",
            "专业",
            "主考学校",
            "状态",
            "当前环节",
            "当前审核机构",
            "提交时间",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut orgs: HashMap<i64, String> = HashMap::new();
    let mut majors: HashMap<i64, String> = HashMap::new();
    let mut after = 0i64;
    loop {
        let rows = app::Entity::find()
            .filter(app::Column::BatchId.eq(b.id))
            .filter(app::Column::Id.gt(after))
            .order_by_asc(app::Column::Id)
            .limit(crate::export::CHUNK)
            .all(&snapshot)
            .await?;
        let people = store::repo::candidate::by_ids(
            &snapshot,
            &rows.iter().map(|a| a.candidate_id).collect::<Vec<_>>(),
        )
        .await?;
        let need_orgs: Vec<i64> = rows
            .iter()
            .flat_map(|a| [Some(a.chief_university_id), a.current_org_id])
            .flatten()
            .filter(|o| !orgs.contains_key(o))
            .collect();
        if !need_orgs.is_empty() {
            for o in organisation::Entity::find()
                .filter(organisation::Column::Id.is_in(need_orgs))
                .all(&snapshot)
                .await?
            {
                orgs.insert(o.id, o.name);
            }
        }
        let need_majors: Vec<i64> = rows
            .iter()
            .map(|a| a.major_id)
            .filter(|m| !majors.contains_key(m))
            .collect();
        if !need_majors.is_empty() {
            for m in major::Entity::find()
                .filter(major::Column::Id.is_in(need_majors))
                .all(&snapshot)
                .await?
            {
                majors.insert(m.id, format!("{} {}", m.code, m.name));
            }
        }
        for a in &rows {
            let st = store::graduation::application::state(a);
            let (admission_no, name, id_card) = people
                .get(&a.candidate_id)
                .map(|c| {
                    (
                        c.admission_no.clone(),
                        c.name.clone(),
                        crate::util::mask_id(&c.id_card_no),
                    )
                })
                .unwrap_or_default();
            let stage = st
                .stage
                .and_then(|i| stages.get(i))
                .map(|s| s.name.as_str())
                .unwrap_or("");
            let submitted = a.submitted_at.map(crate::util::beijing).unwrap_or_default();
            let none = String::new();
            x.push(&[
                Cell::Text(&admission_no),
                Cell::Text(&name),
                Cell::Text(&id_card),
                Cell::Text(majors.get(&a.major_id).unwrap_or(&none)),
                Cell::Text(orgs.get(&a.chief_university_id).unwrap_or(&none)),
                Cell::Text(st.status.label()),
                Cell::Text(stage),
                Cell::Text(a.current_org_id.and_then(|o| orgs.get(&o)).unwrap_or(&none)),
                Cell::Text(&submitted),
            ])?;
        }
        match rows.last() {
            Some(last) if rows.len() as u64 == crate::export::CHUNK => after = last.id,
            _ => break,
        }
    }
    let name = format!(
        "毕业申请明细-{}-{}.xlsx",
        b.name,
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_keep_small_counts_visible() {
        let c = BarChart::new(
            "c",
            "t",
            "#000",
            vec![("甲".into(), 1000), ("乙".into(), 1), ("丙".into(), 0)],
        );
        assert_eq!(c.bars[0].width, BAR_MAX);
        assert_eq!(c.bars[1].width, 2);
        assert_eq!(c.bars[2].width, 0);
        assert_eq!(c.desc, "甲 1000；乙 1；丙 0");
        assert_eq!(c.height, 3 * 44);
    }

    #[test]
    fn columns_stand_on_one_base_and_the_largest_fills_the_plot() {
        let c = ColumnChart::new(
            "d",
            "t",
            "#000",
            vec![
                ("2026-11-01".into(), 4),
                ("2026-11-02".into(), 0),
                ("2026-11-03".into(), 2),
            ],
        );
        assert_eq!(c.columns[0].h, PLOT_H);
        assert_eq!(c.columns[1].h, 0);
        assert_eq!(c.columns[2].h, PLOT_H / 2);
        assert!(c.columns.iter().all(|col| col.y + col.h == c.base));
        assert_eq!(c.desc, "共 3 天，其余为 0：2026-11-01 4；2026-11-03 2");
        assert_eq!(yuan(12_345), "123.45");
    }
}

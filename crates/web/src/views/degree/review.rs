//! 学位审核 for the school of continuing education (seed 002 step 2): the queue of a degree
//! batch, an application's detail with its uploads, 审核通过 / 审核不通过 with 审核意见, and the
//! 学位授予结果 recorded in bulk from the list. Only the organisation that runs the batch sees
//! any of it; everyone else gets the same 404.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::degree::files::DegreeSlot;
use domain::degree::{DegreeAward, DegreeReview};
use serde::Deserialize;
use store::degree::application as degree;
use store::entity::{batch, degree_application as app};
use store::keyset::PageAt;
use store::repo::reference;

use crate::error::AppError;
use crate::services::degree::{self as service, mine, my_batches};
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::views::degree::apply::serve_file;
use crate::{AppState, util};

fn layout(me: &CurrentStaff) -> Layout {
    Layout::staff(
        "学位审核",
        crate::views::accounts::staff::who(me),
        &me.ctx,
        "/staff/degree",
        &me.roles,
    )
}

/// Filters of the queue.
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    batch: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    done: Option<String>,
    /// 下一页: the cursor of the last row seen.
    #[serde(default)]
    after: String,
    /// 上一页: the cursor of the first row seen.
    #[serde(default)]
    before: String,
}

/// The review-status filter: `None` for 全部; unknown codes mean 待审核.
fn review_filter(status: &str) -> Option<DegreeReview> {
    match status {
        "all" => None,
        other => Some(DegreeReview::from_code(other).unwrap_or(DegreeReview::Pending)),
    }
}

/// One row of the queue.
pub struct Row {
    /// Application id.
    pub id: i64,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 证件号码, masked.
    pub id_card: String,
    /// 论文题目.
    pub thesis_title: String,
    /// 提交时间.
    pub submitted_at: String,
    /// 审核状态.
    pub review: String,
    /// 学位授予结果.
    pub award: String,
    /// Whether a result can be recorded (approved).
    pub approved: bool,
}

#[derive(Template)]
#[template(path = "staff/degree_queue.html")]
struct QueuePage {
    layout: Layout,
    batches: Vec<(i64, String, bool)>,
    status: String,
    rows: Vec<Row>,
    counts: Vec<(String, usize)>,
    /// Applications the filter shows, on every page.
    total: u64,
    prev: Option<String>,
    next: Option<String>,
    /// 导出 of what the filter shows.
    export: String,
    message: Option<String>,
    school: bool,
    /// The school's admin, who may export its awarded degrees.
    report: bool,
}

/// GET /staff/degree
pub async fn queue(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, AppError> {
    let batches = my_batches(&state, &me).await?;
    let chosen = q
        .batch
        .and_then(|id| batches.iter().find(|b| b.id == id))
        .or_else(|| batches.first());
    let status = q.status.clone().unwrap_or_else(|| "pending".to_owned());
    let mut rows = Vec::new();
    let mut counts = Vec::new();
    let (mut total, mut prev, mut next, mut export) = (0, None, None, String::new());
    if let Some(b) = chosen {
        let by_review = degree::review_counts(&state.db, b.id).await?;
        for r in DegreeReview::ALL {
            let n = by_review
                .iter()
                .find(|(code, _)| code.as_deref() == Some(r.code()))
                .map_or(0, |(_, n)| *n);
            counts.push((r.label().to_owned(), usize::try_from(n).unwrap_or(0)));
        }
        let review = review_filter(&status);
        total = match review {
            Some(r) => by_review
                .iter()
                .filter(|(code, _)| code.as_deref() == Some(r.code()))
                .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                .sum(),
            None => by_review
                .iter()
                .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                .sum(),
        };
        let at = PageAt::from_query(&q.after, &q.before);
        let page = degree::queue(&state.db, b.id, review, at, crate::paging::PER_PAGE).await?;
        let pairs = [("batch", b.id.to_string()), ("status", status.clone())];
        (prev, next) = crate::paging::links("/staff/degree", &pairs, page.prev, page.next);
        export = crate::paging::link("/staff/degree/export.xlsx", &pairs, PageAt::First);
        rows = queue_rows(&state, b.id, &page.rows).await?;
    }
    let page = QueuePage {
        layout: layout(&me),
        batches: batches
            .iter()
            .map(|b| (b.id, b.name.clone(), chosen.is_some_and(|c| c.id == b.id)))
            .collect(),
        status,
        rows,
        counts,
        total,
        prev,
        next,
        export,
        message: q.done.as_deref().map(|d| match d {
            "reviewed" => "审核结果已保存，已通知学生".to_owned(),
            "awarded" => "学位授予结果已登记，已通知学生".to_owned(),
            other => format!("已完成：{other}"),
        }),
        school: me.org.kind == domain::OrgKind::ContinuingEdSchool.code(),
        report: me.org.kind == domain::OrgKind::ContinuingEdSchool.code() && me.is_admin(),
    };
    Ok(Html(page.render()?))
}

/// The queue's rows for `apps` of batch `batch_id`, the ID number masked as the list shows it.
async fn queue_rows(
    state: &AppState,
    batch_id: i64,
    apps: &[app::Model],
) -> Result<Vec<Row>, AppError> {
    let stages = store::degree::stages_of(&state.db, batch_id).await?;
    let people = store::repo::student::by_ids(
        &state.db,
        &apps.iter().map(|a| a.student_id).collect::<Vec<_>>(),
    )
    .await?;
    Ok(apps
        .iter()
        .map(|a| Row {
            id: a.id,
            student_no: people
                .get(&a.student_id)
                .map(|s| s.student_no.clone())
                .unwrap_or_default(),
            name: a.name.clone(),
            id_card: util::mask_id(&a.id_card_no),
            thesis_title: a.thesis_title.clone(),
            submitted_at: a.submitted_at.map(util::beijing).unwrap_or_default(),
            review: degree::review_label(a, &stages).unwrap_or_default(),
            award: a
                .award
                .as_deref()
                .and_then(DegreeAward::from_code)
                .map(|x| x.label().to_owned())
                .unwrap_or_default(),
            approved: a.review_status.as_deref() == Some(DegreeReview::Approved.code()),
        })
        .collect())
}

/// GET /staff/degree/export.xlsx (导出): the queue of one batch under the same status filter,
/// every page of it, with the list's columns (the ID number masked as in the list). Whoever may
/// see the queue may export it: the school that runs the batch.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    let batches = my_batches(&state, &me).await?;
    if batches.is_empty() {
        return Err(AppError::Forbidden(
            "学位申请由继续教育学院办理，本机构无学位审核列表可导出。".to_owned(),
        ));
    }
    let chosen = match q.batch {
        Some(id) => batches.iter().find(|b| b.id == id),
        None => batches.first(),
    };
    let Some(b) = chosen else {
        return Err(AppError::NotFound("本学院没有该学位申请批次。".to_owned()));
    };
    let review = review_filter(q.status.as_deref().unwrap_or("pending"));
    let mut x = XlsxExport::new(
        "学位审核",
        &[
            "学号",
            "姓名",
            "证件号码",
            "论文题目",
            "提交时间",
            "审核状态",
            "学位授予结果",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut at = PageAt::First;
    loop {
        let page = degree::queue(&snapshot, b.id, review, at, crate::export::CHUNK).await?;
        for r in queue_rows(&state, b.id, &page.rows).await? {
            x.push(&[
                Cell::Text(&r.student_no),
                Cell::Text(&r.name),
                Cell::Text(&r.id_card),
                Cell::Text(&r.thesis_title),
                Cell::Text(&r.submitted_at),
                Cell::Text(&r.review),
                Cell::Text(&r.award),
            ])?;
        }
        match page.next {
            Some(c) => at = PageAt::After(c),
            None => break,
        }
    }
    let name = format!(
        "学位审核-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

#[derive(Template)]
#[template(path = "staff/degree_detail.html")]
struct DetailPage {
    layout: Layout,
    a: app::Model,
    student_no: String,
    major: String,
    batch: String,
    review: String,
    /// The stage the reviewer decides, shown when the batch has several.
    stage: Option<String>,
    award: String,
    files: Vec<(i64, &'static str, String)>,
    pending: bool,
    error: Option<String>,
    opinion: String,
    /// 办理记录: 确认提交, the latest review and the 学位授予结果, naming both reviewers of a
    /// decision taken under a 工作委托.
    history: Vec<crate::services::appeal::HistoryLine>,
    /// Appeals against a 不授予 of the application, with their outcomes.
    appeal_history: Vec<crate::services::appeal::HistoryLine>,
    /// The same appeals in full (申辩 section), newest first.
    appeals: Vec<crate::services::appeal::StaffAppealView>,
}

async fn render_detail(
    state: &AppState,
    me: &CurrentStaff,
    a: app::Model,
    b: &batch::Model,
    error: Option<String>,
    opinion: String,
) -> Result<String, AppError> {
    let s = store::repo::student::get(&state.db, a.student_id).await?;
    let major = reference::major(&state.db, s.major_id).await?;
    let stages = store::degree::stages_of(&state.db, b.id).await?;
    let stage = (stages.len() > 1)
        .then(|| degree::state(&a).stage.and_then(|i| stages.get(i)))
        .flatten()
        .map(|st| st.name.clone());
    let files = degree::files(&state.db, a.id)
        .await?
        .into_iter()
        .map(|f| {
            (
                f.id,
                DegreeSlot::from_code(&f.slot)
                    .map(|x| x.label())
                    .unwrap_or("材料"),
                f.file_name,
            )
        })
        .collect();
    Ok(DetailPage {
        layout: layout(me),
        student_no: s.student_no,
        major: major.name,
        batch: b.name.clone(),
        review: degree::review_label(&a, &stages).unwrap_or_default(),
        stage,
        award: a
            .award
            .as_deref()
            .and_then(DegreeAward::from_code)
            .map(|x| x.label().to_owned())
            .unwrap_or_default(),
        pending: a.review_status.as_deref() == Some(DegreeReview::Pending.code()),
        files,
        error,
        opinion,
        history: crate::views::degree::apply::decision_lines(state, &a, true).await?,
        appeal_history: crate::services::appeal::history(
            state,
            domain::appeal::AppealKind::DegreeAward,
            a.id,
        )
        .await?,
        appeals: crate::services::appeal::staff_views(
            state,
            me,
            domain::appeal::AppealKind::DegreeAward,
            a.id,
        )
        .await?,
        a,
    }
    .render()?)
}

/// GET /staff/degree/{id}
pub async fn detail(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let (a, b) = mine(&state, &me, id).await?;
    Ok(Html(
        render_detail(&state, &me, a, &b, None, String::new()).await?,
    ))
}

/// The decision form.
#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    opinion: String,
    #[serde(default)]
    version: i32,
}

/// POST /staff/degree/{id}/review: 审核通过, or 审核不通过 with 审核意见.
pub async fn review(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ReviewForm>,
) -> Result<Response, AppError> {
    let (_, b) = mine(&state, &me, id).await?;
    match service::review(&state, &me, id, &f.decision, &f.opinion, Some(f.version)).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/staff/degree?batch={}&done=reviewed", b.id)).into_response(),
        ),
        Err(e) => {
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let Some(msg) = e.refusal() else {
                return Err(e);
            };
            let now = degree::get(&state.db, id).await?;
            let html = render_detail(&state, &me, now, &b, Some(msg), f.opinion).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// The bulk 学位授予结果 form: checked ids and the result.
#[derive(Deserialize)]
pub struct AwardForm {
    #[serde(default)]
    batch: i64,
    #[serde(default)]
    award: String,
    #[serde(default)]
    ids: Vec<i64>,
}

/// POST /staff/degree/award: records 授予 / 不授予 for the checked approved applications.
pub async fn award(
    State(state): State<AppState>,
    me: CurrentStaff,
    RawForm(raw): RawForm,
) -> Result<Response, AppError> {
    // Repeated `ids` keys: parsed with the form codec that supports them.
    let f: AwardForm = serde_html_form::from_bytes(&raw)
        .map_err(|_| AppError::Invalid(vec![(String::new(), "表单内容无效".to_owned())]))?;
    service::award(&state, &me, f.batch, &f.award, &f.ids).await?;
    Ok(Redirect::to(&format!(
        "/staff/degree?batch={}&status=approved&done=awarded",
        f.batch
    ))
    .into_response())
}

/// GET /staff/degree/{id}/files/{file_id}
pub async fn file(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (a, _) = mine(&state, &me, id).await?;
    let f = degree::file(&state.db, file_id)
        .await?
        .filter(|f| f.application_id == a.id)
        .ok_or_else(|| AppError::NotFound("未找到该文件".to_owned()))?;
    serve_file(&state, &f).await
}

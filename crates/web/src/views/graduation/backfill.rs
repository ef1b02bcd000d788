//! 成绩补录 pages (seed 003 §(一)): the candidate files a paper result with one scan and follows
//! its status; the handling organisation (the confirmation point for certificates and transfer
//! letters, the chief university for practical notices) approves or rejects it from its queue.
//! A scan is served only to the candidate who filed it and to the handling organisation.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Datelike;
use domain::backfill::{BackfillInput, BackfillSource, BackfillStatus};
use domain::{Province, ScoreValue};
use serde::Deserialize;
use store::entity::score_backfill as backfill;
use store::keyset::PageAt;
use store::repo::RepoError;
use store::repo::score_backfill::{self as backfills};

use crate::error::AppError;
use crate::services::backfill as service;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::upload::CheckedMultipart;
use crate::upload::read_upload;
use crate::views::Layout;
use crate::views::accounts::staff::who;
use crate::{AppState, util};

/// The candidate's province, whose definition says whether and how backfills are filed.
fn province_of(me: &CurrentCandidate) -> Result<Province, AppError> {
    Province::of(&me.model.province).map_err(|e| AppError::from(RepoError::Invalid(e.0)))
}

/// One request as listed, to the candidate or to staff.
pub struct Line {
    /// Id for links and forms.
    pub id: i64,
    /// 提交时间.
    pub created_at: String,
    /// 补录依据.
    pub source: String,
    /// Course code and name.
    pub course: String,
    /// 成绩.
    pub score: String,
    /// 取得日期.
    pub obtained_on: String,
    /// 证书/证明信/通知单编号.
    pub document_no: String,
    /// Status code, also the CSS class.
    pub status: String,
    /// 待审核 / 已补录 / 已驳回.
    pub status_label: &'static str,
    /// 驳回原因.
    pub reason: String,
    /// Whether approving needs the 原件已收取存档 tick.
    pub keeps_original: bool,
    /// 姓名 (staff only).
    pub name: String,
    /// 准考证号 (staff only).
    pub admission_no: String,
    /// 身份证号, masked (staff only).
    pub id_card_masked: String,
}

fn line(r: &backfill::Model, names: &std::collections::HashMap<String, String>) -> Line {
    let source = BackfillSource::from_code(&r.source);
    Line {
        id: r.id,
        created_at: util::beijing(r.created_at),
        source: source.map_or_else(|| r.source.clone(), |s| s.label().to_owned()),
        course: format!(
            "{} {}",
            r.course_code,
            names.get(&r.course_code).cloned().unwrap_or_default()
        ),
        score: ScoreValue::from_db(r.score_tenths, r.passed)
            .map(|v| v.display())
            .unwrap_or_default(),
        obtained_on: r.obtained_on.to_string(),
        document_no: r.document_no.clone(),
        status: r.status.clone(),
        status_label: BackfillStatus::from_code(&r.status).map_or("", |s| s.label()),
        reason: r.decision_reason.clone().unwrap_or_default(),
        keeps_original: source.is_some_and(BackfillSource::keeps_original),
        name: String::new(),
        admission_no: String::new(),
        id_card_masked: String::new(),
    }
}

/// A course offered in the form.
pub struct CourseOption {
    /// Code.
    pub code: String,
    /// "code name".
    pub label: String,
}

#[derive(Template)]
#[template(path = "candidate/backfills.html")]
struct CandidatePage {
    layout: Layout,
    /// The province files backfills at all.
    offered: bool,
    /// (heading, text) of each paper the province accepts.
    sources: Vec<(&'static str, &'static str)>,
    courses: Vec<CourseOption>,
    form: BackfillInput,
    errors: Vec<String>,
    submitted: bool,
    lines: Vec<Line>,
    scan_max_label: String,
    province_label: &'static str,
    paper_lines: Vec<String>,
}

/// How one paper the province accepts is handled, in the candidate's words.
fn paper_line(p: &domain::province::BackfillPaper) -> String {
    use domain::backfill::BackfillHandler;
    let when = match p.obtained_before {
        Some(d) if d.month() == 1 && d.day() == 1 => format!("{}年以前取得的", d.year()),
        Some(d) => format!("{}年{}月{}日以前取得的", d.year(), d.month(), d.day()),
        None => String::new(),
    };
    match p.source.handler() {
        BackfillHandler::ConfirmationPoint => format!(
            "{when}{}：提交后请持原件到确认点办理，确认点验证后进行成绩补录，并收取原件存档备查。",
            p.source.label()
        ),
        BackfillHandler::ChiefUniversity => format!(
            "{when}{}：提交后请自行联系主考学校，主考学校验证后进行成绩补录。",
            p.source.label()
        ),
    }
}

async fn render_candidate(
    state: &AppState,
    me: &CurrentCandidate,
    form: BackfillInput,
    errors: Vec<String>,
    submitted: bool,
) -> Result<String, AppError> {
    let province = province_of(me)?;
    let names = store::repo::reference::course_names(&state.db).await?;
    let lines = backfills::of_candidate(&state.db, me.model.id)
        .await?
        .iter()
        .map(|r| line(r, &names))
        .collect();
    let courses = backfills::courses_of(&state.db, &me.model)
        .await?
        .into_iter()
        .filter(|c| !c.passed)
        .map(|c| CourseOption {
            label: format!("{} {}", c.code, c.name),
            code: c.code,
        })
        .collect();
    Ok(CandidatePage {
        layout: Layout::candidate("成绩补录", &me.model.name, &me.ctx, "/candidate/backfills"),
        offered: province.has_backfill(),
        sources: province
            .backfill_papers()
            .iter()
            .map(|p| (p.source.code(), p.source.label()))
            .collect(),
        province_label: province.label(),
        paper_lines: province.backfill_papers().iter().map(paper_line).collect(),
        courses,
        form,
        errors,
        submitted,
        lines,
        scan_max_label: format!("{}K", province.form().scan_max_bytes / 1024),
    }
    .render()?)
}

/// `?submitted=1` after filing.
#[derive(Deserialize, Default)]
pub struct SubmittedFlag {
    #[serde(default)]
    submitted: Option<String>,
}

/// GET /candidate/backfills (成绩补录)
pub async fn candidate_page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<SubmittedFlag>,
) -> Result<Html<String>, AppError> {
    let form = BackfillInput {
        source: BackfillSource::CourseCertificate.code().to_owned(),
        ..Default::default()
    };
    Ok(Html(
        render_candidate(&state, &me, form, Vec::new(), q.submitted.is_some()).await?,
    ))
}

/// POST /candidate/backfills (multipart: csrf_token first, source, course_code, score,
/// obtained_on, document_no, file). Every rule is checked before the scan is stored; on any
/// refusal nothing changes and the form comes back with what was typed.
pub async fn candidate_submit(
    State(state): State<AppState>,
    me: CurrentCandidate,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let upload = match read_upload(multipart).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(m)) => {
            let html =
                render_candidate(&state, &me, BackfillInput::default(), vec![m], false).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let field = |k: &str| upload.fields.get(k).cloned().unwrap_or_default();
    let form = BackfillInput {
        source: field("source"),
        course_code: field("course_code"),
        score: field("score"),
        obtained_on: field("obtained_on"),
        document_no: field("document_no"),
    };
    let errors = match service::file(&state, &me, form.clone(), upload.file).await {
        Ok(_) => return Ok(Redirect::to("/candidate/backfills?submitted=1").into_response()),
        Err(AppError::Invalid(list)) => list.into_iter().map(|(_, m)| m).collect(),
        Err(AppError::Conflict(m)) => vec![m],
        Err(e) => return Err(e),
    };
    let html = render_candidate(&state, &me, form, errors, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

async fn scan_response(state: &AppState, r: &backfill::Model) -> Result<Response, AppError> {
    crate::views::private_object(state, &r.scan_key, "image/jpeg").await
}

fn no_scan() -> AppError {
    AppError::NotFound("未找到该扫描件".to_owned())
}

/// GET /candidate/backfills/{id}/scan: the candidate's own scan only.
pub async fn candidate_scan(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match backfills::get_for_candidate(&state.db, me.model.id, id).await {
        Ok(r) => scan_response(&state, &r).await,
        Err(RepoError::NotFound) => Err(no_scan()),
        Err(e) => Err(e.into()),
    }
}

/// GET /staff/backfills/{id}/scan: the handling organisation only.
pub async fn staff_scan(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    me.require_read()?;
    match backfills::get_for_handler(&state.db, me.org.id, id).await {
        Ok(r) => scan_response(&state, &r).await,
        Err(RepoError::NotFound) => Err(no_scan()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/backfills.html")]
struct StaffPage {
    layout: Layout,
    pending: bool,
    lines: Vec<Line>,
    prev: Option<String>,
    next: Option<String>,
    /// 导出 of the list shown.
    export: String,
    message: Option<String>,
    error: Option<String>,
}

/// `?status=done` for 已处理, `?done=` after a decision, and the page's cursor.
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

/// The list's filter as link parameters.
fn filter_pairs(pending: bool) -> [(&'static str, String); 1] {
    [("status", if pending { "" } else { "done" }.to_owned())]
}

/// A request as the list (and its export) shows it, the ID number masked.
async fn staff_line(
    state: &AppState,
    r: &backfill::Model,
    names: &std::collections::HashMap<String, String>,
) -> Result<Line, AppError> {
    let c = store::repo::candidate::get(&state.db, r.candidate_id).await?;
    Ok(Line {
        name: c.name,
        admission_no: c.admission_no,
        id_card_masked: util::mask_id(&c.id_card_no),
        ..line(r, names)
    })
}

async fn render_staff(
    state: &AppState,
    me: &CurrentStaff,
    pending: bool,
    at: PageAt,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let names = store::repo::reference::course_names(&state.db).await?;
    let page =
        backfills::queue_page(&state.db, me.org.id, pending, at, crate::paging::PER_PAGE).await?;
    let mut lines = Vec::with_capacity(page.rows.len());
    for r in &page.rows {
        lines.push(staff_line(state, r, &names).await?);
    }
    let pairs = filter_pairs(pending);
    let (prev, next) = crate::paging::links("/staff/backfills", &pairs, page.prev, page.next);
    let export = crate::paging::link("/staff/backfills/export.xlsx", &pairs, PageAt::First);
    Ok(StaffPage {
        layout: Layout::staff(
            "成绩补录审核",
            who(me),
            &me.ctx,
            "/staff/backfills",
            &me.roles,
        ),
        pending,
        lines,
        prev,
        next,
        export,
        message,
        error,
    }
    .render()?)
}

/// GET /staff/backfills/export.xlsx (导出): 待审核 or 已处理 as the list shows it, every page,
/// under the list's role check.
pub async fn staff_export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require_read()?;
    let pending = q.status.as_deref() != Some("done");
    let names = store::repo::reference::course_names(&state.db).await?;
    let mut x = XlsxExport::new(
        "成绩补录审核",
        &[
            "姓名",
            "准考证号",
            "身份证号",
            "课程",
            "补录依据",
            "成绩",
            "取得日期",
            "编号",
            "提交时间",
            "状态",
            "审核意见",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut at = PageAt::First;
    loop {
        let page =
            backfills::queue_page(&snapshot, me.org.id, pending, at, crate::export::CHUNK).await?;
        for r in &page.rows {
            let l = staff_line(&state, r, &names).await?;
            x.push(&[
                Cell::Text(&l.name),
                Cell::Text(&l.admission_no),
                Cell::Text(&l.id_card_masked),
                Cell::Text(&l.course),
                Cell::Text(&l.source),
                Cell::Text(&l.score),
                Cell::Text(&l.obtained_on),
                Cell::Text(&l.document_no),
                Cell::Text(&l.created_at),
                Cell::Text(l.status_label),
                Cell::Text(&l.reason),
            ])?;
        }
        match page.next {
            Some(c) => at = PageAt::After(c),
            None => break,
        }
    }
    let name = format!(
        "成绩补录{}-{}.xlsx",
        if pending {
            "（待审核）"
        } else {
            "（已处理）"
        },
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

/// GET /staff/backfills (待审核 by default, `?status=done` for 已处理)
pub async fn staff_page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let pending = q.status.as_deref() != Some("done");
    let message = q.done.map(|d| {
        if d == "approved" {
            "已通过，成绩已补录到管理平台".to_owned()
        } else {
            "已驳回，考生可修改后重新提交".to_owned()
        }
    });
    Ok(Html(
        render_staff(
            &state,
            &me,
            pending,
            PageAt::from_query(&q.after, &q.before),
            message,
            None,
        )
        .await?,
    ))
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// 原件已收取存档.
    #[serde(default)]
    original_kept: Option<String>,
}

/// POST /staff/backfills/{id}/decide
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    let decided = service::decide(
        &state,
        &me,
        id,
        &f.decision,
        &f.reason,
        f.original_kept.is_some(),
    )
    .await;
    match decided {
        Ok(r) => {
            let done = if r.status == BackfillStatus::Rejected.code() {
                "rejected"
            } else {
                "approved"
            };
            Ok(Redirect::to(&format!("/staff/backfills?done={done}")).into_response())
        }
        Err(e) => {
            let Some(m) = e.refusal() else {
                return Err(e);
            };
            let html = render_staff(&state, &me, true, PageAt::First, None, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

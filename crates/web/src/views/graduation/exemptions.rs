//! 免考申请 pages: a candidate applies online for the exemption of a plan course with its ground
//! (免考依据) and one scan, and follows its status; the district agency above the candidate's
//! registration organisation decides it on 免考审核 (通过 grants an online exemption; 不通过 needs a
//! reason). A scan is served only to the candidate who filed it and to reviewers of that subtree.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::entity::exemption_application as ex_app;
use store::exemptions::applications::{self as ex, Decision};
use store::keyset::PageAt;
use store::repo::RepoError;

use crate::error::AppError;
use crate::services::exemptions as service;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::upload::{CheckedMultipart, read_upload};
use crate::views::Layout;
use crate::views::accounts::staff::who;
use crate::{AppState, util};

/// What the candidate typed, kept when the form comes back.
#[derive(Debug, Clone, Default)]
pub struct ApplyForm {
    /// 课程代码.
    pub course_code: String,
    /// 免考依据.
    pub basis: String,
}

/// One application as listed.
pub struct Line {
    /// Id for links.
    pub id: i64,
    /// 提交时间.
    pub created_at: String,
    /// Course code and name.
    pub course: String,
    /// 免考依据.
    pub basis: String,
    /// Status code, also the CSS class.
    pub status: String,
    /// 待审核 / 已通过 / 未通过.
    pub status_label: &'static str,
    /// 审核意见.
    pub reason: String,
    /// 姓名 (staff only).
    pub name: String,
    /// 准考证号 (staff only).
    pub admission_no: String,
    /// 身份证号, masked (staff only).
    pub id_card_masked: String,
}

fn line(a: &ex_app::Model, names: &std::collections::HashMap<String, String>) -> Line {
    Line {
        id: a.id,
        created_at: util::beijing(a.created_at),
        course: format!(
            "{} {}",
            a.course_code,
            names.get(&a.course_code).cloned().unwrap_or_default()
        ),
        basis: a.basis.clone(),
        status: a.status.clone(),
        status_label: ex::status_label(&a.status),
        reason: a.decision_reason.clone().unwrap_or_default(),
        name: String::new(),
        admission_no: String::new(),
        id_card_masked: String::new(),
    }
}

#[derive(Template)]
#[template(path = "candidate/exemptions.html")]
struct CandidatePage {
    layout: Layout,
    courses: Vec<(String, String)>,
    form: ApplyForm,
    errors: Vec<String>,
    submitted: bool,
    lines: Vec<Line>,
    scan_max_label: String,
}

async fn render_candidate(
    state: &AppState,
    me: &CurrentCandidate,
    form: ApplyForm,
    errors: Vec<String>,
    submitted: bool,
) -> Result<String, AppError> {
    let names = store::repo::reference::course_names(&state.db).await?;
    let lines = ex::of_candidate(&state.db, me.model.id)
        .await?
        .iter()
        .map(|a| line(a, &names))
        .collect();
    let courses = ex::courses_open(&state.db, &me.model)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), format!("{} {}", c.code, c.name)))
        .collect();
    let max = service::scan_max(state, &me.model.province).await?;
    Ok(CandidatePage {
        layout: Layout::candidate("免考申请", &me.model.name, &me.ctx, "/candidate/exemptions"),
        courses,
        form,
        errors,
        submitted,
        lines,
        scan_max_label: format!("{}K", max / 1024),
    }
    .render()?)
}

/// `?submitted=1` after applying.
#[derive(Deserialize, Default)]
pub struct SubmittedFlag {
    #[serde(default)]
    submitted: Option<String>,
}

/// GET /candidate/exemptions (免考申请)
pub async fn candidate_page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<SubmittedFlag>,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        render_candidate(
            &state,
            &me,
            ApplyForm::default(),
            Vec::new(),
            q.submitted.is_some(),
        )
        .await?,
    ))
}

/// POST /candidate/exemptions (multipart: csrf_token first, course_code, basis, file). Every rule
/// is checked before the scan is stored; on any refusal nothing changes and the form comes back
/// with what was typed.
pub async fn candidate_submit(
    State(state): State<AppState>,
    me: CurrentCandidate,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let upload = match read_upload(multipart).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(m)) => {
            let html = render_candidate(&state, &me, ApplyForm::default(), vec![m], false).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let field = |k: &str| upload.fields.get(k).cloned().unwrap_or_default();
    let form = ApplyForm {
        course_code: field("course_code").trim().to_owned(),
        basis: field("basis"),
    };
    let errors = match service::file(&state, &me, &form.course_code, &form.basis, upload.file).await
    {
        Ok(_) => return Ok(Redirect::to("/candidate/exemptions?submitted=1").into_response()),
        Err(errors) => errors,
    };
    let html = render_candidate(&state, &me, form, errors?, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

async fn scan_response(state: &AppState, a: &ex_app::Model) -> Result<Response, AppError> {
    crate::views::private_object(state, &a.scan_key, &a.scan_type).await
}

fn not_found() -> AppError {
    AppError::NotFound("未找到该免考申请".to_owned())
}

/// GET /candidate/exemptions/{id}/scan: the candidate's own scan only.
pub async fn candidate_scan(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match ex::get_for_candidate(&state.db, me.model.id, id).await {
        Ok(a) => scan_response(&state, &a).await,
        Err(RepoError::NotFound) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/exemptions.html")]
struct StaffPage {
    layout: Layout,
    pending: bool,
    lines: Vec<Line>,
    prev: Option<String>,
    next: Option<String>,
    /// 导出 of the list shown.
    export: String,
    message: Option<String>,
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

impl QueueQuery {
    /// 待审核 unless 已处理 is asked for.
    fn pending(&self) -> bool {
        self.status.as_deref() != Some("done")
    }

    /// The filter as link parameters.
    fn pairs(&self) -> [(&'static str, String); 1] {
        [(
            "status",
            if self.pending() { "" } else { "done" }.to_owned(),
        )]
    }
}

async fn staff_line(
    state: &AppState,
    a: &ex_app::Model,
    names: &std::collections::HashMap<String, String>,
) -> Result<Line, AppError> {
    let c = store::repo::candidate::get(&state.db, a.candidate_id).await?;
    Ok(Line {
        name: c.name,
        admission_no: c.admission_no,
        id_card_masked: util::mask_id(&c.id_card_no),
        ..line(a, names)
    })
}

/// GET /staff/exemptions (免考审核: 待审核 by default, `?status=done` for 已处理)
pub async fn staff_page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    let pending = q.pending();
    let message = q.done.as_deref().map(|d| {
        if d == "approved" {
            "已通过，考生的线上免考已记录".to_owned()
        } else {
            "已不通过，考生可查看原因后重新申请".to_owned()
        }
    });
    let names = store::repo::reference::course_names(&state.db).await?;
    let at = PageAt::from_query(&q.after, &q.before);
    let page = ex::queue(&state.db, &me.org, pending, at, crate::paging::PER_PAGE).await?;
    let mut lines = Vec::with_capacity(page.rows.len());
    for a in &page.rows {
        lines.push(staff_line(&state, a, &names).await?);
    }
    let (prev, next) = crate::paging::links("/staff/exemptions", &q.pairs(), page.prev, page.next);
    let export = crate::paging::link("/staff/exemptions/export.xlsx", &q.pairs(), PageAt::First);
    Ok(Html(
        StaffPage {
            layout: Layout::staff(
                "免考审核",
                who(&me),
                &me.ctx,
                "/staff/exemptions",
                &me.roles,
            ),
            pending,
            lines,
            prev,
            next,
            export,
            message,
        }
        .render()?,
    ))
}

/// GET /staff/exemptions/export.xlsx (导出): 待审核 or 已处理 as the list shows it, every page,
/// under the list's role check (审核).
pub async fn staff_export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require(domain::StaffRole::Reviewer)?;
    let names = store::repo::reference::course_names(&state.db).await?;
    let mut x = XlsxExport::new(
        "免考审核",
        &[
            "提交时间",
            "考生",
            "准考证号",
            "课程",
            "免考依据",
            "状态",
            "审核意见",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut at = PageAt::First;
    loop {
        let page = ex::queue(&snapshot, &me.org, q.pending(), at, crate::export::CHUNK).await?;
        for a in &page.rows {
            let l = staff_line(&state, a, &names).await?;
            x.push(&[
                Cell::Text(&l.created_at),
                Cell::Text(&l.name),
                Cell::Text(&l.admission_no),
                Cell::Text(&l.course),
                Cell::Text(&l.basis),
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
        "免考审核{}-{}.xlsx",
        if q.pending() {
            "（待审核）"
        } else {
            "（已处理）"
        },
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

#[derive(Template)]
#[template(path = "staff/exemption_detail.html")]
struct DetailPage {
    layout: Layout,
    line: Line,
    pending: bool,
    scan_is_pdf: bool,
    error: Option<String>,
    reason: String,
}

async fn render_detail(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    error: Option<String>,
    reason: String,
) -> Result<String, AppError> {
    let a = match ex::get_for_reviewer(&state.db, &me.org, id).await {
        Ok(a) => a,
        Err(RepoError::NotFound) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let names = store::repo::reference::course_names(&state.db).await?;
    Ok(DetailPage {
        layout: Layout::staff("免考审核", who(me), &me.ctx, "/staff/exemptions", &me.roles),
        line: staff_line(state, &a, &names).await?,
        pending: a.status == ex::PENDING,
        scan_is_pdf: a.scan_type == "application/pdf",
        error,
        reason,
    }
    .render()?)
}

/// GET /staff/exemptions/{id}: the application with its scan and the decision form.
pub async fn staff_detail(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    Ok(Html(
        render_detail(&state, &me, id, None, String::new()).await?,
    ))
}

/// GET /staff/exemptions/{id}/scan: reviewers of the handling subtree only.
pub async fn staff_scan(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    match ex::get_for_reviewer(&state.db, &me.org, id).await {
        Ok(a) => scan_response(&state, &a).await,
        Err(RepoError::NotFound) => Err(not_found()),
        Err(e) => Err(e.into()),
    }
}

/// The decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// POST /staff/exemptions/{id}/decide (decision = approve | reject, reason required to reject)
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    let decision = match f.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        _ => {
            let html = render_detail(
                &state,
                &me,
                id,
                Some("请选择“通过”或“不通过”".to_owned()),
                f.reason,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let decided = ex::decide(
        &state.db,
        ex::Reviewer {
            org: &me.org,
            staff_id: me.staff.id,
        },
        id,
        decision,
        &f.reason,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await;
    match decided {
        Ok(a) => {
            let done = if a.status == ex::APPROVED {
                "approved"
            } else {
                "rejected"
            };
            Ok(Redirect::to(&format!("/staff/exemptions?done={done}")).into_response())
        }
        Err(RepoError::NotFound) => Err(not_found()),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            let html = render_detail(&state, &me, id, Some(m), f.reason).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

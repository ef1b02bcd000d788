//! 考籍更正: candidates ask for their 姓名 or 身份证号 to be corrected; the district examination
//! agency (or the provincial office) responsible for them approves or rejects the request.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::entity::record_correction;
use store::repo::record_correction::{self as corrections, Decision, Field};

use crate::error::AppError;
use crate::session::{CurrentCandidate, CurrentStaff};
use crate::views::Layout;
use crate::views::accounts::staff::who;
use crate::{AppState, util};

/// Shows a stored value of a field, masking ID numbers.
fn shown(field: &str, value: &str) -> String {
    if field == Field::IdCardNo.code() {
        util::mask_id(value)
    } else {
        value.to_owned()
    }
}

fn field_label(code: &str) -> String {
    Field::from_code(code)
        .map(|f| f.label().to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// One of the candidate's own requests as listed.
pub struct OwnLine {
    /// 提交时间 (Beijing time).
    pub created_at: String,
    /// 项目.
    pub field: String,
    /// 原内容.
    pub old_value: String,
    /// 更正为.
    pub new_value: String,
    /// Status code, also the CSS class.
    pub status: String,
    /// 待审核 / 已通过 / 已驳回.
    pub status_label: &'static str,
    /// 审核意见.
    pub opinion: String,
}

fn own_line(r: &record_correction::Model) -> OwnLine {
    OwnLine {
        created_at: util::beijing(r.created_at),
        field: field_label(&r.field),
        old_value: shown(&r.field, &r.old_value),
        new_value: shown(&r.field, &r.new_value),
        status: r.status.clone(),
        status_label: corrections::status_label(&r.status),
        opinion: r.decision_reason.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "candidate/corrections.html")]
struct CandidatePage {
    layout: Layout,
    field: String,
    new_value: String,
    reason: String,
    errors: Vec<String>,
    submitted: bool,
    lines: Vec<OwnLine>,
}

async fn render_candidate(
    state: &AppState,
    me: &CurrentCandidate,
    form: CorrectionForm,
    errors: Vec<String>,
    submitted: bool,
) -> Result<String, AppError> {
    let lines = corrections::list_of_candidate(&state.db, me.model.id)
        .await?
        .iter()
        .map(own_line)
        .collect();
    Ok(CandidatePage {
        layout: Layout::candidate(
            "考籍更正",
            &me.model.name,
            &me.ctx,
            "/candidate/corrections",
        ),
        field: form.field,
        new_value: form.new_value,
        reason: form.reason,
        errors,
        submitted,
        lines,
    }
    .render()?)
}

/// Query flag after a request was filed.
#[derive(Debug, Deserialize, Default)]
pub struct SubmittedFlag {
    submitted: Option<String>,
}

/// GET /candidate/corrections (考籍更正)
pub async fn candidate_page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<SubmittedFlag>,
) -> Result<Html<String>, AppError> {
    let form = CorrectionForm {
        field: Field::Name.code().to_owned(),
        new_value: String::new(),
        reason: String::new(),
    };
    Ok(Html(
        render_candidate(&state, &me, form, Vec::new(), q.submitted.is_some()).await?,
    ))
}

/// The request form.
#[derive(Debug, Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    field: String,
    #[serde(default)]
    new_value: String,
    #[serde(default)]
    reason: String,
}

/// POST /candidate/corrections: every rule checked; on any error nothing is saved and the form
/// comes back with what was typed.
pub async fn candidate_submit(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, AppError> {
    let filed =
        crate::services::corrections::file(&state, &me, &form.field, &form.new_value, &form.reason)
            .await;
    let errors = match filed {
        Ok(()) => return Ok(Redirect::to("/candidate/corrections?submitted=1").into_response()),
        Err(AppError::Invalid(list)) => list.into_iter().map(|(_, m)| m).collect(),
        Err(AppError::Conflict(m)) => vec![m],
        Err(e) => return Err(e),
    };
    let html = render_candidate(&state, &me, form, errors, false).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// One pending request in the reviewer's list.
pub struct PendingLine {
    /// Id for the decision forms.
    pub id: i64,
    /// 准考证号.
    pub admission_no: String,
    /// 姓名 (current).
    pub name: String,
    /// 项目.
    pub field: String,
    /// 原内容 (ID numbers masked).
    pub old_value: String,
    /// 更正为 (ID numbers masked).
    pub new_value: String,
    /// 原因.
    pub reason: String,
    /// 提交时间.
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "staff/corrections.html")]
struct StaffPage {
    layout: Layout,
    lines: Vec<PendingLine>,
    error: Option<String>,
    done: Option<&'static str>,
}

async fn render_staff(
    state: &AppState,
    me: &CurrentStaff,
    error: Option<String>,
    done: Option<&'static str>,
) -> Result<String, AppError> {
    let lines = corrections::pending_in_scope(&state.db, &me.org)
        .await?
        .into_iter()
        .map(pending_line)
        .collect();
    Ok(StaffPage {
        layout: Layout::staff(
            "考籍更正",
            who(me),
            &me.ctx,
            "/staff/corrections",
            &me.roles,
        ),
        lines,
        error,
        done,
    }
    .render()?)
}

/// A pending request as the list (and its export) shows it, ID numbers masked.
fn pending_line(
    (r, c): (record_correction::Model, store::entity::candidate::Model),
) -> PendingLine {
    PendingLine {
        id: r.id,
        admission_no: c.admission_no,
        name: c.name,
        field: field_label(&r.field),
        old_value: shown(&r.field, &r.old_value),
        new_value: shown(&r.field, &r.new_value),
        reason: r.reason,
        created_at: util::beijing(r.created_at),
    }
}

/// GET /staff/corrections/export.xlsx (导出): every pending request the list shows, with its
/// columns, under the list's role checks; read by key in chunks inside one snapshot.
pub async fn staff_export(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<Response, AppError> {
    use store::keyset::PageAt;
    use tabular::export::{Cell, XlsxExport};
    me.require_read()?;
    crate::services::corrections::may_decide(&me)?;
    let mut x = XlsxExport::new(
        "考籍更正",
        &[
            "提交时间",
            "准考证号",
            "姓名",
            "项目",
            "原内容",
            "更正为",
            "原因",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut at = PageAt::First;
    loop {
        let page = corrections::pending_page(&snapshot, &me.org, at, crate::export::CHUNK).await?;
        for l in page.rows.into_iter().map(pending_line) {
            x.push(&[
                Cell::Text(&l.created_at),
                Cell::Text(&l.admission_no),
                Cell::Text(&l.name),
                Cell::Text(&l.field),
                Cell::Text(&l.old_value),
                Cell::Text(&l.new_value),
                Cell::Text(&l.reason),
            ])?;
        }
        match page.next {
            Some(c) => at = PageAt::After(c),
            None => break,
        }
    }
    let name = format!(
        "考籍更正-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

/// Query flag after a decision.
#[derive(Debug, Deserialize, Default)]
pub struct DoneFlag {
    done: Option<String>,
}

/// GET /staff/corrections: the pending requests in the organisation's scope.
pub async fn staff_page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<DoneFlag>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    crate::services::corrections::may_decide(&me)?;
    let done = match q.done.as_deref() {
        Some("approved") => Some("已通过该申请，考生信息已更新。"),
        Some("rejected") => Some("已驳回该申请。"),
        _ => None,
    };
    Ok(Html(render_staff(&state, &me, None, done).await?))
}

/// The reject form.
#[derive(Debug, Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    decision_reason: String,
}

/// POST /staff/corrections/{id}/approve
pub async fn approve(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    crate::services::corrections::may_decide(&me)?;
    crate::services::corrections::decide(&state, &me, id, Decision::Approve).await?;
    Ok(Redirect::to("/staff/corrections?done=approved").into_response())
}

/// POST /staff/corrections/{id}/reject: the opinion (2–200 characters) is required because the
/// candidate is shown it.
pub async fn reject(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(form): Form<RejectForm>,
) -> Result<Response, AppError> {
    let decided = crate::services::corrections::decide(
        &state,
        &me,
        id,
        Decision::Reject(form.decision_reason.clone()),
    )
    .await;
    match decided {
        Ok(()) => {}
        // The opinion is re-asked on the page; anything else is the error page (409 when
        // another reviewer decided first).
        Err(AppError::Invalid(list)) => {
            let message = list
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("；");
            let html = render_staff(&state, &me, Some(message), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
        Err(e) => return Err(e),
    }
    Ok(Redirect::to("/staff/corrections?done=rejected").into_response())
}

//! The deciding school's side: its appeals by status, one appeal with the decision appealed,
//! the statement and files, and the outcome form (维持 or 撤销原决定 with a required reason).
//! Another organisation gets the same 404 for every appeal.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::appeal::{AppealKind, AppealStatus, REASON_MAX};
use serde::Deserialize;
use store::appeal as appeals;
use store::entity::{appeal, appeal_file};
use store::keyset::PageAt;

use crate::error::AppError;
use crate::services::appeal::{self as service, HistoryLine, appeal_lines, in_order, mine};
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::{AppState, util};

fn layout(me: &CurrentStaff) -> Layout {
    Layout::staff(
        "申辩复核",
        crate::views::accounts::staff::who(me),
        &me.ctx,
        "/staff/appeals",
        &me.roles,
    )
}

/// Serves a stored appeal file; a sandbox policy keeps a PDF from running anything.
pub(crate) async fn serve(state: &AppState, f: &appeal_file::Model) -> Result<Response, AppError> {
    let bytes = state
        .objects
        .get(&f.object_key)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"appeal-file\"; filename*=UTF-8''{}",
                    crate::views::degree::apply::percent(&f.original_name)
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Filters of the list.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

/// One row of the list.
pub struct Row {
    /// 申辩编号.
    pub id: i64,
    /// 申辩事项.
    pub kind: String,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 作出决定的环节.
    pub stage: String,
    /// 提交时间.
    pub filed_at: String,
    /// 处理结果.
    pub status: String,
}

#[derive(Template)]
#[template(path = "staff/appeals.html")]
struct ListPage {
    layout: Layout,
    /// (code, label, count, chosen).
    tabs: Vec<(&'static str, &'static str, u64, bool)>,
    rows: Vec<Row>,
    prev: Option<String>,
    next: Option<String>,
}

/// GET /staff/appeals: the organisation's appeals, 待处理 first by default.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let status = q.status.clone().unwrap_or_else(|| "pending".to_owned());
    let filter = match status.as_str() {
        "all" => None,
        s => Some(AppealStatus::from_code(s).unwrap_or(AppealStatus::Pending)),
    };
    let mut tabs = Vec::new();
    for s in AppealStatus::ALL {
        let n = appeals::count(&state.db, me.org.id, Some(*s)).await?;
        tabs.push((s.code(), s.label(), n, filter == Some(*s)));
    }
    let all = appeals::count(&state.db, me.org.id, None).await?;
    tabs.push(("all", "全部", all, filter.is_none()));
    let at = PageAt::from_query(&q.after, &q.before);
    let page = appeals::queue(&state.db, me.org.id, filter, at, crate::paging::PER_PAGE).await?;
    let pairs = [("status", status.clone())];
    let (prev, next) = crate::paging::links("/staff/appeals", &pairs, page.prev, page.next);
    let ids_of = |kind: &str| {
        page.rows
            .iter()
            .filter(|a| a.appellant_kind == kind)
            .map(|a| a.appellant_id)
            .collect::<Vec<_>>()
    };
    let students = store::repo::student::by_ids(&state.db, &ids_of(appeals::STUDENT)).await?;
    let candidates = store::repo::candidate::by_ids(&state.db, &ids_of(appeals::CANDIDATE)).await?;
    let rows = page
        .rows
        .iter()
        .map(|a| {
            // Students by 学号, candidates by 准考证号: the two accounts number apart.
            let (no, name) = if a.appellant_kind == appeals::CANDIDATE {
                candidates
                    .get(&a.appellant_id)
                    .map(|c| (format!("准考证号 {}", c.admission_no), c.name.clone()))
                    .unwrap_or_default()
            } else {
                students
                    .get(&a.appellant_id)
                    .map(|s| (s.student_no.clone(), s.name.clone()))
                    .unwrap_or_default()
            };
            Row {
                id: a.id,
                kind: AppealKind::from_code(&a.kind)
                    .map_or_else(|| a.kind.clone(), |k| k.label().to_owned()),
                student_no: no,
                name,
                stage: a.stage_name.clone(),
                filed_at: util::beijing(a.filed_at),
                status: AppealStatus::from_code(&a.status)
                    .map_or_else(|| a.status.clone(), |s| s.label().to_owned()),
            }
        })
        .collect();
    Ok(Html(
        ListPage {
            layout: layout(&me),
            tabs,
            rows,
            prev,
            next,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "staff/appeal_detail.html")]
struct DetailPage {
    layout: Layout,
    a: appeal::Model,
    kind: String,
    status: String,
    student: String,
    batch: String,
    subject_href: String,
    decided_at: String,
    deadline: String,
    filed_at: String,
    outcome_at: String,
    files: Vec<(i64, String)>,
    pending: bool,
    may_decide: bool,
    outcome: String,
    reason: String,
    errors: Vec<(String, String)>,
    message: Option<String>,
    history: Vec<HistoryLine>,
    reason_max: usize,
}

impl DetailPage {
    fn error_of(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// What the reviewer typed, kept when the form is refused.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    version: Option<i32>,
}

async fn render_detail(
    state: &AppState,
    me: &CurrentStaff,
    a: appeal::Model,
    typed: DecisionForm,
    errors: Vec<(String, String)>,
    message: Option<String>,
) -> Result<String, AppError> {
    let appellant = if a.appellant_kind == appeals::CANDIDATE {
        let c = store::repo::candidate::get(&state.db, a.appellant_id).await?;
        format!("{}（准考证号 {}）", c.name, c.admission_no)
    } else {
        let s = store::repo::student::get(&state.db, a.appellant_id).await?;
        format!("{}（学号 {}）", s.name, s.student_no)
    };
    let batch = store::graduation::application::batch(&state.db, a.batch_id).await?;
    let kind = AppealKind::from_code(&a.kind);
    let subject_href = match kind {
        Some(AppealKind::DegreeAward) => format!("/staff/degree/{}", a.subject_id),
        Some(AppealKind::Graduation) => format!("/staff/reviews/{}", a.subject_id),
        _ => format!("/staff/language/{}", a.subject_id),
    };
    let history = appeals::of_subject(
        &state.db,
        kind.unwrap_or(AppealKind::DegreeAward),
        a.subject_id,
    )
    .await?;
    let files = appeals::files_of(&state.db, a.id)
        .await?
        .into_iter()
        .map(|f| (f.id, f.original_name))
        .collect();
    let pending = a.status == AppealStatus::Pending.code();
    Ok(DetailPage {
        layout: layout(me),
        kind: kind.map_or_else(|| a.kind.clone(), |k| k.label().to_owned()),
        status: AppealStatus::from_code(&a.status)
            .map_or_else(|| a.status.clone(), |s| s.label().to_owned()),
        student: appellant,
        batch: batch.name,
        subject_href,
        decided_at: util::beijing(a.decided_at),
        deadline: domain::appeal::Period::new(a.decided_at, batch.appeal_days).deadline_label(),
        filed_at: util::beijing(a.filed_at),
        outcome_at: a.outcome_at.map(util::beijing).unwrap_or_default(),
        files,
        pending,
        may_decide: pending && me.roles.may_review_stage(&a.stage_name),
        outcome: typed.outcome,
        reason: typed.reason,
        errors,
        message,
        history: in_order(appeal_lines(&history)),
        reason_max: REASON_MAX,
        a,
    }
    .render()?)
}

/// `?done=` after deciding.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// GET /staff/appeals/{id}
pub async fn detail(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Html<String>, AppError> {
    let a = mine(&state, &me, id).await?;
    let message = (q.done.as_deref() == Some("decided")).then(|| {
        if a.appellant_kind == appeals::CANDIDATE {
            "处理结果已保存，已通知考生".to_owned()
        } else {
            "处理结果已保存，已通知学生".to_owned()
        }
    });
    Ok(Html(
        render_detail(&state, &me, a, DecisionForm::default(), Vec::new(), message).await?,
    ))
}

/// POST /staff/appeals/{id}/decision: 维持 or 撤销原决定 with the reason.
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<DecisionForm>,
) -> Result<Response, AppError> {
    match service::decide(&state, &me, id, &f.outcome, &f.reason, f.version).await {
        Ok(_) => Ok(Redirect::to(&format!("/staff/appeals/{id}?done=decided")).into_response()),
        Err(e) => {
            let status = match &e {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => return Err(e),
            };
            let errors = match e {
                AppError::Invalid(list) => list,
                AppError::Conflict(m) | AppError::Forbidden(m) => vec![(String::new(), m)],
                _ => Vec::new(),
            };
            let a = mine(&state, &me, id).await?;
            let html = render_detail(&state, &me, a, f, errors, None).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// GET /staff/appeals/{id}/files/{file_id}
pub async fn file(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let a = mine(&state, &me, id).await?;
    let f = appeals::file_of(&state.db, a.id, file_id)
        .await
        .map_err(|_| AppError::NotFound("未找到该文件".to_owned()))?;
    serve(&state, &f).await
}

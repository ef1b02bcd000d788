//! The student's side: the decision they may appeal with its deadline in Beijing time, the
//! filing form (statement and files), and afterwards where the appeal stands, with the
//! application's appeal history. Only the student whose application it is sees any of it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::appeal::{AppealKind, AppealStatus, MAX_FILES, STATEMENT_MAX};
use domain::degree::files::FORM_MAX_BYTES;
use serde::Deserialize;
use store::appeal as appeals;
use store::repo::RepoError;

use crate::error::AppError;
use crate::services::appeal::{
    self as service, HistoryLine, KEEP, NOTHING_TO_APPEAL, NOTHING_TO_APPEAL_GRADUATION,
    appeal_lines, in_order, kind_of_path,
};
use crate::session::CurrentStudent;
use crate::upload::{CheckedMultipart, read_many};
use crate::views::Layout;
use crate::{AppState, util};

/// The appeal of the standing decision, as its student reads it.
pub struct Filed {
    /// 申辩编号.
    pub id: i64,
    /// 提交时间.
    pub filed_at: String,
    /// Status label.
    pub status: String,
    /// Status code (for styling).
    pub status_code: String,
    /// 申辩陈述.
    pub statement: String,
    /// (id, name) of the files.
    pub files: Vec<(i64, String)>,
    /// 处理理由, once decided.
    pub reason: String,
    /// 处理时间, once decided.
    pub decided_at: String,
}

#[derive(Template)]
#[template(path = "student/appeal.html")]
struct Page {
    layout: Layout,
    /// Where the appellant's own files are downloaded: `{files_base}/{appeal}/{file}`.
    files_base: &'static str,
    /// Why the appellant may appeal, under the deadline.
    basis: &'static str,
    kind: String,
    action: String,
    back: String,
    /// (label, value) lines about the decision.
    decision: Vec<(&'static str, String)>,
    /// The deadline, while it may be appealed.
    deadline: Option<String>,
    /// Why it may not be appealed (period over, nothing to appeal).
    closed: Option<String>,
    filed: Option<Filed>,
    statement: String,
    errors: Vec<(String, String)>,
    message: Option<String>,
    history: Vec<HistoryLine>,
    statement_max: usize,
    max_files: usize,
    file_max_m: usize,
}

impl Page {
    fn error_of(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

fn kind_or_404(s: &str) -> Result<AppealKind, AppError> {
    kind_of_path(s).ok_or_else(|| AppError::NotFound("未找到该申请".to_owned()))
}

/// The menu entry the page belongs to.
fn menu_of(kind: AppealKind) -> &'static str {
    match kind {
        AppealKind::DegreeAward => "/student/degree",
        AppealKind::Language => "/student/language",
        AppealKind::Graduation => "/candidate/application/progress",
    }
}

fn back_of(kind: AppealKind, subject_id: i64) -> String {
    match kind {
        AppealKind::DegreeAward => "/student/degree".to_owned(),
        AppealKind::Language => format!("/student/language/applications/{subject_id}"),
        AppealKind::Graduation => "/candidate/application/progress".to_owned(),
    }
}

async fn render(
    state: &AppState,
    me: &CurrentStudent,
    kind: AppealKind,
    subject_id: i64,
    statement: String,
    errors: Vec<(String, String)>,
    message: Option<String>,
) -> Result<String, AppError> {
    let target = service::own_target(state, me, kind, subject_id).await?;
    let layout = Layout::student("陈述申辩", &me.model.name, &me.ctx, menu_of(kind));
    let typed = Typed {
        statement,
        errors,
        message,
    };
    render_with(state, layout, kind, subject_id, target, typed).await
}

/// What the appellant typed and what they are told, kept when a filing is refused.
pub(super) struct Typed {
    pub(super) statement: String,
    pub(super) errors: Vec<(String, String)>,
    pub(super) message: Option<String>,
}

/// The filing page of decision `kind` on application `subject_id` (its standing decision
/// `target`, if any) in `layout`, for a student or a candidate.
pub(super) async fn render_with(
    state: &AppState,
    layout: Layout,
    kind: AppealKind,
    subject_id: i64,
    target: Option<appeals::Target>,
    typed: Typed,
) -> Result<String, AppError> {
    let Typed {
        statement,
        errors,
        message,
    } = typed;
    let list = appeals::of_subject(&state.db, kind, subject_id).await?;
    let now = state.now();
    let standing = target
        .as_ref()
        .and_then(|t| list.iter().rev().find(|a| a.decided_at == t.decided_at));
    let filed = match standing {
        Some(a) => Some(Filed {
            id: a.id,
            filed_at: util::beijing(a.filed_at),
            status: AppealStatus::from_code(&a.status)
                .map_or_else(|| a.status.clone(), |s| s.label().to_owned()),
            status_code: a.status.clone(),
            statement: a.statement.clone(),
            files: appeals::files_of(&state.db, a.id)
                .await?
                .into_iter()
                .map(|f| (f.id, f.original_name))
                .collect(),
            reason: a.outcome_reason.clone().unwrap_or_default(),
            decided_at: a.outcome_at.map(util::beijing).unwrap_or_default(),
        }),
        None => None,
    };
    let mut decision = Vec::new();
    let (mut deadline, mut closed) = (None, None);
    match &target {
        Some(t) => {
            let p = t.period();
            decision.push(("申辩事项", kind.label().to_owned()));
            decision.push(("批次", t.batch.name.clone()));
            decision.push(("作出决定的环节", t.stage_name.clone()));
            // A graduation rejection becomes final when the batch closes on it.
            let when = if kind == AppealKind::Graduation {
                "本次不予办理时间（批次截止）"
            } else {
                "原决定作出时间"
            };
            decision.push((when, format!("{}（北京时间）", util::beijing(t.decided_at))));
            if let Some(n) = &t.note {
                let label = if kind == AppealKind::Graduation {
                    "驳回原因"
                } else {
                    "原审核意见"
                };
                decision.push((label, n.clone()));
            }
            decision.push((
                "申辩期限",
                format!("决定作出之日起{}日，截止 {}", p.days, p.deadline_label()),
            ));
            if filed.is_none() {
                if p.open_at(now) {
                    deadline = Some(p.deadline_label());
                } else {
                    closed = Some(format!(
                        "申辩期限已过：申辩截止时间为 {}，不能再提出申辩",
                        p.deadline_label()
                    ));
                }
            }
        }
        None if list.is_empty() => {
            closed = Some(
                if kind == AppealKind::Graduation {
                    NOTHING_TO_APPEAL_GRADUATION
                } else {
                    NOTHING_TO_APPEAL
                }
                .to_owned(),
            );
        }
        None => {}
    }
    let (files_base, basis) = if kind == AppealKind::Graduation {
        (
            "/candidate/appeals/files",
            "申辩由驳回该申请的机构复核；撤销原决定的，申请将退回该环节重新审核。",
        )
    } else {
        (
            "/student/appeals/files",
            "根据《中华人民共和国学位法》，学位申请人对不授予学位等决定有权陈述申辩。",
        )
    };
    Ok(Page {
        layout,
        files_base,
        basis,
        kind: kind.label().to_owned(),
        action: service::filing_href(kind, subject_id),
        back: back_of(kind, subject_id),
        decision,
        deadline,
        closed,
        filed,
        statement,
        errors,
        message,
        history: in_order(appeal_lines(&list)),
        statement_max: STATEMENT_MAX,
        max_files: MAX_FILES,
        file_max_m: FORM_MAX_BYTES / 1024 / 1024,
    }
    .render()?)
}

/// `?done=` after filing.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

impl Done {
    /// What was just done, if anything.
    pub fn done(&self) -> Option<&str> {
        self.done.as_deref()
    }
}

/// GET /student/appeals/{kind}/{subject_id}: the decision, its deadline, the form or the
/// appeal already filed.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path((kind, subject_id)): Path<(String, i64)>,
    Query(q): Query<Done>,
) -> Result<Html<String>, AppError> {
    let kind = kind_or_404(&kind)?;
    let message = (q.done.as_deref() == Some("filed"))
        .then(|| "申辩已提交，学校复核后会将处理结果发到收件箱".to_owned());
    Ok(Html(
        render(
            &state,
            &me,
            kind,
            subject_id,
            String::new(),
            Vec::new(),
            message,
        )
        .await?,
    ))
}

/// POST /student/appeals/{kind}/{subject_id} (multipart: csrf_token, statement, files).
pub async fn file(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path((kind, subject_id)): Path<(String, i64)>,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let kind = kind_or_404(&kind)?;
    let (mut fields, uploads) = match read_many(multipart, "files", KEEP).await {
        Ok(read) => read,
        Err(Ok(e)) => return Err(e),
        Err(Err(m)) => {
            let html = render(
                &state,
                &me,
                kind,
                subject_id,
                String::new(),
                vec![("files".to_owned(), m)],
                None,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let statement = fields.remove("statement").unwrap_or_default();
    match service::file(&state, &me, kind, subject_id, &statement, uploads).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}?done=filed",
            service::filing_href(kind, subject_id)
        ))
        .into_response()),
        Err(e) => {
            let status = match &e {
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => return Err(e),
            };
            let errors = match e {
                AppError::Invalid(list) => list,
                AppError::Conflict(m) => vec![(String::new(), m)],
                _ => Vec::new(),
            };
            let html = render(&state, &me, kind, subject_id, statement, errors, None).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// GET /student/appeals/files/{appeal_id}/{file_id}: the student's own files only.
pub async fn own_file(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path((appeal_id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let found = match appeals::for_student(&state.db, me.model.id, appeal_id).await {
        Ok(a) => appeals::file_of(&state.db, a.id, file_id).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(f) => super::staff::serve(&state, &f).await,
        Err(RepoError::NotFound) => {
            tracing::warn!(
                student = me.model.id,
                appeal = appeal_id,
                "request denied: another student's appeal file"
            );
            Err(AppError::NotFound("未找到该文件".to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

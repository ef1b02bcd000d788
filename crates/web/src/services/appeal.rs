//! 陈述申辩 / 复核, shared by the pages (`views::appeal`) and the API (`api::appeals`): finding the
//! decision a student may appeal, filing with the statement and files, the school's outcome, and
//! the history lines an application's pages show.

use domain::appeal::{AppealKind, AppealStatus, MAX_FILES, check_file_count, check_statement};
use domain::degree::files::{FORM_MAX_BYTES, check_evidence};
use store::appeal::{self as appeals, NewEvidence, Reviewer, Target};
use store::entity::appeal;
use store::repo::RepoError;

use crate::error::AppError;
use crate::session::{CurrentCandidate, CurrentStaff, CurrentStudent};
use crate::upload::Upload;
use crate::{AppState, util};

/// Bytes kept of one uploaded file: one more than the limit, so an oversized file is known as
/// such while only its size is counted beyond that.
pub const KEEP: usize = FORM_MAX_BYTES + 1;

/// Body limit of a filing: every file at its limit, and room for the statement.
pub const BODY_LIMIT: usize = MAX_FILES * FORM_MAX_BYTES + 1024 * 1024;

/// What a student or another school sees for an appeal or a decision that is not theirs.
pub const NOT_FOUND: &str = "未找到该申辩，或不由本机构处理";

/// The kind as it appears in paths: `degree` or `language`.
pub fn kind_of_path(s: &str) -> Option<AppealKind> {
    match s {
        "degree" => Some(AppealKind::DegreeAward),
        "language" => Some(AppealKind::Language),
        "graduation" => Some(AppealKind::Graduation),
        _ => None,
    }
}

/// The kind's segment in paths.
pub fn path_of_kind(k: AppealKind) -> &'static str {
    match k {
        AppealKind::DegreeAward => "degree",
        AppealKind::Language => "language",
        AppealKind::Graduation => "graduation",
    }
}

/// Where the appellant files against decision `kind` on application `subject_id`: a student
/// under `/student`, the candidate of a graduation application under `/candidate`.
pub fn filing_href(kind: AppealKind, subject_id: i64) -> String {
    match kind {
        AppealKind::Graduation => format!("/candidate/appeals/graduation/{subject_id}"),
        _ => format!("/student/appeals/{}/{subject_id}", path_of_kind(kind)),
    }
}

fn not_yours() -> AppError {
    AppError::NotFound("未找到该申请".to_owned())
}

/// The student's own application `subject_id` of `kind`: `Ok(None)` when it carries no
/// decision that may be appealed; another student's is not found.
pub async fn own_target(
    state: &AppState,
    me: &CurrentStudent,
    kind: AppealKind,
    subject_id: i64,
) -> Result<Option<Target>, AppError> {
    match kind {
        AppealKind::DegreeAward => {
            let a = store::degree::application::get(&state.db, subject_id)
                .await
                .map_err(|_| not_yours())?;
            if a.student_id != me.model.id {
                tracing::warn!(
                    student = me.model.id,
                    application = subject_id,
                    "request denied: another student's degree decision"
                );
                return Err(not_yours());
            }
            Ok(appeals::degree_target(&state.db, &a).await?)
        }
        AppealKind::Language => {
            let a =
                match store::degree::language::get_for_student(&state.db, me.model.id, subject_id)
                    .await
                {
                    Ok(a) => a,
                    Err(RepoError::NotFound) => {
                        tracing::warn!(
                            student = me.model.id,
                            application = subject_id,
                            "request denied: another student's language decision"
                        );
                        return Err(not_yours());
                    }
                    Err(e) => return Err(e.into()),
                };
            Ok(appeals::language_target(&state.db, &a).await?)
        }
        // A candidate's, filed from the candidate's pages.
        AppealKind::Graduation => Err(not_yours()),
    }
}

/// The candidate's own graduation application `subject_id`: `Ok(None)` when it did not end in
/// a final rejection; another candidate's is not found.
pub async fn candidate_target(
    state: &AppState,
    me: &CurrentCandidate,
    subject_id: i64,
) -> Result<Option<Target>, AppError> {
    let a = match store::graduation::application::get_own(&state.db, me.model.id, subject_id).await
    {
        Ok(a) => a,
        Err(RepoError::NotFound) => {
            tracing::warn!(
                candidate = me.model.id,
                application = subject_id,
                "request denied: another candidate's graduation decision"
            );
            return Err(not_yours());
        }
        Err(e) => return Err(e.into()),
    };
    Ok(appeals::graduation_target(&state.db, &a).await?)
}

/// Why there is nothing to appeal on a graduation application.
pub const NOTHING_TO_APPEAL_GRADUATION: &str = "该毕业申请当前没有可申辩的决定：毕业申请被驳回、批次截止时仍未重新提交（本次不予办理）的，可在申辩期限内提出申辩";

/// Why there is nothing to appeal on an application.
pub const NOTHING_TO_APPEAL: &str = "该申请当前没有可申辩的决定：学位授予结果为“不授予”或学位外语合格状态为“不合格”时，可在申辩期限内提出申辩";

/// Files the student's appeal against decision `kind` on application `subject_id`. Refusals
/// name their field (`statement`, `files`, or none for the decision itself); a refused filing
/// stores nothing.
pub async fn file(
    state: &AppState,
    me: &CurrentStudent,
    kind: AppealKind,
    subject_id: i64,
    statement: &str,
    uploads: Vec<Upload>,
) -> Result<appeal::Model, AppError> {
    let Some(t) = own_target(state, me, kind, subject_id).await? else {
        return Err(AppError::refused("", NOTHING_TO_APPEAL));
    };
    file_against(state, &t, statement, uploads, &me.ctx.ip).await
}

/// Files the candidate's appeal against the final rejection of their graduation application
/// `subject_id`; refusals as [`file`]'s.
pub async fn file_candidate(
    state: &AppState,
    me: &CurrentCandidate,
    subject_id: i64,
    statement: &str,
    uploads: Vec<Upload>,
) -> Result<appeal::Model, AppError> {
    let Some(t) = candidate_target(state, me, subject_id).await? else {
        return Err(AppError::refused("", NOTHING_TO_APPEAL_GRADUATION));
    };
    file_against(state, &t, statement, uploads, &me.ctx.ip).await
}

/// Files the appeal of `t`'s appellant against `t`, checking the period, statement and files
/// before storing anything.
async fn file_against(
    state: &AppState,
    t: &Target,
    statement: &str,
    uploads: Vec<Upload>,
    ip: &str,
) -> Result<appeal::Model, AppError> {
    let appellant = t.appellant_id;
    let now = state.now();
    let mut errors: Vec<(String, String)> = Vec::new();
    match appeals::check_can_file(&state.db, appellant, t, now).await {
        Ok(()) => {}
        Err(RepoError::Conflict(m)) => return Err(AppError::Conflict(m)),
        Err(RepoError::Invalid(m)) => errors.push((String::new(), m)),
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = check_statement(statement) {
        errors.push(("statement".to_owned(), e.0));
    }
    if let Err(e) = check_file_count(uploads.len()) {
        errors.push(("files".to_owned(), e.0));
    }
    let mut clean = Vec::new();
    for up in uploads.iter().take(MAX_FILES) {
        match check_evidence(&up.name, &up.bytes, up.total) {
            Ok(accepted) => clean.push((up, accepted)),
            Err(m) => errors.push((
                "files".to_owned(),
                if up.name.is_empty() {
                    m
                } else {
                    format!("“{}”：{m}", up.name)
                },
            )),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Candidates' ids are another sequence than students': their files are kept apart.
    let prefix = if t.appellant_kind == appeals::CANDIDATE {
        format!("appeal/candidate/{appellant}")
    } else {
        format!("appeal/{appellant}")
    };
    let mut stored: Vec<NewEvidence> = Vec::with_capacity(clean.len());
    for (up, accepted) in clean {
        let put = state
            .objects
            .put(&prefix, accepted.ext, up.bytes.clone())
            .await;
        match put {
            Ok(s) => stored.push(NewEvidence {
                stored: s,
                original_name: up.name.clone(),
                content_type: accepted.content_type,
            }),
            Err(e) => {
                discard_all(state, &stored).await;
                return Err(AppError::Internal(e.into()));
            }
        }
    }
    let filed = appeals::file(&state.db, appellant, t, statement, &stored, now, Some(ip)).await;
    if filed.is_err() {
        discard_all(state, &stored).await;
    }
    Ok(filed?)
}

async fn discard_all(state: &AppState, stored: &[NewEvidence]) {
    for f in stored {
        crate::services::files::discard(state, &f.stored.key).await;
    }
}

/// An appeal of this organisation's (anything else is not found, alike).
pub async fn mine(state: &AppState, me: &CurrentStaff, id: i64) -> Result<appeal::Model, AppError> {
    me.require_read()?;
    match appeals::for_org(&state.db, me.org.id, id).await {
        Ok(a) => Ok(a),
        Err(RepoError::NotFound) => {
            tracing::warn!(
                staff = me.staff.id,
                appeal = id,
                "appeal outside the organisation's remit"
            );
            Err(AppError::NotFound(NOT_FOUND.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// 维持 or 撤销原决定 (`outcome` a status code) with `reason`, at the version the reviewer saw
/// (`None`: whatever it is now). Refusals name `outcome` or `reason`.
pub async fn decide(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    outcome: &str,
    reason: &str,
    version: Option<i32>,
) -> Result<appeal::Model, AppError> {
    let a = mine(state, me, id).await?;
    let outcome = AppealStatus::parse_outcome(outcome).map_err(|e| e.at("outcome"))?;
    let decided = appeals::decide(
        &state.db,
        Reviewer {
            org_id: me.org.id,
            staff_id: me.staff.id,
            roles: &me.roles,
        },
        a.id,
        outcome,
        reason,
        version,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await;
    decided.map_err(|e| match e {
        RepoError::Invalid(m) => AppError::refused("reason", m),
        RepoError::NotFound => AppError::NotFound(NOT_FOUND.to_owned()),
        other => other.into(),
    })
}

/// One line of an application's 办理记录.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// When it happened; the lines sort by it.
    pub at: chrono::DateTime<chrono::Utc>,
    /// When, as shown.
    pub when: String,
    /// What happened.
    pub what: String,
    /// Words that go with it (an opinion, a statement, reasons).
    pub note: String,
}

impl HistoryLine {
    /// A line at `at`.
    pub fn new(at: chrono::DateTime<chrono::Utc>, what: impl Into<String>, note: &str) -> Self {
        HistoryLine {
            at,
            when: util::beijing(at),
            what: what.into(),
            note: note.to_owned(),
        }
    }
}

/// The lines of an application's appeals: each decision appealed, the filing, the outcome.
pub fn appeal_lines(list: &[appeal::Model]) -> Vec<HistoryLine> {
    let mut out = Vec::new();
    for a in list {
        let kind = AppealKind::from_code(&a.kind).map_or("原决定", |k| k.label());
        out.push(HistoryLine::new(
            a.decided_at,
            format!("原决定：{kind}（{}）", a.stage_name),
            a.decision_note.as_deref().unwrap_or(""),
        ));
        out.push(HistoryLine::new(
            a.filed_at,
            format!("提出申辩（申辩编号 {}）", a.id),
            &a.statement,
        ));
        if let (Some(at), Some(s)) = (a.outcome_at, AppealStatus::from_code(&a.status)) {
            out.push(HistoryLine::new(
                at,
                format!("申辩处理结果：{}", s.label()),
                a.outcome_reason.as_deref().unwrap_or(""),
            ));
        }
    }
    out
}

/// The appeal lines of application `subject_id`, in time order, for the pages that show it.
pub async fn history(
    state: &AppState,
    kind: AppealKind,
    subject_id: i64,
) -> Result<Vec<HistoryLine>, AppError> {
    let list = appeals::of_subject(&state.db, kind, subject_id).await?;
    Ok(in_order(appeal_lines(&list)))
}

/// Lines in time order; lines at the same instant keep the order they were given in.
pub fn in_order(mut lines: Vec<HistoryLine>) -> Vec<HistoryLine> {
    lines.sort_by_key(|l| l.at);
    lines
}

/// The appeal box of an application's page for its student: what they may do now.
#[derive(Debug, Clone, Default)]
pub struct AppealBox {
    /// A decision may be appealed now: the deadline as shown, and where to file.
    pub open: Option<(String, String)>,
    /// The decision's period ran out without an appeal: the deadline that passed.
    pub expired: Option<String>,
    /// The appeal of the standing decision, if any: its status label and its page.
    pub filed: Option<(String, String)>,
    /// No decision stands that may be appealed, but an earlier one was appealed: the last
    /// appeal's status label and the page with its record.
    pub earlier: Option<(String, String)>,
}

impl AppealBox {
    /// Whether there is nothing to say about appeals.
    pub fn is_empty(&self) -> bool {
        self.open.is_none()
            && self.expired.is_none()
            && self.filed.is_none()
            && self.earlier.is_none()
    }
}

/// The box for application `subject_id` of `kind` with its decision `target` (if any) and its
/// appeals.
pub fn appeal_box(
    target: Option<&Target>,
    list: &[appeal::Model],
    now: chrono::DateTime<chrono::Utc>,
) -> AppealBox {
    let Some(t) = target else {
        let earlier = list.last().and_then(|a| {
            let kind = AppealKind::from_code(&a.kind)?;
            let status = AppealStatus::from_code(&a.status).map_or("", |s| s.label());
            Some((status.to_owned(), filing_href(kind, a.subject_id)))
        });
        return AppealBox {
            earlier,
            ..AppealBox::default()
        };
    };
    let href = filing_href(t.kind, t.subject_id);
    if let Some(a) = list.iter().rev().find(|a| a.decided_at == t.decided_at) {
        let status = AppealStatus::from_code(&a.status).map_or("", |s| s.label());
        return AppealBox {
            filed: Some((status.to_owned(), href)),
            ..AppealBox::default()
        };
    }
    let p = t.period();
    if p.open_at(now) {
        AppealBox {
            open: Some((p.deadline_label(), href)),
            ..AppealBox::default()
        }
    } else {
        AppealBox {
            expired: Some(p.deadline_label()),
            ..AppealBox::default()
        }
    }
}

/// One appeal as the staff pages of its application show it (申辩 section).
#[derive(Debug, Clone)]
pub struct StaffAppealView {
    /// 申辩编号.
    pub id: i64,
    /// 申辩事项.
    pub kind: String,
    /// The stage whose decision is appealed.
    pub stage: String,
    /// 原决定作出时间.
    pub decided_at: String,
    /// 提交时间.
    pub filed_at: String,
    /// 申辩陈述.
    pub statement: String,
    /// 申辩材料: the name, and the download link when this organisation may open it (the
    /// deciding organisation's own route, which checks that again).
    pub files: Vec<(String, Option<String>)>,
    /// 处理结果 as a label.
    pub status: String,
    /// Whether it still waits.
    pub pending: bool,
    /// 处理理由.
    pub reason: String,
    /// 处理人: who decided, with their organisation when it is another.
    pub decided_by: String,
    /// 处理时间.
    pub outcome_at: String,
    /// The appeal's own page, for the deciding organisation.
    pub href: Option<String>,
    /// The viewer may decide it now (pending, their organisation and stage).
    pub may_decide: bool,
}

/// The appeals against decisions on application `subject_id` of `kind`, newest first, as the
/// staff member `me` may see them beside the application: only the deciding organisation gets
/// links to the appeal's page and files.
pub async fn staff_views(
    state: &AppState,
    me: &CurrentStaff,
    kind: AppealKind,
    subject_id: i64,
) -> Result<Vec<StaffAppealView>, AppError> {
    let list = appeals::of_subject(&state.db, kind, subject_id).await?;
    let mut out = Vec::with_capacity(list.len());
    for a in list.into_iter().rev() {
        let ours = a.org_id == me.org.id;
        let files = appeals::files_of(&state.db, a.id)
            .await?
            .into_iter()
            .map(|f| {
                let href = ours.then(|| format!("/staff/appeals/{}/files/{}", a.id, f.id));
                (f.original_name, href)
            })
            .collect();
        let decided_by = match a.decided_by {
            Some(id) => {
                let who = store::repo::staff::get(&state.db, id).await?;
                if who.org_id == me.org.id {
                    who.display_name
                } else {
                    let org = store::repo::org::get(&state.db, who.org_id).await?;
                    format!("{} {}", org.name, who.display_name)
                }
            }
            None => String::new(),
        };
        let status = AppealStatus::from_code(&a.status);
        let pending = status == Some(AppealStatus::Pending);
        out.push(StaffAppealView {
            id: a.id,
            kind: AppealKind::from_code(&a.kind)
                .map_or_else(|| a.kind.clone(), |k| k.label().to_owned()),
            decided_at: util::beijing(a.decided_at),
            filed_at: util::beijing(a.filed_at),
            files,
            status: status.map_or_else(|| a.status.clone(), |s| s.label().to_owned()),
            pending,
            reason: a.outcome_reason.clone().unwrap_or_default(),
            decided_by,
            outcome_at: a.outcome_at.map(util::beijing).unwrap_or_default(),
            href: ours.then(|| format!("/staff/appeals/{}", a.id)),
            may_decide: pending && ours && me.roles.may_review_stage(&a.stage_name),
            stage: a.stage_name,
            statement: a.statement,
        });
    }
    Ok(out)
}

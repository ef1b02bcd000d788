//! 陈述申辩 / 复核 (SPEC: appeal): a student or a candidate appeals a decision on one of their
//! applications within the period its batch allows ([`file`]), and the reviewers of the
//! organisation and stage that decided 维持 or 撤销原决定 with reasons ([`decide`]); a revoked
//! decision reopens the application at that stage.
//!
//! What may be appealed is read from the application itself ([`Target`]): a degree application
//! whose 学位授予结果 is 不授予, a 学位外语 application found 不合格, a candidate's graduation
//! application closed by its batch's deadline while it stood rejected (the decision is final at
//! the close, and decided by the organisation that rejected it). A decision is its application
//! and the instant it was recorded, and the database keeps one appeal per decision.

pub mod decide;
pub mod file;

use chrono::{DateTime, Utc};
use domain::appeal::{AppealKind, AppealStatus, Period};
use domain::degree::DegreeAward;
use domain::degree::language::{LanguageStatus, Qualification};
use domain::review::EventAction;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::{
    appeal, appeal_file, batch, degree_application, graduation_application, language_application,
    staff,
};
use crate::keyset;
use crate::repo::RepoError;

pub use decide::{Reviewer, decide};
pub use file::{NewEvidence, check_can_file, file};

/// The account kind of a student appellant.
pub const STUDENT: &str = "student";

/// The account kind of a candidate appellant (self-study, graduation applications).
pub const CANDIDATE: &str = "candidate";

/// A decision that may be appealed, as its application records it.
#[derive(Debug, Clone)]
pub struct Target {
    /// Which kind of decision.
    pub kind: AppealKind,
    /// The application decided.
    pub subject_id: i64,
    /// Who may appeal it: [`STUDENT`] or [`CANDIDATE`].
    pub appellant_kind: &'static str,
    /// Their account (the student, or the candidate of a graduation application).
    pub appellant_id: i64,
    /// The organisation that decided, when it is not the one running the batch (a graduation
    /// application is rejected by the organisation of the stage that rejected it).
    pub deciding_org: Option<i64>,
    /// The batch it was decided in (the period is the batch's).
    pub batch: batch::Model,
    /// The stage that decided, an index into the batch's stages.
    pub stage: usize,
    /// That stage's name.
    pub stage_name: String,
    /// The decision's code on the application (`not_awarded`, `unqualified`).
    pub decision: &'static str,
    /// The decision's own words (审核意见), if any.
    pub note: Option<String>,
    /// When it was recorded.
    pub decided_at: DateTime<Utc>,
}

impl Target {
    /// The period in which it may be appealed.
    pub fn period(&self) -> Period {
        Period::new(self.decided_at, self.batch.appeal_days)
    }

    /// The organisation that decided: the one that rejected, or else the one running the batch.
    pub fn org_id(&self) -> Result<i64, RepoError> {
        self.deciding_org
            .or(self.batch.org_id)
            .ok_or(RepoError::NotFound)
    }
}

/// The organisation that decides an appeal of `t`: the one that decided, or, for a graduation
/// application in a province whose definition sends appeals above, the one above it (where it
/// has one).
pub async fn handling_org<C: ConnectionTrait>(conn: &C, t: &Target) -> Result<i64, RepoError> {
    let decider = t.org_id()?;
    let above = t.kind == AppealKind::Graduation
        && t.batch
            .province
            .as_deref()
            .and_then(domain::Province::from_code)
            .is_some_and(|p| p.appeal_to() == domain::province::AppealTo::Above);
    if !above {
        return Ok(decider);
    }
    Ok(crate::repo::org::get(conn, decider)
        .await?
        .parent_id
        .unwrap_or(decider))
}

async fn batch_of<C: ConnectionTrait>(conn: &C, id: i64) -> Result<batch::Model, RepoError> {
    batch::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// The 不授予 of a degree application, if that is its 学位授予结果. It is recorded by the
/// reviewers of the batch's last stage (the award follows that stage's approval).
pub async fn degree_target<C: ConnectionTrait>(
    conn: &C,
    a: &degree_application::Model,
) -> Result<Option<Target>, RepoError> {
    let Some(decided_at) = a.award_recorded_at else {
        return Ok(None);
    };
    if a.award.as_deref() != Some(DegreeAward::NotAwarded.code()) {
        return Ok(None);
    }
    let batch = batch_of(conn, a.batch_id).await?;
    let stages = crate::degree::stages_of(conn, batch.id).await?;
    let stage = stages.len().saturating_sub(1);
    Ok(Some(Target {
        kind: AppealKind::DegreeAward,
        subject_id: a.id,
        appellant_kind: STUDENT,
        appellant_id: a.student_id,
        deciding_org: None,
        stage,
        stage_name: stage_name(&stages, stage),
        batch,
        decision: DegreeAward::NotAwarded.code(),
        note: None,
        decided_at,
    }))
}

/// The 不合格 of a reviewed 学位外语 application, if that is its 合格状态: decided at the stage
/// that refused it, or at the last stage when it was approved as 不合格.
pub async fn language_target<C: ConnectionTrait>(
    conn: &C,
    a: &language_application::Model,
) -> Result<Option<Target>, RepoError> {
    let Some(decided_at) = a.reviewed_at else {
        return Ok(None);
    };
    let status = LanguageStatus::from_code(&a.status);
    let decided = matches!(
        status,
        Some(LanguageStatus::Approved | LanguageStatus::Rejected)
    );
    if !decided || a.qualification.as_deref() != Some(Qualification::Unqualified.code()) {
        return Ok(None);
    }
    let batch = batch_of(conn, a.batch_id).await?;
    let stages = crate::degree::stages_of(conn, batch.id).await?;
    let last = stages.len().saturating_sub(1);
    let stage = match status {
        Some(LanguageStatus::Rejected) => a
            .stage
            .and_then(|s| usize::try_from(s).ok())
            .unwrap_or(last),
        _ => last,
    };
    Ok(Some(Target {
        kind: AppealKind::Language,
        subject_id: a.id,
        appellant_kind: STUDENT,
        appellant_id: a.student_id,
        deciding_org: None,
        stage,
        stage_name: stage_name(&stages, stage),
        batch,
        decision: Qualification::Unqualified.code(),
        note: a.review_opinion.clone(),
        decided_at,
    }))
}

fn stage_name(stages: &[domain::review::Stage], at: usize) -> String {
    stages.get(at).map_or_else(
        || domain::degree::stages::DEFAULT_STAGE.to_owned(),
        |s| s.name.clone(),
    )
}

/// The decision `kind` on application `subject_id` as it stands now, if it may be appealed.
pub async fn current_target<C: ConnectionTrait>(
    conn: &C,
    kind: AppealKind,
    subject_id: i64,
) -> Result<Option<Target>, RepoError> {
    match kind {
        AppealKind::DegreeAward => {
            match degree_application::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
            {
                Some(a) => degree_target(conn, &a).await,
                None => Ok(None),
            }
        }
        AppealKind::Language => {
            match language_application::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
            {
                Some(a) => language_target(conn, &a).await,
                None => Ok(None),
            }
        }
        AppealKind::Graduation => {
            match graduation_application::Entity::find_by_id(subject_id)
                .one(conn)
                .await?
            {
                Some(a) => graduation_target(conn, &a).await,
                None => Ok(None),
            }
        }
    }
}

/// The final rejection of a graduation application, if that is how it ended: closed by its
/// batch's deadline (本次不予办理) while it stood rejected. A rejected application stays open for
/// resubmission until the batch closes, so the decision becomes final at the close, and the
/// period counts from then; the stage, organisation and reason are the last rejection's.
pub async fn graduation_target<C: ConnectionTrait>(
    conn: &C,
    a: &graduation_application::Model,
) -> Result<Option<Target>, RepoError> {
    if a.status != domain::review::Status::Closed.code() {
        return Ok(None);
    }
    let events = crate::graduation::application::events(conn, a.id).await?;
    let Some(close) = events
        .iter()
        .rposition(|e| e.action == EventAction::Closed.code())
    else {
        return Ok(None);
    };
    let decided_at = events[close].at;
    // What the application stood at when the batch closed: the last event that moved it.
    let standing = events[..close].iter().rev().find(|e| {
        matches!(
            EventAction::from_code(&e.action),
            Some(
                EventAction::Submitted
                    | EventAction::Approved
                    | EventAction::Rejected
                    | EventAction::Paid
                    | EventAction::AppealRevoked
            )
        )
    });
    let Some(rejected) = standing.filter(|e| e.action == EventAction::Rejected.code()) else {
        return Ok(None);
    };
    let (Some(stage), Some(org)) = (
        rejected.stage.and_then(|s| usize::try_from(s).ok()),
        rejected.org_id,
    ) else {
        return Ok(None);
    };
    let batch = batch_of(conn, a.batch_id).await?;
    Ok(Some(Target {
        kind: AppealKind::Graduation,
        subject_id: a.id,
        appellant_kind: CANDIDATE,
        appellant_id: a.candidate_id,
        deciding_org: Some(org),
        batch,
        stage,
        stage_name: rejected.stage_name.clone(),
        decision: EventAction::Rejected.code(),
        note: rejected.reason.clone(),
        decided_at,
    }))
}

/// An appeal by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<appeal::Model, RepoError> {
    appeal::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// An appeal, only for the student who filed it.
pub async fn for_student<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
    id: i64,
) -> Result<appeal::Model, RepoError> {
    for_appellant(conn, STUDENT, student_id, id).await
}

/// An appeal, only for the account (`kind` [`STUDENT`] or [`CANDIDATE`]) that filed it.
pub async fn for_appellant<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    appellant_id: i64,
    id: i64,
) -> Result<appeal::Model, RepoError> {
    appeal::Entity::find_by_id(id)
        .filter(appeal::Column::AppellantKind.eq(kind))
        .filter(appeal::Column::AppellantId.eq(appellant_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// An appeal, only for the organisation that decides it.
pub async fn for_org<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    id: i64,
) -> Result<appeal::Model, RepoError> {
    appeal::Entity::find_by_id(id)
        .filter(appeal::Column::OrgId.eq(org_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Every appeal against a decision on application `subject_id`, oldest first: its history.
pub async fn of_subject<C: ConnectionTrait>(
    conn: &C,
    kind: AppealKind,
    subject_id: i64,
) -> Result<Vec<appeal::Model>, RepoError> {
    Ok(appeal::Entity::find()
        .filter(appeal::Column::Kind.eq(kind.code()))
        .filter(appeal::Column::SubjectId.eq(subject_id))
        .order_by_asc(appeal::Column::Id)
        .all(conn)
        .await?)
}

/// The appeal already filed against the decision `t`, if any.
pub async fn of_decision<C: ConnectionTrait>(
    conn: &C,
    t: &Target,
) -> Result<Option<appeal::Model>, RepoError> {
    // Compared here rather than in SQL: the instant read back is the one stored, whatever text
    // or precision a backend keeps it in.
    Ok(of_subject(conn, t.kind, t.subject_id)
        .await?
        .into_iter()
        .rev()
        .find(|a| a.decided_at == t.decided_at))
}

/// The files of an appeal, in upload order.
pub async fn files_of<C: ConnectionTrait>(
    conn: &C,
    appeal_id: i64,
) -> Result<Vec<appeal_file::Model>, RepoError> {
    Ok(appeal_file::Entity::find()
        .filter(appeal_file::Column::AppealId.eq(appeal_id))
        .order_by_asc(appeal_file::Column::Position)
        .all(conn)
        .await?)
}

/// One file of one appeal (`NotFound` when it belongs to another).
pub async fn file_of<C: ConnectionTrait>(
    conn: &C,
    appeal_id: i64,
    file_id: i64,
) -> Result<appeal_file::Model, RepoError> {
    appeal_file::Entity::find_by_id(file_id)
        .filter(appeal_file::Column::AppealId.eq(appeal_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

fn queue_select(org_id: i64, status: Option<AppealStatus>) -> sea_orm::Select<appeal::Entity> {
    let q = appeal::Entity::find().filter(appeal::Column::OrgId.eq(org_id));
    match status {
        Some(s) => q.filter(appeal::Column::Status.eq(s.code())),
        None => q,
    }
}

const QUEUE_ORDER: keyset::Order<appeal::Column> = keyset::Order {
    key: Some(appeal::Column::FiledAt),
    id: appeal::Column::Id,
    descending: false,
};

/// One page of the appeals an organisation decides, optionally of one status, oldest filing
/// first ([`keyset`], at most `per_page`).
pub async fn queue<C: crate::reader::Reads>(
    conn: &C,
    org_id: i64,
    status: Option<AppealStatus>,
    at: keyset::PageAt,
    per_page: u64,
) -> Result<keyset::Page<appeal::Model>, RepoError> {
    Ok(keyset::fetch(
        conn,
        queue_select(org_id, status),
        &QUEUE_ORDER,
        at,
        per_page,
        |a: &appeal::Model| keyset::Cursor::new(a.filed_at, a.id),
    )
    .await?)
}

/// How many appeals the organisation has under `status`.
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    status: Option<AppealStatus>,
) -> Result<u64, RepoError> {
    Ok(queue_select(org_id, status).count(conn).await?)
}

/// The accounts of `org_id` that may decide at `stage`: its reviewers of that stage (or of
/// every stage) and its admins, disabled accounts left out.
pub async fn deciders<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    stage: &str,
) -> Result<Vec<i64>, RepoError> {
    let ids: Vec<i64> = staff::Entity::find()
        .select_only()
        .column(staff::Column::Id)
        .filter(staff::Column::OrgId.eq(org_id))
        .filter(staff::Column::Disabled.eq(false))
        .order_by_asc(staff::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let roles = crate::repo::staff::roles_of_many(conn, &ids).await?;
    Ok(ids
        .into_iter()
        .filter(|id| roles.get(id).is_some_and(|r| r.may_review_stage(stage)))
        .collect())
}

/// Applications of batch `batch_id` that a revoked appeal reopened: the batch's close leaves
/// them in review, since they were reopened after it.
pub async fn reopened_in_batch<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
) -> Result<std::collections::HashSet<i64>, RepoError> {
    let ids: Vec<i64> = appeal::Entity::find()
        .select_only()
        .column(appeal::Column::SubjectId)
        .filter(appeal::Column::BatchId.eq(batch_id))
        .filter(appeal::Column::Kind.eq(AppealKind::Graduation.code()))
        .filter(appeal::Column::Status.eq(AppealStatus::Revoked.code()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Whether a revoked appeal reopened graduation application `application_id`.
pub async fn reopened<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<bool, RepoError> {
    let n = appeal::Entity::find()
        .filter(appeal::Column::Kind.eq(AppealKind::Graduation.code()))
        .filter(appeal::Column::SubjectId.eq(application_id))
        .filter(appeal::Column::Status.eq(AppealStatus::Revoked.code()))
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// The appeal still 待处理 against the decision application `subject_id` carries, if any. An
/// appeal is filed only against the decision that stands, and that decision may not change while
/// it waits ([`refuse_if_pending`]), so a pending one is against the decision there now.
pub async fn pending_against<C: ConnectionTrait>(
    conn: &C,
    kind: AppealKind,
    subject_id: i64,
) -> Result<Option<appeal::Model>, RepoError> {
    Ok(appeal::Entity::find()
        .filter(appeal::Column::Kind.eq(kind.code()))
        .filter(appeal::Column::SubjectId.eq(subject_id))
        .filter(appeal::Column::Status.eq(AppealStatus::Pending.code()))
        .order_by_desc(appeal::Column::Id)
        .one(conn)
        .await?)
}

/// Refuses a change to the decision on application `subject_id` (`what` names what would have
/// changed, e.g. 学位授予结果) while an appeal against it is 待处理: its 撤销 reopens the
/// application as the decision left it, which a decision taken meanwhile would make impossible.
pub async fn refuse_if_pending<C: ConnectionTrait>(
    conn: &C,
    kind: AppealKind,
    subject_id: i64,
    what: &str,
) -> Result<(), RepoError> {
    match pending_against(conn, kind, subject_id).await? {
        None => Ok(()),
        Some(a) => Err(RepoError::Conflict(format!(
            "该决定的申辩尚待处理，处理完成前不能更改{what}：申请编号 {subject_id} 的{}已于 {}（北京时间）被提出申辩（申辩编号 {}），请先在“申辩复核”中作出维持或撤销原决定的结论；本次未做任何更改",
            kind.label(),
            domain::calendar::beijing_minute(a.filed_at),
            a.id
        ))),
    }
}

/// Why a second appeal against one decision is refused: when the first was filed and where it
/// stands.
pub fn already_filed(a: &appeal::Model) -> RepoError {
    let status = AppealStatus::from_code(&a.status).map_or("", |s| s.label());
    RepoError::Conflict(format!(
        "您已于 {}（北京时间）对该决定提出过申辩（处理结果：{status}），每项决定只能申辩一次",
        domain::calendar::beijing_minute(a.filed_at)
    ))
}

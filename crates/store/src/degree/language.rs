//! 学位外语成绩认定 (seed 002, step 1): a student of a school of continuing education applies in
//! one of the school's language batches while its window is open and their examination-course
//! average reaches the batch's threshold; a pending application can be withdrawn (撤销申请) and
//! filed again; after the window closes the school reviews each application, one by one or in
//! bulk, setting 审核状态, 审核意见 and 合格状态 together.
//!
//! Every change is a conditional UPDATE written first in its transaction (on SQLite it takes the
//! write lock before any read), so two reviewers deciding at once leave one result, and a
//! withdrawal racing a review leaves exactly one of them. Each change writes its audit row in the
//! same transaction; a review also puts a message into the student's 收件箱.

use chrono::{DateTime, Utc};
use domain::degree::language::{LanguageStatus, Qualification, ValidLanguageForm};
use domain::degree::{EntryCondition, PlanResult};
use domain::messages::inbox as messages;
use domain::review::{Action, State, Status, Window, transition};
use domain::{CourseKind, ScoreValue};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::accounts::delegation::Decider;
use crate::entity::{batch, language_application as app, language_file, student};
use crate::keyset;
use crate::objects::Stored;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::versioned;
use crate::repo::{RepoError, is_unique_violation, reference};

/// The kind code of language batches.
pub const BATCH_KIND: &str = "language";

const PAGE: &str = "/student/language";

/// Longest 审核意见.
pub const OPINION_MAX: usize = 200;

/// A UTC instant as Beijing time, "2026-11-24 14:05".
fn beijing(t: DateTime<Utc>) -> String {
    domain::calendar::beijing_minute(t)
}

/// The window as people read it: "2026-03-01 09:00 至 2026-03-31 17:00（北京时间）".
pub fn window_label(b: &batch::Model) -> String {
    format!(
        "{} 至 {}（北京时间）",
        beijing(b.opens_at),
        beijing(b.closes_at)
    )
}

/// Whether `now` is inside the batch's window (start inclusive, end exclusive).
pub fn window_open(b: &batch::Model, now: DateTime<Utc>) -> bool {
    b.opens_at <= now && now < b.closes_at
}

/// The batch's threshold: the copy made at creation, or 70.0 for a batch that predates rules.
pub fn threshold_of(b: &batch::Model) -> i32 {
    b.min_average_tenths
        .unwrap_or(domain::degree::DEFAULT_THRESHOLD_TENTHS)
}

/// The language batches of the student's school, newest window first.
pub async fn batches_of<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
) -> Result<Vec<batch::Model>, RepoError> {
    Ok(batch::Entity::find()
        .filter(batch::Column::Kind.eq(BATCH_KIND))
        .filter(batch::Column::OrgId.eq(school_org_id))
        .order_by_desc(batch::Column::OpensAt)
        .order_by_desc(batch::Column::Id)
        .all(conn)
        .await?)
}

/// A language batch of the school (anything else is `NotFound`).
pub async fn batch_of_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
    batch_id: i64,
) -> Result<batch::Model, RepoError> {
    batch::Entity::find_by_id(batch_id)
        .filter(batch::Column::Kind.eq(BATCH_KIND))
        .filter(batch::Column::OrgId.eq(school_org_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// The student's plan with their results, as the average needs it.
pub async fn plan_results<C: ConnectionTrait>(
    conn: &C,
    s: &student::Model,
) -> Result<Vec<PlanResult>, RepoError> {
    let plan = reference::plan(conn, s.major_id).await?;
    let scores = crate::repo::student::scores(conn, s.id).await?;
    Ok(plan
        .iter()
        .map(|row| PlanResult {
            kind: CourseKind::from_code(&row.course.kind).unwrap_or(CourseKind::Theory),
            result: scores
                .iter()
                .find(|r| r.course_code == row.course.course_code)
                .and_then(|r| ScoreValue::from_db(r.score_tenths, r.passed)),
        })
        .collect())
}

/// The entry condition of `b` judged for the student.
pub async fn condition<C: ConnectionTrait>(
    conn: &C,
    s: &student::Model,
    b: &batch::Model,
) -> Result<EntryCondition, RepoError> {
    Ok(EntryCondition::judge(
        &plan_results(conn, s).await?,
        threshold_of(b),
    ))
}

/// The student's applications, newest first.
pub async fn of_student<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
) -> Result<Vec<app::Model>, RepoError> {
    Ok(app::Entity::find()
        .filter(app::Column::StudentId.eq(student_id))
        .order_by_desc(app::Column::Id)
        .all(conn)
        .await?)
}

/// A proof file already stored in object storage, to be recorded with the application.
#[derive(Debug, Clone)]
pub struct NewProof {
    /// The stored object.
    pub stored: Stored,
    /// The name the student's file had.
    pub original_name: String,
    /// Its MIME type.
    pub content_type: &'static str,
}

fn student_actor(id: i64) -> Actor {
    Actor {
        kind: "student",
        id: Some(id),
    }
}

/// Checks everything an application depends on except the files: the batch is the school's, its
/// window is open, the condition is met, no active application exists. Called before the files
/// are stored, so a refused application leaves nothing behind.
pub async fn check_can_apply<C: ConnectionTrait>(
    conn: &C,
    s: &student::Model,
    batch_id: i64,
    now: DateTime<Utc>,
) -> Result<(batch::Model, EntryCondition), RepoError> {
    let b = batch_of_school(conn, s.school_org_id, batch_id).await?;
    if !window_open(&b, now) {
        let when = if now < b.opens_at {
            "尚未开始"
        } else {
            "已截止"
        };
        return Err(RepoError::Invalid(format!(
            "{}的申请时间{when}：申请时间为{}，不在申请时间内不能申请",
            b.name,
            window_label(&b)
        )));
    }
    let c = condition(conn, s, &b).await?;
    if let Some(m) = c.refusal() {
        return Err(RepoError::Invalid(m));
    }
    let active = app::Entity::find()
        .filter(app::Column::StudentId.eq(s.id))
        .filter(app::Column::ActiveBatchId.eq(b.id))
        .one(conn)
        .await?;
    if let Some(a) = active {
        return Err(already_applied(&b, &a.status));
    }
    Ok((b, c))
}

fn already_applied(b: &batch::Model, status: &str) -> RepoError {
    let label = LanguageStatus::from_code(status).map_or("", |s| s.label());
    RepoError::Conflict(format!(
        "您在{}已有一份申请（{label}），每个批次只能有一份有效申请；待审核的申请可先撤销再重新申请",
        b.name
    ))
}

/// Files an application with its proof files (1 to 5, already checked and stored).
pub async fn apply(
    db: &DatabaseConnection,
    s: &student::Model,
    batch_id: i64,
    form: &ValidLanguageForm,
    files: &[NewProof],
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    if files.is_empty() {
        return Err(RepoError::Invalid(
            "请上传外国语成绩证明图片或文件（jpg、png 或 pdf，至少1个，最多5个）".to_owned(),
        ));
    }
    domain::files::check_proof_count(0, files.len()).map_err(|e| RepoError::Invalid(e.0))?;
    let (b, c) = check_can_apply(db, s, batch_id, now).await?;
    let txn = crate::write::begin_write(db).await?;
    let saved = app::ActiveModel {
        student_id: Set(s.id),
        batch_id: Set(b.id),
        active_batch_id: Set(Some(b.id)),
        subject: Set(form.subject.code().to_owned()),
        certificate_type: Set(form.certificate_type.code().to_owned()),
        exam_kind: Set(form.exam_kind.code().to_owned()),
        exam_level: Set(form.exam_level.clone()),
        language: Set(form.language.code().to_owned()),
        obtained_on: Set(form.obtained_on),
        transcript_no: Set(form.transcript_no.clone()),
        score: Set(form.score.clone()),
        score_status: Set(form.score_status.code().to_owned()),
        average_hundredths: Set(i32::try_from(c.average.hundredths()).unwrap_or(i32::MAX)),
        status: Set(LanguageStatus::Pending.code().to_owned()),
        stage: Set(Some(0)),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let saved = match saved {
        Ok(a) => a,
        Err(e) => {
            // Another application arrived between the check and this insert; see `withdraw`
            // for why the rollback is explicit.
            txn.rollback().await?;
            return Err(if is_unique_violation(&e) {
                already_applied(&b, LanguageStatus::Pending.code())
            } else {
                RepoError::Db(e)
            });
        }
    };
    let rows = files
        .iter()
        .enumerate()
        .map(|(i, f)| language_file::ActiveModel {
            application_id: Set(saved.id),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            object_key: Set(f.stored.key.clone()),
            original_name: Set(f.original_name.chars().take(255).collect()),
            content_type: Set(f.content_type.to_owned()),
            size_bytes: Set(i64::try_from(f.stored.size).unwrap_or(i64::MAX)),
            sha256: Set(f.stored.sha256.clone()),
            created_at: Set(now),
            ..Default::default()
        });
    language_file::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        student_actor(s.id),
        "language_application.filed",
        ("language_application", Some(saved.id)),
        &format!(
            "batch_id={} exam_kind={} files={} average={}",
            b.id,
            form.exam_kind.code(),
            files.len(),
            c.average.display()
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// 撤销申请: only the student's own pending application; afterwards they may apply again.
pub async fn withdraw(
    db: &DatabaseConnection,
    student_id: i64,
    id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let withdrawn = versioned::update_if_unchanged(
        &txn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: None,
            guard: sea_orm::Condition::all()
                .add(app::Column::Id.eq(id))
                .add(app::Column::StudentId.eq(student_id))
                .add(app::Column::Status.eq(LanguageStatus::Pending.code())),
        },
        vec![
            (
                app::Column::Status,
                Expr::value(LanguageStatus::Withdrawn.code()),
            ),
            (app::Column::ActiveBatchId, Expr::value(Option::<i64>::None)),
            (app::Column::WithdrawnAt, Expr::value(now)),
        ],
    )
    .await?;
    if !withdrawn {
        // Rolled back explicitly: a transaction merely dropped is rolled back only when its
        // connection is next used, and on MySQL it holds its locks until then.
        txn.rollback().await?;
        let a = get_for_student(db, student_id, id).await?;
        let label = LanguageStatus::from_code(&a.status).map_or("", |s| s.label());
        return Err(RepoError::Conflict(format!(
            "只有待审核的申请可以撤销，该申请当前为“{label}”"
        )));
    }
    audit::record(
        &txn,
        now,
        student_actor(student_id),
        "language_application.withdrawn",
        ("language_application", Some(id)),
        "",
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// An application, only for the student who filed it.
pub async fn get_for_student<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
    id: i64,
) -> Result<app::Model, RepoError> {
    app::Entity::find_by_id(id)
        .filter(app::Column::StudentId.eq(student_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// An application with its batch, only for the school whose batch it is.
pub async fn get_for_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
    id: i64,
) -> Result<(app::Model, batch::Model), RepoError> {
    let a = app::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let b = batch_of_school(conn, school_org_id, a.batch_id).await?;
    Ok((a, b))
}

/// The proof files of an application, in upload order.
pub async fn files_of<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Vec<language_file::Model>, RepoError> {
    Ok(language_file::Entity::find()
        .filter(language_file::Column::ApplicationId.eq(application_id))
        .order_by_asc(language_file::Column::Position)
        .all(conn)
        .await?)
}

/// One file of one application (`NotFound` when the file belongs to another application).
pub async fn file_of<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
    file_id: i64,
) -> Result<language_file::Model, RepoError> {
    language_file::Entity::find_by_id(file_id)
        .filter(language_file::Column::ApplicationId.eq(application_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A batch's applications under `status` (every one but the withdrawn when `None`), for the
/// school's queue.
fn queue_select(b: &batch::Model, status: Option<LanguageStatus>) -> sea_orm::Select<app::Entity> {
    let q = app::Entity::find().filter(app::Column::BatchId.eq(b.id));
    match status {
        Some(s) => q.filter(app::Column::Status.eq(s.code())),
        None => q.filter(app::Column::Status.ne(LanguageStatus::Withdrawn.code())),
    }
}

/// The queue's order: by filing time, then id.
const QUEUE_ORDER: keyset::Order<app::Column> = keyset::Order {
    key: Some(app::Column::CreatedAt),
    id: app::Column::Id,
    descending: false,
};

/// One page of a batch's applications with their students, for the school's queue, by filing
/// time ([`keyset`], at most `per_page`).
pub async fn queue<C: crate::reader::Reads>(
    conn: &C,
    b: &batch::Model,
    status: Option<LanguageStatus>,
    at: keyset::PageAt,
    per_page: u64,
) -> Result<keyset::Page<(app::Model, student::Model)>, RepoError> {
    let page = keyset::fetch(
        conn,
        queue_select(b, status),
        &QUEUE_ORDER,
        at,
        per_page,
        |a: &app::Model| keyset::Cursor::new(a.created_at, a.id),
    )
    .await?;
    let students: std::collections::HashMap<i64, student::Model> = student::Entity::find()
        .filter(student::Column::Id.is_in(page.rows.iter().map(|a| a.student_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let rows = page
        .rows
        .into_iter()
        .filter_map(|a| students.get(&a.student_id).cloned().map(|s| (a, s)))
        .collect();
    Ok(keyset::Page {
        rows,
        prev: page.prev,
        next: page.next,
    })
}

/// How many applications the queue holds under `status`.
pub async fn queue_count<C: ConnectionTrait>(
    conn: &C,
    b: &batch::Model,
    status: Option<LanguageStatus>,
) -> Result<u64, RepoError> {
    Ok(queue_select(b, status).count(conn).await?)
}

/// A reviewer's decision on one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// 审核通过 (true) or 审核不通过.
    pub approve: bool,
    /// 审核意见 (required when not approving).
    pub opinion: String,
    /// 合格状态.
    pub qualification: Qualification,
}

impl Decision {
    /// Checks the decision itself: a refusal needs an opinion and cannot be 合格; an opinion is at
    /// most [`OPINION_MAX`] characters.
    pub fn check(&self) -> Result<(), RepoError> {
        let opinion = self.opinion.trim();
        let n = opinion.chars().count();
        if n > OPINION_MAX {
            return Err(RepoError::Invalid(format!(
                "审核意见最多{OPINION_MAX}字，实际为{n}字，多了{}字",
                n - OPINION_MAX
            )));
        }
        if !self.approve {
            if n == 0 {
                return Err(RepoError::Invalid(
                    "审核不通过时请填写审核意见，学生将看到该意见".to_owned(),
                ));
            }
            if self.qualification == Qualification::Qualified {
                return Err(RepoError::Invalid(
                    "审核不通过的申请，合格状态只能为“不合格”".to_owned(),
                ));
            }
        }
        Ok(())
    }
}

fn already_reviewed() -> RepoError {
    RepoError::Conflict(
        "该申请已不是待审核状态（可能已被其他审核人员处理或已被学生撤销），本次未做更改，请刷新后查看"
            .to_owned(),
    )
}

/// Reviews one pending application of the school's batch once its window has closed. With
/// `expected_version`, the decision applies only if the application is still the one the reviewer
/// saw.
// The reviewer is three values (school, account, roles) the callers hold apart.
#[allow(clippy::too_many_arguments)]
pub async fn review(
    db: &DatabaseConnection,
    school_org_id: i64,
    staff_id: i64,
    roles: &domain::Roles,
    id: i64,
    expected_version: Option<i32>,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<app::Model, RepoError> {
    let by = Decider {
        staff_id,
        roles,
        stands_in_for: &[],
    };
    review_by(
        db,
        school_org_id,
        by,
        id,
        expected_version,
        decision,
        now,
        None,
    )
    .await
}

/// [`review`] by a reviewer who may also stand in for colleagues away (工作委托): at a stage
/// their own roles do not name but a colleague's do, the decision is taken on that colleague's
/// behalf, which the application keeps and the audit row names.
#[allow(clippy::too_many_arguments)]
pub async fn review_by(
    db: &DatabaseConnection,
    school_org_id: i64,
    by: Decider<'_>,
    id: i64,
    expected_version: Option<i32>,
    decision: &Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    decision.check()?;
    let (a, b) = get_for_school(db, school_org_id, id).await?;
    if now < b.closes_at {
        return Err(RepoError::Invalid(format!(
            "{}的申请时间尚未截止，截止后方可审核：申请截止时间为{}（北京时间）",
            b.name,
            beijing(b.closes_at)
        )));
    }
    let stages = super::stages_of(db, b.id).await?;
    let current = state(&a);
    let at = current.stage.unwrap_or(0);
    // The update below is conditional on this stage, so the check holds for the write.
    let on_behalf_of = match stages.get(at) {
        Some(s) => by.acting_for(&s.name).ok_or_else(|| {
            RepoError::Forbidden(format!(
                "您的账号没有“{}”环节的审核权限，本次操作未做任何更改",
                s.name
            ))
        })?,
        None => None,
    };
    let opinion = decision.opinion.trim().to_owned();
    let action = if decision.approve {
        Action::Approve { stage: at }
    } else {
        Action::Reject {
            stage: at,
            reason: opinion.clone(),
        }
    };
    let window = Window {
        opens_at: b.opens_at,
        closes_at: b.closes_at,
    };
    let Ok(next) = transition(&stages, window, current, &action, now) else {
        // A decided application is not reviewed again; one whose 不合格 is appealed says why.
        crate::appeal::refuse_if_pending(
            db,
            domain::appeal::AppealKind::Language,
            a.id,
            "学位外语审核结果",
        )
        .await?;
        return Err(already_reviewed());
    };
    let step = Step {
        at,
        next,
        stage_name: stages.get(at).map_or("审核", |s| s.name.as_str()),
        following: next
            .stage
            .and_then(|i| stages.get(i))
            .map_or("下一", |s| s.name.as_str()),
    };
    // Two reviewers at once may deadlock on MySQL/MariaDB (the status is in a secondary index
    // the conditional UPDATE both reads and changes); the victim runs again and then finds the
    // application reviewed.
    let who = Who {
        staff_id: by.staff_id,
        on_behalf_of,
        ip,
    };
    crate::repo::retry_deadlock(|| {
        review_once(
            db,
            &who,
            expected_version,
            decision,
            now,
            (&a, &b),
            (&step, &opinion),
        )
    })
    .await
}

/// Who takes one review: the account, the colleague it stands in for (if it does), and from
/// where.
struct Who<'a> {
    staff_id: i64,
    on_behalf_of: Option<i64>,
    ip: Option<&'a str>,
}

/// Where one review moves an application: from stage `at` to `next`.
struct Step<'a> {
    at: usize,
    next: State,
    stage_name: &'a str,
    following: &'a str,
}

/// The application's position on the review state machine its batch's stages run; a withdrawn
/// one is out of it.
pub fn state(a: &app::Model) -> State {
    let stage = Some(a.stage.and_then(|s| usize::try_from(s).ok()).unwrap_or(0));
    match LanguageStatus::from_code(&a.status) {
        Some(LanguageStatus::Pending) => State {
            status: Status::InReview,
            stage,
        },
        Some(LanguageStatus::Rejected) => State {
            status: Status::Rejected,
            stage,
        },
        Some(LanguageStatus::Approved) => State {
            status: Status::Approved,
            stage: None,
        },
        _ => State {
            status: Status::Closed,
            stage: None,
        },
    }
}

/// 审核状态 as the student and the school read it: with several stages, the one a pending
/// application waits at.
pub fn status_label(a: &app::Model, stages: &[domain::review::Stage]) -> String {
    match LanguageStatus::from_code(&a.status) {
        Some(LanguageStatus::Pending) => {
            domain::degree::stages::pending_label(stages, state(a).stage)
        }
        Some(s) => s.label().to_owned(),
        None => a.status.clone(),
    }
}

async fn review_once(
    db: &DatabaseConnection,
    who: &Who<'_>,
    expected_version: Option<i32>,
    decision: &Decision,
    now: DateTime<Utc>,
    (a, b): (&app::Model, &batch::Model),
    (step, opinion): (&Step<'_>, &str),
) -> Result<app::Model, RepoError> {
    let opinion = opinion.to_owned();
    let (status, qualification) = match step.next.status {
        Status::InReview => (LanguageStatus::Pending, None),
        Status::Approved => (LanguageStatus::Approved, Some(decision.qualification)),
        _ => (LanguageStatus::Rejected, Some(decision.qualification)),
    };
    let txn = crate::write::begin_write(db).await?;
    // First statement of the transaction; see the module documentation.
    let reviewed = versioned::update_if_unchanged(
        &txn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: expected_version,
            guard: sea_orm::Condition::all()
                .add(app::Column::Id.eq(a.id))
                .add(app::Column::BatchId.eq(b.id))
                .add(app::Column::Status.eq(LanguageStatus::Pending.code()))
                .add(app::Column::Stage.eq(i32::try_from(step.at).unwrap_or(i32::MAX))),
        },
        vec![
            (app::Column::Status, Expr::value(status.code())),
            (
                app::Column::Stage,
                Expr::value(step.next.stage.and_then(|i| i32::try_from(i).ok())),
            ),
            (
                app::Column::ReviewOpinion,
                Expr::value((!opinion.is_empty()).then(|| opinion.clone())),
            ),
            (
                app::Column::Qualification,
                Expr::value(qualification.map(|q| q.code())),
            ),
            (app::Column::ReviewedBy, Expr::value(who.staff_id)),
            (app::Column::ReviewedAt, Expr::value(now)),
            (
                app::Column::ReviewedOnBehalfOf,
                Expr::value(who.on_behalf_of),
            ),
        ],
    )
    .await?;
    if !reviewed {
        // See `withdraw`: release the locks now.
        txn.rollback().await?;
        return Err(already_reviewed());
    }
    // The opinion is free text: last, so that nothing it says reads as a field.
    let for_whom = who
        .on_behalf_of
        .map(|id| format!(" on_behalf_of={id}"))
        .unwrap_or_default();
    audit::record(
        &txn,
        now,
        Actor::staff(who.staff_id),
        "language_application.reviewed",
        ("language_application", Some(a.id)),
        &format!(
            "stage={} status={} qualification={}{for_whom} opinion={opinion}",
            step.stage_name,
            status.code(),
            qualification.map_or("", |q| q.code())
        ),
        who.ip,
    )
    .await?;
    if status == LanguageStatus::Pending {
        let text = messages::language_stage_passed(&b.name, step.stage_name, step.following);
        inbox::send(
            &txn,
            Recipient::Student(a.student_id),
            &text.title,
            &text.body,
            Some(PAGE),
            now,
        )
        .await?;
        let saved = app::Entity::find_by_id(a.id)
            .one(&txn)
            .await?
            .ok_or(RepoError::NotFound)?;
        txn.commit().await?;
        return Ok(saved);
    }
    let text = messages::language_decided(&b.name, status, decision.qualification, &opinion);
    inbox::send(
        &txn,
        Recipient::Student(a.student_id),
        &text.title,
        &text.body,
        Some(PAGE),
        now,
    )
    .await?;
    let saved = app::Entity::find_by_id(a.id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    txn.commit().await?;
    Ok(saved)
}

/// What a bulk review did.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    /// Reviewed now.
    pub done: Vec<i64>,
    /// Not reviewed, with why.
    pub refused: Vec<(i64, String)>,
}

/// Reviews several applications with one decision, each in its own transaction, so one that
/// changed meanwhile does not hold back the others.
pub async fn review_many(
    db: &DatabaseConnection,
    school_org_id: i64,
    staff_id: i64,
    roles: &domain::Roles,
    ids: &[i64],
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<BulkOutcome, RepoError> {
    let by = Decider {
        staff_id,
        roles,
        stands_in_for: &[],
    };
    review_many_by(db, school_org_id, by, ids, decision, now, None).await
}

/// [`review_many`] by a reviewer who may also stand in for colleagues away, each application
/// decided as [`review_by`] decides it.
pub async fn review_many_by(
    db: &DatabaseConnection,
    school_org_id: i64,
    by: Decider<'_>,
    ids: &[i64],
    decision: &Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<BulkOutcome, RepoError> {
    decision.check()?;
    let mut out = BulkOutcome::default();
    for &id in ids {
        match review_by(db, school_org_id, by, id, None, decision, now, ip).await {
            Ok(_) => out.done.push(id),
            Err(RepoError::Invalid(m) | RepoError::Conflict(m) | RepoError::Forbidden(m)) => {
                out.refused.push((id, m))
            }
            Err(RepoError::NotFound) => {
                out.refused
                    .push((id, "该申请不存在或不属于本机构的批次".to_owned()));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

//! The degree application (学位申请, seed 002 step 7, SPEC §5): a draft saved section by section
//! while the degree batch is open, 确认提交 locking it, the school's review with its opinion, and
//! the 学位授予结果 recorded per batch. A rejected application may be corrected and submitted
//! again while the batch is open.
//!
//! Every state change is a conditional UPDATE on status and version, written first in its
//! transaction with an audit row and a 收件箱 message, so two reviewers leave one result.

use crate::graduation::application::Decision;
use crate::repo::versioned;
use chrono::{DateTime, Utc};
use domain::degree::form::{DegreeFormInput, FieldError, validate};
use domain::degree::{DegreeAward, DegreeReview};
use domain::messages::inbox as messages;
use domain::review::{Action, Stage, State, Status, Window, transition};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{batch, degree_application as app, degree_file, student};
use crate::keyset;
use crate::objects::Stored;
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};

/// Being filled in.
pub const DRAFT: &str = "draft";
/// 确认提交 done.
pub const SUBMITTED: &str = "submitted";

/// Message when an application changed under the person acting on it.
pub const CHANGED: &str = "该学位申请的状态刚刚发生了变化，请刷新页面后再操作";

const PROGRESS: &str = "/student/degree";

fn student_actor(id: i64) -> Actor {
    Actor {
        kind: "student",
        id: Some(id),
    }
}

fn staff_actor(id: i64) -> Actor {
    Actor::staff(id)
}

/// Applies `changes` to the application if nobody changed it since it was read (same id and
/// version, plus the `extra` condition), bumping the version; otherwise [`CHANGED`].
async fn claim<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    changes: Vec<(app::Column, SimpleExpr)>,
    extra: Condition,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut set = vec![(app::Column::UpdatedAt, Expr::value(now))];
    set.extend(changes);
    versioned::claim(
        conn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: Some(a.version),
            guard: Condition::all().add(app::Column::Id.eq(a.id)).add(extra),
        },
        set,
        CHANGED,
    )
    .await
}

/// Refused unless `now` lies in the batch's window, naming it in Beijing time.
pub fn check_window(b: &batch::Model, now: DateTime<Utc>) -> Result<(), RepoError> {
    if !super::language::window_open(b, now) {
        return Err(RepoError::Invalid(format!(
            "不在学位申请时间内：{}的申请时间为 {}",
            b.name,
            super::language::window_label(b)
        )));
    }
    Ok(())
}

/// The student's application in a batch, if any.
pub async fn of_student<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
    batch_id: i64,
) -> Result<Option<app::Model>, RepoError> {
    Ok(app::Entity::find()
        .filter(app::Column::StudentId.eq(student_id))
        .filter(app::Column::BatchId.eq(batch_id))
        .one(conn)
        .await?)
}

/// The student's applications in every batch, newest first.
pub async fn all_of_student<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
) -> Result<Vec<app::Model>, RepoError> {
    Ok(app::Entity::find()
        .filter(app::Column::StudentId.eq(student_id))
        .order_by_desc(app::Column::Id)
        .all(conn)
        .await?)
}

/// An application by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<app::Model, RepoError> {
    app::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Whether the student may still change it: a draft, or sent back by the school.
pub fn editable(a: &app::Model) -> bool {
    a.status == DRAFT || a.review_status.as_deref() == Some(DegreeReview::Rejected.code())
}

/// The application's position on the review state machine its batch's stages run.
pub fn state(a: &app::Model) -> State {
    let stage = a.stage.and_then(|s| usize::try_from(s).ok());
    let status = match (
        a.status.as_str(),
        a.review_status.as_deref().and_then(DegreeReview::from_code),
    ) {
        (SUBMITTED, Some(DegreeReview::Approved)) => Status::Approved,
        (SUBMITTED, Some(DegreeReview::Rejected)) => Status::Rejected,
        (SUBMITTED, _) => Status::InReview,
        _ => Status::Draft,
    };
    let stage = match status {
        Status::InReview | Status::Rejected => Some(stage.unwrap_or(0)),
        _ => None,
    };
    State { status, stage }
}

/// 审核状态 as the student and the school read it: with several stages, the one it waits at.
pub fn review_label(a: &app::Model, stages: &[Stage]) -> Option<String> {
    let r = DegreeReview::from_code(a.review_status.as_deref()?)?;
    Some(match r {
        DegreeReview::Pending => domain::degree::stages::pending_label(stages, state(a).stage),
        DegreeReview::Rejected if stages.len() > 1 => {
            let at = state(a).stage.and_then(|i| stages.get(i));
            at.map_or_else(
                || r.label().to_owned(),
                |s| format!("{}（{}）", r.label(), s.name),
            )
        }
        other => other.label().to_owned(),
    })
}

fn window_of(b: &batch::Model) -> Window {
    Window {
        opens_at: b.opens_at,
        closes_at: b.closes_at,
    }
}

/// What the form saves; identity data as corrected by the student.
#[derive(Debug, Clone)]
pub struct SaveForm<'a> {
    /// The typed form.
    pub input: &'a DegreeFormInput,
    /// 性别 code.
    pub gender: &'a str,
    /// 出生日期.
    pub birth_date: chrono::NaiveDate,
    /// 民族.
    pub ethnicity: &'a str,
    /// 政治面貌.
    pub political_status: &'a str,
}

/// Saves the form (创建 on first save): refused outside the window, once submitted and not sent
/// back, or with every invalid field named. Nothing is written when anything is wrong.
pub async fn save(
    db: &DatabaseConnection,
    s: &student::Model,
    b: &batch::Model,
    form: SaveForm<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, Result<RepoError, Vec<FieldError>>> {
    check_window(b, now).map_err(Ok)?;
    let existing = of_student(db, s.id, b.id).await.map_err(Ok)?;
    if let Some(a) = &existing
        && !editable(a)
    {
        return Err(Ok(RepoError::Invalid(
            "学位申请已确认提交，不能再修改".to_owned(),
        )));
    }
    validate(form.input).map_err(Err)?;
    let i = form.input;
    let txn = crate::write::begin_write(db)
        .await
        .map_err(|e| Ok(e.into()))?;
    let saved = match existing {
        Some(a) => {
            claim(
                &txn,
                &a,
                vec![
                    (app::Column::Name, Expr::value(i.name.clone())),
                    (app::Column::NamePinyin, Expr::value(i.name_pinyin.clone())),
                    (app::Column::Gender, Expr::value(form.gender)),
                    (app::Column::BirthDate, Expr::value(form.birth_date)),
                    (app::Column::Ethnicity, Expr::value(form.ethnicity)),
                    (
                        app::Column::PoliticalStatus,
                        Expr::value(form.political_status),
                    ),
                    (app::Column::IdCardNo, Expr::value(i.id_card_no.clone())),
                    (app::Column::EntryMonth, Expr::value(i.entry_month.clone())),
                    (
                        app::Column::GraduationMonth,
                        Expr::value(i.graduation_month.clone()),
                    ),
                    (app::Column::Country, Expr::value(i.country.clone())),
                    (
                        app::Column::SecondDegree,
                        Expr::value(i.kinds.second_degree),
                    ),
                    (app::Column::MajorMinor, Expr::value(i.kinds.major_minor)),
                    (app::Column::Minor, Expr::value(i.kinds.minor)),
                    (
                        app::Column::DoubleBachelor,
                        Expr::value(i.kinds.double_bachelor),
                    ),
                    (app::Column::JointDegree, Expr::value(i.kinds.joint)),
                    (app::Column::JointUnit, Expr::value(i.joint_unit.clone())),
                    (app::Column::Email, Expr::value(i.email.clone())),
                    (app::Column::Qq, Expr::value(i.qq.clone())),
                    (app::Column::Wechat, Expr::value(i.wechat.clone())),
                    (app::Column::OtherInfo, Expr::value(i.other.clone())),
                    (
                        app::Column::ThesisTitle,
                        Expr::value(i.thesis_title.clone()),
                    ),
                ],
                Condition::all(),
                now,
            )
            .await
            .map_err(Ok)?;
            a.id
        }
        None => {
            let inserted = app::ActiveModel {
                student_id: Set(s.id),
                batch_id: Set(b.id),
                status: Set(DRAFT.to_owned()),
                review_status: Set(None),
                review_opinion: Set(None),
                reviewed_by: Set(None),
                reviewed_at: Set(None),
                award: Set(None),
                award_recorded_at: Set(None),
                name: Set(i.name.clone()),
                name_pinyin: Set(i.name_pinyin.clone()),
                gender: Set(form.gender.to_owned()),
                birth_date: Set(form.birth_date),
                ethnicity: Set(form.ethnicity.to_owned()),
                political_status: Set(form.political_status.to_owned()),
                id_type: Set("中华人民共和国居民身份证".to_owned()),
                id_card_no: Set(i.id_card_no.clone()),
                entry_month: Set(i.entry_month.clone()),
                graduation_month: Set(i.graduation_month.clone()),
                country: Set(i.country.clone()),
                second_degree: Set(i.kinds.second_degree),
                major_minor: Set(i.kinds.major_minor),
                minor: Set(i.kinds.minor),
                double_bachelor: Set(i.kinds.double_bachelor),
                joint_degree: Set(i.kinds.joint),
                joint_unit: Set(i.joint_unit.clone()),
                email: Set(i.email.clone()),
                qq: Set(i.qq.clone()),
                wechat: Set(i.wechat.clone()),
                other_info: Set(i.other.clone()),
                thesis_title: Set(i.thesis_title.clone()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                submitted_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await;
            match inserted {
                Ok(a) => a.id,
                // Two first saves at once: the other one created it.
                Err(e) if crate::repo::is_unique_violation(&e) => {
                    return Err(Ok(RepoError::Conflict(CHANGED.to_owned())));
                }
                Err(e) => return Err(Ok(e.into())),
            }
        }
    };
    audit::record(
        &txn,
        now,
        student_actor(s.id),
        "degree_application.saved",
        ("degree_application", Some(saved)),
        "",
        ip,
    )
    .await
    .map_err(|e| Ok(e.into()))?;
    let a = get(&txn, saved).await.map_err(Ok)?;
    txn.commit().await.map_err(|e| Ok(e.into()))?;
    Ok(a)
}

/// The uploads of an application.
pub async fn files<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Vec<degree_file::Model>, RepoError> {
    Ok(degree_file::Entity::find()
        .filter(degree_file::Column::ApplicationId.eq(application_id))
        .order_by_asc(degree_file::Column::Id)
        .all(conn)
        .await?)
}

/// An upload to attach.
#[derive(Debug, Clone)]
pub struct NewDegreeFile<'a> {
    /// Which upload.
    pub slot: domain::degree::files::DegreeSlot,
    /// Where it was stored.
    pub stored: &'a Stored,
    /// MIME type to serve it with.
    pub content_type: &'a str,
    /// The name it is offered back under.
    pub file_name: &'a str,
}

/// One upload by id.
pub async fn file<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<degree_file::Model>, RepoError> {
    Ok(degree_file::Entity::find_by_id(id).one(conn).await?)
}

/// Stores an upload in its slot, replacing the earlier one (whose object stays stored).
pub async fn attach(
    db: &DatabaseConnection,
    a: &app::Model,
    b: &batch::Model,
    new: NewDegreeFile<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<degree_file::Model, RepoError> {
    let NewDegreeFile {
        slot,
        stored,
        content_type,
        file_name,
    } = new;
    check_window(b, now)?;
    if !editable(a) {
        return Err(RepoError::Invalid(
            "学位申请已确认提交，不能再修改".to_owned(),
        ));
    }
    let txn = crate::write::begin_write(db).await?;
    // Claims the application first, so an upload racing 确认提交 loses cleanly.
    claim(&txn, a, Vec::new(), Condition::all(), now).await?;
    degree_file::Entity::delete_many()
        .filter(degree_file::Column::ApplicationId.eq(a.id))
        .filter(degree_file::Column::Slot.eq(slot.code()))
        .exec(&txn)
        .await?;
    let saved = degree_file::ActiveModel {
        application_id: Set(a.id),
        slot: Set(slot.code().to_owned()),
        object_key: Set(stored.key.clone()),
        sha256: Set(stored.sha256.clone()),
        size_bytes: Set(i64::try_from(stored.size).unwrap_or(i64::MAX)),
        content_type: Set(content_type.to_owned()),
        file_name: Set(file_name.chars().take(255).collect()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        student_actor(a.student_id),
        "degree_application.file_uploaded",
        ("degree_application", Some(a.id)),
        &format!(
            "slot={} sha256={} size={}",
            slot.code(),
            stored.sha256,
            stored.size
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// What 确认提交 still needs, in the form's words.
pub fn missing(a: &app::Model, files: &[degree_file::Model]) -> Vec<String> {
    use domain::degree::files::DegreeSlot;
    let mut out = Vec::new();
    if validate(&input_of(a)).is_err() {
        out.push("学位申请信息（请检查并保存）".to_owned());
    }
    for slot in [DegreeSlot::Thesis, DegreeSlot::Form] {
        if !files.iter().any(|f| f.slot == slot.code()) {
            out.push(slot.label().to_owned());
        }
    }
    out
}

/// The saved form as input, for checking and for showing it again.
pub fn input_of(a: &app::Model) -> DegreeFormInput {
    DegreeFormInput {
        name: a.name.clone(),
        name_pinyin: a.name_pinyin.clone(),
        id_card_no: a.id_card_no.clone(),
        entry_month: a.entry_month.clone(),
        graduation_month: a.graduation_month.clone(),
        country: a.country.clone(),
        kinds: domain::degree::form::DegreeKinds {
            second_degree: a.second_degree,
            major_minor: a.major_minor,
            minor: a.minor,
            double_bachelor: a.double_bachelor,
            joint: a.joint_degree,
        },
        joint_unit: a.joint_unit.clone(),
        email: a.email.clone(),
        qq: a.qq.clone(),
        wechat: a.wechat.clone(),
        other: a.other_info.clone(),
        thesis_title: a.thesis_title.clone(),
    }
}

/// 确认提交: locks the application for the school's review. The caller has checked the
/// 学位审核条件 (`refusal` carries why not, and is refused here).
pub async fn submit(
    db: &DatabaseConnection,
    a: &app::Model,
    b: &batch::Model,
    conditions_refusal: Option<String>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    check_window(b, now)?;
    if let Some(why) = conditions_refusal {
        return Err(RepoError::Invalid(why));
    }
    if !editable(a) {
        return Err(RepoError::Invalid(
            "学位申请已确认提交，请等待审核".to_owned(),
        ));
    }
    let missing = missing(a, &files(db, a.id).await?);
    if !missing.is_empty() {
        return Err(RepoError::Invalid(format!(
            "确认提交前请先完成：{}",
            missing.join("、")
        )));
    }
    let stages = super::stages_of(db, b.id).await?;
    let next = transition(
        &stages,
        window_of(b),
        state(a),
        &Action::Submit { missing },
        now,
    )
    .map_err(|r| RepoError::Invalid(r.0))?;
    let txn = crate::write::begin_write(db).await?;
    claim(
        &txn,
        a,
        vec![
            (app::Column::Status, Expr::value(SUBMITTED)),
            (
                app::Column::Stage,
                Expr::value(next.stage.and_then(|i| i32::try_from(i).ok())),
            ),
            (
                app::Column::ReviewStatus,
                Expr::value(DegreeReview::Pending.code()),
            ),
            (
                app::Column::ReviewOpinion,
                Expr::value(Option::<String>::None),
            ),
            (app::Column::SubmittedAt, Expr::value(now)),
        ],
        Condition::all(),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        student_actor(a.student_id),
        "degree_application.submitted",
        ("degree_application", Some(a.id)),
        "",
        ip,
    )
    .await?;
    let text = messages::degree_submitted(&b.name);
    inbox::send(
        &txn,
        Recipient::Student(a.student_id),
        &text.title,
        &text.body,
        Some(PROGRESS),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A batch's submitted applications, optionally only one review status.
fn queue_select(batch_id: i64, review: Option<DegreeReview>) -> sea_orm::Select<app::Entity> {
    let mut q = app::Entity::find()
        .filter(app::Column::BatchId.eq(batch_id))
        .filter(app::Column::Status.eq(SUBMITTED));
    if let Some(r) = review {
        q = q.filter(app::Column::ReviewStatus.eq(r.code()));
    }
    q
}

/// The queue's order: by 提交时间 (set on submission, so every submitted application has one),
/// then id.
const QUEUE_ORDER: keyset::Order<app::Column> = keyset::Order {
    key: Some(app::Column::SubmittedAt),
    id: app::Column::Id,
    descending: false,
};

/// One page of a batch's submitted applications for the school, optionally only one review
/// status, oldest first ([`keyset`], at most `per_page`).
pub async fn queue<C: crate::reader::Reads>(
    conn: &C,
    batch_id: i64,
    review: Option<DegreeReview>,
    at: keyset::PageAt,
    per_page: u64,
) -> Result<keyset::Page<app::Model>, RepoError> {
    Ok(keyset::fetch(
        conn,
        queue_select(batch_id, review),
        &QUEUE_ORDER,
        at,
        per_page,
        |a: &app::Model| keyset::Cursor::new(a.submitted_at.unwrap_or(DateTime::UNIX_EPOCH), a.id),
    )
    .await?)
}

/// How many submitted applications of a batch have each review status (code, number).
pub async fn review_counts<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
) -> Result<Vec<(Option<String>, i64)>, RepoError> {
    Ok(queue_select(batch_id, None)
        .select_only()
        .column(app::Column::ReviewStatus)
        .column_as(app::Column::Id.count(), "n")
        .group_by(app::Column::ReviewStatus)
        .into_tuple()
        .all(conn)
        .await?)
}

/// The school decides a submitted application at the stage it waits at (审核通过, or 审核不通过 with
/// its 审核意见). Passing a stage that is not the batch's last sends it on to the next stage, still
/// 待审核; passing the last approves it, after which the 学位授予结果 may be recorded.
pub async fn review(
    db: &DatabaseConnection,
    a: &app::Model,
    staff_id: i64,
    decision: &Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    review_for(db, a, staff_id, None, decision, now, ip).await
}

/// [`review`], by a reviewer deciding under a delegation (工作委托) from `on_behalf_of`: the
/// application keeps on whose behalf it was decided and the audit row names both. The caller has
/// checked the stage `a` waits at against the roles; the write is conditional on `a`'s version,
/// so that is the stage decided.
pub async fn review_for(
    db: &DatabaseConnection,
    a: &app::Model,
    staff_id: i64,
    on_behalf_of: Option<i64>,
    decision: &Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let b = batch::Entity::find_by_id(a.batch_id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let stages = super::stages_of(db, a.batch_id).await?;
    let current = state(a);
    let at = current.stage.unwrap_or(0);
    let (action, opinion) = match decision {
        Decision::Approve => (Action::Approve { stage: at }, None),
        Decision::Reject(r) => {
            let r = r.trim();
            if r.is_empty() {
                return Err(RepoError::Invalid(
                    "审核不通过时必须填写审核意见".to_owned(),
                ));
            }
            (
                Action::Reject {
                    stage: at,
                    reason: r.to_owned(),
                },
                Some(r.to_owned()),
            )
        }
    };
    let next = transition(&stages, window_of(&b), current, &action, now)
        .map_err(|r| RepoError::Conflict(r.0))?;
    let stage_name = stages.get(at).map_or("审核", |s| s.name.as_str());
    let (to, event, text) = match next.status {
        Status::InReview => {
            let following = next
                .stage
                .and_then(|i| stages.get(i))
                .map_or("下一", |s| s.name.as_str());
            (
                DegreeReview::Pending,
                "stage_passed",
                messages::degree_stage_passed(stage_name, following),
            )
        }
        Status::Rejected => (
            DegreeReview::Rejected,
            DegreeReview::Rejected.code(),
            messages::degree_rejected(stage_name, opinion.as_deref().unwrap_or("")),
        ),
        _ => (
            DegreeReview::Approved,
            DegreeReview::Approved.code(),
            messages::degree_approved(),
        ),
    };
    let txn = crate::write::begin_write(db).await?;
    claim(
        &txn,
        a,
        vec![
            (app::Column::ReviewStatus, Expr::value(to.code())),
            (app::Column::ReviewOpinion, Expr::value(opinion.clone())),
            (
                app::Column::Stage,
                Expr::value(next.stage.and_then(|i| i32::try_from(i).ok())),
            ),
            (app::Column::ReviewedBy, Expr::value(staff_id)),
            (app::Column::ReviewedAt, Expr::value(now)),
            (app::Column::ReviewedOnBehalfOf, Expr::value(on_behalf_of)),
        ],
        Condition::all()
            .add(app::Column::Status.eq(SUBMITTED))
            .add(app::Column::ReviewStatus.eq(DegreeReview::Pending.code())),
        now,
    )
    .await?;
    let opinion_text = opinion.as_deref().unwrap_or("");
    let detail = match on_behalf_of {
        Some(id) => format!("stage={stage_name} on_behalf_of={id} {opinion_text}"),
        None => format!("stage={stage_name} {opinion_text}"),
    };
    audit::record(
        &txn,
        now,
        staff_actor(staff_id),
        &format!("degree_application.{event}"),
        ("degree_application", Some(a.id)),
        &detail,
        ip,
    )
    .await?;
    inbox::send(
        &txn,
        Recipient::Student(a.student_id),
        &text.title,
        &text.body,
        Some(PROGRESS),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Records the 学位授予结果 of approved applications of one batch, in bulk. Returns how many
/// changed; applications not approved, of another batch or already carrying this result are
/// left as they are and not counted.
pub async fn record_award(
    db: &DatabaseConnection,
    batch_id: i64,
    ids: &[i64],
    award: DegreeAward,
    staff_id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<u64, RepoError> {
    record_award_for(db, batch_id, ids, award, staff_id, None, now, ip).await
}

/// [`record_award`], by a reviewer recording under a delegation (工作委托) from `on_behalf_of`:
/// each application keeps who recorded its result and for whom, and each audit row names both.
#[allow(clippy::too_many_arguments)]
pub async fn record_award_for(
    db: &DatabaseConnection,
    batch_id: i64,
    ids: &[i64],
    award: DegreeAward,
    staff_id: i64,
    on_behalf_of: Option<i64>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<u64, RepoError> {
    if ids.is_empty() {
        return Err(RepoError::Invalid("请先勾选要登记结果的申请".to_owned()));
    }
    let txn = crate::write::begin_write(db).await?;
    let targets = app::Entity::find()
        .filter(app::Column::Id.is_in(ids.iter().copied()))
        .filter(app::Column::BatchId.eq(batch_id))
        .filter(app::Column::ReviewStatus.eq(DegreeReview::Approved.code()))
        .all(&txn)
        .await?;
    let mut changed = 0;
    for a in targets {
        if a.award.as_deref() == Some(award.code()) {
            continue;
        }
        if a.award.as_deref() == Some(DegreeAward::NotAwarded.code())
            && let Err(e) = crate::appeal::refuse_if_pending(
                &txn,
                domain::appeal::AppealKind::DegreeAward,
                a.id,
                "学位授予结果",
            )
            .await
        {
            // Rolled back now, the applications before it included: see `appeal::file`.
            txn.rollback().await?;
            return Err(e);
        }
        claim(
            &txn,
            &a,
            vec![
                (app::Column::Award, Expr::value(award.code())),
                (app::Column::AwardRecordedAt, Expr::value(now)),
                (app::Column::AwardRecordedBy, Expr::value(staff_id)),
                (app::Column::AwardOnBehalfOf, Expr::value(on_behalf_of)),
            ],
            Condition::all(),
            now,
        )
        .await?;
        let detail = on_behalf_of
            .map(|id| format!("on_behalf_of={id}"))
            .unwrap_or_default();
        audit::record(
            &txn,
            now,
            staff_actor(staff_id),
            &format!("degree_application.{}", award.code()),
            ("degree_application", Some(a.id)),
            &detail,
            ip,
        )
        .await?;
        let text = messages::degree_award(award);
        inbox::send(
            &txn,
            Recipient::Student(a.student_id),
            &text.title,
            &text.body,
            Some(PROGRESS),
            now,
        )
        .await?;
        changed += 1;
    }
    txn.commit().await?;
    Ok(changed)
}

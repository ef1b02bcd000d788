//! Graduation applications (毕业申请): opening one, saving its sections and
//! files, submitting it, and moving it through the batch's review pipeline.
//!
//! Every change is one conditional UPDATE written first in its transaction
//! (on the application's id, status, stage and `version`), so two people
//! acting at once leave one result and SQLite never has to upgrade a read
//! lock. The rules themselves are [`domain::review::transition`]'s.

use chrono::{DateTime, NaiveDate, Utc};
use domain::graduation::form::{FileSlot, MAX_OTHER_MATERIALS, PriorEducationForm, ResumeEntry};
use domain::messages::inbox as messages;
use domain::messages::inbox::FeeOnReopening;
use domain::review::EventAction;
use domain::review::deadline;
use domain::review::{
    Action, ReviewerRule, ReviewerTarget, Stage, StageKind, State, Status, Window, transition,
};
use domain::{CandidateType, Level, OrgKind, Province};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{
    application_file, application_tally, batch, batch_stage, candidate,
    graduation_application as app, major, organisation, payment_order, refund, review_decided,
    review_decided_tally, review_event,
};
use crate::keyset;
use crate::objects::Stored;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::versioned;
use crate::repo::{RepoError, calendar};

/// The prior-education check was not needed (专科).
pub const PRIOR_NOT_NEEDED: &str = "not_needed";
/// The credential service confirmed the prior diploma.
pub const PRIOR_VERIFIED: &str = "verified";
/// The automatic check did not pass: the form's prior-education section is required and the
/// first reviewer checks it.
pub const PRIOR_MANUAL: &str = "manual";
/// The manual prior-education review: submitted by the candidate, waiting for the confirmation point or
/// chief university to check the originals and upload stamped copies.
pub const PRIOR_AWAITING_ORIGINALS: &str = "awaiting_originals";
/// The manual prior-education review: originals checked, waiting for the provincial office's final review.
pub const PRIOR_AWAITING_FINAL: &str = "awaiting_final";

/// Message when the candidate tries to change prior education under manual review.
pub const PRIOR_LOCKED: &str = "前置学历已提交人工审核，审核完成前不能修改";

/// Message when the candidate tries to change prior education the manual review approved.
pub const PRIOR_DECIDED: &str = "前置学历人工审核已通过（仅本次毕业申请有效），不能再修改";

/// Message when a reviewer approves before confirming the practical notice's seal.
pub const SEAL_UNCONFIRMED: &str = "请先核对实习(实验)考核合格成绩通知单加盖的是申请毕业主考学校有关学院的公章，并勾选确认后再通过";

/// Message when an application changed under the person acting on it.
pub const CHANGED_MESSAGE: &str = "该申请的状态刚刚发生了变化，请刷新页面后再操作";

/// A batch's review stages, in order.
pub async fn stages<C: ConnectionTrait>(conn: &C, batch_id: i64) -> Result<Vec<Stage>, RepoError> {
    let rows = batch_stage::Entity::find()
        .filter(batch_stage::Column::BatchId.eq(batch_id))
        .order_by_asc(batch_stage::Column::Seq)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            let kind = match r.kind.as_str() {
                "payment" => StageKind::Payment {
                    amount_fen: r.amount_fen.unwrap_or(0),
                },
                _ => StageKind::Review(
                    r.reviewer_rule
                        .as_deref()
                        .and_then(ReviewerRule::from_code)
                        .ok_or_else(|| {
                            RepoError::Invalid(format!("审核环节“{}”的审核机构无效", r.name))
                        })?,
                ),
            };
            Ok(Stage {
                name: r.name,
                kind,
                limit_working_days: r.limit_working_days.and_then(|n| u32::try_from(n).ok()),
            })
        })
        .collect()
}

/// Copies a pipeline onto a batch (replacing any it had).
pub async fn set_stages<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
    pipeline: &[Stage],
) -> Result<(), RepoError> {
    batch_stage::Entity::delete_many()
        .filter(batch_stage::Column::BatchId.eq(batch_id))
        .exec(conn)
        .await?;
    for (seq, s) in pipeline.iter().enumerate() {
        let (kind, rule, amount) = match &s.kind {
            StageKind::Review(rule) => ("review", Some(rule.code().to_owned()), None),
            StageKind::Payment { amount_fen } => ("payment", None, Some(*amount_fen)),
        };
        batch_stage::ActiveModel {
            batch_id: Set(batch_id),
            seq: Set(i32::try_from(seq).unwrap_or(i32::MAX)),
            name: Set(s.name.clone()),
            kind: Set(kind.to_owned()),
            reviewer_rule: Set(rule),
            amount_fen: Set(amount),
            limit_working_days: Set(s
                .limit_working_days
                .filter(|_| !s.is_payment())
                .and_then(|n| i32::try_from(n).ok())),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// A batch's window.
pub fn window(b: &batch::Model) -> Window {
    Window {
        opens_at: b.opens_at,
        closes_at: b.closes_at,
    }
}

/// The application's position in the state machine.
pub fn state(a: &app::Model) -> State {
    State {
        status: Status::from_code(&a.status).unwrap_or(Status::Draft),
        stage: a.stage.and_then(|s| usize::try_from(s).ok()),
    }
}

fn stage_i32(stage: Option<usize>) -> Option<i32> {
    stage.and_then(|s| i32::try_from(s).ok())
}

/// Graduation batches of a province, newest first.
pub async fn batches_of_province<C: ConnectionTrait>(
    conn: &C,
    province: &str,
) -> Result<Vec<batch::Model>, RepoError> {
    Ok(batch::Entity::find()
        .filter(batch::Column::Kind.eq("graduation"))
        .filter(batch::Column::Province.eq(province))
        .order_by_desc(batch::Column::OpensAt)
        .all(conn)
        .await?)
}

/// A batch by id.
pub async fn batch<C: ConnectionTrait>(conn: &C, id: i64) -> Result<batch::Model, RepoError> {
    batch::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// The candidate's applications, newest first.
pub async fn of_candidate<C: crate::reader::Reads>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<app::Model>, RepoError> {
    use sea_orm::QueryTrait;
    static SQL: crate::reader::Prepared = crate::reader::Prepared::new();
    let stmt = SQL.statement(
        conn.get_database_backend(),
        vec![candidate_id.into()],
        |backend| {
            app::Entity::find()
                .filter(app::Column::CandidateId.eq(candidate_id))
                .order_by_desc(app::Column::Id)
                .build(backend)
        },
    );
    Ok(crate::reader::models_of::<_, app::Entity>(conn, stmt).await?)
}

/// One of the candidate's own applications.
pub async fn get_own<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    id: i64,
) -> Result<app::Model, RepoError> {
    app::Entity::find_by_id(id)
        .filter(app::Column::CandidateId.eq(candidate_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// An application by id, with no scope check: for jobs and for callers that checked already.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<app::Model, RepoError> {
    app::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// What opening an application needs.
pub struct NewApplication<'a> {
    /// The candidate.
    pub candidate: &'a candidate::Model,
    /// The batch applied in.
    pub batch: &'a batch::Model,
    /// The major applied for; must be one of the candidate's enrolled majors.
    pub major: &'a major::Model,
    /// [`PRIOR_NOT_NEEDED`], [`PRIOR_VERIFIED`] or [`PRIOR_MANUAL`].
    pub prior_check: &'a str,
    /// Why the automatic check did not pass, shown in the prior-education section.
    pub prior_check_message: Option<String>,
}

/// Opens an application after the candidate acknowledged the notice (毕业申请须知); the caller has
/// run the eligibility audit. One application per candidate and batch.
pub async fn open(
    db: &DatabaseConnection,
    new: NewApplication<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let w = window(new.batch);
    if let Err(r) = transition(&[], w, State::DRAFT, &Action::Edit, now) {
        return Err(RepoError::Invalid(r.0));
    }
    if new.batch.province.as_deref() != Some(new.candidate.province.as_str()) {
        return Err(RepoError::Invalid("该批次不属于你报考的省份".to_owned()));
    }
    let txn = crate::write::begin_write(db).await?;
    let inserted = app::ActiveModel {
        candidate_id: Set(new.candidate.id),
        batch_id: Set(new.batch.id),
        major_id: Set(new.major.id),
        chief_university_id: Set(new.major.chief_university_id),
        status: Set(Status::Draft.code().to_owned()),
        stage: Set(None),
        current_org_id: Set(None),
        version: Set(0),
        acknowledged_at: Set(now),
        major_confirmed_at: Set(None),
        prior_check: Set(new.prior_check.to_owned()),
        prior_check_message: Set(new.prior_check_message),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if crate::repo::is_unique_violation(&e) {
            RepoError::Conflict(format!(
                "你已在“{}”中提交过毕业申请，请在“毕业申请”中继续填写",
                new.batch.name
            ))
        } else {
            RepoError::Db(e)
        }
    })?;
    audit::record(
        &txn,
        now,
        candidate_actor(new.candidate.id),
        "graduation_application.opened",
        ("graduation_application", Some(inserted.id)),
        &format!("batch_id={} major_id={}", new.batch.id, new.major.id),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(inserted)
}

pub(super) fn candidate_actor(id: i64) -> Actor {
    Actor {
        kind: "candidate",
        id: Some(id),
    }
}

/// One section of the form, as validated by the domain.
#[derive(Debug, Clone)]
pub enum Section {
    /// 专业及主考学校 confirmed (possibly switching to another enrolled major).
    Major(major::Model),
    /// 前置学历 typed in.
    PriorEducation(PriorEducationForm),
    /// 本人简历.
    Resume(Vec<ResumeEntry>),
    /// 自我鉴定 (already length-checked).
    SelfAppraisal(String),
    /// 情况说明.
    Statement(Option<String>),
    /// 身份证有效期截止日期, as checked by
    /// [`domain::graduation::materials::validate_id_validity`].
    IdValidity(String),
}

impl Section {
    fn code(&self) -> &'static str {
        match self {
            Self::Major(_) => "major",
            Self::PriorEducation(_) => "prior_education",
            Self::Resume(_) => "resume",
            Self::SelfAppraisal(_) => "self_appraisal",
            Self::Statement(_) => "statement",
            Self::IdValidity(_) => "id_validity",
        }
    }

    fn columns(&self, now: DateTime<Utc>) -> Vec<(app::Column, SimpleExpr)> {
        match self {
            Self::Major(m) => vec![
                (app::Column::MajorId, Expr::value(m.id)),
                (
                    app::Column::ChiefUniversityId,
                    Expr::value(m.chief_university_id),
                ),
                (app::Column::MajorConfirmedAt, Expr::value(now)),
            ],
            Self::PriorEducation(p) => vec![
                (app::Column::PriorName, Expr::value(p.name.clone())),
                (
                    app::Column::PriorIdCardNo,
                    Expr::value(p.id_card_no.as_str().to_owned()),
                ),
                (app::Column::PriorCertNo, Expr::value(p.cert_no.clone())),
                (app::Column::PriorSchool, Expr::value(p.school.clone())),
                (
                    app::Column::PriorGraduationDate,
                    Expr::value(p.graduation_date),
                ),
            ],
            Self::Resume(entries) => vec![(
                app::Column::Resume,
                Expr::value(serde_json::to_string(entries).unwrap_or_default()),
            )],
            Self::SelfAppraisal(t) => vec![(app::Column::SelfAppraisal, Expr::value(t.clone()))],
            Self::Statement(t) => vec![(app::Column::Statement, Expr::value(t.clone()))],
            Self::IdValidity(t) => vec![(app::Column::IdValidUntil, Expr::value(t.clone()))],
        }
    }
}

/// Refuses an edit the state machine does not allow, with its reason.
pub(super) async fn check_editable<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let b = batch(conn, a.batch_id).await?;
    transition(&[], window(&b), state(a), &Action::Edit, now)
        .map(|_| ())
        .map_err(|r| RepoError::Invalid(r.0))
}

/// Claims the application for a candidate's change: bumps its version only if it is still
/// editable and unchanged since `a` was read. The first write of the caller's transaction.
pub(super) async fn claim_for_edit<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    extra: Vec<(app::Column, SimpleExpr)>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut set = vec![(app::Column::UpdatedAt, Expr::value(now))];
    set.extend(extra);
    let guard = Condition::all()
        .add(app::Column::Id.eq(a.id))
        .add(app::Column::CandidateId.eq(a.candidate_id))
        .add(app::Column::Status.is_in([Status::Draft.code(), Status::Rejected.code()]));
    versioned::claim(
        conn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: Some(a.version),
            guard,
        },
        set,
        CHANGED_MESSAGE,
    )
    .await
}

/// Saves one section of the candidate's own application.
pub async fn save_section(
    db: &DatabaseConnection,
    a: &app::Model,
    section: Section,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    check_editable(db, a, now).await?;
    if matches!(section, Section::PriorEducation(_)) && super::prior_review::prior_locked(a) {
        return Err(RepoError::Invalid(
            super::prior_review::locked_message(a).to_owned(),
        ));
    }
    if let Section::Major(m) = &section {
        let enrolled = crate::entity::enrolled_major::Entity::find()
            .filter(crate::entity::enrolled_major::Column::CandidateId.eq(a.candidate_id))
            .filter(crate::entity::enrolled_major::Column::MajorId.eq(m.id))
            .count(db)
            .await?;
        if enrolled == 0 {
            return Err(RepoError::Invalid(format!(
                "“{}”不是你的在籍专业，请先在“考生信息-在籍专业”中新增",
                m.name
            )));
        }
    }
    let txn = crate::write::begin_write(db).await?;
    claim_for_edit(&txn, a, section.columns(now), now).await?;
    audit::record(
        &txn,
        now,
        candidate_actor(a.candidate_id),
        "graduation_application.section_saved",
        ("graduation_application", Some(a.id)),
        section.code(),
        ip,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// The files of an application, oldest first.
pub async fn files<C: crate::reader::Reads>(
    conn: &C,
    application_id: i64,
) -> Result<Vec<application_file::Model>, RepoError> {
    Ok(crate::reader::models(
        conn,
        application_file::Entity::find()
            .filter(application_file::Column::ApplicationId.eq(application_id))
            .order_by_asc(application_file::Column::Id),
    )
    .await?)
}

/// The files of several applications at once, by application, each in upload order.
pub async fn files_of<C: ConnectionTrait>(
    conn: &C,
    application_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<application_file::Model>>, RepoError> {
    let mut by_app: std::collections::HashMap<i64, Vec<application_file::Model>> =
        std::collections::HashMap::new();
    if application_ids.is_empty() {
        return Ok(by_app);
    }
    for f in application_file::Entity::find()
        .filter(application_file::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .order_by_asc(application_file::Column::Id)
        .all(conn)
        .await?
    {
        by_app.entry(f.application_id).or_default().push(f);
    }
    Ok(by_app)
}

/// What is known about a stored upload.
pub struct NewFile<'a> {
    /// Where it goes on the form.
    pub slot: FileSlot,
    /// Where the object store put it.
    pub stored: Stored,
    /// The name the person's device gave it (display only).
    pub original_name: &'a str,
    /// MIME type established from the content.
    pub content_type: &'a str,
    /// Pixel size, for pictures.
    pub dimensions: Option<(u32, u32)>,
    /// The exempted course, for a 免考课程登记表.
    pub course_code: Option<&'a str>,
}

/// The row recording a stored upload on an application (the candidate's or a staff member's).
pub(crate) fn file_row(
    application_id: i64,
    new: &NewFile<'_>,
    now: DateTime<Utc>,
) -> application_file::ActiveModel {
    let to_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    application_file::ActiveModel {
        application_id: Set(application_id),
        slot: Set(new.slot.code().to_owned()),
        object_key: Set(new.stored.key.clone()),
        sha256: Set(new.stored.sha256.clone()),
        size_bytes: Set(i64::try_from(new.stored.size).unwrap_or(i64::MAX)),
        content_type: Set(new.content_type.to_owned()),
        original_name: Set(new.original_name.chars().take(255).collect()),
        width: Set(new.dimensions.map(|d| to_i32(d.0))),
        height: Set(new.dimensions.map(|d| to_i32(d.1))),
        course_code: Set(new.course_code.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Records an upload on the candidate's own application; a single-file slot's previous picture is
/// replaced, 其它材料 accumulate up to [`MAX_OTHER_MATERIALS`].
pub async fn attach_file(
    db: &DatabaseConnection,
    a: &app::Model,
    new: NewFile<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<application_file::Model, RepoError> {
    check_editable(db, a, now).await?;
    let prior_slot = matches!(
        new.slot,
        FileSlot::PriorDiploma | FileSlot::PriorRegistration | FileSlot::PriorChangeProof
    );
    if (prior_slot && super::prior_review::prior_locked(a))
        || new.slot == FileSlot::PriorStampedCopy
    {
        return Err(RepoError::Invalid(
            super::prior_review::locked_message(a).to_owned(),
        ));
    }
    let txn = crate::write::begin_write(db).await?;
    claim_for_edit(&txn, a, vec![], now).await?;
    let same_slot = application_file::Entity::find()
        .filter(application_file::Column::ApplicationId.eq(a.id))
        .filter(application_file::Column::Slot.eq(new.slot.code()))
        .count(&txn)
        .await?;
    if new.slot == FileSlot::Other {
        if same_slot >= MAX_OTHER_MATERIALS as u64 {
            return Err(RepoError::Invalid(format!(
                "其它材料最多上传 {MAX_OTHER_MATERIALS} 张，已有 {same_slot} 张；请先删除不需要的图片"
            )));
        }
    } else {
        // A registration form replaces only the earlier form of the same course.
        let mut q = application_file::Entity::delete_many()
            .filter(application_file::Column::ApplicationId.eq(a.id))
            .filter(application_file::Column::Slot.eq(new.slot.code()));
        if let Some(code) = new.course_code {
            q = q.filter(application_file::Column::CourseCode.eq(code));
        }
        q.exec(&txn).await?;
    }
    let saved = file_row(a.id, &new, now).insert(&txn).await?;
    // The scan documents the offline exemption itself, wherever the audit reads it from.
    if let (FileSlot::ExemptionForm, Some(code)) = (new.slot, new.course_code) {
        crate::exemptions::set_form(&txn, a.candidate_id, code, Some(&new.stored.key)).await?;
    }
    audit::record(
        &txn,
        now,
        candidate_actor(a.candidate_id),
        "graduation_application.file_uploaded",
        ("graduation_application", Some(a.id)),
        &format!(
            "slot={} sha256={} size={}",
            new.slot.code(),
            new.stored.sha256,
            new.stored.size
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Removes one of the candidate's own files from the form (the object itself is kept: nothing
/// submitted is ever lost, and the audit trail names its hash).
pub async fn remove_file(
    db: &DatabaseConnection,
    a: &app::Model,
    file_id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    check_editable(db, a, now).await?;
    let txn = crate::write::begin_write(db).await?;
    claim_for_edit(&txn, a, vec![], now).await?;
    let form_of = application_file::Entity::find_by_id(file_id)
        .filter(application_file::Column::ApplicationId.eq(a.id))
        .filter(application_file::Column::Slot.eq(FileSlot::ExemptionForm.code()))
        .one(&txn)
        .await?
        .and_then(|f| f.course_code);
    if let Some(code) = form_of {
        crate::exemptions::set_form(&txn, a.candidate_id, &code, None).await?;
    }
    let n = application_file::Entity::delete_many()
        .filter(application_file::Column::Id.eq(file_id))
        .filter(application_file::Column::ApplicationId.eq(a.id))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(RepoError::NotFound);
    }
    audit::record(
        &txn,
        now,
        candidate_actor(a.candidate_id),
        "graduation_application.file_removed",
        ("graduation_application", Some(a.id)),
        &format!("file_id={file_id}"),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Whether the prior-education section is required: 本科 whose automatic check did not pass.
pub fn needs_prior_section(a: &app::Model) -> bool {
    matches!(
        a.prior_check.as_str(),
        PRIOR_MANUAL | PRIOR_AWAITING_ORIGINALS | PRIOR_AWAITING_FINAL
    ) || a.prior_originals_org_id.is_some()
}

/// Required sections not yet filled, in form order, in the form's words: the common ones, those of
/// the province's form (`needs`), and a prior-education review not yet passed where the province reviews it before submitting.
pub fn missing_sections(
    a: &app::Model,
    files: &[application_file::Model],
    needs: &super::materials::MaterialNeeds,
) -> Vec<String> {
    let has = |slot: FileSlot| files.iter().any(|f| f.slot == slot.code());
    let mut missing = Vec::new();
    if a.major_confirmed_at.is_none() {
        missing.push("确认申请毕业的专业及主考学校".to_owned());
    }
    if needs.profile.prior_reviewed_before_submit {
        match a.prior_check.as_str() {
            PRIOR_MANUAL => {
                missing.push("前置学历人工审核（填写信息、上传材料并提交人工审核）".to_owned())
            }
            PRIOR_AWAITING_ORIGINALS => {
                missing.push("前置学历人工审核（携带原件到确认点或主考学校现场核验）".to_owned())
            }
            PRIOR_AWAITING_FINAL => {
                missing.push("前置学历人工审核（等待省招生考试院终审）".to_owned())
            }
            _ => {}
        }
    } else if needs_prior_section(a) {
        if a.prior_cert_no.is_none() {
            missing.push("前置学历信息".to_owned());
        }
        for slot in [FileSlot::PriorDiploma, FileSlot::PriorRegistration] {
            if !has(slot) {
                missing.push(format!("{}图片", slot.label()));
            }
        }
    }
    let register = needs.profile.register_sections;
    if register && a.resume.is_none() {
        missing.push("本人简历".to_owned());
    }
    for slot in [FileSlot::IdFront, FileSlot::IdBack] {
        if !has(slot) {
            missing.push(format!("{}图片", slot.label()));
        }
    }
    if register && a.self_appraisal.is_none() {
        missing.push("自我鉴定".to_owned());
    }
    if register && !has(FileSlot::Signature) {
        missing.push("签名".to_owned());
    }
    missing.extend(super::materials::missing_materials(a, files, needs));
    missing
}

/// The resume entries saved on an application.
pub fn resume_of(a: &app::Model) -> Vec<ResumeEntry> {
    a.resume
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default()
}

/// The organisation that reviews `stage` of this application, if any.
pub async fn reviewer_of<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    stage: &Stage,
) -> Result<Option<i64>, RepoError> {
    let StageKind::Review(rule) = &stage.kind else {
        return Ok(None);
    };
    let cand = crate::repo::candidate::get(conn, a.candidate_id).await?;
    let province = Province::of(&cand.province).map_err(|e| RepoError::Invalid(e.0))?;
    let ctype = CandidateType::from_code(&cand.candidate_type).unwrap_or(CandidateType::SelfStudy);
    match rule.target(province.office(), ctype) {
        ReviewerTarget::ChiefUniversity => Ok(Some(a.chief_university_id)),
        // A province's definition cannot name it (the loader refuses); a batch run by an
        // organisation would be reviewed there.
        ReviewerTarget::BatchSchool => Ok(batch::Entity::find_by_id(a.batch_id)
            .one(conn)
            .await?
            .and_then(|b| b.org_id)),
        ReviewerTarget::Ancestor(kind) => {
            let reg = crate::repo::org::get(conn, cand.registration_org_id).await?;
            let ids: Vec<i64> = reg.path.split('/').filter_map(|p| p.parse().ok()).collect();
            let found = organisation::Entity::find()
                .filter(organisation::Column::Id.is_in(ids))
                .filter(organisation::Column::Kind.eq(kind.code()))
                .one(conn)
                .await?;
            if let Some(o) = found {
                return Ok(Some(o.id));
            }
            // A candidate registered outside the agency tree (e.g. directly under the office)
            // still needs a reviewer: the province's only organisation of that kind, if unique.
            let mut same_kind = organisation::Entity::find()
                .filter(organisation::Column::Kind.eq(kind.code()))
                .filter(organisation::Column::Province.eq(cand.province.clone()))
                .limit(2)
                .all(conn)
                .await?;
            Ok((same_kind.len() == 1).then(|| same_kind.remove(0).id))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn event(
    a: &app::Model,
    stage: Option<usize>,
    stage_name: &str,
    action: EventAction,
    org_id: Option<i64>,
    actor: Actor,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> review_event::ActiveModel {
    review_event::ActiveModel {
        application_id: Set(a.id),
        stage: Set(stage_i32(stage)),
        stage_name: Set(stage_name.to_owned()),
        action: Set(action.code().to_owned()),
        org_id: Set(org_id),
        actor_kind: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        reason: Set(reason),
        at: Set(now),
        ..Default::default()
    }
}

/// The arrival and due columns of an application moving into `next` at `now`: set when it
/// enters a review stage (the due date only where the stage has a 办理时限, by
/// [`deadline::due_at`]), cleared whenever it leaves review, so that only applications waiting
/// for a reviewer carry a due date. Read before the write transaction begins: the calendar is
/// loaded only for a stage with a limit.
async fn arrival_columns<C: ConnectionTrait>(
    conn: &C,
    pipeline: &[Stage],
    next: State,
    now: DateTime<Utc>,
) -> Result<Vec<(app::Column, SimpleExpr)>, RepoError> {
    let stage = match (next.status, next.stage.and_then(|i| pipeline.get(i))) {
        (Status::InReview, Some(s)) => Some(s),
        _ => None,
    };
    let due = match stage.and_then(|s| s.limit_working_days) {
        Some(days) => {
            let cal = calendar::load(conn).await?;
            Some(deadline::due_at(&cal, now, days))
        }
        None => None,
    };
    Ok(vec![
        (app::Column::StageArrivedAt, Expr::value(stage.map(|_| now))),
        (app::Column::DueAt, Expr::value(due)),
    ])
}

/// Moves the application to `next` with a conditional update on the state it had (`from`) and
/// its version; `Conflict` when someone else moved it first.
#[allow(clippy::too_many_arguments)]
async fn move_to<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    from: State,
    next: State,
    current_org: Option<i64>,
    extra: Vec<(app::Column, SimpleExpr)>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut set = vec![
        (app::Column::Status, Expr::value(next.status.code())),
        (app::Column::Stage, Expr::value(stage_i32(next.stage))),
        (app::Column::CurrentOrgId, Expr::value(current_org)),
        (app::Column::UpdatedAt, Expr::value(now)),
    ];
    set.extend(extra);
    let stage_cond = match stage_i32(from.stage) {
        Some(s) => app::Column::Stage.eq(s),
        None => app::Column::Stage.is_null(),
    };
    let guard = Condition::all()
        .add(app::Column::Id.eq(a.id))
        .add(app::Column::Status.eq(from.status.code()))
        .add(stage_cond);
    versioned::claim(
        conn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: Some(a.version),
            guard,
        },
        set,
        CHANGED_MESSAGE,
    )
    .await
}

/// Organisation for the state the application moves into, or an error naming the stage when the
/// province has no such organisation.
async fn org_for<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    stages: &[Stage],
    next: State,
) -> Result<Option<i64>, RepoError> {
    match (next.status, next.stage.and_then(|i| stages.get(i))) {
        (Status::InReview, Some(stage)) => {
            let org = reviewer_of(conn, a, stage).await?;
            if org.is_none() {
                return Err(RepoError::Invalid(format!(
                    "找不到负责“{}”的机构，请联系考试机构",
                    stage.name
                )));
            }
            Ok(org)
        }
        _ => Ok(None),
    }
}

/// 提交初审: locks the candidate's data and hands the application to the first stage.
pub async fn submit(
    db: &DatabaseConnection,
    a: &app::Model,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let b = batch(db, a.batch_id).await?;
    let pipeline = stages(db, a.batch_id).await?;
    let fs = files(db, a.id).await?;
    let needs = super::materials::needs_of(db, a).await?;
    let from = state(a);
    let next = transition(
        &pipeline,
        window(&b),
        from,
        &Action::Submit {
            missing: missing_sections(a, &fs, &needs),
        },
        now,
    )
    .map_err(|r| RepoError::Invalid(r.0))?;
    let org = org_for(db, a, &pipeline, next).await?;
    let mut extra = arrival_columns(db, &pipeline, next, now).await?;
    let txn = crate::write::begin_write(db).await?;
    extra.extend([
        (app::Column::SubmittedAt, Expr::value(now)),
        (
            app::Column::RejectionReason,
            Expr::value(Option::<String>::None),
        ),
        (
            app::Column::WrongMajorRequestedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        ),
    ]);
    move_to(&txn, a, from, next, org, extra, now).await?;
    let first = pipeline.first().map(|s| s.name.as_str()).unwrap_or("");
    let actor = candidate_actor(a.candidate_id);
    event(
        a,
        next.stage,
        first,
        EventAction::Submitted,
        org,
        actor,
        None,
        now,
    )
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        actor,
        "graduation_application.submitted",
        ("graduation_application", Some(a.id)),
        &format!("stage={first}"),
        ip,
    )
    .await?;
    let text = messages::graduation_submitted(first, now);
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some("/candidate/application/progress"),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// 通过.
    Approve,
    /// 驳回 with the reason the candidate sees.
    Reject(String),
}

/// Whether an organisation may look at an application: it must act on it now, have acted on it,
/// or hold the candidate in its scope (the office sees its whole province).
pub async fn visible_to<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
    a: &app::Model,
) -> Result<bool, RepoError> {
    if a.current_org_id == Some(org.id) || a.chief_university_id == org.id {
        return Ok(true);
    }
    let acted = review_event::Entity::find()
        .filter(review_event::Column::ApplicationId.eq(a.id))
        .filter(review_event::Column::OrgId.eq(org.id))
        .count(conn)
        .await?;
    if acted > 0 {
        return Ok(true);
    }
    Ok(
        crate::repo::candidate::get_in_scope(conn, org, a.candidate_id)
            .await
            .is_ok(),
    )
}

/// Approves or rejects stage `stage` for the reviewer's organisation. Of two reviewers deciding
/// at once exactly one succeeds; the other gets a `Conflict` with [`CHANGED_MESSAGE`] or the
/// state machine's refusal.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &DatabaseConnection,
    org: &organisation::Model,
    staff_id: i64,
    application_id: i64,
    stage: usize,
    decision: Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    decide_for(
        db,
        org,
        staff_id,
        None,
        application_id,
        stage,
        decision,
        now,
        ip,
    )
    .await
}

/// [`decide`], by a reviewer deciding under a delegation (工作委托) from `on_behalf_of`: the
/// history and the audit row name both.
#[allow(clippy::too_many_arguments)]
pub async fn decide_for(
    db: &DatabaseConnection,
    org: &organisation::Model,
    staff_id: i64,
    on_behalf_of: Option<i64>,
    application_id: i64,
    stage: usize,
    decision: Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let a = get(db, application_id).await?;
    if !visible_to(db, org, &a).await? {
        return Err(RepoError::NotFound);
    }
    let b = batch(db, a.batch_id).await?;
    let pipeline = stages(db, a.batch_id).await?;
    let from = state(&a);
    let action = match &decision {
        Decision::Approve => Action::Approve { stage },
        Decision::Reject(reason) => Action::Reject {
            stage,
            reason: reason.clone(),
        },
    };
    let next = transition(&pipeline, window(&b), from, &action, now)
        .map_err(|r| RepoError::Conflict(r.0))?;
    if a.current_org_id != Some(org.id) {
        return Err(RepoError::Conflict(format!(
            "该申请当前不在本机构的“{}”环节",
            pipeline
                .get(stage)
                .map(|s| s.name.as_str())
                .unwrap_or("审核")
        )));
    }
    if decision == Decision::Approve
        && super::materials::seal_unconfirmed(&a, &files(db, a.id).await?)
    {
        return Err(RepoError::Invalid(SEAL_UNCONFIRMED.to_owned()));
    }
    let next_org = org_for(db, &a, &pipeline, next).await?;
    let stage_name = pipeline
        .get(stage)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let mut extra = arrival_columns(db, &pipeline, next, now).await?;
    let reason = match &decision {
        Decision::Reject(r) => Some(r.trim().to_owned()),
        Decision::Approve => None,
    };
    extra.push((app::Column::RejectionReason, Expr::value(reason.clone())));
    let mut pickup: Option<NaiveDate> = None;
    if next.status == Status::Approved {
        let cal = calendar::load(db).await?;
        let shanghai = domain::calendar::beijing_date(now);
        let day = domain::calendar::earliest_pickup(&cal, shanghai);
        pickup = Some(day);
        extra.push((app::Column::ApprovedAt, Expr::value(now)));
        extra.push((app::Column::PickupFrom, Expr::value(day)));
    }
    let txn = crate::write::begin_write(db).await?;
    move_to(&txn, &a, from, next, next_org, extra, now).await?;
    if next.status == Status::Approved {
        super::archive::queue(&txn, a.id, now).await?;
    }
    let actor = Actor::staff(staff_id);
    let verb = match &decision {
        Decision::Approve => EventAction::Approved,
        Decision::Reject(_) => EventAction::Rejected,
    };
    let mut decided = event(
        &a,
        Some(stage),
        &stage_name,
        verb,
        Some(org.id),
        actor,
        reason.clone(),
        now,
    );
    decided.on_behalf_of = Set(on_behalf_of);
    decided.insert(&txn).await?;
    let detail = match on_behalf_of {
        Some(id) => format!("stage={stage_name} on_behalf_of={id}"),
        None => format!("stage={stage_name}"),
    };
    audit::record(
        &txn,
        now,
        actor,
        &format!("graduation_application.{verb}"),
        ("graduation_application", Some(a.id)),
        &detail,
        ip,
    )
    .await?;
    // `pickup` is set exactly when the application is approved.
    let text = match (&decision, next.status, pickup) {
        (Decision::Reject(r), _, _) => messages::graduation_rejected(&stage_name, &org.name, r),
        (Decision::Approve, Status::Approved, Some(day)) => {
            messages::graduation_approved(&stage_name, day)
        }
        (Decision::Approve, Status::AwaitingPayment, _) => {
            messages::graduation_awaiting_payment(&stage_name)
        }
        (Decision::Approve, _, _) => messages::graduation_stage_passed(&stage_name),
    };
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some("/candidate/application/progress"),
        now,
    )
    .await?;
    if let Decision::Reject(r) = &decision {
        queue_refund_if_paid(&txn, &a, &format!("{stage_name}驳回：{r}"), now).await?;
    }
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// After a rejection past the payment stage the fee goes back to the original account once the
/// batch closes: a queued refund per paid order, at most one per order (unique index).
async fn queue_refund_if_paid<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    use crate::payment::{REFUND_CANCELLED, REFUND_QUEUED, refund_no_of};
    let paid = payment_order::Entity::find()
        .filter(payment_order::Column::ApplicationId.eq(a.id))
        .filter(payment_order::Column::Status.eq(crate::payment::ORDER_PAID))
        .all(conn)
        .await?;
    for order in paid {
        // The booked charge's refund only: a second charge's refund gives back other money.
        let existing = refund::Entity::find()
            .filter(refund::Column::OrderId.eq(order.id))
            .filter(refund::Column::ChargeTxnNo.eq(""))
            .one(conn)
            .await?;
        match existing {
            // Called off when an appeal reopened the application; rejected again, it is due again.
            Some(r) if r.status == REFUND_CANCELLED => {
                let also = vec![
                    (refund::Column::Reason, Expr::value(reason.to_owned())),
                    (refund::Column::QueuedAt, Expr::value(now)),
                ];
                if !crate::payment::move_refund(conn, r.id, REFUND_CANCELLED, REFUND_QUEUED, also)
                    .await?
                {
                    continue;
                }
            }
            Some(_) => continue,
            None => {
                refund::ActiveModel {
                    refund_no: Set(refund_no_of(&order.order_no)),
                    order_id: Set(order.id),
                    amount_fen: Set(order.amount_fen),
                    status: Set(REFUND_QUEUED.to_owned()),
                    reason: Set(reason.to_owned()),
                    gateway_refund_no: Set(None),
                    queued_at: Set(now),
                    executed_at: Set(None),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
            }
        }
        event(
            a,
            None,
            "退费",
            EventAction::RefundQueued,
            None,
            Actor::SYSTEM,
            Some(format!(
                "毕业审定费 {} 元将在本次毕业办理结束后退回原交费账号",
                domain::review::yuan(order.amount_fen)
            )),
            now,
        )
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The payment of `stage` settled: moves the application on. Call it inside the transaction that
/// marks the order paid; a second call for the same stage is refused by the state machine, so a
/// duplicate notification changes nothing.
pub async fn payment_settled<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
    stage: usize,
    now: DateTime<Utc>,
) -> Result<app::Model, RepoError> {
    let a = get(conn, application_id).await?;
    let b = batch(conn, a.batch_id).await?;
    let pipeline = stages(conn, a.batch_id).await?;
    let from = state(&a);
    // The window is not checked here: money that arrived is booked even if the
    // notification comes a little after the deadline.
    let next = transition(
        &pipeline,
        window(&b),
        from,
        &Action::PaymentSettled { stage },
        now,
    )
    .map_err(|r| RepoError::Conflict(r.0))?;
    let (next, org) = match back_to_appealed_stage(conn, &a, &pipeline, next).await? {
        Some(back) => back,
        None => (next, org_for(conn, &a, &pipeline, next).await?),
    };
    let arrival = arrival_columns(conn, &pipeline, next, now).await?;
    move_to(conn, &a, from, next, org, arrival, now).await?;
    let stage_name = pipeline
        .get(stage)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    event(
        &a,
        Some(stage),
        &stage_name,
        EventAction::Paid,
        None,
        candidate_actor(a.candidate_id),
        None,
        now,
    )
    .insert(conn)
    .await?;
    let next_name = next
        .stage
        .and_then(|i| pipeline.get(i))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let text = messages::graduation_paid(&stage_name, &next_name);
    inbox::send(
        conn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some("/candidate/application/progress"),
        now,
    )
    .await?;
    get(conn, a.id).await
}

/// Where a payment made after an appeal's 撤销原决定 leads: a revocation that found the fee
/// already paid back left the application at the payment stage, and once paid again it returns
/// to the stage and organisation that rejected (the stages between had passed it), not to the
/// stage after the payment. `None` for any other payment.
async fn back_to_appealed_stage<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    pipeline: &[Stage],
    next: State,
) -> Result<Option<(State, Option<i64>)>, RepoError> {
    let Some(paid_to) = next.stage else {
        return Ok(None);
    };
    // The reopening's own history line names the stage and the organisation that rejected
    // (which need not be the one that decided the appeal).
    let reopened = review_event::Entity::find()
        .filter(review_event::Column::ApplicationId.eq(a.id))
        .filter(review_event::Column::Action.eq(EventAction::AppealRevoked.code()))
        .order_by_desc(review_event::Column::Id)
        .one(conn)
        .await?;
    let Some((stage, org)) = reopened.and_then(|e| {
        let stage = usize::try_from(e.stage?).ok()?;
        Some((stage, e.org_id?))
    }) else {
        return Ok(None);
    };
    let is_review = pipeline
        .get(stage)
        .is_some_and(|s| matches!(s.kind, StageKind::Review(_)));
    if stage <= paid_to || !is_review {
        return Ok(None);
    }
    Ok(Some((
        State {
            status: Status::InReview,
            stage: Some(stage),
        },
        Some(org),
    )))
}

/// Checks that the candidate may start paying now (after initial approval, once).
pub async fn check_can_pay<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    now: DateTime<Utc>,
) -> Result<(usize, i64), RepoError> {
    let b = batch(conn, a.batch_id).await?;
    let pipeline = stages(conn, a.batch_id).await?;
    let st = state(a);
    let mut w = window(&b);
    // Reopened by an appeal after the batch closed: it goes on to its end, paying included.
    if st.status == Status::AwaitingPayment && crate::appeal::reopened(conn, a.id).await? {
        w.closes_at = DateTime::<Utc>::MAX_UTC;
    }
    transition(&pipeline, w, st, &Action::StartPayment, now)
        .map_err(|r| RepoError::Invalid(r.0))?;
    let stage = st.stage.unwrap_or(0);
    match pipeline.get(stage).map(|s| &s.kind) {
        Some(StageKind::Payment { amount_fen }) => Ok((stage, *amount_fen)),
        _ => Err(RepoError::Invalid("当前环节不需要交费".to_owned())),
    }
}

/// The candidate asks the chief university to reject an application filed under the wrong major
/// (seed 001 §8a); the university sees the request in its queue.
pub async fn request_wrong_major_rejection(
    db: &DatabaseConnection,
    a: &app::Model,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let pipeline = stages(db, a.batch_id).await?;
    let st = state(a);
    let at_university = st.status == Status::InReview
        && st
            .stage
            .and_then(|i| pipeline.get(i))
            .is_some_and(|s| matches!(s.kind, StageKind::Review(ReviewerRule::ChiefUniversity)));
    if !at_university {
        return Err(RepoError::Invalid(
            "只有等待主考学校审核的申请才能请求主考学校驳回".to_owned(),
        ));
    }
    if a.wrong_major_requested_at.is_some() {
        return Err(RepoError::Conflict(
            "已请求主考学校驳回，请等待处理".to_owned(),
        ));
    }
    let txn = crate::write::begin_write(db).await?;
    versioned::claim(
        &txn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: Some(a.version),
            guard: Condition::all().add(app::Column::Id.eq(a.id)),
        },
        vec![(app::Column::WrongMajorRequestedAt, Expr::value(now))],
        CHANGED_MESSAGE,
    )
    .await?;
    let stage_name = st
        .stage
        .and_then(|i| pipeline.get(i))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let actor = candidate_actor(a.candidate_id);
    event(
        a,
        st.stage,
        &stage_name,
        EventAction::WrongMajorRequested,
        a.current_org_id,
        actor,
        Some("考生申请驳回：专业选择有误".to_owned()),
        now,
    )
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        actor,
        "graduation_application.wrong_major_requested",
        ("graduation_application", Some(a.id)),
        "",
        ip,
    )
    .await?;
    let text = messages::graduation_wrong_major_requested(now);
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some("/candidate/application/progress"),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// 本次不予办理: closes every application of batches whose window has ended and that had not
/// succeeded (initial approval plus payment) by then, and tells each candidate why from where the
/// application stood. Safe to run on several instances at once: each close is a
/// conditional update on that state, so the reason sent is the one the close saw. Returns how
/// many were closed.
pub async fn close_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, RepoError> {
    let ended = batch::Entity::find()
        .filter(batch::Column::Kind.eq("graduation"))
        .filter(batch::Column::ClosesAt.lte(now))
        .all(db)
        .await?;
    let mut closed = 0;
    for b in ended {
        let pipeline = stages(db, b.id).await?;
        let reopened = crate::appeal::reopened_in_batch(db, b.id).await?;
        let candidates = app::Entity::find()
            .filter(app::Column::BatchId.eq(b.id))
            .filter(app::Column::Status.is_not_in([Status::Approved.code(), Status::Closed.code()]))
            .all(db)
            .await?;
        for a in candidates {
            let from = state(&a);
            // Reopened by an appeal after the close: it is reviewed to a decision whatever the
            // batch's deadline; rejected again, it is closed again (and may be appealed again).
            if reopened.contains(&a.id) && from.status != Status::Rejected {
                continue;
            }
            let Ok(next) = transition(&pipeline, window(&b), from, &Action::Close, now) else {
                continue;
            };
            let Some(text) = closed_text(&b.name, &pipeline, &a, from) else {
                continue;
            };
            let cleared = arrival_columns(db, &pipeline, next, now).await?;
            let txn = crate::write::begin_write(db).await?;
            match move_to(&txn, &a, from, next, None, cleared, now).await {
                Ok(()) => {}
                Err(RepoError::Conflict(_)) => continue,
                Err(e) => return Err(e),
            }
            event(
                &a,
                None,
                "批次截止",
                EventAction::Closed,
                None,
                Actor::SYSTEM,
                // Why, as the candidate is told: the history says it as well as the 收件箱.
                Some(text.body.clone()),
                now,
            )
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                now,
                Actor::SYSTEM,
                "graduation_application.closed",
                ("graduation_application", Some(a.id)),
                &format!(
                    "batch_id={} from_status={} from_stage={}",
                    b.id,
                    from.status.code(),
                    from.stage.map_or_else(String::new, |s| s.to_string())
                ),
                None,
            )
            .await?;
            inbox::send(
                &txn,
                Recipient::Candidate(a.candidate_id),
                &text.title,
                &text.body,
                Some("/candidate/application/progress"),
                now,
            )
            .await?;
            txn.commit().await?;
            closed += 1;
        }
    }
    Ok(closed)
}

/// What 撤销原决定 of a final rejection writes, read before the transaction that writes it: the
/// stage and organisation that rejected, and the arrival and due columns of that stage.
#[derive(Debug, Clone)]
pub struct Reopening {
    /// The application.
    pub application_id: i64,
    /// The stage that rejected, an index into the batch's stages.
    pub stage: usize,
    /// Its name.
    pub stage_name: String,
    /// The organisation that rejected, which reviews it again.
    pub org_id: i64,
    /// When it arrives at the stage again.
    pub arrived_at: DateTime<Utc>,
    /// The stage's 办理时限 counted from then, where it has one.
    pub due_at: Option<DateTime<Utc>>,
    /// The last payment stage before the one that rejected, with its name and fee, where there
    /// is one: the fee paid there may have gone back since.
    pub payment: Option<(usize, String, i64)>,
}

/// Reads what reopening application `application_id` at `stage` for `org_id` at `now` writes:
/// the due date is counted as for any arrival at that stage.
pub async fn prepare_reopening<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
    stage: usize,
    org_id: i64,
    now: DateTime<Utc>,
) -> Result<Reopening, RepoError> {
    let a = get(conn, application_id).await?;
    let pipeline = stages(conn, a.batch_id).await?;
    let Some(s) = pipeline.get(stage) else {
        return Err(RepoError::Conflict(format!(
            "该批次的审核流程已没有第{}个环节，无法退回原环节重新审核，本次未做任何更改",
            stage + 1
        )));
    };
    if !matches!(s.kind, StageKind::Review(_)) {
        return Err(RepoError::Conflict(format!(
            "“{}”不是审核环节，无法退回该环节重新审核，本次未做任何更改",
            s.name
        )));
    }
    // As `arrival_columns` counts it for any application arriving at the stage.
    let due_at = match s.limit_working_days {
        Some(days) => Some(deadline::due_at(&calendar::load(conn).await?, now, days)),
        None => None,
    };
    let payment = pipeline[..stage]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, p)| match p.kind {
            StageKind::Payment { amount_fen } => Some((i, p.name.clone(), amount_fen)),
            _ => None,
        });
    Ok(Reopening {
        application_id,
        stage,
        stage_name: s.name.clone(),
        org_id,
        arrived_at: now,
        due_at,
        payment,
    })
}

/// 撤销原决定 of a final rejection: puts the application back in review at the stage that
/// rejected, with that organisation, as on an arrival there, though its batch has closed; with
/// the history's line. The fee paid before that stage is kept: a refund the rejection queued is
/// called off; one already paid out leaves the application waiting at the payment stage
/// instead, to return to the stage that rejected once paid (see [`payment_settled`]).
/// Conditional on the application still being closed; `None` when it is not (nothing written).
/// Call it inside the transaction that records the outcome.
pub async fn reopen_after_appeal<C: ConnectionTrait>(
    conn: &C,
    r: &Reopening,
    staff_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<FeeOnReopening>, RepoError> {
    let a = get(conn, r.application_id).await?;
    if a.status != Status::Closed.code() {
        return Ok(None);
    }
    let fee = match &r.payment {
        Some((stage, name, amount_fen)) => {
            crate::payment::fee_on_reopening(conn, &a, *stage, name, *amount_fen, staff_id, now)
                .await?
        }
        None => FeeOnReopening::Held,
    };
    let at = match &fee {
        FeeOnReopening::PayAgain { .. } => r.payment.as_ref().map(|(i, ..)| State {
            status: Status::AwaitingPayment,
            stage: Some(*i),
        }),
        _ => None,
    }
    .unwrap_or(State {
        status: Status::InReview,
        stage: Some(r.stage),
    });
    let in_review = at.status == Status::InReview;
    let moved = versioned::update_if_unchanged(
        conn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: None,
            guard: Condition::all()
                .add(app::Column::Id.eq(r.application_id))
                .add(app::Column::Status.eq(Status::Closed.code())),
        },
        vec![
            (app::Column::Status, Expr::value(at.status.code())),
            (app::Column::Stage, Expr::value(stage_i32(at.stage))),
            (
                app::Column::CurrentOrgId,
                Expr::value(in_review.then_some(r.org_id)),
            ),
            (
                app::Column::RejectionReason,
                Expr::value(Option::<String>::None),
            ),
            (
                app::Column::StageArrivedAt,
                Expr::value(in_review.then_some(r.arrived_at)),
            ),
            (
                app::Column::DueAt,
                Expr::value(if in_review { r.due_at } else { None }),
            ),
            (app::Column::UpdatedAt, Expr::value(now)),
        ],
    )
    .await?;
    if !moved {
        return Ok(None);
    }
    review_event::ActiveModel {
        application_id: Set(r.application_id),
        stage: Set(stage_i32(Some(r.stage))),
        stage_name: Set(r.stage_name.clone()),
        action: Set(EventAction::AppealRevoked.code().to_owned()),
        org_id: Set(Some(r.org_id)),
        actor_kind: Set(Actor::staff(staff_id).kind.to_owned()),
        actor_id: Set(Some(staff_id)),
        reason: Set(Some(reason.to_owned())),
        at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(Some(fee))
}

/// Why the application is not processed in `batch`, from where it stood (`from`) when the batch
/// closed; `None` for the states [`Action::Close`] leaves alone.
fn closed_text(
    batch: &str,
    pipeline: &[Stage],
    a: &app::Model,
    from: State,
) -> Option<messages::InboxText> {
    let stage = from
        .stage
        .and_then(|i| pipeline.get(i))
        .map(|s| s.name.as_str())
        .unwrap_or("审核");
    Some(match from.status {
        Status::Draft => messages::graduation_closed_not_submitted(batch),
        Status::Rejected => messages::graduation_closed_rejected(
            batch,
            stage,
            a.rejection_reason.as_deref().unwrap_or_default(),
        ),
        Status::InReview => messages::graduation_closed_in_review(batch, stage),
        Status::AwaitingPayment => messages::graduation_closed_unpaid(batch, stage),
        Status::Approved | Status::Closed => return None,
    })
}

/// The history of an application, oldest first.
pub async fn events<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Vec<review_event::Model>, RepoError> {
    Ok(review_event::Entity::find()
        .filter(review_event::Column::ApplicationId.eq(application_id))
        .order_by_asc(review_event::Column::Id)
        .all(conn)
        .await?)
}

/// Which applications a queue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    /// Waiting for this organisation now (待审核).
    Pending,
    /// Decided by this organisation at some point (已审核).
    Decided,
}

/// Filters of a reviewer's queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this batch.
    pub batch_id: Option<i64>,
    /// Only this major.
    pub major_id: Option<i64>,
    /// Pending (default) or decided.
    pub decided: bool,
    /// 准考证号 or name prefix.
    pub search: Option<String>,
    /// 按截止日期: the 待审核 list in due order, earliest first, with only the applications that
    /// have a due date (those at a stage without a limit have none to sort by). Ignored for the
    /// 已审核 list.
    pub by_due: bool,
    /// Only the pending applications due in this range (已逾期, 即将到期), in due order.
    pub due: Option<DueRange>,
}

/// A range of due instants: after `after` (exclusive, when given) and no later than `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueRange {
    /// Lower bound, exclusive.
    pub after: Option<DateTime<Utc>>,
    /// Upper bound, inclusive.
    pub until: DateTime<Utc>,
}

impl DueRange {
    /// 已逾期 at `now`: due at or before it.
    pub fn overdue(now: DateTime<Utc>) -> DueRange {
        DueRange {
            after: None,
            until: now,
        }
    }

    /// 即将到期 at `now`: not yet due, and due by the end of the next working day
    /// ([`deadline::soon_until`]).
    pub fn due_soon(cal: &domain::calendar::WorkingCalendar, now: DateTime<Utc>) -> DueRange {
        DueRange {
            after: Some(now),
            until: deadline::soon_until(cal, now),
        }
    }
}

impl QueueFilter {
    /// Whether the 待审核 list is read in due order (on migration 32's index).
    fn due_order(&self) -> bool {
        !self.decided && (self.by_due || self.due.is_some())
    }
}

/// One row of a queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// The application.
    pub application: app::Model,
    /// Its candidate.
    pub candidate: candidate::Model,
    /// The major applied for.
    pub major: major::Model,
}

/// The search of `filter`, trimmed, if there is one.
fn search_text(filter: &QueueFilter) -> Option<&str> {
    filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Applications whose candidate's 准考证号 or name starts with the search, if one is given.
fn search_subquery(filter: &QueueFilter) -> Option<sea_orm::sea_query::SelectStatement> {
    let s = search_text(filter)?;
    let matching = Query::select()
        .column(candidate::Column::Id)
        .from(candidate::Entity)
        .cond_where(
            Condition::any()
                .add(Expr::col(candidate::Column::AdmissionNo).like(format!("{s}%")))
                .add(Expr::col(candidate::Column::Name).like(format!("{s}%"))),
        )
        .to_owned();
    Some(
        Query::select()
            .column(app::Column::Id)
            .from(app::Entity)
            .and_where(Expr::col(app::Column::CandidateId).in_subquery(matching))
            .to_owned(),
    )
}

/// The values a queue's select binds for `filter`'s batch, major and search, after the
/// organisation's own, in the order [`pending_select`] and [`decided_select`] add them; and which
/// of the three are on (a number below 8, a bit each).
fn common_values(filter: &QueueFilter, values: &mut Vec<sea_orm::Value>) -> usize {
    let mut on = 0;
    if let Some(b) = filter.batch_id {
        on |= 1;
        values.push(b.into());
    }
    if let Some(m) = filter.major_id {
        on |= 2;
        values.push(m.into());
    }
    if let Some(s) = search_text(filter) {
        on |= 4;
        // The 准考证号 and the name each compare with it.
        values.push(format!("{s}%").into());
        values.push(format!("{s}%").into());
    }
    on
}

/// What [`pending_select`] binds under `filter`, in its order, and which of its optional filters
/// are on (a number below [`PENDING_FILTERS`]): the key of its kept text. A wrong list here costs
/// no wrong answer, only the text built again every time (counted by
/// [`crate::reader::unkept_builds`], which the queue tests check).
fn pending_values(org: &organisation::Model, filter: &QueueFilter) -> (usize, Vec<sea_orm::Value>) {
    let mut values = vec![org.id.into(), Status::InReview.code().into()];
    let mut on = common_values(filter, &mut values);
    if filter.due_order() {
        on |= 8;
    }
    if let Some(r) = filter.due {
        on |= 16;
        values.push(r.until.into());
        if let Some(after) = r.after {
            on |= 32;
            values.push(after.into());
        }
    }
    (on, values)
}

/// The combinations of [`pending_values`]' filters.
const PENDING_FILTERS: usize = 64;

/// What [`decided_select`] binds under `filter`, in its order, and which of its optional filters
/// are on (below 8), as [`pending_values`].
fn decided_values(org: &organisation::Model, filter: &QueueFilter) -> (usize, Vec<sea_orm::Value>) {
    let mut values = vec![org.id.into()];
    let on = common_values(filter, &mut values);
    (on, values)
}

/// The organisation's 待审核 queue under `filter`, before any paging: one range of an index
/// of migration 29 in the queue's order.
fn pending_select(org: &organisation::Model, filter: &QueueFilter) -> sea_orm::Select<app::Entity> {
    let mut q = app::Entity::find()
        .filter(app::Column::CurrentOrgId.eq(org.id))
        .filter(app::Column::Status.eq(Status::InReview.code()));
    if let Some(b) = filter.batch_id {
        q = q.filter(app::Column::BatchId.eq(b));
    }
    if let Some(m) = filter.major_id {
        q = q.filter(app::Column::MajorId.eq(m));
    }
    if let Some(matching) = search_subquery(filter) {
        q = q.filter(app::Column::Id.in_subquery(matching));
    }
    if filter.due_order() {
        q = q.filter(app::Column::DueAt.is_not_null());
    }
    if let Some(r) = filter.due {
        q = q.filter(app::Column::DueAt.lte(r.until));
        if let Some(after) = r.after {
            q = q.filter(app::Column::DueAt.gt(after));
        }
    }
    q
}

/// The organisation's 已审核 list under `filter`, before any paging: the applications it has
/// approved or rejected, one range of an index on `review_decided` in the queue's order.
fn decided_select(
    org: &organisation::Model,
    filter: &QueueFilter,
) -> sea_orm::Select<review_decided::Entity> {
    let mut q = review_decided::Entity::find().filter(review_decided::Column::OrgId.eq(org.id));
    if let Some(b) = filter.batch_id {
        q = q.filter(review_decided::Column::BatchId.eq(b));
    }
    if let Some(m) = filter.major_id {
        q = q.filter(review_decided::Column::MajorId.eq(m));
    }
    if let Some(matching) = search_subquery(filter) {
        q = q.filter(review_decided::Column::ApplicationId.in_subquery(matching));
    }
    q
}

/// How many applications the organisation's queue holds under `filter`. Without a search this
/// adds up the tallies the database keeps (migration 31), a few rows per batch and major,
/// however long the queue; a search counts its matches.
pub async fn queue_count<C: crate::reader::Reads>(
    conn: &C,
    org: &organisation::Model,
    filter: &QueueFilter,
) -> Result<u64, RepoError> {
    // A search or a due range counts its matches, as does the due order (which leaves out the
    // applications without a due date, and the tallies do not know which those are).
    if search_subquery(filter).is_some() || filter.due_order() {
        return Ok(if filter.decided {
            decided_select(org, filter).count(conn).await?
        } else {
            pending_select(org, filter).count(conn).await?
        });
    }
    // Whole tally rows rather than their counts alone: a handful of rows either way, and
    // whole rows are what a reader on the calling thread decodes. The text is kept per list and
    // combination of batch and major.
    static TALLIES: [crate::reader::Prepared; 8] = [const { crate::reader::Prepared::new() }; 8];
    let backend = conn.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![org.id.into()];
    if !filter.decided {
        values.push(Status::InReview.code().into());
    }
    let mut on = usize::from(filter.decided);
    if let Some(b) = filter.batch_id {
        on |= 2;
        values.push(b.into());
    }
    if let Some(m) = filter.major_id {
        on |= 4;
        values.push(m.into());
    }
    let ns: Vec<i64> = if filter.decided {
        let stmt = TALLIES[on].statement(backend, values, |backend| {
            let mut q = review_decided_tally::Entity::find()
                .filter(review_decided_tally::Column::OrgId.eq(org.id));
            if let Some(b) = filter.batch_id {
                q = q.filter(review_decided_tally::Column::BatchId.eq(b));
            }
            if let Some(m) = filter.major_id {
                q = q.filter(review_decided_tally::Column::MajorId.eq(m));
            }
            sea_orm::QueryTrait::build(&q, backend)
        });
        crate::reader::models_of::<C, review_decided_tally::Entity>(conn, stmt)
            .await?
            .into_iter()
            .map(|t| t.n)
            .collect()
    } else {
        let stmt = TALLIES[on].statement(backend, values, |backend| {
            let mut q = application_tally::Entity::find()
                .filter(application_tally::Column::OrgId.eq(org.id))
                .filter(application_tally::Column::Status.eq(Status::InReview.code()));
            if let Some(b) = filter.batch_id {
                q = q.filter(application_tally::Column::BatchId.eq(b));
            }
            if let Some(m) = filter.major_id {
                q = q.filter(application_tally::Column::MajorId.eq(m));
            }
            sea_orm::QueryTrait::build(&q, backend)
        });
        crate::reader::models_of::<C, application_tally::Entity>(conn, stmt)
            .await?
            .into_iter()
            .map(|t| t.n)
            .collect()
    };
    Ok(u64::try_from(ns.iter().sum::<i64>()).unwrap_or(0))
}

/// The queue's order: by 提交时间 (set at each submission, so every queued application has
/// one), then id.
const QUEUE_ORDER: keyset::Order<app::Column> = keyset::Order {
    key: Some(app::Column::SubmittedAt),
    id: app::Column::Id,
    descending: false,
};

/// 按截止日期: by due instant, then id; only applications with a due date are listed in it.
const DUE_ORDER: keyset::Order<app::Column> = keyset::Order {
    key: Some(app::Column::DueAt),
    id: app::Column::Id,
    descending: false,
};

/// An application's place in [`DUE_ORDER`].
fn due_cursor(a: &app::Model) -> keyset::Cursor {
    keyset::Cursor::new(a.due_at.unwrap_or(DateTime::UNIX_EPOCH), a.id)
}

/// The same order for the 已审核 list, on its copy of 提交时间.
const DECIDED_ORDER: keyset::Order<review_decided::Column> = keyset::Order {
    key: Some(review_decided::Column::SubmittedAt),
    id: review_decided::Column::ApplicationId,
    descending: false,
};

/// A queued application's place in [`QUEUE_ORDER`].
fn queue_cursor(a: &app::Model) -> keyset::Cursor {
    keyset::Cursor::new(a.submitted_at.unwrap_or(DateTime::UNIX_EPOCH), a.id)
}

/// One page of an organisation's queue, paged by 提交时间 and id ([`keyset`]), or by due date
/// and id under [`QueueFilter::by_due`] or a due range, at most `per_page` applications.
pub async fn queue<C: crate::reader::Reads>(
    conn: &C,
    org: &organisation::Model,
    filter: &QueueFilter,
    at: keyset::PageAt,
    per_page: u64,
) -> Result<keyset::Page<QueueRow>, RepoError> {
    // Each list's text is kept per combination of filters and kind of page.
    static DECIDED_PAGES: [crate::reader::Prepared; 8 * 3] =
        [const { crate::reader::Prepared::new() }; 8 * 3];
    static PENDING_PAGES: [crate::reader::Prepared; PENDING_FILTERS * 3] =
        [const { crate::reader::Prepared::new() }; PENDING_FILTERS * 3];
    let (apps, prev, next) = if filter.decided {
        let (on, values) = decided_values(org, filter);
        let query = || decided_select(org, filter);
        let kept = keyset::Kept {
            text: &DECIDED_PAGES[keyset::kept_slot(on, at)],
            values,
            query: &query,
        };
        let page = keyset::fetch_kept(conn, kept, &DECIDED_ORDER, at, per_page, |d| {
            keyset::Cursor::new(d.submitted_at, d.application_id)
        })
        .await?;
        let ids: Vec<i64> = page.rows.iter().map(|d| d.application_id).collect();
        let mut by_id: std::collections::HashMap<i64, app::Model> = if ids.is_empty() {
            Default::default()
        } else {
            app::Entity::find()
                .filter(app::Column::Id.is_in(ids.clone()))
                .all(conn)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect()
        };
        let apps = ids.iter().filter_map(|id| by_id.remove(id)).collect();
        (apps, page.prev, page.next)
    } else {
        let (order, cursor): (_, fn(&app::Model) -> keyset::Cursor) = if filter.due_order() {
            (&DUE_ORDER, due_cursor)
        } else {
            (&QUEUE_ORDER, queue_cursor)
        };
        let (on, values) = pending_values(org, filter);
        let query = || pending_select(org, filter);
        let kept = keyset::Kept {
            text: &PENDING_PAGES[keyset::kept_slot(on, at)],
            values,
            query: &query,
        };
        let page = keyset::fetch_kept(conn, kept, order, at, per_page, cursor).await?;
        (page.rows, page.prev, page.next)
    };
    if apps.is_empty() {
        // An empty queue (a reviewer's usual state once it is cleared) needs no names.
        return Ok(keyset::Page {
            rows: Vec::new(),
            prev,
            next,
        });
    }
    let cand_ids: Vec<i64> = apps.iter().map(|a| a.candidate_id).collect();
    let major_ids: Vec<i64> = apps.iter().map(|a| a.major_id).collect();
    // By id: an export reads the queue in pages of thousands.
    let cands: std::collections::HashMap<i64, candidate::Model> = crate::reader::models(
        conn,
        candidate::Entity::find().filter(candidate::Column::Id.is_in(cand_ids)),
    )
    .await?
    .into_iter()
    .map(|c| (c.id, c))
    .collect();
    let majors: std::collections::HashMap<i64, major::Model> = crate::reader::models(
        conn,
        major::Entity::find().filter(major::Column::Id.is_in(major_ids)),
    )
    .await?
    .into_iter()
    .map(|m| (m.id, m))
    .collect();
    let rows = apps
        .into_iter()
        .filter_map(|a| {
            let c = cands.get(&a.candidate_id)?.clone();
            let m = majors.get(&a.major_id)?.clone();
            Some(QueueRow {
                application: a,
                candidate: c,
                major: m,
            })
        })
        .collect();
    Ok(keyset::Page { rows, prev, next })
}

/// Counts per status of a batch's applications, for the staff dashboard: the sum of the
/// batch's tallies (migration 31), statuses with none left out.
pub async fn counts_by_status<C: crate::reader::Reads>(
    conn: &C,
    batch_id: i64,
) -> Result<Vec<(String, i64)>, RepoError> {
    Ok(batch_counts(conn, batch_id, None).await?.by_status)
}

/// A batch's counts above a queue, from one read of its tallies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// Per status, statuses with none left out ([`counts_by_status`]).
    pub by_status: Vec<(String, i64)>,
    /// Waiting for the organisation asked about (its 待审核 count in the batch, as
    /// [`queue_count`] gives it without a major or search).
    pub pending_at_org: u64,
}

/// [`counts_by_status`] and, where `org_id` is given, how many of the batch's applications wait
/// at that organisation: both are sums over the batch's tallies, added up by the database in one
/// statement (a batch has a tally row per organisation, major, stage and status: hundreds, which
/// were each decoded here before).
pub async fn batch_counts<C: crate::reader::Reads>(
    conn: &C,
    batch_id: i64,
    org_id: Option<i64>,
) -> Result<BatchCounts, RepoError> {
    use crate::graduation::stats::sum_sql;
    let backend = conn.get_database_backend();
    let (p_org, p_batch) = if backend == sea_orm::DbBackend::Postgres {
        ("$1", "$2")
    } else {
        ("?", "?")
    };
    let sql = format!(
        "SELECT status, {} AS n, {} AS at_org FROM application_tallies \
         WHERE batch_id = {p_batch} GROUP BY status",
        sum_sql(backend, "n"),
        sum_sql(
            backend,
            &format!("CASE WHEN org_id = {p_org} THEN n ELSE 0 END")
        ),
    );
    let stmt = sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [sea_orm::Value::BigInt(org_id), batch_id.into()],
    );
    let shape = || {
        crate::reader::Shape::default()
            .column("status", sea_orm::ColumnType::string(None))
            .column("n", sea_orm::ColumnType::BigInteger)
            .column("at_org", sea_orm::ColumnType::BigInteger)
    };
    let mut by_status = Vec::new();
    let mut pending = 0i64;
    for row in conn.rows(stmt, shape).await? {
        let status: String = row.get("status")?;
        let n: i64 = row.get("n")?;
        if status == Status::InReview.code() {
            pending = row.get("at_org")?;
        }
        if n != 0 {
            by_status.push((status, n));
        }
    }
    // In the codes' own order, whatever the database's collation.
    by_status.sort();
    Ok(BatchCounts {
        by_status,
        pending_at_org: u64::try_from(pending).unwrap_or(0),
    })
}

/// Whether a major needs the prior-education check.
pub fn major_needs_prior(m: &major::Model) -> bool {
    m.requires_prior_education || Level::from_code(&m.level) == Some(Level::Bachelor)
}

/// Kinds of organisation that review somewhere in a province's pipeline, for the staff menu.
pub fn reviewing_kinds(province: Province) -> Vec<OrgKind> {
    province.reviewing_kinds()
}

//! The province-specific materials of an application (SPEC §3 item 9, seed 003): what the
//! batch's province asks for, what is still missing, and the reviewers' seal confirmation.

use chrono::{DateTime, NaiveDate, Utc};
use domain::graduation::form::FileSlot;
use domain::graduation::materials::{FormProfile, needs_practical_notice};
use domain::{CourseKind, ExemptionMode, Province};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entity::{application_file, graduation_application as app, major};
use crate::repo::{RepoError, reference};

/// One exempted course of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptedCourse {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// Online (the system's 免考课程审核单) or offline (the candidate's 免考课程登记表).
    pub mode: ExemptionMode,
    /// When the exemption was approved.
    pub approved_on: NaiveDate,
}

/// What one application must carry beyond the common sections.
#[derive(Debug, Clone)]
pub struct MaterialNeeds {
    /// The province's form.
    pub profile: FormProfile,
    /// The batch's ID-validity cutoff.
    pub id_cutoff: Option<NaiveDate>,
    /// Exemptions used for courses of the plan.
    pub exemptions: Vec<ExemptedCourse>,
    /// Whether the plan has a practical component or thesis.
    pub practical_notice: bool,
}

impl MaterialNeeds {
    /// Offline exemptions, each needing its registration form.
    pub fn offline(&self) -> impl Iterator<Item = &ExemptedCourse> {
        self.exemptions
            .iter()
            .filter(|e| e.mode == ExemptionMode::Offline)
    }
}

/// The province an application is filed in (its batch's); a batch without one, or with a code
/// no definition carries, is refused by name rather than read as some other province.
pub fn province_of(b: &crate::entity::batch::Model) -> Result<Province, RepoError> {
    let code = b.province.as_deref().unwrap_or_default();
    Province::of(code).map_err(|e| RepoError::Invalid(e.0))
}

/// Works out what the application needs from its batch, major and the candidate's exemptions.
pub async fn needs_of<C: crate::reader::Reads>(
    conn: &C,
    a: &app::Model,
) -> Result<MaterialNeeds, RepoError> {
    let b = super::application::batch(conn, a.batch_id).await?;
    let m: major::Model = reference::major(conn, a.major_id).await?;
    needs_with(conn, a, &b, &m).await
}

/// [`needs_of`] for a caller that has already read the application's batch and major.
pub async fn needs_with<C: crate::reader::Reads>(
    conn: &C,
    a: &app::Model,
    b: &crate::entity::batch::Model,
    m: &major::Model,
) -> Result<MaterialNeeds, RepoError> {
    debug_assert!(b.id == a.batch_id && m.id == a.major_id);
    let plan = super::plan_of(conn, m).await?;
    needs_with_plan(conn, a, b, &plan).await
}

/// [`needs_with`], given the application's major's plan.
pub async fn needs_with_plan<C: crate::reader::Reads>(
    conn: &C,
    a: &app::Model,
    b: &crate::entity::batch::Model,
    plan: &domain::graduation::Plan,
) -> Result<MaterialNeeds, RepoError> {
    debug_assert!(b.id == a.batch_id);
    let kinds: Vec<CourseKind> = plan.courses.iter().map(|c| c.kind).collect();
    let exemptions = reference::exemptions_of(conn, a.candidate_id)
        .await?
        .into_iter()
        .filter_map(|e| {
            let course = plan.courses.iter().find(|c| c.code == e.course_code)?;
            Some(ExemptedCourse {
                code: e.course_code.clone(),
                name: course.name.clone(),
                mode: ExemptionMode::from_code(&e.mode)?,
                approved_on: e.approved_on,
            })
        })
        .collect();
    let mut profile = province_of(b)?.form();
    // The limit the batch copied when it was created; older batches read the definition's.
    if let Some(limit) = b.scan_max_bytes.and_then(|l| usize::try_from(l).ok()) {
        profile.scan_max_bytes = limit;
    }
    Ok(MaterialNeeds {
        profile,
        id_cutoff: b.id_valid_after,
        exemptions,
        practical_notice: profile.practical_notice && needs_practical_notice(&kinds),
    })
}

/// The province's materials still missing, in the form's words.
pub fn missing_materials(
    a: &app::Model,
    files: &[application_file::Model],
    needs: &MaterialNeeds,
) -> Vec<String> {
    let has = |slot: FileSlot| files.iter().any(|f| f.slot == slot.code());
    let mut missing = Vec::new();
    let p = &needs.profile;
    if p.id_validity && a.id_valid_until.is_none() {
        missing.push("身份证有效期截止日期".to_owned());
    }
    if p.commitment_letter && !has(FileSlot::Commitment) {
        missing.push(format!("《{}》扫描件", FileSlot::Commitment.label()));
    }
    if p.exemption_forms {
        for e in needs.offline() {
            let present = files.iter().any(|f| {
                f.slot == FileSlot::ExemptionForm.code()
                    && f.course_code.as_deref() == Some(&e.code)
            });
            if !present {
                missing.push(format!("《免考课程登记表》（{} {}）", e.code, e.name));
            }
        }
    }
    if needs.practical_notice && !has(FileSlot::PracticalNotice) {
        missing.push(FileSlot::PracticalNotice.label().to_owned());
    }
    if p.certificate_photo && !has(FileSlot::CertificatePhoto) {
        missing.push("毕业证书照片".to_owned());
    }
    missing
}

/// Records that a reviewer confirmed the practical notice carries the seal of the applied chief
/// university's college (seed 003 §(三)4). Kept once: later stages see who confirmed it.
pub async fn confirm_seal<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    org_id: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    app::Entity::update_many()
        .col_expr(app::Column::SealConfirmedAt, Expr::value(now))
        .col_expr(app::Column::SealConfirmedOrgId, Expr::value(org_id))
        .filter(app::Column::Id.eq(a.id))
        .filter(app::Column::SealConfirmedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Whether the application carries a practical notice whose seal nobody has confirmed yet.
pub fn seal_unconfirmed(a: &app::Model, files: &[application_file::Model]) -> bool {
    a.seal_confirmed_at.is_none()
        && files
            .iter()
            .any(|f| f.slot == FileSlot::PracticalNotice.code())
}

/// Message when there is no corrected photo to accept.
pub const NO_PREVIEW: &str = "没有待确认的修正照片，请重新上传";

/// The candidate accepts the corrected certificate photo: in one transaction it becomes the
/// application's photo, replacing any earlier one, and the original kept beside it for the
/// comparison is dropped from the form (its object stays stored).
pub async fn accept_photo_preview(
    db: &DatabaseConnection,
    a: &app::Model,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<application_file::Model, RepoError> {
    use super::application::{candidate_actor, check_editable, claim_for_edit};
    check_editable(db, a, now).await?;
    let txn = crate::write::begin_write(db).await?;
    claim_for_edit(&txn, a, vec![], now).await?;
    let of_slot = |slot: FileSlot| {
        application_file::Entity::find()
            .filter(application_file::Column::ApplicationId.eq(a.id))
            .filter(application_file::Column::Slot.eq(slot.code()))
    };
    let Some(preview) = of_slot(FileSlot::CertificatePhotoPreview).one(&txn).await? else {
        return Err(RepoError::Invalid(NO_PREVIEW.to_owned()));
    };
    application_file::Entity::delete_many()
        .filter(application_file::Column::ApplicationId.eq(a.id))
        .filter(application_file::Column::Slot.is_in([
            FileSlot::CertificatePhoto.code(),
            FileSlot::CertificatePhotoOriginal.code(),
        ]))
        .exec(&txn)
        .await?;
    application_file::Entity::update_many()
        .col_expr(
            application_file::Column::Slot,
            Expr::value(FileSlot::CertificatePhoto.code()),
        )
        .filter(application_file::Column::Id.eq(preview.id))
        .exec(&txn)
        .await?;
    crate::repo::audit::record(
        &txn,
        now,
        candidate_actor(a.candidate_id),
        "graduation_application.photo_accepted",
        ("graduation_application", Some(a.id)),
        &format!("sha256={} size={}", preview.sha256, preview.size_bytes),
        ip,
    )
    .await?;
    let accepted = application_file::Entity::find_by_id(preview.id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    txn.commit().await?;
    Ok(accepted)
}

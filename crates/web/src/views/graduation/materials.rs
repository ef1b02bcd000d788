//! The materials a province's form adds (seed 003): the ID card's validity, the signed
//! commitment letter and its printable blank, the exemption registration forms, the practical
//! notice, the certificate photo with its opt-in 自动修正 preview, and the prior-education
//! 人工审核 the candidate submits before applying.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, Response};
use domain::ExemptionMode;
use domain::files::check_certificate_photo;
use domain::graduation::form::FileSlot;
use serde::Deserialize;
use store::entity::{application_file, graduation_application as app};
use store::graduation::application::{
    self as apps, PRIOR_AWAITING_FINAL, PRIOR_AWAITING_ORIGINALS, PRIOR_MANUAL, PRIOR_VERIFIED,
};
use store::graduation::materials::MaterialNeeds;

use crate::AppState;
use crate::error::AppError;
use crate::services::materials::{self as service, PhotoOutcome};
use crate::session::CurrentCandidate;
use crate::upload::{CheckedMultipart, read_upload};
use crate::views::Layout;
use crate::views::graduation::application::{
    Draft, FileView, SlotView, refuse, require_current, saved_at,
};

/// One exempted course and the paperwork behind it.
pub struct ExemptionRow {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// 线上 / 线下.
    pub online: bool,
    /// Approval date.
    pub approved_on: String,
    /// The uploaded registration form (offline).
    pub file: Option<FileView>,
}

/// The parts of the form a province's definition adds beyond the common sections, each shown
/// where the definition's `[form]` asks for it.
pub struct ProvinceForm {
    /// 身份证有效期 is asked.
    pub id_validity: bool,
    /// Offline exemptions need their registration forms.
    pub exemption_forms: bool,
    /// The certificate photo of seed 003 is asked.
    pub certificate_photo: bool,
    /// Prior education goes through 学信网 authorisation or the manual review before submitting.
    pub prior_review: bool,
    /// Any of the materials above (the 毕业办证材料 section is shown).
    pub has_materials: bool,
    /// As saved: "YYYY-MM-DD" or "长期".
    pub id_valid_until: String,
    /// The batch's cutoff, "2024年6月30日".
    pub id_cutoff: String,
    /// The commitment letter slot, where the definition asks for the letter.
    pub commitment: Option<SlotView>,
    /// Exemptions used in the plan.
    pub exemptions: Vec<ExemptionRow>,
    /// The practical notice slot, where the plan needs one.
    pub practical: Option<SlotView>,
    /// The accepted certificate photo.
    pub photo: Option<FileView>,
    /// Original and corrected photo awaiting the candidate's choice.
    pub preview: Option<(FileView, FileView)>,
    /// The corrected photo's check (what was fixed, warnings left).
    pub preview_notes: Vec<String>,
    /// Where the prior-education review stands, in words.
    pub prior_state: String,
    /// The candidate may submit the prior-education section for 人工审核.
    pub prior_can_submit: bool,
    /// The candidate may (re)start the 学信网 authorisation.
    pub can_authorise: bool,
    /// The authorisation code waiting for the candidate to scan.
    pub authorisation: Option<crate::views::graduation::xuexin::AuthView>,
    /// The decision on the prior education once it is taken (学信网 verified the diploma, or the
    /// manual review approved it), shown alone in place of the section.
    pub verified_note: Option<String>,
    /// The office's reason for sending it back.
    pub prior_reason: Option<String>,
    /// Copies stamped by the confirmation point or university.
    pub stamped: Vec<FileView>,
}

fn file_of(files: &[application_file::Model], slot: FileSlot) -> Option<&application_file::Model> {
    files.iter().find(|f| f.slot == slot.code())
}

fn slot(slot: FileSlot, files: &[application_file::Model]) -> SlotView {
    SlotView {
        code: slot.code(),
        label: slot.label(),
        required: true,
        files: files
            .iter()
            .filter(|f| f.slot == slot.code())
            .map(FileView::of)
            .collect(),
    }
}

/// Builds the province's own part of the form, or `None` for a province whose form has none.
pub async fn province_form(
    state: &AppState,
    a: &app::Model,
    files: &[application_file::Model],
    needs: &MaterialNeeds,
) -> Result<Option<ProvinceForm>, AppError> {
    let p = &needs.profile;
    let prior_review = p.prior_by_authorisation || p.prior_reviewed_before_submit;
    let has_materials = p.id_validity
        || p.commitment_letter
        || p.exemption_forms
        || needs.practical_notice
        || p.certificate_photo;
    if !has_materials && !prior_review {
        return Ok(None);
    }
    let exemptions = needs
        .exemptions
        .iter()
        .map(|e| ExemptionRow {
            code: e.code.clone(),
            name: e.name.clone(),
            online: e.mode == ExemptionMode::Online,
            approved_on: e.approved_on.to_string(),
            file: files
                .iter()
                .find(|f| {
                    f.slot == FileSlot::ExemptionForm.code()
                        && f.course_code.as_deref() == Some(e.code.as_str())
                })
                .map(FileView::of),
        })
        .collect();
    let preview = match (
        file_of(files, FileSlot::CertificatePhotoOriginal),
        file_of(files, FileSlot::CertificatePhotoPreview),
    ) {
        (Some(o), Some(p)) => Some((o, p)),
        _ => None,
    };
    let mut preview_notes = Vec::new();
    if let Some((_, p)) = preview {
        let bytes = state
            .objects
            .get(&p.object_key)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let r = check_certificate_photo("photo.jpg", &bytes);
        preview_notes.push(format!(
            "修正后：{}×{} 像素，{} dpi，压缩品质约 {}，{:.1} KB",
            r.width,
            r.height,
            r.dpi.unwrap_or(0),
            r.quality.unwrap_or(0),
            r.size as f64 / 1024.0
        ));
        preview_notes.extend(r.failures);
        preview_notes.extend(r.warnings.into_iter().map(|w| format!("提示：{w}")));
    }
    let org_name = match a.prior_originals_org_id {
        Some(id) => store::repo::org::get(&state.db, id).await?.name,
        None => "确认点（学分互认在校生为主考学校）".to_owned(),
    };
    let verified_note = if store::graduation::prior_review::prior_decided(a) {
        // Decided: what was approved, and nothing left to do or change.
        Some(format!(
            "前置学历人工审核通过（仅本次毕业申请有效）：{}，证书编号 {}，{} 毕业",
            a.prior_school.clone().unwrap_or_default(),
            a.prior_cert_no.clone().unwrap_or_default(),
            a.prior_graduation_date
                .map(|d| d.to_string())
                .unwrap_or_default()
        ))
    } else if a.prior_check == PRIOR_VERIFIED && a.prior_originals_checked_at.is_none() {
        store::credential::authorisation::latest(&state.db, a.id)
            .await?
            .filter(|r| r.status == store::credential::authorisation::VERIFIED)
            .map(|r| {
                format!(
                    "前置学历已通过学信网授权核验：{}，证书编号 {}，{} 毕业（仅本次毕业申请有效）",
                    r.school.unwrap_or_default(),
                    r.cert_no.unwrap_or_default(),
                    r.graduation_date.map(|d| d.to_string()).unwrap_or_default()
                )
            })
    } else {
        None
    };
    let prior_state = match a.prior_check.as_str() {
        PRIOR_MANUAL => {
            "未核验：请扫码授权学信网推送前置学历信息，或填写前置学历信息、上传材料后提交人工审核"
                .to_owned()
        }
        PRIOR_AWAITING_ORIGINALS => format!(
            "已提交人工审核：请携带前置学历毕业证书原件和复印件、《教育部学历证书电子注册备案表》和有关变更证明原件和复印件，到{org_name}现场核验"
        ),
        PRIOR_AWAITING_FINAL => format!("{org_name}已核验原件，等待省招生考试院终审"),
        PRIOR_VERIFIED if a.prior_originals_checked_at.is_some() => {
            "人工审核通过（仅本次毕业申请有效）".to_owned()
        }
        PRIOR_VERIFIED => "已通过学信网授权核验".to_owned(),
        _ => "专科毕业无需前置学历审核".to_owned(),
    };
    Ok(Some(ProvinceForm {
        id_validity: p.id_validity,
        exemption_forms: p.exemption_forms,
        certificate_photo: p.certificate_photo,
        prior_review,
        has_materials,
        id_valid_until: a.id_valid_until.clone().unwrap_or_default(),
        id_cutoff: needs
            .id_cutoff
            .map(|d| d.format("%Y年%-m月%-d日").to_string())
            .unwrap_or_default(),
        commitment: p
            .commitment_letter
            .then(|| slot(FileSlot::Commitment, files)),
        exemptions,
        practical: needs
            .practical_notice
            .then(|| slot(FileSlot::PracticalNotice, files)),
        photo: file_of(files, FileSlot::CertificatePhoto).map(FileView::of),
        preview: preview.map(|(o, p)| (FileView::of(o), FileView::of(p))),
        preview_notes,
        prior_state,
        prior_can_submit: a.prior_check == PRIOR_MANUAL,
        can_authorise: needs.profile.prior_by_authorisation && a.prior_check == PRIOR_MANUAL,
        authorisation: if a.prior_check == PRIOR_MANUAL {
            crate::views::graduation::xuexin::pending_view(state, a).await?
        } else {
            None
        },
        verified_note,
        prior_reason: a.prior_review_reason.clone(),
        stamped: files
            .iter()
            .filter(|f| f.slot == FileSlot::PriorStampedCopy.code())
            .map(FileView::of)
            .collect(),
    }))
}

/// The 身份证有效期 field.
#[derive(Deserialize)]
pub struct IdValidityForm {
    #[serde(default)]
    id_valid_until: String,
}

/// POST /candidate/application/id-validity
pub async fn save_id_validity(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<IdValidityForm>,
) -> Result<Response, AppError> {
    match service::save_id_validity(&state, &me, &f.id_valid_until).await {
        Ok(_) => Ok(saved_at("id_validity", "materials")),
        Err(e) => {
            let mut draft = Draft::default();
            draft.id_valid_until = Some(f.id_valid_until);
            refuse(&state, &me, "materials", e, draft).await
        }
    }
}

/// POST /candidate/application/photo (multipart: csrf_token, autofix, file): see
/// [`service::upload_photo`].
pub async fn upload_photo(
    State(state): State<AppState>,
    me: CurrentCandidate,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let uploaded = match read_upload(multipart).await {
        Ok(form) => {
            let autofix = form.fields.contains_key("autofix");
            service::upload_photo(&state, &me, autofix, form.file).await
        }
        Err(Ok(e)) => Err(e),
        Err(Err(msg)) => Err(AppError::refused("file", msg)),
    };
    match uploaded {
        Ok(PhotoOutcome::Saved) => Ok(saved_at("photo", "photo")),
        Ok(PhotoOutcome::Preview) => Ok(saved_at("photo_preview", "photo")),
        Err(e) => refuse(&state, &me, "photo", e, Draft::default()).await,
    }
}

/// POST /candidate/application/photo/accept: the corrected photo becomes the certificate photo.
pub async fn accept_photo(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    match service::accept_photo(&state, &me).await {
        Ok(()) => Ok(saved_at("photo", "photo")),
        Err(e) => refuse(&state, &me, "photo", e, Draft::default()).await,
    }
}

/// POST /candidate/application/photo/discard: keeps whatever photo was there before.
pub async fn discard_photo(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    service::discard_photo(&state, &me).await?;
    Ok(saved_at("photo_discarded", "photo"))
}

/// POST /candidate/application/prior-education/submit: 提交人工审核.
pub async fn submit_prior(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    match service::submit_prior(&state, &me).await {
        Ok(_) => Ok(saved_at("prior_submitted", "prior")),
        Err(e) => refuse(&state, &me, "prior", e, Draft::default()).await,
    }
}

#[derive(Template)]
#[template(path = "candidate/commitment.html")]
struct CommitmentPage {
    layout: Layout,
    name: String,
    admission_no: String,
    id_card_no: String,
    major: String,
    level: String,
    university: String,
    batch: String,
    title: String,
    pledge: String,
    items: Vec<String>,
}

/// GET /candidate/application/commitment: the blank 《毕业办证申请暨思想品德合格承诺书》,
/// prefilled with the candidate's data, to print, sign, scan and upload.
pub async fn commitment(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Html<String>, AppError> {
    let a = require_current(&state, &me).await?;
    // The letter is the province's: only a province whose form asks for one has its text.
    let Some(letter) = domain::Province::from_code(&me.model.province)
        .and_then(|p| p.definition().documents.commitment.clone())
    else {
        return Err(AppError::NotFound("本省毕业申请无需承诺书".to_owned()));
    };
    let m = store::repo::reference::major(&state.db, a.major_id).await?;
    let u = store::repo::org::get(&state.db, a.chief_university_id).await?;
    let b = apps::batch(&state.db, a.batch_id).await?;
    let level = domain::Level::from_code(&m.level)
        .map(|l| l.label().to_owned())
        .unwrap_or_default();
    Ok(Html(
        CommitmentPage {
            layout: Layout::candidate("承诺书", &me.model.name, &me.ctx, "/candidate/application"),
            name: me.model.name.clone(),
            admission_no: me.model.admission_no.clone(),
            id_card_no: me.model.id_card_no.clone(),
            pledge: letter.pledge_for(&level),
            title: letter.title,
            items: letter.items,
            level,
            major: format!("{} {}", m.code, m.name),
            university: u.name,
            batch: b.name,
        }
        .render()?,
    ))
}

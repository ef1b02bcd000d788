//! 毕业申请, the candidate's side: applying after the notice, saving a section, attaching and
//! removing a picture, the cropped signature, 提交初审 and the request for a wrong-major
//! rejection, with the eligibility audit applying rests on. The pages (`views::graduation::application`)
//! and the JSON API (`api::application`) both call these, so a refusal is the same message,
//! naming the same field, whichever way the request came in.

use domain::files::{CleanJpeg, CropBox, crop_signature, self_appraisal_length};
use domain::graduation::form::{
    FileSlot, PriorEducationInput, ResumeEntry, validate_prior_education, validate_resume,
    validate_statement,
};
use domain::graduation::{Facts, PriorEducation, audit, moral_state};
use store::entity::{application_file, graduation_application as app};
use store::graduation::application::{self as apps, NewApplication, NewFile, Section};
use store::repo::reference;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;
use crate::upload::{SIGNATURE_SOURCE_MAX, Upload, check_picture, grouped};

/// The prior-education (前置学历) state for one major, with what the application records.
#[derive(Debug, Clone)]
pub struct PriorOutcome {
    /// For the audit's condition e.
    pub state: PriorEducation,
    /// `PRIOR_NOT_NEEDED`, `PRIOR_VERIFIED` or `PRIOR_MANUAL`.
    pub code: &'static str,
    /// Why the automatic check did not pass.
    pub message: Option<String>,
}

/// Why a 本科 application's prior education is open until the candidate acts, where the
/// province checks it through 学信网 authorisation.
pub const PRIOR_AWAITING_AUTHORISATION: &str = "尚未授权学信网推送前置学历信息：请在毕业申请的前置学历部分扫码授权；如因改名、身份证号变更等原因授权失败，可选择人工审核";

/// Runs the credential check for 本科 majors; 专科 needs none. Where the province's profile asks
/// for 学信网 authorisation, nothing can be known before it, so the check is left open.
pub async fn prior_check(
    state: &AppState,
    cand: &store::entity::candidate::Model,
    major: &store::entity::major::Model,
) -> PriorOutcome {
    use store::credential::{CredentialCheck, CredentialQuery};
    use store::graduation::application::{
        PRIOR_MANUAL, PRIOR_NOT_NEEDED, PRIOR_VERIFIED, major_needs_prior,
    };
    if !major_needs_prior(major) {
        return PriorOutcome {
            state: PriorEducation::NotChecked,
            code: PRIOR_NOT_NEEDED,
            message: None,
        };
    }
    if domain::Province::from_code(&cand.province).is_some_and(|p| p.form().prior_by_authorisation)
    {
        // 学信网 answers only after the candidate authorised it on the application (seed 003).
        let msg = PRIOR_AWAITING_AUTHORISATION.to_owned();
        return PriorOutcome {
            state: PriorEducation::Failed(msg.clone()),
            code: PRIOR_MANUAL,
            message: Some(msg),
        };
    }
    let q = CredentialQuery {
        name: cand.name.clone(),
        id_card_no: cand.id_card_no.clone(),
        before: domain::calendar::beijing_date(state.now()),
    };
    let failed = |msg: String| PriorOutcome {
        state: PriorEducation::Failed(format!("前置学历自动核查未通过：{msg}")),
        code: PRIOR_MANUAL,
        message: Some(msg),
    };
    match state.credentials.check(&q).await {
        Ok(CredentialCheck::Verified { .. }) => PriorOutcome {
            state: PriorEducation::Verified,
            code: PRIOR_VERIFIED,
            message: None,
        },
        Ok(CredentialCheck::NotVerified(msg)) => failed(msg),
        Err(e) => failed(e.to_string()),
    }
}

/// The audit of one candidate against one major, as the apply action and reviewers see it.
pub async fn audit_major(
    state: &AppState,
    cand: &store::entity::candidate::Model,
    major: &store::entity::major::Model,
    what_if: &[&str],
) -> Result<(domain::graduation::Audit, PriorOutcome), AppError> {
    let (scores, exemptions) = store::graduation::records_of(&state.db, cand).await?;
    let plan = store::graduation::plan_of(&state.db, major).await?;
    let prior = prior_check(state, cand, major).await;
    let facts = Facts {
        scores: &scores,
        exemptions: &exemptions,
        moral: moral_state(&cand.province),
        prior_education: prior.state.clone(),
        legally_blocked: cand.legal_block,
    };
    Ok((audit(&plan, &facts, what_if), prior))
}

/// Whether a failing condition is one the application itself resolves, so it does not stop the
/// candidate from applying: a prior-education check that failed automatically (the form's manual
/// section, seed 001 §8b), condition c where the province's definition has the commitment
/// letter uploaded in the application, and conditions a and d held up only by offline
/// exemptions whose 免考课程登记表 the province's form asks for (`missing` is the condition's list).
pub(crate) fn met_in_application(
    key: domain::graduation::ConditionKey,
    missing: &[String],
    prior: &PriorOutcome,
    province: &str,
) -> bool {
    use domain::graduation::ConditionKey;
    match key {
        ConditionKey::PriorEducation => prior.code == store::graduation::application::PRIOR_MANUAL,
        ConditionKey::Moral => domain::graduation::moral_met_in_application(province),
        ConditionKey::AllCourses | ConditionKey::Compliance => {
            domain::Province::from_code(province).is_some_and(|p| p.form().exemption_forms)
                && domain::graduation::only_exemption_forms_missing(key, missing)
        }
        _ => false,
    }
}

/// Why applying is refused, if it is: every failing condition the application cannot resolve.
pub fn blocking_refusal(
    result: &domain::graduation::Audit,
    prior: &PriorOutcome,
    province: &str,
) -> Option<String> {
    let blocking: Vec<String> = result
        .conditions
        .iter()
        .filter(|c| !c.passed && !met_in_application(c.key, &c.missing, prior, province))
        .map(|c| {
            let detail = if c.missing.is_empty() {
                c.found.clone()
            } else {
                c.missing.join("；")
            };
            format!("{}. {}（{}）", c.key.letter(), c.key.label(), detail)
        })
        .collect();
    (!blocking.is_empty()).then(|| blocking.join("；"))
}

/// What is still missing from a candidate's own record before they may apply.
pub fn profile_missing(c: &store::entity::candidate::Model) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if c.phone.as_deref().unwrap_or("").is_empty() {
        missing.push("联系电话");
    }
    if c.address.as_deref().unwrap_or("").is_empty() {
        missing.push("通讯地址");
    }
    missing
}

/// The candidate's current application (the newest), if any.
pub async fn current(
    state: &AppState,
    me: &CurrentCandidate,
) -> Result<Option<app::Model>, AppError> {
    Ok(apps::of_candidate(&state.db, me.model.id)
        .await?
        .into_iter()
        .next())
}

/// The candidate's current application, or "not found" saying how to open one.
pub async fn require_current(
    state: &AppState,
    me: &CurrentCandidate,
) -> Result<app::Model, AppError> {
    current(state, me).await?.ok_or_else(|| {
        AppError::NotFound("你还没有毕业申请，请先在“毕业条件自查”中申请毕业".to_owned())
    })
}

fn ip(me: &CurrentCandidate) -> Option<&str> {
    Some(me.ctx.ip.as_str())
}

/// 申请毕业: the major and batch chosen after reading the 须知.
#[derive(Debug, Clone)]
pub struct OpenInput {
    /// One of the candidate's enrolled majors.
    pub major_id: i64,
    /// The batch applied in.
    pub batch_id: i64,
    /// 我已认真阅读并了解毕业申报条件及办理流程.
    pub acknowledged: bool,
}

/// Opens an application: the notice acknowledged, the profile complete, the major the
/// candidate's own and every condition the application cannot resolve met. An application
/// already open is a conflict.
pub async fn open(
    state: &AppState,
    me: &CurrentCandidate,
    input: OpenInput,
) -> Result<app::Model, AppError> {
    if !input.acknowledged {
        return Err(AppError::refused(
            "acknowledged",
            "请先阅读《毕业申请须知》并勾选“我已认真阅读并了解毕业申报条件及办理流程”",
        ));
    }
    let missing = profile_missing(&me.model);
    if !missing.is_empty() {
        return Err(AppError::refused(
            "",
            format!(
                "申请毕业前需要在“考生信息-修改信息”处完善个人信息：{}未填写",
                missing.join("、")
            ),
        ));
    }
    let enrolled = reference::enrolled_majors(&state.db, me.model.id).await?;
    let Some(m) = enrolled.into_iter().find(|m| m.major.id == input.major_id) else {
        return Err(AppError::refused(
            "major_id",
            "所选专业不是你的在籍专业，请先在“考生信息-在籍专业”处新增",
        ));
    };
    let batch = apps::batch(&state.db, input.batch_id)
        .await
        .map_err(|_| AppError::refused("batch_id", "所选批次不存在"))?;
    let (audit, prior) = audit_major(state, &me.model, &m.major, &[]).await?;
    if let Some(reason) = blocking_refusal(&audit, &prior, &me.model.province) {
        return Err(AppError::refused(
            "major_id",
            format!("暂不能申请毕业：{reason}"),
        ));
    }
    Ok(apps::open(
        &state.db,
        NewApplication {
            candidate: &me.model,
            batch: &batch,
            major: &m.major,
            prior_check: prior.code,
            prior_check_message: prior.message.clone(),
        },
        state.now(),
        ip(me),
    )
    .await?)
}

/// One section of the form, as typed.
#[derive(Debug, Clone)]
pub enum SectionInput {
    /// 申请毕业专业.
    Major {
        /// The major's id.
        major_id: i64,
    },
    /// 前置学历.
    PriorEducation(PriorEducationInput),
    /// 本人简历.
    Resume(Vec<ResumeEntry>),
    /// 自我鉴定.
    SelfAppraisal(String),
    /// 情况说明.
    Statement(String),
}

/// Checks and saves one section of the candidate's current application; the refusal names the
/// field it concerns.
pub async fn save_section(
    state: &AppState,
    me: &CurrentCandidate,
    input: SectionInput,
) -> Result<app::Model, AppError> {
    let a = require_current(state, me).await?;
    let today = domain::calendar::beijing_date(state.now());
    let section = match input {
        SectionInput::Major { major_id } => match reference::major(&state.db, major_id).await {
            Ok(m) => Section::Major(m),
            Err(_) => return Err(AppError::refused("major_id", "所选专业不存在")),
        },
        SectionInput::PriorEducation(p) => {
            Section::PriorEducation(validate_prior_education(&p, today)?)
        }
        SectionInput::Resume(entries) => {
            Section::Resume(validate_resume(entries, today).map_err(|e| e.at("entries"))?)
        }
        SectionInput::SelfAppraisal(text) => {
            let text = text.trim().replace("\r\n", "\n");
            self_appraisal_length(&text).map_err(|e| AppError::refused("text", e.0))?;
            Section::SelfAppraisal(text)
        }
        SectionInput::Statement(text) => {
            Section::Statement(validate_statement(&text).map_err(|e| e.at("text"))?)
        }
    };
    Ok(apps::save_section(&state.db, &a, section, state.now(), ip(me)).await?)
}

/// Slots a candidate fills through [`attach`]; the signature, the certificate photo and the
/// stamped prior-education copy have operations of their own.
pub fn attachable(slot: FileSlot) -> bool {
    !matches!(
        slot,
        FileSlot::Signature
            | FileSlot::CertificatePhoto
            | FileSlot::CertificatePhotoPreview
            | FileSlot::CertificatePhotoOriginal
            | FileSlot::PriorStampedCopy
    )
}

/// A picture for one slot of the form.
pub struct AttachInput {
    /// The slot's code, e.g. `id_front`.
    pub slot: String,
    /// For an 免考课程登记表: the course it belongs to.
    pub course_code: Option<String>,
    /// The file, if one was chosen.
    pub file: Option<Upload>,
}

/// Checks a picture against the slot's rules (the province's form, the batch's size limit) and
/// attaches it to the candidate's current application.
pub async fn attach(
    state: &AppState,
    me: &CurrentCandidate,
    input: AttachInput,
) -> Result<application_file::Model, AppError> {
    let a = require_current(state, me).await?;
    let Some(slot) = FileSlot::from_code(input.slot.trim()).filter(|s| attachable(*s)) else {
        return Err(AppError::refused("slot", "请选择图片类型"));
    };
    let needs = store::graduation::materials::needs_of(&state.db, &a).await?;
    // Each of these slots exists only where the province's form asks for it.
    let not_asked = match slot {
        FileSlot::Commitment => !needs.profile.commitment_letter,
        FileSlot::ExemptionForm => !needs.profile.exemption_forms,
        FileSlot::PracticalNotice => !needs.practical_notice,
        _ => false,
    };
    if not_asked {
        return Err(AppError::refused(
            "slot",
            format!("本省毕业申请无需上传{}", slot.label()),
        ));
    }
    // A registration form belongs to one offline exemption of the plan.
    let course_code = if slot == FileSlot::ExemptionForm {
        let code = input.course_code.as_deref().map(str::trim).unwrap_or("");
        if !needs.offline().any(|e| e.code == code) {
            return Err(AppError::refused(
                "course_code",
                format!(
                    "课程“{code}”不是本专业考试计划中线下办理免考的课程，无需上传免考课程登记表"
                ),
            ));
        }
        Some(code.to_owned())
    } else {
        None
    };
    let Some(up) = input.file else {
        return Err(AppError::refused(
            "file",
            format!("请选择要上传的{}图片（.jpg）", slot.label()),
        ));
    };
    let clean = check_picture(&up, needs.profile.scan_max_bytes)
        .map_err(|msg| AppError::refused("file", format!("{}：{msg}", slot.label())))?;
    attach_picture(state, me, &a, slot, clean, &up.name, course_code.as_deref()).await
}

/// A signature photo and the box to keep (left, top, width, height in pixels of the photo, as
/// typed or as the crop tool filled them; all empty keeps the whole picture). The box must lie
/// inside the photo and be at least [`domain::files::SIGNATURE_MIN_WIDTH`]×
/// [`domain::files::SIGNATURE_MIN_HEIGHT`] pixels.
pub struct SignatureInput {
    /// 左.
    pub x: Option<String>,
    /// 上.
    pub y: Option<String>,
    /// 宽.
    pub w: Option<String>,
    /// 高.
    pub h: Option<String>,
    /// The photo.
    pub file: Option<Upload>,
}

fn crop_number(field: &'static str, v: Option<&str>) -> Result<Option<u32>, AppError> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| Some(f.round() as u32))
            .ok_or_else(|| {
                AppError::refused(field, format!("截取框的数值“{v}”无效，应为不小于 0 的数字"))
            }),
    }
}

/// Crops the signature to the box and attaches it (under 50K, as the form asks).
pub async fn attach_signature(
    state: &AppState,
    me: &CurrentCandidate,
    input: SignatureInput,
) -> Result<application_file::Model, AppError> {
    let a = require_current(state, me).await?;
    let Some(up) = input.file else {
        return Err(AppError::refused("file", "请选择签名图片（.jpg）"));
    };
    if up.total > SIGNATURE_SOURCE_MAX || up.total > up.bytes.len() {
        return Err(AppError::refused(
            "file",
            format!(
                "签名照片大小为 {} 字节，超过上限 {} 字节（8M），请缩小后重新上传",
                grouped(up.total),
                grouped(SIGNATURE_SOURCE_MAX)
            ),
        ));
    }
    let boxed = match (
        crop_number("x", input.x.as_deref())?,
        crop_number("y", input.y.as_deref())?,
        crop_number("w", input.w.as_deref())?,
        crop_number("h", input.h.as_deref())?,
    ) {
        (Some(x), Some(y), Some(width), Some(height)) => Some(CropBox {
            x,
            y,
            width,
            height,
        }),
        (None, None, None, None) => None,
        _ => {
            return Err(AppError::refused(
                "w",
                "截取框需同时填写左、上、宽、高四个数值，或全部留空以使用整张图片",
            ));
        }
    };
    let bytes = up.bytes;
    let cropped = tokio::task::spawn_blocking(move || crop_signature(&bytes, boxed))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let clean = cropped.map_err(|e| AppError::refused("file", format!("签名：{}", e.0)))?;
    attach_picture(state, me, &a, FileSlot::Signature, clean, &up.name, None).await
}

/// Removes one of the pictures of the candidate's current application.
pub async fn remove_file(
    state: &AppState,
    me: &CurrentCandidate,
    file_id: i64,
) -> Result<(), AppError> {
    let a = require_current(state, me).await?;
    Ok(apps::remove_file(&state.db, &a, file_id, state.now(), ip(me)).await?)
}

/// 提交初审: refused, with what is missing, until the form is complete.
pub async fn submit(state: &AppState, me: &CurrentCandidate) -> Result<app::Model, AppError> {
    let a = require_current(state, me).await?;
    Ok(apps::submit(&state.db, &a, state.now(), ip(me)).await?)
}

/// Asks the chief university to reject the application because the wrong major was chosen.
pub async fn request_wrong_major_rejection(
    state: &AppState,
    me: &CurrentCandidate,
) -> Result<app::Model, AppError> {
    let a = require_current(state, me).await?;
    Ok(apps::request_wrong_major_rejection(&state.db, &a, state.now(), ip(me)).await?)
}

/// Stores a checked picture and attaches it; the object is removed again when the attach is
/// refused or fails, so storage keeps nothing no row refers to.
async fn attach_picture(
    state: &AppState,
    me: &CurrentCandidate,
    a: &app::Model,
    slot: FileSlot,
    clean: CleanJpeg,
    original_name: &str,
    course_code: Option<&str>,
) -> Result<application_file::Model, AppError> {
    let dims = (clean.width, clean.height);
    let stored = state
        .objects
        .put(&format!("applications/{}", a.id), "jpg", clean.bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let key = stored.key.clone();
    let attached = apps::attach_file(
        &state.db,
        a,
        NewFile {
            slot,
            stored,
            original_name,
            content_type: "image/jpeg",
            dimensions: Some(dims),
            course_code,
        },
        state.now(),
        ip(me),
    )
    .await;
    if attached.is_err() {
        crate::services::files::discard(state, &key).await;
    }
    Ok(attached?)
}

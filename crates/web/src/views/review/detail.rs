//! One application as a reviewer sees it: registry data, the eligibility audit, every section and
//! file, the history, and the decision form of the stage it waits at.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::graduation::PriorEducation;
use domain::graduation::form::{FileSlot, ResumeEntry};
use domain::review::{CommonReason, REASON_TEXT_MAX, Status};
use serde::Deserialize;
use store::entity::graduation_application as app;
use store::graduation::application::{self, Decision};
use store::repo::{candidate as candidates, org as orgs, reference};

use super::{
    Choice, DecisionInput, current_stage, decide_one, layout, reason_choices, status_label,
    visible_application,
};
use crate::error::AppError;
use crate::services::review::event_action;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::views::graduation::self_check::{CandidateFacts, MajorAudit, major_audit};
use crate::{AppState, util};

/// The candidate's registry record (考籍信息) beside the application.
pub struct RegistryView {
    /// 准考证号.
    pub admission_no: String,
    /// 姓名.
    pub name: String,
    /// 身份证号 in full: reviewers compare it with the ID card pictures.
    pub id_card_no: String,
    /// 性别.
    pub gender: String,
    /// 出生日期.
    pub birth_date: String,
    /// 民族.
    pub ethnicity: String,
    /// 政治面貌.
    pub political_status: String,
    /// 考生类型.
    pub candidate_type: String,
    /// 手机, masked.
    pub phone: String,
    /// 通讯地址.
    pub address: String,
    /// 在籍专业.
    pub enrolled_majors: Vec<String>,
}

/// The 前置学历 section.
pub struct PriorView {
    /// The automatic check's result in words.
    pub check: &'static str,
    /// Why the automatic check did not pass.
    pub message: Option<String>,
    /// Whether the candidate had to type the section in.
    pub typed: bool,
    /// 姓名.
    pub name: String,
    /// 身份证号 (in full, as on the diploma).
    pub id_card_no: String,
    /// 毕业证编号.
    pub cert_no: String,
    /// 毕业院校.
    pub school: String,
    /// 毕业时间.
    pub graduation_date: String,
}

/// One uploaded file.
pub struct FileView {
    /// Its URL under the application.
    pub url: String,
    /// Which material.
    pub slot: &'static str,
    /// The name the candidate's device gave it.
    pub original_name: String,
    /// "31.5 KB, 640×480".
    pub facts: String,
}

/// One step of 审核进度.
pub struct EventLine {
    /// Beijing time.
    pub at: String,
    /// Stage name.
    pub stage: String,
    /// Who: the organisation, 考生 or 系统.
    pub by: String,
    /// What happened.
    pub action: String,
    /// The reason or note.
    pub reason: String,
}

/// The decision form, when this organisation can decide now.
pub struct DecisionFormView {
    /// The stage the page shows; posted back.
    pub stage: usize,
    /// Its name.
    pub stage_name: String,
}

#[derive(Template)]
#[template(path = "staff/review_detail.html")]
struct DetailView {
    layout: Layout,
    id: i64,
    reg: RegistryView,
    batch: String,
    status: String,
    current_stage: String,
    submitted_at: String,
    wrong_major_at: Option<String>,
    rejection_reason: Option<String>,
    major: String,
    university: String,
    major_confirmed_at: String,
    audit: MajorAudit,
    prior: Option<PriorView>,
    resume: Vec<ResumeEntry>,
    appraisal: Option<String>,
    appraisal_count: String,
    appraisal_ok: bool,
    statement: Option<String>,
    files: Vec<FileView>,
    events: Vec<EventLine>,
    form: Option<DecisionFormView>,
    /// The stage waiting here that this account's roles do not cover.
    not_my_stage: Option<String>,
    reasons: Vec<Choice>,
    input: DecisionInput,
    reason_max: usize,
    error: Option<String>,
    province_materials: Option<ProvinceMaterials>,
    /// Whether the 毕业生电子档案 was filed (final approval).
    archived: bool,
    /// Appeals against the application's final rejection, newest first.
    appeals: Vec<crate::services::appeal::StaffAppealView>,
}

/// The materials a province's form adds, as a reviewer checks them (seed 003).
struct ProvinceMaterials {
    /// Which parts the province's form has.
    id_validity: bool,
    exemption_forms: bool,
    certificate_photo: bool,
    practical_notice: bool,
    /// 身份证有效期截止日期 and the batch's cutoff.
    id_valid: String,
    /// Exempted courses with the paperwork that backs each.
    exemptions: Vec<String>,
    /// The practical notice's seal still needs this reviewer's confirmation.
    seal_needed: bool,
    /// Who confirmed the seal, when.
    seal_confirmed: Option<String>,
    /// The certificate photo's rule check and warnings (e.g. background).
    photo_notes: Vec<String>,
}

fn label_of<T: Copy>(
    code: &str,
    from: fn(&str) -> Option<T>,
    label: fn(&T) -> &'static str,
) -> String {
    from(code)
        .map(|v| label(&v).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn prior_check_label(code: &str) -> &'static str {
    match code {
        application::PRIOR_VERIFIED => "学信网自动核验通过",
        application::PRIOR_MANUAL => {
            "自动核验未通过，需审核人员核对考生填写的前置学历信息和证书图片"
        }
        _ => "不需要核验（专科）",
    }
}

fn file_facts(size: i64, width: Option<i32>, height: Option<i32>) -> String {
    // One decimal is what people compare with the notice's "50K".
    let kb = size as f64 / 1024.0;
    match (width, height) {
        (Some(w), Some(h)) => format!("{kb:.1} KB，{w}×{h} 像素"),
        _ => format!("{kb:.1} KB"),
    }
}

async fn render_detail(
    state: &AppState,
    me: &CurrentStaff,
    a: &app::Model,
    input: DecisionInput,
    error: Option<String>,
) -> Result<String, AppError> {
    let db = me.ctx.reader(state);
    let c = candidates::get(&db, a.candidate_id).await?;
    let seen = me.ctx.seen;
    let m = state.refs.major(&db, seen, a.major_id).await?.major.clone();
    let university = state.refs.org(&db, seen, a.chief_university_id).await?;
    let batch = state.refs.batch(&db, seen, a.batch_id).await?;
    let stages = state.refs.stages(&db, seen, a.batch_id).await?;
    let enrolled = state.refs.enrolled_majors(&db, seen, c.id).await?;
    let reg = RegistryView {
        admission_no: c.admission_no.clone(),
        name: c.name.clone(),
        id_card_no: c.id_card_no.clone(),
        gender: label_of(&c.gender, domain::Gender::from_code, domain::Gender::label),
        birth_date: c.birth_date.format("%Y-%m-%d").to_string(),
        ethnicity: c.ethnicity.clone(),
        political_status: c.political_status.clone(),
        candidate_type: label_of(
            &c.candidate_type,
            domain::CandidateType::from_code,
            domain::CandidateType::label,
        ),
        phone: util::mask_phone(c.phone.as_deref()),
        address: c.address.clone().unwrap_or_default(),
        enrolled_majors: enrolled
            .iter()
            .map(|e| format!("{} {}（{}）", e.major.code, e.major.name, e.university))
            .collect(),
    };
    let prior_state = match a.prior_check.as_str() {
        application::PRIOR_VERIFIED => PriorEducation::Verified,
        application::PRIOR_MANUAL => PriorEducation::Pending,
        _ => PriorEducation::NotChecked,
    };
    let facts = CandidateFacts::load(&db, &c).await?;
    let view = reference::MajorView {
        major: m.clone(),
        university: university.name.clone(),
    };
    let audit = major_audit(state, &db, seen, &facts, &view, &[], prior_state).await?;
    let prior = (a.prior_check != application::PRIOR_NOT_NEEDED).then(|| PriorView {
        check: prior_check_label(&a.prior_check),
        message: a.prior_check_message.clone(),
        typed: application::needs_prior_section(a),
        name: a.prior_name.clone().unwrap_or_default(),
        id_card_no: a.prior_id_card_no.clone().unwrap_or_default(),
        cert_no: a.prior_cert_no.clone().unwrap_or_default(),
        school: a.prior_school.clone().unwrap_or_default(),
        graduation_date: a
            .prior_graduation_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
    });
    let (appraisal_count, appraisal_ok) = match a.self_appraisal.as_deref() {
        Some(t) => match domain::files::self_appraisal_length(t) {
            Ok(n) => (format!("共 {n} 字"), true),
            Err(e) => (e.0, false),
        },
        None => (String::new(), false),
    };
    let mut file_rows = application::files(&db, a.id).await?;
    let slot_rank = |code: &str| {
        FileSlot::ALL
            .iter()
            .position(|s| s.code() == code)
            .unwrap_or(usize::MAX)
    };
    file_rows.sort_by_key(|f| (slot_rank(&f.slot), f.id));
    let files = file_rows
        .iter()
        .map(|f| FileView {
            url: format!("/staff/reviews/{}/files/{}", a.id, f.id),
            slot: FileSlot::from_code(&f.slot)
                .map(|s| s.label())
                .unwrap_or("其它材料"),
            original_name: f.original_name.clone(),
            facts: file_facts(f.size_bytes, f.width, f.height),
        })
        .collect();
    let province_materials = province_materials(state, &db, a, &file_rows).await?;
    let mut org_names: HashMap<i64, String> = HashMap::new();
    let mut events = Vec::new();
    for e in application::events(&db, a.id).await? {
        let mut by = match (e.actor_kind.as_str(), e.org_id) {
            ("candidate", _) => "考生".to_owned(),
            ("staff", Some(org_id)) => match org_names.entry(org_id) {
                Entry::Occupied(e) => e.get().clone(),
                Entry::Vacant(e) => e
                    .insert(state.refs.org(&db, seen, org_id).await?.name.clone())
                    .clone(),
            },
            _ => "系统".to_owned(),
        };
        // A decision under a delegation names both reviewers, for the staff who read this page.
        if let (Some(from), Some(actor)) = (e.on_behalf_of, e.actor_id) {
            let db = &db;
            let name = |id| async move {
                store::repo::staff::get(db, id)
                    .await
                    .map(|s| s.display_name)
            };
            by = format!(
                "{by}（{} 受 {} 委托）",
                name(actor).await?,
                name(from).await?
            );
        }
        events.push(EventLine {
            at: util::beijing(e.at),
            stage: e.stage_name,
            by,
            action: event_action(&e.action),
            reason: e.reason.unwrap_or_default(),
        });
    }
    let here_now = a.current_org_id == Some(me.org.id) && a.status == Status::InReview.code();
    let at = a
        .stage
        .and_then(|s| usize::try_from(s).ok())
        .filter(|_| here_now)
        .map(|stage| DecisionFormView {
            stage,
            stage_name: stages
                .get(stage)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        });
    // Waiting here at a stage this account may not decide: said instead of a form it could
    // only be refused with.
    let (form, not_my_stage) = match at {
        Some(f) if !me.may_decide_stage(&f.stage_name) => (None, Some(f.stage_name)),
        other => (other, None),
    };
    // A candidate's request to be rejected for a wrongly chosen major preselects that reason.
    let mut input = input;
    if input.decision.is_empty() && a.wrong_major_requested_at.is_some() {
        input.decision = "reject".to_owned();
        input.reason_code = CommonReason::WrongMajor.code().to_owned();
    }
    let level = domain::Level::from_code(&m.level)
        .map(|l| l.label())
        .unwrap_or("");
    Ok(DetailView {
        layout: layout(me, "毕业申请审核"),
        id: a.id,
        reg,
        batch: batch.name.clone(),
        status: status_label(&a.status),
        current_stage: current_stage(a, &stages),
        not_my_stage,
        submitted_at: a.submitted_at.map(util::beijing).unwrap_or_default(),
        wrong_major_at: a.wrong_major_requested_at.map(util::beijing),
        rejection_reason: a.rejection_reason.clone(),
        major: format!("{} {}（{level}）", m.code, m.name),
        university: university.name.clone(),
        major_confirmed_at: a.major_confirmed_at.map(util::beijing).unwrap_or_default(),
        audit,
        prior,
        resume: application::resume_of(a),
        appraisal: a.self_appraisal.clone(),
        appraisal_count,
        appraisal_ok,
        statement: a.statement.clone(),
        files,
        events,
        form,
        reasons: reason_choices(&input.reason_code),
        input,
        reason_max: REASON_TEXT_MAX,
        error,
        province_materials,
        archived: store::graduation::archive::of(&db, a.id).await?.is_some(),
        appeals: crate::services::appeal::staff_views(
            state,
            me,
            domain::appeal::AppealKind::Graduation,
            a.id,
        )
        .await?,
    }
    .render()?)
}

/// The province-specific materials of the form, where the province's form has any.
async fn province_materials(
    state: &AppState,
    db: &store::reader::Reader,
    a: &app::Model,
    files: &[store::entity::application_file::Model],
) -> Result<Option<ProvinceMaterials>, AppError> {
    use domain::ExemptionMode;
    use store::graduation::materials;
    let needs = materials::needs_of(db, a).await?;
    let p = &needs.profile;
    if !(p.id_validity
        || p.exemption_forms
        || needs.practical_notice
        || p.certificate_photo
        || p.commitment_letter)
    {
        return Ok(None);
    }
    let id_valid = format!(
        "{}（须在 {} 之后）",
        a.id_valid_until.as_deref().unwrap_or("未填写"),
        needs
            .id_cutoff
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".to_owned())
    );
    let exemptions = needs
        .exemptions
        .iter()
        .map(|e| match e.mode {
            ExemptionMode::Online => format!(
                "{} {}：线上免考（{}），系统生成免考课程审核单",
                e.code, e.name, e.approved_on
            ),
            ExemptionMode::Offline => {
                let has = files.iter().any(|f| {
                    f.slot == FileSlot::ExemptionForm.code()
                        && f.course_code.as_deref() == Some(e.code.as_str())
                });
                format!(
                    "{} {}：线下免考（{}），免考课程登记表{}",
                    e.code,
                    e.name,
                    e.approved_on,
                    if has { "已上传" } else { "未上传" }
                )
            }
        })
        .collect();
    let seal_confirmed = match (a.seal_confirmed_at, a.seal_confirmed_org_id) {
        (Some(at), Some(org)) => Some(format!(
            "{} 于 {} 确认公章无误",
            orgs::get(db, org).await?.name,
            util::beijing(at)
        )),
        _ => None,
    };
    let mut photo_notes = Vec::new();
    if let Some(f) = files
        .iter()
        .find(|f| f.slot == FileSlot::CertificatePhoto.code())
    {
        // Fetched from the file store: no connection held meanwhile.
        db.release().await;
        let bytes = state
            .objects
            .get(&f.object_key)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let report = domain::files::check_certificate_photo("photo.jpg", &bytes);
        if report.is_compliant() {
            photo_notes.push(
                "照片规格检查通过（480×640 像素、300 dpi、24 位真彩色、20–40 KB）".to_owned(),
            );
        }
        photo_notes.extend(report.failures);
        photo_notes.extend(report.warnings.into_iter().map(|w| format!("提示：{w}")));
    }
    Ok(Some(ProvinceMaterials {
        id_validity: p.id_validity,
        exemption_forms: p.exemption_forms,
        certificate_photo: p.certificate_photo,
        practical_notice: needs.practical_notice,
        id_valid,
        exemptions,
        seal_needed: materials::seal_unconfirmed(a, files),
        seal_confirmed,
        photo_notes,
    }))
}

/// GET /staff/reviews/{id}: everything about one application the organisation may see.
pub async fn detail(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let a = visible_application(&state, &me, id).await?;
    Ok(Html(
        render_detail(&state, &me, &a, DecisionInput::default(), None).await?,
    ))
}

/// The decision form of the detail page.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    /// The stage the page showed.
    #[serde(default)]
    stage: String,
    /// Ticked when the reviewer confirmed the practical notice's seal.
    #[serde(default)]
    seal_confirmed: Option<String>,
    #[serde(flatten)]
    input: DecisionInput,
}

/// POST /staff/reviews/{id}/decide: 通过 or 驳回 of the stage the page showed. A refusal shows the
/// page again, as it is now, with the reason; nothing is changed.
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    let a = visible_application(&state, &me, id).await?;
    let refused = |status: StatusCode, html: String| Ok((status, Html(html)).into_response());
    let Ok(stage) = form.stage.trim().parse::<usize>() else {
        let html = render_detail(
            &state,
            &me,
            &a,
            form.input,
            Some("页面已失效，请刷新后再审核".to_owned()),
        )
        .await?;
        return refused(StatusCode::UNPROCESSABLE_ENTITY, html);
    };
    let decision = match form.input.decision() {
        Ok(d) => d,
        Err(m) => {
            let html = render_detail(&state, &me, &a, form.input, Some(m)).await?;
            return refused(StatusCode::UNPROCESSABLE_ENTITY, html);
        }
    };
    let done = match decision {
        Decision::Approve => "approved",
        Decision::Reject(_) => "rejected",
    };
    match decide_one(
        &state,
        &me,
        id,
        stage,
        decision,
        form.seal_confirmed.is_some(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/staff/reviews?done={done}")).into_response()),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_))) => {
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = match e {
                AppError::Invalid(list) => list
                    .into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join("；"),
                other => other.to_string(),
            };
            // Shown as it is now, after whatever the other reviewer did.
            let now = application::get(&state.db, id).await?;
            let html = render_detail(&state, &me, &now, form.input, Some(message)).await?;
            refused(status, html)
        }
        Err(e) => Err(e),
    }
}

/// GET /staff/reviews/{id}/files/{file_id}: one uploaded picture, only for an organisation that
/// may see the application and only if the file belongs to it. Never cached: it is personal data.
pub async fn file(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    me.require_read()?;
    let a = visible_application(&state, &me, id).await?;
    let Some(f) = application::files(&state.db, a.id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
    else {
        return Err(AppError::NotFound("未找到该文件".to_owned()));
    };
    let bytes = state
        .objects
        .get(&f.object_key)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("file {}: {e}", f.id)))?;
    // The type was established from the content at upload; anything not a picture is offered
    // as a download rather than rendered.
    let inline = matches!(
        f.content_type.as_str(),
        "image/jpeg" | "image/png" | "application/pdf"
    );
    let content_type = if inline {
        f.content_type.clone()
    } else {
        "application/octet-stream".to_owned()
    };
    let disposition = if inline { "inline" } else { "attachment" };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::CONTENT_DISPOSITION, disposition.to_owned()),
        ],
        bytes,
    )
        .into_response())
}

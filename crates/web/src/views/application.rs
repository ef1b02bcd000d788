//! 考籍办理 → 毕业申请: opening an application after the notice, the form whose sections are
//! saved one by one, uploads, 提交初审, 审核进度 and the 收件箱.
//!
//! Every handler loads the signed-in candidate's own application, so a candidate can never reach
//! another's; files are served only through the application they belong to.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::files::{check_jpeg, crop_signature, self_appraisal_length};
use domain::graduation::form::{
    FileSlot, MAX_OTHER_MATERIALS, PriorEducationInput, ResumeEntry, validate_prior_education,
    validate_resume, validate_statement,
};
use domain::review::{Stage, StageKind, Status, yuan};
use serde::Deserialize;
use store::entity::{application_file, graduation_application as app};
use store::graduation::application::{self as apps, NewApplication, NewFile, Section};
use store::repo::inbox::{self, Recipient};
use store::repo::{RepoError, reference};

use super::Layout;
use super::graduation::{audit_major, blocking_refusal};
use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentCandidate, SessionCtx};
use crate::upload::CheckedMultipart;
use crate::util::beijing;

/// Largest signature photo accepted before cropping: phone photos are large, and the crop
/// brings them under 50K.
const SIGNATURE_SOURCE_MAX: usize = 8 * 1024 * 1024;

/// Bytes read from an upload beyond which the rest is only counted, so the message can name
/// the real size without holding a large file in memory.
const READ_CAP: usize = SIGNATURE_SOURCE_MAX;

pub(crate) fn today(state: &AppState) -> chrono::NaiveDate {
    domain::calendar::beijing_date(state.now())
}

pub(crate) fn ip(ctx: &SessionCtx) -> Option<&str> {
    Some(ctx.ip.as_str())
}

/// The candidate's current application (the newest).
async fn current(state: &AppState, me: &CurrentCandidate) -> Result<Option<app::Model>, AppError> {
    Ok(apps::of_candidate(&state.db, me.model.id)
        .await?
        .into_iter()
        .next())
}

pub(crate) async fn require_current(
    state: &AppState,
    me: &CurrentCandidate,
) -> Result<app::Model, AppError> {
    current(state, me).await?.ok_or_else(|| {
        AppError::NotFound("你还没有毕业申请，请先在“毕业条件自查”中申请毕业".to_owned())
    })
}

#[derive(Deserialize)]
pub struct OpenForm {
    major_id: i64,
    batch_id: i64,
    #[serde(default)]
    acknowledged: Option<String>,
}

/// POST /candidate/application/open: 申请毕业 after reading the notice.
pub async fn open(
    State(state): State<AppState>,
    me: CurrentCandidate,
    axum::Form(form): axum::Form<OpenForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let refuse = |msg: String| AppError::Invalid(vec![(String::new(), msg)]);
    if form.acknowledged.is_none() {
        return Err(refuse(
            "请先阅读《毕业申请须知》并勾选“我已认真阅读并了解毕业申报条件及办理流程”".to_owned(),
        ));
    }
    let profile = super::candidate::ProfileView::of(&me.model);
    if !profile.missing.is_empty() {
        return Err(refuse(format!(
            "申请毕业前需要在“考生信息-修改信息”处完善个人信息：{}未填写",
            profile.missing.join("、")
        )));
    }
    let enrolled = reference::enrolled_majors(&state.db, me.model.id).await?;
    let Some(m) = enrolled.into_iter().find(|m| m.major.id == form.major_id) else {
        return Err(refuse(
            "所选专业不是你的在籍专业，请先在“考生信息-在籍专业”处新增".to_owned(),
        ));
    };
    let batch = apps::batch(&state.db, form.batch_id)
        .await
        .map_err(|_| refuse("所选批次不存在".to_owned()))?;
    let (audit, prior) = audit_major(&state, &me.model, &m.major, &[]).await?;
    if let Some(reason) = blocking_refusal(&audit, &prior, &me.model.province) {
        return Err(refuse(format!("暂不能申请毕业：{reason}")));
    }
    let opened = apps::open(
        &state.db,
        NewApplication {
            candidate: &me.model,
            batch: &batch,
            major: &m.major,
            prior_check: prior.code,
            prior_check_message: prior.message.clone(),
        },
        now,
        ip(&me.ctx),
    )
    .await;
    match opened {
        Ok(_) => Ok(Redirect::to("/candidate/application").into_response()),
        Err(RepoError::Conflict(_)) => Ok(Redirect::to("/candidate/application").into_response()),
        Err(RepoError::Invalid(msg)) => Err(refuse(msg)),
        Err(e) => Err(e.into()),
    }
}

/// One uploaded file as listed on the form.
pub struct FileView {
    /// Row id.
    pub id: i64,
    /// The name the candidate's device gave it.
    pub original_name: String,
    /// "37.2K".
    pub size: String,
    /// "640×480".
    pub dims: String,
}

impl FileView {
    pub(crate) fn of(f: &application_file::Model) -> Self {
        FileView {
            id: f.id,
            original_name: f.original_name.clone(),
            size: format!("{:.1}K", f.size_bytes as f64 / 1024.0),
            dims: match (f.width, f.height) {
                (Some(w), Some(h)) => format!("{w}×{h}"),
                _ => String::new(),
            },
        }
    }
}

/// One upload slot on the form.
pub struct SlotView {
    /// Slot code.
    pub code: &'static str,
    /// Label.
    pub label: &'static str,
    /// Required before 提交初审?
    pub required: bool,
    /// Files in it.
    pub files: Vec<FileView>,
}

/// A resume row as shown (saved or as typed).
pub struct ResumeRow {
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Unit.
    pub unit: String,
    /// Role.
    pub role: String,
}

/// A message attached to one section.
pub struct Notice {
    /// Which section (anchor).
    pub section: String,
    /// Error or confirmation.
    pub error: bool,
    /// The words.
    pub text: String,
}

#[derive(Template)]
#[template(path = "candidate/application.html")]
struct FormPage {
    layout: Layout,
    a: app::Model,
    status_label: &'static str,
    editable: bool,
    batch_name: String,
    window: String,
    major_title: String,
    university: String,
    announcement: String,
    majors: Vec<(i64, String, bool)>,
    needs_prior: bool,
    prior: PriorEducationInput,
    prior_message: String,
    resume: Vec<ResumeRow>,
    appraisal: String,
    appraisal_count: usize,
    statement: String,
    id_slots: Vec<SlotView>,
    prior_slots: Vec<SlotView>,
    signature: Option<FileView>,
    others: Vec<FileView>,
    others_max: usize,
    missing: Vec<String>,
    notice: Option<Notice>,
    stage_name: String,
    can_pay: bool,
    fee: String,
    can_request_wrong_major: bool,
    csrf: String,
    register: bool,
    scan_max: usize,
    scan_max_label: String,
    /// The province's own part of the form (its definition's materials and prior review).
    province_form: Option<super::materials::ProvinceForm>,
    /// Prior education goes through 学信网 authorisation or the manual review before submitting.
    prior_review: bool,
}

/// What the candidate typed into a section that failed, shown again so nothing is lost.
#[derive(Default)]
pub(crate) struct Draft {
    prior: Option<PriorEducationInput>,
    resume: Option<Vec<ResumeEntry>>,
    appraisal: Option<String>,
    statement: Option<String>,
}

fn slot_view(slot: FileSlot, required: bool, files: &[application_file::Model]) -> SlotView {
    SlotView {
        code: slot.code(),
        label: slot.label(),
        required,
        files: files
            .iter()
            .filter(|f| f.slot == slot.code())
            .map(FileView::of)
            .collect(),
    }
}

async fn render_form(
    state: &AppState,
    me: &CurrentCandidate,
    a: app::Model,
    notice: Option<Notice>,
    draft: Draft,
) -> Result<String, AppError> {
    let batch = apps::batch(&state.db, a.batch_id).await?;
    let pipeline = apps::stages(&state.db, a.batch_id).await?;
    let files = apps::files(&state.db, a.id).await?;
    let needs = store::graduation::materials::needs_of(&state.db, &a).await?;
    let province_form = super::materials::province_form(state, &a, &files, &needs).await?;
    let major = reference::major(&state.db, a.major_id).await?;
    let university = store::repo::org::get(&state.db, a.chief_university_id).await?;
    let enrolled = reference::enrolled_majors(&state.db, me.model.id).await?;
    let st = apps::state(&a);
    let stage: Option<&Stage> = st.stage.and_then(|i| pipeline.get(i));
    let fee = pipeline
        .iter()
        .find_map(|s| match s.kind {
            StageKind::Payment { amount_fen } => Some(yuan(amount_fen)),
            StageKind::Review(_) => None,
        })
        .unwrap_or_default();
    let resume_entries = draft.resume.unwrap_or_else(|| apps::resume_of(&a));
    let mut resume: Vec<ResumeRow> = resume_entries
        .into_iter()
        .map(|e| ResumeRow {
            from: e.from,
            to: e.to,
            unit: e.unit,
            role: e.role,
        })
        .collect();
    // Spare rows, as the paper form has.
    while resume.len() < 4 {
        resume.push(ResumeRow {
            from: String::new(),
            to: String::new(),
            unit: String::new(),
            role: String::new(),
        });
    }
    let prior = draft.prior.unwrap_or_else(|| PriorEducationInput {
        name: a
            .prior_name
            .clone()
            .unwrap_or_else(|| me.model.name.clone()),
        id_card_no: a
            .prior_id_card_no
            .clone()
            .unwrap_or_else(|| me.model.id_card_no.clone()),
        cert_no: a.prior_cert_no.clone().unwrap_or_default(),
        school: a.prior_school.clone().unwrap_or_default(),
        graduation_date: a
            .prior_graduation_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
    });
    let appraisal = draft
        .appraisal
        .unwrap_or_else(|| a.self_appraisal.clone().unwrap_or_default());
    let appraisal_count = appraisal
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .count();
    let page = FormPage {
        layout: Layout::candidate(
            "毕业申请",
            &me.model.name,
            &me.ctx,
            "/candidate/application",
        ),
        status_label: st.status.label(),
        editable: st.editable(),
        batch_name: batch.name.clone(),
        window: format!(
            "{} 至 {}",
            beijing(batch.opens_at),
            beijing(batch.closes_at)
        ),
        major_title: format!(
            "{} {}（{}）",
            major.code,
            major.name,
            domain::Level::from_code(&major.level)
                .map(|l| l.label())
                .unwrap_or("")
        ),
        university: university.name.clone(),
        announcement: university.announcement.clone(),
        majors: enrolled
            .iter()
            .map(|m| {
                (
                    m.major.id,
                    format!("{} {}（{}）", m.major.code, m.major.name, m.university),
                    m.major.id == a.major_id,
                )
            })
            .collect(),
        needs_prior: apps::needs_prior_section(&a),
        prior,
        prior_message: a.prior_check_message.clone().unwrap_or_default(),
        resume,
        appraisal,
        appraisal_count,
        statement: draft
            .statement
            .unwrap_or_else(|| a.statement.clone().unwrap_or_default()),
        id_slots: vec![
            slot_view(FileSlot::IdFront, true, &files),
            slot_view(FileSlot::IdBack, true, &files),
            slot_view(FileSlot::Photo, false, &files),
        ],
        prior_slots: vec![
            slot_view(FileSlot::PriorDiploma, true, &files),
            slot_view(FileSlot::PriorRegistration, true, &files),
            slot_view(FileSlot::PriorChangeProof, false, &files),
        ],
        signature: files
            .iter()
            .find(|f| f.slot == FileSlot::Signature.code())
            .map(FileView::of),
        others: files
            .iter()
            .filter(|f| f.slot == FileSlot::Other.code())
            .map(FileView::of)
            .collect(),
        others_max: MAX_OTHER_MATERIALS,
        missing: if st.editable() {
            apps::missing_sections(&a, &files, &needs)
        } else {
            Vec::new()
        },
        notice,
        stage_name: stage.map(|s| s.name.clone()).unwrap_or_default(),
        can_pay: st.status == Status::AwaitingPayment,
        fee,
        can_request_wrong_major: st.status == Status::InReview
            && st.stage == Some(0)
            && a.wrong_major_requested_at.is_none()
            && a.current_org_id == Some(a.chief_university_id),
        csrf: me.ctx.csrf(),
        register: needs.profile.register_sections,
        scan_max: needs.profile.scan_max_bytes,
        scan_max_label: format!(
            "{}K（{} 字节）",
            needs.profile.scan_max_bytes / 1024,
            grouped(needs.profile.scan_max_bytes)
        ),
        prior_review: needs.profile.prior_by_authorisation
            || needs.profile.prior_reviewed_before_submit,
        province_form,
        a,
    };
    Ok(page.render()?)
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn saved_label(section: &str) -> &'static str {
    match section {
        "major" => "专业及主考学校已确认",
        "prior" => "前置学历信息已保存",
        "resume" => "本人简历已保存",
        "appraisal" => "自我鉴定已保存",
        "statement" => "情况说明已保存",
        "files" => "图片已上传",
        "signature" => "签名已保存",
        "removed" => "图片已删除",
        "submitted" => "已提交初审，请等待主考学校审核",
        "wrong_major" => "已请求主考学校驳回，请等待处理",
        "id_validity" => "身份证有效期已保存",
        "photo" => "证书照片已保存",
        "photo_preview" => "已生成自动修正后的照片，请与原照片对比后选择是否采用",
        "photo_discarded" => "已放弃修正后的照片",
        "prior_submitted" => "前置学历已提交人工审核，请按提示到现场核验原件",
        "authorisation" => "已生成学信网授权二维码：请用学信网手机APP扫码授权",
        _ => "已保存",
    }
}

/// The section whose box shows the confirmation of a save (`?saved=`): several saves report in
/// the section they belong to.
fn shown_in(saved: &str) -> &str {
    match saved {
        "id_validity" => "materials",
        "photo_preview" | "photo_discarded" => "photo",
        "prior_submitted" | "authorisation" => "prior",
        other => other,
    }
}

/// GET /candidate/application
pub async fn form(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let Some(a) = current(&state, &me).await? else {
        return Ok(Redirect::to("/candidate/graduation#apply").into_response());
    };
    let notice = q.saved.map(|s| Notice {
        text: saved_label(&s).to_owned(),
        section: shown_in(&s).to_owned(),
        error: false,
    });
    Ok(Html(render_form(&state, &me, a, notice, Draft::default()).await?).into_response())
}

/// Renders the form again with an error at `section` and what was typed.
pub(crate) async fn refused(
    state: &AppState,
    me: &CurrentCandidate,
    a: app::Model,
    section: &str,
    msg: String,
    draft: Draft,
) -> Result<Response, AppError> {
    let notice = Some(Notice {
        section: section.to_owned(),
        error: true,
        text: msg,
    });
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Html(render_form(state, me, a, notice, draft).await?),
    )
        .into_response())
}

fn saved(section: &str) -> Response {
    Redirect::to(&format!("/candidate/application?saved={section}#{section}")).into_response()
}

/// Saves a section or re-renders with the refusal and the draft.
async fn save(
    state: &AppState,
    me: &CurrentCandidate,
    a: app::Model,
    anchor: &str,
    section: Result<Section, String>,
    draft: Draft,
) -> Result<Response, AppError> {
    let section = match section {
        Ok(s) => s,
        Err(msg) => return refused(state, me, a, anchor, msg, draft).await,
    };
    match apps::save_section(&state.db, &a, section, state.now(), ip(&me.ctx)).await {
        Ok(_) => Ok(saved(anchor)),
        Err(RepoError::Invalid(msg) | RepoError::Conflict(msg)) => {
            let fresh = apps::get(&state.db, a.id).await?;
            refused(state, me, fresh, anchor, msg, draft).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct MajorForm {
    major_id: i64,
}

/// POST /candidate/application/major
pub async fn save_major(
    State(state): State<AppState>,
    me: CurrentCandidate,
    axum::Form(f): axum::Form<MajorForm>,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let section = match reference::major(&state.db, f.major_id).await {
        Ok(m) => Ok(Section::Major(m)),
        Err(_) => Err("所选专业不存在".to_owned()),
    };
    save(&state, &me, a, "major", section, Draft::default()).await
}

#[derive(Deserialize)]
pub struct PriorForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_card_no: String,
    #[serde(default)]
    cert_no: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    graduation_date: String,
}

/// POST /candidate/application/prior-education
pub async fn save_prior(
    State(state): State<AppState>,
    me: CurrentCandidate,
    axum::Form(f): axum::Form<PriorForm>,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let input = PriorEducationInput {
        name: f.name,
        id_card_no: f.id_card_no,
        cert_no: f.cert_no,
        school: f.school,
        graduation_date: f.graduation_date,
    };
    let section = validate_prior_education(&input, today(&state))
        .map(Section::PriorEducation)
        .map_err(|e| e.0);
    let draft = Draft {
        prior: Some(input),
        ..Draft::default()
    };
    save(&state, &me, a, "prior", section, draft).await
}

#[derive(Deserialize, Default)]
struct ResumeForm {
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    unit: Vec<String>,
    #[serde(default)]
    role: Vec<String>,
}

/// POST /candidate/application/resume (rows as repeated fields).
pub async fn save_resume(
    State(state): State<AppState>,
    me: CurrentCandidate,
    body: String,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let f: ResumeForm = serde_html_form::from_str(&body).unwrap_or_default();
    let rows = f.from.len().max(f.to.len()).max(f.unit.len());
    let get = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let entries: Vec<ResumeEntry> = (0..rows)
        .map(|i| ResumeEntry {
            from: get(&f.from, i),
            to: get(&f.to, i),
            unit: get(&f.unit, i),
            role: get(&f.role, i),
        })
        .collect();
    let section = validate_resume(entries.clone(), today(&state))
        .map(Section::Resume)
        .map_err(|e| e.0);
    let draft = Draft {
        resume: Some(entries),
        ..Draft::default()
    };
    save(&state, &me, a, "resume", section, draft).await
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

/// POST /candidate/application/self-appraisal
pub async fn save_self_appraisal(
    State(state): State<AppState>,
    me: CurrentCandidate,
    axum::Form(f): axum::Form<TextForm>,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let text = f.text.trim().replace("\r\n", "\n");
    let section = self_appraisal_length(&text)
        .map(|_| Section::SelfAppraisal(text.clone()))
        .map_err(|e| e.0);
    let draft = Draft {
        appraisal: Some(f.text),
        ..Draft::default()
    };
    save(&state, &me, a, "appraisal", section, draft).await
}

/// POST /candidate/application/statement
pub async fn save_statement(
    State(state): State<AppState>,
    me: CurrentCandidate,
    axum::Form(f): axum::Form<TextForm>,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let section = validate_statement(&f.text)
        .map(Section::Statement)
        .map_err(|e| e.0);
    let draft = Draft {
        statement: Some(f.text),
        ..Draft::default()
    };
    save(&state, &me, a, "statement", section, draft).await
}

/// An upload read from a multipart field: at most `READ_CAP` bytes kept, the total counted.
pub(crate) struct Upload {
    pub(crate) bytes: Vec<u8>,
    pub(crate) total: usize,
    pub(crate) name: String,
}

async fn read_field(
    field: axum::extract::multipart::Field<'_>,
    cap: usize,
) -> Result<Upload, String> {
    let name = field.file_name().unwrap_or("").to_owned();
    let mut field = field;
    let mut bytes = Vec::new();
    let mut total = 0usize;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len();
                if bytes.len() < cap {
                    let room = cap - bytes.len();
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
            }
            Ok(None) => break,
            Err(e) => return Err(format!("文件上传中断：{e}")),
        }
    }
    Ok(Upload { bytes, total, name })
}

/// Fields of an upload form, with the CSRF token checked before any file is read.
#[derive(Default)]
pub(crate) struct UploadForm {
    pub(crate) fields: std::collections::HashMap<String, String>,
    pub(crate) file: Option<Upload>,
}

pub(crate) async fn read_upload(
    multipart: CheckedMultipart,
) -> Result<UploadForm, Result<AppError, String>> {
    read_upload_capped(multipart, READ_CAP).await
}

/// [`read_upload`], keeping at most `cap` bytes of the file (the total is still counted, so a
/// message can name the real size).
pub(crate) async fn read_upload_capped(
    CheckedMultipart(mut multipart): CheckedMultipart,
    cap: usize,
) -> Result<UploadForm, Result<AppError, String>> {
    let mut form = UploadForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(Err(format!("上传内容无法读取：{e}"))),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let up = read_field(field, cap).await.map_err(Err)?;
            if !up.name.is_empty() || up.total > 0 {
                form.file = Some(up);
            }
        } else {
            let v = field.text().await.unwrap_or_default();
            form.fields.insert(name, v);
        }
    }
    Ok(form)
}

/// Checks a picture against the JPEG rules, naming the real size when it is too large.
pub(crate) fn check_picture(up: &Upload, max: usize) -> Result<domain::files::CleanJpeg, String> {
    if up.total == 0 {
        return Err("请选择要上传的 .jpg 图片".to_owned());
    }
    if up.total > up.bytes.len() || up.total > max {
        // Only the size matters here; the rest was not kept.
        let probe = vec![0u8; max + 1];
        let msg = check_jpeg(&probe, max)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        return Err(msg.replace(&grouped(max + 1), &grouped(up.total)).replace(
            &format!("约 {:.1}K", (max + 1) as f64 / 1024.0),
            &format!("约 {:.1}K", up.total as f64 / 1024.0),
        ));
    }
    check_jpeg(&up.bytes, max).map_err(|e| e.0)
}

fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) async fn store_picture(
    state: &AppState,
    me: &CurrentCandidate,
    a: &app::Model,
    slot: FileSlot,
    clean: domain::files::CleanJpeg,
    original_name: &str,
    course_code: Option<&str>,
) -> Result<Result<(), String>, AppError> {
    let dims = (clean.width, clean.height);
    let stored = state
        .objects
        .put(&format!("applications/{}", a.id), "jpg", clean.bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let key = stored.key.clone();
    match apps::attach_file(
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
        ip(&me.ctx),
    )
    .await
    {
        Ok(_) => Ok(Ok(())),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            crate::services::files::discard(state, &key).await;
            Ok(Err(m))
        }
        Err(e) => {
            crate::services::files::discard(state, &key).await;
            Err(e.into())
        }
    }
}

/// POST /candidate/application/files (multipart: csrf_token, slot, file).
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentCandidate,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let form = match read_upload(multipart).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(msg)) => return refused(&state, &me, a, "files", msg, Draft::default()).await,
    };
    let slot = form
        .fields
        .get("slot")
        .and_then(|s| FileSlot::from_code(s.trim()))
        .filter(|s| {
            !matches!(
                s,
                FileSlot::Signature
                    | FileSlot::CertificatePhoto
                    | FileSlot::CertificatePhotoPreview
                    | FileSlot::CertificatePhotoOriginal
                    | FileSlot::PriorStampedCopy
            )
        });
    let Some(slot) = slot else {
        return refused(
            &state,
            &me,
            a,
            "files",
            "请选择图片类型".to_owned(),
            Draft::default(),
        )
        .await;
    };
    let anchor = match slot {
        FileSlot::IdFront | FileSlot::IdBack | FileSlot::Photo => "idcard",
        FileSlot::PriorDiploma | FileSlot::PriorRegistration | FileSlot::PriorChangeProof => {
            "prior"
        }
        FileSlot::Commitment | FileSlot::ExemptionForm | FileSlot::PracticalNotice => "materials",
        _ => "others",
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
        return refused(
            &state,
            &me,
            a,
            anchor,
            format!("本省毕业申请无需上传{}", slot.label()),
            Draft::default(),
        )
        .await;
    }
    // A registration form belongs to one offline exemption of the plan.
    let course_code = if slot == FileSlot::ExemptionForm {
        let code = form
            .fields
            .get("course_code")
            .map(|c| c.trim())
            .unwrap_or("");
        if !needs.offline().any(|e| e.code == code) {
            return refused(
                &state,
                &me,
                a,
                anchor,
                format!(
                    "课程“{code}”不是本专业考试计划中线下办理免考的课程，无需上传免考课程登记表"
                ),
                Draft::default(),
            )
            .await;
        }
        Some(code.to_owned())
    } else {
        None
    };
    let Some(up) = form.file else {
        return refused(
            &state,
            &me,
            a,
            anchor,
            format!("请选择要上传的{}图片（.jpg）", slot.label()),
            Draft::default(),
        )
        .await;
    };
    let clean = match check_picture(&up, needs.profile.scan_max_bytes) {
        Ok(c) => c,
        Err(msg) => {
            return refused(
                &state,
                &me,
                a,
                anchor,
                format!("{}：{msg}", slot.label()),
                Draft::default(),
            )
            .await;
        }
    };
    match store_picture(
        &state,
        &me,
        &a,
        slot,
        clean,
        &up.name,
        course_code.as_deref(),
    )
    .await?
    {
        Ok(()) => Ok(saved_at("files", anchor)),
        Err(msg) => refused(&state, &me, a, anchor, msg, Draft::default()).await,
    }
}

pub(crate) fn saved_at(what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/candidate/application?saved={what}#{anchor}")).into_response()
}

/// POST /candidate/application/signature (multipart: csrf_token, x, y, w, h, file). The browser
/// fills the box from the crop tool; without JavaScript the candidate types it, and an empty box
/// keeps the whole picture.
pub async fn upload_signature(
    State(state): State<AppState>,
    me: CurrentCandidate,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    let form = match read_upload(multipart).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(msg)) => return refused(&state, &me, a, "signature", msg, Draft::default()).await,
    };
    let Some(up) = form.file else {
        return refused(
            &state,
            &me,
            a,
            "signature",
            "请选择签名图片（.jpg）".to_owned(),
            Draft::default(),
        )
        .await;
    };
    if up.total > SIGNATURE_SOURCE_MAX || up.total > up.bytes.len() {
        return refused(
            &state,
            &me,
            a,
            "signature",
            format!(
                "签名照片大小为 {} 字节，超过上限 {} 字节（8M），请缩小后重新上传",
                grouped(up.total),
                grouped(SIGNATURE_SOURCE_MAX)
            ),
            Draft::default(),
        )
        .await;
    }
    let num = |k: &str| -> Result<Option<u32>, String> {
        match form
            .fields
            .get(k)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
        {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| Some(f.round() as u32))
                .ok_or_else(|| format!("截取框的数值“{v}”无效，应为不小于 0 的数字")),
        }
    };
    let boxed = (|| -> Result<Option<(u32, u32, u32, u32)>, String> {
        match (num("x")?, num("y")?, num("w")?, num("h")?) {
            (Some(x), Some(y), Some(w), Some(h)) => Ok(Some((x, y, w, h))),
            (None, None, None, None) => Ok(None),
            _ => Err("截取框需同时填写左、上、宽、高四个数值，或全部留空以使用整张图片".to_owned()),
        }
    })();
    let boxed = match boxed {
        Ok(b) => b,
        Err(msg) => return refused(&state, &me, a, "signature", msg, Draft::default()).await,
    };
    let bytes = up.bytes;
    let cropped = tokio::task::spawn_blocking(move || {
        let (x, y, w, h) = match boxed {
            Some(b) => b,
            None => {
                let h = domain::files::jpeg_header(&bytes)?;
                (0, 0, h.width, h.height)
            }
        };
        crop_signature(&bytes, x, y, w, h)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?;
    let clean = match cropped {
        Ok(c) => c,
        Err(e) => {
            return refused(
                &state,
                &me,
                a,
                "signature",
                format!("签名：{}", e.0),
                Draft::default(),
            )
            .await;
        }
    };
    match store_picture(&state, &me, &a, FileSlot::Signature, clean, &up.name, None).await? {
        Ok(()) => Ok(saved("signature")),
        Err(msg) => refused(&state, &me, a, "signature", msg, Draft::default()).await,
    }
}

/// POST /candidate/application/files/{id}/delete
pub async fn delete_file(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    match apps::remove_file(&state.db, &a, id, state.now(), ip(&me.ctx)).await {
        Ok(()) => Ok(saved("removed")),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            refused(&state, &me, a, "others", m, Draft::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /candidate/application/files/{id}: one of the candidate's own pictures.
pub async fn file(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    for a in apps::of_candidate(&state.db, me.model.id).await? {
        if let Some(f) = apps::files(&state.db, a.id)
            .await?
            .into_iter()
            .find(|f| f.id == id)
        {
            let bytes = state
                .objects
                .get(&f.object_key)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            return Ok((
                [
                    (header::CONTENT_TYPE, f.content_type.clone()),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                bytes,
            )
                .into_response());
        }
    }
    Err(AppError::NotFound("未找到该图片".to_owned()))
}

/// POST /candidate/application/submit: 提交初审.
pub async fn submit(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    match apps::submit(&state.db, &a, state.now(), ip(&me.ctx)).await {
        Ok(_) => Ok(saved("submitted")),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            refused(&state, &me, a, "submit", m, Draft::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /candidate/application/wrong-major: ask the chief university to reject.
pub async fn wrong_major(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    let a = require_current(&state, &me).await?;
    match apps::request_wrong_major_rejection(&state.db, &a, state.now(), ip(&me.ctx)).await {
        Ok(_) => Ok(saved("wrong_major")),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => {
            refused(&state, &me, a, "submit", m, Draft::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One stage on the progress page.
pub struct StageLine {
    /// Stage name.
    pub name: String,
    /// "待审核", "通过", "驳回", "已交费", "未开始".
    pub result: String,
    /// CSS class of the result.
    pub class: &'static str,
    /// When it was decided.
    pub at: String,
    /// Who decided.
    pub org: String,
    /// Rejection reason.
    pub reason: String,
}

/// One line of the history.
pub struct EventLine {
    /// When.
    pub at: String,
    /// Stage.
    pub stage: String,
    /// What happened.
    pub action: String,
    /// Who (organisation).
    pub org: String,
    /// Why.
    pub reason: String,
}

#[derive(Template)]
#[template(path = "candidate/progress.html")]
struct ProgressPage {
    layout: Layout,
    has_application: bool,
    status_label: String,
    batch_name: String,
    stages: Vec<StageLine>,
    history: Vec<EventLine>,
    pickup_from: String,
    /// The last stage's name, e.g. 市自考办审核 or 省招生考试院终审.
    final_stage: String,
    /// Whether the 毕业生电子档案 was filed.
    archived: bool,
    rejection: String,
    closed: bool,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "submitted" => "提交申请",
        "approved" => "审核通过",
        "rejected" => "驳回",
        "paid" => "交费成功",
        "closed" => "本次不予办理",
        "refund_queued" => "退费待办理",
        "refunded" => "已退费",
        "wrong_major_requested" => "请求主考学校驳回（专业误选）",
        _ => "其他",
    }
}

/// GET /candidate/application/progress: 审核进度.
pub async fn progress(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Html<String>, AppError> {
    let layout = Layout::candidate(
        "审核进度",
        &me.model.name,
        &me.ctx,
        "/candidate/application/progress",
    );
    let Some(a) = current(&state, &me).await? else {
        let page = ProgressPage {
            layout,
            has_application: false,
            status_label: String::new(),
            batch_name: String::new(),
            stages: Vec::new(),
            history: Vec::new(),
            pickup_from: String::new(),
            final_stage: String::new(),
            archived: false,
            rejection: String::new(),
            closed: false,
        };
        return Ok(Html(page.render()?));
    };
    let batch = apps::batch(&state.db, a.batch_id).await?;
    let pipeline = apps::stages(&state.db, a.batch_id).await?;
    let events = apps::events(&state.db, a.id).await?;
    let org_names: std::collections::HashMap<i64, String> = store::repo::org::all(&state.db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let org_name = |id: Option<i64>| {
        id.and_then(|i| org_names.get(&i).cloned())
            .unwrap_or_default()
    };
    // The current round starts at the last submission.
    let round_start = events
        .iter()
        .rposition(|e| e.action == "submitted")
        .unwrap_or(0);
    let round = &events[round_start..];
    let st = apps::state(&a);
    let stages = pipeline
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let decided = round.iter().rev().find(|e| {
                e.stage == i32::try_from(i).ok()
                    && matches!(e.action.as_str(), "approved" | "rejected" | "paid")
            });
            let (result, class) = match decided.map(|e| e.action.as_str()) {
                Some("approved") => ("通过".to_owned(), "pass"),
                Some("paid") => ("已交费".to_owned(), "pass"),
                Some("rejected") => ("驳回".to_owned(), "fail"),
                _ if st.stage == Some(i) && st.status == Status::InReview => {
                    ("审核中".to_owned(), "none")
                }
                _ if st.stage == Some(i) && st.status == Status::AwaitingPayment => {
                    ("待交费".to_owned(), "none")
                }
                _ if st.status == Status::Draft => ("未提交".to_owned(), "none"),
                _ => ("未开始".to_owned(), "none"),
            };
            StageLine {
                name: s.name.clone(),
                result,
                class,
                at: decided.map(|e| beijing(e.at)).unwrap_or_default(),
                org: decided
                    .map(|e| org_name(e.org_id))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| {
                        if s.is_payment() {
                            "网上交费".to_owned()
                        } else {
                            String::new()
                        }
                    }),
                reason: decided.and_then(|e| e.reason.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let history = events
        .iter()
        .rev()
        .map(|e| EventLine {
            at: beijing(e.at),
            stage: e.stage_name.clone(),
            action: action_label(&e.action).to_owned(),
            org: org_name(e.org_id),
            reason: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    let page = ProgressPage {
        layout,
        has_application: true,
        status_label: st.status.label().to_owned(),
        batch_name: batch.name,
        stages,
        history,
        pickup_from: a
            .pickup_from
            .map(|d| d.format("%Y年%m月%d日").to_string())
            .unwrap_or_default(),
        final_stage: pipeline.last().map(|s| s.name.clone()).unwrap_or_default(),
        archived: store::graduation::archive::of(&state.db, a.id)
            .await?
            .is_some(),
        rejection: if st.status == Status::Rejected {
            a.rejection_reason.clone().unwrap_or_default()
        } else {
            String::new()
        },
        closed: st.status == Status::Closed,
    };
    Ok(Html(page.render()?))
}

/// One inbox message as shown.
pub struct MessageLine {
    /// When.
    pub at: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Link.
    pub link: String,
    /// Not yet read.
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "candidate/inbox.html")]
struct InboxPage {
    layout: Layout,
    messages: Vec<MessageLine>,
    unread: u64,
}

/// GET /candidate/inbox: 收件箱.
pub async fn inbox_page(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Html<String>, AppError> {
    let to = Recipient::Candidate(me.model.id);
    let messages = inbox::list(&state.db, to, 100)
        .await?
        .into_iter()
        .map(|m| MessageLine {
            at: beijing(m.created_at),
            unread: m.read_at.is_none(),
            title: m.title,
            body: m.body,
            link: m.link.unwrap_or_default(),
        })
        .collect();
    let page = InboxPage {
        layout: Layout::candidate("收件箱", &me.model.name, &me.ctx, "/candidate/inbox"),
        unread: inbox::unread(&state.db, to).await?,
        messages,
    };
    Ok(Html(page.render()?))
}

/// POST /candidate/inbox/read: marks everything read.
pub async fn inbox_read(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    inbox::mark_all_read(&state.db, Recipient::Candidate(me.model.id), state.now()).await?;
    Ok(Redirect::to("/candidate/inbox").into_response())
}

//! 考籍办理 → 毕业申请: opening an application after the notice, the form whose sections are
//! saved one by one, uploads, 提交初审, 审核进度 and the 收件箱.
//!
//! Every handler loads the signed-in candidate's own application, so a candidate can never reach
//! another's; files are served only through the application they belong to.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::graduation::form::{FileSlot, MAX_OTHER_MATERIALS, PriorEducationInput, ResumeEntry};
use domain::review::{EventAction, Stage, StageKind, Status, yuan};
use serde::Deserialize;
use store::entity::{application_file, graduation_application as app};
use store::graduation::application::{self as apps};
use store::repo::inbox::{self, Recipient};

use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentCandidate, SessionCtx};
use crate::upload::{CheckedMultipart, grouped, read_upload};
use crate::util::beijing;
use crate::views::Layout;

pub(crate) fn ip(ctx: &SessionCtx) -> Option<&str> {
    Some(ctx.ip.as_str())
}

pub(crate) use crate::services::graduation::require_current;
use crate::services::graduation::{
    self as service, AttachInput, OpenInput, SectionInput, SignatureInput,
};

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
    let input = OpenInput {
        major_id: form.major_id,
        batch_id: form.batch_id,
        acknowledged: form.acknowledged.is_some(),
    };
    match service::open(&state, &me, input).await {
        // An application already open: the form shows it.
        Ok(_) | Err(AppError::Conflict(_)) => {
            Ok(Redirect::to("/candidate/application").into_response())
        }
        Err(e) => Err(e),
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
    province_form: Option<crate::views::graduation::materials::ProvinceForm>,
    /// Prior education goes through 学信网 authorisation or the manual review before submitting.
    prior_review: bool,
    /// Sections numbered so far: each shown section takes the next number as it is rendered, so
    /// a province's form without a part never skips one.
    steps: std::cell::Cell<usize>,
}

impl FormPage {
    /// The next section's number.
    fn step(&self) -> usize {
        self.steps.set(self.steps.get() + 1);
        self.steps.get()
    }
}

/// What the candidate typed into a section that failed, shown again so nothing is lost.
#[derive(Default)]
pub(crate) struct Draft {
    prior: Option<PriorEducationInput>,
    resume: Option<Vec<ResumeEntry>>,
    appraisal: Option<String>,
    statement: Option<String>,
    /// 身份证有效期 as typed.
    pub(crate) id_valid_until: Option<String>,
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
    db: &store::reader::Reader,
    me: &CurrentCandidate,
    a: app::Model,
    notice: Option<Notice>,
    draft: Draft,
) -> Result<String, AppError> {
    let seen = me.ctx.seen;
    let batch = state.refs.batch(db, seen, a.batch_id).await?;
    let pipeline = state.refs.stages(db, seen, a.batch_id).await?;
    let files = apps::files(db, a.id).await?;
    let major_entry = state.refs.major(db, seen, a.major_id).await?;
    let major = &major_entry.major;
    let plan = state.refs.plan(db, seen, major).await?;
    let needs = store::graduation::materials::needs_with_plan(db, &a, &batch, &plan).await?;
    // The province's form may fetch a photo from the file store: no connection held meanwhile.
    db.release().await;
    let mut province_form =
        crate::views::graduation::materials::province_form(state, &a, &files, &needs).await?;
    if let (Some(f), Some(typed)) = (province_form.as_mut(), draft.id_valid_until) {
        f.id_valid_until = typed;
    }
    let university = state.refs.org(db, seen, a.chief_university_id).await?;
    let enrolled = state.refs.enrolled_majors(db, seen, me.model.id).await?;
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
        announcement: state
            .refs
            .announcement(db, seen, batch.id, &university)
            .await?
            .to_string(),
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
        // Once the manual review approved it, the decision stands alone (`verified_note`): no
        // form, uploads or earlier 学信网 message under it.
        needs_prior: apps::needs_prior_section(&a)
            && !store::graduation::prior_review::prior_decided(&a),
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
        steps: std::cell::Cell::new(0),
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
    let db = me.ctx.reader(&state);
    let Some(a) = apps::of_candidate(&db, me.model.id)
        .await?
        .into_iter()
        .next()
    else {
        return Ok(Redirect::to("/candidate/graduation#apply").into_response());
    };
    let notice = q.saved.map(|s| Notice {
        text: saved_label(&s).to_owned(),
        section: shown_in(&s).to_owned(),
        error: false,
    });
    Ok(Html(render_form(&state, &db, &me, a, notice, Draft::default()).await?).into_response())
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
        Html(render_form(state, &me.ctx.reader(state), me, a, notice, draft).await?),
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
    anchor: &str,
    input: SectionInput,
    draft: Draft,
) -> Result<Response, AppError> {
    match service::save_section(state, me, input).await {
        Ok(_) => Ok(saved(anchor)),
        Err(e) => refuse(state, me, anchor, e, draft).await,
    }
}

/// Renders the form again with an operation's refusal at `anchor`; anything that is not a
/// refusal is answered with the error page.
pub(crate) async fn refuse(
    state: &AppState,
    me: &CurrentCandidate,
    anchor: &str,
    e: AppError,
    draft: Draft,
) -> Result<Response, AppError> {
    let Some(msg) = e.refusal() else {
        return Err(e);
    };
    let a = require_current(state, me).await?;
    refused(state, me, a, anchor, msg, draft).await
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
    let input = SectionInput::Major {
        major_id: f.major_id,
    };
    save(&state, &me, "major", input, Draft::default()).await
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
    let input = PriorEducationInput {
        name: f.name,
        id_card_no: f.id_card_no,
        cert_no: f.cert_no,
        school: f.school,
        graduation_date: f.graduation_date,
    };
    let draft = Draft {
        prior: Some(input.clone()),
        ..Draft::default()
    };
    save(
        &state,
        &me,
        "prior",
        SectionInput::PriorEducation(input),
        draft,
    )
    .await
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
    let draft = Draft {
        resume: Some(entries.clone()),
        ..Draft::default()
    };
    save(&state, &me, "resume", SectionInput::Resume(entries), draft).await
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
    let draft = Draft {
        appraisal: Some(f.text.clone()),
        ..Draft::default()
    };
    save(
        &state,
        &me,
        "appraisal",
        SectionInput::SelfAppraisal(f.text),
        draft,
    )
    .await
}

/// POST /candidate/application/statement
pub async fn save_statement(
    State(state): State<AppState>,
    me: CurrentCandidate,
    axum::Form(f): axum::Form<TextForm>,
) -> Result<Response, AppError> {
    let draft = Draft {
        statement: Some(f.text.clone()),
        ..Draft::default()
    };
    save(
        &state,
        &me,
        "statement",
        SectionInput::Statement(f.text),
        draft,
    )
    .await
}

/// POST /candidate/application/files (multipart: csrf_token, slot, file).
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentCandidate,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let form = match read_upload(multipart).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(msg)) => {
            return refuse(
                &state,
                &me,
                "files",
                AppError::refused("file", msg),
                Draft::default(),
            )
            .await;
        }
    };
    let slot = form
        .fields
        .get("slot")
        .and_then(|s| FileSlot::from_code(s.trim()));
    let anchor = match slot {
        None => "files",
        Some(FileSlot::IdFront | FileSlot::IdBack | FileSlot::Photo) => "idcard",
        Some(FileSlot::PriorDiploma | FileSlot::PriorRegistration | FileSlot::PriorChangeProof) => {
            "prior"
        }
        Some(FileSlot::Commitment | FileSlot::ExemptionForm | FileSlot::PracticalNotice) => {
            "materials"
        }
        Some(_) => "others",
    };
    let input = AttachInput {
        slot: form.fields.get("slot").cloned().unwrap_or_default(),
        course_code: form.fields.get("course_code").cloned(),
        file: form.file,
    };
    match service::attach(&state, &me, input).await {
        Ok(_) => Ok(saved_at("files", anchor)),
        Err(e) => refuse(&state, &me, anchor, e, Draft::default()).await,
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
    let mut form = match read_upload(multipart).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(msg)) => {
            return refuse(
                &state,
                &me,
                "signature",
                AppError::refused("file", msg),
                Draft::default(),
            )
            .await;
        }
    };
    let input = SignatureInput {
        x: form.fields.remove("x"),
        y: form.fields.remove("y"),
        w: form.fields.remove("w"),
        h: form.fields.remove("h"),
        file: form.file,
    };
    match service::attach_signature(&state, &me, input).await {
        Ok(_) => Ok(saved("signature")),
        Err(e) => refuse(&state, &me, "signature", e, Draft::default()).await,
    }
}

/// POST /candidate/application/files/{id}/delete
pub async fn delete_file(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match service::remove_file(&state, &me, id).await {
        Ok(()) => Ok(saved("removed")),
        Err(e) => refuse(&state, &me, "others", e, Draft::default()).await,
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
    match service::submit(&state, &me).await {
        Ok(_) => Ok(saved("submitted")),
        Err(e) => refuse(&state, &me, "submit", e, Draft::default()).await,
    }
}

/// POST /candidate/application/wrong-major: ask the chief university to reject.
pub async fn wrong_major(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    match service::request_wrong_major_rejection(&state, &me).await {
        Ok(_) => Ok(saved("wrong_major")),
        Err(e) => refuse(&state, &me, "submit", e, Draft::default()).await,
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
    /// Where an appeal against the final rejection stands, or may be filed.
    appeal: crate::services::appeal::AppealBox,
    /// Earlier applications whose final rejection may be or was appealed, newest first.
    earlier: Vec<EarlierApplication>,
}

/// An earlier application of the candidate, with where an appeal against its final rejection
/// stands.
pub struct EarlierApplication {
    /// 批次.
    pub batch: String,
    /// 申请状态.
    pub status: String,
    /// What the candidate may do, or did, about its final rejection.
    pub appeal: crate::services::appeal::AppealBox,
}

/// The candidate's applications before `current` that were or may be appealed.
async fn earlier_applications(
    state: &AppState,
    db: &store::reader::Reader,
    me: &CurrentCandidate,
    current: i64,
) -> Result<Vec<EarlierApplication>, AppError> {
    let mut out = Vec::new();
    for a in apps::of_candidate(db, me.model.id).await? {
        if a.id == current {
            continue;
        }
        let target = store::appeal::graduation_target(db, &a).await?;
        let list =
            store::appeal::of_subject(db, domain::appeal::AppealKind::Graduation, a.id).await?;
        let appeal = crate::services::appeal::appeal_box(target.as_ref(), &list, state.now());
        if appeal.is_empty() {
            continue;
        }
        out.push(EarlierApplication {
            batch: apps::batch(db, a.batch_id).await?.name,
            status: apps::state(&a).status.label().to_owned(),
            appeal,
        });
    }
    Ok(out)
}

fn action_label(action: &str) -> &'static str {
    EventAction::from_code(action).map_or("其他", |a| a.label())
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
    let db = me.ctx.reader(&state);
    let seen = me.ctx.seen;
    let Some(a) = apps::of_candidate(&db, me.model.id)
        .await?
        .into_iter()
        .next()
    else {
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
            appeal: crate::services::appeal::AppealBox::default(),
            earlier: Vec::new(),
        };
        return Ok(Html(page.render()?));
    };
    let batch = state.refs.batch(&db, seen, a.batch_id).await?;
    let pipeline = state.refs.stages(&db, seen, a.batch_id).await?;
    let events = apps::events(&db, a.id).await?;
    let appeals =
        store::appeal::of_subject(&db, domain::appeal::AppealKind::Graduation, a.id).await?;
    // Only the organisations the history names, from this instance's reference data.
    let mut org_names = std::collections::HashMap::new();
    for id in events
        .iter()
        .filter_map(|e| e.org_id)
        .chain(appeals.iter().map(|ap| ap.org_id))
    {
        if let std::collections::hash_map::Entry::Vacant(v) = org_names.entry(id) {
            v.insert(state.refs.org(&db, seen, id).await?.name.clone());
        }
    }
    let org_name = |id: Option<i64>| {
        id.and_then(|i| org_names.get(&i).cloned())
            .unwrap_or_default()
    };
    // The current round starts at the last submission.
    let round_start = events
        .iter()
        .rposition(|e| e.action == EventAction::Submitted.code())
        .unwrap_or(0);
    let round = &events[round_start..];
    let st = apps::state(&a);
    let stages = pipeline
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // A revoked final rejection leaves the stage to be decided again.
            let decided = round
                .iter()
                .rev()
                .find(|e| {
                    e.stage == i32::try_from(i).ok()
                        && EventAction::from_code(&e.action)
                            .is_some_and(|a| a.decides_stage() || a == EventAction::AppealRevoked)
                })
                .filter(|e| e.action != EventAction::AppealRevoked.code());
            // Where it stands now comes first: an appeal's 撤销 that found the fee paid back
            // returns it to a payment stage this round had already passed.
            let decided = decided.filter(|_| {
                st.stage != Some(i)
                    || !matches!(st.status, Status::InReview | Status::AwaitingPayment)
            });
            let (result, class) = match decided.and_then(|e| EventAction::from_code(&e.action)) {
                Some(EventAction::Approved) => ("通过".to_owned(), "pass"),
                Some(EventAction::Paid) => ("已交费".to_owned(), "pass"),
                Some(EventAction::Rejected) => ("驳回".to_owned(), "fail"),
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
    let mut lines: Vec<(chrono::DateTime<chrono::Utc>, EventLine)> = events
        .iter()
        .map(|e| {
            (
                e.at,
                EventLine {
                    at: beijing(e.at),
                    stage: e.stage_name.clone(),
                    action: action_label(&e.action).to_owned(),
                    org: org_name(e.org_id),
                    reason: e.reason.clone().unwrap_or_default(),
                },
            )
        })
        .collect();
    for ap in &appeals {
        lines.push((
            ap.filed_at,
            EventLine {
                at: beijing(ap.filed_at),
                stage: ap.stage_name.clone(),
                action: format!("提出申辩（申辩编号 {}）", ap.id),
                org: org_name(Some(ap.org_id)),
                reason: ap.statement.clone(),
            },
        ));
        // A revoked decision has its own line in the review history (退回重新审核).
        if let (Some(at), true) = (
            ap.outcome_at,
            ap.status == domain::appeal::AppealStatus::Upheld.code(),
        ) {
            lines.push((
                at,
                EventLine {
                    at: beijing(at),
                    stage: ap.stage_name.clone(),
                    action: format!(
                        "申辩处理结果：{}",
                        domain::appeal::AppealStatus::Upheld.label()
                    ),
                    org: org_name(Some(ap.org_id)),
                    reason: ap.outcome_reason.clone().unwrap_or_default(),
                },
            ));
        }
    }
    // Newest first; lines at one instant keep their order reversed with the rest.
    lines.reverse();
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    let history = lines.into_iter().map(|(_, l)| l).collect();
    let target = store::appeal::graduation_target(&db, &a).await?;
    let appeal = crate::services::appeal::appeal_box(target.as_ref(), &appeals, state.now());
    let page = ProgressPage {
        layout,
        has_application: true,
        status_label: st.status.label().to_owned(),
        batch_name: batch.name.clone(),
        stages,
        history,
        pickup_from: a
            .pickup_from
            .map(|d| d.format("%Y年%m月%d日").to_string())
            .unwrap_or_default(),
        final_stage: pipeline.last().map(|s| s.name.clone()).unwrap_or_default(),
        archived: store::graduation::archive::of(&db, a.id).await?.is_some(),
        rejection: if st.status == Status::Rejected {
            a.rejection_reason.clone().unwrap_or_default()
        } else {
            String::new()
        },
        closed: st.status == Status::Closed,
        appeal,
        earlier: earlier_applications(&state, &db, &me, a.id).await?,
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

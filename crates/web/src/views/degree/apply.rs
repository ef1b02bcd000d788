//! 学位申请 for continuing-education students (seed 002 step 2): the 学位审核条件 table, the
//! batch table with 申请状态 · 审核状态 · 审核意见 · 学位授予结果, the 学位申请表 template, and the
//! form of step 7 with its two uploads and 确认提交.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::degree::conditions::{Condition, refusal};
use domain::degree::files::DegreeSlot;
use domain::degree::form::{DegreeFormInput, DegreeKinds};
use domain::degree::language::{ForeignLanguage, Qualification};
use domain::degree::pinyin::name_pinyin;
use domain::degree::{DegreeAward, DegreeReview};
use serde::Deserialize;
use store::degree::application::{self as degree};
use store::entity::{batch, degree_application as app, student};
use store::repo::reference;

use crate::error::AppError;
use crate::services::degree::{self as service, conditions, current_batch, open_batch};
use crate::session::CurrentStudent;
use crate::upload::CheckedMultipart;
use crate::upload::read_upload_capped;
use crate::views::Layout;
use crate::{AppState, util};

/// Body limit of the upload route: the thesis limit and room for the form fields.
pub const UPLOAD_LIMIT: usize = domain::degree::files::THESIS_MAX_BYTES + 1024 * 1024;

/// One row of the batch table.
pub struct BatchRow {
    /// 批次名称.
    pub name: String,
    /// 申请时间.
    pub window: String,
    /// 申请状态: 未申请 / 已申请.
    pub applied: &'static str,
    /// 审核状态.
    pub review: String,
    /// 审核意见.
    pub opinion: String,
    /// 学位授予结果.
    pub award: String,
    /// 操作: the form may be opened (申请 / 修改).
    pub can_apply: bool,
    /// Whether there is an application to look at (详情).
    pub has_application: bool,
}

#[derive(Template)]
#[template(path = "student/degree.html")]
struct DegreePage {
    layout: Layout,
    batch_name: String,
    conditions: Vec<Condition>,
    refusal: Option<String>,
    rows: Vec<BatchRow>,
    in_window: bool,
    /// What the student may do about a 不授予.
    appeal: crate::services::appeal::AppealBox,
    /// 办理记录 of the application, with its appeals.
    history: Vec<crate::services::appeal::HistoryLine>,
    /// Applications of earlier batches whose 不授予 may be or was appealed.
    earlier: Vec<EarlierApplication>,
}

/// An application of an earlier batch, with where an appeal against its result stands.
pub struct EarlierApplication {
    /// 批次名称.
    pub batch: String,
    /// 学位授予结果.
    pub award: String,
    /// What the student may do, or did, about a 不授予.
    pub appeal: crate::services::appeal::AppealBox,
}

/// The student's applications of batches other than `current`, newest first, that were or may
/// be appealed.
async fn earlier_applications(
    state: &AppState,
    student_id: i64,
    current: i64,
) -> Result<Vec<EarlierApplication>, AppError> {
    let mut out = Vec::new();
    for a in degree::all_of_student(&state.db, student_id).await? {
        if a.batch_id == current {
            continue;
        }
        let target = store::appeal::degree_target(&state.db, &a).await?;
        let list =
            store::appeal::of_subject(&state.db, domain::appeal::AppealKind::DegreeAward, a.id)
                .await?;
        let appeal = crate::services::appeal::appeal_box(target.as_ref(), &list, state.now());
        if appeal.is_empty() {
            continue;
        }
        let batch = store::graduation::application::batch(&state.db, a.batch_id).await?;
        out.push(EarlierApplication {
            batch: batch.name,
            award: a
                .award
                .as_deref()
                .and_then(DegreeAward::from_code)
                .map(|x| x.label().to_owned())
                .unwrap_or_default(),
            appeal,
        });
    }
    Ok(out)
}

/// GET /student/degree: 学位审核条件 and 学位申请.
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Html<String>, AppError> {
    let layout = Layout::student("学位申请", &me.model.name, &me.ctx, "/student/degree");
    let Some(b) = current_batch(&state, &me.model).await? else {
        let page = DegreePage {
            layout,
            batch_name: String::new(),
            conditions: Vec::new(),
            refusal: None,
            rows: Vec::new(),
            in_window: false,
            appeal: Default::default(),
            history: Vec::new(),
            earlier: Vec::new(),
        };
        return Ok(Html(page.render()?));
    };
    let conds = conditions(&state, &me.model, &b).await?;
    let why = refusal(&conds);
    let now = state.now();
    let in_window = b.opens_at <= now && now < b.closes_at;
    let a = degree::of_student(&state.db, me.model.id, b.id).await?;
    let submitted = a.as_ref().is_some_and(|a| a.status == degree::SUBMITTED);
    let row = BatchRow {
        name: b.name.clone(),
        window: format!(
            "{} 至 {}",
            util::beijing(b.opens_at),
            util::beijing(b.closes_at)
        ),
        applied: if submitted { "已申请" } else { "未申请" },
        review: match &a {
            Some(a) => {
                let stages = store::degree::stages_of(&state.db, b.id).await?;
                degree::review_label(a, &stages).unwrap_or_default()
            }
            None => String::new(),
        },
        opinion: a
            .as_ref()
            .and_then(|a| a.review_opinion.clone())
            .unwrap_or_default(),
        award: a
            .as_ref()
            .and_then(|a| a.award.as_deref())
            .and_then(DegreeAward::from_code)
            .map(|x| x.label().to_owned())
            .unwrap_or_default(),
        can_apply: in_window && why.is_none() && a.as_ref().is_none_or(degree::editable),
        has_application: a.is_some(),
    };
    let (appeal, history) = match &a {
        Some(a) => appeal_and_history(&state, a).await?,
        None => Default::default(),
    };
    let page = DegreePage {
        layout,
        batch_name: b.name.clone(),
        conditions: conds,
        refusal: why,
        rows: vec![row],
        in_window,
        appeal,
        history,
        earlier: earlier_applications(&state, me.model.id, b.id).await?,
    };
    Ok(Html(page.render()?))
}

/// The appeal box and the 办理记录 of the student's application: its submission, its review,
/// its 学位授予结果 and every appeal against a 不授予 with its outcome.
async fn appeal_and_history(
    state: &AppState,
    a: &app::Model,
) -> Result<
    (
        crate::services::appeal::AppealBox,
        Vec<crate::services::appeal::HistoryLine>,
    ),
    AppError,
> {
    use crate::services::appeal::{appeal_box, appeal_lines, in_order};
    use domain::appeal::AppealKind;
    let target = store::appeal::degree_target(&state.db, a).await?;
    let list = store::appeal::of_subject(&state.db, AppealKind::DegreeAward, a.id).await?;
    // An appealed result is shown by its appeal's lines.
    let appealed = a
        .award_recorded_at
        .is_some_and(|at| list.iter().any(|l| l.decided_at == at));
    let mut lines = decision_lines(state, a, !appealed).await?;
    lines.extend(appeal_lines(&list));
    Ok((
        appeal_box(target.as_ref(), &list, state.now()),
        in_order(lines),
    ))
}

/// The application's own lines of its 办理记录: 确认提交, its latest review and (with `award`) its
/// 学位授予结果, each naming both reviewers when a colleague took it under a 工作委托.
pub(crate) async fn decision_lines(
    state: &AppState,
    a: &app::Model,
    award: bool,
) -> Result<Vec<crate::services::appeal::HistoryLine>, AppError> {
    use crate::services::appeal::HistoryLine;
    let mut lines = Vec::new();
    if let Some(at) = a.submitted_at {
        lines.push(HistoryLine::new(at, "确认提交", ""));
    }
    if let (Some(at), Some(r)) = (
        a.reviewed_at,
        a.review_status.as_deref().and_then(DegreeReview::from_code),
    ) && r != DegreeReview::Pending
    {
        let by = service::on_behalf_note(state, a.reviewed_by, a.reviewed_on_behalf_of).await?;
        lines.push(HistoryLine::new(
            at,
            format!("学校审核：{}{by}", r.label()),
            a.review_opinion.as_deref().unwrap_or(""),
        ));
    }
    if let (true, Some(at), Some(x)) = (
        award,
        a.award_recorded_at,
        a.award.as_deref().and_then(DegreeAward::from_code),
    ) {
        let by = service::on_behalf_note(state, a.award_recorded_by, a.award_on_behalf_of).await?;
        lines.push(HistoryLine::new(
            at,
            format!("学位授予结果：{}{by}", x.label()),
            "",
        ));
    }
    Ok(lines)
}

/// GET /student/degree/template.xlsx (下载学位申请表模版): prefilled from the record.
pub async fn template(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Response, AppError> {
    let s = &me.model;
    let b = current_batch(&state, s)
        .await?
        .ok_or_else(|| AppError::NotFound("学校尚未设置学位申请批次".to_owned()))?;
    let conds = conditions(&state, s, &b).await?;
    let major = reference::major(&state.db, s.major_id).await?;
    let school = store::repo::org::get(&state.db, s.school_org_id).await?;
    let data = printout::DegreeFormData {
        school: school.name,
        batch: b.name.clone(),
        name: s.name.clone(),
        name_pinyin: name_pinyin(&s.name),
        gender: domain::Gender::from_code(&s.gender)
            .map(|g| g.label().to_owned())
            .unwrap_or_default(),
        birth_date: s.birth_date.to_string(),
        ethnicity: s.ethnicity.clone(),
        political_status: s.political_status.clone(),
        id_card_no: s.id_card_no.clone(),
        student_no: s.student_no.clone(),
        exam_reg_no: s.exam_reg_no.clone(),
        entry_month: s.entry_month.clone().unwrap_or_default(),
        major: major.name,
        level: s.study_level.clone(),
        conditions: conds.into_iter().map(|c| (c.rule, c.current)).collect(),
    };
    let bytes = printout::degree_form_template(&data).map_err(|e| AppError::Internal(e.into()))?;
    let file_name = format!("{}{}学位申请表.xlsx", s.student_no, s.name);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"degree-form.xlsx\"; filename*=UTF-8''{}",
                    percent(&file_name)
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// RFC 5987 encoding of a file name for `filename*`.
pub(crate) fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The form's typed values as shown again.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FormFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_pinyin: String,
    #[serde(default)]
    id_card_no: String,
    #[serde(default)]
    entry_month: String,
    #[serde(default)]
    graduation_month: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    second_degree: String,
    #[serde(default)]
    major_minor: String,
    #[serde(default)]
    minor: String,
    #[serde(default)]
    double_bachelor: String,
    #[serde(default)]
    joint: String,
    #[serde(default)]
    joint_unit: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    qq: String,
    #[serde(default)]
    wechat: String,
    #[serde(default)]
    other: String,
    #[serde(default)]
    thesis_title: String,
}

fn yes(v: &str) -> bool {
    v == "是"
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_owned()
}

impl FormFields {
    fn input(&self) -> DegreeFormInput {
        DegreeFormInput {
            name: self.name.clone(),
            name_pinyin: self.name_pinyin.clone(),
            id_card_no: self.id_card_no.clone(),
            entry_month: self.entry_month.clone(),
            graduation_month: self.graduation_month.clone(),
            country: self.country.clone(),
            kinds: DegreeKinds {
                second_degree: yes(&self.second_degree),
                major_minor: yes(&self.major_minor),
                minor: yes(&self.minor),
                double_bachelor: yes(&self.double_bachelor),
                joint: yes(&self.joint),
            },
            joint_unit: self.joint_unit.clone(),
            email: self.email.clone(),
            qq: self.qq.clone(),
            wechat: self.wechat.clone(),
            other: self.other.clone(),
            thesis_title: self.thesis_title.clone(),
        }
    }

    fn of_application(a: &app::Model) -> Self {
        FormFields {
            name: a.name.clone(),
            name_pinyin: a.name_pinyin.clone(),
            id_card_no: a.id_card_no.clone(),
            entry_month: a.entry_month.clone(),
            graduation_month: a.graduation_month.clone(),
            country: a.country.clone(),
            second_degree: yes_no(a.second_degree),
            major_minor: yes_no(a.major_minor),
            minor: yes_no(a.minor),
            double_bachelor: yes_no(a.double_bachelor),
            joint: yes_no(a.joint_degree),
            joint_unit: a.joint_unit.clone(),
            email: a.email.clone(),
            qq: a.qq.clone(),
            wechat: a.wechat.clone(),
            other: a.other_info.clone(),
            thesis_title: a.thesis_title.clone(),
        }
    }

    fn of_student(s: &student::Model) -> Self {
        FormFields {
            name: s.name.clone(),
            name_pinyin: name_pinyin(&s.name),
            id_card_no: s.id_card_no.clone(),
            entry_month: s.entry_month.clone().unwrap_or_default(),
            country: "中国".to_owned(),
            second_degree: yes_no(false),
            major_minor: yes_no(false),
            minor: yes_no(false),
            double_bachelor: yes_no(false),
            joint: yes_no(false),
            ..Default::default()
        }
    }
}

/// An upload as listed on the form.
pub struct FileLine {
    /// Id for the download link.
    pub id: i64,
    /// The name it is offered back under.
    pub name: String,
    /// Size, e.g. "1.2M".
    pub size: String,
}

#[derive(Template)]
#[template(path = "student/degree_form.html")]
struct FormPage {
    layout: Layout,
    batch_name: String,
    student_no: String,
    /// 考生号 of the student record, as the downloaded 学位申请表 carries it.
    exam_reg_no: String,
    /// 语种 of the student's 学位外语 results recognised 合格, as shown.
    languages: Vec<String>,
    major: String,
    gender: String,
    birth_date: String,
    ethnicity: String,
    political_status: String,
    f: FormFields,
    errors: Vec<(String, String)>,
    message: Option<String>,
    editable: bool,
    has_application: bool,
    thesis: Option<FileLine>,
    form_file: Option<FileLine>,
    missing: Vec<String>,
    status: String,
}

impl FormPage {
    /// The message for `field`, if it was refused.
    fn error_of(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// 语种 as the seed shows it (“语种: English”), in the form's own words first: “英语（English）”.
fn language_shown(l: ForeignLanguage) -> String {
    let english = match l {
        ForeignLanguage::English => "English",
        ForeignLanguage::Russian => "Russian",
    };
    format!("{}（{english}）", l.label())
}

/// The languages of the student's 学位外语 recognitions found 合格, oldest first, each once.
async fn qualified_languages(state: &AppState, student_id: i64) -> Result<Vec<String>, AppError> {
    let mut shown = Vec::new();
    let apps = store::degree::language::of_student(&state.db, student_id).await?;
    for a in apps.iter().rev() {
        if a.qualification.as_deref() != Some(Qualification::Qualified.code()) {
            continue;
        }
        let Some(l) = ForeignLanguage::from_code(&a.language) else {
            continue;
        };
        let l = language_shown(l);
        if !shown.contains(&l) {
            shown.push(l);
        }
    }
    Ok(shown)
}

fn size(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1}M", n as f64 / 1024.0 / 1024.0)
    } else {
        format!("{:.1}K", n as f64 / 1024.0)
    }
}

async fn render_form(
    state: &AppState,
    me: &CurrentStudent,
    b: &batch::Model,
    typed: Option<FormFields>,
    errors: Vec<(String, String)>,
    message: Option<String>,
) -> Result<String, AppError> {
    let s = &me.model;
    let a = degree::of_student(&state.db, s.id, b.id).await?;
    let files = match &a {
        Some(a) => degree::files(&state.db, a.id).await?,
        None => Vec::new(),
    };
    let line = |slot: DegreeSlot| {
        files
            .iter()
            .find(|f| f.slot == slot.code())
            .map(|f| FileLine {
                id: f.id,
                name: f.file_name.clone(),
                size: size(f.size_bytes),
            })
    };
    let major = reference::major(&state.db, s.major_id).await?;
    let f = typed.unwrap_or_else(|| match &a {
        Some(a) => FormFields::of_application(a),
        None => FormFields::of_student(s),
    });
    let missing = match &a {
        Some(a) => degree::missing(a, &files),
        None => vec!["学位申请信息（请填写并保存）".to_owned()],
    };
    let page = FormPage {
        layout: Layout::student("学位申请", &s.name, &me.ctx, "/student/degree"),
        batch_name: b.name.clone(),
        student_no: s.student_no.clone(),
        exam_reg_no: s.exam_reg_no.clone(),
        languages: qualified_languages(state, s.id).await?,
        major: major.name,
        gender: domain::Gender::from_code(&s.gender)
            .map(|g| g.label().to_owned())
            .unwrap_or_default(),
        birth_date: s.birth_date.to_string(),
        ethnicity: s.ethnicity.clone(),
        political_status: s.political_status.clone(),
        f,
        errors,
        message,
        editable: a.as_ref().is_none_or(degree::editable),
        has_application: a.is_some(),
        thesis: line(DegreeSlot::Thesis),
        form_file: line(DegreeSlot::Form),
        missing,
        status: match &a {
            Some(a) if a.status == degree::SUBMITTED => {
                let stages = store::degree::stages_of(&state.db, b.id).await?;
                degree::review_label(a, &stages)
                    .map(|r| format!("已申请，{r}"))
                    .unwrap_or_else(|| "已申请".to_owned())
            }
            Some(_) => "未提交（已保存）".to_owned(),
            None => "未申请".to_owned(),
        },
    };
    Ok(page.render()?)
}

/// `?saved=` after a save.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn saved_message(what: &str) -> Option<String> {
    Some(
        match what {
            "form" => "学位申请信息已保存",
            "thesis" => "毕业论文定稿已上传",
            "application_form" => "学位申请表已上传",
            "submitted" => "学位申请已确认提交，请等待学校审核",
            _ => return None,
        }
        .to_owned(),
    )
}

/// GET /student/degree/apply: the form of step 7, refused while a condition fails.
pub async fn form(
    State(state): State<AppState>,
    me: CurrentStudent,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let b = open_batch(&state, &me).await?;
    if degree::of_student(&state.db, me.model.id, b.id)
        .await?
        .is_none()
    {
        let conds = conditions(&state, &me.model, &b).await?;
        if let Some(why) = refusal(&conds) {
            return Err(AppError::Invalid(vec![(String::new(), why)]));
        }
    }
    let message = q.saved.as_deref().and_then(saved_message);
    Ok(Html(render_form(&state, &me, &b, None, Vec::new(), message).await?).into_response())
}

fn refused_page(html: String) -> Response {
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
}

fn general(m: String) -> Vec<(String, String)> {
    vec![(String::new(), m)]
}

/// POST /student/degree/apply: saves the form; refusals re-render it with what was typed.
pub async fn save(
    State(state): State<AppState>,
    me: CurrentStudent,
    axum::Form(f): axum::Form<FormFields>,
) -> Result<Response, AppError> {
    let b = open_batch(&state, &me).await?;
    let errors = match service::save(&state, &me, &b, f.input()).await {
        Ok(_) => return Ok(Redirect::to("/student/degree/apply?saved=form").into_response()),
        Err(AppError::Invalid(list)) => list,
        Err(AppError::Conflict(m)) => general(m),
        Err(e) => return Err(e),
    };
    let html = render_form(&state, &me, &b, Some(f), errors, None).await?;
    Ok(refused_page(html))
}

/// POST /student/degree/upload (multipart: csrf_token, slot, file).
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentStudent,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let b = open_batch(&state, &me).await?;
    let attached = match read_upload_capped(multipart, service::UPLOAD_CAP).await {
        Ok(mut form) => {
            let slot = form.fields.remove("slot").unwrap_or_default();
            service::attach(&state, &me, &b, &slot, form.file).await
        }
        Err(Ok(e)) => Err(e),
        Err(Err(m)) => Err(AppError::refused("file", m)),
    };
    match attached {
        Ok(f) => {
            let what = match DegreeSlot::from_code(&f.slot) {
                Some(DegreeSlot::Thesis) => "thesis",
                _ => "application_form",
            };
            Ok(Redirect::to(&format!("/student/degree/apply?saved={what}")).into_response())
        }
        Err(e) => match e.refusal() {
            Some(m) => {
                let html = render_form(&state, &me, &b, None, general(m), None).await?;
                Ok(refused_page(html))
            }
            None => Err(e),
        },
    }
}

/// POST /student/degree/submit (确认提交).
pub async fn submit(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Response, AppError> {
    let b = open_batch(&state, &me).await?;
    match service::submit(&state, &me, &b).await {
        Ok(_) => Ok(Redirect::to("/student/degree/apply?saved=submitted").into_response()),
        Err(e) => match e.refusal() {
            Some(m) => {
                let html = render_form(&state, &me, &b, None, general(m), None).await?;
                Ok(refused_page(html))
            }
            None => Err(e),
        },
    }
}

/// A stored degree upload, served under the name it is offered back as.
pub(crate) async fn serve_file(
    state: &AppState,
    f: &store::entity::degree_file::Model,
) -> Result<Response, AppError> {
    let bytes = state
        .objects
        .get(&f.object_key)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"degree-file\"; filename*=UTF-8''{}",
                    percent(&f.file_name)
                ),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// GET /student/degree/files/{id}: the student's own uploads only.
pub async fn own_file(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound("未找到该文件".to_owned());
    let f = degree::file(&state.db, id).await?.ok_or_else(not_found)?;
    let a = degree::get(&state.db, f.application_id)
        .await
        .map_err(|_| not_found())?;
    if a.student_id != me.model.id {
        return Err(not_found());
    }
    serve_file(&state, &f).await
}

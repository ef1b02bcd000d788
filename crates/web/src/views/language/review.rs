//! 学位外语 (seed 002, step 1), the school's side: the queue of a language batch with masked ID
//! numbers, the detail with the proof files, decisions one by one or in bulk after the window has
//! closed, and the school admin's 学位条件设置. Only organisations of the continuing-education
//! school kind review here; applications of another school's batches are "not found".

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::degree::language::{ExamKind, LanguageStatus, Qualification};
use domain::degree::stages as stage_names;
use domain::degree::threshold_display;
use serde::Deserialize;
use store::degree::language::{self as language, Decision, OPINION_MAX};
use store::entity::batch;
use store::keyset::PageAt;
use store::repo::RepoError;

use crate::error::AppError;
use crate::services::language::{self as service, is_school, require_school};
use crate::services::school;
use crate::session::{CurrentAdmin, CurrentStaff};
use crate::views::Layout;
use crate::views::accounts::staff::who;
use crate::views::language::apply::{Detail, detail_of, file_response, reviewed_line};
use crate::{AppState, util};

/// One application in the queue.
pub struct QueueLine {
    /// Id.
    pub id: i64,
    /// 学号.
    pub student_no: String,
    /// 姓名.
    pub name: String,
    /// 身份证号, masked.
    pub id_card_masked: String,
    /// Exam and level.
    pub exam: String,
    /// 考试成绩.
    pub score: String,
    /// Average when applying.
    pub average: String,
    /// 申请时间.
    pub created_at: String,
    /// 审核状态.
    pub status: String,
    /// Status code.
    pub status_code: String,
    /// 合格状态.
    pub qualification: String,
    /// Still pending.
    pub pending: bool,
}

#[derive(Template)]
#[template(path = "staff/language_queue.html")]
struct QueuePage {
    layout: Layout,
    remit: Option<String>,
    batches: Vec<(i64, String, bool)>,
    batch: Option<BatchInfo>,
    status: String,
    lines: Vec<QueueLine>,
    /// Applications the filter shows, on every page.
    total: u64,
    prev: Option<String>,
    next: Option<String>,
    /// 导出 of what the filter shows.
    export: String,
    message: Option<String>,
    errors: Vec<String>,
    opinion_max: usize,
}

/// The batch shown.
pub struct BatchInfo {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Window.
    pub window: String,
    /// Threshold as text.
    pub threshold: String,
    /// Whether reviewing is open (the window has closed).
    pub reviewable: bool,
}

/// `?batch=&status=&done=` and the page's cursor (`after` / `before`).
#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    batch: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    done: Option<usize>,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

/// The status filter: `None` for 全部 (but the withdrawn); unknown codes mean 待审核.
fn status_filter(code: &str) -> Option<LanguageStatus> {
    match code {
        "all" => None,
        other => Some(LanguageStatus::from_code(other).unwrap_or(LanguageStatus::Pending)),
    }
}

/// The filters as link parameters.
fn filter_pairs(batch: i64, status: &str) -> [(&'static str, String); 2] {
    [("batch", batch.to_string()), ("status", status.to_owned())]
}

fn layout(me: &CurrentStaff, title: &str) -> Layout {
    Layout::staff(title, who(me), &me.ctx, "/staff/language", &me.roles)
}

fn exam_label(code: &str, level: Option<&str>) -> String {
    let kind = ExamKind::from_code(code).map_or(code, |k| k.label());
    match level {
        Some(l) => format!("{kind}（{l}）"),
        None => kind.to_owned(),
    }
}

async fn render_queue(
    state: &AppState,
    me: &CurrentStaff,
    q: &QueueQuery,
    message: Option<String>,
    errors: Vec<String>,
) -> Result<String, AppError> {
    let mut page = QueuePage {
        layout: layout(me, "学位外语审核"),
        remit: None,
        batches: Vec::new(),
        batch: None,
        status: q.status.clone().unwrap_or_else(|| "pending".to_owned()),
        lines: Vec::new(),
        total: 0,
        prev: None,
        next: None,
        export: String::new(),
        message,
        errors,
        opinion_max: OPINION_MAX,
    };
    if !is_school(me) {
        page.remit =
            Some("学位外语成绩认定由学生所在的继续教育学院审核，本机构无需处理。".to_owned());
        return Ok(page.render()?);
    }
    let batches = language::batches_of(&state.db, me.org.id).await?;
    let chosen: Option<&batch::Model> = match q.batch {
        Some(id) => batches.iter().find(|b| b.id == id),
        None => batches.first(),
    };
    page.batches = batches
        .iter()
        .map(|b| (b.id, b.name.clone(), chosen.is_some_and(|c| c.id == b.id)))
        .collect();
    let Some(b) = chosen else {
        return Ok(page.render()?);
    };
    let status = status_filter(&page.status);
    let stages = store::degree::stages_of(&state.db, b.id).await?;
    let at = PageAt::from_query(&q.after, &q.before);
    let found = language::queue(&state.db, b, status, at, crate::paging::PER_PAGE).await?;
    page.total = language::queue_count(&state.db, b, status).await?;
    let pairs = filter_pairs(b.id, &page.status);
    (page.prev, page.next) =
        crate::paging::links("/staff/language", &pairs, found.prev, found.next);
    page.export = crate::paging::link("/staff/language/export.xlsx", &pairs, PageAt::First);
    page.lines = found
        .rows
        .into_iter()
        .map(|(a, s)| queue_line(a, s, &stages))
        .collect();
    page.batch = Some(BatchInfo {
        id: b.id,
        name: b.name.clone(),
        window: language::window_label(b),
        threshold: threshold_display(language::threshold_of(b)),
        reviewable: state.now() >= b.closes_at,
    });
    Ok(page.render()?)
}

/// One application as the queue (and its export) shows it, the ID number masked.
fn queue_line(
    a: store::entity::language_application::Model,
    s: store::entity::student::Model,
    stages: &[domain::review::Stage],
) -> QueueLine {
    QueueLine {
        id: a.id,
        student_no: s.student_no,
        name: s.name,
        id_card_masked: util::mask_id(&s.id_card_no),
        exam: exam_label(&a.exam_kind, a.exam_level.as_deref()),
        score: a.score.clone(),
        average: format!(
            "{}.{:02}",
            a.average_hundredths / 100,
            a.average_hundredths % 100
        ),
        created_at: util::beijing(a.created_at),
        status: language::status_label(&a, stages),
        pending: a.status == LanguageStatus::Pending.code(),
        status_code: a.status,
        qualification: a
            .qualification
            .as_deref()
            .and_then(Qualification::from_code)
            .map(|q| q.label().to_owned())
            .unwrap_or_default(),
    }
}

/// GET /staff/language/export.xlsx (导出): the queue of one batch under the same status filter,
/// every page of it, with the list's columns (the ID number masked as in the list).
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require_read()?;
    require_school(&me)?;
    let batches = language::batches_of(&state.db, me.org.id).await?;
    let chosen = match q.batch {
        Some(id) => batches.iter().find(|b| b.id == id),
        None => batches.first(),
    };
    let Some(b) = chosen else {
        return Err(AppError::NotFound("本机构没有该学位外语批次。".to_owned()));
    };
    let status = status_filter(q.status.as_deref().unwrap_or("pending"));
    let stages = store::degree::stages_of(&state.db, b.id).await?;
    let mut x = XlsxExport::new(
        "学位外语审核",
        &[
            "学号",
            "姓名",
            "身份证号",
            "考试",
            "考试成绩",
            "平均成绩",
            "申请时间",
            "审核状态",
            "合格状态",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut at = PageAt::First;
    loop {
        let page = language::queue(&snapshot, b, status, at, crate::export::CHUNK).await?;
        for (a, s) in page.rows {
            let l = queue_line(a, s, &stages);
            x.push(&[
                Cell::Text(&l.student_no),
                Cell::Text(&l.name),
                Cell::Text(&l.id_card_masked),
                Cell::Text(&l.exam),
                Cell::Text(&l.score),
                Cell::Text(&l.average),
                Cell::Text(&l.created_at),
                Cell::Text(&l.status),
                Cell::Text(&l.qualification),
            ])?;
        }
        match page.next {
            Some(c) => at = PageAt::After(c),
            None => break,
        }
    }
    let name = format!(
        "学位外语审核-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

/// GET /staff/language (学位外语审核)
pub async fn queue(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let message = q
        .done
        .map(|n| format!("已审核 {n} 份申请，学生已收到收件箱消息。"));
    Ok(Html(
        render_queue(&state, &me, &q, message, Vec::new()).await?,
    ))
}

/// The decision fields shared by the single and bulk forms.
#[derive(Deserialize, Default, Clone)]
pub struct DecisionFields {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    qualification: String,
    #[serde(default)]
    opinion: String,
}

impl DecisionFields {
    fn decision(&self) -> Result<Decision, String> {
        let approve = match self.decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err("请选择审核通过或审核不通过".to_owned()),
        };
        let qualification = Qualification::from_code(&self.qualification)
            .ok_or_else(|| "请选择合格状态：合格或不合格".to_owned())?;
        Ok(Decision {
            approve,
            opinion: self.opinion.clone(),
            qualification,
        })
    }
}

/// The bulk form: repeated `pick`.
#[derive(Deserialize, Default)]
struct BulkForm {
    #[serde(default)]
    pick: Vec<i64>,
    #[serde(default)]
    batch: Option<i64>,
    #[serde(flatten)]
    fields: DecisionFields,
}

/// POST /staff/language/bulk: one decision for every ticked application, each on its own.
pub async fn bulk(
    State(state): State<AppState>,
    me: CurrentStaff,
    RawForm(raw): RawForm,
) -> Result<Response, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    require_school(&me)?;
    let form: BulkForm = serde_html_form::from_bytes(&raw)
        .map_err(|_| AppError::Invalid(vec![(String::new(), "表单内容无效".to_owned())]))?;
    let q = QueueQuery {
        batch: form.batch,
        status: Some("pending".to_owned()),
        ..Default::default()
    };
    let refuse = |m: String| async {
        let html = render_queue(&state, &me, &q, None, vec![m]).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let decision = match form.fields.decision() {
        Ok(d) => d,
        Err(m) => return refuse(m).await,
    };
    match service::review_many(&state, &me, &form.pick, &decision).await {
        Ok(out) if out.refused.is_empty() => Ok(Redirect::to(&format!(
            "/staff/language?batch={}&done={}",
            form.batch.unwrap_or_default(),
            out.done.len()
        ))
        .into_response()),
        Ok(out) => {
            let errors = out
                .refused
                .iter()
                .map(|(id, m)| format!("申请 {id}：{m}"))
                .collect();
            let message = Some(format!("已审核 {} 份申请。", out.done.len()));
            let html = render_queue(&state, &me, &q, message, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => match e.refusal() {
            Some(m) => refuse(m).await,
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "staff/language_detail.html")]
struct DetailPage {
    layout: Layout,
    d: Detail,
    student: Vec<(&'static str, String)>,
    version: i32,
    pending: bool,
    reviewable: bool,
    closes: String,
    error: Option<String>,
    input: DecisionFields,
    opinion_max: usize,
    /// The stage the reviewer decides, shown when the batch has several.
    stage: Option<String>,
    /// Whether passing this stage approves it, so the 合格状态 chosen is recorded.
    last_stage: bool,
    /// Appeals against a 不合格 of the application, with their outcomes.
    appeal_history: Vec<crate::services::appeal::HistoryLine>,
    /// The same appeals in full (申辩 section), newest first.
    appeals: Vec<crate::services::appeal::StaffAppealView>,
}

async fn render_detail(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    error: Option<String>,
    input: DecisionFields,
) -> Result<String, AppError> {
    require_school(me)?;
    let (a, b) = match language::get_for_school(&state.db, me.org.id, id).await {
        Ok(v) => v,
        Err(RepoError::NotFound) => {
            return Err(AppError::NotFound(
                "该学位外语申请不存在，或不属于本机构的批次".to_owned(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let s = store::repo::student::get(&state.db, a.student_id).await?;
    let major = store::repo::reference::major(&state.db, s.major_id).await?;
    let files = language::files_of(&state.db, a.id).await?;
    let stages = store::degree::stages_of(&state.db, b.id).await?;
    let at = language::state(&a).stage.unwrap_or(0);
    let mut d = detail_of(&a, &b.name, &stages, &files);
    d.reviewed = reviewed_line(state, &a).await?;
    Ok(DetailPage {
        stage: (stages.len() > 1)
            .then(|| stages.get(at).map(|st| st.name.clone()))
            .flatten(),
        last_stage: at + 1 >= stages.len(),
        layout: layout(me, "学位外语审核详情"),
        student: vec![
            ("学号", s.student_no.clone()),
            ("姓名", s.name.clone()),
            ("身份证号", util::mask_id(&s.id_card_no)),
            ("层次", s.study_level.clone()),
            ("专业", major.name),
            ("年级", s.grade.clone()),
        ],
        version: a.version,
        pending: a.status == LanguageStatus::Pending.code(),
        reviewable: state.now() >= b.closes_at,
        closes: util::beijing(b.closes_at),
        error,
        input,
        opinion_max: OPINION_MAX,
        appeal_history: crate::services::appeal::history(
            state,
            domain::appeal::AppealKind::Language,
            a.id,
        )
        .await?,
        appeals: crate::services::appeal::staff_views(
            state,
            me,
            domain::appeal::AppealKind::Language,
            a.id,
        )
        .await?,
        d,
    }
    .render()?)
}

/// GET /staff/language/{id}
pub async fn detail(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let input = DecisionFields {
        decision: "approve".to_owned(),
        qualification: Qualification::Qualified.code().to_owned(),
        opinion: String::new(),
    };
    Ok(Html(render_detail(&state, &me, id, None, input).await?))
}

/// The single decision form.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    version: Option<i32>,
    #[serde(flatten)]
    fields: DecisionFields,
}

/// POST /staff/language/{id}/decide
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    require_school(&me)?;
    let decided = match f.fields.decision() {
        Ok(d) => service::review(&state, &me, id, f.version, &d).await,
        Err(m) => Err(AppError::refused("decision", m)),
    };
    match decided {
        Ok(a) => Ok(
            Redirect::to(&format!("/staff/language?batch={}&done=1", a.batch_id)).into_response(),
        ),
        Err(e) => {
            let Some(m) = e.refusal() else {
                return Err(e);
            };
            let html = render_detail(&state, &me, id, Some(m), f.fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

/// GET /staff/language/{id}/files/{file_id}: the school whose batch it is only.
pub async fn file(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    me.require_read()?;
    let found = match language::get_for_school(&state.db, me.org.id, id).await {
        Ok((a, _)) => language::file_of(&state.db, a.id, file_id).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(f) => file_response(&state, &f).await,
        Err(RepoError::NotFound) => {
            tracing::warn!(
                staff = me.staff.id,
                application = id,
                "request denied: language file of another school"
            );
            Err(AppError::NotFound("未找到该文件".to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/degree_rules.html")]
struct RulesPage {
    layout: Layout,
    r: school::Rules,
    max_stages: usize,
    name_max: usize,
    errors: Vec<String>,
    saved: bool,
}

/// The rules form.
#[derive(Deserialize, Default)]
pub struct RulesForm {
    #[serde(default)]
    language_min_average: String,
    #[serde(default)]
    degree_min_average: String,
    #[serde(default)]
    degree_min_core: String,
    /// Absent (a form from before the stage lists) keeps the school's current list.
    #[serde(default)]
    language_stages: Option<String>,
    #[serde(default)]
    degree_stages: Option<String>,
}

/// `?saved=1`.
#[derive(Deserialize, Default)]
pub struct SavedFlag {
    #[serde(default)]
    saved: Option<String>,
}

fn rules_layout(me: &CurrentAdmin) -> Layout {
    Layout::staff(
        "学位条件设置",
        who(&me.0),
        &me.0.ctx,
        "/staff/degree-rules",
        &me.0.roles,
    )
}

fn rules_page_of(
    me: &CurrentAdmin,
    r: school::Rules,
    errors: Vec<String>,
    saved: bool,
) -> RulesPage {
    RulesPage {
        layout: rules_layout(me),
        r,
        max_stages: stage_names::MAX_STAGES,
        name_max: stage_names::NAME_MAX,
        errors,
        saved,
    }
}

/// GET /staff/degree-rules (学位条件设置)
pub async fn rules_page(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Query(q): Query<SavedFlag>,
) -> Result<Html<String>, AppError> {
    let r = school::rules(&state, &me.0).await?;
    Ok(Html(
        rules_page_of(&me, r, Vec::new(), q.saved.is_some()).render()?,
    ))
}

/// POST /staff/degree-rules
pub async fn rules_save(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Form(f): Form<RulesForm>,
) -> Result<Response, AppError> {
    let current = school::rules(&state, &me.0).await?;
    let typed = school::Rules {
        language_min_average: f.language_min_average,
        degree_min_average: f.degree_min_average,
        degree_min_core: f.degree_min_core,
        language_stages: f.language_stages.unwrap_or(current.language_stages),
        degree_stages: f.degree_stages.unwrap_or(current.degree_stages),
    };
    match school::save_rules(&state, &me.0, &typed).await {
        Ok(()) => Ok(Redirect::to("/staff/degree-rules?saved=1").into_response()),
        Err(AppError::Invalid(list)) => {
            let errors = list.into_iter().map(|(_, m)| m).collect();
            let html = rules_page_of(&me, typed, errors, false).render()?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

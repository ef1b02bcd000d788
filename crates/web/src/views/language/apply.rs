//! 学位外语 (seed 002, step 1), the student's side: the table of the school's language batches
//! with the seed's columns, the 申请 form with proof files, 撤销申请, 详情, the files (served
//! only to their owner and the school), and the student's 收件箱.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::degree::language::{
    ExamKind, ForeignLanguage, KINDS_NOTICE, LanguageInput, LanguageStatus, Qualification,
};
use domain::files::{PROOF_MAX_BYTES, PROOF_MAX_FILES};
use serde::Deserialize;
use store::degree::language::{self as language};
use store::entity::{batch, language_application as app, language_file};
use store::repo::RepoError;
use store::repo::inbox::{self, Recipient};

use crate::error::AppError;
use crate::services::language::{self as service, Row, own_batch, rows};
use crate::session::CurrentStudent;
use crate::upload::{CheckedMultipart, read_many};
use crate::views::Layout;
use crate::{AppState, util};

/// Bytes kept of one uploaded file: one more than the limit, so an oversized file is known as
/// such while only its size is counted beyond that.
const KEEP: usize = PROOF_MAX_BYTES + 1;

#[derive(Template)]
#[template(path = "student/language.html")]
struct TablePage {
    layout: Layout,
    current: String,
    /// Each batch's row, with where an appeal against its application's 不合格 stands.
    rows: Vec<(Row, crate::services::appeal::AppealBox)>,
    message: Option<String>,
    error: Option<String>,
}

/// `?done=` after a change.
#[derive(Deserialize, Default)]
pub struct DoneFlag {
    #[serde(default)]
    done: Option<String>,
}

async fn render_table(
    state: &AppState,
    me: &CurrentStudent,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let now = state.now();
    let mut boxed = Vec::new();
    for r in rows(state, me).await? {
        let appeal = match r.app_id {
            Some(id) => {
                let a = language::get_for_student(&state.db, me.model.id, id).await?;
                let target = store::appeal::language_target(&state.db, &a).await?;
                let list =
                    store::appeal::of_subject(&state.db, domain::appeal::AppealKind::Language, id)
                        .await?;
                crate::services::appeal::appeal_box(target.as_ref(), &list, now)
            }
            None => Default::default(),
        };
        boxed.push((r, appeal));
    }
    let current = language::batches_of(&state.db, me.model.school_org_id)
        .await?
        .into_iter()
        .find(|b| language::window_open(b, now))
        .map(|b| b.name)
        .unwrap_or_default();
    Ok(TablePage {
        layout: Layout::student("学位外语", &me.model.name, &me.ctx, "/student/language"),
        current,
        rows: boxed,
        message,
        error,
    }
    .render()?)
}

/// GET /student/language (学位外语)
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStudent,
    Query(q): Query<DoneFlag>,
) -> Result<Html<String>, AppError> {
    let message = q.done.as_deref().map(|d| match d {
        "applied" => {
            "学位外语申请已提交，进入待审核状态。申请时间截止后会更新审核状态。".to_owned()
        }
        _ => "申请已撤销。申请时间内可重新申请。".to_owned(),
    });
    Ok(Html(render_table(&state, &me, message, None).await?))
}

/// An option of a dropdown.
pub struct Choice {
    /// Submitted value.
    pub value: &'static str,
    /// Shown label.
    pub label: &'static str,
}

/// An exam with its levels, for the form.
pub struct KindChoice {
    /// Code.
    pub value: &'static str,
    /// Label.
    pub label: &'static str,
    /// Which of the four kinds.
    pub kind_no: u8,
    /// Levels, "、"-joined ("" when none).
    pub levels: String,
    /// Score rule.
    pub score_rule: &'static str,
}

#[derive(Template)]
#[template(path = "student/language_form.html")]
struct FormPage {
    layout: Layout,
    batch_id: i64,
    batch_name: String,
    window: String,
    header: Vec<(&'static str, String)>,
    refusal: Option<String>,
    form: LanguageInput,
    errors: Vec<String>,
    kinds: Vec<KindChoice>,
    levels: Vec<(&'static str, &'static str)>,
    languages: Vec<Choice>,
    notice: [&'static str; 4],
    max_files: usize,
}

async fn header_of(
    state: &AppState,
    me: &CurrentStudent,
) -> Result<Vec<(&'static str, String)>, AppError> {
    let m = &me.model;
    let major = store::repo::reference::major(&state.db, m.major_id).await?;
    Ok(vec![
        ("层次", m.study_level.clone()),
        ("专业", major.name),
        ("年级", m.grade.clone()),
        ("学籍状态", m.enrolment_status.clone()),
        ("学习中心", m.learning_centre.clone()),
        ("身份证号", util::mask_id(&m.id_card_no)),
        ("手机号", util::mask_phone(m.phone.as_deref())),
    ])
}

fn default_form() -> LanguageInput {
    LanguageInput {
        subject: domain::degree::language::LanguageSubject::ForeignLanguage
            .label()
            .to_owned(),
        certificate_type: domain::degree::language::CertificateType::OtherLanguage
            .label()
            .to_owned(),
        language: ForeignLanguage::English.code().to_owned(),
        score_status: Qualification::Qualified.label().to_owned(),
        ..LanguageInput::default()
    }
}

async fn render_form(
    state: &AppState,
    me: &CurrentStudent,
    b: &batch::Model,
    refusal: Option<String>,
    form: LanguageInput,
    errors: Vec<String>,
) -> Result<String, AppError> {
    Ok(FormPage {
        layout: Layout::student("学位外语申请", &me.model.name, &me.ctx, "/student/language"),
        batch_id: b.id,
        batch_name: b.name.clone(),
        window: language::window_label(b),
        header: header_of(state, me).await?,
        refusal,
        form,
        errors,
        kinds: ExamKind::ALL
            .iter()
            .map(|k| KindChoice {
                value: k.code(),
                label: k.label(),
                kind_no: k.kind_no(),
                levels: k.levels().join("、"),
                score_rule: k.score_rule(),
            })
            .collect(),
        levels: ExamKind::ALL
            .iter()
            .flat_map(|k| k.levels().iter().map(move |l| (k.label(), *l)))
            .collect(),
        languages: ForeignLanguage::ALL
            .iter()
            .map(|l| Choice {
                value: l.code(),
                label: l.label(),
            })
            .collect(),
        notice: KINDS_NOTICE,
        max_files: PROOF_MAX_FILES,
    }
    .render()?)
}

/// GET /student/language/{batch_id}/apply: the form, or why it is not open to the student.
pub async fn form(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path(batch_id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let b = own_batch(&state, &me, batch_id).await?;
    let refusal = match language::check_can_apply(&state.db, &me.model, b.id, state.now()).await {
        Ok(_) => None,
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => Some(m),
        Err(e) => return Err(e.into()),
    };
    Ok(Html(
        render_form(&state, &me, &b, refusal, default_form(), Vec::new()).await?,
    ))
}

/// POST /student/language/{batch_id}/apply (multipart: csrf_token first, the fields, up to five
/// `files`). Every rule is checked before any file is stored; on a refusal nothing changes and the
/// form comes back with what was typed.
pub async fn submit(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path(batch_id): Path<i64>,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let b = own_batch(&state, &me, batch_id).await?;
    let (fields, uploads) = match read_many(multipart, "files", KEEP).await {
        Ok(v) => v,
        Err(Ok(e)) => return Err(e),
        Err(Err(m)) => {
            let html = render_form(&state, &me, &b, None, default_form(), vec![m]).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let input = LanguageInput {
        subject: field("subject"),
        certificate_type: field("certificate_type"),
        exam_kind: field("exam_kind"),
        exam_level: field("exam_level"),
        language: field("language"),
        obtained_on: field("obtained_on"),
        transcript_no: field("transcript_no"),
        score: field("score"),
        score_status: field("score_status"),
    };
    let errors = match service::apply(&state, &me, &b, input.clone(), uploads).await {
        Ok(_) => return Ok(Redirect::to("/student/language?done=applied").into_response()),
        Err(AppError::Invalid(list)) => list.into_iter().map(|(_, m)| m).collect(),
        Err(AppError::Conflict(m)) => vec![m],
        Err(e) => return Err(e),
    };
    let html = render_form(&state, &me, &b, None, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// POST /student/language/applications/{id}/withdraw (撤销申请)
pub async fn withdraw(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match service::withdraw(&state, &me, id).await {
        Ok(()) => Ok(Redirect::to("/student/language?done=withdrawn").into_response()),
        Err(e) => match e.refusal() {
            Some(m) => {
                let html = render_table(&state, &me, None, Some(m)).await?;
                Ok((StatusCode::CONFLICT, Html(html)).into_response())
            }
            None => Err(e),
        },
    }
}

/// An application as 详情 shows it, to the student or to the school.
pub struct Detail {
    /// Id.
    pub id: i64,
    /// Batch name.
    pub batch: String,
    /// (label, value) lines of the form.
    pub lines: Vec<(&'static str, String)>,
    /// 审核状态.
    pub status: String,
    /// Status code.
    pub status_code: String,
    /// 审核意见.
    pub opinion: String,
    /// 合格状态.
    pub qualification: String,
    /// Files: (id, original name, size label).
    pub files: Vec<(i64, String, String)>,
    /// When it was last reviewed, naming both reviewers when a colleague decided under a
    /// 工作委托 ([`reviewed_line`]); empty before any review.
    pub reviewed: String,
}

/// [`Detail::reviewed`] of an application: the time of its latest review in Beijing time, with
/// "（受托人 受 委托人 委托）" when a colleague took it standing in for a reviewer away.
pub(crate) async fn reviewed_line(state: &AppState, a: &app::Model) -> Result<String, AppError> {
    let Some(at) = a.reviewed_at else {
        return Ok(String::new());
    };
    let by = crate::services::degree::on_behalf_note(state, a.reviewed_by, a.reviewed_on_behalf_of)
        .await?;
    Ok(format!("{}{by}", util::beijing(at)))
}

/// Builds the 详情 of an application.
pub fn detail_of(
    a: &app::Model,
    batch: &str,
    stages: &[domain::review::Stage],
    files: &[language_file::Model],
) -> Detail {
    let kind = ExamKind::from_code(&a.exam_kind);
    let label = |code: &str, f: fn(&str) -> Option<&'static str>| {
        f(code).map_or_else(|| code.to_owned(), str::to_owned)
    };
    Detail {
        id: a.id,
        batch: batch.to_owned(),
        lines: vec![
            (
                "科目",
                label(&a.subject, |c| {
                    domain::degree::language::LanguageSubject::from_code(c).map(|v| v.label())
                }),
            ),
            (
                "申请证书类型",
                label(&a.certificate_type, |c| {
                    domain::degree::language::CertificateType::from_code(c).map(|v| v.label())
                }),
            ),
            (
                "考试类别",
                kind.map_or_else(|| a.exam_kind.clone(), |k| k.label().to_owned()),
            ),
            (
                "级别",
                a.exam_level.clone().unwrap_or_else(|| "—".to_owned()),
            ),
            (
                "语种",
                label(&a.language, |c| {
                    ForeignLanguage::from_code(c).map(|v| v.label())
                }),
            ),
            ("证书获取日期", a.obtained_on.to_string()),
            ("成绩单编号", a.transcript_no.clone()),
            ("考试成绩", a.score.clone()),
            (
                "成绩状态",
                label(&a.score_status, |c| {
                    Qualification::from_code(c).map(|v| v.label())
                }),
            ),
            (
                "申请时平均成绩",
                format!(
                    "{}.{:02}",
                    a.average_hundredths / 100,
                    a.average_hundredths % 100
                ),
            ),
            ("申请时间", util::beijing(a.created_at)),
        ],
        status: language::status_label(a, stages),
        status_code: a.status.clone(),
        opinion: a.review_opinion.clone().unwrap_or_default(),
        qualification: a
            .qualification
            .as_deref()
            .and_then(Qualification::from_code)
            .map(|q| q.label().to_owned())
            .unwrap_or_default(),
        files: files
            .iter()
            .map(|f| {
                (
                    f.id,
                    f.original_name.clone(),
                    format!("{:.1}K", f.size_bytes as f64 / 1024.0),
                )
            })
            .collect(),
        reviewed: String::new(),
    }
}

#[derive(Template)]
#[template(path = "student/language_detail.html")]
struct DetailPage {
    layout: Layout,
    d: Detail,
    can_withdraw: bool,
    /// What the student may do about a 不合格.
    appeal: crate::services::appeal::AppealBox,
    /// Appeals against a 不合格 of the application, with their outcomes.
    appeal_history: Vec<crate::services::appeal::HistoryLine>,
}

fn not_found() -> AppError {
    AppError::NotFound("未找到该学位外语申请".to_owned())
}

/// GET /student/language/applications/{id} (详情): the student's own application only.
pub async fn detail(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let a = match language::get_for_student(&state.db, me.model.id, id).await {
        Ok(a) => a,
        Err(RepoError::NotFound) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let b = language::batch_of_school(&state.db, me.model.school_org_id, a.batch_id).await?;
    let files = language::files_of(&state.db, a.id).await?;
    let appeals =
        store::appeal::of_subject(&state.db, domain::appeal::AppealKind::Language, a.id).await?;
    let target = store::appeal::language_target(&state.db, &a).await?;
    let mut d = detail_of(
        &a,
        &b.name,
        &store::degree::stages_of(&state.db, b.id).await?,
        &files,
    );
    d.reviewed = reviewed_line(&state, &a).await?;
    Ok(Html(
        DetailPage {
            layout: Layout::student("学位外语详情", &me.model.name, &me.ctx, "/student/language"),
            can_withdraw: a.status == LanguageStatus::Pending.code(),
            appeal: crate::services::appeal::appeal_box(target.as_ref(), &appeals, state.now()),
            appeal_history: crate::services::appeal::in_order(
                crate::services::appeal::appeal_lines(&appeals),
            ),
            d,
        }
        .render()?,
    ))
}

/// Serves a stored proof file; a sandbox policy keeps a PDF from running anything even if a
/// reader would.
pub async fn file_response(
    state: &AppState,
    f: &language_file::Model,
) -> Result<Response, AppError> {
    let bytes = state
        .objects
        .get(&f.object_key)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// GET /student/language/applications/{id}/files/{file_id}: only the student who filed it.
pub async fn file(
    State(state): State<AppState>,
    me: CurrentStudent,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let found = match language::get_for_student(&state.db, me.model.id, id).await {
        Ok(a) => language::file_of(&state.db, a.id, file_id).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(f) => file_response(&state, &f).await,
        Err(RepoError::NotFound) => {
            tracing::warn!(
                student = me.model.id,
                application = id,
                "request denied: another student's language file"
            );
            Err(AppError::NotFound("未找到该文件".to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// One message of the inbox.
pub struct MessageLine {
    /// When (Beijing time).
    pub at: String,
    /// Unread?
    pub unread: bool,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Link to the page concerned.
    pub link: String,
}

#[derive(Template)]
#[template(path = "student/inbox.html")]
struct InboxPage {
    layout: Layout,
    unread: u64,
    messages: Vec<MessageLine>,
}

/// GET /student/inbox (收件箱)
pub async fn inbox_page(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Html<String>, AppError> {
    let to = Recipient::Student(me.model.id);
    let messages = inbox::list(&state.db, to, 100)
        .await?
        .into_iter()
        .map(|m| MessageLine {
            at: util::beijing(m.created_at),
            unread: m.read_at.is_none(),
            title: m.title,
            body: m.body,
            link: m.link.unwrap_or_default(),
        })
        .collect();
    Ok(Html(
        InboxPage {
            layout: Layout::student("收件箱", &me.model.name, &me.ctx, "/student/inbox"),
            unread: inbox::unread(&state.db, to).await?,
            messages,
        }
        .render()?,
    ))
}

/// POST /student/inbox/read: marks everything read.
pub async fn inbox_read(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Response, AppError> {
    inbox::mark_all_read(&state.db, Recipient::Student(me.model.id), state.now()).await?;
    Ok(Redirect::to("/student/inbox").into_response())
}

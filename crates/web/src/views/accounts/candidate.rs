//! The candidate portal: 考生信息, 修改信息, 在籍专业, 成绩查询.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::entity::{candidate, score_record};
use store::repo::reference;

use crate::error::AppError;
use crate::session::CurrentCandidate;
use crate::views::Layout;
use crate::{AppState, util};

fn label_of<T: Copy>(
    code: &str,
    from: fn(&str) -> Option<T>,
    label: fn(&T) -> &'static str,
) -> String {
    from(code)
        .map(|v| label(&v).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// The candidate's own record as shown on 考生信息.
pub struct ProfileView {
    /// 准考证号.
    pub admission_no: String,
    /// 姓名.
    pub name: String,
    /// 身份证号, masked.
    pub id_card_masked: String,
    /// 性别.
    pub gender: String,
    /// 出生日期.
    pub birth_date: String,
    /// 民族.
    pub ethnicity: String,
    /// 政治面貌.
    pub political_status: String,
    /// 联系电话 (own data: shown in full).
    pub phone: String,
    /// 通讯地址.
    pub address: String,
    /// 考生类型.
    pub candidate_type: String,
    /// 报考省份.
    pub province: String,
    /// What is still missing before applying for graduation.
    pub missing: Vec<&'static str>,
}

impl ProfileView {
    /// Builds the view of one candidate.
    pub fn of(c: &candidate::Model) -> ProfileView {
        let missing = crate::services::graduation::profile_missing(c);
        ProfileView {
            admission_no: c.admission_no.clone(),
            name: c.name.clone(),
            id_card_masked: util::mask_id(&c.id_card_no),
            gender: label_of(&c.gender, domain::Gender::from_code, domain::Gender::label),
            birth_date: c.birth_date.format("%Y-%m-%d").to_string(),
            ethnicity: c.ethnicity.clone(),
            political_status: c.political_status.clone(),
            phone: c.phone.clone().unwrap_or_default(),
            address: c.address.clone().unwrap_or_default(),
            candidate_type: label_of(
                &c.candidate_type,
                domain::CandidateType::from_code,
                domain::CandidateType::label,
            ),
            province: label_of(
                &c.province,
                domain::Province::from_code,
                domain::Province::label,
            ),
            missing,
        }
    }
}

#[derive(Template)]
#[template(path = "candidate/profile.html")]
struct ProfilePage {
    layout: Layout,
    p: ProfileView,
    saved: bool,
    majors: usize,
}

/// Query flags for confirmation banners.
#[derive(Debug, Deserialize, Default)]
pub struct Flash {
    saved: Option<String>,
}

/// GET /candidate/profile (考生信息)
pub async fn profile(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(flash): Query<Flash>,
) -> Result<Html<String>, AppError> {
    let majors = reference::enrolled_majors(&state.db, me.model.id)
        .await?
        .len();
    let page = ProfilePage {
        layout: Layout::candidate("考生信息", &me.model.name, &me.ctx, "/candidate/profile"),
        p: ProfileView::of(&me.model),
        saved: flash.saved.is_some(),
        majors,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "candidate/edit.html")]
struct EditPage {
    layout: Layout,
    p: ProfileView,
    phone: String,
    address: String,
    errors: Vec<(String, String)>,
}

impl EditPage {
    fn error_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
    }
}

/// GET /candidate/profile/edit (修改信息)
pub async fn edit_page(me: CurrentCandidate) -> Result<Html<String>, AppError> {
    let page = EditPage {
        layout: Layout::candidate(
            "修改信息",
            &me.model.name,
            &me.ctx,
            "/candidate/profile/edit",
        ),
        p: ProfileView::of(&me.model),
        phone: me.model.phone.clone().unwrap_or_default(),
        address: me.model.address.clone().unwrap_or_default(),
        errors: Vec::new(),
    };
    Ok(Html(page.render()?))
}

/// The contact form.
#[derive(Debug, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
}

/// POST /candidate/profile/edit: both fields checked; on any error nothing is saved and the
/// form comes back with what was typed.
pub async fn edit_submit(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(form): Form<ContactForm>,
) -> Result<Response, AppError> {
    let errors =
        match crate::services::profile::change_contact(&state, &me, &form.phone, &form.address)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/candidate/profile?saved=1").into_response()),
            Err(AppError::Invalid(errors)) => errors,
            Err(e) => return Err(e),
        };
    let page = EditPage {
        layout: Layout::candidate(
            "修改信息",
            &me.model.name,
            &me.ctx,
            "/candidate/profile/edit",
        ),
        p: ProfileView::of(&me.model),
        phone: form.phone,
        address: form.address,
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

/// One enrolled major as listed.
pub struct MajorLine {
    /// Major code.
    pub code: String,
    /// Major name.
    pub name: String,
    /// 专科 / 本科.
    pub level: String,
    /// 主考学校.
    pub university: String,
}

fn major_line(v: &reference::MajorView) -> MajorLine {
    MajorLine {
        code: v.major.code.clone(),
        name: v.major.name.clone(),
        level: label_of(
            &v.major.level,
            domain::Level::from_code,
            domain::Level::label,
        ),
        university: v.university.clone(),
    }
}

/// A choice in the add-major list.
pub struct MajorOption {
    /// Major id.
    pub id: i64,
    /// "080901 计算机科学与技术（本科，重庆大学）".
    pub label: String,
}

#[derive(Template)]
#[template(path = "candidate/majors.html")]
struct MajorsPage {
    layout: Layout,
    enrolled: Vec<MajorLine>,
    options: Vec<MajorOption>,
    error: Option<String>,
    added: bool,
}

async fn render_majors(
    state: &AppState,
    me: &CurrentCandidate,
    error: Option<String>,
    added: bool,
) -> Result<String, AppError> {
    let enrolled = reference::enrolled_majors(&state.db, me.model.id).await?;
    let taken: Vec<i64> = enrolled.iter().map(|m| m.major.id).collect();
    let options = reference::majors_of_province(&state.db, &me.model.province)
        .await?
        .into_iter()
        .filter(|m| !taken.contains(&m.major.id))
        .map(|m| {
            let l = major_line(&m);
            MajorOption {
                id: m.major.id,
                label: format!("{} {}（{}，{}）", l.code, l.name, l.level, l.university),
            }
        })
        .collect();
    Ok(MajorsPage {
        layout: Layout::candidate("在籍专业", &me.model.name, &me.ctx, "/candidate/majors"),
        enrolled: enrolled.iter().map(major_line).collect(),
        options,
        error,
        added,
    }
    .render()?)
}

/// Query flag after adding a major.
#[derive(Debug, Deserialize, Default)]
pub struct AddedFlag {
    added: Option<String>,
}

/// GET /candidate/majors (在籍专业)
pub async fn majors(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<AddedFlag>,
) -> Result<Html<String>, AppError> {
    Ok(Html(
        render_majors(&state, &me, None, q.added.is_some()).await?,
    ))
}

/// The add-major form.
#[derive(Debug, Deserialize)]
pub struct AddMajorForm {
    #[serde(default)]
    major_id: String,
}

/// POST /candidate/majors: 新增在籍专业.
pub async fn add_major(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(form): Form<AddMajorForm>,
) -> Result<Response, AppError> {
    let Ok(major_id) = form.major_id.trim().parse::<i64>() else {
        let html =
            render_majors(&state, &me, Some("请选择要新增的专业。".to_owned()), false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    };
    if let Err(e) = crate::services::profile::add_major(&state, &me, major_id).await {
        let Some(m) = e.refusal() else {
            return Err(e);
        };
        let html = render_majors(&state, &me, Some(m), false).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
    }
    Ok(Redirect::to("/candidate/majors?added=1").into_response())
}

/// One plan course with the candidate's standing in it.
pub struct PlanLine {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// Credits.
    pub credits: i32,
    /// 理论 / 实践 / 毕业论文(设计).
    pub kind: String,
    /// 学位主干课.
    pub degree_core: bool,
    /// Best result shown ("85", "合格", "—").
    pub score: String,
    /// "pass", "fail" or "none" (CSS class too).
    pub state: &'static str,
    /// 合格 / 不合格 / 无成绩.
    pub state_label: &'static str,
    /// Where the result came from (考试, 免考 …), with the substitute course if one was used.
    pub source: String,
    /// Date of that result.
    pub date: String,
}

/// A plan with the candidate's standing in every course.
pub struct PlanSheet {
    /// The major.
    pub major: MajorLine,
    /// The courses.
    pub lines: Vec<PlanLine>,
    /// Courses passed.
    pub passed: usize,
}

fn better(a: &score_record::Model, b: &score_record::Model) -> bool {
    (a.passed, a.score_tenths.unwrap_or(-1), a.exam_date)
        > (b.passed, b.score_tenths.unwrap_or(-1), b.exam_date)
}

fn best_of<'a>(records: &'a [score_record::Model], code: &str) -> Option<&'a score_record::Model> {
    records.iter().filter(|r| r.course_code == code).fold(
        None,
        |best: Option<&score_record::Model>, r| match best {
            Some(b) if !better(r, b) => Some(b),
            _ => Some(r),
        },
    )
}

fn score_text(r: &score_record::Model) -> String {
    domain::ScoreValue::from_db(r.score_tenths, r.passed)
        .map(|v| v.display())
        .unwrap_or_else(|| "—".to_owned())
}

/// Lays the candidate's records over a plan: for each course the best own result, else a passed
/// allowed substitute, else the best failed attempt.
pub fn plan_sheet(
    major: MajorLine,
    plan: &[reference::PlanRow],
    records: &[score_record::Model],
    names: &std::collections::HashMap<String, String>,
) -> PlanSheet {
    let lines: Vec<PlanLine> = plan
        .iter()
        .map(|row| {
            let own = best_of(records, &row.course.course_code);
            let substitute = row
                .substitutes
                .iter()
                .filter_map(|s| best_of(records, s))
                .find(|r| r.passed);
            let (chosen, via) = match (own, substitute) {
                (Some(o), _) if o.passed => (Some(o), None),
                (_, Some(s)) => (Some(s), Some(s.course_code.clone())),
                (o, None) => (o, None),
            };
            let (state, state_label) = match chosen {
                Some(r) if r.passed => ("pass", "合格"),
                Some(_) => ("fail", "不合格"),
                None => ("none", "无成绩"),
            };
            let mut source = chosen
                .map(|r| {
                    label_of(
                        &r.source,
                        domain::ScoreSource::from_code,
                        domain::ScoreSource::label,
                    )
                })
                .unwrap_or_default();
            if let Some(code) = via {
                let name = names.get(&code).cloned().unwrap_or_default();
                source = format!("{source}（以 {code} {name} 替换）");
            }
            PlanLine {
                code: row.course.course_code.clone(),
                name: row.name.clone(),
                credits: row.course.credits,
                kind: label_of(
                    &row.course.kind,
                    domain::CourseKind::from_code,
                    domain::CourseKind::label,
                ),
                degree_core: row.course.degree_core,
                score: chosen.map(score_text).unwrap_or_else(|| "—".to_owned()),
                state,
                state_label,
                source,
                date: chosen
                    .map(|r| r.exam_date.format("%Y-%m").to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let passed = lines.iter().filter(|l| l.state == "pass").count();
    PlanSheet {
        major,
        lines,
        passed,
    }
}

/// One score record in the full list.
pub struct RecordLine {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// Result.
    pub score: String,
    /// Passed?
    pub passed: bool,
    /// Source label.
    pub source: String,
    /// Date.
    pub date: String,
}

#[derive(Template)]
#[template(path = "candidate/scores.html")]
struct ScoresPage {
    layout: Layout,
    sheets: Vec<PlanSheet>,
    records: Vec<RecordLine>,
}

/// GET /candidate/scores (成绩查询)
pub async fn scores(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Html<String>, AppError> {
    let db = me.ctx.reader(&state);
    let records = reference::scores_of(&db, me.model.id).await?;
    let names = state.refs.course_names(&db, me.ctx.seen).await?;
    let mut sheets = Vec::new();
    for m in state
        .refs
        .enrolled_majors(&db, me.ctx.seen, me.model.id)
        .await?
    {
        let plan = reference::plan(&db, m.major.id).await?;
        sheets.push(plan_sheet(major_line(&m), &plan, &records, &names));
    }
    let records = records
        .iter()
        .map(|r| RecordLine {
            code: r.course_code.clone(),
            name: names.get(&r.course_code).cloned().unwrap_or_default(),
            score: score_text(r),
            passed: r.passed,
            source: label_of(
                &r.source,
                domain::ScoreSource::from_code,
                domain::ScoreSource::label,
            ),
            date: r.exam_date.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let page = ScoresPage {
        layout: Layout::candidate("成绩查询", &me.model.name, &me.ctx, "/candidate/scores"),
        sheets,
        records,
    };
    Ok(Html(page.render()?))
}

//! The continuing-education student portal: 个人信息, 成绩查询.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use store::repo::reference;

use crate::error::AppError;
use crate::session::CurrentStudent;
use crate::views::Layout;
use crate::{AppState, util};

#[derive(Template)]
#[template(path = "student/profile.html")]
struct ProfilePage {
    layout: Layout,
    student_no: String,
    exam_reg_no: String,
    name: String,
    study_level: String,
    major: String,
    grade: String,
    enrolment_status: String,
    learning_centre: String,
    id_card_masked: String,
    phone_masked: String,
}

/// GET /student/profile (个人信息), with the fields of seed 002's header.
pub async fn profile(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Html<String>, AppError> {
    let m = &me.model;
    let major = reference::major(&state.db, m.major_id).await?;
    let page = ProfilePage {
        layout: Layout::student("个人信息", &m.name, &me.ctx, "/student/profile"),
        student_no: m.student_no.clone(),
        exam_reg_no: m.exam_reg_no.clone(),
        name: m.name.clone(),
        study_level: m.study_level.clone(),
        major: major.name,
        grade: m.grade.clone(),
        enrolment_status: m.enrolment_status.clone(),
        learning_centre: m.learning_centre.clone(),
        id_card_masked: util::mask_id(&m.id_card_no),
        phone_masked: util::mask_phone(m.phone.as_deref()),
    };
    Ok(Html(page.render()?))
}

/// One plan course with the student's result.
pub struct StudentLine {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// Credits.
    pub credits: i32,
    /// Kind label.
    pub kind: String,
    /// 学位主干课.
    pub degree_core: bool,
    /// Result.
    pub score: String,
    /// pass / fail / none.
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "student/scores.html")]
struct ScoresPage {
    layout: Layout,
    major: String,
    lines: Vec<StudentLine>,
}

/// GET /student/scores (成绩查询): the 教学计划 with each result.
pub async fn scores(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Html<String>, AppError> {
    let m = &me.model;
    let major = reference::major(&state.db, m.major_id).await?;
    let plan = reference::plan(&state.db, m.major_id).await?;
    let results = store::repo::student::scores(&state.db, m.id).await?;
    let lines = plan
        .iter()
        .map(|row| {
            let r = results
                .iter()
                .find(|r| r.course_code == row.course.course_code);
            let value = r.and_then(|r| domain::ScoreValue::from_db(r.score_tenths, r.passed));
            StudentLine {
                code: row.course.course_code.clone(),
                name: row.name.clone(),
                credits: row.course.credits,
                kind: domain::CourseKind::from_code(&row.course.kind)
                    .map(|k| k.label().to_owned())
                    .unwrap_or_default(),
                degree_core: row.course.degree_core,
                score: value
                    .as_ref()
                    .map(|v| v.display())
                    .unwrap_or_else(|| "—".to_owned()),
                state: match value {
                    Some(v) if v.is_pass() => "pass",
                    Some(_) => "fail",
                    None => "none",
                },
            }
        })
        .collect();
    let page = ScoresPage {
        layout: Layout::student("成绩查询", &m.name, &me.ctx, "/student/scores"),
        major: format!("{}（{}）", major.name, m.study_level),
        lines,
    };
    Ok(Html(page.render()?))
}

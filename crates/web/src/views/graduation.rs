//! 考籍办理 → 毕业条件自查: the eligibility audit explained, with a what-if that changes nothing.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Html;
use domain::graduation::{Facts, PriorEducation, audit};
use serde::Deserialize;
use store::repo::reference;

use super::Layout;
use super::candidate::ProfileView;
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;

/// One condition as shown.
pub struct ConditionLine {
    /// "a".
    pub letter: char,
    /// The notice's words.
    pub label: &'static str,
    /// What was found.
    pub found: String,
    /// What is required.
    pub threshold: String,
    /// Holds?
    pub passed: bool,
    /// Changed by the what-if.
    pub changed: bool,
    /// What is missing.
    pub missing: Vec<String>,
}

/// A course the candidate has not passed yet, offered for the what-if.
pub struct Hypothesis {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// Currently ticked.
    pub checked: bool,
}

/// The audit against one enrolled major.
pub struct MajorAudit {
    /// Major id (for the what-if form).
    pub major_id: i64,
    /// "080901 计算机科学与技术（本科，重庆大学）".
    pub title: String,
    /// The six conditions.
    pub conditions: Vec<ConditionLine>,
    /// Eligible?
    pub eligible: bool,
    /// Why not, in one sentence.
    pub refusal: Option<String>,
    /// Courses that could be assumed passed.
    pub open_courses: Vec<Hypothesis>,
    /// A what-if is shown.
    pub hypothetical: bool,
}

#[derive(Template)]
#[template(path = "candidate/graduation.html")]
struct GraduationPage {
    layout: Layout,
    missing_profile: Vec<&'static str>,
    audits: Vec<MajorAudit>,
}

#[derive(Debug, Deserialize, Default)]
struct WhatIfQuery {
    #[serde(default)]
    major: Option<i64>,
    #[serde(default)]
    what_if: Vec<String>,
}

/// The moral-character condition before any upload: in Yunnan the signed commitment letter is
/// part of the application; elsewhere the chief university assesses it during review.
fn moral_state(province: &str) -> Result<(), String> {
    if province == domain::Province::Yunnan.code() {
        Err("尚未上传《毕业办证申请暨思想品德合格承诺书》（在毕业申请中上传）".to_owned())
    } else {
        Ok(())
    }
}

/// GET /candidate/graduation
pub async fn self_check(
    State(state): State<AppState>,
    me: CurrentCandidate,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, AppError> {
    // Repeated `what_if` keys: parsed with the form codec that supports them.
    let q: WhatIfQuery =
        serde_html_form::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let (scores, exemptions) = store::graduation::records_of(&state.db, &me.model).await?;
    let mut audits = Vec::new();
    for m in reference::enrolled_majors(&state.db, me.model.id).await? {
        let plan = store::graduation::plan_of(&state.db, &m.major).await?;
        let what_if: Vec<&str> = if q.major == Some(m.major.id) {
            q.what_if.iter().map(String::as_str).collect()
        } else {
            Vec::new()
        };
        let facts = Facts {
            scores: &scores,
            exemptions: &exemptions,
            moral: moral_state(&me.model.province),
            prior_education: PriorEducation::NotChecked,
            legally_blocked: me.model.legal_block,
        };
        let result = audit(&plan, &facts, &what_if);
        let open_courses = plan
            .courses
            .iter()
            .filter(|c| !scores.iter().any(|s| s.passed && s.course_code == c.code))
            .map(|c| Hypothesis {
                checked: what_if.contains(&c.code.as_str()),
                code: c.code.clone(),
                name: c.name.clone(),
            })
            .collect();
        let level = domain::Level::from_code(&m.major.level)
            .map(|l| l.label())
            .unwrap_or("");
        audits.push(MajorAudit {
            major_id: m.major.id,
            title: format!(
                "{} {}（{}，{}）",
                m.major.code, m.major.name, level, m.university
            ),
            eligible: result.eligible(),
            refusal: result.refusal(),
            hypothetical: !what_if.is_empty(),
            conditions: result
                .conditions
                .into_iter()
                .map(|c| ConditionLine {
                    letter: c.key.letter(),
                    label: c.key.label(),
                    found: c.found,
                    threshold: c.threshold,
                    passed: c.passed,
                    changed: c.changed,
                    missing: c.missing,
                })
                .collect(),
            open_courses,
        });
    }
    let page = GraduationPage {
        layout: Layout::candidate(
            "毕业条件自查",
            &me.model.name,
            &me.ctx,
            "/candidate/graduation",
        ),
        missing_profile: ProfileView::of(&me.model).missing,
        audits,
    };
    Ok(Html(page.render()?))
}

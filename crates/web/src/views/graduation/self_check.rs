//! 考籍办理 → 毕业条件自查: the eligibility audit explained, with a what-if that changes nothing.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Html;
use domain::graduation::{Facts, PriorEducation, audit, moral_state};
use sea_orm::ConnectionTrait;
use serde::Deserialize;
use store::entity::candidate;
use store::repo::reference;

use crate::AppState;
use crate::error::AppError;
use crate::services::graduation::met_in_application;
pub use crate::services::graduation::{PriorOutcome, audit_major, blocking_refusal, prior_check};
use crate::session::CurrentCandidate;
use crate::views::Layout;
use crate::views::accounts::candidate::ProfileView;

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
    /// Not met yet, but met by the application itself (shown as such, not as a failure).
    pub pending: bool,
    /// Which condition, for deciding what the application resolves.
    pub key: domain::graduation::ConditionKey,
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
    /// What the application itself will complete.
    pub pending_note: Option<String>,
    /// Courses that could be assumed passed.
    pub open_courses: Vec<Hypothesis>,
    /// A what-if is shown.
    pub hypothetical: bool,
    /// 申请毕业 is offered for this major.
    pub can_apply: bool,
    /// The automatic prior-education check did not pass: the form's manual section applies.
    pub manual_prior: bool,
}

#[derive(Template)]
#[template(path = "candidate/graduation.html")]
struct GraduationPage {
    layout: Layout,
    missing_profile: Vec<&'static str>,
    audits: Vec<MajorAudit>,
    batches: Vec<(i64, String)>,
    existing: Option<String>,
    /// The province's own 毕业申请须知.
    notice: std::sync::Arc<Vec<domain::province::NoticeItem>>,
}

#[derive(Debug, Deserialize, Default)]
struct WhatIfQuery {
    #[serde(default)]
    major: Option<i64>,
    #[serde(default)]
    what_if: Vec<String>,
}

/// What the audit knows about one candidate, loaded once for all their majors.
pub struct CandidateFacts {
    scores: Vec<domain::graduation::ScoreFact>,
    exemptions: Vec<domain::graduation::ExemptionFact>,
    moral: Result<(), String>,
    legally_blocked: bool,
}

impl CandidateFacts {
    /// Loads the candidate's score records and exemptions.
    pub async fn load<C: store::reader::Reads>(
        db: &C,
        c: &candidate::Model,
    ) -> Result<Self, AppError> {
        let (scores, exemptions) = store::graduation::records_of(db, c).await?;
        Ok(CandidateFacts {
            scores,
            exemptions,
            moral: moral_state(&c.province),
            legally_blocked: c.legal_block,
        })
    }
}

/// The explained audit of a candidate against one major, as candidates and reviewers see it.
/// `what_if` names courses assumed passed (empty for the real standing); `prior` is the state of
/// the prior-education check, which only an application knows.
pub async fn major_audit<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    seen: Option<store::refcache::Seen>,
    facts: &CandidateFacts,
    m: &reference::MajorView,
    what_if: &[&str],
    prior: PriorEducation,
) -> Result<MajorAudit, AppError> {
    let plan = state.refs.plan(db, seen, &m.major).await?;
    let result = audit(
        &plan,
        &Facts {
            scores: &facts.scores,
            exemptions: &facts.exemptions,
            moral: facts.moral.clone(),
            prior_education: prior,
            legally_blocked: facts.legally_blocked,
        },
        what_if,
    );
    let open_courses = plan
        .courses
        .iter()
        .filter(|c| {
            !facts
                .scores
                .iter()
                .any(|s| s.passed && s.course_code == c.code)
        })
        .map(|c| Hypothesis {
            checked: what_if.contains(&c.code.as_str()),
            code: c.code.clone(),
            name: c.name.clone(),
        })
        .collect();
    let level = domain::Level::from_code(&m.major.level)
        .map(|l| l.label())
        .unwrap_or("");
    Ok(MajorAudit {
        major_id: m.major.id,
        title: format!(
            "{} {}（{}，{}）",
            m.major.code, m.major.name, level, m.university
        ),
        eligible: result.eligible(),
        refusal: result.refusal(),
        pending_note: None,
        hypothetical: !what_if.is_empty(),
        can_apply: false,
        manual_prior: false,
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
                pending: false,
                key: c.key,
                missing: c.missing,
            })
            .collect(),
        open_courses,
    })
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
    let db = me.ctx.reader(&state);
    let facts = CandidateFacts::load(&db, &me.model).await?;
    let mut audits = Vec::new();
    let seen = me.ctx.seen;
    for m in state.refs.enrolled_majors(&db, seen, me.model.id).await? {
        let what_if: Vec<&str> = if q.major == Some(m.major.id) {
            q.what_if.iter().map(String::as_str).collect()
        } else {
            Vec::new()
        };
        if store::graduation::application::major_needs_prior(&m.major) {
            // The credential check may ask another service: no connection held meanwhile.
            db.release().await;
        }
        let prior = prior_check(&state, &me.model, &m.major).await;
        let mut line =
            major_audit(&state, &db, seen, &facts, &m, &what_if, prior.state.clone()).await?;
        line.manual_prior = prior.code == store::graduation::application::PRIOR_MANUAL;
        settle_pending(&mut line, &prior, &me.model.province);
        line.can_apply = what_if.is_empty() && line.refusal.is_none();
        audits.push(line);
    }
    let now = state.now();
    let batches = state
        .refs
        .batches_of_province(&db, seen, &me.model.province)
        .await?
        .iter()
        .filter(|b| b.opens_at <= now && now < b.closes_at)
        .map(|b| {
            let label = format!(
                "{}（{} 至 {}）",
                b.name,
                crate::util::beijing(b.opens_at),
                crate::util::beijing(b.closes_at)
            );
            (b.id, label)
        })
        .collect();
    let existing = store::graduation::application::of_candidate(&db, me.model.id)
        .await?
        .into_iter()
        .next()
        .filter(|a| a.status != domain::review::Status::Closed.code())
        .map(|a| {
            domain::review::Status::from_code(&a.status)
                .map(|s| s.label())
                .unwrap_or("")
                .to_owned()
        });
    let page = GraduationPage {
        layout: Layout::candidate(
            "毕业条件自查",
            &me.model.name,
            &me.ctx,
            "/candidate/graduation",
        ),
        missing_profile: ProfileView::of(&me.model).missing,
        audits,
        batches,
        existing,
        notice: province_notice(&state, &db, seen, &me.model.province).await?,
    };
    Ok(Html(page.render()?))
}

/// The 须知 of the candidate's province ([`store::refcache::ReferenceCache::province_notice`]);
/// empty (and the page says nothing it cannot vouch for) where the stored code has no definition.
async fn province_notice<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    seen: Option<store::refcache::Seen>,
    code: &str,
) -> Result<std::sync::Arc<Vec<domain::province::NoticeItem>>, AppError> {
    let Some(p) = domain::Province::from_code(code) else {
        return Ok(Default::default());
    };
    Ok(state.refs.province_notice(db, seen, p).await?)
}

/// Marks the conditions the application resolves as pending and says, in the verdict, only
/// what really stops the candidate: the page's refusal and its 申请毕业 button always agree.
fn settle_pending(line: &mut MajorAudit, prior: &PriorOutcome, province: &str) {
    for c in &mut line.conditions {
        c.pending = !c.passed && met_in_application(c.key, &c.missing, prior, province);
    }
    let blocking: Vec<String> = line
        .conditions
        .iter()
        .filter(|c| !c.passed && !c.pending)
        .map(|c| format!("{}. {}", c.letter, c.label))
        .collect();
    line.refusal = (!blocking.is_empty())
        .then(|| format!("不能申请毕业，未满足以下条件：{}。", blocking.join("；")));
    let pending: Vec<String> = line
        .conditions
        .iter()
        .filter(|c| c.pending)
        .map(|c| format!("{}. {}", c.letter, c.label))
        .collect();
    line.pending_note = (!pending.is_empty()).then(|| {
        format!(
            "以下条件在毕业申请中完成，不影响提交申请：{}。",
            pending.join("；")
        )
    });
}

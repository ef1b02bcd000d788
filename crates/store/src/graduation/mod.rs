//! Graduation (毕业申请): gathering what the eligibility audit looks at, for one candidate (the
//! self-check) or a whole province ([`batch_audit`]).

pub mod announcements;
pub mod application;
pub mod archive;
pub mod batch_audit;
pub mod batches;
pub mod materials;
pub mod prior_review;
pub mod registration;
pub mod reminders;
pub mod review_alerts;
pub mod stats;

use domain::graduation::{ExemptionFact, Plan, PlanCourse, ScoreFact};
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

/// Whether an offline exemption of `province` needs its 免考课程登记表 scan uploaded in the
/// application (seed 003 §3.3, Yunnan). Where the province's form has no such slot (Chongqing,
/// seed 001 names none), the office's own record of the exemption, imported by it, is the
/// paperwork: the candidate has nothing to upload and the exemption counts as documented.
pub fn offline_form_required(province: &str) -> bool {
    domain::Province::from_code(province).is_some_and(|p| p.form().exemption_forms)
}

/// A candidate's score records and exemptions in the audit's terms.
pub async fn records_of<C: crate::reader::Reads>(
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
    let form_required = offline_form_required(&c.province);
    let exemptions = reference::exemptions_of(conn, c.id)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(ExemptionFact {
                mode: ExemptionMode::from_code(&e.mode)?,
                form_present: e.form_file_key.is_some() || !form_required,
                course_code: e.course_code,
            })
        })
        .collect();
    Ok((scores, exemptions))
}

/// What the applications of one batch have settled, for the batch audit's conditions c and e:
/// the candidates whose prior education was verified (by the credential service or by the manual
/// review), and those whose application holds the signed commitment letter (condition c where
/// the province has the letter uploaded in the application).
#[derive(Debug, Default, Clone)]
pub struct Settled {
    /// Candidates with prior education verified.
    pub prior_verified: std::collections::HashSet<i64>,
    /// Candidates whose application carries the commitment letter.
    pub commitment_letter: std::collections::HashSet<i64>,
}

/// Reads [`Settled`] from the stored applications of `batch_id`.
pub async fn settled_in_batch<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
) -> Result<Settled, RepoError> {
    use crate::entity::{application_file, graduation_application as app};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let apps: Vec<(i64, i64, String)> = app::Entity::find()
        .select_only()
        .column(app::Column::Id)
        .column(app::Column::CandidateId)
        .column(app::Column::PriorCheck)
        .filter(app::Column::BatchId.eq(batch_id))
        .into_tuple()
        .all(conn)
        .await?;
    let mut settled = Settled::default();
    let mut candidate_of = std::collections::HashMap::new();
    for (id, candidate, prior) in apps {
        if prior == application::PRIOR_VERIFIED {
            settled.prior_verified.insert(candidate);
        }
        candidate_of.insert(id, candidate);
    }
    let ids: Vec<i64> = candidate_of.keys().copied().collect();
    for chunk in ids.chunks(500) {
        let with_letter: Vec<i64> = application_file::Entity::find()
            .select_only()
            .column(application_file::Column::ApplicationId)
            .filter(application_file::Column::ApplicationId.is_in(chunk.to_vec()))
            .filter(
                application_file::Column::Slot
                    .eq(domain::graduation::form::FileSlot::Commitment.code()),
            )
            .into_tuple()
            .all(conn)
            .await?;
        settled.commitment_letter.extend(
            with_letter
                .iter()
                .filter_map(|a| candidate_of.get(a).copied()),
        );
    }
    Ok(settled)
}

//! Exemptions (免考): recording one, offline (imported by the office) or online (approved by the
//! district agency), in the shape the eligibility audit reads — an `exemptions` row saying how it
//! was granted and a passed score record with source 免考 dated the day it was granted, as the
//! demo's exemptions are.

pub mod applications;

use chrono::{DateTime, NaiveDate, Utc};
use domain::{ExemptionMode, ScoreSource, ScoreValue};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entity::{exemption, score_record};
use crate::repo::RepoError;

/// Longest 免考依据, in characters.
pub const MAX_BASIS_CHARS: usize = 100;

/// Checks a 免考依据: required, at most [`MAX_BASIS_CHARS`] characters; returns it trimmed.
pub fn validate_basis(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("免考依据不能为空，例如：国家开放大学专科毕业证书".to_owned());
    }
    let n = text.chars().count();
    if n > MAX_BASIS_CHARS {
        return Err(format!("免考依据最多{MAX_BASIS_CHARS}个字，现有{n}个字"));
    }
    Ok(text.to_owned())
}

/// What recording an exemption did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new exemption.
    Created(i64),
    /// The exemption of the same course was updated.
    Updated(i64),
}

impl Recorded {
    /// The exemption's id.
    pub fn id(self) -> i64 {
        match self {
            Recorded::Created(id) | Recorded::Updated(id) => id,
        }
    }
}

/// Records (or updates) the exemption of one course and its 免考 score record. An offline
/// exemption keeps a registration form already on file; an online one never needs it.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    course_code: &str,
    mode: ExemptionMode,
    approved_on: NaiveDate,
    basis: &str,
    now: DateTime<Utc>,
) -> Result<Recorded, RepoError> {
    let existing = exemption::Entity::find()
        .filter(exemption::Column::CandidateId.eq(candidate_id))
        .filter(exemption::Column::CourseCode.eq(course_code))
        .one(conn)
        .await?;
    let recorded = match existing {
        Some(e) => {
            let id = e.id;
            let mut active: exemption::ActiveModel = e.into();
            active.mode = Set(mode.code().to_owned());
            active.approved_on = Set(approved_on);
            active.basis = Set(Some(basis.to_owned()));
            active.update(conn).await?;
            Recorded::Updated(id)
        }
        None => {
            let e = exemption::ActiveModel {
                candidate_id: Set(candidate_id),
                course_code: Set(course_code.to_owned()),
                mode: Set(mode.code().to_owned()),
                approved_on: Set(approved_on),
                form_file_key: Set(None),
                basis: Set(Some(basis.to_owned())),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?;
            Recorded::Created(e.id)
        }
    };
    // One 免考 result per course: a changed 办理日期 moves it rather than adding another.
    let moved = score_record::Entity::update_many()
        .col_expr(score_record::Column::ExamDate, Expr::value(approved_on))
        .filter(score_record::Column::CandidateId.eq(candidate_id))
        .filter(score_record::Column::CourseCode.eq(course_code))
        .filter(score_record::Column::Source.eq(ScoreSource::Exemption.code()))
        .exec(conn)
        .await?
        .rows_affected;
    if moved == 0 {
        crate::repo::reference::insert_score(
            conn,
            candidate_id,
            course_code,
            ScoreValue::Pass,
            approved_on,
            ScoreSource::Exemption,
            now,
        )
        .await?;
    }
    Ok(recorded)
}

/// Files the scan of an offline exemption's 免考课程登记表 (or clears it with `None`), so that the
/// audit sees the exemption documented. Online exemptions are left alone.
pub async fn set_form<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    course_code: &str,
    form_key: Option<&str>,
) -> Result<u64, RepoError> {
    Ok(exemption::Entity::update_many()
        .col_expr(
            exemption::Column::FormFileKey,
            Expr::value(form_key.map(str::to_owned)),
        )
        .filter(exemption::Column::CandidateId.eq(candidate_id))
        .filter(exemption::Column::CourseCode.eq(course_code))
        .filter(exemption::Column::Mode.eq(ExemptionMode::Offline.code()))
        .exec(conn)
        .await?
        .rows_affected)
}

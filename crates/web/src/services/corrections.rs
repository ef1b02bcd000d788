//! 考籍更正: the candidate's request and the reviewer's decision, each with its audit row in
//! one transaction, shared by the pages (`views::graduation::record_correction`).

use store::repo::RepoError;
use store::repo::record_correction::{self as corrections, Decision, Field};

use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentCandidate, CurrentStaff};

/// Files a correction of one field of the candidate's record; every refusal names its field.
pub async fn file(
    state: &AppState,
    me: &CurrentCandidate,
    field: &str,
    new_value: &str,
    reason: &str,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    let field_code = Field::from_code(field);
    if field_code.is_none() {
        errors.push(("field".to_owned(), "请选择更正项目".to_owned()));
    }
    let new_value = field_code.map(|f| corrections::normalise_new_value(f, new_value));
    if let Some(Err(e)) = &new_value {
        errors.push(("new_value".to_owned(), e.to_string()));
    }
    let reason = corrections::validate_reason(reason);
    if let Err(e) = &reason {
        errors.push(("reason".to_owned(), e.to_string()));
    }
    let (Some(field), Some(Ok(new_value)), Ok(reason)) = (field_code, &new_value, &reason) else {
        return Err(AppError::Invalid(errors));
    };
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    corrections::submit(
        &txn,
        &me.model,
        field,
        new_value,
        reason,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Only the agencies that keep candidates' registration records may change them: the district
/// agency (a county-level 确认点 plays that part where the province has them) and the office
/// above it.
pub fn may_decide(me: &CurrentStaff) -> Result<(), AppError> {
    use domain::OrgKind;
    let allowed = [
        OrgKind::DistrictAgency,
        OrgKind::PrefectureAgency,
        OrgKind::MunicipalOffice,
        OrgKind::ProvincialOffice,
    ];
    if allowed.iter().any(|k| k.code() == me.org.kind) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "考籍更正由区县（州市）考试机构审核".to_owned(),
        ))
    }
}

/// Approves or rejects (with an opinion of 2 to 200 characters) a pending correction the
/// reviewer's organisation may decide.
pub async fn decide(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    decision: Decision,
) -> Result<(), AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    may_decide(me)?;
    let decision = match decision {
        Decision::Reject(opinion) => {
            let opinion = opinion.trim().to_owned();
            let len = opinion.chars().count();
            if !(2..=200).contains(&len) {
                let message = if len == 0 {
                    "驳回时请填写审核意见".to_owned()
                } else {
                    format!("驳回时请填写审核意见（2至200个字，实际为{len}个字）")
                };
                return Err(AppError::refused("opinion", message));
            }
            Decision::Reject(opinion)
        }
        other => other,
    };
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let outcome = corrections::decide(
        &txn,
        &me.org,
        me.staff.id,
        id,
        decision,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await;
    match outcome {
        Ok(_) => Ok(txn.commit().await?),
        Err(RepoError::NotFound) => Err(AppError::NotFound(
            corrections::NOT_FOUND_MESSAGE.to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

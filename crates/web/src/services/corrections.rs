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

/// Approves or rejects a pending correction the reviewer's organisation may decide.
pub async fn decide(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    decision: Decision,
) -> Result<(), AppError> {
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

//! 学位申请 reads shared by the student's page and the API: the batch a student applies in and
//! the 学位审核条件 for it.

use domain::degree::conditions::{Condition, evaluate};
use store::entity::{batch, student};
use store::repo::reference;

use crate::AppState;
use crate::error::AppError;

/// The school's degree batch students apply in now, or the latest one.
pub(crate) async fn current_batch(
    state: &AppState,
    s: &student::Model,
) -> Result<Option<batch::Model>, AppError> {
    let now = state.now();
    let mine: Vec<batch::Model> = reference::batches(&state.db, "degree")
        .await?
        .into_iter()
        .filter(|b| b.org_id == Some(s.school_org_id))
        .collect();
    Ok(mine
        .iter()
        .find(|b| b.opens_at <= now && now < b.closes_at)
        .or_else(|| mine.first())
        .cloned())
}

/// The 学位审核条件 of `s` for batch `b`.
pub(crate) async fn conditions(
    state: &AppState,
    s: &student::Model,
    b: &batch::Model,
) -> Result<Vec<Condition>, AppError> {
    let results = store::degree::course_results(&state.db, s).await?;
    let language = store::degree::language_state(&state.db, s.id).await?;
    Ok(evaluate(
        &results,
        store::degree::thresholds_of(b),
        language,
    ))
}

//! 统计 of one graduation batch, shared by the page (`/staff/batches/{id}/stats`, its 导出) and
//! the API (`/api/v1/graduation/batches/{id}/stats`): who may read it, and the counts of
//! [`store::graduation::stats`].
//!
//! Readers are the staff of the province office that owns the batch who may read its queues
//! (管理员, 审核员, 只读): the office reviews every application of the province at its final
//! stage, and the page holds counts only, no candidate's data. Universities and agencies are
//! refused: the page compares their workload with every other organisation's, and shows fees
//! and refunds, which are the office's business.

use domain::Province;
use sea_orm::EntityTrait;
use store::entity::batch;
use store::graduation::stats::{self, BatchStats};

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;

/// Refuses (403) anyone but a reader at a province office, whose province it returns.
fn require_office_reader(me: &CurrentStaff) -> Result<Province, AppError> {
    let org = &me.org;
    let province = org.province.as_deref().and_then(Province::from_code);
    let Some(p) = province.filter(|p| org.kind == p.office().code()) else {
        tracing::warn!(
            staff = me.staff.id,
            "request denied: batch statistics outside a province office"
        );
        let office = province
            .map(|p| p.office().label())
            .unwrap_or("省级考试机构");
        return Err(AppError::Forbidden(format!(
            "毕业批次统计仅限{office}的管理员、审核员和只读人员查看；您的账号属于{}",
            org.name
        )));
    };
    me.require_read()?;
    Ok(p)
}

/// The graduation batch `id` and its counts, for a reader of the office that owns it: 404 when
/// there is no such graduation batch, 403 when it belongs to another province.
pub async fn of_batch(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<(batch::Model, BatchStats), AppError> {
    let b = batch_of(state, me, id).await?;
    let s = stats::of_batch(&state.db, b.id).await?;
    Ok((b, s))
}

/// The graduation batch `id`, for a reader of the office that owns it (the same refusals as
/// [`of_batch`]), without counting anything.
pub async fn batch_of(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<batch::Model, AppError> {
    let p = require_office_reader(me)?;
    let b = batch::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .filter(|b| b.kind == "graduation")
        .ok_or_else(|| AppError::NotFound("未找到该毕业批次".to_owned()))?;
    if b.province.as_deref() != Some(p.code()) {
        tracing::warn!(
            staff = me.staff.id,
            batch = id,
            "request denied: another province's batch statistics"
        );
        return Err(AppError::Forbidden(format!(
            "该毕业批次不属于{}，您的账号属于{}",
            p.label(),
            me.org.name
        )));
    }
    Ok(b)
}

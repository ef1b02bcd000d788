//! 主考学校公告 per graduation batch, shared by the page (`/staff/announcements`) and the API
//! (`/api/v1/graduation/announcements`): the rules and the audit rows are the store's
//! ([`store::graduation::announcements`]).

use store::entity::batch_announcement;
use store::graduation::announcements::{self as store_notices, BatchNotice};
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;

/// Refuses (403) anyone but an admin of a chief university, naming what the account is.
pub fn require_university_admin(me: &CurrentStaff) -> Result<(), AppError> {
    if me.org.kind != domain::OrgKind::ChiefUniversity.code() {
        tracing::warn!(
            staff = me.staff.id,
            "request denied: announcements outside a chief university"
        );
        let kind = domain::OrgKind::from_code(&me.org.kind)
            .map(|k| k.label())
            .unwrap_or("机构");
        return Err(AppError::Forbidden(format!(
            "主考学校公告由主考学校的管理员填写；您的账号属于{}（{kind}）",
            me.org.name
        )));
    }
    me.require(domain::StaffRole::Admin)
}

/// The graduation batches of the university's province with its text for each.
pub async fn list(state: &AppState, me: &CurrentStaff) -> Result<Vec<BatchNotice>, AppError> {
    require_university_admin(me)?;
    Ok(store_notices::of_university(&state.db, &me.org).await?)
}

/// Saves (or, empty, removes) the university's text for one batch.
pub async fn save(
    state: &AppState,
    me: &CurrentStaff,
    batch_id: i64,
    text: &str,
) -> Result<Option<batch_announcement::Model>, AppError> {
    require_university_admin(me)?;
    store_notices::save(
        &state.db,
        &me.org,
        me.staff.id,
        batch_id,
        text,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    .map_err(|e| match e {
        RepoError::Invalid(m) => AppError::refused("body", m),
        RepoError::NotFound => AppError::NotFound("未找到本省的该毕业批次".to_owned()),
        other => other.into(),
    })
}

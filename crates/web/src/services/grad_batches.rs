//! 毕业批次 for the admins of a province's office, shared by the page (`/staff/batches`) and the
//! API (`/api/v1/graduation/batches`): the province's graduation batches with their windows and
//! application counts, a new batch, a moved window, applications ended now. The rules and the
//! audit rows are the store's ([`store::graduation::batches`]).

use chrono::{DateTime, Utc};
use domain::Province;
use store::entity::batch;
use store::graduation::batches::{self, By, Listed};
use store::repo::RepoError;
use store::repo::audit::Actor;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;

/// The province whose office the account works at, if it is an admin there; anyone else is
/// refused with what the page needs and what the account is.
pub fn require_office_admin(me: &CurrentStaff) -> Result<Province, AppError> {
    let org = &me.org;
    let province = org.province.as_deref().and_then(Province::from_code);
    let Some(p) = province.filter(|p| org.kind == p.office().code()) else {
        tracing::warn!(
            staff = me.staff.id,
            "request denied: graduation batches outside a province office"
        );
        let kind = domain::OrgKind::from_code(&org.kind)
            .map(|k| k.label())
            .unwrap_or("机构");
        let office = province
            .map(|p| p.office().label())
            .unwrap_or("省级考试机构");
        return Err(AppError::Forbidden(format!(
            "毕业批次仅限{office}的管理员设置；您的账号属于{}（{kind}）",
            org.name
        )));
    };
    me.require(domain::StaffRole::Admin)?;
    Ok(p)
}

/// The admin, now, from the request's address: what each change's audit row records.
fn by<'a>(me: &'a CurrentStaff, state: &AppState) -> By<'a> {
    By {
        actor: Actor::staff(me.staff.id),
        now: state.now(),
        ip: Some(me.ctx.ip.as_str()),
    }
}

/// What a refusal of the store becomes: `field` names the input it is about.
fn refused(e: RepoError, field: &str) -> AppError {
    match e {
        RepoError::Invalid(m) => AppError::refused(field, m),
        RepoError::NotFound => AppError::NotFound("未找到本省的该毕业批次".to_owned()),
        other => other.into(),
    }
}

fn check_window(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Result<(), AppError> {
    if closes_at <= opens_at {
        return Err(AppError::refused(
            "closes_at",
            "申请截止时间必须晚于开始时间",
        ));
    }
    Ok(())
}

/// The province's graduation batches, newest window first, with their application counts.
pub async fn list(state: &AppState, me: &CurrentStaff) -> Result<Vec<Listed>, AppError> {
    let p = require_office_admin(me)?;
    Ok(batches::of_province(&state.db, p.code()).await?)
}

/// Creates a graduation batch of the admin's province.
pub async fn create(
    state: &AppState,
    me: &CurrentStaff,
    name: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<batch::Model, AppError> {
    let p = require_office_admin(me)?;
    batches::check_name(name).map_err(|e| refused(e, "name"))?;
    check_window(opens_at, closes_at)?;
    let by = by(me, state);
    batches::create(&state.db, p.code(), name, opens_at, closes_at, by)
        .await
        .map_err(|e| refused(e, "opens_at"))
}

/// Moves the window of one of the province's graduation batches.
pub async fn move_window(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<batch::Model, AppError> {
    let p = require_office_admin(me)?;
    check_window(opens_at, closes_at)?;
    let by = by(me, state);
    batches::move_window(&state.db, Some(p.code()), id, opens_at, closes_at, by)
        .await
        .map_err(|e| refused(e, "opens_at"))
}

/// Sets the 申辩期限 of one of the province's graduation batches, in days.
pub async fn set_appeal_days(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    days: u32,
) -> Result<batch::Model, AppError> {
    let p = require_office_admin(me)?;
    let by = by(me, state);
    batches::set_appeal_days(&state.db, Some(p.code()), id, days, by)
        .await
        .map_err(|e| refused(e, "appeal_days"))
}

/// Ends the applications of one of the province's graduation batches now.
pub async fn close(state: &AppState, me: &CurrentStaff, id: i64) -> Result<batch::Model, AppError> {
    let p = require_office_admin(me)?;
    let by = by(me, state);
    batches::close(&state.db, Some(p.code()), id, by)
        .await
        .map_err(|e| refused(e, "id"))
}

/// The count of applications in one batch, for answers about a single batch.
pub async fn applications_in(state: &AppState, id: i64) -> Result<u64, AppError> {
    Ok(batches::applications_in(&state.db, id).await?)
}

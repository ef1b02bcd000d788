//! 工作委托: a reviewer away hands the review stages their role names to a colleague of the same
//! organisation who is a reviewer too, for a period of whole Beijing days; or an admin of the
//! organisation does it for them (reassigns). While it is in force the colleague may decide at
//! those stages, and each such decision names on whose behalf it was taken, in the application's
//! history and the audit trail. Either party or an admin may end it early (撤销).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::calendar::{beijing_date, from_beijing};
use domain::{Roles, StaffRole};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::{review_delegation as delegation, staff};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};

/// The longest period one delegation may cover, in days.
pub const MAX_DAYS: i64 = 90;
/// The longest 事由, in characters.
pub const REASON_MAX: usize = 100;

/// A delegation as asked for.
#[derive(Debug, Clone)]
pub struct NewDelegation {
    /// The reviewer away (委托人).
    pub from_staff_id: i64,
    /// The colleague (受托人).
    pub to_staff_id: i64,
    /// First Beijing day in force.
    pub first_day: NaiveDate,
    /// Last Beijing day in force (inclusive).
    pub last_day: NaiveDate,
    /// 事由, e.g. 休假.
    pub reason: String,
}

/// Who asks: the account, and whether it is an admin of the organisation.
#[derive(Debug, Clone, Copy)]
pub struct By {
    /// The staff account.
    pub staff_id: i64,
    /// Its organisation.
    pub org_id: i64,
    /// It holds 管理员 there.
    pub admin: bool,
}

/// Who takes a review decision: the account with its own roles, and the colleagues it stands in
/// for under delegations in force, each with that colleague's roles. For the reviews whose stage
/// is read in the same transaction as the decision is written (学位外语), so that the stage
/// checked is the stage decided.
#[derive(Debug, Clone, Copy)]
pub struct Decider<'a> {
    /// The account deciding.
    pub staff_id: i64,
    /// Its own roles.
    pub roles: &'a Roles,
    /// (委托人's id, their roles) of each delegation in force to it.
    pub stands_in_for: &'a [(i64, Roles)],
}

impl Decider<'_> {
    /// Whether it may decide at the stage named: by its own role (`Some(None)`), for the
    /// colleague whose id it gives (`Some(Some(id))`), or not at all (`None`). Its own role
    /// comes first, so a decision it could take anyway names nobody else.
    pub fn acting_for(&self, stage: &str) -> Option<Option<i64>> {
        if self.roles.may_review_stage(stage) {
            return Some(None);
        }
        self.stands_in_for
            .iter()
            .find(|(_, r)| r.may_review_stage(stage))
            .map(|(id, _)| Some(*id))
    }
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    from_beijing(d.and_time(NaiveTime::MIN))
}

async fn reviewer<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    org_id: i64,
    who: &str,
) -> Result<staff::Model, RepoError> {
    let s = staff::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|s| s.org_id == org_id)
        .ok_or_else(|| RepoError::Invalid(format!("{who}不是本机构的工作人员")))?;
    if s.disabled {
        return Err(RepoError::Invalid(format!(
            "{who}（{}）的账号已停用",
            s.display_name
        )));
    }
    let roles = crate::repo::staff::roles_of(conn, s.id).await?;
    if !roles.has(StaffRole::Reviewer) {
        return Err(RepoError::Invalid(format!(
            "{who}（{}）没有“审核员”角色：只能在审核员之间委托审核工作",
            s.display_name
        )));
    }
    Ok(s)
}

/// Records a delegation after checking it: the two are different reviewers of the asker's
/// organisation, the asker is the one away or an admin, the period is whole days from today on,
/// at most [`MAX_DAYS`], and a 事由 is given. Refused with the rule and the limit, nothing saved.
pub async fn create(
    db: &DatabaseConnection,
    by: By,
    d: NewDelegation,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<delegation::Model, RepoError> {
    let reason = d.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(RepoError::Invalid(
            "请填写委托事由（如 休假、出差）".to_owned(),
        ));
    }
    let chars = reason.chars().count();
    if chars > REASON_MAX {
        return Err(RepoError::Invalid(format!(
            "委托事由最多{REASON_MAX}个字，填写了{chars}个字，超出{}个",
            chars - REASON_MAX
        )));
    }
    if d.from_staff_id == d.to_staff_id {
        return Err(RepoError::Invalid("不能委托给本人".to_owned()));
    }
    if !by.admin && by.staff_id != d.from_staff_id {
        return Err(RepoError::Forbidden(
            "只能委托自己的审核工作；为他人安排委托需要“管理员”角色".to_owned(),
        ));
    }
    let today = beijing_date(now);
    if d.last_day < d.first_day {
        return Err(RepoError::Invalid(format!(
            "结束日期 {} 早于开始日期 {}",
            d.last_day, d.first_day
        )));
    }
    if d.first_day < today {
        return Err(RepoError::Invalid(format!(
            "开始日期 {} 已经过去：最早从今天（{today}）开始",
            d.first_day
        )));
    }
    let days = (d.last_day - d.first_day).num_days() + 1;
    if days > MAX_DAYS {
        return Err(RepoError::Invalid(format!(
            "一次委托最长{MAX_DAYS}天，所选期间为{days}天，超出{}天",
            days - MAX_DAYS
        )));
    }
    let from = reviewer(db, d.from_staff_id, by.org_id, "委托人").await?;
    let to = reviewer(db, d.to_staff_id, by.org_id, "受托人").await?;
    let starts_at = start_of(d.first_day).max(now);
    let ends_at = start_of(d.last_day) + Duration::days(1);
    let txn = crate::write::begin_write(db).await?;
    let saved = delegation::ActiveModel {
        org_id: Set(by.org_id),
        from_staff_id: Set(from.id),
        to_staff_id: Set(to.id),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        reason: Set(reason.clone()),
        created_by: Set(by.staff_id),
        created_at: Set(now),
        revoked_at: Set(None),
        revoked_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        Actor::staff(by.staff_id),
        "delegation.created",
        ("staff", Some(from.id)),
        &format!(
            "delegation={} from={} to={} first={} last={} reason={reason}",
            saved.id, from.username, to.username, d.first_day, d.last_day
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Ends a delegation now: by either party or an admin of its organisation. One already ended or
/// over is refused with which.
pub async fn revoke(
    db: &DatabaseConnection,
    by: By,
    id: i64,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let d = delegation::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|d| d.org_id == by.org_id)
        .ok_or(RepoError::NotFound)?;
    if !by.admin && by.staff_id != d.from_staff_id && by.staff_id != d.to_staff_id {
        return Err(RepoError::NotFound);
    }
    if d.revoked_at.is_some() {
        return Err(RepoError::Conflict("该委托已撤销".to_owned()));
    }
    if d.ends_at <= now {
        return Err(RepoError::Conflict("该委托已到期结束".to_owned()));
    }
    let txn = crate::write::begin_write(db).await?;
    let n = delegation::Entity::update_many()
        .col_expr(delegation::Column::RevokedAt, Expr::value(now))
        .col_expr(delegation::Column::RevokedBy, Expr::value(by.staff_id))
        .filter(delegation::Column::Id.eq(d.id))
        .filter(delegation::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if n != 1 {
        txn.rollback().await?;
        return Err(RepoError::Conflict("该委托已撤销".to_owned()));
    }
    audit::record(
        &txn,
        now,
        Actor::staff(by.staff_id),
        "delegation.revoked",
        ("staff", Some(d.from_staff_id)),
        &format!("delegation={}", d.id),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The delegations to `to_staff_id` in force at `now`, oldest first.
pub async fn in_force_to<C: ConnectionTrait>(
    conn: &C,
    to_staff_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<delegation::Model>, RepoError> {
    Ok(delegation::Entity::find()
        .filter(delegation::Column::ToStaffId.eq(to_staff_id))
        .filter(delegation::Column::EndsAt.gt(now))
        .filter(delegation::Column::StartsAt.lte(now))
        .filter(delegation::Column::RevokedAt.is_null())
        .order_by_asc(delegation::Column::Id)
        .all(conn)
        .await?)
}

/// The delegations of `org_id` that concern `staff_id` (as either party), or every one of the
/// organisation for an admin (`None`), newest first, at most `limit`.
pub async fn list(
    db: &DatabaseConnection,
    org_id: i64,
    staff_id: Option<i64>,
    limit: u64,
) -> Result<Vec<delegation::Model>, RepoError> {
    let mut q = delegation::Entity::find().filter(delegation::Column::OrgId.eq(org_id));
    if let Some(id) = staff_id {
        q = q.filter(
            sea_orm::Condition::any()
                .add(delegation::Column::FromStaffId.eq(id))
                .add(delegation::Column::ToStaffId.eq(id)),
        );
    }
    Ok(q.order_by_desc(delegation::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The reviewers of `org_id` one may delegate to or for: enabled accounts holding 审核员, by name.
pub async fn reviewers(
    db: &DatabaseConnection,
    org_id: i64,
) -> Result<Vec<staff::Model>, RepoError> {
    let all = staff::Entity::find()
        .filter(staff::Column::OrgId.eq(org_id))
        .filter(staff::Column::Disabled.eq(false))
        .order_by_asc(staff::Column::DisplayName)
        .all(db)
        .await?;
    let ids: Vec<i64> = all.iter().map(|s| s.id).collect();
    let roles = crate::repo::staff::roles_of_many(db, &ids).await?;
    Ok(all
        .into_iter()
        .filter(|s| roles.get(&s.id).is_some_and(|r| r.has(StaffRole::Reviewer)))
        .collect())
}

//! The school's 学位外语 and 学位申请 batches (seed 002: "2024批次", "2024春季学位申请"), managed by
//! the school's admin: created with their application window, which may later be moved. A batch
//! copies the school's degree rules when created ([`crate::repo::reference::create_batch`]).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use crate::entity::batch;
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};
use crate::repo::reference::{self, NewBatch};

/// The kinds a school runs.
pub const KINDS: [(&str, &str); 2] = [("language", "学位外语"), ("degree", "学位申请")];

/// The label of a batch kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or("批次")
}

/// The school's language and degree batches, newest window first.
pub async fn of_school<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
) -> Result<Vec<batch::Model>, RepoError> {
    Ok(batch::Entity::find()
        .filter(batch::Column::OrgId.eq(org_id))
        .filter(batch::Column::Kind.is_in(KINDS.iter().map(|(k, _)| *k)))
        .order_by_desc(batch::Column::OpensAt)
        .all(conn)
        .await?)
}

fn check_name(name: &str) -> Result<(), RepoError> {
    let n = name.chars().count();
    if n == 0 || n > 50 {
        return Err(RepoError::Invalid(format!(
            "批次名称应为 1–50 个字，实际 {n} 个"
        )));
    }
    Ok(())
}

/// Creates a batch of `kind` for the school; a second batch of the same kind and name is refused.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &DatabaseConnection,
    org_id: i64,
    kind: &str,
    name: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<batch::Model, RepoError> {
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(RepoError::Invalid(
            "请选择批次类型：学位外语或学位申请".to_owned(),
        ));
    }
    let name = name.trim();
    check_name(name)?;
    if of_school(db, org_id)
        .await?
        .iter()
        .any(|b| b.kind == kind && b.name == name)
    {
        return Err(RepoError::Conflict(format!(
            "已有名为“{name}”的{}批次",
            kind_label(kind)
        )));
    }
    let txn = crate::write::begin_write(db).await?;
    let created = reference::create_batch(
        &txn,
        NewBatch {
            kind,
            province: None,
            org_id: Some(org_id),
            name,
            opens_at,
            closes_at,
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        Actor::staff(staff_id),
        "batch.created",
        ("batch", Some(created.id)),
        &format!("kind={kind} name={name}"),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Moves the window of one of the school's batches.
pub async fn set_window(
    db: &DatabaseConnection,
    org_id: i64,
    batch_id: i64,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<batch::Model, RepoError> {
    if closes_at <= opens_at {
        return Err(RepoError::Invalid(
            "批次的申请截止时间必须晚于开始时间".to_owned(),
        ));
    }
    let txn = crate::write::begin_write(db).await?;
    let n = batch::Entity::update_many()
        .col_expr(batch::Column::OpensAt, Expr::value(opens_at))
        .col_expr(batch::Column::ClosesAt, Expr::value(closes_at))
        .filter(batch::Column::Id.eq(batch_id))
        .filter(batch::Column::OrgId.eq(org_id))
        .filter(batch::Column::Kind.is_in(KINDS.iter().map(|(k, _)| *k)))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(RepoError::NotFound);
    }
    audit::record(
        &txn,
        now,
        Actor::staff(staff_id),
        "batch.window_changed",
        ("batch", Some(batch_id)),
        &format!("opens_at={opens_at} closes_at={closes_at}"),
        None,
    )
    .await?;
    let b = batch::Entity::find_by_id(batch_id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    txn.commit().await?;
    Ok(b)
}

/// Sets the appeal period (申辩期限) of one of the school's batches, in days after the day of a
/// decision. It applies to the batch's decisions not yet appealed, those already made included:
/// the period is read from the batch when a student files.
pub async fn set_appeal_days(
    db: &DatabaseConnection,
    org_id: i64,
    batch_id: i64,
    days: u32,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<batch::Model, RepoError> {
    let max = domain::appeal::MAX_PERIOD_DAYS;
    if !(1..=max).contains(&days) {
        return Err(RepoError::Invalid(format!(
            "申辩期限应为1至{max}之间的整数天数，实际为{days}天"
        )));
    }
    let txn = crate::write::begin_write(db).await?;
    let n = batch::Entity::update_many()
        .col_expr(
            batch::Column::AppealDays,
            Expr::value(i32::try_from(days).unwrap_or(i32::MAX)),
        )
        .filter(batch::Column::Id.eq(batch_id))
        .filter(batch::Column::OrgId.eq(org_id))
        .filter(batch::Column::Kind.is_in(KINDS.iter().map(|(k, _)| *k)))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        txn.rollback().await?;
        return Err(RepoError::NotFound);
    }
    audit::record(
        &txn,
        now,
        Actor::staff(staff_id),
        "batch.appeal_days_changed",
        ("batch", Some(batch_id)),
        &format!("appeal_days={days}"),
        None,
    )
    .await?;
    let b = batch::Entity::find_by_id(batch_id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    txn.commit().await?;
    Ok(b)
}

//! 毕业批次 administered by a province's office: create a batch with its application window, move
//! the window, end applications now, list the province's batches with how many applied in each.
//! A graduation batch copies the province's pipeline, fee and upload limit when it is created
//! ([`crate::repo::reference::create_batch`]).
//!
//! The windows of one province's graduation batches never overlap (windows that only touch are
//! fine): a candidate applies "in the open batch", which must be one. Every change takes the lock
//! of the province office's organisation row first, so two changes of one province run one after
//! the other on every backend and the overlap check reads what the other committed.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use domain::Province;
use domain::calendar::beijing_minute;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::{batch, graduation_application, organisation};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};
use crate::repo::reference::{self, NewBatch};

/// The longest batch name, in characters.
pub const NAME_MAX: usize = 40;

/// The kind code of graduation batches in the `batches` table.
const KIND: &str = "graduation";

/// Where a batch's window stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// 未开始: the window opens later.
    NotOpen,
    /// 申请中: the window is open.
    Open,
    /// 已截止: the window has ended.
    Ended,
}

impl Phase {
    /// Where `b`'s window stands at `now` (a window includes its start, not its end).
    pub fn of(b: &batch::Model, now: DateTime<Utc>) -> Phase {
        if now < b.opens_at {
            Phase::NotOpen
        } else if now < b.closes_at {
            Phase::Open
        } else {
            Phase::Ended
        }
    }

    /// 未开始 / 申请中 / 已截止.
    pub fn label(self) -> &'static str {
        match self {
            Phase::NotOpen => "未开始",
            Phase::Open => "申请中",
            Phase::Ended => "已截止",
        }
    }
}

/// One graduation batch as listed.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The batch.
    pub batch: batch::Model,
    /// How many applications were filed in it.
    pub applications: u64,
}

/// Who makes a change, when and from where: written into its audit row.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    /// The staff account, or the system for the command line.
    pub actor: Actor,
    /// The current time.
    pub now: DateTime<Utc>,
    /// The client address, for changes made over HTTP.
    pub ip: Option<&'a str>,
}

/// The province's graduation batches, newest window first, with their application counts.
pub async fn of_province<C: ConnectionTrait>(
    conn: &C,
    province: &str,
) -> Result<Vec<Listed>, RepoError> {
    let rows = crate::graduation::application::batches_of_province(conn, province).await?;
    let counts: HashMap<i64, i64> = graduation_application::Entity::find()
        .select_only()
        .column(graduation_application::Column::BatchId)
        .column_as(graduation_application::Column::Id.count(), "n")
        .filter(graduation_application::Column::BatchId.is_in(rows.iter().map(|b| b.id)))
        .group_by(graduation_application::Column::BatchId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|b| Listed {
            applications: counts
                .get(&b.id)
                .copied()
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
            batch: b,
        })
        .collect())
}

/// The batch name, trimmed, if it has 1 to [`NAME_MAX`] characters.
pub fn check_name(name: &str) -> Result<&str, RepoError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 {
        return Err(RepoError::Invalid(
            "请填写批次名称（1–40 个字，如“2027年上半年毕业申请”）".to_owned(),
        ));
    }
    if n > NAME_MAX {
        return Err(RepoError::Invalid(format!(
            "批次名称最多 {NAME_MAX} 个字，现有 {n} 个字，超出 {} 个字",
            n - NAME_MAX
        )));
    }
    Ok(name)
}

fn check_window(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> Result<(), RepoError> {
    if closes_at <= opens_at {
        return Err(RepoError::Invalid(
            "申请截止时间必须晚于开始时间".to_owned(),
        ));
    }
    Ok(())
}

fn window_text(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>) -> String {
    format!(
        "{} 至 {}",
        beijing_minute(opens_at),
        beijing_minute(closes_at)
    )
}

/// The province office's organisation id, read before the transaction so that the lock in
/// [`lock_province`] is taken by primary key: filtered by province and kind, MySQL would lock
/// every organisation row its scan passes.
pub(crate) async fn office_id(db: &DatabaseConnection, p: Province) -> Result<i64, RepoError> {
    organisation::Entity::find()
        .filter(organisation::Column::Province.eq(p.code()))
        .filter(organisation::Column::Kind.eq(p.office().code()))
        .one(db)
        .await?
        .map(|o| o.id)
        .ok_or_else(|| {
            RepoError::Invalid(format!(
                "{}的省级考试机构尚未创建，请先运行 biye init-province {}",
                p.label(),
                p.code()
            ))
        })
}

/// Takes the lock of the province office's organisation row: the first statement of the
/// transaction writes it (to itself), which holds a row lock on PostgreSQL and MySQL and the
/// database's write lock on SQLite until commit, so changes of one province run one at a time.
/// Reading first and writing later would not do: SQLite refuses a read transaction's upgrade to
/// a write while another writer is active.
pub(crate) async fn lock_province(txn: &DatabaseTransaction, office: i64) -> Result<(), RepoError> {
    organisation::Entity::update_many()
        .col_expr(
            organisation::Column::Id,
            Expr::col(organisation::Column::Id),
        )
        .filter(organisation::Column::Id.eq(office))
        .exec(txn)
        .await?;
    Ok(())
}

/// Refuses a window that overlaps another graduation batch of the province (`except` the batch
/// being moved), naming that batch and its window.
async fn refuse_overlap(
    txn: &DatabaseTransaction,
    province: &str,
    except: Option<i64>,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut q = batch::Entity::find()
        .filter(batch::Column::Kind.eq(KIND))
        .filter(batch::Column::Province.eq(province))
        // Half-open windows: touching ends do not overlap.
        .filter(batch::Column::OpensAt.lt(closes_at))
        .filter(batch::Column::ClosesAt.gt(opens_at));
    if let Some(id) = except {
        q = q.filter(batch::Column::Id.ne(id));
    }
    if let Some(other) = q.order_by_asc(batch::Column::OpensAt).one(txn).await? {
        return Err(RepoError::Conflict(format!(
            "申请时间与毕业批次“{}”（{}，北京时间）重叠：同一省份的毕业批次申请时间不能重叠（可首尾相接）",
            other.name,
            window_text(other.opens_at, other.closes_at)
        )));
    }
    Ok(())
}

/// Creates a graduation batch of `province` with its window; it copies the province's pipeline,
/// fee and upload limit as they are now.
pub async fn create(
    db: &DatabaseConnection,
    province: &str,
    name: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    by: By<'_>,
) -> Result<batch::Model, RepoError> {
    let p = Province::of(province).map_err(|e| RepoError::Invalid(e.0))?;
    let name = check_name(name)?;
    check_window(opens_at, closes_at)?;
    let office = office_id(db, p).await?;
    let txn = crate::write::begin_write(db).await?;
    lock_province(&txn, office).await?;
    refuse_overlap(&txn, p.code(), None, opens_at, closes_at).await?;
    let created = reference::create_batch(
        &txn,
        NewBatch {
            kind: KIND,
            province: Some(p.code()),
            org_id: None,
            name,
            opens_at,
            closes_at,
        },
        by.now,
    )
    .await?;
    audit::record(
        &txn,
        by.now,
        by.actor,
        "batch.created",
        ("batch", Some(created.id)),
        &format!(
            "province={} name={name} opens_at={opens_at} closes_at={closes_at}",
            p.code()
        ),
        by.ip,
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The graduation batch `id`, within `province` when one is given (a batch of another province
/// reads as missing); `None` reaches every province (the command line).
async fn find<C: ConnectionTrait>(
    conn: &C,
    province: Option<&str>,
    id: i64,
) -> Result<batch::Model, RepoError> {
    let mut q = batch::Entity::find_by_id(id).filter(batch::Column::Kind.eq(KIND));
    if let Some(code) = province {
        q = q.filter(batch::Column::Province.eq(code));
    }
    q.one(conn).await?.ok_or(RepoError::NotFound)
}

fn province_of(b: &batch::Model) -> Result<Province, RepoError> {
    Province::of(b.province.as_deref().unwrap_or_default()).map_err(|e| RepoError::Invalid(e.0))
}

/// How many applications were filed in the batch.
pub async fn applications_in<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
) -> Result<u64, RepoError> {
    use sea_orm::PaginatorTrait;
    Ok(graduation_application::Entity::find()
        .filter(graduation_application::Column::BatchId.eq(batch_id))
        .count(conn)
        .await?)
}

/// Moves a graduation batch's window. The end may move either way, also to reopen an ended
/// batch; the start of a batch that has opened and holds applications stays, since those
/// applications were filed in that window and the batch's ID-validity cutoff follows from it.
pub async fn move_window(
    db: &DatabaseConnection,
    province: Option<&str>,
    id: i64,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    by: By<'_>,
) -> Result<batch::Model, RepoError> {
    check_window(opens_at, closes_at)?;
    let p = province_of(&find(db, province, id).await?)?;
    let office = office_id(db, p).await?;
    let txn = crate::write::begin_write(db).await?;
    lock_province(&txn, office).await?;
    let b = find(&txn, province, id).await?;
    if opens_at != b.opens_at && b.opens_at <= by.now {
        let n = applications_in(&txn, b.id).await?;
        if n > 0 {
            return Err(RepoError::Invalid(format!(
                "批次“{}”已于 {} 开始申请，已有 {n} 份申请，不能修改申请开始时间：这些申请按原申请时间提交，身份证有效期要求也由开始时间确定；如需延长，请只修改申请截止时间",
                b.name,
                beijing_minute(b.opens_at)
            )));
        }
    }
    refuse_overlap(&txn, p.code(), Some(b.id), opens_at, closes_at).await?;
    let mut update = batch::Entity::update_many()
        .col_expr(batch::Column::OpensAt, Expr::value(opens_at))
        .col_expr(batch::Column::ClosesAt, Expr::value(closes_at));
    if opens_at != b.opens_at {
        // The ID-validity cutoff is the end of the half-year (or year) the batch opens in.
        update = update.col_expr(
            batch::Column::IdValidAfter,
            Expr::value(p.id_cutoff(domain::calendar::beijing_date(opens_at))),
        );
    }
    update.filter(batch::Column::Id.eq(b.id)).exec(&txn).await?;
    audit::record(
        &txn,
        by.now,
        by.actor,
        "batch.moved",
        ("batch", Some(b.id)),
        &format!(
            "from={}..{} to={opens_at}..{closes_at}",
            b.opens_at, b.closes_at
        ),
        by.ip,
    )
    .await?;
    let moved = find(&txn, None, b.id).await?;
    txn.commit().await?;
    Ok(moved)
}

/// Ends a graduation batch's applications now: its window closes at this second. Refused when
/// the window has ended already or has not opened (moving the window is the way to put a batch
/// off). Applications without initial approval and payment are then closed by the
/// `close_applications` job as at any deadline.
pub async fn close(
    db: &DatabaseConnection,
    province: Option<&str>,
    id: i64,
    by: By<'_>,
) -> Result<batch::Model, RepoError> {
    let p = province_of(&find(db, province, id).await?)?;
    // Whole seconds, as every backend stores them: the closing instant read back is the one
    // written, and a batch may start exactly then.
    let now = by.now.trunc_subsecs(0);
    let office = office_id(db, p).await?;
    let txn = crate::write::begin_write(db).await?;
    lock_province(&txn, office).await?;
    let b = find(&txn, province, id).await?;
    match Phase::of(&b, now) {
        Phase::Ended => {
            return Err(RepoError::Invalid(format!(
                "批次“{}”已于 {} 截止申请，无需结束；如需重新开放，请调整申请时间",
                b.name,
                beijing_minute(b.closes_at)
            )));
        }
        Phase::NotOpen => {
            return Err(RepoError::Invalid(format!(
                "批次“{}”尚未开始申请（{} 开始），不能结束申请；如需改期，请调整申请时间",
                b.name,
                beijing_minute(b.opens_at)
            )));
        }
        Phase::Open => {}
    }
    batch::Entity::update_many()
        .col_expr(batch::Column::ClosesAt, Expr::value(now))
        .filter(batch::Column::Id.eq(b.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        by.now,
        by.actor,
        "batch.closed",
        ("batch", Some(b.id)),
        &format!("closes_at={} was={}", now, b.closes_at),
        by.ip,
    )
    .await?;
    let closed = find(&txn, None, b.id).await?;
    txn.commit().await?;
    Ok(closed)
}

/// Sets the appeal period (申辩期限) of one of the province's graduation batches, in days after
/// the day an application's rejection became final (the batch's close). It applies to the
/// batch's decisions not yet appealed, those already made included: the period is read from the
/// batch when a candidate files.
pub async fn set_appeal_days(
    db: &DatabaseConnection,
    province: Option<&str>,
    id: i64,
    days: u32,
    by: By<'_>,
) -> Result<batch::Model, RepoError> {
    let max = domain::appeal::MAX_PERIOD_DAYS;
    if !(1..=max).contains(&days) {
        return Err(RepoError::Invalid(format!(
            "申辩期限应为1至{max}之间的整数天数，实际为{days}天"
        )));
    }
    let b = find(db, province, id).await?;
    let txn = crate::write::begin_write(db).await?;
    batch::Entity::update_many()
        .col_expr(
            batch::Column::AppealDays,
            Expr::value(i32::try_from(days).unwrap_or(i32::MAX)),
        )
        .filter(batch::Column::Id.eq(b.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        by.now,
        by.actor,
        "batch.appeal_days_changed",
        ("batch", Some(b.id)),
        &format!("appeal_days={days} was={}", b.appeal_days),
        by.ip,
    )
    .await?;
    let saved = find(&txn, None, b.id).await?;
    txn.commit().await?;
    Ok(saved)
}

//! 主考学校公告 per graduation batch (seed 001: "请考生认真查看主考学校公告，按照公告要求申请毕业").
//!
//! A chief university's admin writes one text per batch of its province; the candidate's form
//! shows the text of the batch applied in, or the university's standing 公告 where none is
//! written. The text is plain: the page escapes it and keeps its line breaks.

use chrono::{DateTime, Utc};
use domain::OrgKind;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::entity::{batch, batch_announcement, organisation};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};

/// The longest 公告, in characters: about a printed page.
pub const MAX_CHARS: usize = 2000;

/// The text as stored: line breaks as `\n`, trailing blanks of each line and the whole trimmed.
/// Refused with the limit and the excess when longer than [`MAX_CHARS`], and when it holds a
/// control character a page could not show.
pub fn check(text: &str) -> Result<String, RepoError> {
    let unified = text.replace("\r\n", "\n").replace('\r', "\n");
    let body = unified
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned();
    if let Some((line, _)) = body
        .lines()
        .enumerate()
        .find(|(_, l)| l.chars().any(|c| c.is_control() && c != '\t'))
    {
        return Err(RepoError::Invalid(format!(
            "公告第{}行含有不可显示的控制字符，请删除后再保存",
            line + 1
        )));
    }
    let n = body.chars().count();
    if n > MAX_CHARS {
        return Err(RepoError::Invalid(format!(
            "公告最多 {MAX_CHARS} 字，当前 {n} 字，超出 {} 字，请删减后再保存",
            n - MAX_CHARS
        )));
    }
    Ok(body)
}

/// Who may write a batch's 公告: admins of a chief university, for the batches of its province.
fn require_university(org: &organisation::Model) -> Result<&str, RepoError> {
    match (OrgKind::from_code(&org.kind), org.province.as_deref()) {
        (Some(OrgKind::ChiefUniversity), Some(p)) => Ok(p),
        _ => Err(RepoError::Forbidden(
            "主考学校公告由主考学校的管理员填写；本机构不是主考学校".to_owned(),
        )),
    }
}

/// A graduation batch with the university's text for it (`None`: none written, the standing
/// 公告 is shown).
pub struct BatchNotice {
    /// The batch.
    pub batch: batch::Model,
    /// The text written for it.
    pub body: Option<batch_announcement::Model>,
}

/// The graduation batches of the university's province, newest window first, each with the
/// university's text for it.
pub async fn of_university<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
) -> Result<Vec<BatchNotice>, RepoError> {
    let province = require_university(org)?;
    let batches = super::application::batches_of_province(conn, province).await?;
    let mut texts: Vec<batch_announcement::Model> = batch_announcement::Entity::find()
        .filter(batch_announcement::Column::OrgId.eq(org.id))
        .filter(batch_announcement::Column::BatchId.is_in(batches.iter().map(|b| b.id)))
        .all(conn)
        .await?;
    Ok(batches
        .into_iter()
        .map(|b| {
            let body = texts
                .iter()
                .position(|t| t.batch_id == b.id)
                .map(|i| texts.swap_remove(i));
            BatchNotice { batch: b, body }
        })
        .collect())
}

/// What a candidate of `batch_id` applying to `university` reads: the text written for the
/// batch, else the university's standing 公告.
pub async fn shown<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
    university: &organisation::Model,
) -> Result<String, RepoError> {
    let written = batch_announcement::Entity::find()
        .filter(batch_announcement::Column::BatchId.eq(batch_id))
        .filter(batch_announcement::Column::OrgId.eq(university.id))
        .one(conn)
        .await?;
    Ok(written
        .map(|w| w.body)
        .unwrap_or_else(|| university.announcement.clone()))
}

/// Saves the university's text for a graduation batch of its province; an empty text removes it,
/// so that the standing 公告 shows again. Audited as `announcement.updated` or
/// `announcement.cleared` in the same transaction. Two admins saving at once leave one text, the
/// later one's.
pub async fn save(
    db: &DatabaseConnection,
    org: &organisation::Model,
    staff_id: i64,
    batch_id: i64,
    text: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<Option<batch_announcement::Model>, RepoError> {
    let province = require_university(org)?;
    let body = check(text)?;
    let b = batch::Entity::find_by_id(batch_id)
        .filter(batch::Column::Kind.eq("graduation"))
        .filter(batch::Column::Province.eq(province))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let txn = crate::write::begin_write(db).await?;
    let filter = || {
        sea_orm::Condition::all()
            .add(batch_announcement::Column::BatchId.eq(b.id))
            .add(batch_announcement::Column::OrgId.eq(org.id))
    };
    let action = if body.is_empty() {
        batch_announcement::Entity::delete_many()
            .filter(filter())
            .exec(&txn)
            .await?;
        "announcement.cleared"
    } else {
        batch_announcement::Entity::insert(batch_announcement::ActiveModel {
            batch_id: Set(b.id),
            org_id: Set(org.id),
            body: Set(body.clone()),
            updated_by: Set(staff_id),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                batch_announcement::Column::BatchId,
                batch_announcement::Column::OrgId,
            ])
            .update_columns([
                batch_announcement::Column::Body,
                batch_announcement::Column::UpdatedBy,
                batch_announcement::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        "announcement.updated"
    };
    let saved = batch_announcement::Entity::find()
        .filter(filter())
        .one(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        Actor::staff(staff_id),
        action,
        ("batch", Some(b.id)),
        &format!("org_id={} chars={}", org.id, body.chars().count()),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

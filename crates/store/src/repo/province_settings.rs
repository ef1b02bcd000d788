//! A province office's settings over its definition (fee, upload limit, 须知), read where a
//! batch is created and where the 须知 is shown, written by the office's admins.

use chrono::{DateTime, Utc};
use domain::graduation::certificate_no::CertificateRule;
use domain::province::Settings;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use super::RepoError;
use crate::entity::province_setting as row;

/// The settings of province `code`; all `None` where the office set nothing.
pub async fn get<C: ConnectionTrait>(conn: &C, code: &str) -> Result<Settings, RepoError> {
    let Some(r) = row::Entity::find_by_id(code.to_owned()).one(conn).await? else {
        return Ok(Settings::default());
    };
    Ok(Settings {
        fee_fen: r.fee_fen,
        scan_max_bytes: r.scan_max_bytes.and_then(|b| usize::try_from(b).ok()),
        notice: r
            .notice
            .map(|n| n.lines().map(str::to_owned).collect::<Vec<_>>())
            .filter(|items| !items.is_empty()),
    })
}

/// Replaces the settings of province `code` (checked by `domain::province::parse_settings`) for
/// staff member `staff_id` of organisation `org_id`, with its audit row, in one transaction.
pub async fn set(
    db: &crate::Db,
    code: &str,
    s: &Settings,
    (staff_id, org_id): (i64, i64),
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let txn = crate::write::begin_write(db).await?;
    write(&txn, code, s, staff_id, now).await?;
    super::audit::record(
        &txn,
        now,
        super::audit::Actor::staff(staff_id),
        "province_settings.set",
        ("organisation", Some(org_id)),
        &format!(
            "province={code} fee_fen={} scan_max_bytes={} notice_items={}",
            s.fee_fen.map_or("默认".to_owned(), |f| f.to_string()),
            s.scan_max_bytes
                .map_or("默认".to_owned(), |b| b.to_string()),
            s.notice.as_ref().map_or(0, Vec::len)
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn write<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    s: &Settings,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    // One upsert, so two admins saving at once leave one row (the later) rather than a
    // uniqueness error for the one whose delete found nothing to delete.
    let am = row::ActiveModel {
        province: Set(code.to_owned()),
        fee_fen: Set(s.fee_fen),
        scan_max_bytes: Set(s
            .scan_max_bytes
            .map(|b| i64::try_from(b).unwrap_or(i64::MAX))),
        notice: Set(s.notice.as_ref().map(|items| items.join("\n"))),
        // Its own form writes it (`set_certificate_rule`); an upsert here leaves it as it is.
        cert_org_code: sea_orm::ActiveValue::NotSet,
        updated_by: Set(Some(staff_id)),
        updated_at: Set(now),
    };
    row::Entity::insert(am)
        .on_conflict(
            OnConflict::column(row::Column::Province)
                .update_columns([
                    row::Column::FeeFen,
                    row::Column::ScanMaxBytes,
                    row::Column::Notice,
                    row::Column::UpdatedBy,
                    row::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The 毕业证书编号 rule of province `code`, if its office has set one.
pub async fn certificate_rule<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<CertificateRule>, RepoError> {
    let Some(r) = row::Entity::find_by_id(code.to_owned()).one(conn).await? else {
        return Ok(None);
    };
    Ok(r.cert_org_code
        .as_deref()
        .and_then(|c| CertificateRule::parse(c).ok()))
}

/// Sets the 毕业证书编号 rule of province `code` for staff member `staff_id` of organisation
/// `org_id`, with its audit row, in one transaction. Numbers already assigned keep theirs: a
/// certificate number never changes once made.
pub async fn set_certificate_rule(
    db: &crate::Db,
    code: &str,
    rule: &CertificateRule,
    (staff_id, org_id): (i64, i64),
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let am = row::ActiveModel {
        province: Set(code.to_owned()),
        fee_fen: Set(None),
        scan_max_bytes: Set(None),
        notice: Set(None),
        cert_org_code: Set(Some(rule.org_code().to_owned())),
        updated_by: Set(Some(staff_id)),
        updated_at: Set(now),
    };
    // Only the code on conflict: the fee, limit and 须知 stay as their own form left them.
    row::Entity::insert(am)
        .on_conflict(
            OnConflict::column(row::Column::Province)
                .update_columns([
                    row::Column::CertOrgCode,
                    row::Column::UpdatedBy,
                    row::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    super::audit::record(
        &txn,
        now,
        super::audit::Actor::staff(staff_id),
        "province_settings.certificate_rule",
        ("organisation", Some(org_id)),
        &format!("province={code} cert_org_code={}", rule.org_code()),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

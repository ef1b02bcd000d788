//! Staff accounts managed by an organisation's admin: the accounts of its organisation and of the
//! organisations below it — create (with a one-time password to change at the first sign-in),
//! disable, enable, reset the password (which also lifts a sign-in lock). An account outside the
//! admin's subtree looks like one that does not exist. Every change is audited in its transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::{Me, ResetBy, one_time_password, reset_to_one_time};
use crate::entity::{organisation, staff};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};

/// One account as the admin's list shows it.
#[derive(Debug, Clone)]
pub struct Line {
    /// The account.
    pub staff: staff::Model,
    /// Its organisation.
    pub org: organisation::Model,
    /// Until when sign-in is locked after wrong passwords, if it is now.
    pub locked_until: Option<DateTime<Utc>>,
}

/// The sign-in counter's key of a staff account (as the sign-in page counts it).
fn throttle_key(username: &str) -> String {
    format!("acct:staff:{username}")
}

/// The organisations of `admin_org`'s subtree, parent before children.
pub async fn subtree(
    db: &DatabaseConnection,
    admin_org: &organisation::Model,
) -> Result<Vec<organisation::Model>, RepoError> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Path.starts_with(&admin_org.path))
        .order_by_asc(organisation::Column::Path)
        .all(db)
        .await?)
}

/// The staff accounts of the subtree, by organisation then username.
pub async fn list(
    db: &DatabaseConnection,
    admin_org: &organisation::Model,
    now: DateTime<Utc>,
) -> Result<Vec<Line>, RepoError> {
    let orgs = subtree(db, admin_org).await?;
    let accounts = staff::Entity::find()
        .filter(staff::Column::OrgId.is_in(orgs.iter().map(|o| o.id)))
        .order_by_asc(staff::Column::Username)
        .all(db)
        .await?;
    let locks: std::collections::HashMap<String, DateTime<Utc>> =
        crate::entity::login_throttle::Entity::find()
            .filter(
                crate::entity::login_throttle::Column::Key
                    .is_in(accounts.iter().map(|s| throttle_key(&s.username))),
            )
            .filter(crate::entity::login_throttle::Column::LockedUntil.gt(now))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|t| t.locked_until.map(|u| (t.key, u)))
            .collect();
    let mut lines: Vec<Line> = accounts
        .into_iter()
        .filter_map(|s| {
            let locked_until = locks.get(&throttle_key(&s.username)).copied();
            orgs.iter()
                .find(|o| o.id == s.org_id)
                .cloned()
                .map(|org| Line {
                    staff: s,
                    org,
                    locked_until,
                })
        })
        .collect();
    lines.sort_by(|a, b| a.org.path.cmp(&b.org.path));
    Ok(lines)
}

/// One account of the subtree, or `NotFound`.
pub async fn in_subtree(
    db: &DatabaseConnection,
    admin_org: &organisation::Model,
    id: i64,
) -> Result<staff::Model, RepoError> {
    let s = crate::repo::staff::get(db, id).await?;
    let org = crate::repo::org::get(db, s.org_id).await?;
    if crate::repo::org::is_within(&org, admin_org) {
        Ok(s)
    } else {
        Err(RepoError::NotFound)
    }
}

/// A new account as the admin types it.
#[derive(Debug, Clone, Copy)]
pub struct NewStaff<'a> {
    /// Sign-in name: 3–32 letters, digits, `-`, `_` or `.`.
    pub username: &'a str,
    /// 姓名 as shown to colleagues.
    pub display_name: &'a str,
    /// An organisation of the admin's subtree.
    pub org_id: i64,
    /// 审核员 or 管理员.
    pub role: domain::StaffRole,
}

fn check_username(u: &str) -> Result<(), RepoError> {
    let n = u.chars().count();
    if !(3..=32).contains(&n) {
        return Err(RepoError::Invalid(format!(
            "用户名应为3至32个字符，实际为{n}个字符"
        )));
    }
    if let Some(bad) = u
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(RepoError::Invalid(format!(
            "用户名只能由英文字母、数字和 - _ . 组成，不能含“{bad}”"
        )));
    }
    Ok(())
}

/// Creates an account in the subtree with a one-time password, returned to be shown once; it
/// must be changed at the first sign-in.
pub async fn create(
    db: &DatabaseConnection,
    admin: &staff::Model,
    admin_org: &organisation::Model,
    new: NewStaff<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(staff::Model, String), RepoError> {
    let username = new.username.trim();
    check_username(username)?;
    let name = new.display_name.trim();
    let n = name.chars().count();
    if n == 0 || n > 30 {
        return Err(RepoError::Invalid(format!(
            "姓名应为1至30个字，实际为{n}个字"
        )));
    }
    // An organisation outside the subtree reads like one that does not exist; a database
    // failure stays one.
    let outside = || RepoError::Invalid("请选择本机构或下级机构".to_owned());
    let org = match crate::repo::org::get(db, new.org_id).await {
        Ok(o) if crate::repo::org::is_within(&o, admin_org) => o,
        Ok(_) | Err(RepoError::NotFound) => return Err(outside()),
        Err(e) => return Err(e),
    };
    let password = one_time_password();
    let owned = password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::repo::password::hash(&owned))
        .await
        .map_err(|e| RepoError::Invalid(format!("密码处理失败：{e}")))?
        .map_err(RepoError::Invalid)?;
    let txn = db.begin().await?;
    let created =
        crate::repo::staff::create(&txn, org.id, username, name, new.role, hash, now).await?;
    crate::repo::staff::require_password_change(&txn, created.id).await?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: "staff",
            id: Some(admin.id),
        },
        "staff.created",
        ("staff", Some(created.id)),
        &format!(
            "username={username} org={} role={}",
            org.code,
            new.role.code()
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    let created = crate::repo::staff::get(db, created.id).await?;
    Ok((created, password))
}

/// Disables or enables an account of the subtree. A disabled account's sessions end at once; an
/// admin cannot disable their own account.
pub async fn set_disabled(
    db: &DatabaseConnection,
    admin: &staff::Model,
    admin_org: &organisation::Model,
    id: i64,
    disabled: bool,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let target = in_subtree(db, admin_org, id).await?;
    if disabled && target.id == admin.id {
        return Err(RepoError::Invalid("不能停用自己正在使用的账号".to_owned()));
    }
    let txn = db.begin().await?;
    staff::Entity::update_many()
        .col_expr(staff::Column::Disabled, Expr::value(disabled))
        .filter(staff::Column::Id.eq(target.id))
        .exec(&txn)
        .await?;
    if disabled {
        crate::repo::session::delete_for_user(&txn, "staff", target.id).await?;
    }
    audit::record(
        &txn,
        now,
        Actor {
            kind: "staff",
            id: Some(admin.id),
        },
        if disabled {
            "staff.disabled"
        } else {
            "staff.enabled"
        },
        ("staff", Some(target.id)),
        &format!("username={}", target.username),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A one-time password for an account of the subtree (forgotten, or locked out).
pub async fn reset(
    db: &DatabaseConnection,
    admin: &staff::Model,
    admin_org: &organisation::Model,
    id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(staff::Model, String), RepoError> {
    let target = in_subtree(db, admin_org, id).await?;
    let password =
        reset_to_one_time(db, Me::Staff(target.id), ResetBy::Staff(admin.id), now, ip).await?;
    Ok((target, password))
}

/// 解除锁定: forgets the account's wrong sign-ins, so its own password works again at once.
pub async fn unlock(
    db: &DatabaseConnection,
    admin: &staff::Model,
    admin_org: &organisation::Model,
    id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let target = in_subtree(db, admin_org, id).await?;
    let txn = db.begin().await?;
    crate::repo::throttle::clear(&txn, &throttle_key(&target.username)).await?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: "staff",
            id: Some(admin.id),
        },
        "staff.unlocked",
        ("staff", Some(target.id)),
        &format!("username={}", target.username),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

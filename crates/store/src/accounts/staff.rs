//! Staff accounts managed by an organisation's admin: the accounts of its organisation and of the
//! organisations below it — create (with a one-time password to change at the first sign-in),
//! disable, enable, reset the password (which also lifts a sign-in lock). An account outside the
//! admin's subtree looks like one that does not exist. Every change is audited in its transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

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
    /// Its roles.
    pub roles: domain::Roles,
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
    let ids: Vec<i64> = accounts.iter().map(|s| s.id).collect();
    let mut roles = crate::repo::staff::roles_of_many(db, &ids).await?;
    let mut lines: Vec<Line> = accounts
        .into_iter()
        .filter_map(|s| {
            let locked_until = locks.get(&throttle_key(&s.username)).copied();
            let roles = roles.remove(&s.id).unwrap_or_default();
            orgs.iter()
                .find(|o| o.id == s.org_id)
                .cloned()
                .map(|org| Line {
                    staff: s,
                    org,
                    locked_until,
                    roles,
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
#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    /// Sign-in name: 3–32 letters, digits, `-`, `_` or `.`.
    pub username: &'a str,
    /// 姓名 as shown to colleagues.
    pub display_name: &'a str,
    /// An organisation of the admin's subtree.
    pub org_id: i64,
    /// Its roles, at least one.
    pub roles: domain::Roles,
    /// 手机号 as typed; empty for none.
    pub phone: &'a str,
}

/// The username rule, shared with the bulk import: 3–32 letters, digits, `-`, `_` or `.`.
pub(crate) fn check_username(u: &str) -> Result<(), String> {
    let n = u.chars().count();
    if !(3..=32).contains(&n) {
        return Err(format!("用户名应为3至32个字符，实际为{n}个字符"));
    }
    if let Some(bad) = u
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "用户名只能由英文字母、数字和 - _ . 组成，不能含“{bad}”"
        ));
    }
    Ok(())
}

/// The 姓名 rule, shared with the bulk import: 1–30 characters.
pub(crate) fn check_display_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > 30 {
        return Err(format!("姓名应为1至30个字，实际为{n}个字"));
    }
    Ok(())
}

/// An optional 手机号 as stored (11 digits), `None` when left empty; shared with the bulk import.
pub(crate) fn check_phone(raw: &str) -> Result<Option<String>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    domain::Phone::parse(raw)
        .map(|p| Some(p.as_str().to_owned()))
        .map_err(|e| e.0)
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
    check_username(username).map_err(RepoError::Invalid)?;
    let name = new.display_name.trim();
    check_display_name(name).map_err(RepoError::Invalid)?;
    let phone = check_phone(new.phone).map_err(RepoError::Invalid)?;
    // An organisation outside the subtree reads like one that does not exist; a database
    // failure stays one.
    let outside = || RepoError::Invalid("请选择本机构或下级机构".to_owned());
    let org = match crate::repo::org::get(db, new.org_id).await {
        Ok(o) if crate::repo::org::is_within(&o, admin_org) => o,
        Ok(_) | Err(RepoError::NotFound) => return Err(outside()),
        Err(e) => return Err(e),
    };
    check_stages(db, &org, &new.roles).await?;
    if new.roles.grants().is_empty() {
        return Err(RepoError::Invalid(
            "请至少选择一个角色（审核员、管理员、数据导入、财务或只读）".to_owned(),
        ));
    }
    let password = one_time_password();
    let owned = password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::repo::password::hash(&owned))
        .await
        .map_err(|e| RepoError::Invalid(format!("密码处理失败：{e}")))?
        .map_err(RepoError::Invalid)?;
    let txn = crate::write::begin_write(db).await?;
    let created =
        crate::repo::staff::create(&txn, org.id, username, name, &new.roles, hash, now).await?;
    crate::repo::staff::require_password_change(&txn, created.id).await?;
    if let Some(p) = &phone {
        staff::Entity::update_many()
            .col_expr(staff::Column::Phone, Expr::value(p.as_str()))
            .filter(staff::Column::Id.eq(created.id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        now,
        Actor::staff(admin.id),
        "staff.created",
        ("staff", Some(created.id)),
        &format!(
            "username={username} org={} roles={}{}",
            org.code,
            new.roles.label(),
            phone
                .as_deref()
                .map(|p| format!(" phone={}", domain::otp::mask_phone(p)))
                .unwrap_or_default()
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
    let txn = crate::write::begin_write(db).await?;
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
        Actor::staff(admin.id),
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
    let txn = crate::write::begin_write(db).await?;
    crate::repo::throttle::clear(&txn, &throttle_key(&target.username)).await?;
    audit::record(
        &txn,
        now,
        Actor::staff(admin.id),
        "staff.unlocked",
        ("staff", Some(target.id)),
        &format!("username={}", target.username),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Replaces the roles of an account of the subtree. An admin cannot take 管理员 from their own
/// account, so that an office is never left without one by a slip.
pub async fn set_roles(
    db: &DatabaseConnection,
    admin: &staff::Model,
    admin_org: &organisation::Model,
    id: i64,
    roles: &domain::Roles,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<staff::Model, RepoError> {
    let s = in_subtree(db, admin_org, id).await?;
    if roles.grants().is_empty() {
        return Err(RepoError::Invalid(
            "请至少选择一个角色（审核员、管理员、数据导入、财务或只读）".to_owned(),
        ));
    }
    let org = crate::repo::org::get(db, s.org_id).await?;
    check_stages(db, &org, roles).await?;
    if s.id == admin.id && !roles.is_admin() {
        return Err(RepoError::Invalid(
            "不能取消本人账号的管理员角色，请由其他管理员操作".to_owned(),
        ));
    }
    let txn = crate::write::begin_write(db).await?;
    // Writing the account's row first takes its lock before anything is read: two admins saving
    // at once then run one after the other (SQLite cannot turn a read into a write under another
    // writer; PostgreSQL and MySQL would meet on the unique index).
    staff::Entity::update_many()
        .col_expr(staff::Column::Id, Expr::col(staff::Column::Id))
        .filter(staff::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    let before = crate::repo::staff::roles_of(&txn, s.id).await?;
    crate::repo::staff::set_roles(&txn, s.id, roles).await?;
    audit::record(
        &txn,
        now,
        Actor::staff(admin.id),
        "staff.roles_changed",
        ("staff", Some(s.id)),
        &format!(
            "username={} from={} to={}",
            s.username,
            before.label(),
            roles.label()
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// The review stages at which an account of `org` can decide: its province's pipeline stages
/// whose rule can fall to an organisation of its kind, and for a school its own 学位外语 and
/// 学位申请 stages. These are what a reviewer may be limited to.
pub async fn stage_names(
    db: &DatabaseConnection,
    org: &organisation::Model,
) -> Result<Vec<String>, RepoError> {
    let mut names: Vec<String> = Vec::new();
    let kind = domain::OrgKind::from_code(&org.kind);
    if let (Some(kind), Some(p)) = (
        kind,
        org.province
            .as_deref()
            .and_then(domain::Province::from_code),
    ) {
        for s in p.stages() {
            if let domain::review::StageKind::Review(rule) = s.kind
                && rule.may_fall_to(p.office(), kind)
            {
                names.push(s.name);
            }
        }
    }
    if kind == Some(domain::OrgKind::ContinuingEdSchool) {
        let st = crate::degree::rules::stages_of_school(db, org.id).await?;
        names.extend(st.language);
        names.extend(st.degree);
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    Ok(names)
}

/// Refuses roles naming a stage at which an account of `org` never decides.
pub async fn check_stages(
    db: &DatabaseConnection,
    org: &organisation::Model,
    roles: &domain::Roles,
) -> Result<(), RepoError> {
    let known = stage_names(db, org).await?;
    match stage_refusal(org, &known, roles) {
        Some(m) => Err(RepoError::Invalid(m)),
        None => Ok(()),
    }
}

/// Why `roles` cannot be given to an account of `org`, which decides at the stages `known`
/// ([`stage_names`]): the first stage named that is not among them.
pub(crate) fn stage_refusal(
    org: &organisation::Model,
    known: &[String],
    roles: &domain::Roles,
) -> Option<String> {
    let unknown = roles
        .grants()
        .iter()
        .filter_map(|g| g.stage.as_ref())
        .find(|s| !known.contains(s))?;
    let offer = if known.is_empty() {
        "该机构不参与任何审核环节".to_owned()
    } else {
        format!("可选环节：{}", known.join("、"))
    };
    Some(format!(
        "“{}”不审核“{unknown}”环节，不能为其账号指定该环节的审核员角色；{offer}",
        org.name
    ))
}

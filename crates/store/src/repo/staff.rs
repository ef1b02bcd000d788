//! Staff accounts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{Grant, Roles, StaffRole};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{RepoError, password};
use crate::entity::{staff, staff_role};

/// Creates a staff account holding `roles`, with the argon2id hash `password_hash`.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    username: &str,
    display_name: &str,
    roles: &Roles,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<staff::Model, RepoError> {
    let s = staff::ActiveModel {
        org_id: Set(org_id),
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(password_hash),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            RepoError::Conflict(format!("用户名“{username}”已被使用"))
        } else {
            RepoError::Db(e)
        }
    })?;
    set_roles(conn, s.id, roles).await?;
    Ok(s)
}

/// Replaces the account's roles with `roles`.
pub async fn set_roles<C: ConnectionTrait>(
    conn: &C,
    staff_id: i64,
    roles: &Roles,
) -> Result<(), RepoError> {
    staff_role::Entity::delete_many()
        .filter(staff_role::Column::StaffId.eq(staff_id))
        .exec(conn)
        .await?;
    if roles.grants().is_empty() {
        return Ok(());
    }
    let rows = roles.grants().iter().map(|g| staff_role::ActiveModel {
        staff_id: Set(staff_id),
        role: Set(g.role.code().to_owned()),
        stage: Set(g.stage.clone().unwrap_or_default()),
        ..Default::default()
    });
    // Two admins saving at once: the second insert meets the first one's rows.
    staff_role::Entity::insert_many(rows)
        .exec(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                RepoError::Conflict("该账号的角色刚被他人修改，本次未保存，请刷新后重试".to_owned())
            } else {
                RepoError::Db(e)
            }
        })?;
    Ok(())
}

fn grant_of(r: &staff_role::Model) -> Option<Grant> {
    // A code no longer known grants nothing rather than failing the sign-in.
    StaffRole::from_code(&r.role).map(|role| Grant {
        role,
        stage: Some(r.stage.clone()).filter(|s| !s.is_empty()),
    })
}

/// The account's roles.
pub async fn roles_of<C: ConnectionTrait>(conn: &C, staff_id: i64) -> Result<Roles, RepoError> {
    let rows = staff_role::Entity::find()
        .filter(staff_role::Column::StaffId.eq(staff_id))
        .all(conn)
        .await?;
    Ok(Roles::new(rows.iter().filter_map(grant_of)))
}

/// The roles of each account in `ids` (an account without any is absent).
pub async fn roles_of_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<HashMap<i64, Roles>, RepoError> {
    let mut by: HashMap<i64, Vec<Grant>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = staff_role::Entity::find()
            .filter(staff_role::Column::StaffId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        for r in &rows {
            if let Some(g) = grant_of(r) {
                by.entry(r.staff_id).or_default().push(g);
            }
        }
    }
    Ok(by.into_iter().map(|(k, v)| (k, Roles::new(v))).collect())
}

/// Hashes `plain` and creates an account with one role (for every stage); a convenience for the
/// CLI, the demo and tests.
pub async fn create_with_password<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    username: &str,
    display_name: &str,
    role: StaffRole,
    plain: &str,
    now: DateTime<Utc>,
) -> Result<staff::Model, RepoError> {
    let h = password::hash(plain).map_err(RepoError::Invalid)?;
    let roles = Roles::new([Grant::of(role)]);
    create(conn, org_id, username, display_name, &roles, h, now).await
}

/// A staff account by username.
pub async fn by_username<C: ConnectionTrait>(
    conn: &C,
    username: &str,
) -> Result<Option<staff::Model>, RepoError> {
    Ok(staff::Entity::find()
        .filter(staff::Column::Username.eq(username))
        .one(conn)
        .await?)
}

/// A staff account by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<staff::Model, RepoError> {
    staff::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Marks the account's password as set by someone else: it must be changed at the next sign-in.
pub async fn require_password_change<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<(), RepoError> {
    staff::Entity::update_many()
        .col_expr(
            staff::Column::MustChangePassword,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(staff::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// What every request of a signed-in member of staff needs: see [`signed_in`].
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub staff: staff::Model,
    /// Its organisation.
    pub org: crate::entity::organisation::Model,
    /// Whether it signs in with two factors.
    pub totp_enabled: bool,
    /// Whether its organisation, or one above it, requires two factors of its staff.
    pub totp_required: bool,
    /// Its roles.
    pub roles: Roles,
    /// The colleagues whose delegation to it is in force, each with their roles, by account id.
    pub delegators: Vec<(staff::Model, Roles)>,
}

/// Reads account `id` for a request at `now` in two statements (a third only while a delegation
/// to it is in force): the account joined with its organisation, whether it signs in with two
/// factors and whether they are required of it, then the roles of the account and of every colleague whose delegation to it is in
/// force. A request sends these before any of its page's own, so each one saved counts on every
/// page.
pub async fn signed_in<C: crate::reader::Reads>(
    conn: &C,
    id: i64,
    now: DateTime<Utc>,
) -> Result<SignedIn, RepoError> {
    use crate::entity::{organisation, review_delegation as delegation, staff_totp};
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    use sea_orm::{Condition, JoinType, QueryOrder, QuerySelect, QueryTrait, RelationDef};
    static SQL: crate::reader::Prepared = crate::reader::Prepared::new();
    // The values in the order the text binds them: the two flags' constants, then the id.
    let values = vec![1i32.into(), 1i32.into(), 0i32.into(), id.into()];
    let stmt = SQL.statement(conn.get_database_backend(), values, |backend| {
        let to_org: RelationDef = staff::Entity::belongs_to(organisation::Entity)
            .from(staff::Column::OrgId)
            .to(organisation::Column::Id)
            .into();
        let second_factor = Query::select()
            .expr(Expr::val(1))
            .from(staff_totp::Entity)
            .and_where(
                Expr::col((staff_totp::Entity, staff_totp::Column::StaffId))
                    .equals((staff::Entity, staff::Column::Id)),
            )
            .and_where(Expr::col((staff_totp::Entity, staff_totp::Column::Secret)).is_not_null())
            .to_owned();
        staff::Entity::find_by_id(id)
            .join(JoinType::InnerJoin, to_org)
            .select_also(organisation::Entity)
            .expr_as(
                Expr::case(Expr::exists(second_factor), 1).finally(0),
                "totp_on",
            )
            // An organisation's requirement reaches every one below it: those whose path starts
            // with its path. Plain SQL every backend reads alike (unquoted lower-case names).
            .expr_as(
                Expr::cust(
                    "CASE WHEN EXISTS (SELECT 1 FROM org_totp_requirements r \
                         JOIN organisations ro ON ro.id = r.org_id \
                         WHERE SUBSTR(organisations.path, 1, LENGTH(ro.path)) = ro.path) \
                         THEN 1 ELSE 0 END",
                ),
                "totp_required",
            )
            .build(backend)
    });
    let shape = || {
        crate::reader::Shape::default()
            .entity::<staff::Entity>("A_")
            .entity::<organisation::Entity>("B_")
            .column("totp_on", sea_orm::ColumnType::Integer)
            .column("totp_required", sea_orm::ColumnType::Integer)
    };
    let row = conn
        .rows(stmt, shape)
        .await?
        .into_iter()
        .next()
        .ok_or(RepoError::NotFound)?;
    let account = row.model::<staff::Entity>("A_")?;
    let org = row.model::<organisation::Entity>("B_")?;
    let totp_on: i32 = row.get("totp_on")?;
    let totp_required: i32 = row.get("totp_required")?;

    static GRANTS: crate::reader::Prepared = crate::reader::Prepared::new();
    // The account's own grants, then the subquery's: the id again and the time twice.
    let values = vec![id.into(), id.into(), now.into(), now.into()];
    let stmt = GRANTS.statement(conn.get_database_backend(), values, |backend| {
        let delegating = Query::select()
            .column(delegation::Column::FromStaffId)
            .from(delegation::Entity)
            .and_where(delegation::Column::ToStaffId.eq(id))
            .and_where(delegation::Column::StartsAt.lte(now))
            .and_where(delegation::Column::EndsAt.gt(now))
            .and_where(delegation::Column::RevokedAt.is_null())
            .to_owned();
        staff_role::Entity::find()
            .filter(
                Condition::any()
                    .add(staff_role::Column::StaffId.eq(id))
                    .add(staff_role::Column::StaffId.in_subquery(delegating)),
            )
            .order_by_asc(staff_role::Column::StaffId)
            .build(backend)
    });
    let grants = crate::reader::models_of::<C, staff_role::Entity>(conn, stmt).await?;
    let mut by: std::collections::BTreeMap<i64, Vec<Grant>> = std::collections::BTreeMap::new();
    for r in &grants {
        if let Some(g) = grant_of(r) {
            by.entry(r.staff_id).or_default().push(g);
        }
    }
    let roles = Roles::new(by.remove(&id).unwrap_or_default());
    let delegators = if by.is_empty() {
        Vec::new()
    } else {
        let accounts = crate::reader::models(
            conn,
            staff::Entity::find()
                .filter(staff::Column::Id.is_in(by.keys().copied()))
                .order_by_asc(staff::Column::Id),
        )
        .await?;
        accounts
            .into_iter()
            .filter_map(|s| {
                let g = by.remove(&s.id)?;
                Some((s, Roles::new(g)))
            })
            .collect()
    };
    Ok(SignedIn {
        staff: account,
        org,
        totp_enabled: totp_on != 0,
        totp_required: totp_required != 0,
        roles,
        delegators,
    })
}

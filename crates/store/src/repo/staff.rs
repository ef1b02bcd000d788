//! Staff accounts.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{RepoError, password};
use crate::entity::staff;

/// Creates a staff account with an argon2id hash of `password`.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    username: &str,
    display_name: &str,
    role: domain::StaffRole,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<staff::Model, RepoError> {
    staff::ActiveModel {
        org_id: Set(org_id),
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        role: Set(role.code().to_owned()),
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
    })
}

/// Hashes `plain` and creates the account; a convenience for the CLI and tests.
pub async fn create_with_password<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    username: &str,
    display_name: &str,
    role: domain::StaffRole,
    plain: &str,
    now: DateTime<Utc>,
) -> Result<staff::Model, RepoError> {
    let h = password::hash(plain).map_err(RepoError::Invalid)?;
    create(conn, org_id, username, display_name, role, h, now).await
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

//! The one conditional update every aggregate with a `version` column goes through: the change
//! is written only if the row still has the version it was read at (and still meets the
//! caller's condition: its status, its stage, its owner), and it bumps the version, in one
//! statement. Two requests that read the same version cannot both win; the loser changes
//! nothing and is told so.

use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::RepoError;

/// Which row, at which version: `expected` is the version the caller read, or `None` where the
/// caller's condition alone decides (the version is still bumped, so a reader of the old one
/// loses).
pub struct Claim<E: EntityTrait> {
    /// The version column.
    pub version: E::Column,
    /// The version the caller read.
    pub expected: Option<i32>,
    /// The row and whatever else must still hold (id, owner, status, stage).
    pub guard: Condition,
}

/// Writes `set` and bumps the version if the row is as the caller read it; `false` (nothing
/// written) otherwise.
pub async fn update_if_unchanged<E, C>(
    conn: &C,
    claim: Claim<E>,
    set: Vec<(E::Column, SimpleExpr)>,
) -> Result<bool, RepoError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut q = E::update_many().col_expr(claim.version, Expr::col(claim.version).add(1));
    for (c, v) in set {
        q = q.col_expr(c, v);
    }
    let mut q = q.filter(claim.guard);
    if let Some(v) = claim.expected {
        q = q.filter(claim.version.eq(v));
    }
    Ok(q.exec(conn).await?.rows_affected > 0)
}

/// [`update_if_unchanged`], answering [`RepoError::Conflict`] with `changed` (what the person is
/// told: the record changed under them, nothing was saved) when the row is not as read.
pub async fn claim<E, C>(
    conn: &C,
    claim: Claim<E>,
    set: Vec<(E::Column, SimpleExpr)>,
    changed: &str,
) -> Result<(), RepoError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if update_if_unchanged(conn, claim, set).await? {
        Ok(())
    } else {
        Err(RepoError::Conflict(changed.to_owned()))
    }
}

//! The 毕业生电子档案 of an application: queued in the transaction of its final approval, then
//! rendered and stored by whoever gets to it first (the `build_archives` job on any instance, or
//! the first reader before it ran). Stored once: a second builder's copy is thrown away.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::graduate_archive as archive;
use crate::objects::Stored;
use crate::repo::{RepoError, is_unique_violation};

/// Queued, not rendered yet.
pub const PENDING: &str = "pending";
/// Rendered and stored.
pub const DONE: &str = "done";

/// Queues the archive of a finally approved application; queuing twice is one archive.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let inserted = archive::ActiveModel {
        application_id: Set(application_id),
        status: Set(PENDING.to_owned()),
        object_key: Set(None),
        sha256: Set(None),
        size_bytes: Set(None),
        created_at: Set(now),
        built_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The archive of an application, if it was approved.
pub async fn of<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Option<archive::Model>, RepoError> {
    Ok(archive::Entity::find()
        .filter(archive::Column::ApplicationId.eq(application_id))
        .one(conn)
        .await?)
}

/// Records the stored document if nobody did before; `false` when another builder won, in
/// which case the caller removes its own copy.
pub async fn mark_built<C: ConnectionTrait>(
    conn: &C,
    archive_id: i64,
    stored: &Stored,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let n = archive::Entity::update_many()
        .col_expr(archive::Column::Status, Expr::value(DONE))
        .col_expr(archive::Column::ObjectKey, Expr::value(stored.key.clone()))
        .col_expr(archive::Column::Sha256, Expr::value(stored.sha256.clone()))
        .col_expr(
            archive::Column::SizeBytes,
            Expr::value(i64::try_from(stored.size).unwrap_or(i64::MAX)),
        )
        .col_expr(archive::Column::BuiltAt, Expr::value(now))
        .filter(archive::Column::Id.eq(archive_id))
        .filter(archive::Column::Status.eq(PENDING))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(n > 0)
}

/// The applications whose archive is queued and not rendered yet, oldest first, at most
/// `limit`.
pub async fn pending<C: ConnectionTrait>(conn: &C, limit: u64) -> Result<Vec<i64>, RepoError> {
    Ok(archive::Entity::find()
        .filter(archive::Column::Status.eq(PENDING))
        .order_by_asc(archive::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.application_id)
        .collect())
}

//! Keeps SQLite's write-ahead log small: copies it back into the database and truncates the file.
//! SQLite's own checkpoints cannot start the WAL over while readers keep arriving, so under
//! steady load the WAL would otherwise grow until the disk is full. A no-op on
//! PostgreSQL and MySQL. Safe on several processes at once: SQLite runs one checkpoint at a time,
//! and one held back reports busy and is tried again next round.

use store::Db;
use store::db::WalCheckpoint;

/// Checkpoints and truncates the WAL; `None` on databases without one.
pub async fn run(db: &Db) -> Result<Option<WalCheckpoint>, sea_orm::DbErr> {
    let done = store::db::checkpoint_wal(db).await?;
    if let Some(c) = done {
        if c.busy {
            tracing::warn!(
                wal_frames = c.wal_frames,
                checkpointed = c.checkpointed_frames,
                "WAL checkpoint could not finish: readers or a writer held it back; retried next round"
            );
        } else if c.wal_frames > 0 {
            tracing::debug!(frames = c.wal_frames, "WAL checkpointed and truncated");
        }
    }
    Ok(done)
}

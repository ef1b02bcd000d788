//! Connecting to the database named by a URL and bringing its schema up to date.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlxSqliteConnector};
use sea_orm_migration::MigratorTrait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::migration::Migrator;

/// The connection pool every part of biye shares.
pub type Db = DatabaseConnection;

/// Connects to `url` (`sqlite://…`, `postgres://…` or `mysql://…`).
///
/// SQLite gets WAL (readers never block the writer), foreign keys on and a busy timeout, so that
/// concurrent requests wait for a lock instead of failing with "database is locked".
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbErr::Custom(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(15));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(|e| DbErr::Custom(format!("cannot open SQLite database: {e}")))?;
        return Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool));
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(20)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .sqlx_logging(false);
    Database::connect(opts).await
}

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers a trivial query; used by `/readyz`.
pub async fn ping(db: &Db) -> bool {
    db.ping().await.is_ok()
}

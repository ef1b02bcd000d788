//! Connecting to the database named by a URL, bringing its schema up to date under a database
//! lock, and the SQLite upkeep: durability, online backups and keeping the WAL bounded.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    SqliteTransactionMode, SqlxMySqlConnector, SqlxPostgresConnector, SqlxSqliteConnector,
    Statement, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::migration::Migrator;

/// The connection pool every part of biye shares.
pub type Db = DatabaseConnection;

/// When SQLite reports a commit as done (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSync {
    /// Once the commit is on disk (the WAL is synced at every commit): nothing acknowledged is
    /// lost, not even by a power cut. For serving.
    #[default]
    Full,
    /// Once the commit is in the WAL file, synced only at checkpoints: a crash of the process
    /// loses nothing, a power cut may lose the last commits. For demos and seeding.
    Normal,
}

impl FromStr for SqliteSync {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "full" => Ok(SqliteSync::Full),
            "normal" => Ok(SqliteSync::Normal),
            other => Err(format!(
                "sqlite_synchronous 只能是 full 或 normal，实际为“{other}”"
            )),
        }
    }
}

/// Once a checkpoint has emptied the WAL, SQLite cuts the file back to this size: a burst of
/// writes (or a long reader holding checkpoints back) does not leave a file of gigabytes behind.
pub const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Connects to `url` (`sqlite://…`, `postgres://…` or `mysql://…`), SQLite committing with
/// [`SqliteSync::Full`].
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    connect_with(url, SqliteSync::Full).await
}

/// Connects to `url`; `sync` says when a SQLite commit is acknowledged (ignored elsewhere).
///
/// SQLite gets WAL (readers never block the writer), foreign keys on, a busy timeout, so that
/// concurrent requests wait for a lock instead of failing with "database is locked", and a
/// journal size limit.
pub async fn connect_with(url: &str, sync: SqliteSync) -> Result<Db, DbErr> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbErr::Custom(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match sync {
                SqliteSync::Full => SqliteSynchronous::Full,
                SqliteSync::Normal => SqliteSynchronous::Normal,
            })
            .pragma("journal_size_limit", WAL_SIZE_LIMIT.to_string())
            .foreign_keys(true)
            .busy_timeout(BUSY_LIMIT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // sqlx pings a connection on every checkout by default, and each statement sent
            // through the pool checks one out: on SQLite that ping is one more round trip to the
            // connection's worker thread per statement. A connection to a local file has no
            // server, proxy or firewall to drop it, so there is nothing for the ping to find.
            .test_before_acquire(false)
            .after_connect(|conn, _| Box::pin(install_busy_handler(conn)))
            .connect_with(opts)
            .await
            .map_err(|e| DbErr::Custom(format!("cannot open SQLite database: {e}")))?;
        return Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool));
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(20)
        .min_connections(1)
        // A ping on every checkout is a network round trip per statement; a connection the
        // server, a proxy or a firewall may have dropped is one that sat idle, so only those are
        // pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .sqlx_logging(false);
    Database::connect(opts).await
}

/// Puts [`busy_wait`] on a new SQLite connection in place of SQLite's own busy handler.
pub(crate) async fn install_busy_handler(
    conn: &mut sqlx::SqliteConnection,
) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is this connection's open handle, held locked for the call; the handler is a
    // plain function that needs no context pointer.
    let rc =
        unsafe { libsqlite3_sys::sqlite3_busy_handler(raw, Some(busy_wait), std::ptr::null_mut()) };
    if rc != libsqlite3_sys::SQLITE_OK {
        return Err(sqlx::Error::Configuration(
            format!("cannot set the SQLite busy handler (code {rc})").into(),
        ));
    }
    Ok(())
}

/// How long a SQLite statement waits for another connection's write lock before it fails with
/// "database is locked".
pub const BUSY_LIMIT: Duration = Duration::from_secs(15);

/// How many waits of each length [`busy_wait`] makes before the next, longer one.
const BUSY_STEPS: [(i32, u64); 3] = [(40, 50), (100, 250), (i32::MAX, 1_000)];

/// How long [`busy_wait`] pauses after `attempt` earlier waits on one lock, and how long those
/// waits took together, in microseconds.
fn busy_pause(attempt: i32) -> (u64, u64) {
    let mut before = 0u64;
    let mut from = 0i32;
    for (until, pause) in BUSY_STEPS {
        if attempt < until {
            let n = u64::try_from(attempt - from).unwrap_or(0);
            return (pause, before + n * pause);
        }
        before += u64::try_from(until - from).unwrap_or(0) * pause;
        from = until;
    }
    (1_000, before)
}

/// SQLite's busy handler for our connections. SQLite's own (set by a busy timeout) sleeps 1, 2,
/// 5 … up to 100 ms between tries: with several writers, a save of a millisecond waited a
/// hundred for a lock that was free long before. This one tries again every 50 µs at first,
/// then every 250 µs, then every millisecond, and gives up after [`BUSY_LIMIT`].
extern "C" fn busy_wait(_: *mut std::ffi::c_void, attempt: std::ffi::c_int) -> std::ffi::c_int {
    let (pause, waited) = busy_pause(attempt.max(0));
    if u128::from(waited) >= BUSY_LIMIT.as_micros() {
        return 0;
    }
    std::thread::sleep(Duration::from_micros(pause));
    1
}

/// The file a `sqlite:` URL names; `None` for other databases and in-memory SQLite.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") {
        return None;
    }
    let opts = SqliteConnectOptions::from_str(url).ok()?;
    let path = opts.get_filename();
    (!path.as_os_str().is_empty() && path != Path::new(":memory:")).then(|| path.to_owned())
}

/// `url` with its password, if any, replaced by `***`, for messages and logs.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The key of the PostgreSQL advisory lock migrations run under (the bytes of "biyemigr").
const PG_MIGRATION_LOCK: i64 = 0x6269_7965_6d69_6772;

/// The name of the MySQL user lock migrations run under.
const MYSQL_MIGRATION_LOCK: &str = "biye.migrate";

/// How long an instance waits for another one's migrations before giving up.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(3600);

/// Applies every pending migration, under a database lock: of several instances starting
/// together, one migrates and the others wait for it, then find nothing pending.
///
/// PostgreSQL takes an advisory lock (waiting as long as it takes) and MySQL a named lock
/// (waiting up to an hour), each on a connection of its own that runs the whole migration and
/// is closed afterwards, which releases the lock on every path out. SQLite migrates inside one `BEGIN IMMEDIATE` transaction: the write lock is taken
/// before the migrator looks at what is pending, and the schema changes commit all together.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    let lock = match db.get_database_backend() {
        DbBackend::Sqlite => return migrate_sqlite(db).await,
        DbBackend::Postgres => Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_lock($1)",
            [PG_MIGRATION_LOCK.into()],
        ),
        DbBackend::MySql => Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT GET_LOCK(?, ?) AS got",
            [
                MYSQL_MIGRATION_LOCK.into(),
                (MIGRATION_LOCK_WAIT.as_secs() as i64).into(),
            ],
        ),
        other => return Err(DbErr::Custom(format!("unsupported database {other:?}"))),
    };
    let conn = dedicated_connection(db).await?;
    let outcome = migrate_locked(&conn, lock).await;
    finish(conn, outcome).await
}

/// The migrations applied to the database that this build does not know: a newer build has
/// migrated it (during a rolling upgrade the old instances still run). Empty on a database this
/// build can migrate, or one never migrated.
pub async fn unknown_migrations(db: &Db) -> Result<Vec<String>, DbErr> {
    use sea_orm::{ConnectionTrait, Statement};
    let known: std::collections::HashSet<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let backend = db.get_database_backend();
    let rows = match db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations",
        ))
        .await
    {
        Ok(rows) => rows,
        // No migration table yet: nothing applied, nothing unknown.
        Err(_) => return Ok(Vec::new()),
    };
    let mut unknown = Vec::new();
    for row in rows {
        let version: String = row.try_get("", "version")?;
        if !known.contains(&version) {
            unknown.push(version);
        }
    }
    unknown.sort();
    Ok(unknown)
}

/// A pool of exactly one connection to the database `db` is connected to, which stays open
/// until closed: a session lock, or a connection setting, lives as long as that session, so the
/// pool must neither recycle nor share it.
async fn dedicated_connection(db: &Db) -> Result<Db, DbErr> {
    fn one<DB: sqlx::Database>() -> sqlx::pool::PoolOptions<DB> {
        sqlx::pool::PoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(15))
    }
    let open_err = |e: sqlx::Error| DbErr::Custom(format!("cannot open a connection: {e}"));
    Ok(match db.get_database_backend() {
        DbBackend::Sqlite => SqlxSqliteConnector::from_sqlx_sqlite_pool(
            one()
                .connect_with((*db.get_sqlite_connection_pool().connect_options()).clone())
                .await
                .map_err(open_err)?,
        ),
        DbBackend::Postgres => SqlxPostgresConnector::from_sqlx_postgres_pool(
            one()
                .connect_with((*db.get_postgres_connection_pool().connect_options()).clone())
                .await
                .map_err(open_err)?,
        ),
        DbBackend::MySql => SqlxMySqlConnector::from_sqlx_mysql_pool(
            one()
                .connect_with((*db.get_mysql_connection_pool().connect_options()).clone())
                .await
                .map_err(open_err)?,
        ),
        other => return Err(DbErr::Custom(format!("unsupported database {other:?}"))),
    })
}

/// Takes the lock with `lock` on `conn` (waiting for it), then migrates on that connection.
async fn migrate_locked(conn: &Db, lock: Statement) -> Result<(), DbErr> {
    let row = conn.query_one_raw(lock).await?;
    if conn.get_database_backend() == DbBackend::MySql {
        // GET_LOCK answers 1 when granted, 0 on timeout and NULL on error.
        let got: Option<i64> = match row {
            Some(r) => r.try_get("", "got")?,
            None => None,
        };
        if got != Some(1) {
            return Err(DbErr::Custom(format!(
                "another instance has held the migration lock for {} s; its migration is still running or stuck",
                MIGRATION_LOCK_WAIT.as_secs()
            )));
        }
    }
    Migrator::up(conn, None).await
}

/// Closes a dedicated connection, which releases any session lock it holds, and reports
/// `outcome`.
async fn finish(conn: Db, outcome: Result<(), DbErr>) -> Result<(), DbErr> {
    let closed = conn.close().await;
    outcome?;
    closed
}

async fn migrate_sqlite(db: &Db) -> Result<(), DbErr> {
    let deadline = Instant::now() + MIGRATION_LOCK_WAIT;
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    let txn = loop {
        match db.begin_with_options(options).await {
            Ok(txn) => break txn,
            // The busy timeout has already waited; another process is still migrating.
            Err(e) if is_busy(&e) && Instant::now() < deadline => continue,
            Err(e) => return Err(e),
        }
    };
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Drops every table (and PostgreSQL type) of the database and migrates it afresh: all its data
/// is gone. For `biye demo --reset` only.
///
/// It runs on one dedicated connection because SQLite's `PRAGMA foreign_keys = OFF`, which the
/// drops need, holds only for the connection that set it.
pub async fn drop_all_and_migrate(db: &Db) -> Result<(), DbErr> {
    let conn = dedicated_connection(db).await?;
    let outcome = Migrator::fresh(&conn).await;
    finish(conn, outcome).await
}

/// Whether `e` is SQLite's "database is locked" (SQLITE_BUSY).
fn is_busy(e: &DbErr) -> bool {
    e.to_string().contains("database is locked")
}

/// Whether the database answers a trivial query; used by `/readyz`.
pub async fn ping(db: &Db) -> bool {
    db.ping().await.is_ok()
}

/// Writes a consistent copy of the SQLite database `db` to `dest`, a file that must not exist
/// yet, while the database goes on being read and written. Returns the copy's size in bytes.
///
/// `VACUUM INTO` reads one snapshot: the copy holds every commit made before it began and
/// nothing later, and writers are not held up. The copy is synced to disk before this returns.
pub async fn backup_sqlite(db: &Db, dest: &Path) -> Result<u64, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(DbErr::Custom(
            "an online backup is made of SQLite databases only".to_owned(),
        ));
    }
    let target = dest
        .to_str()
        .ok_or_else(|| DbErr::Custom(format!("path is not UTF-8: {}", dest.display())))?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await?;
    let io = |e: std::io::Error| DbErr::Custom(format!("{}: {e}", dest.display()));
    let file = std::fs::File::open(dest).map_err(io)?;
    file.sync_all().map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    // The new directory entry is durable only once its directory is synced too.
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(size)
}

/// What one WAL checkpoint did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalCheckpoint {
    /// A reader or writer kept the checkpoint from finishing; the WAL was not truncated.
    pub busy: bool,
    /// Frames in the WAL when it ran.
    pub wal_frames: i64,
    /// Frames it copied back into the database.
    pub checkpointed_frames: i64,
}

/// Copies the WAL back into the SQLite database and truncates it to zero bytes
/// (`PRAGMA wal_checkpoint(TRUNCATE)`); `None` on PostgreSQL and MySQL, which have no WAL file
/// of ours to keep small.
///
/// SQLite's automatic checkpoints start the WAL over only when no reader still needs its older
/// part, which under constant load may never happen, and shrink the file no further than
/// [`WAL_SIZE_LIMIT`]. This one waits (up to the busy timeout) for such readers to finish.
pub async fn checkpoint_wal(db: &Db) -> Result<Option<WalCheckpoint>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("wal_checkpoint returned no row".to_owned()))?;
    Ok(Some(WalCheckpoint {
        busy: row.try_get_by_index::<i64>(0)? != 0,
        wal_frames: row.try_get_by_index(1)?,
        checkpointed_frames: row.try_get_by_index(2)?,
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod busy_tests {
    use super::{BUSY_LIMIT, busy_pause};

    #[test]
    fn each_wait_adds_its_pause_and_the_pauses_grow() {
        assert_eq!(busy_pause(0), (50, 0));
        for attempt in 0..20_000 {
            let (pause, waited) = busy_pause(attempt);
            let (next_pause, next_waited) = busy_pause(attempt + 1);
            assert_eq!(next_waited, waited + pause, "attempt {attempt}");
            assert!(next_pause >= pause, "attempt {attempt}");
        }
        assert_eq!(busy_pause(40), (250, 40 * 50));
        assert_eq!(busy_pause(100), (1_000, 40 * 50 + 60 * 250));
    }

    #[test]
    fn gives_up_once_the_limit_is_waited() {
        let limit = u64::try_from(BUSY_LIMIT.as_micros()).unwrap();
        let last = (0..).find(|&a| busy_pause(a).1 >= limit).unwrap();
        // The limit is reached, not overshot by more than one pause, nor reached early.
        assert!(busy_pause(last - 1).1 < limit);
        assert!(busy_pause(last).1 < limit + 1_000);
    }
}

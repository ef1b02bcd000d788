//! Transactions that change data, and the one writer path they take on SQLite.
//!
//! SQLite lets one connection write at a time. Left to SQLite, connections that find the lock
//! taken sleep and try again (see [`crate::db`]'s busy handler): whoever tries at the right
//! moment wins, so under steady load a few unlucky writers wait far longer than the rest. In
//! this process, write transactions on one SQLite file instead queue for their turn, first come
//! first served, before they begin, and then begin `IMMEDIATE` (taking SQLite's write lock at
//! once, which only another process or a lone statement outside a transaction can still hold).
//! PostgreSQL and MySQL lock rows, not the database: there a write transaction is a plain one.

use std::collections::HashMap;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, SqliteTransactionMode, Statement, TransactionError,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::OwnedMutexGuard;

use crate::db::BUSY_LIMIT;

/// A transaction that changes data, begun by [`begin_write`]. It is used as the transaction it
/// wraps (it is a connection and derefs to it) and ends with [`WriteTxn::commit`] or by being
/// dropped (rolled back). On SQLite it holds this process's writer turn until then.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    /// Released after the transaction: declared after it, so dropped after it.
    _turn: Option<OwnedMutexGuard<()>>,
}

/// The writer turn of each SQLite file this process has open.
fn turns() -> &'static Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
    static TURNS: OnceLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    TURNS.get_or_init(Default::default)
}

fn turn_of(db: &DatabaseConnection) -> Arc<tokio::sync::Mutex<()>> {
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_string_lossy()
        .into_owned();
    match turns().lock() {
        Ok(mut map) => map.entry(file).or_default().clone(),
        // A panic elsewhere while the map was held: a turn of its own still orders this caller
        // against SQLite's lock, only without the queue.
        Err(_) => Arc::default(),
    }
}

/// Begins a transaction that will change data; see the module documentation.
///
/// On SQLite it waits for this process's earlier write transactions on the same file (at most
/// [`BUSY_LIMIT`], as long as SQLite itself would wait for a lock). A write transaction must not
/// be begun on `db` while the same task holds another one open: it would wait for itself.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(WriteTxn {
            txn: db.begin().await?,
            _turn: None,
        });
    }
    let turn = tokio::time::timeout(BUSY_LIMIT, turn_of(db).lock_owned())
        .await
        .map_err(|_| {
            DbErr::Custom(format!(
                "database is locked: another write did not finish within {} s",
                BUSY_LIMIT.as_secs()
            ))
        })?;
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    Ok(WriteTxn {
        txn,
        _turn: Some(turn),
    })
}

impl WriteTxn {
    /// Commits the transaction, then gives up the writer turn.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    /// Rolls the transaction back, then gives up the writer turn.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

#[async_trait::async_trait]
impl TransactionTrait for WriteTxn {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.txn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

//! A request's reads over one connection it holds.
//!
//! Every statement sent through the shared pool ([`crate::db::Db`]) checks a connection out and
//! hands it back, and sqlx tests each connection handed back before it rejoins the pool: on
//! SQLite one more round trip to the connection's thread, on PostgreSQL and MySQL one more
//! round trip to the server, for every statement. A page that reads five things paid for ten.
//! A [`Reader`] takes one connection at its first statement and keeps it until it is dropped,
//! so a page's reads pay for one check-out and one test between them.
//!
//! The connections come from a pool of their own ([`ReadPool`]), not the shared one. A request
//! holding a reader may still write through the shared pool (its session, an audit row); if
//! both came from one pool, as many requests as the pool has connections could each hold one
//! and wait for a second that none of them returns. Keeping readers to their own pool leaves
//! one order of taking connections (a reader's, then the shared pool's) and so no such wait.
//! The rule that keeps it so: never take a reader's first statement inside a transaction of the
//! shared pool. The readers' connections are read-only (SQLite's `query_only`, PostgreSQL's
//! `default_transaction_read_only`, MySQL's read-only session), so a write sent through one by
//! mistake fails instead of escaping the write path ([`crate::write`]).
//!
//! On a SQLite file, the short reads a page makes go further: [`Reads::rows`] (and [`models`],
//! [`model`] over it) runs them on the request's own thread through a [`SyncPool`], without
//! taking the reader's connection at all, and all of one reader's in one read transaction
//! ([`Snapshot`]): they see the file as it was at the first of them, until
//! [`Reader::release`]. So a request that writes through the shared pool and then wants to read
//! what it wrote through the same reader releases it first, or takes a new reader. Elsewhere
//! they go through the reader like any other statement, each seeing what was committed before it.

use std::sync::Arc;

use sea_orm::sea_query::{Value, ValueType};
use sea_orm::{
    ActiveModelTrait, ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, ExecResult, FromQueryResult, IdenStatic, Iterable, QueryResult,
    QuerySelect, QueryTrait, RuntimeErr, Select, Statement, TryGetable, TryIntoModel,
};
use sea_query_sqlx::SqlxValues;
use sqlx::mysql::{MySqlPool, MySqlPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use sqlx::{MySql, Postgres, Sqlite};
use tokio::sync::Mutex;

mod prepared;
mod sqlite_sync;
pub use prepared::{Prepared, unkept_builds};
pub use sqlite_sync::{Name, Shape, Snapshot, SyncPool};
pub(crate) use sqlite_sync::{open_for_reading, query_err as sqlite_query_err};

/// The file of the SQLite database `db` is connected to; `None` for another backend or an
/// in-memory database, which no other connection can open.
pub(crate) fn sqlite_file(db: &DatabaseConnection) -> Option<std::path::PathBuf> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return None;
    }
    let options = db.get_sqlite_connection_pool().connect_options();
    let file = options.get_filename();
    let in_memory = file == std::path::Path::new(":memory:") || file.as_os_str().is_empty();
    (!in_memory).then(|| file.to_owned())
}

/// The pool readers take their connections from (see the module's documentation).
#[derive(Clone)]
pub struct ReadPool {
    inner: Pools,
    /// On a SQLite file, connections for [`Reads::rows`] on the calling thread.
    sync: Option<Arc<SyncPool>>,
    metric: Option<Metric>,
}

/// Called after each statement a reader sent, as sea-orm calls a connection's metric callback.
pub type Metric = Arc<dyn Fn(&sea_orm::metric::Info<'_>) + Send + Sync>;

impl std::fmt::Debug for ReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool")
            .field("inner", &self.inner)
            .field("sync", &self.sync.is_some())
            .field("metric", &self.metric.is_some())
            .finish()
    }
}

#[derive(Clone, Debug)]
enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// How many connections a [`ReadPool`] opens at most beside the shared pool's.
pub const READ_CONNECTIONS: u32 = 8;

impl ReadPool {
    /// A pool for readers of the database `db` is connected to, with its connection settings.
    /// Connections are opened on first use, and a reader waits for one as long as the shared pool
    /// lets a statement wait. An in-memory SQLite database cannot be opened twice,
    /// so its readers share `db`'s pool.
    pub fn beside(db: &DatabaseConnection) -> ReadPool {
        let mut sync = None;
        let inner = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let shared = db.get_sqlite_connection_pool();
                let options = shared.connect_options();
                if let Some(file) = sqlite_file(db) {
                    sync = Some(Arc::new(SyncPool::new(&file, crate::db::BUSY_LIMIT)));
                    let options = (*options).clone().pragma("query_only", "ON");
                    Pools::Sqlite(
                        SqlitePoolOptions::new()
                            .max_connections(READ_CONNECTIONS)
                            .acquire_timeout(shared.options().get_acquire_timeout())
                            .test_before_acquire(false)
                            .after_connect(|conn, _| {
                                Box::pin(crate::db::install_busy_handler(conn))
                            })
                            .connect_lazy_with(options),
                    )
                } else {
                    Pools::Sqlite(shared.clone())
                }
            }
            DbBackend::Postgres => {
                let shared = db.get_postgres_connection_pool();
                Pools::Postgres(
                    PgPoolOptions::new()
                        .max_connections(READ_CONNECTIONS)
                        .acquire_timeout(shared.options().get_acquire_timeout())
                        .test_before_acquire(false)
                        .connect_lazy_with(
                            (*shared.connect_options())
                                .clone()
                                .options([("default_transaction_read_only", "on")]),
                        ),
                )
            }
            // MySQL: the one other backend this build connects to.
            _ => {
                let shared = db.get_mysql_connection_pool();
                Pools::MySql(
                    MySqlPoolOptions::new()
                        .max_connections(READ_CONNECTIONS)
                        .acquire_timeout(shared.options().get_acquire_timeout())
                        .test_before_acquire(false)
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                sqlx::raw_sql("SET SESSION TRANSACTION READ ONLY")
                                    .execute(conn)
                                    .await
                                    .map(|_| ())
                            })
                        })
                        .connect_lazy_with((*shared.connect_options()).clone()),
                )
            }
        };
        ReadPool {
            inner,
            sync,
            metric: None,
        }
    }

    /// The same pool, calling `metric` after each statement its readers send.
    pub fn with_metric(mut self, metric: Metric) -> ReadPool {
        self.metric = Some(metric);
        self
    }

    /// A reader that takes a connection at its first statement.
    pub fn reader(&self) -> Reader {
        Reader {
            pool: self.clone(),
            held: Arc::new(Mutex::new(None)),
            snapshot: self
                .sync
                .as_ref()
                .map(|sync| Arc::new(Snapshot::new(sync.clone()))),
        }
    }

    fn backend(&self) -> DbBackend {
        match self.inner {
            Pools::Sqlite(_) => DbBackend::Sqlite,
            Pools::Postgres(_) => DbBackend::Postgres,
            Pools::MySql(_) => DbBackend::MySql,
        }
    }

    async fn acquire(&self) -> Result<Held, DbErr> {
        let held = match &self.inner {
            Pools::Sqlite(p) => p.acquire().await.map(Held::Sqlite),
            Pools::Postgres(p) => p.acquire().await.map(Held::Postgres),
            Pools::MySql(p) => p.acquire().await.map(Held::MySql),
        };
        held.map_err(acquire_err)
    }
}

/// One request's reads, over one connection held from the first statement until the reader is
/// dropped. Clones share the connection. Writes belong on the shared pool or in a transaction.
#[derive(Clone, Debug)]
pub struct Reader {
    pool: ReadPool,
    held: Arc<Mutex<Option<Held>>>,
    /// On a SQLite file, where [`Reads::rows`] reads, in one transaction for all clones.
    snapshot: Option<Arc<Snapshot>>,
}

#[derive(Debug)]
enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
    MySql(PoolConnection<MySql>),
}

impl Reader {
    /// Whether [`Reads::rows`] runs on the calling thread (a SQLite file): then it takes no
    /// connection that another request could be waiting for.
    pub fn reads_on_calling_thread(&self) -> bool {
        self.snapshot.is_some()
    }

    /// Hands the connection back now, before something slow that does not read (a call to
    /// another service), and gives up the snapshot [`Reads::rows`] reads from on a SQLite file;
    /// the next statement takes a connection again, and sees what was committed meanwhile.
    pub async fn release(&self) {
        if let Some(s) = &self.snapshot {
            s.end();
        }
        self.held.lock().await.take();
    }
}

fn bound(stmt: &Statement) -> SqlxValues {
    SqlxValues(stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new())))
}

/// A failed query of a pool used through sqlx directly, as sea-orm reports one.
pub(crate) fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

/// The errors sea-orm gives for the same failures of the shared pool.
fn acquire_err(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        e => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e))),
    }
}

macro_rules! on_held {
    ($self:ident, $stmt:expr, |$conn:ident| $body:expr) => {{
        let mut guard = $self.held.lock().await;
        if guard.is_none() {
            *guard = Some($self.pool.acquire().await?);
        }
        let started = $self.pool.metric.is_some().then(std::time::Instant::now);
        let result = match guard.as_mut() {
            Some(Held::Sqlite($conn)) => {
                let $conn = &mut **$conn;
                $body
            }
            Some(Held::Postgres($conn)) => {
                let $conn = &mut **$conn;
                $body
            }
            Some(Held::MySql($conn)) => {
                let $conn = &mut **$conn;
                $body
            }
            None => Err(DbErr::Custom(
                "no connection was taken for the reader".into(),
            )),
        };
        if let (Some(started), Some(metric)) = (started, $self.pool.metric.as_deref()) {
            metric(&sea_orm::metric::Info {
                elapsed: started.elapsed(),
                statement: $stmt,
                failed: result.is_err(),
            });
        }
        result
    }};
}

#[async_trait::async_trait]
impl ConnectionTrait for Reader {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        on_held!(self, &stmt, |conn| {
            sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), bound(&stmt))
                .execute(conn)
                .await
                .map(ExecResult::from)
                .map_err(exec_err)
        })
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let stmt = Statement::from_string(self.pool.backend(), sql);
        on_held!(self, &stmt, |conn| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(conn)
                .await
                .map(ExecResult::from)
                .map_err(exec_err)
        })
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        on_held!(self, &stmt, |conn| {
            sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), bound(&stmt))
                .fetch_optional(conn)
                .await
                .map(|r| r.map(QueryResult::from))
                .map_err(query_err)
        })
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        on_held!(self, &stmt, |conn| {
            sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), bound(&stmt))
                .fetch_all(conn)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from).collect())
                .map_err(query_err)
        })
    }
}

/// Reads a connection may answer a faster way of its own: a [`Reader`] on a SQLite file answers
/// them on the calling thread ([`SyncPool`]), any other connection as sea-orm does. Meant for a
/// page's short reads by an index, not for scans.
#[async_trait::async_trait]
pub trait Reads: ConnectionTrait + Sync {
    /// The rows `stmt` returns. `shape` says what its columns hold, for a connection that has to
    /// be told (SQLite keeps no types); it is not called otherwise.
    async fn rows(&self, stmt: Statement, shape: fn() -> Shape) -> Result<Vec<Row>, DbErr> {
        let _ = shape;
        Ok(driver_rows(self.query_all_raw(stmt).await?))
    }
}

impl Reads for DatabaseConnection {}

impl Reads for DatabaseTransaction {}

#[async_trait::async_trait]
impl Reads for Reader {
    async fn rows(&self, stmt: Statement, shape: fn() -> Shape) -> Result<Vec<Row>, DbErr> {
        let Some(snapshot) = &self.snapshot else {
            return Ok(driver_rows(self.query_all_raw(stmt).await?));
        };
        let started = self.pool.metric.is_some().then(std::time::Instant::now);
        let result = snapshot.query(&stmt, shape);
        if let (Some(started), Some(metric)) = (started, self.pool.metric.as_deref()) {
            metric(&sea_orm::metric::Info {
                elapsed: started.elapsed(),
                statement: &stmt,
                failed: result.is_err(),
            });
        }
        let decoded = result?;
        let names = decoded.names;
        Ok(decoded
            .rows
            .into_iter()
            .map(|values| {
                Row(Cells::Decoded {
                    names: names.clone(),
                    values,
                })
            })
            .collect())
    }
}

/// Rows as the driver returned them.
fn driver_rows(rows: Vec<QueryResult>) -> Vec<Row> {
    rows.into_iter().map(|r| Row(Cells::Driver(r))).collect()
}

/// One row [`Reads::rows`] returned.
#[derive(Debug)]
pub struct Row(Cells);

#[derive(Debug)]
enum Cells {
    /// As the driver returned it.
    Driver(QueryResult),
    /// Decoded already, as its statement's [`Shape`] said.
    Decoded {
        names: Arc<[Name]>,
        values: Vec<Value>,
    },
}

impl Row {
    /// The model of `E` in this row, its columns named `prefix` then the column's name (`""`
    /// for `E::find()`, `A_` and `B_` for `select_also`).
    pub fn model<E>(&self, prefix: &str) -> Result<E::Model, DbErr>
    where
        E: EntityTrait,
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        match &self.0 {
            Cells::Driver(r) => E::Model::from_query_result(r, prefix),
            Cells::Decoded { names, values } => {
                let at = positions::<E>(names, prefix)?;
                decode_model::<E>(&at, &mut values.clone())
            }
        }
    }

    /// The value of column `name` (an expression's alias).
    pub fn get<T: TryGetable + ValueType>(&self, name: &str) -> Result<T, DbErr> {
        match &self.0 {
            Cells::Driver(r) => r.try_get::<T>("", name),
            Cells::Decoded { names, values } => {
                let at = names
                    .iter()
                    .position(|n| n.is(name))
                    .ok_or_else(|| DbErr::Type(format!("no column {name}")))?;
                T::try_from(values[at].clone())
                    .map_err(|e| DbErr::Type(format!("column {name}: {e}")))
            }
        }
    }
}

/// Where each column of `E`, named `prefix` then its name, is among `names`.
fn positions<E: EntityTrait>(names: &[Name], prefix: &str) -> Result<Vec<usize>, DbErr> {
    // sea-orm selects an entity's columns in their order, so each is first looked for just
    // after the one before: one comparison a column instead of a search.
    let mut next = 0;
    E::Column::iter()
        .map(|c| {
            let is = |n: &Name| n.prefix == prefix && n.column == c.as_str();
            let at = match names.get(next) {
                Some(n) if is(n) => next,
                _ => names
                    .iter()
                    .position(is)
                    .ok_or_else(|| DbErr::Type(format!("no column {prefix}{}", c.as_str())))?,
            };
            next = at + 1;
            Ok(at)
        })
        .collect()
}

/// The model of `E` whose columns are at `at` (in `E::Column::iter()`'s order) in `values`.
fn decode_model<E>(at: &[usize], values: &mut [Value]) -> Result<E::Model, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let mut model = <E::ActiveModel as ActiveModelTrait>::default();
    for (c, i) in E::Column::iter().zip(at) {
        let v = values
            .get_mut(*i)
            .ok_or_else(|| DbErr::Type(format!("no column {}", c.as_str())))?;
        // Taken, not copied: each of the row's columns fills one field.
        model.try_set(c, std::mem::replace(v, Value::Bool(None)))?;
    }
    model.try_into_model()
}

/// The models `q` selects, read through `conn`'s [`Reads::rows`].
pub async fn models<C: Reads, E>(conn: &C, q: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let stmt = q.build(conn.get_database_backend());
    models_of::<C, E>(conn, stmt).await
}

/// The models of `E` that `stmt` (a select of `E`'s columns, such as [`Prepared`] gives) returns,
/// read through `conn`'s [`Reads::rows`].
pub async fn models_of<C: Reads, E>(conn: &C, stmt: Statement) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let rows = conn.rows(stmt, Shape::of::<E>).await?;
    // Every row of one statement has the same columns: find them once, not once a row.
    let mut at: Option<(Arc<[Name]>, Vec<usize>)> = None;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match row.0 {
            Cells::Driver(r) => out.push(E::Model::from_query_result(&r, "")?),
            Cells::Decoded { names, mut values } => {
                let known = match &at {
                    Some((n, _)) => Arc::ptr_eq(n, &names),
                    None => false,
                };
                if !known {
                    at = Some((names.clone(), positions::<E>(&names, "")?));
                }
                let positions = at.as_ref().map(|(_, p)| p.as_slice()).unwrap_or_default();
                out.push(decode_model::<E>(positions, &mut values)?);
            }
        }
    }
    Ok(out)
}

/// The first model `q` selects, read through `conn`'s [`Reads::rows`].
pub async fn model<C: Reads, E>(conn: &C, q: Select<E>) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
{
    Ok(models(conn, q.limit(1)).await?.into_iter().next())
}

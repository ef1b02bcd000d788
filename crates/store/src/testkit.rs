//! Fresh databases for tests: a temporary SQLite file, and — when `BIYE_TEST_POSTGRES` /
//! `BIYE_TEST_MYSQL` name a server — a freshly created PostgreSQL / MySQL database that is dropped
//! afterwards. `.ci/run` sets those variables whenever the servers listen.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::ConnectionTrait;

use crate::Db;

pub mod s3;
mod template;

/// A database backend a test runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A PostgreSQL server URL without database name, e.g. `postgres://postgres@127.0.0.1:5432`.
    Postgres(String),
    /// A MySQL/MariaDB server URL without database name, e.g. `mysql://root@127.0.0.1:3306`.
    Mysql(String),
}

impl Backend {
    /// Short name for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
            Backend::Mysql(_) => "mysql",
        }
    }
}

fn env_url(var: &str, what: &'static str) -> Option<String> {
    match std::env::var(var) {
        Ok(u) if !u.trim().is_empty() => Some(u.trim().trim_end_matches('/').to_owned()),
        _ => {
            if std::env::var("BIYE_REQUIRE_ALL_BACKENDS").is_ok_and(|v| v == "1") {
                panic!(
                    "{var} is not set but BIYE_REQUIRE_ALL_BACKENDS=1: the {what} run must not be skipped"
                );
            }
            // Written straight to stderr, past the test harness's capture, once per test binary:
            // a skipped backend must be visible in every test run's output.
            static SAID: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
            if let Ok(mut said) = SAID.lock()
                && !said.contains(&what)
            {
                said.push(what);
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "NOTE: the {what} run of the database tests was SKIPPED: {var} is not set (see README, 'Tests')"
                );
            }
            None
        }
    }
}

/// The backends for application tests: SQLite always, PostgreSQL when configured.
pub fn app_backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if let Some(u) = env_url("BIYE_TEST_POSTGRES", "PostgreSQL") {
        v.push(Backend::Postgres(u));
    }
    v
}

/// The backends for the repository contract suite: SQLite, PostgreSQL and MySQL when configured.
pub fn contract_backends() -> Vec<Backend> {
    let mut v = app_backends();
    if let Some(u) = env_url("BIYE_TEST_MYSQL", "MySQL/MariaDB") {
        v.push(Backend::Mysql(u));
    }
    v
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    /// The connection.
    pub db: Db,
    /// The URL it was opened with (for spawning a second instance on the same data).
    pub url: String,
    backend: Backend,
    name: String,
    /// A migrated MySQL database that goes back to the process's free list when dropped.
    reused: bool,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("biye_test_{}_{}_{}", std::process::id(), n, short_random())
}

/// Eight random hex digits, so that a name stays unique past the reuse of a process id.
fn short_random() -> String {
    let mut s = uuid::Uuid::new_v4().simple().to_string();
    s.truncate(8);
    s
}

impl TestDb {
    /// Creates a fresh database on `backend` holding exactly what the migrations leave.
    ///
    /// Migrating takes a second or more on SQLite and PostgreSQL (a commit per migration, each
    /// waiting for the disk) and several on MySQL (each table a file of its own), paid by every
    /// test on every backend. So each test process migrates once per backend and copies the
    /// result: SQLite's file, PostgreSQL's database as a `TEMPLATE`, and on MySQL, which copies
    /// no database, a database of an earlier test of the process reset to the migrated rows.
    pub async fn create(backend: &Backend) -> anyhow::Result<TestDb> {
        match backend {
            Backend::Sqlite => {
                let template = template::sqlite().await?;
                let dir = tempfile::tempdir()?;
                let path = dir.path().join("test.sqlite");
                std::fs::copy(&template, &path)?;
                let url = format!("sqlite://{}?mode=rwc", path.display());
                Self::open(url, backend, unique_name(), Some(dir), false).await
            }
            Backend::Postgres(server) => {
                let template = template::postgres(server).await?;
                let name = unique_name();
                let admin = crate::connect(&format!("{server}/postgres")).await?;
                let created = admin
                    .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .await;
                admin.close().await?;
                created?;
                Self::open(format!("{server}/{name}"), backend, name, None, false).await
            }
            Backend::Mysql(server) => match template::mysql_reused(server).await? {
                Some(name) => {
                    Self::open(format!("{server}/{name}"), backend, name, None, true).await
                }
                None => {
                    let mut t = Self::create_empty(backend).await?;
                    crate::db::migrate(&t.db).await?;
                    t.reused = true;
                    Ok(t)
                }
            },
        }
    }

    async fn open(
        url: String,
        backend: &Backend,
        name: String,
        dir: Option<tempfile::TempDir>,
        reused: bool,
    ) -> anyhow::Result<TestDb> {
        let db = crate::connect(&url).await?;
        Ok(TestDb {
            db,
            url,
            backend: backend.clone(),
            name,
            reused,
            _dir: dir,
        })
    }

    /// Creates a fresh database on `backend` without any tables, for tests of the migrations
    /// themselves.
    pub async fn create_empty(backend: &Backend) -> anyhow::Result<TestDb> {
        let name = unique_name();
        let (url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let path = dir.path().join("test.sqlite");
                (format!("sqlite://{}?mode=rwc", path.display()), Some(dir))
            }
            Backend::Postgres(server) => {
                let admin = crate::connect(&format!("{server}/postgres")).await?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                admin.close().await?;
                (format!("{server}/{name}"), None)
            }
            Backend::Mysql(server) => {
                let admin = crate::connect(&format!("{server}/mysql")).await?;
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                    ))
                    .await?;
                admin.close().await?;
                (format!("{server}/{name}"), None)
            }
        };
        Self::open(url, backend, name, dir, false).await
    }

    /// The backend of this database.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (server, stmt) = match &self.backend {
            Backend::Sqlite => return,
            Backend::Postgres(s) => (
                format!("{s}/postgres"),
                format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ),
            Backend::Mysql(s) => (
                format!("{s}/mysql"),
                format!("DROP DATABASE IF EXISTS {}", self.name),
            ),
        };
        let mysql_name = matches!(self.backend, Backend::Mysql(_)).then(|| self.name.clone());
        let reuse = match &self.backend {
            Backend::Mysql(s) if self.reused => Some((s.clone(), self.name.clone())),
            _ => None,
        };
        // Dropping runs outside the test's runtime, which may be shutting down: use a thread of its own.
        let _ = on_a_thread_of_its_own(async move {
            if let Ok(admin) = crate::connect(&server).await {
                if let Some(db_name) = mysql_name {
                    end_mysql_sessions(&admin, &db_name).await;
                }
                match reuse {
                    // Sessions ended: nothing writes to it any more until it is reset.
                    Some((server, name)) => template::mysql_free(&server, name),
                    None => {
                        let _ = admin.execute_unprepared(&stmt).await;
                    }
                }
                let _ = admin.close().await;
            }
        })
        .join();
    }
}

/// Runs `work` to its end on a new thread with a runtime of its own, for work that must not
/// depend on the caller's runtime, which may be shutting down or must not wait.
fn on_a_thread_of_its_own(
    work: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(work);
        }
    })
}

/// Ends every other session on the test's MySQL database before it is dropped. The test's pool is
/// still open at that point, and a pooled connection whose transaction was abandoned (a future
/// dropped mid-way; its rollback runs only when the connection is used again) keeps a metadata
/// lock that would make `DROP DATABASE` wait for `lock_wait_timeout` — a year by default. The
/// admin session also waits at most a minute for any lock, so a drop can never hang a test run.
async fn end_mysql_sessions(admin: &sea_orm::DatabaseConnection, db_name: &str) {
    use sea_orm::Statement;
    let _ = admin
        .execute_unprepared("SET SESSION lock_wait_timeout = 60")
        .await;
    let Ok(rows) = admin
        .query_all_raw(Statement::from_sql_and_values(
            admin.get_database_backend(),
            "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
            [db_name.into()],
        ))
        .await
    else {
        return;
    };
    for row in rows {
        if let Ok(id) = row.try_get_by_index::<u64>(0) {
            let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
        }
    }
}

//! The migrated databases a test process copies its tests' databases from (see
//! [`super::TestDb::create`]), and the removal of those a finished process left behind.
//!
//! Each process makes its own, named after its process id: a test run never sees another run's
//! migrations, and what a process that has ended left is recognised by its id and removed by
//! the next process that makes one.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use sea_orm::ConnectionTrait;
use sqlx::{Connection, Row};
use tokio::sync::{Mutex as AsyncMutex, OnceCell};

/// Prefix of the template databases' and directories' names; the process id follows.
const PREFIX: &str = "biye_tmpl_";

/// Prefix of the tests' own databases' names (see `super::unique_name`).
const TEST_PREFIX: &str = "biye_test_";

/// This process's migrated SQLite file.
static SQLITE: OnceCell<PathBuf> = OnceCell::const_new();

/// This process's migrated PostgreSQL database on each server: (server, database).
static POSTGRES: AsyncMutex<Vec<(String, String)>> = AsyncMutex::const_new(Vec::new());

/// This process's migrated MySQL databases on each server.
static MYSQL: Mutex<Vec<MysqlServer>> = Mutex::new(Vec::new());

/// Taken while a MySQL template is made, so that a process makes one per server.
static MYSQL_MAKING: AsyncMutex<()> = AsyncMutex::const_new(());

struct MysqlServer {
    server: String,
    /// The migrated database nothing writes to.
    template: String,
    /// The template's tables that hold rows (what the migrations inserted), with the
    /// checksum of each.
    seeded: Vec<(String, Option<i64>)>,
    /// Every table, for finding which ones a test wrote to.
    tables: Vec<String>,
    /// Databases of finished tests, their sessions ended, waiting to be reset and reused.
    free: Vec<String>,
}

fn own_name() -> String {
    format!("{PREFIX}{}_{}", std::process::id(), super::short_random())
}

/// Whether the process whose id follows `prefix` in `name` has ended; `false` where that cannot
/// be told (no `/proc`, or not a name of ours).
fn left_behind(name: &str, prefix: &str) -> bool {
    let Some(pid) = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('_').next())
        .and_then(|pid| pid.parse::<u32>().ok())
    else {
        return false;
    };
    Path::new("/proc/self").exists() && !Path::new("/proc").join(pid.to_string()).exists()
}

/// The migrated SQLite file of this process, made on first use.
pub(super) async fn sqlite() -> anyhow::Result<PathBuf> {
    SQLITE
        .get_or_try_init(|| async {
            let tmp = std::env::temp_dir();
            if let Ok(entries) = std::fs::read_dir(&tmp) {
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if left_behind(&name, PREFIX) {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
            let dir = tmp.join(own_name());
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("migrated.sqlite");
            let db = crate::connect(&format!("sqlite://{}?mode=rwc", path.display())).await?;
            crate::db::migrate(&db).await?;
            // Everything into the main file, which is all a copy takes.
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "PRAGMA wal_checkpoint(TRUNCATE)",
                ))
                .await?
                .context("no answer to wal_checkpoint")?;
            let busy: i64 = row.try_get_by_index(0)?;
            if busy != 0 {
                bail!("the migrated SQLite template could not be checkpointed");
            }
            db.close().await?;
            Ok(path)
        })
        .await
        .cloned()
}

/// The name of this process's migrated PostgreSQL database on `server`, made on first use; it
/// is only copied (`CREATE DATABASE … TEMPLATE`), never connected to again.
pub(super) async fn postgres(server: &str) -> anyhow::Result<String> {
    let mut made = POSTGRES.lock().await;
    if let Some((_, name)) = made.iter().find(|(s, _)| s == server) {
        return Ok(name.clone());
    }
    let admin = crate::connect(&format!("{server}/postgres")).await?;
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT datname FROM pg_database WHERE datname LIKE 'biye\\_t%'",
        ))
        .await?;
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        if left_behind(&name, PREFIX) || left_behind(&name, TEST_PREFIX) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
    let name = own_name();
    let created = admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await;
    admin.close().await?;
    created?;
    let db = crate::connect(&format!("{server}/{name}")).await?;
    let migrated = crate::db::migrate(&db).await;
    db.close().await?;
    migrated?;
    made.push((server.to_owned(), name.clone()));
    Ok(name)
}

/// A migrated database of an earlier test of this process on MySQL `server`, reset to exactly
/// the rows the migrations left; `None` when there is none free (the caller migrates a new
/// one, which goes to the free list when its test ends).
///
/// The tables a test wrote to are truncated and the migrations' rows copied back from the
/// template. `TRUNCATE` rather than `DELETE`: it fires no trigger (the audit log refuses
/// deletes, the queue tallies count them) and starts each table's ids again where a fresh
/// table starts them.
pub(super) async fn mysql_reused(server: &str) -> anyhow::Result<Option<String>> {
    {
        let _making = MYSQL_MAKING.lock().await;
        let known = lock(&MYSQL).iter().any(|m| m.server == server);
        if !known {
            let made = make_mysql_template(server).await?;
            lock(&MYSQL).push(made);
        }
    }
    let (name, template, seeded, tables) = {
        let mut servers = lock(&MYSQL);
        let Some(m) = servers.iter_mut().find(|m| m.server == server) else {
            return Ok(None);
        };
        let Some(name) = m.free.pop() else {
            return Ok(None);
        };
        (name, m.template.clone(), m.seeded.clone(), m.tables.clone())
    };
    match reset_mysql(server, &name, &template, &seeded, &tables).await {
        Ok(()) => Ok(Some(name)),
        Err(e) => {
            // Not reusable after all: it goes, and the caller migrates a new one. Said past the
            // harness's capture, as every test after it pays a migration again.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "NOTE: the MySQL test database {name} could not be reset for reuse, a new one is migrated: {e:#}"
            );
            if let Ok(mut admin) = sqlx::MySqlConnection::connect(&format!("{server}/mysql")).await
            {
                let _ = exec(&mut admin, format!("DROP DATABASE IF EXISTS {name}")).await;
            }
            Ok(None)
        }
    }
}

/// Puts the database `name` of a finished test, whose sessions have ended, on `server`'s free
/// list.
pub(super) fn mysql_free(server: &str, name: String) {
    if let Some(m) = lock(&MYSQL).iter_mut().find(|m| m.server == server) {
        m.free.push(name);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn make_mysql_template(server: &str) -> anyhow::Result<MysqlServer> {
    let mut admin = sqlx::MySqlConnection::connect(&format!("{server}/mysql")).await?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata \
         WHERE schema_name LIKE 'biye\\_t%'",
    )
    .fetch_all(&mut admin)
    .await?;
    let stale: Vec<String> = names
        .into_iter()
        .filter(|n| left_behind(n, PREFIX) || left_behind(n, TEST_PREFIX))
        .collect();
    if !stale.is_empty() {
        // Dropping a MySQL database takes a while a table; nothing waits for it.
        let url = format!("{server}/mysql");
        super::on_a_thread_of_its_own(async move {
            if let Ok(mut admin) = sqlx::MySqlConnection::connect(&url).await {
                for name in stale {
                    let _ = exec(&mut admin, format!("DROP DATABASE IF EXISTS {name}")).await;
                }
            }
        });
    }
    let template = own_name();
    exec(
        &mut admin,
        format!("CREATE DATABASE {template} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
    )
    .await?;
    let db = crate::connect(&format!("{server}/{template}")).await?;
    let migrated = crate::db::migrate(&db).await;
    db.close().await?;
    migrated?;

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
    .bind(&template)
    .fetch_all(&mut admin)
    .await?;
    let seeded = written(&mut admin, &template, &tables).await?;
    let seeded = checksums(&mut admin, &template, &seeded).await?;
    // Copying rows back into a table with triggers would fire them a second time.
    let triggered: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT CAST(event_object_table AS CHAR) FROM information_schema.triggers \
         WHERE trigger_schema = ? AND event_manipulation = 'INSERT'",
    )
    .bind(&template)
    .fetch_all(&mut admin)
    .await?;
    if let Some((t, _)) = seeded.iter().find(|(t, _)| triggered.contains(t)) {
        bail!("the migrations leave rows in `{t}`, whose insert trigger a reset would fire again");
    }
    Ok(MysqlServer {
        server: server.to_owned(),
        template,
        seeded,
        tables,
        free: Vec::new(),
    })
}

/// Which of `tables` of `schema` hold at least one row, in one statement.
async fn written(
    conn: &mut sqlx::MySqlConnection,
    schema: &str,
    tables: &[String],
) -> anyhow::Result<Vec<String>> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let sql = tables
        .iter()
        .map(|t| format!("SELECT '{t}' AS t FROM (SELECT 1 FROM `{schema}`.`{t}` LIMIT 1) x"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
        .collect()
}

/// `CHECKSUM TABLE` of each of `tables` of `schema`, in their order.
async fn checksums(
    conn: &mut sqlx::MySqlConnection,
    schema: &str,
    tables: &[String],
) -> anyhow::Result<Vec<(String, Option<i64>)>> {
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let list = tables
        .iter()
        .map(|t| format!("`{schema}`.`{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("CHECKSUM TABLE {list}")))
        .fetch_all(conn)
        .await?;
    if rows.len() != tables.len() {
        bail!(
            "CHECKSUM TABLE answered {} rows for {} tables",
            rows.len(),
            tables.len()
        );
    }
    let mut out = Vec::with_capacity(tables.len());
    for (t, row) in tables.iter().zip(&rows) {
        // Signed or unsigned by server version; only equality matters here.
        let sum = match row.try_get::<Option<u64>, _>(1) {
            Ok(s) => s.map(|s| s as i64),
            Err(_) => row.try_get::<Option<i64>, _>(1)?,
        };
        out.push((t.clone(), sum));
    }
    Ok(out)
}

async fn reset_mysql(
    server: &str,
    name: &str,
    template: &str,
    seeded: &[(String, Option<i64>)],
    tables: &[String],
) -> anyhow::Result<()> {
    let mut conn = sqlx::MySqlConnection::connect(&format!("{server}/{name}")).await?;
    let seeded_names: Vec<String> = seeded.iter().map(|(t, _)| t.clone()).collect();
    let now = checksums(&mut conn, name, &seeded_names).await?;
    // Seeded tables the test changed are truncated and copied back; the others, written to,
    // are truncated.
    let changed: Vec<&String> = seeded
        .iter()
        .zip(&now)
        .filter(|((_, was), (_, is))| was != is)
        .map(|((t, _), _)| t)
        .collect();
    let dirty = written(&mut conn, name, tables).await?;
    let truncate: std::collections::BTreeSet<&String> = dirty
        .iter()
        .filter(|t| !seeded_names.contains(t))
        .chain(changed.iter().copied())
        .collect();
    exec(&mut conn, "SET FOREIGN_KEY_CHECKS = 0".to_owned()).await?;
    for t in truncate {
        exec(&mut conn, format!("TRUNCATE TABLE `{t}`")).await?;
    }
    for t in changed {
        exec(
            &mut conn,
            format!("INSERT INTO `{t}` SELECT * FROM `{template}`.`{t}`"),
        )
        .await?;
    }
    exec(&mut conn, "SET FOREIGN_KEY_CHECKS = 1".to_owned()).await?;
    conn.close().await?;
    Ok(())
}

/// Runs `sql`, of names this module made or read from the server's catalogue, on `conn`.
async fn exec(conn: &mut sqlx::MySqlConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

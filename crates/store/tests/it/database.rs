//! Connecting and migrating: several instances migrating one fresh database at the same moment
//! all succeed and leave the schema a single migrator would have made; SQLite connections commit
//! as durably as they were asked to and bound their WAL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, Statement};
use sea_orm_migration::MigratorTrait;
use store::Db;
use store::migration::Migrator;
use store::testkit::{TestDb, contract_backends};

/// Every table column and every index, as `table.column` and `index:name`, sorted.
async fn schema_of(db: &Db) -> Vec<String> {
    let backend = db.get_database_backend();
    let queries: [&str; 2] = match backend {
        DbBackend::Sqlite => [
            "SELECT m.name || '.' || p.name AS o FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
            "SELECT 'index:' || name AS o FROM sqlite_master WHERE type = 'index'",
        ],
        DbBackend::Postgres => [
            "SELECT table_name || '.' || column_name AS o FROM information_schema.columns \
             WHERE table_schema = current_schema()",
            "SELECT 'index:' || indexname AS o FROM pg_indexes WHERE schemaname = current_schema()",
        ],
        _ => [
            "SELECT CONCAT(table_name, '.', column_name) AS o FROM information_schema.columns \
             WHERE table_schema = DATABASE()",
            "SELECT DISTINCT CONCAT('index:', table_name, '.', index_name) AS o \
             FROM information_schema.statistics WHERE table_schema = DATABASE()",
        ],
    };
    let mut out = Vec::new();
    for q in queries {
        for row in db
            .query_all_raw(Statement::from_string(backend, q))
            .await
            .unwrap()
        {
            out.push(row.try_get::<String>("", "o").unwrap());
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_migrating_one_fresh_database_together_all_succeed() {
    const INSTANCES: usize = 6;
    for backend in contract_backends() {
        let reference = TestDb::create(&backend).await.unwrap();
        let expected = schema_of(&reference.db).await;
        assert!(expected.iter().any(|o| o.starts_with("candidates.")));

        let t = TestDb::create_empty(&backend).await.unwrap();
        // Each instance has a pool of its own, as a separate process would, and all of them
        // are connected before any starts migrating.
        let start = Arc::new(tokio::sync::Barrier::new(INSTANCES));
        let mut instances = tokio::task::JoinSet::new();
        for _ in 0..INSTANCES {
            let url = t.url.clone();
            let start = start.clone();
            instances.spawn(async move {
                let db = store::connect(&url).await?;
                start.wait().await;
                let outcome = store::db::migrate(&db).await;
                db.close().await?;
                outcome
            });
        }
        let failures: Vec<String> = instances
            .join_all()
            .await
            .into_iter()
            .filter_map(|r| r.err().map(|e| e.to_string()))
            .collect();
        assert!(
            failures.is_empty(),
            "{}: {} of {INSTANCES} migrations failed: {failures:#?}",
            backend.name(),
            failures.len()
        );

        let applied: Vec<String> = Migrator::get_applied_migrations(&t.db)
            .await
            .unwrap()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let all: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        assert_eq!(applied, all, "{}", backend.name());
        assert!(
            Migrator::get_pending_migrations(&t.db)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            schema_of(&t.db).await,
            expected,
            "{}: the schema differs from one migrated alone",
            backend.name()
        );
        // The calendar migration's rows went in once, not once per instance.
        let days = |db: &Db| {
            let db = db.clone();
            async move {
                store::entity::special_day::Entity::find()
                    .count(&db)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(
            days(&t.db).await,
            days(&reference.db).await,
            "{}",
            backend.name()
        );
    }
}

/// Every table's row count, sorted by table.
async fn counts_of(db: &Db) -> Vec<(String, i64)> {
    let backend = db.get_database_backend();
    let tables = match backend {
        DbBackend::Sqlite => {
            "SELECT name AS t FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        DbBackend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS t FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        _ => {
            "SELECT CAST(table_name AS CHAR) AS t FROM information_schema.tables \
             WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        }
    };
    let mut out = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, tables))
        .await
        .unwrap()
    {
        let table: String = row.try_get("", "t").unwrap();
        let n: i64 = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        out.push((table, n));
    }
    out.sort();
    out
}

/// A test's database is a copy of one migrated once per process (on MySQL, a database of an
/// earlier test reset): whatever a test before it wrote, it holds exactly the rows a database
/// migrated on its own holds, and numbers new rows as that one would.
#[tokio::test]
async fn a_test_database_holds_what_the_migrations_leave_whatever_the_test_before_wrote() {
    for backend in contract_backends() {
        let name = backend.name();
        let migrated = TestDb::create_empty(&backend).await.unwrap();
        store::db::migrate(&migrated.db).await.unwrap();
        let expected = counts_of(&migrated.db).await;
        assert!(expected.iter().any(|(_, n)| *n > 0), "{name}: {expected:?}");
        let mut first_ids = Vec::new();
        for round in 0..3 {
            let t = TestDb::create(&backend).await.unwrap();
            assert_eq!(counts_of(&t.db).await, expected, "{name}, round {round}");
            store::demo::seed(
                &t.db,
                &store::demo::DemoOptions {
                    password_hash: crate::common::HASH.to_owned(),
                    extra_candidates: 3,
                    bulk_province: None,
                    now: crate::common::now(),
                },
            )
            .await
            .unwrap();
            let written = counts_of(&t.db).await;
            assert!(
                written.iter().any(|(t, n)| t == "audit_log" && *n > 0),
                "{name}: {written:?}"
            );
            let ids: i64 =
                t.db.query_one_raw(Statement::from_string(
                    backend_of(&t.db),
                    "SELECT MIN(id) AS id FROM candidates",
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get("", "id")
                .unwrap();
            first_ids.push(ids);
        }
        assert!(
            first_ids.windows(2).all(|w| w[0] == w[1]),
            "{name}: the first candidate's id in each round: {first_ids:?}"
        );
    }
}

fn backend_of(db: &Db) -> DbBackend {
    db.get_database_backend()
}

async fn pragma(db: &Db, name: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        DbBackend::Sqlite,
        format!("PRAGMA {name}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap()
}

#[tokio::test]
async fn sqlite_commits_reach_the_disk_unless_told_otherwise() {
    use store::db::SqliteSync;
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("s.sqlite").display()
    );
    // PRAGMA synchronous: 2 is FULL, 1 is NORMAL.
    let db = store::connect(&url).await.unwrap();
    assert_eq!(pragma(&db, "synchronous").await, 2);
    assert_eq!(
        pragma(&db, "journal_size_limit").await as u64,
        store::db::WAL_SIZE_LIMIT
    );
    db.close().await.unwrap();
    let db = store::db::connect_with(&url, SqliteSync::Normal)
        .await
        .unwrap();
    assert_eq!(pragma(&db, "synchronous").await, 1);
    db.close().await.unwrap();

    assert_eq!("FULL".parse::<SqliteSync>(), Ok(SqliteSync::Full));
    assert_eq!(" normal ".parse::<SqliteSync>(), Ok(SqliteSync::Normal));
    let refused = "off".parse::<SqliteSync>().unwrap_err();
    assert!(refused.contains("只能是 full 或 normal"), "{refused}");
    assert!(refused.contains("off"), "{refused}");
}

#[test]
fn urls_are_shown_without_their_password() {
    assert_eq!(
        store::db::redacted("postgres://biye:s3cret@db.example/biye"),
        "postgres://biye:***@db.example/biye"
    );
    assert_eq!(
        store::db::redacted("postgres://biye@db.example/biye"),
        "postgres://biye@db.example/biye"
    );
    assert_eq!(
        store::db::sqlite_path("sqlite:///var/lib/biye/biye.sqlite?mode=rwc"),
        Some(std::path::PathBuf::from("/var/lib/biye/biye.sqlite"))
    );
    assert_eq!(store::db::sqlite_path("postgres://db.example/biye"), None);
}

/// On SQLite, write transactions of one process queue for their turn and begin holding the
/// write lock: transactions that read before they write (which, begun deferred, would find the
/// lock taken when they come to write and fail at once with "database is locked") all commit,
/// and none loses another's update.
#[tokio::test]
async fn sqlite_write_transactions_that_read_first_all_commit_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("w.sqlite").display()
    );
    let db = store::connect(&url).await.unwrap();
    db.execute_unprepared("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        .await
        .unwrap();
    db.execute_unprepared("INSERT INTO counter (id, n) VALUES (1, 0)")
        .await
        .unwrap();
    const TASKS: i64 = 8;
    const EACH: i64 = 25;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..EACH {
                let txn = store::write::begin_write(&db).await?;
                let n: i64 = txn
                    .query_one_raw(Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT n FROM counter WHERE id = 1",
                    ))
                    .await?
                    .expect("the counter row")
                    .try_get_by_index(0)?;
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "UPDATE counter SET n = ? WHERE id = 1",
                    [(n + 1).into()],
                ))
                .await?;
                txn.commit().await?;
            }
            Ok::<(), sea_orm::DbErr>(())
        }));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let n: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT n FROM counter WHERE id = 1",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(n, TASKS * EACH);
}

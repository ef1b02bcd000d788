//! A request's reader: its statements go over one connection it holds, it sees what others
//! committed, it cannot write, and readers and the shared pool never take each other's
//! connections, so requests that hold one and write through the other cannot block each other.

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use store::reader::{READ_CONNECTIONS, ReadPool, Reader};
use store::testkit::{TestDb, contract_backends};

/// A value only this connection has: set on it, read back from it.
fn mark(backend: DbBackend, value: i64) -> (String, String) {
    match backend {
        DbBackend::Sqlite => (
            format!("PRAGMA cache_size = -{value}"),
            "SELECT -cache_size AS v FROM pragma_cache_size".to_owned(),
        ),
        DbBackend::Postgres => (
            format!("SET application_name = 'r{value}'"),
            "SELECT CAST(COALESCE(NULLIF(SUBSTR(current_setting('application_name'), 2), ''), '0') \
             AS BIGINT) AS v"
                .to_owned(),
        ),
        _ => (
            format!("SET @reader_mark = {value}"),
            "SELECT CAST(COALESCE(@reader_mark, 0) AS SIGNED) AS v".to_owned(),
        ),
    }
}

async fn marked(r: &Reader) -> i64 {
    let (_, read) = mark(r.get_database_backend(), 0);
    r.query_one_raw(Statement::from_string(r.get_database_backend(), read))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "v")
        .unwrap()
}

async fn count_orgs(c: &impl ConnectionTrait) -> i64 {
    c.query_one_raw(Statement::from_string(
        c.get_database_backend(),
        "SELECT COUNT(*) AS n FROM organisations",
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

async fn insert_org(db: &store::Db, code: &str) {
    let name = format!("机构{code}");
    store::repo::org::create(
        db,
        store::repo::org::NewOrg {
            parent_id: None,
            kind: "continuing_ed_school",
            province: None,
            code,
            name: &name,
            announcement: "",
        },
        crate::common::now(),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_keeps_one_connection_and_sees_what_others_commit() {
    for backend in contract_backends() {
        let t = TestDb::create(&backend).await.unwrap();
        let pool = ReadPool::beside(&t.db);
        let b = t.db.get_database_backend();
        let r = pool.reader();
        let (set, _) = mark(b, 4321);
        r.execute_unprepared(&set).await.unwrap();
        let before = count_orgs(&r).await;
        // Another reader, held at the same time, has a connection of its own: the mark is the
        // connection's, so finding it again below means the same connection.
        let other = pool.reader();
        assert_ne!(marked(&other).await, 4321, "{}", backend.name());
        insert_org(&t.db, "RDR1").await;
        assert_eq!(count_orgs(&r).await, before + 1, "{}", backend.name());
        assert_eq!(marked(&r).await, 4321, "{}", backend.name());
        // Clones share it.
        assert_eq!(marked(&r.clone()).await, 4321, "{}", backend.name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_through_a_reader_fails_and_changes_nothing() {
    for backend in contract_backends() {
        let t = TestDb::create(&backend).await.unwrap();
        let r = ReadPool::beside(&t.db).reader();
        insert_org(&t.db, "RDR2").await;
        let before = count_orgs(&t.db).await;
        let sql = "UPDATE organisations SET name = 'changed'";
        let refused = r
            .execute_raw(Statement::from_string(r.get_database_backend(), sql))
            .await;
        assert!(refused.is_err(), "{}: a reader wrote", backend.name());
        let changed =
            t.db.query_one_raw(Statement::from_string(
                t.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM organisations WHERE name = 'changed'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(changed, 0, "{}", backend.name());
        // The reader still reads after the refusal.
        assert_eq!(count_orgs(&r).await, before, "{}", backend.name());
    }
}

/// How many connections the shared pool opens at most.
fn shared_max(db: &store::Db) -> u32 {
    match db.get_database_backend() {
        DbBackend::Sqlite => db
            .get_sqlite_connection_pool()
            .options()
            .get_max_connections(),
        DbBackend::Postgres => db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections(),
        _ => db
            .get_mysql_connection_pool()
            .options()
            .get_max_connections(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_and_the_shared_pool_never_take_each_others_connections() {
    // Had readers come from the shared pool, a request holding one and writing would wait for
    // a second connection, and as many such requests as the pool has connections would wait
    // for each other until the pool's timeout.
    for backend in contract_backends() {
        let t = TestDb::create(&backend).await.unwrap();
        let pool = ReadPool::beside(&t.db);
        let readers: Vec<Reader> = (0..READ_CONNECTIONS).map(|_| pool.reader()).collect();
        for r in &readers {
            count_orgs(r).await;
        }
        // Every connection of the shared pool, each held by a transaction, while every reader
        // holds its own.
        let mut txns = Vec::new();
        for _ in 0..shared_max(&t.db) {
            let txn = t.db.begin().await.unwrap();
            count_orgs(&txn).await;
            txns.push(txn);
        }
        for r in &readers {
            count_orgs(r).await;
        }
        for txn in txns {
            txn.commit().await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_released_reader_lets_another_take_its_connection() {
    for backend in contract_backends() {
        let t = TestDb::create(&backend).await.unwrap();
        let pool = ReadPool::beside(&t.db);
        let held: Vec<Reader> = (0..READ_CONNECTIONS).map(|_| pool.reader()).collect();
        for r in &held {
            count_orgs(r).await;
        }
        let waiting = pool.reader();
        let next = tokio::spawn(async move { count_orgs(&waiting).await });
        held[0].release().await;
        // Without the release, every connection stays held and this waits out the pool's
        // acquire timeout.
        next.await.unwrap();
        // The released reader takes one again when it next reads (the finished one's).
        count_orgs(&held[0]).await;
    }
}

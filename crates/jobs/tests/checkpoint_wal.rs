//! The WAL checkpoint job: a WAL that a long reader let grow is truncated once the reader is gone,
//! and nothing written is lost by it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, Statement,
    TransactionTrait,
};
use store::entity::{audit, special_day};
use store::repo::audit::{Actor, record};
use store::testkit::{Backend, TestDb, app_backends};

const ROWS: i64 = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_truncates_the_wal_and_keeps_every_write() {
    let t = TestDb::create(&Backend::Sqlite).await.unwrap();
    let wal = format!("{}-wal", store::db::sqlite_path(&t.url).unwrap().display());
    let limit =
        t.db.query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA journal_size_limit",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(limit as u64, store::db::WAL_SIZE_LIMIT);

    // A reader holding its snapshot keeps SQLite's automatic checkpoints from reusing the WAL,
    // as an unbroken stream of readers does under load: the WAL grows with every write.
    let reader = t.db.begin().await.unwrap();
    special_day::Entity::find().one(&reader).await.unwrap();
    let detail = "补".repeat(3_000);
    let now = chrono::Utc::now();
    for chunk in 0..ROWS / 100 {
        let txn = t.db.begin().await.unwrap();
        for i in 0..100 {
            record(
                &txn,
                now,
                Actor::SYSTEM,
                "test.wal_filler",
                ("test", Some(chunk * 100 + i)),
                &detail,
                None,
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
    }
    reader.commit().await.unwrap();
    let grown = std::fs::metadata(&wal).unwrap().len();
    assert!(
        grown > 10 * 1024 * 1024,
        "the WAL grew to {grown} bytes only"
    );

    let done = jobs::checkpoint_wal::run(&t.db).await.unwrap().unwrap();
    assert!(!done.busy, "{done:?}");
    assert_eq!(done.checkpointed_frames, done.wal_frames, "{done:?}");
    let after = std::fs::metadata(&wal).unwrap().len();
    assert!(
        after < 64 * 1024,
        "the WAL is {after} bytes after the checkpoint"
    );
    println!("WAL before the checkpoint: {grown} bytes; after: {after} bytes");

    let kept = audit::Entity::find()
        .filter(audit::Column::Action.eq("test.wal_filler"))
        .count(&t.db)
        .await
        .unwrap();
    assert_eq!(kept, ROWS as u64);
    let integrity =
        t.db.query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(integrity, "ok");
}

#[tokio::test]
async fn the_checkpoint_is_a_no_op_on_servers() {
    for backend in app_backends() {
        if backend == Backend::Sqlite {
            continue;
        }
        let t = TestDb::create(&backend).await.unwrap();
        assert_eq!(jobs::checkpoint_wal::run(&t.db).await.unwrap(), None);
    }
}

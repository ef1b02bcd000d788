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

/// Every row of `E`, read through [`store::reader::models`] and through sea-orm: the same models.
async fn read_alike<E>(r: &Reader, db: &store::Db) -> usize
where
    E: sea_orm::EntityTrait,
    E::Model: PartialEq + std::fmt::Debug,
    E::ActiveModel: sea_orm::TryIntoModel<E::Model>,
{
    use sea_orm::{Iterable, PrimaryKeyToColumn, QueryOrder};
    let mut q = E::find();
    for pk in E::PrimaryKey::iter() {
        q = q.order_by_asc(pk.into_column());
    }
    let want = q.clone().all(db).await.unwrap();
    let got = store::reader::models(r, q).await.unwrap();
    assert_eq!(got, want, "{} read differently", E::default().table_name());
    want.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn models_read_through_a_reader_are_those_sea_orm_reads() {
    use store::entity::*;
    for backend in contract_backends() {
        let at = crate::common::now();
        let t = crate::common::demo_db_with(&backend, at, 16).await;
        let r = ReadPool::beside(&t.db).reader();
        // Only a SQLite file is read on the calling thread; the test databases are files.
        assert_eq!(
            r.reads_on_calling_thread(),
            matches!(backend, store::testkit::Backend::Sqlite),
            "{}",
            backend.name()
        );
        // Applications in every state, so that their many optional columns hold both.
        store::demo::seed_applications(&t.db, 16, at).await.unwrap();
        store::repo::session::create(&t.db, "staff", Some(1), at)
            .await
            .unwrap();
        store::repo::session::create(&t.db, "anonymous", None, at)
            .await
            .unwrap();
        // Every column kind the entities use, NULLs among them: text, integers of each width,
        // booleans, dates, times.
        let counts = [
            read_alike::<candidate::Entity>(&r, &t.db).await,
            read_alike::<session::Entity>(&r, &t.db).await,
            read_alike::<score_record::Entity>(&r, &t.db).await,
            read_alike::<exemption::Entity>(&r, &t.db).await,
            read_alike::<enrolled_major::Entity>(&r, &t.db).await,
            read_alike::<graduation_application::Entity>(&r, &t.db).await,
            read_alike::<staff::Entity>(&r, &t.db).await,
            read_alike::<staff_role::Entity>(&r, &t.db).await,
            read_alike::<organisation::Entity>(&r, &t.db).await,
            read_alike::<batch::Entity>(&r, &t.db).await,
            read_alike::<major::Entity>(&r, &t.db).await,
            read_alike::<course::Entity>(&r, &t.db).await,
            read_alike::<application_tally::Entity>(&r, &t.db).await,
            read_alike::<review_decided_tally::Entity>(&r, &t.db).await,
        ];
        assert!(
            counts.iter().all(|n| *n > 0),
            "{}: an entity without rows proves nothing: {counts:?}",
            backend.name()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_binds_times_and_flags_as_the_shared_pool_does() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use store::entity::{candidate, session};
    for backend in contract_backends() {
        let at = crate::common::now();
        let t = crate::common::demo_db(&backend, at).await;
        let r = ReadPool::beside(&t.db).reader();
        for (i, kind) in ["staff", "anonymous", "staff"].into_iter().enumerate() {
            let when = at + chrono::Duration::minutes(i as i64 * 10);
            store::repo::session::create(&t.db, kind, Some(1), when)
                .await
                .unwrap();
        }
        // A time compared in SQL: the bound text has to sort as the stored text does.
        let cut = at + chrono::Duration::minutes(5);
        let q = session::Entity::find().filter(session::Column::CreatedAt.gt(cut));
        let want = q.clone().all(&t.db).await.unwrap();
        assert_eq!(want.len(), 2, "{}", backend.name());
        let got = store::reader::models(&r, q).await.unwrap();
        assert_eq!(got.len(), want.len(), "{}", backend.name());
        let q = session::Entity::find().filter(session::Column::ExpiresAt.lte(at));
        assert!(store::reader::models(&r, q).await.unwrap().is_empty());
        // A flag compared in SQL.
        let q = candidate::Entity::find().filter(candidate::Column::LegalBlock.eq(false));
        let want = q.clone().all(&t.db).await.unwrap();
        assert!(!want.is_empty(), "{}", backend.name());
        assert_eq!(store::reader::models(&r, q).await.unwrap(), want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_read_through_a_reader_is_the_one_the_shared_pool_reads() {
    use store::repo::session;
    for backend in contract_backends() {
        let at = crate::common::now();
        let t = crate::common::demo_db(&backend, at).await;
        let r = ReadPool::beside(&t.db).reader();
        let (token, _) = session::create(&t.db, "candidate", Some(1), at)
            .await
            .unwrap();
        let (staff_token, _) = session::create(&t.db, "staff", Some(1), at).await.unwrap();
        for tok in [&token, &staff_token] {
            let want = session::load_versioned(&t.db, tok, at).await.unwrap();
            let got = session::load_versioned_from(&r, &t.db, tok, at)
                .await
                .unwrap();
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
                "{}",
                backend.name()
            );
            assert!(matches!(got.lookup, session::Lookup::Live(_)));
        }
        // A run-out session is removed through the writing connection, not the reader.
        let later = at + chrono::Duration::days(30);
        let gone = session::load_versioned_from(&r, &t.db, &token, later)
            .await
            .unwrap();
        assert!(
            matches!(gone.lookup, session::Lookup::Expired),
            "{}",
            backend.name()
        );
        // A reader's reads on a SQLite file see one snapshot: given up, the next sees the removal.
        r.release().await;
        let after = session::load_versioned_from(&r, &t.db, &token, at)
            .await
            .unwrap();
        assert!(
            matches!(after.lookup, session::Lookup::Missing),
            "{}",
            backend.name()
        );
    }
}

/// Frames in the write-ahead log, and how many of them a passive checkpoint could copy into
/// the database: fewer while a reader's snapshot predates some of them.
async fn checkpoint(db: &store::Db) -> (i64, i64) {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(PASSIVE)",
        ))
        .await
        .unwrap()
        .unwrap();
    let log = row.try_get_by_index::<i64>(1).unwrap();
    let copied = row.try_get_by_index::<i64>(2).unwrap();
    (log, copied)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_on_the_calling_thread_reads_one_snapshot_until_released_and_cannot_write() {
    use store::reader::{Reads, Shape};
    for backend in contract_backends() {
        let t = TestDb::create(&backend).await.unwrap();
        let r = ReadPool::beside(&t.db).reader();
        let orgs = |r: Reader| async move {
            store::reader::models(&r, store::entity::organisation::Entity::find())
                .await
                .unwrap()
                .len()
        };
        use sea_orm::EntityTrait;
        let before = orgs(r.clone()).await;
        insert_org(&t.db, "RDR3").await;
        // Another reader sees the commit at once; this one, on a SQLite file, still reads the
        // state of its first read (one read transaction), and elsewhere each statement sees
        // what was committed before it.
        assert_eq!(
            orgs(ReadPool::beside(&t.db).reader()).await,
            before + 1,
            "{}",
            backend.name()
        );
        let on_thread = r.reads_on_calling_thread();
        let seen = if on_thread { before } else { before + 1 };
        assert_eq!(orgs(r.clone()).await, seen, "{}", backend.name());
        if on_thread {
            // The open snapshot keeps the log's newer frames out of the database file...
            let (log, copied) = checkpoint(&t.db).await;
            assert!(copied < log, "{log} frames, {copied} copied");
        }
        r.release().await;
        assert_eq!(orgs(r.clone()).await, before + 1, "{}", backend.name());
        drop(r);
        if on_thread {
            // ...and a reader dropped leaves none open on the connection it handed back.
            let (log, copied) = checkpoint(&t.db).await;
            assert_eq!(copied, log, "a dropped reader's snapshot is still open");
        }
        let r = ReadPool::beside(&t.db).reader();
        let b = r.get_database_backend();
        let refused = r
            .rows(
                Statement::from_string(b, "UPDATE organisations SET name = 'changed'"),
                Shape::default,
            )
            .await;
        assert!(refused.is_err(), "{}: a reader wrote", backend.name());
        // A column the shape does not describe is refused, not guessed at (SQLite keeps no
        // types to guess from); elsewhere the driver knows the column's type.
        let undescribed = r
            .rows(
                Statement::from_string(b, "SELECT COUNT(*) AS n FROM organisations"),
                Shape::default,
            )
            .await;
        assert_eq!(
            undescribed.is_err(),
            r.reads_on_calling_thread(),
            "{}",
            backend.name()
        );
        assert_eq!(count_orgs(&t.db).await as usize, before + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pages_reads_keep_their_text_and_answer_as_a_fresh_select_does() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use store::entity::{exemption, graduation_application, score_record, staff};
    use store::repo::session;
    for backend in contract_backends() {
        let at = crate::common::now();
        let t = crate::common::demo_db_with(&backend, at, 4).await;
        store::demo::seed_applications(&t.db, 4, at).await.unwrap();
        let r = ReadPool::beside(&t.db).reader();
        let refs = store::refcache::ReferenceCache::new();
        // Twice each, with other values the second time: the second answer comes from the kept
        // text, and has to be the same select's.
        let candidates = store::entity::candidate::Entity::find()
            .order_by_asc(store::entity::candidate::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        let mut scores = 0;
        for c in candidates.iter().take(3) {
            let want = score_record::Entity::find()
                .filter(score_record::Column::CandidateId.eq(c.id))
                .order_by_asc(score_record::Column::CourseCode)
                .order_by_asc(score_record::Column::ExamDate)
                .all(&t.db)
                .await
                .unwrap();
            scores += want.len();
            let got = store::repo::reference::scores_of(&r, c.id).await.unwrap();
            assert_eq!(got, want, "{}", backend.name());
            let want = exemption::Entity::find()
                .filter(exemption::Column::CandidateId.eq(c.id))
                .all(&t.db)
                .await
                .unwrap();
            let got = store::repo::reference::exemptions_of(&r, c.id)
                .await
                .unwrap();
            assert_eq!(got, want, "{}", backend.name());
            let want = graduation_application::Entity::find()
                .filter(graduation_application::Column::CandidateId.eq(c.id))
                .order_by_desc(graduation_application::Column::Id)
                .all(&t.db)
                .await
                .unwrap();
            let got = store::graduation::application::of_candidate(&r, c.id)
                .await
                .unwrap();
            assert_eq!(got, want, "{}", backend.name());
            let seen = store::refcache::current(&t.db).await.unwrap();
            let want = store::repo::reference::enrolled_majors(&t.db, c.id)
                .await
                .unwrap();
            let got = refs.enrolled_majors(&r, seen, c.id).await.unwrap();
            assert_eq!(
                format!("{got:?}"),
                format!("{want:?}"),
                "{}",
                backend.name()
            );
            let (token, _) = session::create(&t.db, "candidate", Some(c.id), at)
                .await
                .unwrap();
            // Written after the reader's snapshot was taken: a new one sees it.
            r.release().await;
            let got = session::load_versioned_from(&r, &t.db, &token, at)
                .await
                .unwrap();
            assert_eq!(
                got.candidate.map(|m| m.id),
                Some(c.id),
                "{}",
                backend.name()
            );
        }
        assert!(scores > 0, "{}: no scores prove nothing", backend.name());
        let accounts = staff::Entity::find()
            .order_by_asc(staff::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        assert!(accounts.len() >= 2);
        for s in accounts.iter().take(2) {
            let got = store::repo::staff::signed_in(&r, s.id, at).await.unwrap();
            assert_eq!(got.staff, *s, "{}", backend.name());
            assert_eq!(got.org.id, s.org_id, "{}", backend.name());
        }
    }
    // Every statement given as prepared was kept: a value list that did not match its builder's
    // would have been counted here.
    assert_eq!(store::reader::unkept_builds(), 0);
}

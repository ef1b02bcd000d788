//! The reference data version and the instances' caches: every change to a cached table raises
//! the version in its own transaction, whoever makes it, and a cache shows the change to the
//! first request that read the raised version, on every instance.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use store::refcache::{self, ReferenceCache};
use store::repo::session::{self, Lookup};
use store::testkit::contract_backends;

use crate::common::{demo_db, now};

async fn version(db: &store::Db) -> i64 {
    refcache::current(db).await.unwrap().unwrap().version()
}

async fn exec(db: &store::Db, sql: &str) {
    db.execute_unprepared(sql).await.unwrap();
}

async fn first_id(db: &store::Db, table: &str) -> i64 {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
    }
    Row::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT MIN(id) AS id FROM {table}"),
    ))
    .one(db)
    .await
    .unwrap()
    .unwrap()
    .id
}

#[tokio::test]
async fn every_change_to_a_cached_table_raises_the_version() {
    for b in contract_backends() {
        let name = b.name();
        let t = demo_db(&b, now()).await;
        let db = &t.db;
        // An update of one row of each table, as an operator's SQL would make it.
        for (table, set) in [
            ("courses", "name = '改名课程'"),
            ("majors", "name = '改名专业'"),
            ("plan_courses", "credits = 9"),
            ("batches", "name = '改名批次'"),
            ("batch_stages", "name = '改名环节'"),
            ("organisations", "name = '改名机构'"),
        ] {
            let id = first_id(db, table).await;
            let before = version(db).await;
            exec(db, &format!("UPDATE {table} SET {set} WHERE id = {id}")).await;
            assert!(version(db).await > before, "{name}: update of {table}");
        }
        // An insert and a delete.
        let major = first_id(db, "majors").await;
        let before = version(db).await;
        exec(
            db,
            &format!(
                "INSERT INTO plan_substitutions (major_id, course_code, substitute_code) \
                 VALUES ({major}, '00001', '00002')"
            ),
        )
        .await;
        let inserted = version(db).await;
        assert!(inserted > before, "{name}: insert");
        exec(
            db,
            "DELETE FROM plan_substitutions WHERE course_code = '00001'",
        )
        .await;
        assert!(version(db).await > inserted, "{name}: delete");
        let before = version(db).await;
        exec(
            db,
            "INSERT INTO province_settings (province, fee_fen, updated_at) \
             VALUES ('chongqing', 4500, '2026-12-05 08:00:00')",
        )
        .await;
        assert!(version(db).await > before, "{name}: office settings");
        let (batch, org, staff) = (
            first_id(db, "batches").await,
            first_id(db, "organisations").await,
            first_id(db, "staff").await,
        );
        let before = version(db).await;
        exec(
            db,
            &format!(
                "INSERT INTO batch_announcements (batch_id, org_id, body, updated_by, updated_at) \
                 VALUES ({batch}, {org}, '公告', {staff}, '2026-12-05 08:00:00')"
            ),
        )
        .await;
        assert!(version(db).await > before, "{name}: 公告");
        // Reading changes nothing.
        let before = version(db).await;
        store::graduation::application::batches_of_province(db, "chongqing")
            .await
            .unwrap();
        assert_eq!(version(db).await, before, "{name}: a read");
    }
}

#[tokio::test]
async fn each_instance_shows_a_change_to_the_first_request_that_read_the_new_version() {
    for b in contract_backends() {
        let name = b.name();
        let at = now();
        let t = demo_db(&b, at).await;
        let db = &t.db;
        let candidate = first_id(db, "candidates").await;
        let (token, _) = session::create(db, "candidate", Some(candidate), at)
            .await
            .unwrap();
        let seen = || async {
            let loaded = session::load_versioned(db, &token, at).await.unwrap();
            assert!(matches!(loaded.lookup, Lookup::Live(_)), "{name}");
            // A candidate's session comes with the account, in the same statement.
            assert_eq!(loaded.candidate.map(|c| c.id), Some(candidate), "{name}");
            loaded.seen
        };
        // Another kind of session with the same account number brings no candidate.
        let (staff_token, _) = session::create(db, "staff", Some(candidate), at)
            .await
            .unwrap();
        let staff = session::load_versioned(db, &staff_token, at).await.unwrap();
        assert!(matches!(staff.lookup, Lookup::Live(_)), "{name}");
        assert!(staff.candidate.is_none() && staff.seen.is_some(), "{name}");
        // A session run out is removed, and reads nothing else.
        let later = at + chrono::Duration::hours(1);
        let gone = session::load_versioned(db, &staff_token, later)
            .await
            .unwrap();
        assert!(matches!(gone.lookup, Lookup::Expired), "{name}");
        assert!(gone.candidate.is_none() && gone.seen.is_none(), "{name}");
        let one = ReferenceCache::new();
        let two = ReferenceCache::new();
        let names = |batches: &[store::entity::batch::Model]| {
            batches.iter().map(|b| b.name.clone()).collect::<Vec<_>>()
        };
        let first = seen().await;
        assert!(first.is_some(), "{name}: the session reads the version");
        let shown = one
            .batches_of_province(db, first, "chongqing")
            .await
            .unwrap();
        assert!(!shown.is_empty(), "{name}");
        let batch_id = shown[0].id;
        two.batch(db, first, batch_id).await.unwrap();

        exec(
            db,
            &format!("UPDATE batches SET name = '改名批次' WHERE id = {batch_id}"),
        )
        .await;
        // A request that read the version before the change may still be answered from the
        // cache, as if it had been served a moment earlier ...
        let stale = one
            .batches_of_province(db, first, "chongqing")
            .await
            .unwrap();
        assert_eq!(names(&stale), names(&shown), "{name}");
        // ... the next request, on either instance, sees the change.
        let second = seen().await;
        assert_ne!(second, first, "{name}");
        let fresh = one
            .batches_of_province(db, second, "chongqing")
            .await
            .unwrap();
        assert_eq!(fresh[0].name, "改名批次", "{name}");
        assert_eq!(
            two.batch(db, second, batch_id).await.unwrap().name,
            "改名批次",
            "{name}"
        );
        // Once another request has moved the cache on, an older version does not bring the
        // old value back.
        let again = one.batch(db, first, batch_id).await.unwrap();
        assert_eq!(again.name, "改名批次", "{name}");
        // Without a version read, the tables are read each time.
        exec(
            db,
            &format!("UPDATE batches SET name = '再改名' WHERE id = {batch_id}"),
        )
        .await;
        assert_eq!(
            two.batch(db, None, batch_id).await.unwrap().name,
            "再改名",
            "{name}"
        );
        // A missing row is an error and is not kept.
        assert!(matches!(
            one.batch(db, second, i64::MAX).await,
            Err(store::repo::RepoError::NotFound)
        ));
    }
}

#[tokio::test]
async fn course_names_come_from_the_cache_until_a_course_changes() {
    for b in contract_backends() {
        let name = b.name();
        let t = demo_db(&b, now()).await;
        let db = &t.db;
        let id = first_id(db, "courses").await;
        let cache = ReferenceCache::new();
        let first = refcache::current(db).await.unwrap();
        let names = cache.course_names(db, first).await.unwrap();
        #[derive(FromQueryResult)]
        struct Course {
            code: String,
            name: String,
        }
        let course = Course::find_by_statement(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT code, name FROM courses WHERE id = {id}"),
        ))
        .one(db)
        .await
        .unwrap()
        .unwrap();
        assert_eq!(names.get(&course.code), Some(&course.name), "{name}");
        exec(
            db,
            &format!("UPDATE courses SET name = '改名课程' WHERE id = {id}"),
        )
        .await;
        // Under the version read before the change, the catalogue is the cached one ...
        let stale = cache.course_names(db, first).await.unwrap();
        assert!(std::sync::Arc::ptr_eq(&stale, &names), "{name}");
        // ... and the next version's has the new name.
        let second = refcache::current(db).await.unwrap();
        assert_ne!(second, first, "{name}");
        let fresh = cache.course_names(db, second).await.unwrap();
        assert_eq!(
            fresh.get(&course.code).map(String::as_str),
            Some("改名课程"),
            "{name}"
        );
    }
}

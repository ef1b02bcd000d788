//! What the store's integration tests share.

use chrono::{DateTime, SubsecRound, Utc};

/// A password hash in the stored format, for accounts the tests create: no test signs in with it.
pub const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVtby1zYWx0$ZGVtby1oYXNoLW5vdC1yZWFs";

/// The current time at whole seconds, as every database stores it.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// A fresh database on `backend` holding the demo's data (no extra candidates), seeded at `at`.
pub async fn demo_db(
    backend: &store::testkit::Backend,
    at: DateTime<Utc>,
) -> store::testkit::TestDb {
    demo_db_with(backend, at, 0).await
}

/// [`demo_db`] with `extra` synthetic candidates besides the demo's.
pub async fn demo_db_with(
    backend: &store::testkit::Backend,
    at: DateTime<Utc>,
    extra: u64,
) -> store::testkit::TestDb {
    let t = store::testkit::TestDb::create(backend).await.unwrap();
    store::demo::seed(
        &t.db,
        &store::demo::DemoOptions {
            password_hash: HASH.to_owned(),
            extra_candidates: extra,
            bulk_province: None,
            now: at,
        },
    )
    .await
    .unwrap();
    t
}

/// The whole queue under `filter` read from its end by 上一页, `per_page` rows a page, in list
/// order: it starts before a cursor past every row, as a link from beyond the last page would.
pub async fn walk_queue_back(
    db: &store::Db,
    org: &store::entity::organisation::Model,
    filter: &store::graduation::application::QueueFilter,
    per_page: u64,
) -> Vec<store::entity::graduation_application::Model> {
    // 2037-12-31 23:59:59: within MySQL's TIMESTAMP, and of four digits, as SQLite compares
    // stored times as text.
    let end = store::keyset::Cursor::new(
        chrono::DateTime::from_timestamp(2_145_916_799, 0).unwrap(),
        i64::MAX,
    );
    let mut at = store::keyset::PageAt::Before(end);
    let mut pages = Vec::new();
    loop {
        let page = store::graduation::application::queue(db, org, filter, at, per_page)
            .await
            .unwrap();
        assert!(page.rows.len() as u64 <= per_page);
        pages.push(page.rows.into_iter().map(|r| r.application));
        match page.prev {
            Some(c) => at = store::keyset::PageAt::Before(c),
            None => return pages.into_iter().rev().flatten().collect(),
        }
    }
}

/// Every page of `org`'s queue under `filter`, walked by 下一页 as the page does, `per_page` at a
/// time; each page holds at most that many.
pub async fn walk_queue(
    db: &store::Db,
    org: &store::entity::organisation::Model,
    filter: &store::graduation::application::QueueFilter,
    per_page: u64,
) -> Vec<store::entity::graduation_application::Model> {
    let mut at = store::keyset::PageAt::First;
    let mut out = Vec::new();
    loop {
        let page = store::graduation::application::queue(db, org, filter, at, per_page)
            .await
            .unwrap();
        assert!(page.rows.len() as u64 <= per_page);
        out.extend(page.rows.into_iter().map(|r| r.application));
        match page.next {
            Some(c) => at = store::keyset::PageAt::After(c),
            None => return out,
        }
    }
}

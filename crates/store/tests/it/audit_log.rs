//! The audit log is append-only in the database: an UPDATE or a DELETE through the ORM is
//! refused by the backend's triggers and leaves the row as it was, while inserting still works;
//! and reading it newest first by key, page after page, returns every row once.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait, Set};
use store::entity::audit;
use store::repo::audit::{self as log, Actor, Cursor, Filter};
use store::testkit::{Backend, TestDb, app_backends};

use crate::common::now;

/// Writes a row, then tries to change and remove it: both are refused and it stays as written.
pub async fn changes_are_refused(b: &Backend) {
    let t = TestDb::create(b)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
    let at = now();
    log::record(
        &t.db,
        at,
        Actor::staff(1),
        "staff.disabled",
        ("staff", Some(2)),
        "停用",
        Some("10.0.0.1"),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: insert refused: {e}", b.name()));
    let row = audit::Entity::find().one(&t.db).await.unwrap().unwrap();

    let mut changed = row.clone().into_active_model();
    changed.detail = Set("改写".to_owned());
    let updated = changed.update(&t.db).await;
    let e = updated.expect_err(&format!("{}: an UPDATE went through", b.name()));
    assert!(
        e.to_string().contains("审计日志只能追加"),
        "{}: {e}",
        b.name()
    );

    let deleted = audit::Entity::delete_by_id(row.id).exec(&t.db).await;
    let e = deleted.expect_err(&format!("{}: a DELETE went through", b.name()));
    assert!(
        e.to_string().contains("审计日志只能追加"),
        "{}: {e}",
        b.name()
    );
    let all = audit::Entity::delete_many().exec(&t.db).await;
    assert!(
        all.is_err(),
        "{}: a DELETE of all rows went through",
        b.name()
    );

    let kept = audit::Entity::find_by_id(row.id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept, row, "{}", b.name());

    log::record(
        &t.db,
        at,
        Actor::SYSTEM,
        "login.failed",
        ("staff", None),
        "",
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("{}: a second insert refused: {e}", b.name()));
    assert_eq!(audit::Entity::find().count(&t.db).await.unwrap(), 2);
}

#[tokio::test]
async fn an_audit_row_cannot_be_updated_or_deleted() {
    for b in app_backends() {
        changes_are_refused(&b).await;
    }
}

#[tokio::test]
async fn keyset_pages_return_every_row_once_newest_first() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let start = now() - Duration::hours(1);
        // Several rows share each second, so the id breaks ties.
        for i in 0..25i64 {
            log::record(
                &t.db,
                start + Duration::seconds(i / 4),
                Actor::staff(1),
                if i % 2 == 0 { "even" } else { "odd" },
                ("row", Some(i)),
                "",
                None,
            )
            .await
            .unwrap();
        }
        let mut seen = Vec::new();
        let mut after: Option<Cursor> = None;
        loop {
            let page = log::search(&t.db, &Filter::default(), after, 10)
                .await
                .unwrap();
            assert!(page.entries.len() <= 10);
            seen.extend(page.entries.iter().map(|e| e.row.subject_id.unwrap()));
            match page.next {
                Some(c) => after = Cursor::decode(&c.encode()),
                None => break,
            }
        }
        let expected: Vec<i64> = (0..25).rev().collect();
        assert_eq!(seen, expected, "{}", b.name());

        let odd = log::search(
            &t.db,
            &Filter {
                action: Some("odd".to_owned()),
                ..Filter::default()
            },
            None,
            50,
        )
        .await
        .unwrap();
        assert_eq!(odd.entries.len(), 12, "{}", b.name());
        assert!(odd.next.is_none());
        assert!(
            log::actions(&t.db)
                .await
                .unwrap()
                .contains(&"odd".to_owned())
        );
    }
}

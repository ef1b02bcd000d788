//! 审计日志 over HTTP on every app backend: an admin reads the sign-ins and changes of its own
//! organisation's subtree and not another province's; filters by 操作 and 操作人 narrow the rows;
//! more than 50 rows page by key with no row twice; a reviewer is refused; `GET /api/v1/audit`
//! answers the same rows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{TestApp, User, spawn_app};
use store::demo::accounts;
use store::repo::audit::{self as log, Actor};
use store::testkit::app_backends;

/// The ids of the rows on a 审计日志 page, in order.
fn row_ids(page: &str) -> Vec<i64> {
    page.split("<tr id=\"audit-")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The "下一页" link of a page, unescaped, when there is one.
fn next_link(page: &str) -> Option<String> {
    let at = page.find("id=\"audit-next\"")?;
    let start = page[..at].rfind("href=\"")? + 6;
    let end = start + page[start..].find('"')?;
    let mut href = page[start..end].to_owned();
    for (escaped, plain) in [
        ("&amp;", "&"),
        ("&#38;", "&"),
        ("&#x26;", "&"),
        ("&#x2f;", "/"),
        ("&#47;", "/"),
    ] {
        href = href.replace(escaped, plain);
    }
    Some(href)
}

/// The ids in an API answer, and its `next`.
async fn api_ids(app: &TestApp, c: &reqwest::Client, query: &str) -> (Vec<i64>, Option<String>) {
    let r = c
        .get(app.url(&format!("/api/v1/audit{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{query}");
    let body: serde_json::Value = r.json().await.unwrap();
    let ids = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    (ids, body["next"].as_str().map(str::to_owned))
}

async fn staff_id(app: &TestApp, username: &str) -> i64 {
    store::repo::staff::by_username(&app.db.db, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A change by `username`, as the operations write them.
async fn change_by(app: &TestApp, username: &str, action: &str, detail: &str) {
    let id = staff_id(app, username).await;
    log::record(
        &app.db.db,
        app.state.now(),
        Actor::staff(id),
        action,
        ("staff", Some(id)),
        detail,
        Some("10.1.2.3"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn an_admin_reads_its_subtree_filters_narrow_and_the_api_agrees() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        // Sign-ins: one in the province, one in another.
        let _candidate = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let _other = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_ADMIN))
            .await;
        change_by(
            &app,
            accounts::STAFF_CQ_DISTRICT,
            "staff.roles_changed",
            "重庆的改动",
        )
        .await;
        change_by(
            &app,
            accounts::STAFF_YN_PREFECTURE,
            "staff.roles_changed",
            "云南的改动",
        )
        .await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;

        let (status, page) = app.get_text(&admin, "/staff/audit").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("href=\"/staff/audit\""), "in the menu");
        for label in [
            "操作人",
            "操作",
            "对象类型",
            "开始日期",
            "结束日期",
            "table-wrap",
        ] {
            assert!(page.contains(label), "{label}");
        }
        assert!(page.contains("method=\"get\""));
        assert!(page.contains("考生 5024****01"), "{}: {page}", b.name());
        assert!(page.contains("登录成功"));
        assert!(page.contains("重庆的改动") && page.contains("工作人员 cq-spb"));
        assert!(
            !page.contains("云南的改动"),
            "{}: another province's change",
            b.name()
        );
        assert!(!page.contains("yn-office-admin") && !page.contains("yn-qj"));

        let (_, by_action) = app
            .get_text(
                &admin,
                "/staff/audit?action=staff.roles_changed&actor=&subject=",
            )
            .await;
        let ids = row_ids(&by_action);
        assert_eq!(ids.len(), 1, "{}: {by_action}", b.name());
        assert!(by_action.contains("重庆的改动") && !by_action.contains("\">登录成功</td>"));

        let (_, by_actor) = app
            .get_text(
                &admin,
                &format!("/staff/audit?actor={}", accounts::CQ_ELIGIBLE_ASSOCIATE),
            )
            .await;
        let actor_ids = row_ids(&by_actor);
        assert!(!actor_ids.is_empty(), "{}: {by_actor}", b.name());
        assert!(!by_actor.contains("重庆的改动") && !by_actor.contains("工作人员 "));

        let (_, all) = app.get_text(&admin, "/staff/audit").await;
        assert_eq!(
            api_ids(&app, &admin, "").await.0,
            row_ids(&all),
            "{}",
            b.name()
        );
        assert_eq!(
            api_ids(&app, &admin, "?action=staff.roles_changed").await.0,
            ids
        );
        assert_eq!(
            api_ids(
                &app,
                &admin,
                &format!("?actor={}", accounts::CQ_ELIGIBLE_ASSOCIATE)
            )
            .await
            .0,
            actor_ids
        );
        let r = admin
            .get(app.url("/api/v1/audit?from=yesterday"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422);
    }
}

#[tokio::test]
async fn more_than_fifty_rows_page_by_key_without_repeats() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let reviewer = staff_id(&app, accounts::STAFF_CQ_DISTRICT).await;
        // All at one instant: the id alone orders them, as rows written in one second do.
        let at = app.state.now();
        for i in 0..63i64 {
            log::record(
                &app.db.db,
                at,
                Actor::staff(reviewer),
                "test.paging",
                ("row", Some(i)),
                &format!("第{i}条"),
                None,
            )
            .await
            .unwrap();
        }
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (_, first) = app
            .get_text(&admin, "/staff/audit?action=test.paging")
            .await;
        let page1 = row_ids(&first);
        assert_eq!(page1.len(), 50, "{}", b.name());
        let next = next_link(&first).expect("a 下一页 link");
        assert!(
            next.contains("action=test.paging") && next.contains("after="),
            "{next}"
        );
        let (status, second) = app.get_text(&admin, &next).await;
        assert_eq!(status, 200);
        let page2 = row_ids(&second);
        assert_eq!(page2.len(), 13, "{}", b.name());
        assert!(next_link(&second).is_none());
        let mut all: Vec<i64> = page1.iter().chain(&page2).copied().collect();
        let mut sorted = all.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(all, sorted, "newest (highest id) first across pages");
        all.dedup();
        assert_eq!(all.len(), 63, "no row twice");

        let (api1, cursor) = api_ids(&app, &admin, "?action=test.paging").await;
        assert_eq!(api1, page1);
        let (api2, end) = api_ids(
            &app,
            &admin,
            &format!("?action=test.paging&after={}", cursor.unwrap()),
        )
        .await;
        assert_eq!(api2, page2);
        assert!(end.is_none());
    }
}

#[tokio::test]
async fn a_reviewer_may_not_read_the_audit_log() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (status, page) = app.get_text(&reviewer, "/staff/audit").await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(page.contains("管理员"), "{page}");
        let (_, home) = app.get_text(&reviewer, "/staff").await;
        assert!(!home.contains("href=\"/staff/audit\""));
        let r = reviewer.get(app.url("/api/v1/audit")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}", b.name());
    }
}

//! 毕业批次 over HTTP: the office's admin lists, creates, moves and closes graduation batches on
//! `/staff/batches` and through `/api/v1/graduation/batches`; refusals keep what was typed;
//! nobody else may; a form without its CSRF token changes nothing; a batch created there takes a
//! candidate's application.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{self, TestApp, User, spawn_app};
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::accounts;
use store::testkit::app_backends;

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, "/staff/batches").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn batch_named(app: &TestApp, name: &str) -> Option<store::entity::batch::Model> {
    store::graduation::application::batches_of_province(&app.db.db, "chongqing")
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.name == name)
}

async fn audits(app: &TestApp, action: &str) -> u64 {
    store::entity::audit::Entity::find()
        .filter(store::entity::audit::Column::Action.eq(action))
        .count(&app.db.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_office_admin_creates_moves_and_closes_batches_on_the_page() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/batches").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("href=\"/staff/batches\""), "in the menu");
        let demo = store::graduation::application::batches_of_province(&app.db.db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        assert!(
            page.contains(&demo.name) && page.contains("申请中"),
            "{page}"
        );
        for label in ["批次名称", "申请开始", "申请截止", "调整时间", "结束申请"]
        {
            assert!(page.contains(label), "{label}");
        }
        assert!(page.contains("type=\"datetime-local\"") && page.contains("table-wrap"));

        // Refusals re-show the form with what was typed.
        let (status, page) = post_form(
            &app,
            &admin,
            "/staff/batches",
            &[
                ("name", "2030年上半年毕业申请"),
                ("opens", "2030-03-01T09:00"),
                ("closes", "2030-03-01T09:00"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("申请截止时间必须晚于开始时间"), "{page}");
        assert!(page.contains("value=\"2030年上半年毕业申请\""), "name kept");
        assert!(page.contains("value=\"2030-03-01T09:00\""), "times kept");
        let inside = |t: chrono::DateTime<chrono::Utc>| {
            domain::calendar::beijing(t)
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        };
        let (o, c) = (
            inside(demo.opens_at + Duration::days(1)),
            inside(demo.closes_at + Duration::days(1)),
        );
        let (status, page) = post_form(
            &app,
            &admin,
            "/staff/batches",
            &[("name", "重叠批次"), ("opens", &o), ("closes", &c)],
        )
        .await;
        assert_eq!(status, 409);
        assert!(page.contains(&format!("“{}”", demo.name)), "{page}");

        // Created: 09:00 Beijing time is 01:00 UTC.
        let (status, _) = post_form(
            &app,
            &admin,
            "/staff/batches",
            &[
                ("name", "2030年上半年毕业申请"),
                ("opens", "2030-03-01T09:00"),
                ("closes", "2030-03-15T17:00"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let created = batch_named(&app, "2030年上半年毕业申请").await.unwrap();
        assert_eq!(
            created.opens_at.format("%Y-%m-%d %H:%M").to_string(),
            "2030-03-01 01:00"
        );
        let (_, page) = app.get_text(&admin, "/staff/batches").await;
        assert!(page.contains("2030-03-01 09:00 至 2030-03-15 17:00") && page.contains("未开始"));

        // 调整时间, refused first (values kept beside that batch), then done.
        let window = format!("/staff/batches/{}/window", created.id);
        let (status, page) = post_form(
            &app,
            &admin,
            &window,
            &[
                ("opens", "2030-03-20T09:00"),
                ("closes", "2030-03-10T09:00"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains(&format!("id=\"batch-error-{}\"", created.id)));
        assert!(page.contains("value=\"2030-03-20T09:00\""));
        let (status, _) = post_form(
            &app,
            &admin,
            &window,
            &[
                ("opens", "2030-03-01T09:00"),
                ("closes", "2030-03-31T17:00"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let moved = batch_named(&app, "2030年上半年毕业申请").await.unwrap();
        assert_eq!(moved.closes_at, created.closes_at + Duration::days(16));

        // 结束申请 of the open demo batch, then once more (refused).
        let close = format!("/staff/batches/{}/close", demo.id);
        let (status, _) = post_form(&app, &admin, &close, &[]).await;
        assert_eq!(status, 303);
        let closed = batch_named(&app, &demo.name).await.unwrap();
        assert!(closed.closes_at <= app.state.now());
        let (status, page) = post_form(&app, &admin, &close, &[]).await;
        assert_eq!(status, 422);
        assert!(page.contains("截止申请，无需结束"), "{page}");
        assert_eq!(audits(&app, "batch.created").await, 1);
        assert_eq!(audits(&app, "batch.moved").await, 1);
        assert_eq!(audits(&app, "batch.closed").await, 1);

        // Without the CSRF token nothing is created.
        let r = admin
            .post(app.url("/staff/batches"))
            .form(&[
                ("name", "无令牌批次"),
                ("opens", "2031-03-01T09:00"),
                ("closes", "2031-03-15T17:00"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        assert!(batch_named(&app, "无令牌批次").await.is_none());
    }
}

#[tokio::test]
async fn only_admins_of_the_office_may_touch_batches() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        // The chief university's account made an admin of its university.
        let uni = store::repo::staff::by_username(&app.db.db, accounts::STAFF_CQ_UNIVERSITY)
            .await
            .unwrap()
            .unwrap();
        store::repo::staff::set_roles(
            &app.db.db,
            uni.id,
            &domain::Roles::new([domain::Grant::of(domain::StaffRole::Admin)]),
        )
        .await
        .unwrap();
        store::accounts::totp::enrol_with_secret(
            &app.db.db,
            uni.id,
            common::ADMIN_TOTP_SECRET,
            app.state.now(),
        )
        .await
        .unwrap();
        let demo = store::graduation::application::batches_of_province(&app.db.db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        for (who, named) in [
            (accounts::STAFF_CQ_UNIVERSITY, "重庆师范大学"),
            (accounts::STAFF_CQ_OFFICE_REVIEWER, "审核员"),
        ] {
            let s = app.with_user(User::Staff(who)).await;
            let (status, page) = app.get_text(&s, "/staff/batches").await;
            assert_eq!(status, 403, "{}: {who}", b.name());
            assert!(page.contains(named), "{who}: {page}");
            let token = app.csrf(&s, "/staff").await;
            let r = s
                .post(app.url(&format!("/staff/batches/{}/close", demo.id)))
                .form(&[("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{who}");
            let api = common::api_token(&app, &s).await;
            let (status, body) = common::api_send(
                s.post(app.url("/api/v1/graduation/batches"))
                    .json(&serde_json::json!({
                        "name": "越权批次",
                        "opens_at": "2031-03-01T01:00:00Z",
                        "closes_at": "2031-03-15T09:00:00Z"
                    })),
                &api,
            )
            .await;
            assert_eq!(status, 403, "{who}: {body}");
        }
        assert_eq!(batch_named(&app, &demo.name).await.unwrap(), demo);
        assert!(batch_named(&app, "越权批次").await.is_none());
    }
}

#[tokio::test]
async fn a_batch_created_through_the_api_takes_a_candidates_application() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let token = common::api_token(&app, &admin).await;
        let (status, list) =
            common::api_send(admin.get(app.url("/api/v1/graduation/batches")), &token).await;
        assert_eq!(status, 200, "{}: {list}", b.name());
        let demo_id = list[0]["id"].as_i64().unwrap();
        assert_eq!(list[0]["status"], "申请中");

        // Without the header: refused.
        let r = admin
            .post(app.url(&format!("/api/v1/graduation/batches/{demo_id}/close")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let (status, closed) = common::api_send(
            admin.post(app.url(&format!("/api/v1/graduation/batches/{demo_id}/close"))),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(closed["status"], "已截止");

        // A new batch from the second the old one ended: touching windows are fine.
        let ended: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(closed["closes_at"].clone()).unwrap();
        let (status, bad) = common::api_send(
            admin
                .post(app.url("/api/v1/graduation/batches"))
                .json(&serde_json::json!({
                    "name": "批".repeat(41),
                    "opens_at": ended,
                    "closes_at": ended + Duration::days(30),
                })),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{bad}");
        assert!(
            bad["fields"]["name"]
                .as_str()
                .is_some_and(|m| m.contains("1 到 40 个字符")),
            "{bad}"
        );
        let (status, created) = common::api_send(
            admin
                .post(app.url("/api/v1/graduation/batches"))
                .json(&serde_json::json!({
                    "name": "加开毕业申请批次",
                    "opens_at": ended,
                    "closes_at": ended + Duration::days(30),
                })),
            &token,
        )
        .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["status"], "申请中");
        let id = created["id"].as_i64().unwrap();

        // The candidate sees it on the conditions page and applies in it.
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        assert!(page.contains("加开毕业申请批次"), "{page}");
        let major = common::attr_after(&page, "name=\"major_id\" value=\"");
        let csrf = common::csrf_in(&page).unwrap();
        let r = c
            .post(app.url("/candidate/application/open"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("major_id", major.as_str()),
                ("batch_id", &id.to_string()),
                ("acknowledged", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());

        // Counted; its start can no longer move, its end can.
        let (_, list) =
            common::api_send(admin.get(app.url("/api/v1/graduation/batches")), &token).await;
        assert_eq!(list[0]["id"], id);
        assert_eq!(list[0]["applications"], 1);
        let put = |opens: chrono::DateTime<chrono::Utc>, closes: chrono::DateTime<chrono::Utc>| {
            common::api_send(
                admin
                    .put(app.url(&format!("/api/v1/graduation/batches/{id}")))
                    .json(&serde_json::json!({ "opens_at": opens, "closes_at": closes })),
                &token,
            )
        };
        let (status, body) = put(ended + Duration::hours(1), ended + Duration::days(30)).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["fields"]["opens_at"]
                .as_str()
                .unwrap()
                .contains("已有 1 份申请，不能修改申请开始时间"),
            "{body}"
        );
        let (status, body) = put(ended, ended + Duration::days(40)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["applications"], 1);
    }
}

//! 主考学校公告 per batch over HTTP: a chief university's admin writes, changes and clears the
//! text of a graduation batch on `/staff/announcements` and through the API; the candidate who
//! applied to that university in that batch reads it (escaped, line breaks kept) on the form;
//! the limit is enforced at 2,000 characters; nobody else may write; every change is audited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{self, TestApp, User, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::accounts;
use store::testkit::app_backends;

/// Makes the demo reviewer of 重庆师范大学 an admin of it (with the second factor admins need).
async fn university_admin(app: &TestApp) -> reqwest::Client {
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
    app.with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
        .await
}

async fn save(app: &TestApp, c: &reqwest::Client, batch: i64, body: &str) -> (u16, String) {
    let token = app.csrf(c, "/staff").await;
    let r = c
        .post(app.url(&format!("/staff/announcements/{batch}")))
        .form(&[("csrf_token", token.as_str()), ("body", body)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn audits(app: &TestApp, action: &str) -> u64 {
    store::entity::audit::Entity::find()
        .filter(store::entity::audit::Column::Action.eq(action))
        .count(&app.db.db)
        .await
        .unwrap()
}

async fn stored(app: &TestApp, batch: i64) -> Option<String> {
    store::entity::batch_announcement::Entity::find()
        .filter(store::entity::batch_announcement::Column::BatchId.eq(batch))
        .one(&app.db.db)
        .await
        .unwrap()
        .map(|t| t.body)
}

#[tokio::test]
async fn a_university_writes_its_batch_notice_and_its_candidate_reads_it() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = crate::payments::submitted(&app).await;
        let admin = university_admin(&app).await;
        let (status, dash) = app.get_text(&admin, "/staff").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(dash.contains("href=\"/staff/announcements\""), "{dash}");
        let (status, page) = app.get_text(&admin, "/staff/announcements").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(
            page.contains(&format!("for=\"body-{}\"", a.batch_id)),
            "a bound label"
        );

        let text = "现场核验：2027年4月10日 9:00–17:00，重庆师范大学大学城校区。\r\n请携带身份证原件 <b>及</b> 毕业证书原件。";
        let (status, _) = save(&app, &admin, a.batch_id, text).await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(
            stored(&app, a.batch_id).await.as_deref(),
            Some(
                "现场核验：2027年4月10日 9:00–17:00，重庆师范大学大学城校区。\n请携带身份证原件 <b>及</b> 毕业证书原件。"
            )
        );
        assert_eq!(audits(&app, "announcement.updated").await, 1);

        let cand = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let (_, form) = app.get_text(&cand, "/candidate/application").await;
        assert!(
            form.contains(
                "重庆师范大学大学城校区。\n请携带身份证原件 &#60;b&#62;及&#60;/b&#62; 毕业证书原件。"
            ),
            "{}: escaped, the line break kept: {form}",
            b.name()
        );

        // Cleared: the university's standing text shows again, and the clearing is audited.
        let (status, _) = save(&app, &admin, a.batch_id, "  \r\n ").await;
        assert_eq!(status, 303);
        assert_eq!(stored(&app, a.batch_id).await, None);
        assert_eq!(audits(&app, "announcement.cleared").await, 1);
        let (_, form) = app.get_text(&cand, "/candidate/application").await;
        assert!(!form.contains("2027年4月10日 9:00–17:00"), "{}", b.name());
    }
}

#[tokio::test]
async fn a_notice_of_2000_characters_is_kept_and_one_more_is_refused_with_the_excess() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = university_admin(&app).await;
        let batch = store::graduation::application::batches_of_province(&app.db.db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        let at_limit = "公".repeat(2000);
        let (status, _) = save(&app, &admin, batch.id, &at_limit).await;
        assert_eq!(status, 303, "{}: at the limit", b.name());
        let (status, page) = save(&app, &admin, batch.id, &"告".repeat(2001)).await;
        assert_eq!(status, 422, "{}: one past", b.name());
        assert!(
            page.contains("公告最多 2000 字，当前 2001 字，超出 1 字"),
            "{page}"
        );
        assert!(page.contains(&"告".repeat(2001)), "what was typed is kept");
        assert_eq!(stored(&app, batch.id).await, Some(at_limit), "unchanged");
        assert_eq!(audits(&app, "announcement.updated").await, 1);
    }
}

#[tokio::test]
async fn only_a_chief_universitys_admin_writes_and_the_api_does_the_same() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let batch = store::graduation::application::batches_of_province(&app.db.db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        for who in [
            accounts::STAFF_CQ_OFFICE_ADMIN,
            accounts::STAFF_CQ_BACHELOR_UNIVERSITY,
        ] {
            let s = app.with_user(User::Staff(who)).await;
            let (status, _) = app.get_text(&s, "/staff/announcements").await;
            assert_eq!(status, 403, "{}: {who}", b.name());
            let (status, _) = save(&app, &s, batch.id, "越权公告").await;
            assert_eq!(status, 403, "{who}");
        }
        assert_eq!(stored(&app, batch.id).await, None);

        let admin = university_admin(&app).await;
        let token = common::api_token(&app, &admin).await;
        let url = app.url(&format!("/api/v1/graduation/announcements/{}", batch.id));
        let (status, body) = common::api_send(
            admin
                .put(&url)
                .json(&serde_json::json!({"body": "接口公告"})),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["body"], "接口公告");
        let (status, list) = common::api_send(
            admin.get(app.url("/api/v1/graduation/announcements")),
            &token,
        )
        .await;
        assert_eq!(status, 200);
        let mine = list
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["batch_id"] == batch.id)
            .unwrap();
        assert_eq!(mine["body"], "接口公告");
        let (status, body) = common::api_send(
            admin
                .put(&url)
                .json(&serde_json::json!({"body": "长".repeat(2001)})),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let (status, _) = common::api_send(
            admin
                .put(app.url("/api/v1/graduation/announcements/999999"))
                .json(&serde_json::json!({"body": "无此批次"})),
            &token,
        )
        .await;
        assert_eq!(status, 404);
        // Without the token nothing changes.
        let r = admin
            .put(&url)
            .json(&serde_json::json!({"body": "无令牌"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        assert_eq!(stored(&app, batch.id).await.as_deref(), Some("接口公告"));
    }
}

#[tokio::test]
async fn two_admins_saving_at_once_leave_one_notice() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        university_admin(&app).await;
        let uni = store::repo::staff::by_username(&app.db.db, accounts::STAFF_CQ_UNIVERSITY)
            .await
            .unwrap()
            .unwrap();
        let org = app.org_of(accounts::STAFF_CQ_UNIVERSITY).await;
        let batch = store::graduation::application::batches_of_province(&app.db.db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        let save = |text: &'static str| {
            store::graduation::announcements::save(
                &app.db.db,
                &org,
                uni.id,
                batch.id,
                text,
                app.state.now(),
                None,
            )
        };
        let (x, y) = tokio::join!(save("甲的公告"), save("乙的公告"));
        assert!(x.is_ok() && y.is_ok(), "{}: {x:?} {y:?}", b.name());
        let rows = store::entity::batch_announcement::Entity::find()
            .filter(store::entity::batch_announcement::Column::BatchId.eq(batch.id))
            .all(&app.db.db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{}: one text per batch", b.name());
        assert!(["甲的公告", "乙的公告"].contains(&rows[0].body.as_str()));
        assert_eq!(
            audits(&app, "announcement.updated").await,
            2,
            "{}",
            b.name()
        );
    }
}

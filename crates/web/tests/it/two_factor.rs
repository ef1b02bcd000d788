//! 两步验证 over HTTP on every app backend: a staff sign-in with two factors is not a sign-in
//! until the code is in (pages lead to the code page, the API answers 401), a wrong code is
//! counted like a wrong password, a code replayed within its 30 s step is refused, a recovery
//! code works once; an admin without two factors reaches nothing but the setup, an office that
//! requires them sends its reviewers there too; an admin clears a member's (a lost phone),
//! audited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::accounts;
use store::entity::audit;
use store::testkit::app_backends;

use crate::common::{
    ADMIN_TOTP_SECRET, PASSWORD, TestApp, User, csrf_in, spawn_app, wrong_totp_code,
};

const REPLAYED: &str = "该验证码已使用过，请等待下一个验证码（每30秒更新）";
const WRONG: &str = "验证码错误，请输入验证器App中当前显示的6位数字";

/// Posts a form of `page` (its CSRF token) to `path`: (status, location, body).
async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, body) = app.get_text(c, page).await;
    let token = csrf_in(&body).unwrap_or_else(|| panic!("no form on {page}: {body}"));
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

/// A client whose password was accepted and which now stands at the code page.
async fn password_only(app: &TestApp, username: &str) -> reqwest::Client {
    let c = app.client();
    let r = app.login_as(&c, "/staff/login", username, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/staff/login/totp", "{username}");
    c
}

async fn location_of(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), location)
}

async fn audited(app: &TestApp, action: &str, subject: i64) -> u64 {
    audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .filter(audit::Column::SubjectId.eq(subject))
        .count(&app.db.db)
        .await
        .unwrap()
}

async fn staff_id(app: &TestApp, username: &str) -> i64 {
    store::repo::staff::by_username(&app.db.db, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The base32 secret a setup page shows for typing by hand.
fn secret_on(page: &str) -> Vec<u8> {
    let marker = "id=\"totp-secret\">";
    let at = page.find(marker).expect("the secret is shown") + marker.len();
    let shown: String = page[at..].chars().take_while(|c| *c != '<').collect();
    domain::totp::parse_secret(&shown).unwrap()
}

/// Sets two factors up for a signed-in client through the pages; returns the secret and the
/// page with the recovery codes.
async fn set_up(app: &TestApp, c: &reqwest::Client) -> (Vec<u8>, String) {
    let (status, location, _) = post(
        app,
        c,
        "/staff/account/totp",
        "/staff/account/totp/start",
        &[],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/staff/account/totp?done=started")
    );
    let (_, page) = app.get_text(c, "/staff/account/totp").await;
    assert!(page.contains("<svg"), "the QR code is drawn inline");
    assert!(page.contains("otpauth://totp/biye:"), "{page}");
    let secret = secret_on(&page);
    let code = domain::totp::code_at(&secret, app.state.now()).unwrap();
    let (status, _, page) = post(
        app,
        c,
        "/staff/account/totp",
        "/staff/account/totp/confirm",
        &[("code", &code)],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    (secret, page)
}

/// The recovery codes on a page that shows them.
fn recovery_codes_on(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| *c != '<').collect())
        .collect()
}

#[tokio::test]
async fn totp_sign_in_needs_the_code_and_a_code_replayed_within_its_step_is_refused() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = accounts::STAFF_CQ_OFFICE_ADMIN;
        let c = password_only(&app, admin).await;

        // Half signed in: every page leads to the code page, the API answers 401 with why.
        assert_eq!(
            location_of(&app, &c, "/staff/reviews").await,
            (303, "/staff/login/totp".to_owned())
        );
        assert_eq!(
            location_of(&app, &c, "/staff/account").await,
            (303, "/staff/login/totp".to_owned())
        );
        let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{}", b.name());
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("还需完成两步验证"),
            "{body}"
        );
        let r = c.get(app.url("/api/v1/reviews")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let (status, page) = app.get_text(&c, "/staff/login/totp").await;
        assert_eq!(status, 200);
        assert!(page.contains(admin));
        assert!(page.contains("<label for=\"code\">"));

        // A wrong code: refused with the count left, audited as a failed sign-in.
        let now = app.state.now();
        let wrong = wrong_totp_code(ADMIN_TOTP_SECRET, now);
        let r = app.post_second_factor(&c, &wrong).await;
        assert_eq!(r.status().as_u16(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains(WRONG), "{page}");
        assert!(page.contains("还可尝试 4 次"), "{page}");
        let id = staff_id(&app, admin).await;
        assert_eq!(audited(&app, "login.code_failed", id).await, 1);

        // The right code signs in.
        let code = domain::totp::code_at(ADMIN_TOTP_SECRET, now).unwrap();
        let r = app.post_second_factor(&c, &code).await;
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(r.headers()["location"], "/staff");
        assert_eq!(app.get_text(&c, "/staff/reviews").await.0, 200);
        assert_eq!(app.get_text(&c, "/staff/login/totp").await.0, 303);

        // The same code from another sign-in within its 30 s step: refused.
        let other = password_only(&app, admin).await;
        let r = app.post_second_factor(&other, &code).await;
        assert_eq!(r.status().as_u16(), 422, "{}", b.name());
        assert!(r.text().await.unwrap().contains(REPLAYED));
        assert_eq!(
            location_of(&app, &other, "/staff/reviews").await.1,
            "/staff/login/totp"
        );
        // 我的账号 lists the refused second step as such.
        let (_, page) = app.get_text(&c, "/staff/account").await;
        assert!(page.contains("两步验证码错误"), "{page}");

        // A half signed-in session lives five minutes, then the password is asked again.
        app.state.clock.advance(chrono::Duration::minutes(6));
        assert_eq!(
            location_of(&app, &other, "/staff/login/totp").await,
            (303, "/staff/login?expired=1".to_owned())
        );
    }
}

#[tokio::test]
async fn totp_wrong_codes_lock_like_wrong_passwords_and_a_right_password_does_not_reset_them() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = accounts::STAFF_YN_OFFICE_ADMIN;
        let wrong = wrong_totp_code(ADMIN_TOTP_SECRET, app.state.now());
        for round in 0..5 {
            // A fresh password each time: its own count is cleared, the code's is not.
            let c = password_only(&app, admin).await;
            let r = app.post_second_factor(&c, &wrong).await;
            assert_eq!(r.status().as_u16(), 422, "{}: round {round}", b.name());
            let page = r.text().await.unwrap();
            if round == 4 {
                assert!(page.contains("两步验证已锁定 15 分钟"), "{page}");
            }
        }
        let c = password_only(&app, admin).await;
        let r = app.second_factor(&c, admin).await;
        assert_eq!(r.status().as_u16(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("两步验证码连续 5 次错误，已锁定"), "{page}");
        app.state.clock.advance(chrono::Duration::minutes(16));
        let c = password_only(&app, admin).await;
        assert_eq!(app.second_factor(&c, admin).await.status().as_u16(), 303);
    }
}

#[tokio::test]
async fn totp_recovery_code_signs_in_once_and_not_twice() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let me = accounts::STAFF_CQ_UNIVERSITY;
        let c = app.with_user(User::Staff(me)).await;
        let (_, page) = set_up(&app, &c).await;
        let codes = recovery_codes_on(&page);
        assert_eq!(codes.len(), 10, "{page}");
        assert!(page.contains("只显示这一次"));

        let first = password_only(&app, me).await;
        let token = app.csrf(&first, "/staff/login/totp").await;
        let r = first
            .post(app.url("/staff/login/totp"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("code", ""),
                ("recovery_code", codes[0].as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(
            r.headers()["location"],
            "/staff/account/totp?recovery_used=9"
        );
        let (_, page) = app
            .get_text(&first, "/staff/account/totp?recovery_used=9")
            .await;
        assert!(page.contains("还剩 9 个未用的恢复码"), "{page}");

        let second = password_only(&app, me).await;
        let r = app.post_second_factor(&second, &codes[0]).await;
        assert_eq!(r.status().as_u16(), 422);
        let page = r.text().await.unwrap();
        assert!(page.contains("该恢复码已使用过"), "{page}");
        let r = app.post_second_factor(&second, &codes[1]).await;
        assert_eq!(r.status().as_u16(), 303);
    }
}

#[tokio::test]
async fn totp_missing_sends_an_admin_to_the_setup_and_keeps_it_from_reviews_and_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = accounts::STAFF_CE_SCHOOL_ADMIN;
        // As an admin created before two factors existed: none set up.
        let id = staff_id(&app, admin).await;
        store::entity::staff_totp::Entity::delete_by_id(id)
            .exec(&app.db.db)
            .await
            .unwrap();
        let enabled_before = audited(&app, "totp.enabled", id).await;
        let c = app.with_user(User::Staff(admin)).await;
        for path in ["/staff", "/staff/reviews", "/staff/degree-rules"] {
            assert_eq!(
                location_of(&app, &c, path).await,
                (303, "/staff/account/totp?required=1".to_owned()),
                "{}: {path}",
                b.name()
            );
        }
        let r = c.get(app.url("/api/v1/degree/rules")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("必须启用两步验证"),
            "{body}"
        );
        let candidate = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let r = c
            .get(app.url(&format!("/api/v1/candidates/{}", candidate.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "the API's candidate record too");
        // 我的账号 and the setup stay open.
        assert_eq!(app.get_text(&c, "/staff/account").await.0, 200);
        let (status, page) = app.get_text(&c, "/staff/account/totp?required=1").await;
        assert_eq!(status, 200);
        assert!(page.contains("必须启用两步验证"), "{page}");
        assert!(page.contains("管理员账号必须使用两步验证"), "{page}");

        // A wrong first code is refused and changes nothing; the right one opens everything.
        post(
            &app,
            &c,
            "/staff/account/totp",
            "/staff/account/totp/start",
            &[],
        )
        .await;
        let (_, page) = app.get_text(&c, "/staff/account/totp").await;
        let secret = secret_on(&page);
        let wrong = wrong_totp_code(&secret, app.state.now());
        let (status, _, page) = post(
            &app,
            &c,
            "/staff/account/totp",
            "/staff/account/totp/confirm",
            &[("code", &wrong)],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains(WRONG), "{page}");
        assert_eq!(location_of(&app, &c, "/staff/reviews").await.0, 303);
        let code = domain::totp::code_at(&secret, app.state.now()).unwrap();
        let r = {
            let token = app.csrf(&c, "/staff/account/totp").await;
            c.post(app.url("/staff/account/totp/confirm"))
                .form(&[("csrf_token", token.as_str()), ("code", code.as_str())])
                .send()
                .await
                .unwrap()
        };
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let page = r.text().await.unwrap();
        assert_eq!(recovery_codes_on(&page).len(), 10);
        assert_eq!(app.get_text(&c, "/staff/degree-rules").await.0, 200);
        assert_eq!(audited(&app, "totp.enabled", id).await, enabled_before + 1);

        // An admin cannot switch it off.
        let (status, _, page) = post(
            &app,
            &c,
            "/staff/account/totp",
            "/staff/account/totp/disable",
            &[("password", PASSWORD)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            page.contains("管理员账号必须使用两步验证，不能停用"),
            "{page}"
        );
        assert!(!page.contains("id=\"totp-disable\""), "no switch-off form");
    }
}

#[tokio::test]
async fn totp_required_by_an_office_sends_its_reviewers_to_the_setup() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let elsewhere = app
            .with_user(User::Staff(accounts::STAFF_YN_UNIVERSITY))
            .await;
        assert_eq!(app.get_text(&reviewer, "/staff/reviews").await.0, 200);

        let (status, location, _) = post(
            &app,
            &admin,
            "/staff/accounts",
            "/staff/accounts/two-factor",
            &[("required", "1")],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/staff/accounts?done=totp_required"),
            "{}",
            b.name()
        );
        let (_, page) = app
            .get_text(&admin, "/staff/accounts?done=totp_required")
            .await;
        assert!(
            page.contains("name=\"required\" value=\"1\" checked"),
            "{page}"
        );
        let office = app.org_of(accounts::STAFF_CQ_OFFICE_ADMIN).await;
        assert_eq!(audited(&app, "org.totp_required", office.id).await, 1);

        // The reviewer's open session is sent to the setup at its next request; Yunnan is not.
        assert_eq!(
            location_of(&app, &reviewer, "/staff/reviews").await,
            (303, "/staff/account/totp?required=1".to_owned())
        );
        assert_eq!(app.get_text(&elsewhere, "/staff/reviews").await.0, 200);
        let (_, page) = app.get_text(&reviewer, "/staff/account/totp").await;
        assert!(
            page.contains(&format!(
                "{}要求本机构及下级机构的工作人员必须使用两步验证",
                office.name
            )),
            "{page}"
        );
        set_up(&app, &reviewer).await;
        assert_eq!(app.get_text(&reviewer, "/staff/reviews").await.0, 200);
        let (_, page) = app.get_text(&reviewer, "/staff/account/totp").await;
        assert!(
            !page.contains("id=\"totp-disable\""),
            "required: no switch-off"
        );

        // Lifted: an admin's own staff may go without again.
        let (status, location, _) = post(
            &app,
            &admin,
            "/staff/accounts",
            "/staff/accounts/two-factor",
            &[],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/staff/accounts?done=totp_not_required")
        );
        let (_, page) = app.get_text(&reviewer, "/staff/account/totp").await;
        assert!(page.contains("id=\"totp-disable\""), "{page}");
        let (status, location, _) = post(
            &app,
            &reviewer,
            "/staff/account/totp",
            "/staff/account/totp/disable",
            &[("password", PASSWORD)],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/staff/account/totp?done=off"),
            "{}",
            b.name()
        );
        assert!(!app.has_totp(accounts::STAFF_CQ_UNIVERSITY).await);
    }
}

#[tokio::test]
async fn totp_cleared_by_the_admin_for_a_lost_phone_is_audited_and_ends_the_members_sessions() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let member = accounts::STAFF_CQ_UNIVERSITY;
        let c = app.with_user(User::Staff(member)).await;
        set_up(&app, &c).await;
        let id = staff_id(&app, member).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (_, page) = app.get_text(&admin, "/staff/accounts").await;
        let clear = format!("action=\"/staff/accounts/{id}/clear-totp\"");
        assert!(page.contains(&clear), "{page}");

        // Another province's admin: no such account.
        let yunnan = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_ADMIN))
            .await;
        let (status, _, _) = post(
            &app,
            &yunnan,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/clear-totp"),
            &[],
        )
        .await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(app.has_totp(member).await);

        let (status, location, _) = post(
            &app,
            &admin,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/clear-totp"),
            &[],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/staff/accounts?done=totp_cleared")
        );
        assert!(!app.has_totp(member).await);
        assert_eq!(audited(&app, "staff.totp_cleared", id).await, 1);
        // The member's session ended; the password alone signs in again.
        assert_eq!(
            location_of(&app, &c, "/staff").await,
            (303, "/staff/login".to_owned())
        );
        let r = app
            .login_as(&app.client(), "/staff/login", member, PASSWORD)
            .await;
        assert_eq!(r.headers()["location"], "/staff");
    }
}

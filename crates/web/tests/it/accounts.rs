//! 账号激活 and 找回密码 over HTTP: an imported candidate (no password) activates with the
//! register's three details and a code from the development outbox, signs in, and later sets a
//! new password by the confirmed phone, which ends the old session. The first step answers the
//! same whether or not the details matched; refusals name the rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{TestApp, csrf_in, spawn_app_with};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::accounts;
use store::testkit::app_backends;

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, body) = app.get_text(c, page).await;
    let token = csrf_in(&body).expect("the page has a form");
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

/// The latest code the outbox holds for `phone`.
async fn code_for(app: &TestApp, phone: &str) -> Option<String> {
    let (status, page) = app
        .get_text(&app.client(), &format!("/dev/sms?phone={phone}"))
        .await;
    assert_eq!(status, 200);
    let at = page.find("您的验证码为")?;
    Some(page[at..].chars().skip(6).take(6).collect())
}

/// The first step's fields for the candidate, with `name` and `phone` as typed.
fn details<'a>(
    c: &'a store::entity::candidate::Model,
    name: &'a str,
    phone: &'a str,
) -> [(&'static str, &'a str); 4] {
    [
        ("number", c.admission_no.as_str()),
        ("id_card_no", c.id_card_no.as_str()),
        ("name", name),
        ("phone", phone),
    ]
}

fn info(page: &str) -> String {
    let start = page.find("id=\"code-info\">").unwrap() + "id=\"code-info\">".len();
    let end = page[start..].find("</div>").unwrap() + start;
    page[start..end].to_owned()
}

#[tokio::test]
async fn an_imported_candidate_activates_signs_in_and_recovers_the_password() {
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let c =
            store::repo::candidate::by_admission_no(&app.db.db, accounts::YN_ELIGIBLE_ASSOCIATE)
                .await
                .unwrap()
                .unwrap();
        store::entity::candidate::Entity::update_many()
            .col_expr(
                store::entity::candidate::Column::PasswordHash,
                Expr::value(store::accounts::NO_PASSWORD),
            )
            .filter(store::entity::candidate::Column::Id.eq(c.id))
            .exec(&app.db.db)
            .await
            .unwrap();
        let visitor = app.client();
        let (_, login) = app.get_text(&visitor, "/login").await;
        assert!(login.contains("href=\"/activate\"") && login.contains("href=\"/forgot\""));

        let (status, _, page) = post(
            &app,
            &visitor,
            "/activate",
            "/activate/code",
            &details(&c, "x", "1390000111"),
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("手机号应为以1开头的11位数字"), "{page}");

        // A wrong name and the right one get the same answer; only the right one gets a code.
        let (status, _, wrong) = post(
            &app,
            &visitor,
            "/activate",
            "/activate/code",
            &details(&c, "张三丰", "13900001111"),
        )
        .await;
        assert_eq!(status, 200, "{wrong}");
        let name = c.name.as_str();
        let (status, _, right) = post(
            &app,
            &visitor,
            "/activate",
            "/activate/code",
            &details(&c, name, "13900002222"),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            info(&wrong).replace("139****1111", "139****2222"),
            info(&right),
            "{}: the answer does not tell whether the details matched",
            b.name()
        );
        assert_eq!(code_for(&app, "13900001111").await, None);
        let code = code_for(&app, "13900002222")
            .await
            .expect("a code was sent");
        // Asking again at once is refused with the wait.
        let (status, _, page) = post(
            &app,
            &visitor,
            "/activate",
            "/activate/code",
            &details(&c, name, "13900002222"),
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("60秒内只能获取一次验证码"), "{page}");

        let set = |code: String, pw: &'static str, again: &'static str| {
            let visitor = visitor.clone();
            let app = &app;
            async move {
                post(
                    app,
                    &visitor,
                    "/activate",
                    "/activate",
                    &[
                        ("phone", "13900002222"),
                        ("code", &code),
                        ("password", pw),
                        ("password_confirm", again),
                    ],
                )
                .await
            }
        };
        let (status, _, page) = set(code.clone(), "Kunming2026", "Kunming2027").await;
        assert_eq!(status, 422);
        assert!(page.contains("两次输入的新密码不一致"));
        assert!(
            !page.contains("Kunming2026"),
            "a typed password is not sent back"
        );
        let (status, _, page) = set(code.clone(), "qwerty123", "qwerty123").await;
        assert_eq!(status, 422);
        assert!(page.contains("常见密码"), "{page}");
        let (status, location, _) = set(code.clone(), "Kunming2026", "Kunming2026").await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, "/login?activated=1");
        let (status, _, page) = set(code, "Kunming2026", "Kunming2026").await;
        assert_eq!(status, 422);
        assert!(page.contains("已使用过"), "a code works once: {page}");

        // Signs in with the new password.
        let (status, _, _) = post(
            &app,
            &visitor,
            "/login?activated=1",
            "/login",
            &[
                ("username", accounts::YN_ELIGIBLE_ASSOCIATE),
                ("password", "Kunming2026"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(app.get_text(&visitor, "/candidate/profile").await.0, 200);

        // Forgotten later: a code to the confirmed phone sets a new one and ends the session.
        app.state.clock.advance(chrono::Duration::minutes(2));
        let other = app.client();
        let (status, _, _) = post(
            &app,
            &other,
            "/forgot",
            "/forgot/code",
            &[
                ("number", accounts::YN_ELIGIBLE_ASSOCIATE),
                ("phone", "13900002222"),
            ],
        )
        .await;
        assert_eq!(status, 200);
        let code = code_for(&app, "13900002222").await.unwrap();
        let (status, location, _) = post(
            &app,
            &other,
            "/forgot",
            "/forgot",
            &[
                ("phone", "13900002222"),
                ("code", &code),
                ("password", "Qujing-2027"),
                ("password_confirm", "Qujing-2027"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, "/login?recovered=1");
        let (status, _) = app.get_text(&visitor, "/candidate/profile").await;
        assert_ne!(status, 200, "the old session ended");
        let after = store::repo::candidate::get(&app.db.db, c.id).await.unwrap();
        assert!(store::repo::password::verify(
            &after.password_hash,
            "Qujing-2027"
        ));
    }
}

#[tokio::test]
async fn the_outbox_is_only_where_the_local_services_are() {
    let b = &app_backends()[0];
    let app = spawn_app_with(b, |c| c.local_services = false).await;
    assert_eq!(app.get_text(&app.client(), "/dev/sms").await.0, 404);
    // The pages themselves are there, for students too.
    let (status, page) = app.get_text(&app.client(), "/student/activate").await;
    assert_eq!(status, 200);
    assert!(page.contains("学号") && page.contains("for=\"phone\""));
    let (status, page) = app.get_text(&app.client(), "/student/forgot").await;
    assert_eq!(status, 200);
    assert!(page.contains("激活时验证的手机号"));
}

#[tokio::test]
async fn my_account_changes_the_password_and_ends_the_other_sessions() {
    use crate::common::{PASSWORD, User};
    for b in app_backends() {
        let app = spawn_app_with(&b, |_| {}).await;
        let here = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let there = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, page) = app.get_text(&here, "/student/account").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("href=\"/student/account\""), "in the menu");
        let sessions = page
            .split("id=\"live-sessions\"")
            .nth(1)
            .unwrap()
            .split("id=\"sign-ins\"")
            .next()
            .unwrap();
        assert_eq!(sessions.matches("127.0.0.1").count(), 2, "{page}");
        assert_eq!(sessions.matches("本设备").count(), 1);
        assert!(
            page.split("id=\"sign-ins\"")
                .nth(1)
                .unwrap()
                .contains("登录成功")
        );

        let change = |current: &'static str, new: &'static str, again: &'static str| {
            let here = here.clone();
            let app = &app;
            async move {
                post(
                    app,
                    &here,
                    "/student/account",
                    "/student/account/password",
                    &[
                        ("current", current),
                        ("password", new),
                        ("password_confirm", again),
                    ],
                )
                .await
            }
        };
        let (status, _, page) = change("Wrong2026pass", "Kunming-2026", "Kunming-2026").await;
        assert_eq!(status, 422);
        assert!(page.contains("当前密码不正确，密码未修改"), "{page}");
        let (status, _, page) = change(PASSWORD, "Kunming-2026", "Kunming-2027").await;
        assert_eq!(status, 422);
        assert!(page.contains("两次输入的新密码不一致"));
        let (status, _, page) = change(PASSWORD, "1qaz2wsx", "1qaz2wsx").await;
        assert_eq!(status, 422);
        assert!(page.contains("常见密码"), "{page}");
        let (status, location, _) = change(PASSWORD, "Kunming-2026", "Kunming-2026").await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, "/student/account?done=password");
        assert_eq!(app.get_text(&here, "/student/account").await.0, 200);
        assert_ne!(
            app.get_text(&there, "/student/account").await.0,
            200,
            "the other device was signed out"
        );
        // 退出其他设备 from here ends a session started elsewhere with the new password.
        let elsewhere = app.client();
        let (status, _, _) = post(
            &app,
            &elsewhere,
            "/student/login",
            "/student/login",
            &[
                ("username", accounts::STUDENT_ABOVE_THRESHOLDS),
                ("password", "Kunming-2026"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(app.get_text(&elsewhere, "/student/account").await.0, 200);
        let (status, _, _) = post(
            &app,
            &here,
            "/student/account",
            "/student/account/sessions/end-others",
            &[],
        )
        .await;
        assert_eq!(status, 303);
        assert_ne!(app.get_text(&elsewhere, "/student/account").await.0, 200);
        assert_eq!(app.get_text(&here, "/student/account").await.0, 200);

        // Staff and candidates have the page too.
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        assert_eq!(app.get_text(&staff, "/staff/account").await.0, 200);
        let candidate = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        assert_eq!(app.get_text(&candidate, "/candidate/account").await.0, 200);
    }
}

#[tokio::test]
async fn guessing_the_current_password_on_my_account_stops_after_five_without_locking_the_sign_in()
{
    use crate::common::{PASSWORD, User};
    for b in app_backends() {
        let app = spawn_app_with(&b, |_| {}).await;
        let me = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let change = |current: &'static str| {
            let me = me.clone();
            let app = &app;
            async move {
                post(
                    app,
                    &me,
                    "/candidate/account",
                    "/candidate/account/password",
                    &[
                        ("current", current),
                        ("password", "Jiangbei-2026"),
                        ("password_confirm", "Jiangbei-2026"),
                    ],
                )
                .await
            }
        };
        for left in (1..=4).rev() {
            let (status, _, page) = change("Guess-2026a").await;
            assert_eq!(status, 422, "{}", b.name());
            assert!(
                page.contains(&format!("当前密码不正确，密码未修改（还可再试{left}次）")),
                "{}: {page}",
                b.name()
            );
        }
        let (status, _, page) = change("Guess-2026b").await;
        assert_eq!(status, 422);
        assert!(page.contains("当前密码已连续输错5次"), "{page}");
        // Now even the right one waits, and nothing changed.
        let (status, _, page) = change(PASSWORD).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("当前密码已连续输错5次"), "{page}");
        // The owner's sign-in elsewhere is not locked by it.
        let (_, status) = sign_in(&app, "/login", accounts::CQ_ELIGIBLE_ASSOCIATE, PASSWORD).await;
        assert_eq!(status, 303, "{}", b.name());
        app.state.clock.advance(chrono::Duration::minutes(15));
        let (status, location, _) = change(PASSWORD).await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, "/candidate/account?done=password");
    }
}

#[tokio::test]
async fn staff_reset_a_candidates_password_which_must_be_changed_before_anything_else() {
    use crate::common::User;
    for b in app_backends() {
        let app = spawn_app_with(&b, |_| {}).await;
        let c =
            store::repo::candidate::by_admission_no(&app.db.db, accounts::CQ_ELIGIBLE_ASSOCIATE)
                .await
                .unwrap()
                .unwrap();
        let before = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let detail = format!("/staff/candidates/{}", c.id);
        let reset = format!("{detail}/reset-password");
        // Staff of another province see nothing there and can reset nothing.
        let elsewhere = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_REVIEWER))
            .await;
        let token = app.csrf(&elsewhere, "/staff").await;
        let r = elsewhere
            .post(app.url(&reset))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{}", b.name());

        let office = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (_, page) = app.get_text(&office, &detail).await;
        assert!(page.contains("生成临时密码"), "{page}");
        let token = app.csrf(&office, &detail).await;
        let r = office
            .post(app.url(&reset))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        let page = r.text().await.unwrap();
        let at = page.find("<code>").unwrap() + "<code>".len();
        let one_time: String = page[at..].chars().take_while(|ch| *ch != '<').collect();
        assert_eq!(one_time.len(), 12, "{page}");
        // The candidate's sessions ended; the one-time password signs in, then only 我的账号 opens.
        assert_ne!(app.get_text(&before, "/candidate/profile").await.0, 200);
        let visitor = app.client();
        let (status, _, _) = post(
            &app,
            &visitor,
            "/login",
            "/login",
            &[
                ("username", accounts::CQ_ELIGIBLE_ASSOCIATE),
                ("password", one_time.as_str()),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let r = visitor
            .get(app.url("/candidate/graduation"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(r.headers()["location"], "/candidate/account?must_change=1");
        let r = visitor
            .get(app.url("/api/v1/application"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "the API refuses too");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("修改密码"),
            "{body}"
        );
        let (status, page) = app
            .get_text(&visitor, "/candidate/account?must_change=1")
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("请先修改密码"), "{page}");
        let (status, location, _) = post(
            &app,
            &visitor,
            "/candidate/account",
            "/candidate/account/password",
            &[
                ("current", one_time.as_str()),
                ("password", "Shapingba-2026"),
                ("password_confirm", "Shapingba-2026"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, "/candidate/account?done=password");
        assert_eq!(app.get_text(&visitor, "/candidate/graduation").await.0, 200);
        let audited = store::entity::audit::Entity::find()
            .filter(store::entity::audit::Column::Action.eq("account.password_reset"))
            .filter(store::entity::audit::Column::SubjectId.eq(c.id))
            .filter(store::entity::audit::Column::ActorKind.eq("staff"))
            .all(&app.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1, "{}", b.name());
    }
}

/// The one-time password a page shows.
fn one_time_in(page: &str) -> String {
    let at = page.find("<code>").expect("a one-time password") + "<code>".len();
    page[at..].chars().take_while(|ch| *ch != '<').collect()
}

async fn sign_in(app: &TestApp, login: &str, user: &str, password: &str) -> (reqwest::Client, u16) {
    let c = app.client();
    let (status, _, _) = post(
        app,
        &c,
        login,
        login,
        &[("username", user), ("password", password)],
    )
    .await;
    (c, status)
}

#[tokio::test]
async fn an_admin_creates_a_reviewer_below_who_changes_the_password_and_reviews() {
    use crate::common::User;
    for b in app_backends() {
        let app = spawn_app_with(&b, |_| {}).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/accounts").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(
            page.contains(accounts::STAFF_CQ_UNIVERSITY),
            "the subtree's accounts"
        );
        assert!(
            !page.contains(accounts::STAFF_YN_UNIVERSITY),
            "not another province's"
        );
        let university = store::repo::staff::by_username(&app.db.db, accounts::STAFF_CQ_UNIVERSITY)
            .await
            .unwrap()
            .unwrap()
            .org_id
            .to_string();
        let create = |username: &'static str| {
            let admin = admin.clone();
            let app = &app;
            let university = university.clone();
            async move {
                post(
                    app,
                    &admin,
                    "/staff/accounts",
                    "/staff/accounts",
                    &[
                        ("username", username),
                        ("display_name", "李老师"),
                        ("org_id", &university),
                        ("roles", "reviewer"),
                    ],
                )
                .await
            }
        };
        let (status, _, page) = create("l").await;
        assert_eq!(status, 422);
        assert!(
            page.contains("用户名应为3至32个字符，实际为1个字符"),
            "{page}"
        );
        let (status, _, page) = create("cqnu-li").await;
        assert_eq!(status, 200, "{page}");
        let first = one_time_in(&page);
        let (status, _, page) = create("cqnu-li").await;
        assert_eq!(status, 409);
        assert!(page.contains("已被使用"));

        // The new reviewer signs in, must change the password first, then reviews.
        let (reviewer, status) = sign_in(&app, "/staff/login", "cqnu-li", &first).await;
        assert_eq!(status, 303);
        let r = reviewer
            .get(app.url("/staff/reviews"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/staff/account?must_change=1");
        let (status, _, _) = post(
            &app,
            &reviewer,
            "/staff/account",
            "/staff/account/password",
            &[
                ("current", first.as_str()),
                ("password", "Beibei-2026"),
                ("password_confirm", "Beibei-2026"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(app.get_text(&reviewer, "/staff/reviews").await.0, 200);
        assert_eq!(
            app.get_text(&reviewer, "/staff/accounts").await.0,
            403,
            "reviewers manage nothing"
        );

        // Another province's admin cannot touch it; this admin cannot stop their own account.
        let id = store::repo::staff::by_username(&app.db.db, "cqnu-li")
            .await
            .unwrap()
            .unwrap()
            .id;
        let yunnan = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_ADMIN))
            .await;
        let (status, _, _) = post(
            &app,
            &yunnan,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/disable"),
            &[],
        )
        .await;
        assert_eq!(status, 404);
        let own = store::repo::staff::by_username(&app.db.db, accounts::STAFF_CQ_OFFICE_ADMIN)
            .await
            .unwrap()
            .unwrap()
            .id;
        let (status, _, page) = post(
            &app,
            &admin,
            "/staff/accounts",
            &format!("/staff/accounts/{own}/disable"),
            &[],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("不能停用自己"));

        // Roles: at least one; a stage the organisation never reviews is refused by name; the
        // subtree bounds 修改角色 too; an admin keeps their own 管理员.
        let (status, _, page) = post(
            &app,
            &admin,
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "cqnu-wang"),
                ("display_name", "王老师"),
                ("org_id", &university),
            ],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("请至少选择一个角色"), "{page}");
        let (status, _, page) = post(
            &app,
            &admin,
            "/staff/accounts",
            "/staff/accounts",
            &[
                ("username", "cqnu-wang"),
                ("display_name", "王老师"),
                ("org_id", &university),
                ("roles", "reviewer@市自考办审核"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(
            page.contains("不审核“市自考办审核”环节") && page.contains("可选环节：主考学校初审"),
            "{page}"
        );
        assert!(
            page.contains("value=\"cqnu-wang\""),
            "the form keeps what was typed"
        );
        let roles_path = format!("/staff/accounts/{id}/roles");
        assert_eq!(app.get_text(&yunnan, &roles_path).await.0, 404);
        let (status, _, _) = post(
            &app,
            &yunnan,
            "/staff/accounts",
            &roles_path,
            &[("roles", "admin")],
        )
        .await;
        assert_eq!(status, 404, "{}", b.name());
        let (status, location, _) = post(
            &app,
            &admin,
            &roles_path,
            &roles_path,
            &[("roles", "readonly"), ("roles", "reviewer@主考学校初审")],
        )
        .await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/staff/accounts?done=roles")
        );
        let (_, page) = app.get_text(&admin, "/staff/accounts").await;
        assert!(page.contains("审核员（主考学校初审）、只读"), "{page}");
        let (_, page) = app.get_text(&reviewer, "/staff").await;
        assert!(
            page.contains("审核员（主考学校初审）、只读"),
            "effective at once"
        );
        let own_roles = format!("/staff/accounts/{own}/roles");
        let (status, _, page) = post(
            &app,
            &admin,
            &own_roles,
            &own_roles,
            &[("roles", "reviewer")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("不能取消本人账号的管理员角色"), "{page}");

        // 停用 ends the session and refuses sign-in; 启用 lets it in again.
        let (status, _, _) = post(
            &app,
            &admin,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/disable"),
            &[],
        )
        .await;
        assert_eq!(status, 303);
        assert_ne!(app.get_text(&reviewer, "/staff/reviews").await.0, 200);
        assert_ne!(
            sign_in(&app, "/staff/login", "cqnu-li", "Beibei-2026")
                .await
                .1,
            303
        );
        let (status, _, _) = post(
            &app,
            &admin,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/enable"),
            &[],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(
            sign_in(&app, "/staff/login", "cqnu-li", "Beibei-2026")
                .await
                .1,
            303
        );

        // Locked by wrong passwords: listed so, and 解除锁定 lets the right one in at once.
        for _ in 0..5 {
            sign_in(&app, "/staff/login", "cqnu-li", "Wrong-2026x").await;
        }
        let (_, locked) = sign_in(&app, "/staff/login", "cqnu-li", "Beibei-2026").await;
        assert_ne!(locked, 303, "locked after five wrong passwords");
        let (_, page) = app.get_text(&admin, "/staff/accounts").await;
        assert!(page.contains("已锁定"), "{page}");
        let (status, _, _) = post(
            &app,
            &admin,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/unlock"),
            &[],
        )
        .await;
        assert_eq!(status, 303);
        let (_, unlocked) = sign_in(&app, "/staff/login", "cqnu-li", "Beibei-2026").await;
        assert_eq!(unlocked, 303, "{}", b.name());

        // 重置密码: a new one-time password, to be changed again.
        let (status, _, page) = post(
            &app,
            &admin,
            "/staff/accounts",
            &format!("/staff/accounts/{id}/reset-password"),
            &[],
        )
        .await;
        assert_eq!(status, 200);
        let again = one_time_in(&page);
        let (c, status) = sign_in(&app, "/staff/login", "cqnu-li", &again).await;
        assert_eq!(status, 303);
        let r = c.get(app.url("/staff")).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/staff/account?must_change=1");
        let audited = store::entity::audit::Entity::find()
            .filter(store::entity::audit::Column::SubjectId.eq(id))
            .filter(store::entity::audit::Column::Action.is_in([
                "staff.created",
                "staff.disabled",
                "staff.enabled",
                "staff.unlocked",
                "account.password_reset",
                "account.password_changed",
                "staff.roles_changed",
            ]))
            .all(&app.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 7, "{}", b.name());
    }
}

#[tokio::test]
async fn a_candidate_changes_the_phone_only_with_a_code_sent_to_the_new_one() {
    use crate::common::User;
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let number = accounts::CQ_ELIGIBLE_ASSOCIATE;
        let before = app.candidate(number).await;
        let c = app.with_user(User::Candidate(number)).await;
        let (status, page) = app.get_text(&c, "/candidate/account").await;
        assert_eq!(status, 200);
        assert!(page.contains("href=\"/candidate/account/phone\""), "linked");
        let path = "/candidate/account/phone";

        // The phone already confirmed, and a malformed one, are refused by rule.
        let current = before.phone.clone().unwrap_or_default();
        let (status, _, page) = post(
            &app,
            &c,
            path,
            "/candidate/account/phone/code",
            &[("phone", &current)],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("新手机号与当前手机号相同"), "{page}");
        let (status, _, _) = post(
            &app,
            &c,
            path,
            "/candidate/account/phone/code",
            &[("phone", "1380013812")],
        )
        .await;
        assert_eq!(status, 422);

        let new = "13800138123";
        let (status, _, page) = post(
            &app,
            &c,
            path,
            "/candidate/account/phone/code",
            &[("phone", new)],
        )
        .await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("验证码已发送至 138****8123"), "{page}");
        let code = code_for(&app, new).await.expect("a code to the new phone");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, _, page) =
            post(&app, &c, path, path, &[("phone", new), ("code", wrong)]).await;
        assert_eq!(status, 422);
        assert!(page.contains("验证码错误，还可再试4次"), "{page}");
        assert_eq!(app.candidate(number).await.phone, before.phone, "unchanged");

        let (status, location, _) =
            post(&app, &c, path, path, &[("phone", new), ("code", &code)]).await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/candidate/account?done=phone"),
            "{}",
            b.name()
        );
        assert_eq!(app.candidate(number).await.phone.as_deref(), Some(new));
        let (status, _, page) =
            post(&app, &c, path, path, &[("phone", new), ("code", &code)]).await;
        assert_eq!(status, 422);
        assert!(page.contains("已使用过"), "{page}");
        let audited = store::entity::audit::Entity::find()
            .filter(store::entity::audit::Column::Action.eq("account.phone_changed"))
            .filter(store::entity::audit::Column::SubjectId.eq(before.id))
            .all(&app.db.db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1, "{}", b.name());
        assert!(
            audited[0].detail.contains("to=138****8123"),
            "{}",
            audited[0].detail
        );
    }
}

#[tokio::test]
async fn one_address_asking_for_codes_with_made_up_details_is_stopped_at_the_limit() {
    use web::views::accounts::recovery::CODE_REQUESTS_PER_ADDRESS;
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let c = app.client();
        let limit = usize::try_from(CODE_REQUESTS_PER_ADDRESS).unwrap();
        // A different phone each time, so that only the address's count can stop it.
        for i in 0..=limit {
            let phone = format!("139{:08}", 10_000 + i);
            let (status, _, page) = post(
                &app,
                &c,
                "/forgot",
                "/forgot/code",
                &[("number", "010000000000"), ("phone", phone.as_str())],
            )
            .await;
            if i < limit {
                assert_eq!(status, 200, "{}: request {} of the limit", b.name(), i + 1);
            } else {
                assert_eq!(status, 422, "{}: one past the limit", b.name());
                assert!(
                    page.contains(&format!("1小时内最多获取{limit}次验证码")),
                    "{page}"
                );
            }
        }
    }
}

//! 消息通知 over HTTP on every app backend: a candidate confirms an e-mail address with the code
//! mailed to it (the development outbox stands in for the mailbox), chooses 短信 and 电子邮件, and
//! a rejection then reaches them by both once the delivery job has run; refusals name the rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{TestApp, User, csrf_in, run_jobs, spawn_app_with};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::accounts;
use store::entity::{audit, mail_outbox, notification_delivery, sms_outbox};
use store::repo::inbox;
use store::testkit::app_backends;

const CANDIDATE: &str = accounts::CQ_ELIGIBLE_ASSOCIATE;
const PAGE: &str = "/candidate/account/notifications";

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, body) = app.get_text(c, PAGE).await;
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

async fn mails_to(app: &TestApp, address: &str) -> Vec<mail_outbox::Model> {
    mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Address.eq(address))
        .all(&app.db.db)
        .await
        .unwrap()
}

/// The six digits of the latest code mailed to `address`, read from the outbox page as a
/// person on the demo would.
async fn code_for(app: &TestApp, address: &str) -> String {
    let (status, page) = app
        .get_text(&app.client(), &format!("/dev/mail?to={address}"))
        .await;
    assert_eq!(status, 200);
    let at = page.find("邮箱验证码 ").expect("a code was mailed");
    page[at + "邮箱验证码 ".len()..].chars().take(6).collect()
}

#[tokio::test]
async fn a_candidate_confirms_an_address_chooses_channels_and_a_rejection_reaches_them_by_both() {
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let cand = app.candidate(CANDIDATE).await;
        let phone = cand.phone.clone().expect("the demo candidate has a phone");
        let c = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, page) = app.get_text(&c, "/candidate/account").await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("href=\"{PAGE}\"")), "linked");
        let (status, page) = app.get_text(&c, PAGE).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("<label class=\"check\" for=\"sms\">"),
            "{page}"
        );
        assert!(page.contains(&domain::otp::mask_phone(&phone)), "{page}");

        // E-mail cannot be chosen before an address is confirmed; nothing is stored.
        let (status, _, page) = post(
            &app,
            &c,
            "/candidate/account/notifications/channels",
            &[("email", "on")],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("还没有验证过的邮箱"), "{page}");

        // Addresses refused by rule, with the limit and the excess named.
        let (status, _, page) = post(
            &app,
            &c,
            "/candidate/account/notifications/email",
            &[("address", "not-an-address")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("不是有效的邮箱地址"), "{page}");
        let long = format!("{}@example.com", "a".repeat(243));
        assert_eq!(long.len(), 255);
        let (status, _, page) = post(
            &app,
            &c,
            "/candidate/account/notifications/email",
            &[("address", &long)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            page.contains("邮箱地址最长254个字符，填写的有255个字符，超出1个"),
            "{page}"
        );
        assert!(mails_to(&app, &long).await.is_empty());

        // A good address gets a code; asking again within the minute is refused.
        let address = "kaosheng.test@example.com";
        let (status, _, page) = post(
            &app,
            &c,
            "/candidate/account/notifications/email",
            &[("address", address)],
        )
        .await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(
            page.contains("验证码已发送到 kaosheng.test@example.com"),
            "{page}"
        );
        assert!(page.contains("id=\"email-confirm-form\""), "{page}");
        let (status, _, page) = post(
            &app,
            &c,
            "/candidate/account/notifications/email",
            &[("address", address)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("60秒内只能获取一次邮箱验证码"), "{page}");
        assert_eq!(mails_to(&app, address).await.len(), 1);
        let code = code_for(&app, address).await;
        assert_eq!(code.len(), 6);

        // A wrong code counts down; the right one confirms the address and turns e-mail on.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, _, page) = post(
            &app,
            &c,
            "/candidate/account/notifications/email/confirm",
            &[("code", wrong)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("验证码错误，还可再试4次"), "{page}");
        let (status, location, _) = post(
            &app,
            &c,
            "/candidate/account/notifications/email/confirm",
            &[("code", &code)],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, format!("{PAGE}?done=confirmed"));
        let (_, page) = app.get_text(&c, &location).await;
        assert!(page.contains("邮箱已验证"), "{page}");
        assert!(page.contains(address), "{page}");

        let (status, _, _) = post(
            &app,
            &c,
            "/candidate/account/notifications/channels",
            &[("sms", "on"), ("email", "on")],
        )
        .await;
        assert_eq!(status, 303);
        let s = store::notifications::settings(&app.db.db, inbox::Recipient::Candidate(cand.id))
            .await
            .unwrap();
        assert!(s.sms && s.email, "{s:?}");
        for action in [
            "notification.email_confirmed",
            "notification.channels_changed",
        ] {
            let n = audit::Entity::find()
                .filter(audit::Column::Action.eq(action))
                .filter(audit::Column::SubjectId.eq(cand.id))
                .all(&app.db.db)
                .await
                .unwrap()
                .len();
            assert_eq!(n, 1, "{}: {action}", b.name());
        }

        // A rejection: in the 收件箱 at once, by e-mail and text message once the job has run.
        let a = crate::reviews::submitted(&app, CANDIDATE).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let token = app.csrf(&uni, "/staff").await;
        let r = uni
            .post(app.url(&format!("/staff/reviews/{}/decide", a.id)))
            .form(&[
                ("csrf_token", token.as_str()),
                ("stage", "0"),
                ("decision", "reject"),
                ("reason_code", "id_front_unclear"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let told = inbox::list(&app.db.db, inbox::Recipient::Candidate(cand.id), 1)
            .await
            .unwrap()
            .remove(0);
        assert!(told.title.contains("驳回"), "{}", told.title);
        let pending = notification_delivery::Entity::find()
            .filter(notification_delivery::Column::MessageId.eq(told.id))
            .all(&app.db.db)
            .await
            .unwrap();
        assert_eq!(pending.len(), 2, "{}", b.name());
        assert!(pending.iter().all(|d| d.status == "pending"));

        assert!(
            run_jobs(&app)
                .await
                .contains(&jobs::Job::DeliverNotifications)
        );
        // Every message since the choice went out once by each channel: the submission's and
        // the rejection's.
        let since = inbox::list(&app.db.db, inbox::Recipient::Candidate(cand.id), 50)
            .await
            .unwrap();
        assert_eq!(since.len(), 2, "{}", b.name());
        let mails = mails_to(&app, address).await;
        assert_eq!(
            mails.len(),
            3,
            "{}: the code and the two messages",
            b.name()
        );
        for m in &since {
            let subject = format!("【毕业申请平台】{}", m.title);
            assert_eq!(
                mails.iter().filter(|x| x.subject == subject).count(),
                1,
                "{subject}"
            );
        }
        let mail = mails
            .iter()
            .find(|m| m.subject.contains(&told.title))
            .unwrap();
        assert_eq!(mail.subject, format!("【毕业申请平台】{}", told.title));
        assert!(mail.body.contains(told.body.trim_end()), "{}", mail.body);
        if let Some(link) = &told.link {
            assert!(
                mail.body.contains(&format!(
                    "查看详情：{}{link}",
                    app.state.config.public_base_url
                )),
                "{}",
                mail.body
            );
        }
        let texts = sms_outbox::Entity::find()
            .filter(sms_outbox::Column::Phone.eq(phone.as_str()))
            .all(&app.db.db)
            .await
            .unwrap();
        let short: String = told.title.chars().take(20).collect();
        assert_eq!(
            texts
                .iter()
                .filter(|t| t.body
                    == format!("您的收件箱有一条新消息：{short}。请登录毕业申请平台查看详情。"))
                .count(),
            1,
            "{}",
            b.name()
        );
        let (_, page) = app.get_text(&c, PAGE).await;
        assert_eq!(page.matches("<td>已发送</td>").count(), 4, "{page}");

        // Removing the address turns e-mail off; the next message goes by text message only.
        let (status, _, _) = post(
            &app,
            &c,
            "/candidate/account/notifications/email/remove",
            &[],
        )
        .await;
        assert_eq!(status, 303);
        let s = store::notifications::settings(&app.db.db, inbox::Recipient::Candidate(cand.id))
            .await
            .unwrap();
        assert!(s.sms && !s.email && s.email_address.is_none(), "{s:?}");
    }
}

#[tokio::test]
async fn the_forms_need_the_csrf_token_and_a_student_has_the_page_too() {
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let c = app.with_user(User::Candidate(CANDIDATE)).await;
        let r = c
            .post(app.url("/candidate/account/notifications/channels"))
            .form(&[("sms", "on")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}", b.name());
        let cand = app.candidate(CANDIDATE).await;
        let s = store::notifications::settings(&app.db.db, inbox::Recipient::Candidate(cand.id))
            .await
            .unwrap();
        assert!(!s.sms, "{}: nothing changed", b.name());

        // A candidate's session does not reach a student's page, and a student has their own.
        let (status, _) = app.get_text(&c, "/student/account/notifications").await;
        assert_ne!(status, 200);
        let s = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, page) = app.get_text(&s, "/student/account/notifications").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("action=\"/student/account/notifications/channels\""));
    }
}

#[tokio::test]
async fn an_escalation_reaches_the_admin_above_in_messages_and_by_e_mail_in_one_round_of_jobs() {
    use sea_orm::sea_query::Expr;
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("href=\"/staff/inbox\""),
            "the menu offers 消息"
        );
        let (status, page) = app.get_text(&admin, "/staff/account").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("href=\"/staff/account/notifications\""),
            "{page}"
        );

        // The admin confirms an address and chooses e-mail.
        let staff_page = "/staff/account/notifications";
        let token = app.csrf(&admin, staff_page).await;
        let address = "office.admin@example.com";
        let r = admin
            .post(app.url("/staff/account/notifications/email"))
            .form(&[("csrf_token", token.as_str()), ("address", address)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", b.name());
        let code = code_for(&app, address).await;
        let r = admin
            .post(app.url("/staff/account/notifications/email/confirm"))
            .form(&[("csrf_token", token.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());

        // An application waits at the university and is due at the end of today.
        let a = crate::reviews::submitted(&app, CANDIDATE).await;
        let today = domain::calendar::beijing_date(app.state.now());
        let end_of_today = domain::calendar::from_beijing(
            today.succ_opt().unwrap().and_time(chrono::NaiveTime::MIN),
        );
        store::entity::graduation_application::Entity::update_many()
            .col_expr(
                store::entity::graduation_application::Column::DueAt,
                Expr::value(end_of_today),
            )
            .filter(store::entity::graduation_application::Column::Id.eq(a.id))
            .exec(&app.db.db)
            .await
            .unwrap();
        let me = store::repo::staff::by_username(&app.db.db, accounts::STAFF_CQ_OFFICE_ADMIN)
            .await
            .unwrap()
            .unwrap();

        let ran = run_jobs(&app).await;
        assert!(ran.contains(&jobs::Job::ReviewAlerts), "{ran:?}");
        let told = inbox::list(&app.db.db, inbox::Recipient::Staff(me.id), 10)
            .await
            .unwrap();
        assert_eq!(told.len(), 1, "{}", b.name());
        assert!(told[0].title.starts_with("督办："), "{}", told[0].title);
        let mails = mails_to(&app, address).await;
        assert!(
            mails.iter().any(
                |m| m.subject == format!("【毕业申请平台】{}", told[0].title)
                    && m.body.contains(&format!("申请 {}　", a.id))
            ),
            "{}: {mails:?}",
            b.name()
        );

        // 消息 shows it unread; 全部标为已读 clears the count.
        let (status, page) = app.get_text(&admin, "/staff/inbox").await;
        assert_eq!(status, 200);
        assert!(page.contains("1 条未读消息"), "{page}");
        assert!(page.contains(&told[0].title), "{page}");
        let token = app.csrf(&admin, "/staff/inbox").await;
        let r = admin
            .post(app.url("/staff/inbox/read"))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let (_, page) = app.get_text(&admin, "/staff/inbox").await;
        assert!(!page.contains("条未读消息"), "{page}");
        // Nobody else's messages: a reviewer of the university sees none of the admin's.
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (_, page) = app.get_text(&uni, "/staff/inbox").await;
        assert!(!page.contains(&told[0].title), "{page}");
    }
}

#[tokio::test]
async fn the_api_chooses_channels_and_confirms_an_address_through_the_same_rules() {
    use crate::common::{api_send, api_token};
    use serde_json::json;
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.local_services = true).await;
        let path = app.url("/api/v1/me/notifications");
        let r = app.client().get(&path).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{}", b.name());

        let s = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let token = api_token(&app, &s).await;
        let (status, body) = api_send(s.get(&path), &token).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(
            (body["sms"].as_bool(), body["email"].as_bool()),
            (Some(false), Some(false))
        );

        // Without the token nothing changes; e-mail without an address is refused by field.
        let r = s
            .put(&path)
            .json(&json!({"sms": false, "email": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let (status, body) = api_send(
            s.put(&path).json(&json!({"sms": false, "email": true})),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["fields"]["email"]
                .as_str()
                .unwrap()
                .contains("还没有验证过的邮箱"),
            "{body}"
        );

        let address = "xuesheng@example.com";
        let (status, body) = api_send(
            s.post(app.url("/api/v1/me/notifications/email"))
                .json(&json!({"address": "no-at-sign"})),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["fields"]["address"].is_string(), "{body}");
        let (status, body) = api_send(
            s.post(app.url("/api/v1/me/notifications/email"))
                .json(&json!({"address": address})),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let code = code_for(&app, address).await;
        let (status, body) = api_send(
            s.post(app.url("/api/v1/me/notifications/email/confirm"))
                .json(&json!({"code": "12345"})),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["fields"]["code"].is_string(), "{body}");
        let (status, body) = api_send(
            s.post(app.url("/api/v1/me/notifications/email/confirm"))
                .json(&json!({"code": code})),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["email_address"], address);
        assert_eq!(body["email"], true);

        let (status, _) =
            api_send(s.delete(app.url("/api/v1/me/notifications/email")), &token).await;
        assert_eq!(status, 204);
        let (_, body) = api_send(s.get(&path), &token).await;
        assert_eq!(body["email_address"], serde_json::Value::Null, "{body}");
        assert_eq!(body["email"], false);
    }
}

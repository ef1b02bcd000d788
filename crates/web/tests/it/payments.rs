//! 交费 and 退费 over HTTP on every app backend: the local gateway's pay page and signed
//! notification, refused notifications (forged, stale, wrong amount, unknown order), five
//! identical notifications at once, reconciliation of a lost notification, and the refund of a
//! final-review rejection after the batch closes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use common::{PAYMENT_SECRET, TestApp, spawn_app};
use domain::graduation::form::{FileSlot, ResumeEntry};
use domain::payment::{Notice, SIGNATURE_HEADER, sign};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::accounts;
use store::entity::{audit, graduation_application as app_entity, inbox_message, payment_order};
use store::graduation::application::{self as apps, Decision, NewApplication, NewFile, Section};
use store::payment::{self, OrderRequest, RefundRequest, local};
use store::repo::{reference, staff};
use store::testkit::app_backends;

const CANDIDATE: &str = accounts::CQ_ELIGIBLE_ASSOCIATE;
/// The 毕业审定费 of the shipped Chongqing definition.
const FEE_FEN: i64 = 4_000;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// The candidate's application, filled in and submitted (waiting for 主考学校初审).
pub(crate) async fn submitted(app: &TestApp) -> app_entity::Model {
    let db = &app.db.db;
    let cand = app.candidate(CANDIDATE).await;
    let batch = apps::batches_of_province(db, "chongqing")
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.opens_at <= now() && now() < b.closes_at)
        .expect("an open Chongqing batch");
    let majors = reference::enrolled_majors(db, cand.id).await.unwrap();
    let major = majors[0].major.clone();
    let mut a = apps::open(
        db,
        NewApplication {
            candidate: &cand,
            batch: &batch,
            major: &major,
            prior_check: apps::PRIOR_NOT_NEEDED,
            prior_check_message: None,
        },
        now(),
        None,
    )
    .await
    .unwrap();
    let resume = vec![ResumeEntry {
        from: "2015-09".into(),
        to: "至今".into(),
        unit: "重庆某公司".into(),
        role: "职员".into(),
    }];
    for section in [
        Section::Major(major),
        Section::Resume(resume),
        Section::SelfAppraisal("好".repeat(320)),
    ] {
        a = apps::save_section(db, &a, section, now(), None)
            .await
            .unwrap();
    }
    for slot in [FileSlot::IdFront, FileSlot::IdBack, FileSlot::Signature] {
        let stored = app
            .state
            .objects
            .put("test", "jpg", vec![0xFF, 0xD8, slot as u8])
            .await
            .unwrap();
        apps::attach_file(
            db,
            &a,
            NewFile {
                slot,
                stored,
                original_name: "IMG_0001.jpg",
                content_type: "image/jpeg",
                dimensions: Some((100, 60)),
                course_code: None,
            },
            now(),
            None,
        )
        .await
        .unwrap();
        a = apps::get(db, a.id).await.unwrap();
    }
    let a = apps::submit(db, &a, now(), None).await.unwrap();
    assert_eq!((a.status.as_str(), a.stage), ("in_review", Some(0)));
    a
}

/// Staff account id and organisation.
async fn reviewer(app: &TestApp, username: &str) -> (i64, store::entity::organisation::Model) {
    let s = staff::by_username(&app.db.db, username)
        .await
        .unwrap()
        .unwrap();
    (s.id, app.org_of(username).await)
}

/// The candidate's application after 主考学校初审 approved it: waiting for the fee.
pub(crate) async fn awaiting_payment(app: &TestApp) -> app_entity::Model {
    let a = submitted(app).await;
    let (staff_id, university) = reviewer(app, accounts::STAFF_CQ_UNIVERSITY).await;
    let a = apps::decide(
        &app.db.db,
        &university,
        staff_id,
        a.id,
        0,
        Decision::Approve,
        now(),
        None,
    )
    .await
    .unwrap();
    assert_eq!((a.status.as_str(), a.stage), ("awaiting_payment", Some(1)));
    a
}

/// 市自考办审核 (stage 2) rejects the application now: the thesis grade is not recorded.
async fn office_rejects(app: &TestApp, a: &app_entity::Model) -> app_entity::Model {
    let (staff_id, office) = reviewer(app, accounts::STAFF_CQ_OFFICE_REVIEWER).await;
    apps::decide(
        &app.db.db,
        &office,
        staff_id,
        a.id,
        2,
        Decision::Reject("毕业论文成绩未登记".into()),
        now(),
        None,
    )
    .await
    .unwrap()
}

async fn reload(app: &TestApp, id: i64) -> app_entity::Model {
    apps::get(&app.db.db, id).await.unwrap()
}

async fn events(app: &TestApp, id: i64, action: &str) -> usize {
    apps::events(&app.db.db, id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

async fn messages(app: &TestApp, title: &str) -> u64 {
    let cand = app.candidate(CANDIDATE).await;
    inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq("candidate"))
        .filter(inbox_message::Column::RecipientId.eq(cand.id))
        .filter(inbox_message::Column::Title.eq(title))
        .count(&app.db.db)
        .await
        .unwrap()
}

async fn audit_rows(app: &TestApp, action: &str) -> u64 {
    audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .count(&app.db.db)
        .await
        .unwrap()
}

/// Waits for the application to reach 市自考办审核 after an asynchronous notification.
async fn wait_for_office_review(app: &TestApp, id: i64) -> app_entity::Model {
    common::eventually("the payment notification settling the order", || async {
        Some(reload(app, id).await).filter(|a| a.status == "in_review")
    })
    .await
}

/// The candidate presses 交费: (status, Location, body).
async fn press_pay(app: &TestApp, client: &reqwest::Client) -> (u16, String, String) {
    let token = app.csrf(client, "/candidate/profile").await;
    let r = client
        .post(app.url("/candidate/application/pay"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

fn notice(order: &payment_order::Model, amount_fen: i64, age_seconds: i64) -> Notice {
    Notice {
        order_no: order.order_no.clone(),
        gateway_txn_no: "LP20261124000000001".into(),
        amount_fen,
        paid_at: now(),
        timestamp: now().timestamp() - age_seconds,
        nonce: "test-nonce".into(),
    }
}

/// POSTs a notification body with a signature header (none when `signature` is `None`).
async fn post_notice(app: &TestApp, body: &[u8], signature: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(app.url("/api/v1/payments/notify"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header(SIGNATURE_HEADER, s);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn post_signed(app: &TestApp, n: &Notice) -> (u16, String) {
    let body = n.to_body();
    let sig = sign(&body, PAYMENT_SECRET.as_bytes());
    post_notice(app, &body, Some(&sig)).await
}

/// An order for the application, as the pay button creates it.
async fn order_for(app: &TestApp, a: &app_entity::Model) -> payment_order::Model {
    payment::create_order(&app.db.db, a, now(), None)
        .await
        .unwrap()
}

#[tokio::test]
async fn candidate_pays_at_the_local_gateway_and_the_office_reviews_next() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let client = app.with_user(User::Candidate(CANDIDATE)).await;

        let (status, to_gateway, _) = press_pay(&app, &client).await;
        assert_eq!(status, 303, "{}", b.name());
        assert!(
            to_gateway.starts_with(&app.url("/gateway/local/pay/GF")),
            "{}: {to_gateway}",
            b.name()
        );
        // Going back and pressing again reuses the pending order.
        let (_, again, _) = press_pay(&app, &client).await;
        assert_eq!(again, to_gateway, "{}", b.name());
        let orders = payment::orders_of(&app.db.db, a.id).await.unwrap();
        assert_eq!(orders.len(), 1, "{}", b.name());
        assert_eq!(orders[0].amount_fen, FEE_FEN);

        let r = client.get(&to_gateway).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", b.name());
        let page = r.text().await.unwrap();
        for part in [
            "模拟支付平台",
            "商户订单号",
            orders[0].order_no.as_str(),
            "¥40.00",
            "交费</button>",
        ] {
            assert!(
                page.contains(part),
                "{}: {part} missing in {page}",
                b.name()
            );
        }

        let r = client.post(&to_gateway).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            app.url(&format!(
                "/candidate/application/pay/return?order_no={}",
                orders[0].order_no
            ))
        );

        let a = wait_for_office_review(&app, a.id).await;
        let (_, office) = reviewer(&app, accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        assert_eq!(
            (a.status.as_str(), a.stage, a.current_org_id),
            ("in_review", Some(2), Some(office.id)),
            "{}",
            b.name()
        );
        let order = payment::order(&app.db.db, &orders[0].order_no)
            .await
            .unwrap();
        assert_eq!(order.status, "paid", "{}", b.name());
        assert!(order.gateway_txn_no.as_deref().unwrap().starts_with("LP"));
        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "交费成功").await, 1, "{}", b.name());
        assert_eq!(audit_rows(&app, "payment_order.created").await, 1);
        assert_eq!(audit_rows(&app, "payment_order.paid").await, 1);

        // The gateway's page now says it is paid, and paying there again changes nothing.
        let page = client
            .get(&to_gateway)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("该订单已支付"), "{}", b.name());
        assert!(!page.contains("交费</button>"), "{}", b.name());
        let r = client.post(&to_gateway).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());

        // Paying a second time is refused with the state machine's reason.
        let (status, _, body) = press_pay(&app, &client).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(
            body.contains("已交费，无需重复交费"),
            "{}: {body}",
            b.name()
        );
        assert_eq!(
            payment::orders_of(&app.db.db, a.id).await.unwrap().len(),
            1,
            "{}",
            b.name()
        );
        // The gateway's retry of the same notification (as a gateway retries until it hears
        // 200) is answered and settles nothing twice.
        let at_gateway = local::payment(&app.db.db, &orders[0].order_no)
            .await
            .unwrap()
            .unwrap();
        let retry = local::notice_of(&at_gateway, now()).unwrap();
        let (status, _) = post_signed(&app, &retry).await;
        assert_eq!(status, 200, "{}", b.name());
        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "交费成功").await, 1, "{}", b.name());
    }
}

#[tokio::test]
async fn paying_before_initial_approval_is_refused() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app.with_user(User::Candidate(CANDIDATE)).await;

        let (status, _, body) = press_pay(&app, &client).await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(body.contains("你还没有毕业申请"), "{}: {body}", b.name());

        let a = submitted(&app).await;
        let (status, location, body) = press_pay(&app, &client).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(location.is_empty(), "{}", b.name());
        assert!(body.contains("初审通过后才能交费"), "{}: {body}", b.name());
        assert!(
            payment::orders_of(&app.db.db, a.id)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name()
        );
        assert_eq!(reload(&app, a.id).await.status, "in_review");

        // Without a token the pay button is refused like every other form.
        let r = client
            .post(app.url("/candidate/application/pay"))
            .form(&[("csrf_token", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}", b.name());
    }
}

#[tokio::test]
async fn forged_stale_wrong_amount_and_unknown_notifications_change_nothing() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = order_for(&app, &a).await;

        let good = notice(&order, FEE_FEN, 0);
        let body = good.to_body();
        let refused: Vec<(&str, u16, String)> = vec![
            {
                let (s, t) = post_notice(&app, &body, Some(&sign(&body, b"another-secret"))).await;
                ("wrong secret", s, t)
            },
            {
                let sig = sign(&body, PAYMENT_SECRET.as_bytes());
                let tampered = String::from_utf8(body.clone())
                    .unwrap()
                    .replace(&format!("\"amount_fen\":{FEE_FEN}"), "\"amount_fen\":1");
                assert_ne!(tampered.as_bytes(), &body[..]);
                let (s, t) = post_notice(&app, tampered.as_bytes(), Some(&sig)).await;
                ("tampered body", s, t)
            },
            {
                let (s, t) = post_notice(&app, &body, None).await;
                ("no signature", s, t)
            },
            {
                let (s, t) = post_signed(&app, &notice(&order, FEE_FEN, 301)).await;
                ("stale", s, t)
            },
            {
                let (s, t) = post_signed(&app, &notice(&order, FEE_FEN - 1, 0)).await;
                ("wrong amount", s, t)
            },
            {
                let mut unknown = notice(&order, FEE_FEN, 0);
                unknown.order_no = "GF2026112400000000000000".into();
                let (s, t) = post_signed(&app, &unknown).await;
                ("unknown order", s, t)
            },
        ];
        let expected = [
            "签名无效",
            "签名无效",
            "签名无效",
            "已过期",
            "金额不符",
            "订单不存在",
        ];
        for ((what, status, text), want) in refused.iter().zip(expected) {
            assert_eq!(*status, 400, "{}: {what}: {text}", b.name());
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            let message = json["message"].as_str().unwrap();
            assert!(message.contains(want), "{}: {what}: {message}", b.name());
        }

        let still = payment::order(&app.db.db, &order.order_no).await.unwrap();
        assert_eq!(
            (still.status.as_str(), still.gateway_txn_no.as_deref()),
            ("pending", None),
            "{}",
            b.name()
        );
        let a2 = reload(&app, a.id).await;
        assert_eq!(
            (a2.status.as_str(), a2.stage, a2.version),
            ("awaiting_payment", Some(1), a.version),
            "{}",
            b.name()
        );
        assert_eq!(events(&app, a.id, "paid").await, 0, "{}", b.name());
        assert_eq!(messages(&app, "交费成功").await, 0, "{}", b.name());
        assert_eq!(audit_rows(&app, "payment_order.paid").await, 0);

        // At the edge of the window (300 s) the genuine notification is booked.
        let (status, text) = post_signed(&app, &notice(&order, FEE_FEN, 300)).await;
        assert_eq!((status, text.as_str()), (200, "success"), "{}", b.name());
        let a3 = reload(&app, a.id).await;
        assert_eq!((a3.status.as_str(), a3.stage), ("in_review", Some(2)));
    }
}

// Several worker threads, so the five handlers really run side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_identical_notifications_at_once_settle_the_order_once() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = order_for(&app, &a).await;
        let n = notice(&order, FEE_FEN, 0);

        let answers = futures_util::future::join_all((0..5).map(|_| post_signed(&app, &n))).await;
        for (status, text) in &answers {
            assert_eq!((*status, text.as_str()), (200, "success"), "{}", b.name());
        }

        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "交费成功").await, 1, "{}", b.name());
        assert_eq!(
            audit_rows(&app, "payment_order.paid").await,
            1,
            "{}",
            b.name()
        );
        assert!(
            payment::refunds_of(&app.db.db, a.id)
                .await
                .unwrap()
                .is_empty(),
            "{}: a duplicate must not be booked as a second payment",
            b.name()
        );
        let paid = payment::order(&app.db.db, &order.order_no).await.unwrap();
        assert_eq!(paid.status, "paid");
        assert_eq!(paid.gateway_txn_no.as_deref(), Some("LP20261124000000001"));
        let a = reload(&app, a.id).await;
        assert_eq!(
            (a.status.as_str(), a.stage),
            ("in_review", Some(2)),
            "{}",
            b.name()
        );

        // A sixth, later, is a duplicate too.
        let (status, text) = post_signed(&app, &notice(&order, FEE_FEN, 0)).await;
        assert_eq!((status, text.as_str()), (200, "success"));
        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());
    }
}

/// Pays the application's fee at the local gateway, notified as in production; returns the
/// order once it is settled.
pub(crate) async fn pay_at_gateway(app: &TestApp, a: &app_entity::Model) -> payment_order::Model {
    let order = order_for(app, a).await;
    let pay_url = app
        .state
        .gateway
        .start(&OrderRequest {
            order_no: order.order_no.clone(),
            amount_fen: order.amount_fen,
            subject: "缴纳毕业审定费".into(),
            notify_url: app.url("/api/v1/payments/notify"),
            return_url: app.url("/candidate/application/progress"),
        })
        .await
        .unwrap();
    let r = app.client().post(&pay_url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    wait_for_office_review(app, a.id).await;
    payment::order(&app.db.db, &order.order_no).await.unwrap()
}

/// An address nothing listens on.
async fn closed_port_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/api/v1/payments/notify")
}

#[tokio::test]
async fn reconciliation_settles_an_order_whose_notification_never_came() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = order_for(&app, &a).await;
        let gateway = app.state.gateway.clone();
        let pay_url = gateway
            .start(&OrderRequest {
                order_no: order.order_no.clone(),
                amount_fen: order.amount_fen,
                subject: "缴纳毕业审定费".into(),
                notify_url: closed_port_url().await,
                return_url: app.url("/candidate/application/progress"),
            })
            .await
            .unwrap();
        let r = app.client().post(&pay_url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let at_gateway = local::payment(&app.db.db, &order.order_no)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(at_gateway.status, "paid");

        // Its notification goes to a port nothing listens on, so it can never arrive.
        let pending = payment::order(&app.db.db, &order.order_no).await.unwrap();
        assert_eq!(pending.status, "pending", "{}", b.name());

        // A fresh order gets time for its notification first.
        let settled = jobs::reconcile_payments::run(&app.db.db, gateway.as_ref(), now())
            .await
            .unwrap();
        assert_eq!(settled, 0, "{}", b.name());

        let later = now() + Duration::minutes(3);
        let settled = jobs::reconcile_payments::run(&app.db.db, gateway.as_ref(), later)
            .await
            .unwrap();
        assert_eq!(settled, 1, "{}", b.name());
        let paid = payment::order(&app.db.db, &order.order_no).await.unwrap();
        assert_eq!(paid.status, "paid", "{}", b.name());
        assert_eq!(paid.gateway_txn_no, at_gateway.txn_no);
        let a = reload(&app, a.id).await;
        assert_eq!(
            (a.status.as_str(), a.stage),
            ("in_review", Some(2)),
            "{}",
            b.name()
        );

        // Running it again (or on another instance) changes nothing.
        let settled = jobs::reconcile_payments::run(&app.db.db, gateway.as_ref(), later)
            .await
            .unwrap();
        assert_eq!(settled, 0, "{}", b.name());
        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "交费成功").await, 1, "{}", b.name());
        assert!(
            payment::refunds_of(&app.db.db, a.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_final_rejection_is_refunded_once_after_the_batch_closes() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = pay_at_gateway(&app, &a).await;
        let batch = apps::batch(&app.db.db, a.batch_id).await.unwrap();

        let a = office_rejects(&app, &a).await;
        assert_eq!(a.status, "rejected", "{}", b.name());
        let refunds = payment::refunds_of(&app.db.db, a.id).await.unwrap();
        assert_eq!(refunds.len(), 1, "{}", b.name());
        assert_eq!(
            (refunds[0].status.as_str(), refunds[0].amount_fen),
            ("queued", FEE_FEN)
        );
        let refund_no = refunds[0].refund_no.clone();

        // Not before the batch closes.
        let gateway = app.state.gateway.clone();
        let done = jobs::execute_refunds::run(&app.db.db, gateway.as_ref(), now())
            .await
            .unwrap();
        assert_eq!(done, 0, "{}", b.name());
        let just_before = batch.closes_at - Duration::seconds(1);
        assert!(
            payment::due_refunds(&app.db.db, just_before)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            local::refunds_of(&app.db.db, &order.order_no)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name()
        );
        assert_eq!(events(&app, a.id, "refunded").await, 0);

        // After it closes, once, however often the job runs.
        let closed = batch.closes_at + Duration::minutes(1);
        let done = jobs::execute_refunds::run(&app.db.db, gateway.as_ref(), closed)
            .await
            .unwrap();
        assert_eq!(done, 1, "{}", b.name());
        let done = jobs::execute_refunds::run(&app.db.db, gateway.as_ref(), closed)
            .await
            .unwrap();
        assert_eq!(done, 0, "{}", b.name());
        let at_gateway = local::refunds_of(&app.db.db, &order.order_no)
            .await
            .unwrap();
        assert_eq!(at_gateway.len(), 1, "{}", b.name());
        assert_eq!(
            (at_gateway[0].refund_no.as_str(), at_gateway[0].amount_fen),
            (refund_no.as_str(), FEE_FEN)
        );
        let refund = &payment::refunds_of(&app.db.db, a.id).await.unwrap()[0];
        assert_eq!(refund.status, "done", "{}", b.name());
        assert_eq!(
            refund.gateway_refund_no.as_deref(),
            Some(at_gateway[0].gateway_refund_no.as_str())
        );
        assert_eq!(events(&app, a.id, "refunded").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "退费完成").await, 1, "{}", b.name());
        assert_eq!(audit_rows(&app, "refund.executed").await, 1);

        // Refunding the same number twice: the gateway answers with the same refund and the
        // record is not written again.
        let receipt = gateway
            .refund(&RefundRequest {
                refund_no: refund_no.clone(),
                order_no: order.order_no.clone(),
                amount_fen: FEE_FEN,
                gateway_txn_no: None,
            })
            .await
            .unwrap();
        assert_eq!(receipt.gateway_refund_no, at_gateway[0].gateway_refund_no);
        let again = payment::mark_refund_done(&app.db.db, &refund_no, "OTHER", closed)
            .await
            .unwrap();
        assert!(!again, "{}", b.name());
        assert_eq!(
            local::refunds_of(&app.db.db, &order.order_no)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(events(&app, a.id, "refunded").await, 1, "{}", b.name());
        // Another refund number for more than was paid is refused by the gateway.
        let over = gateway
            .refund(&RefundRequest {
                refund_no: "R-other".into(),
                order_no: order.order_no.clone(),
                amount_fen: 1,
                gateway_txn_no: None,
            })
            .await;
        assert!(over.is_err(), "{}", b.name());
    }
}

#[tokio::test]
async fn a_second_charge_of_a_paid_order_is_refunded_at_once_and_only_once() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = pay_at_gateway(&app, &a).await;
        // The payer paid again from another device: the gateway charged the order twice and
        // notifies the second charge with a transaction of its own.
        let second = local::charge_again(&app.db.db, &order.order_no, now())
            .await
            .unwrap()
            .unwrap();
        assert_ne!(Some(&second.gateway_txn_no), order.gateway_txn_no.as_ref());
        // Five copies of its notification at once, as a gateway retrying would send them.
        let answers =
            futures_util::future::join_all((0..5).map(|_| post_signed(&app, &second))).await;
        for (status, text) in answers {
            assert_eq!((status, text.as_str()), (200, "success"), "{}", b.name());
        }
        let refunds = payment::refunds_of(&app.db.db, a.id).await.unwrap();
        assert_eq!(refunds.len(), 1, "{}: one refund however often", b.name());
        let r = &refunds[0];
        assert_eq!(
            (r.status.as_str(), r.amount_fen, r.charge_txn_no.as_str()),
            ("queued", FEE_FEN, second.gateway_txn_no.as_str())
        );
        assert_eq!(audit_rows(&app, "refund.queued").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "重复扣款将退回").await, 1);
        // The order and the application keep the first charge.
        let kept = payment::order(&app.db.db, &order.order_no).await.unwrap();
        assert_eq!(kept.gateway_txn_no, order.gateway_txn_no);
        assert_eq!(reload(&app, a.id).await.status, "in_review");

        // Due at once, long before the batch closes; the gateway gives back that charge only.
        let gateway = app.state.gateway.clone();
        let done = jobs::execute_refunds::run(&app.db.db, gateway.as_ref(), Utc::now())
            .await
            .unwrap();
        assert_eq!(done, 1, "{}", b.name());
        let at_gateway = local::refunds_of(&app.db.db, &order.order_no)
            .await
            .unwrap();
        assert_eq!(at_gateway.len(), 1);
        assert_eq!(
            at_gateway[0].txn_no.as_deref(),
            Some(second.gateway_txn_no.as_str())
        );
        assert_eq!(audit_rows(&app, "refund.executed").await, 1);
        // The first charge is still refundable in full, the second no more.
        let over = gateway
            .refund(&RefundRequest {
                refund_no: "R-again".into(),
                order_no: order.order_no.clone(),
                amount_fen: 1,
                gateway_txn_no: Some(second.gateway_txn_no.clone()),
            })
            .await;
        assert!(over.is_err(), "{}", b.name());
        // A charge the gateway never made cannot be refunded.
        let unknown = gateway
            .refund(&RefundRequest {
                refund_no: "R-unknown".into(),
                order_no: order.order_no.clone(),
                amount_fen: 1,
                gateway_txn_no: Some("LP-NEVER".into()),
            })
            .await;
        assert!(unknown.is_err(), "{}", b.name());
    }
}

#[tokio::test]
async fn without_local_services_the_stand_in_gateway_is_not_served_and_paying_says_why() {
    for b in app_backends() {
        let app = common::spawn_app_with(&b, |c| c.local_services = false).await;
        let a = awaiting_payment(&app).await;
        let client = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, _, body) = press_pay(&app, &client).await;
        assert_eq!(status, 409, "{}", b.name());
        assert!(
            body.contains("尚未接入网上支付渠道") && body.contains("本次未做任何更改"),
            "{}: {body}",
            b.name()
        );
        assert!(
            payment::orders_of(&app.db.db, a.id)
                .await
                .unwrap()
                .is_empty(),
            "{}: no order created",
            b.name()
        );
        for path in ["/gateway/local/pay/GF1", "/xuexin/local/authorise/XA1"] {
            let (status, _) = app.get_text(&client, path).await;
            assert_eq!(status, 404, "{}: {path}", b.name());
        }
        assert_eq!(reload(&app, a.id).await.status, "awaiting_payment");
    }
}

async fn staff_page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn the_finance_page_lists_the_orders_of_the_own_subtree_only() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = pay_at_gateway(&app, &a).await;
        let cand = app.candidate(CANDIDATE).await;
        let masked = domain::mask_name(&cand.name);

        // 管理员 holds every role, 财务 among them.
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = staff_page(&admin, &app, "/staff/payments").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        for part in [
            "缴费与退费",
            "href=\"/staff/payments\"",
            order.order_no.as_str(),
            masked.as_str(),
            cand.admission_no.as_str(),
            "40.00",
            "已支付",
            "table-wrap",
        ] {
            assert!(page.contains(part), "{}: {part} missing", b.name());
        }
        assert!(!page.contains(&cand.name), "{}: name unmasked", b.name());
        assert!(
            page.contains("id=\"paid-count\">1 笔"),
            "{}: paid total",
            b.name()
        );
        assert!(page.contains("id=\"paid-amount\">40.00 元"), "{}", b.name());
        // The filter narrows the list: no pending order here.
        let (_, pending) = staff_page(&admin, &app, "/staff/payments?status=pending").await;
        assert!(!pending.contains(&order.order_no), "{}", b.name());
        assert!(pending.contains("暂无订单"), "{}", b.name());

        // A reviewer without 财务 is refused, and the menu does not offer the page.
        let (uni_id, _) = reviewer(&app, accounts::STAFF_CQ_UNIVERSITY).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, page) = staff_page(&uni, &app, "/staff/payments").await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(page.contains("财务"), "{}: {page}", b.name());
        let (_, home) = staff_page(&uni, &app, "/staff").await;
        assert!(!home.contains("/staff/payments"), "{}", b.name());

        // Given 财务, the university sees its own subtree, where this candidate is not
        // registered.
        staff::set_roles(
            &app.db.db,
            uni_id,
            &domain::Roles::new([domain::Grant::of(domain::StaffRole::Finance)]),
        )
        .await
        .unwrap();
        let (status, page) = staff_page(&uni, &app, "/staff/payments").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(!page.contains(&order.order_no), "{}", b.name());

        // Another province's office sees nothing of Chongqing's.
        let yn = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_ADMIN))
            .await;
        let (status, page) = staff_page(&yn, &app, "/staff/payments").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(!page.contains(&order.order_no), "{}", b.name());
        assert!(page.contains("id=\"paid-count\">0 笔"), "{}", b.name());
    }
}

/// Registers the order with the local gateway as the pay button does, but with a notify address
/// nothing listens on: the notification can never arrive, so only asking the gateway books it.
pub(crate) async fn start_with_lost_notification(
    app: &TestApp,
    order: &payment_order::Model,
) -> String {
    app.state
        .gateway
        .start(&OrderRequest {
            order_no: order.order_no.clone(),
            amount_fen: order.amount_fen,
            subject: "缴纳毕业审定费".into(),
            notify_url: closed_port_url().await,
            return_url: app.url(&web::views::payment::pay::return_path(&order.order_no)),
        })
        .await
        .unwrap()
}

/// GET of the return address of `order_no` (with `n` looks so far): (status, Location, Refresh,
/// body).
async fn come_back(
    app: &TestApp,
    client: &reqwest::Client,
    order_no: &str,
    n: u32,
) -> (u16, String, String, String) {
    let r = client
        .get(app.url(&format!(
            "/candidate/application/pay/return?order_no={order_no}&n={n}"
        )))
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (location, refresh) = (header("location"), header("refresh"));
    (
        r.status().as_u16(),
        location,
        refresh,
        r.text().await.unwrap(),
    )
}

#[tokio::test]
async fn back_from_the_gateway_the_payment_is_booked_before_progress_shows() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let client = app.with_user(User::Candidate(CANDIDATE)).await;
        let order = order_for(&app, &a).await;
        let pay_url = start_with_lost_notification(&app, &order).await;

        // The payer pays; the gateway sends the browser back at once.
        let r = app.client().post(&pay_url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let back = r.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(
            back,
            app.url(&format!(
                "/candidate/application/pay/return?order_no={}",
                order.order_no
            )),
            "{}",
            b.name()
        );
        assert_eq!(
            payment::order(&app.db.db, &order.order_no)
                .await
                .unwrap()
                .status,
            "pending",
            "{}: no notification came",
            b.name()
        );

        // Coming back asks the gateway and books the payment before 审核进度 is shown.
        let r = client.get(&back).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            "/candidate/application/progress",
            "{}",
            b.name()
        );
        let (_, progress) = app
            .get_text(&client, "/candidate/application/progress")
            .await;
        assert!(progress.contains("已交费"), "{}: {progress}", b.name());
        assert!(!progress.contains("待交费"), "{}: {progress}", b.name());
        let paid = payment::order(&app.db.db, &order.order_no).await.unwrap();
        let at_gateway = local::payment(&app.db.db, &order.order_no)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (paid.status.as_str(), paid.gateway_txn_no.clone()),
            ("paid", at_gateway.txn_no.clone()),
            "{}",
            b.name()
        );
        let a = reload(&app, a.id).await;
        assert_eq!((a.status.as_str(), a.stage), ("in_review", Some(2)));
        assert_eq!(audit_rows(&app, "payment_order.paid").await, 1);

        // Coming back again, and the gateway's late notification, book nothing twice.
        let (status, location, _, _) = come_back(&app, &client, &order.order_no, 0).await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/candidate/application/progress"),
            "{}",
            b.name()
        );
        let late = local::notice_of(&at_gateway, now()).unwrap();
        let (status, text) = post_signed(&app, &late).await;
        assert_eq!((status, text.as_str()), (200, "success"), "{}", b.name());
        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());
        assert_eq!(messages(&app, "交费成功").await, 1, "{}", b.name());
        assert_eq!(audit_rows(&app, "payment_order.paid").await, 1);
    }
}

#[tokio::test]
async fn back_without_a_payment_the_page_says_it_is_confirming_and_looks_again() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let client = app.with_user(User::Candidate(CANDIDATE)).await;
        let order = order_for(&app, &a).await;
        start_with_lost_notification(&app, &order).await;

        // Not paid at the gateway: no 待交费 page, but 支付结果确认中, reloading itself.
        let (status, _, refresh, page) = come_back(&app, &client, &order.order_no, 0).await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("支付结果确认中"), "{}: {page}", b.name());
        assert!(!page.contains("待交费"), "{}: {page}", b.name());
        assert_eq!(
            refresh,
            format!(
                "2; url=/candidate/application/pay/return?order_no={}&n=1",
                order.order_no
            ),
            "{}",
            b.name()
        );
        // After about a minute of looks it stops reloading and says what to do.
        let (status, _, refresh, page) = come_back(&app, &client, &order.order_no, 29).await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(refresh.is_empty(), "{}: {refresh}", b.name());
        assert!(page.contains("暂未收到支付平台的交费结果"), "{}", b.name());
        assert!(page.contains("请勿重复交费"), "{}", b.name());
        assert_eq!(
            payment::order(&app.db.db, &order.order_no)
                .await
                .unwrap()
                .status,
            "pending"
        );

        // The payer pays now; the next look finds it.
        let pay_url = app.url(&local::pay_path(&order.order_no));
        app.client().post(&pay_url).send().await.unwrap();
        let (status, location, _, _) = come_back(&app, &client, &order.order_no, 1).await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/candidate/application/progress"),
            "{}",
            b.name()
        );
        assert_eq!(events(&app, a.id, "paid").await, 1, "{}", b.name());

        // Another candidate's order, or none, is not found and tells nothing.
        let other = app
            .with_user(User::Candidate(accounts::CQ_ONE_COURSE_SHORT))
            .await;
        let (status, _, _, page) = come_back(&app, &other, &order.order_no, 0).await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(!page.contains(&order.order_no), "{}", b.name());
        for bad in ["GF0", "x'--", ""] {
            let (status, _, _, _) = come_back(&app, &client, bad, 0).await;
            assert_eq!(status, 404, "{}: {bad}", b.name());
        }
    }
}

#[tokio::test]
async fn the_local_gateway_answers_only_signed_fresh_queries_and_signs_its_answer() {
    use domain::payment::query::{OrderQuery, QueryAnswer, TradeState, verify_answer};
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = awaiting_payment(&app).await;
        let order = order_for(&app, &a).await;
        start_with_lost_notification(&app, &order).await;
        let ask = async |q: &OrderQuery, secret: &[u8]| {
            let body = q.to_body();
            let r = reqwest::Client::new()
                .post(app.url(local::QUERY_PATH))
                .header(SIGNATURE_HEADER, sign(&body, secret))
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let signature = r
                .headers()
                .get(SIGNATURE_HEADER)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (status, signature, r.bytes().await.unwrap())
        };
        let query = |age: i64| OrderQuery {
            order_no: order.order_no.clone(),
            timestamp: Utc::now().timestamp() - age,
            nonce: "q-nonce-1".into(),
        };

        for (what, q, secret) in [
            ("wrong secret", query(0), &b"another-secret"[..]),
            ("stale", query(301), PAYMENT_SECRET.as_bytes()),
        ] {
            let (status, signature, raw) = ask(&q, secret).await;
            assert_eq!(status, 400, "{}: {what}", b.name());
            assert!(signature.is_empty(), "{}: {what}", b.name());
            assert!(
                !String::from_utf8_lossy(&raw).contains("trade_state"),
                "{}: {what}",
                b.name()
            );
        }

        let q = query(0);
        let (status, signature, raw) = ask(&q, PAYMENT_SECRET.as_bytes()).await;
        assert_eq!(status, 200, "{}", b.name());
        let answer: QueryAnswer = serde_json::from_slice(&raw).unwrap();
        assert_eq!(answer.trade_state, TradeState::NotPaid, "{}", b.name());
        assert_eq!(
            verify_answer(&raw, &signature, PAYMENT_SECRET.as_bytes(), Utc::now(), &q),
            Ok(None)
        );

        app.client()
            .post(app.url(&local::pay_path(&order.order_no)))
            .send()
            .await
            .unwrap();
        let (_, signature, raw) = ask(&q, PAYMENT_SECRET.as_bytes()).await;
        let n = verify_answer(&raw, &signature, PAYMENT_SECRET.as_bytes(), Utc::now(), &q)
            .unwrap()
            .unwrap();
        assert_eq!(
            (n.order_no.as_str(), n.amount_fen),
            (order.order_no.as_str(), FEE_FEN)
        );
        // An answer is good for the query it answers only.
        let mut another = q.clone();
        another.nonce = "q-nonce-2".into();
        assert!(
            verify_answer(
                &raw,
                &signature,
                PAYMENT_SECRET.as_bytes(),
                Utc::now(),
                &another
            )
            .is_err()
        );
        // Asking changes nothing by itself: the order is booked by whoever settles the answer.
        assert_eq!(
            payment::order(&app.db.db, &order.order_no)
                .await
                .unwrap()
                .status,
            "pending",
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn a_rejection_revoked_after_its_refund_asks_for_the_fee_again_and_the_office_reviews_next() {
    for b in app_backends() {
        let name = b.name();
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let a = awaiting_payment(&app).await;
        let first = pay_at_gateway(&app, &a).await;
        let office = app.org_of(accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        office_rejects(&app, &a).await;
        // The batch closes with it rejected, and the refund job pays the fee back.
        let mut m =
            sea_orm::IntoActiveModel::into_active_model(apps::batch(db, a.batch_id).await.unwrap());
        m.closes_at = sea_orm::Set(now());
        sea_orm::ActiveModelTrait::update(m, db).await.unwrap();
        apps::close_expired(db, now()).await.unwrap();
        let gateway = app.state.gateway.clone();
        let paid_back =
            jobs::execute_refunds::run(db, gateway.as_ref(), now() + Duration::minutes(1))
                .await
                .unwrap();
        assert_eq!(paid_back, 1, "{name}");

        // The office revokes the rejection on appeal.
        let closed = reload(&app, a.id).await;
        let t = store::appeal::graduation_target(db, &closed)
            .await
            .unwrap()
            .unwrap();
        let filed = store::appeal::file(
            db,
            t.appellant_id,
            &t,
            "毕业论文成绩已于驳回次日登记，请求复核。",
            &[],
            now(),
            None,
        )
        .await
        .unwrap();
        let office_reviewer = staff::by_username(db, accounts::STAFF_CQ_OFFICE_REVIEWER)
            .await
            .unwrap()
            .unwrap();
        let roles = staff::roles_of(db, office_reviewer.id).await.unwrap();
        store::appeal::decide(
            db,
            store::appeal::Reviewer {
                org_id: office.id,
                staff_id: office_reviewer.id,
                roles: &roles,
            },
            filed.id,
            domain::appeal::AppealStatus::Revoked,
            "论文成绩已登记，撤销驳回",
            None,
            now(),
            None,
        )
        .await
        .unwrap();
        let reopened = reload(&app, a.id).await;
        assert_eq!(
            (reopened.status.as_str(), reopened.stage),
            ("awaiting_payment", Some(1)),
            "{name}"
        );

        // 审核进度 asks for the fee at its stage; paying after the batch goes through.
        let client = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, page) = app
            .get_text(&client, "/candidate/application/progress")
            .await;
        assert_eq!(status, 200, "{name}");
        assert!(page.contains("待交费"), "{name}: {page}");
        let (status, to_gateway, body) = press_pay(&app, &client).await;
        assert_eq!(status, 303, "{name}: {body}");
        let r = client.post(&to_gateway).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{name}");
        let a = wait_for_office_review(&app, a.id).await;
        assert_eq!(
            (a.stage, a.current_org_id),
            (Some(2), Some(office.id)),
            "{name}"
        );
        let orders = payment::orders_of(db, a.id).await.unwrap();
        assert_eq!(orders.len(), 2, "{name}");
        assert!(
            orders
                .iter()
                .all(|o| o.status == "paid" && o.amount_fen == FEE_FEN),
            "{name}"
        );
        // The first order's refund stays paid out; nothing else is queued.
        let refunds = payment::refunds_of(db, a.id).await.unwrap();
        assert_eq!(refunds.len(), 1, "{name}");
        assert_eq!(
            (refunds[0].order_id, refunds[0].status.as_str()),
            (first.id, "done"),
            "{name}"
        );
    }
}

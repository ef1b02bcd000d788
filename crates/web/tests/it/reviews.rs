//! 毕业审核 over HTTP on every app backend: the chief university's queue and detail page, scope,
//! rejection with a catalogue reason, approval, stale pages, concurrent reviewers, bulk decisions
//! and the JSON API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::{TestApp, spawn_app};
use domain::graduation::form::{FileSlot, ResumeEntry};
use store::demo::accounts;
use store::entity::{application_file, graduation_application};
use store::graduation::application::{self as apps, NewApplication, NewFile, Section};
use store::repo::{inbox, reference};
use store::testkit::app_backends;

const CANDIDATE: &str = accounts::CQ_ELIGIBLE_ASSOCIATE;
/// Another 专科 candidate of the same major and chief university.
const SECOND: &str = accounts::CQ_EXEMPTION_USED;

/// A small real JPEG, as an ID card picture would be.
fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| {
        image::Rgb([(x * 15) as u8, (y * 20) as u8, ((x ^ y) * 9) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

/// Opens, fills and submits an application of a demo candidate in the open Chongqing batch.
pub(crate) async fn submitted(app: &TestApp, admission_no: &str) -> graduation_application::Model {
    let db = &app.db.db;
    let now = app.state.now();
    let cand = app.candidate(admission_no).await;
    let batch = apps::batches_of_province(db, "chongqing")
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.opens_at <= now && now < b.closes_at)
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
        now,
        None,
    )
    .await
    .unwrap();
    let resume = vec![ResumeEntry {
        from: "2015-09".into(),
        to: "至今".into(),
        unit: "重庆某科技有限公司".into(),
        role: "技术员".into(),
    }];
    for section in [
        Section::Major(major),
        Section::Resume(resume),
        Section::SelfAppraisal(
            "我在自学考试期间认真学习"
                .chars()
                .cycle()
                .take(320)
                .collect(),
        ),
        Section::Statement(Some("本人已按要求上传全部材料".into())),
    ] {
        a = apps::save_section(db, &a, section, now, None)
            .await
            .unwrap();
    }
    for slot in [FileSlot::IdFront, FileSlot::IdBack, FileSlot::Signature] {
        let stored = app
            .state
            .objects
            .put(&format!("applications/{}", a.id), "jpg", jpeg())
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
                dimensions: Some((16, 12)),
                course_code: None,
            },
            now,
            None,
        )
        .await
        .unwrap();
        a = apps::get(db, a.id).await.unwrap();
    }
    apps::submit(db, &a, now, None).await.unwrap()
}

async fn reload(app: &TestApp, id: i64) -> graduation_application::Model {
    apps::get(&app.db.db, id).await.unwrap()
}

async fn files_of(app: &TestApp, id: i64) -> Vec<application_file::Model> {
    apps::files(&app.db.db, id).await.unwrap()
}

/// Posts the detail page's decision form.
async fn decide(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(client, "/staff").await;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    let r = client
        .post(app.url(&format!("/staff/reviews/{id}/decide")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn chief_university_sees_a_submitted_application_and_nobody_else_may_act() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        let cand = app.candidate(CANDIDATE).await;

        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, page) = app.get_text(&uni, "/staff/reviews").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("href=\"/staff/reviews\""), "menu entry");
        assert!(page.contains(CANDIDATE) && page.contains(&cand.name));
        assert!(page.contains(&format!("value=\"{}:0\"", a.id)), "{page}");
        assert!(
            page.contains(&util_mask(&cand.id_card_no)),
            "masked ID shown"
        );
        assert!(
            !page.contains(&cand.id_card_no),
            "{}: the full ID number never appears in the list",
            b.name()
        );
        assert!(page.contains("主考学校初审"));
        let (_, dashboard) = app.get_text(&uni, "/staff").await;
        assert!(dashboard.contains("id=\"reviews-pending\"><a href=\"/staff/reviews\">1 份"));

        // The detail page: registry data with the full ID, every section, every file.
        let (status, page) = app
            .get_text(&uni, &format!("/staff/reviews/{}", a.id))
            .await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(
            page.contains(&cand.id_card_no),
            "full ID beside the pictures"
        );
        for part in [
            "考籍信息",
            "毕业条件审查",
            "本人简历",
            "重庆某科技有限公司",
            "共 320 字",
            "本人已按要求上传全部材料",
            "身份证正面（人像面）",
            "身份证反面（国徽面）",
            "审核进度",
            "提交申请",
            "id=\"decision-form\"",
        ] {
            assert!(page.contains(part), "{}: {part}", b.name());
        }
        let files = files_of(&app, a.id).await;
        assert_eq!(files.len(), 3);
        for f in &files {
            assert!(page.contains(&format!("/staff/reviews/{}/files/{}", a.id, f.id)));
        }
        let r = uni
            .get(app.url(&format!("/staff/reviews/{}/files/{}", a.id, files[0].id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        assert_eq!(r.bytes().await.unwrap().to_vec(), jpeg());

        // A file of another application is not reachable through this one.
        let other = submitted(&app, SECOND).await;
        let foreign = files_of(&app, other.id).await[0].id;
        let (status, _) = app
            .get_text(&uni, &format!("/staff/reviews/{}/files/{foreign}", a.id))
            .await;
        assert_eq!(status, 404, "{}", b.name());

        // The office does not see it as waiting for it.
        let office = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (status, page) = app.get_text(&office, "/staff/reviews").await;
        assert_eq!(status, 200);
        assert!(
            !page.contains(CANDIDATE),
            "{}: not pending at the office",
            b.name()
        );
        let (_, page) = app
            .get_text(&office, &format!("/staff/reviews/{}", a.id))
            .await;
        assert!(
            !page.contains("id=\"decision-form\""),
            "no decision form at the office"
        );

        // Another university: the application does not exist for it.
        let cqu = app
            .with_user(User::Staff(accounts::STAFF_CQ_BACHELOR_UNIVERSITY))
            .await;
        let (status, page) = app
            .get_text(&cqu, &format!("/staff/reviews/{}", a.id))
            .await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(page.contains("未找到该毕业申请，或该申请不由本机构审核"));
        let (_, missing) = app.get_text(&cqu, "/staff/reviews/999999").await;
        assert_eq!(page, missing, "outside the remit looks like missing");
        let (status, _) = app
            .get_text(
                &cqu,
                &format!("/staff/reviews/{}/files/{}", a.id, files[0].id),
            )
            .await;
        assert_eq!(status, 404);
        let (status, _) =
            decide(&app, &cqu, a.id, &[("stage", "0"), ("decision", "approve")]).await;
        assert_eq!(status, 404, "{}", b.name());
        assert_eq!(reload(&app, a.id).await.status, "in_review");

        // A district agency reviews nothing and is told so.
        let district = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let (status, page) = app.get_text(&district, "/staff/reviews").await;
        assert_eq!(status, 200);
        assert!(
            page.contains("id=\"no-review-stage\"")
                && page.contains("主考学校初审 → 缴纳毕业审定费 → 市自考办审核")
        );
    }
}

fn util_mask(id: &str) -> String {
    web::util::mask_id(id)
}

#[tokio::test]
async fn rejection_with_a_catalogue_reason_reopens_the_application_for_the_candidate() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;

        // No reason at all: refused in words, nothing changes.
        let (status, page) =
            decide(&app, &uni, a.id, &[("stage", "0"), ("decision", "reject")]).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(
            page.contains("驳回时请选择常见驳回原因或填写补充说明（至少一项）"),
            "{page}"
        );
        assert_eq!(reload(&app, a.id).await.status, "in_review");

        let (status, _) = decide(
            &app,
            &uni,
            a.id,
            &[
                ("stage", "0"),
                ("decision", "reject"),
                ("reason_code", "id_front_unclear"),
                ("reason_text", "请在光线充足处重新拍摄。"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let reason = "身份证正面（人像面）图片不清晰或不完整；请在光线充足处重新拍摄。";
        let now = reload(&app, a.id).await;
        assert_eq!(now.status, "rejected");
        assert_eq!(now.rejection_reason.as_deref(), Some(reason));
        let cand = app.candidate(CANDIDATE).await;
        let inbox = inbox::list(&app.db.db, inbox::Recipient::Candidate(cand.id), 20)
            .await
            .unwrap();
        assert!(
            inbox.iter().any(|m| m.body.contains(reason)),
            "{}: the candidate is told why",
            b.name()
        );
        assert!(
            inbox.iter().all(|m| !m.body.contains("。。")),
            "{}: the reviewer's full stop is not doubled",
            b.name()
        );
        // Reopened: the candidate may edit and resubmit.
        let edited = apps::save_section(
            &app.db.db,
            &now,
            Section::Statement(Some("已重新拍摄身份证正面".into())),
            app.state.now(),
            None,
        )
        .await
        .unwrap();
        let again = apps::submit(&app.db.db, &edited, app.state.now(), None)
            .await
            .unwrap();
        assert_eq!(again.status, "in_review");
        let (_, page) = app
            .get_text(&uni, &format!("/staff/reviews/{}", a.id))
            .await;
        assert!(page.contains(reason), "the history keeps the reason");

        let (_, queue) = app.get_text(&uni, "/staff/reviews?status=decided").await;
        assert!(
            queue.contains(CANDIDATE),
            "{}: listed as decided by us",
            b.name()
        );
    }
}

#[tokio::test]
async fn approval_moves_on_to_payment_and_a_stale_page_changes_nothing() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, _) =
            decide(&app, &uni, a.id, &[("stage", "0"), ("decision", "approve")]).await;
        assert_eq!(status, 303, "{}", b.name());
        let approved = reload(&app, a.id).await;
        assert_eq!(
            (approved.status.as_str(), approved.stage),
            ("awaiting_payment", Some(1))
        );
        let events = apps::events(&app.db.db, a.id).await.unwrap().len();

        // The same page posted again names stage 0, which is done.
        let (status, page) =
            decide(&app, &uni, a.id, &[("stage", "0"), ("decision", "approve")]).await;
        assert_eq!(status, 409, "{}", b.name());
        assert!(
            page.contains("“主考学校初审”环节已处理过该申请，不能重复审核"),
            "{page}"
        );
        assert!(page.contains("本次操作未做任何更改"));
        assert!(
            !page.contains("id=\"decision-form\""),
            "no form once decided"
        );
        let (status, _) = decide(
            &app,
            &uni,
            a.id,
            &[
                ("stage", "0"),
                ("decision", "reject"),
                ("reason_code", "signature"),
            ],
        )
        .await;
        assert_eq!(status, 409);
        let after = reload(&app, a.id).await;
        assert_eq!(
            after.version,
            approved.version,
            "{}: nothing written",
            b.name()
        );
        assert_eq!(after.status, "awaiting_payment");
        assert_eq!(apps::events(&app.db.db, a.id).await.unwrap().len(), events);

        // Not pending anywhere until the fee is paid.
        let office = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (_, page) = app.get_text(&office, "/staff/reviews").await;
        assert!(!page.contains(CANDIDATE));
    }
}

#[tokio::test]
async fn two_reviewers_acting_at_once_leave_one_result() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        let first = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let second = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let ((s1, _), (s2, _)) = tokio::join!(
            decide(
                &app,
                &first,
                a.id,
                &[("stage", "0"), ("decision", "approve")]
            ),
            decide(
                &app,
                &second,
                a.id,
                &[
                    ("stage", "0"),
                    ("decision", "reject"),
                    ("reason_text", "签名不清晰")
                ]
            ),
        );
        let mut statuses = [s1, s2];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "{}", b.name());
        let now = reload(&app, a.id).await;
        let decided: Vec<_> = apps::events(&app.db.db, a.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "approved" || e.action == "rejected")
            .collect();
        assert_eq!(decided.len(), 1, "{}", b.name());
        if decided[0].action == "approved" {
            assert_eq!(
                (now.status.as_str(), now.rejection_reason),
                ("awaiting_payment", None)
            );
        } else {
            assert_eq!(now.status, "rejected");
            assert_eq!(now.rejection_reason.as_deref(), Some("签名不清晰"));
        }
    }
}

#[tokio::test]
async fn bulk_approval_decides_each_application_on_its_own() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a1 = submitted(&app, CANDIDATE).await;
        let a2 = submitted(&app, SECOND).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let token = app.csrf(&uni, "/staff/reviews").await;
        let picks = [format!("{}:0", a1.id), format!("{}:0", a2.id)];
        let bulk = |decision: &'static str, reason: &'static str| {
            let mut form = vec![
                ("csrf_token", token.clone()),
                ("decision", decision.to_owned()),
                ("reason_text", reason.to_owned()),
                ("status", "pending".to_owned()),
            ];
            for p in &picks {
                form.push(("pick", p.clone()));
            }
            uni.post(app.url("/staff/reviews/bulk")).form(&form).send()
        };

        let r = bulk("reject", "").await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{}", b.name());
        assert!(r.text().await.unwrap().contains("至少一项"));
        assert_eq!(reload(&app, a1.id).await.status, "in_review");

        let r = bulk("approve", "").await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", b.name());
        let page = r.text().await.unwrap();
        assert!(
            page.contains("批量通过：成功 <strong id=\"bulk-succeeded\">2</strong> 份"),
            "{page}"
        );
        for id in [a1.id, a2.id] {
            assert_eq!(
                reload(&app, id).await.status,
                "awaiting_payment",
                "{}",
                b.name()
            );
        }

        // The same ticks again: each one reported, none changed.
        let page = bulk("approve", "").await.unwrap().text().await.unwrap();
        assert!(
            page.contains("成功 <strong id=\"bulk-succeeded\">0</strong> 份，未成功 2 份"),
            "{page}"
        );
        assert_eq!(page.matches("不能重复审核").count(), 2, "{page}");
        assert!(page.contains(CANDIDATE) && page.contains(SECOND));
    }
}

#[tokio::test]
async fn wrong_major_request_is_flagged_and_preselects_the_reason() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        apps::request_wrong_major_rejection(&app.db.db, &a, app.state.now(), None)
            .await
            .unwrap();
        let cand = app.candidate(CANDIDATE).await;
        let messages = inbox::list(&app.db.db, inbox::Recipient::Candidate(cand.id), 20)
            .await
            .unwrap();
        let when = domain::calendar::beijing_minute(app.state.now());
        assert!(
            messages.iter().any(|m| m.title == "已请求主考学校驳回"
                && m.body
                    .contains(&format!("你于 {when}（北京时间）以“专业选择有误”"))),
            "{}: the request is confirmed in the inbox",
            b.name()
        );
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (_, queue) = app.get_text(&uni, "/staff/reviews").await;
        assert!(queue.contains("考生申请驳回（专业误选）"), "{}", b.name());
        let (_, page) = app
            .get_text(&uni, &format!("/staff/reviews/{}", a.id))
            .await;
        assert!(page.contains(
            "<option value=\"wrong_major\" selected>考生申请驳回：专业选择有误</option>"
        ));
        let (status, _) = decide(
            &app,
            &uni,
            a.id,
            &[
                ("stage", "0"),
                ("decision", "reject"),
                ("reason_code", "wrong_major"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(
            reload(&app, a.id).await.rejection_reason.as_deref(),
            Some("考生申请驳回：专业选择有误")
        );
    }
}

#[tokio::test]
async fn the_api_lists_the_same_queue_and_decides_through_the_same_rules() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        let cand = app.candidate(CANDIDATE).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let list: serde_json::Value = uni
            .get(app.url("/api/v1/reviews?status=pending"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1, "{}: {list}", b.name());
        assert_eq!(list["items"][0]["id"], a.id);
        assert_eq!(list["items"][0]["stage"], 0);
        assert_eq!(list["items"][0]["id_card_no"], util_mask(&cand.id_card_no));

        let me: serde_json::Value = uni
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf_token"].as_str().unwrap().to_owned();
        let url = app.url(&format!("/api/v1/reviews/{}/decision", a.id));
        let r = uni
            .post(&url)
            .json(&serde_json::json!({"stage": 0, "decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}: no token", b.name());
        let r = uni
            .post(&url)
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"stage": 0, "decision": "reject", "reason": " "}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("至少一项"),
            "{body}"
        );

        let r = uni
            .post(&url)
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"stage": 0, "decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", b.name());
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], "awaiting_payment");
        let r = uni
            .post(&url)
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"stage": 0, "decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 409, "{}: stale stage", b.name());

        let cqu = app
            .with_user(User::Staff(accounts::STAFF_CQ_BACHELOR_UNIVERSITY))
            .await;
        let r = cqu.get(app.url("/api/v1/reviews")).send().await.unwrap();
        let list: serde_json::Value = r.json().await.unwrap();
        assert_eq!(list["total"], 0);
        let student = app.with_user(User::Candidate(CANDIDATE)).await;
        let r = student
            .get(app.url("/api/v1/reviews"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "candidates have no queue");
        let spec: serde_json::Value = app
            .client()
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(spec["paths"]["/api/v1/reviews"]["get"].is_object());
        assert!(spec["paths"]["/api/v1/reviews/{id}/decision"]["post"].is_object());
    }
}

/// The bulk decision through the API: each application on its own, refusals per application,
/// nothing picked or a rejection without a reason refused as a whole.
#[tokio::test]
async fn the_api_decides_in_bulk_each_application_on_its_own() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a1 = submitted(&app, CANDIDATE).await;
        let a2 = submitted(&app, SECOND).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let me: serde_json::Value = uni
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf_token"].as_str().unwrap().to_owned();
        let bulk = |body: serde_json::Value| {
            let r = uni
                .post(app.url("/api/v1/reviews/bulk-decision"))
                .header("x-csrf-token", token.clone())
                .json(&body);
            async move {
                let r = r.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<serde_json::Value>().await.unwrap())
            }
        };
        let items = serde_json::json!([{"id": a1.id, "stage": 0}, {"id": a2.id, "stage": 0}]);
        let (status, body) = bulk(serde_json::json!({"items": [], "decision": "approve"})).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        let (status, body) = bulk(serde_json::json!({"items": items, "decision": "reject"})).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["reason"].is_string(), "{body}");
        assert_eq!(reload(&app, a1.id).await.status, "in_review");

        let (status, body) = bulk(serde_json::json!({"items": items, "decision": "approve"})).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["succeeded"], 2, "{body}");
        for id in [a1.id, a2.id] {
            assert_eq!(
                reload(&app, id).await.status,
                "awaiting_payment",
                "{}",
                b.name()
            );
        }
        // Again: each refused on its own, none changed; an unknown id is reported, not a 404.
        let again =
            serde_json::json!([{"id": a1.id, "stage": 0}, {"id": a2.id + 100_000, "stage": 0}]);
        let (status, body) = bulk(serde_json::json!({"items": again, "decision": "approve"})).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["succeeded"], 0, "{body}");
        let failures = body["failures"].as_array().unwrap();
        assert_eq!(failures.len(), 2, "{body}");
        assert!(
            failures[0]["message"]
                .as_str()
                .unwrap()
                .contains("不能重复审核"),
            "{body}"
        );
    }
}

/// Replaces the roles of a demo staff account.
async fn set_roles(app: &TestApp, username: &str, grants: Vec<domain::Grant>) {
    let s = store::repo::staff::by_username(&app.db.db, username)
        .await
        .unwrap()
        .unwrap();
    store::repo::staff::set_roles(&app.db.db, s.id, &domain::Roles::new(grants))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reviewer_of_another_stage_or_a_read_only_account_looks_but_may_not_decide() {
    use domain::{Grant, StaffRole};
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, CANDIDATE).await;
        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let approve = [("stage", "0"), ("decision", "approve")];

        // A reviewer for the office's stage only: sees the application, is told it is not theirs,
        // and a decision at 主考学校初审 is refused with the stage named.
        set_roles(
            &app,
            accounts::STAFF_CQ_UNIVERSITY,
            vec![Grant::reviewer_at("市自考办审核")],
        )
        .await;
        let (status, page) = app
            .get_text(&uni, &format!("/staff/reviews/{}", a.id))
            .await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("id=\"not-my-stage\"") && !page.contains("id=\"decision-form\""));
        let (status, page) = decide(&app, &uni, a.id, &approve).await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(
            page.contains("您的账号没有“主考学校初审”环节的审核权限"),
            "{page}"
        );
        assert_eq!(reload(&app, a.id).await.status, "in_review");

        // 只读: the queue and the page, no decision, single or bulk.
        set_roles(
            &app,
            accounts::STAFF_CQ_UNIVERSITY,
            vec![Grant::of(StaffRole::ReadOnly)],
        )
        .await;
        assert_eq!(app.get_text(&uni, "/staff/reviews").await.0, 200);
        let (status, page) = decide(&app, &uni, a.id, &approve).await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(page.contains("只读"), "the roles held are named: {page}");
        let token = app.csrf(&uni, "/staff").await;
        let pick = format!("{}:0", a.id);
        let r = uni
            .post(app.url("/staff/reviews/bulk"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("pick", pick.as_str()),
                ("decision", "approve"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}", b.name());
        let token = common::api_token(&app, &uni).await;
        let (status, body) = common::api_send(
            uni.post(app.url(&format!("/api/v1/reviews/{}/decision", a.id)))
                .json(&serde_json::json!({"stage": 0, "decision": "approve"})),
            &token,
        )
        .await;
        assert_eq!(status, 403, "{}: {body}", b.name());
        assert_eq!(reload(&app, a.id).await.status, "in_review");

        // 数据导入 alone: imports, but no queue; the menu offers only what opens.
        set_roles(
            &app,
            accounts::STAFF_CQ_UNIVERSITY,
            vec![Grant::of(StaffRole::Importer)],
        )
        .await;
        let (status, page) = app.get_text(&uni, "/staff/reviews").await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(
            page.contains("查看审核列表需要“审核员”或“只读”角色"),
            "{page}"
        );
        let (status, page) = app.get_text(&uni, "/staff/imports").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(
            !page.contains("href=\"/staff/reviews\""),
            "no queue in the menu"
        );

        // The reviewer of this stage decides.
        set_roles(
            &app,
            accounts::STAFF_CQ_UNIVERSITY,
            vec![Grant::reviewer_at("主考学校初审")],
        )
        .await;
        assert_eq!(app.get_text(&uni, "/staff/imports").await.0, 403);
        let (status, page) = decide(&app, &uni, a.id, &approve).await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        assert_ne!(reload(&app, a.id).await.status, "in_review");
    }
}

//! 免考 over HTTP: an offline exemption imported by the office on 数据导入 is pending before the
//! candidate applies, its 免考课程登记表 is asked for in the application, submitting without it is
//! refused naming the course, and the uploaded scan documents the exemption.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::io::Cursor;

use common::{TestApp, spawn_app};
use domain::CourseKind;
use domain::graduation::form::FileSlot;
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::accounts;
use store::entity::{exemption, score_record};
use store::graduation::application::{self as apps, NewFile, Section};
use store::testkit::app_backends;

fn scan() -> Vec<u8> {
    let img = image::RgbImage::from_fn(60, 40, |x, y| {
        image::Rgb([(150 + x) as u8, (190 + y) as u8, 235])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

async fn import(app: &TestApp, admin: &reqwest::Client, csv: String) -> (u16, String) {
    let token = app.csrf(admin, "/staff/imports").await;
    let form = Form::new()
        .text("csrf_token", token)
        .text("kind", "exemptions")
        .part("file", Part::bytes(csv.into_bytes()).file_name("免考.csv"));
    let r = admin
        .post(app.url("/staff/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn apply(app: &TestApp, c: &reqwest::Client) -> (u16, String) {
    let (_, page) = app.get_text(c, "/candidate/graduation").await;
    let major = common::attr_after(&page, "name=\"major_id\" value=\"");
    let batch = common::attr_after(&page, "<option value=\"");
    let token = common::csrf_in(&page).unwrap();
    let r = c
        .post(app.url("/candidate/application/open"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("major_id", &major),
            ("batch_id", &batch),
            ("acknowledged", "1"),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn submit(app: &TestApp, c: &reqwest::Client) -> (u16, String) {
    let token = app.csrf(c, "/candidate/application").await;
    let r = c
        .post(app.url("/candidate/application/submit"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_imported_offline_exemption_is_pending_until_its_form_is_uploaded_with_the_application()
{
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let no = accounts::YN_ELIGIBLE_ASSOCIATE;
        let cand = app.candidate(no).await;
        let db = &app.db.db;
        // A theory course of the plan the candidate has not passed: their results for it removed.
        let enrolled = store::repo::reference::enrolled_majors(db, cand.id)
            .await
            .unwrap();
        let plan = store::graduation::plan_of(db, &enrolled[0].major)
            .await
            .unwrap();
        let existing: Vec<String> = store::repo::reference::exemptions_of(db, cand.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.course_code)
            .collect();
        let course = plan
            .courses
            .iter()
            .find(|c| c.kind == CourseKind::Theory && !existing.contains(&c.code))
            .unwrap()
            .clone();
        score_record::Entity::delete_many()
            .filter(score_record::Column::CandidateId.eq(cand.id))
            .filter(score_record::Column::CourseCode.eq(course.code.as_str()))
            .exec(db)
            .await
            .unwrap();

        let admin = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_ADMIN))
            .await;
        let (status, page) = import(
            &app,
            &admin,
            format!(
                "准考证号,课程代码,免考依据,办理日期\n{no},{},国家开放大学专科毕业证书,2024-03-01\n",
                course.code
            ),
        )
        .await;
        assert!(status < 400, "{}: {status} {page}", b.name());
        assert!(page.contains("导入成功"), "{}: {page}", b.name());

        // Before applying: a and d wait for the form, and do not stop the application.
        let c = app.with_user(User::Candidate(no)).await;
        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        assert!(
            page.contains(domain::graduation::EXEMPTION_FORM_PENDING),
            "{}: {page}",
            b.name()
        );
        assert!(page.contains(&course.code), "{}", b.name());
        assert!(page.contains("id=\"apply\""), "{}: {page}", b.name());
        let (status, body) = apply(&app, &c).await;
        assert_eq!(status, 303, "{}: {body}", b.name());

        // Everything else of the form on file, as the other Yunnan tests fill it.
        let now = chrono::Utc::now();
        let mut a = apps::of_candidate(db, cand.id).await.unwrap().remove(0);
        let major = store::repo::reference::major(db, a.major_id).await.unwrap();
        a = apps::save_section(db, &a, Section::Major(major), now, None)
            .await
            .unwrap();
        a = apps::save_section(db, &a, Section::IdValidity("长期".into()), now, None)
            .await
            .unwrap();
        for slot in [
            FileSlot::IdFront,
            FileSlot::IdBack,
            FileSlot::Commitment,
            FileSlot::CertificatePhoto,
            FileSlot::PracticalNotice,
        ] {
            let stored = app.state.objects.put("test", "jpg", scan()).await.unwrap();
            apps::attach_file(
                db,
                &a,
                NewFile {
                    slot,
                    stored,
                    original_name: "scan.jpg",
                    content_type: "image/jpeg",
                    dimensions: Some((60, 40)),
                    course_code: None,
                },
                now,
                None,
            )
            .await
            .unwrap();
            a = apps::get(db, a.id).await.unwrap();
        }

        // The form names the slot; submitting without the scan is refused naming the course.
        let (_, form) = app.get_text(&c, "/candidate/application").await;
        assert!(form.contains("value=\"exemption_form\""), "{}", b.name());
        let slot = format!("免考课程登记表（{} {}）", course.code, course.name);
        assert!(form.contains(&slot), "{}: {form}", b.name());
        let (status, body) = submit(&app, &c).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        let named = format!("《免考课程登记表》（{} {}）", course.code, course.name);
        assert!(body.contains(&named), "{}: {body}", b.name());
        let still = apps::get(db, a.id).await.unwrap();
        assert_eq!(still.status, a.status, "{}", b.name());

        // The scan uploaded in the form is filed on the exemption; then submitting succeeds.
        let token = app.csrf(&c, "/candidate/application").await;
        let upload = Form::new()
            .text("csrf_token", token)
            .text("slot", "exemption_form")
            .text("course_code", course.code.clone())
            .part(
                "file",
                Part::bytes(scan())
                    .file_name("登记表.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        let r = c
            .post(app.url("/candidate/application/files"))
            .multipart(upload)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            303,
            "{}: {}",
            b.name(),
            r.text().await.unwrap()
        );
        let e = exemption::Entity::find()
            .filter(exemption::Column::CandidateId.eq(cand.id))
            .filter(exemption::Column::CourseCode.eq(course.code.as_str()))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(e.form_file_key.is_some(), "{}", b.name());
        let (status, body) = submit(&app, &c).await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        let submitted = apps::get(db, a.id).await.unwrap();
        assert_ne!(submitted.status, a.status, "{}", b.name());
        // Documented now: the self-check counts the course.
        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        assert!(
            !page.contains(domain::graduation::EXEMPTION_FORM_PENDING),
            "{}",
            b.name()
        );
    }
}

async fn apply_online(
    app: &TestApp,
    c: &reqwest::Client,
    course: &str,
    basis: &str,
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/exemptions").await;
    let form = Form::new()
        .text("csrf_token", token)
        .text("course_code", course.to_owned())
        .text("basis", basis.to_owned())
        .part(
            "file",
            Part::bytes(scan())
                .file_name("毕业证书.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = c
        .post(app.url("/candidate/exemptions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn decide(
    app: &TestApp,
    staff: &reqwest::Client,
    id: i64,
    decision: &str,
    reason: &str,
) -> (u16, String) {
    let token = app.csrf(staff, "/staff/exemptions").await;
    let r = staff
        .post(app.url(&format!("/staff/exemptions/{id}/decide")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("decision", decision),
            ("reason", reason),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn an_online_exemption_is_decided_by_the_candidates_district_and_counts_once_approved() {
    use store::exemptions::applications as ex;
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let no = accounts::YN_BACKFILL_NEEDED;
        let course = accounts::YN_BACKFILL_COURSE;
        let cand = app.candidate(no).await;
        let handler = ex::handler_of(db, &cand).await.unwrap();
        let district = app.org_of(accounts::STAFF_YN_PREFECTURE).await;
        assert_eq!(handler.id, district.id, "{}", b.name());

        let c = app.with_user(User::Candidate(no)).await;
        let (_, page) = app.get_text(&c, "/candidate/exemptions").await;
        assert!(
            page.contains(&format!("<option value=\"{course}\"")),
            "{}: {page}",
            b.name()
        );
        // Bad input comes back with the reason and what was typed.
        let (status, page) = apply_online(&app, &c, course, "  ").await;
        assert_eq!(status, 422, "{}: {page}", b.name());
        assert!(page.contains("免考依据不能为空"), "{}: {page}", b.name());
        assert!(
            page.contains(&format!("<option value=\"{course}\" selected")),
            "{}: {page}",
            b.name()
        );
        let (status, page) = apply_online(&app, &c, course, "国家开放大学专科毕业证书").await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let first = ex::of_candidate(db, cand.id).await.unwrap().remove(0);
        assert_eq!(first.status, ex::PENDING);

        // A reviewer of another district does not see it.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let (status, _) = app
            .get_text(&other, &format!("/staff/exemptions/{}", first.id))
            .await;
        assert_eq!(status, 404, "{}", b.name());
        let (status, _) = decide(&app, &other, first.id, "approve", "").await;
        assert_eq!(status, 404, "{}", b.name());
        assert_eq!(
            ex::of_candidate(db, cand.id).await.unwrap()[0].status,
            ex::PENDING
        );

        // The district's reviewer: 不通过 needs a reason.
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_YN_PREFECTURE))
            .await;
        let (_, queue) = app.get_text(&reviewer, "/staff/exemptions").await;
        assert!(queue.contains(no), "{}: {queue}", b.name());
        let (status, page) = decide(&app, &reviewer, first.id, "reject", " ").await;
        assert_eq!(status, 422, "{}: {page}", b.name());
        assert!(page.contains("不通过时须填写原因"), "{}: {page}", b.name());
        assert_eq!(
            ex::of_candidate(db, cand.id).await.unwrap()[0].status,
            ex::PENDING
        );
        let (status, page) =
            decide(&app, &reviewer, first.id, "reject", "证书扫描件不清晰。").await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let (_, page) = app.get_text(&c, "/candidate/exemptions").await;
        assert!(page.contains("未通过"), "{}", b.name());
        assert!(page.contains("证书扫描件不清晰"), "{}", b.name());
        let (_, inbox) = app.get_text(&c, "/candidate/inbox").await;
        assert!(
            inbox.contains(&format!("免考申请已提交（{course}）")),
            "{}: filing reaches the inbox: {inbox}",
            b.name()
        );
        assert!(
            inbox.contains(&format!("免考申请未通过（{course}）"))
                && inbox.contains("原因：证书扫描件不清晰。可按原因"),
            "{}: the decision and its reason, one full stop: {inbox}",
            b.name()
        );

        // Applied again and approved: an online exemption that condition a counts.
        let (status, page) = apply_online(&app, &c, course, "国家开放大学专科毕业证书").await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let second = ex::of_candidate(db, cand.id).await.unwrap().remove(0);
        assert_ne!(second.id, first.id);
        let (status, page) = decide(&app, &reviewer, second.id, "approve", "").await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let (_, inbox) = app.get_text(&c, "/candidate/inbox").await;
        assert!(
            inbox.contains(&format!("免考申请已通过（{course}）")),
            "{}: {inbox}",
            b.name()
        );
        let e = exemption::Entity::find()
            .filter(exemption::Column::CandidateId.eq(cand.id))
            .filter(exemption::Column::CourseCode.eq(course))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.mode, domain::ExemptionMode::Online.code());
        assert_eq!(
            e.approved_on,
            domain::calendar::beijing_date(app.state.now())
        );
        let enrolled = store::repo::reference::enrolled_majors(db, cand.id)
            .await
            .unwrap();
        let plan = store::graduation::plan_of(db, &enrolled[0].major)
            .await
            .unwrap();
        let (scores, exemptions) = store::graduation::records_of(db, &cand).await.unwrap();
        let facts = domain::graduation::Facts {
            scores: &scores,
            exemptions: &exemptions,
            moral: Ok(()),
            prior_education: domain::graduation::PriorEducation::NotChecked,
            legally_blocked: false,
        };
        let audit = domain::graduation::audit(&plan, &facts, &[]);
        let a = audit
            .condition(domain::graduation::ConditionKey::AllCourses)
            .unwrap();
        assert!(
            !a.missing.iter().any(|m| m.starts_with(course)),
            "{}: {a:?}",
            b.name()
        );
        let d = audit
            .condition(domain::graduation::ConditionKey::Compliance)
            .unwrap();
        assert!(d.passed, "{}: {d:?}", b.name());
        // The course is no longer offered.
        let (_, page) = app.get_text(&c, "/candidate/exemptions").await;
        assert!(
            !page.contains(&format!("<option value=\"{course}\"")),
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn the_api_files_pages_and_decides_exemption_applications_like_the_pages() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let no = accounts::YN_BACKFILL_NEEDED;
        let course = accounts::YN_BACKFILL_COURSE;
        let c = app.with_user(User::Candidate(no)).await;
        let token = crate::common::api_token(&app, &c).await;
        let upload = |basis: &str| {
            Form::new()
                .text("course_code", course.to_owned())
                .text("basis", basis.to_owned())
                .part(
                    "file",
                    Part::bytes(scan())
                        .file_name("毕业证书.jpg")
                        .mime_str("image/jpeg")
                        .unwrap(),
                )
        };
        // A blank ground is refused with the page's message, and nothing is filed.
        let (status, body) = crate::common::api_send(
            c.post(app.url("/api/v1/exemptions")).multipart(upload(" ")),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body.to_string().contains("免考依据不能为空"), "{body}");
        // Without the token nothing is filed either.
        let r = c
            .post(app.url("/api/v1/exemptions"))
            .multipart(upload("国家开放大学专科毕业证书"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let (status, listed) =
            crate::common::api_send(c.get(app.url("/api/v1/exemptions")), &token).await;
        assert_eq!(status, 200);
        assert_eq!(listed.as_array().unwrap().len(), 0, "{}", b.name());

        let (status, filed) = crate::common::api_send(
            c.post(app.url("/api/v1/exemptions"))
                .multipart(upload("国家开放大学专科毕业证书")),
            &token,
        )
        .await;
        assert_eq!(status, 201, "{}: {filed}", b.name());
        assert_eq!(filed["status"], "pending");
        let id = filed["id"].as_i64().unwrap();

        // The agency's queue lists it with the ID number masked; the decision needs a reason
        // to refuse, and a second decision changes nothing.
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_YN_PREFECTURE))
            .await;
        let staff_token = crate::common::api_token(&app, &reviewer).await;
        let (status, queue) = crate::common::api_send(
            reviewer.get(app.url("/api/v1/exemptions/queue")),
            &staff_token,
        )
        .await;
        assert_eq!(status, 200, "{}: {queue}", b.name());
        let item = queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap();
        assert_eq!(item["admission_no"], no);
        assert!(item["id_card_masked"].as_str().unwrap().contains('*'));
        let (status, bad) = crate::common::api_send(
            reviewer.get(app.url("/api/v1/exemptions/queue?after=x")),
            &staff_token,
        )
        .await;
        assert_eq!(status, 422, "{bad}");
        let decision = app.url(&format!("/api/v1/exemptions/{id}/decision"));
        let (status, body) = crate::common::api_send(
            reviewer
                .post(&decision)
                .json(&serde_json::json!({"decision": "reject", "reason": " "})),
            &staff_token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("不通过时须填写原因"));
        let (status, body) = crate::common::api_send(
            reviewer
                .post(&decision)
                .json(&serde_json::json!({"decision": "approve"})),
            &staff_token,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "approved");
        let (status, _) = crate::common::api_send(
            reviewer
                .post(&decision)
                .json(&serde_json::json!({"decision": "approve"})),
            &staff_token,
        )
        .await;
        assert_eq!(status, 409, "{}: decided once", b.name());

        // Another district's reviewer does not reach it; a candidate has no queue.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let other_token = crate::common::api_token(&app, &other).await;
        let (status, _) = crate::common::api_send(
            other
                .post(&decision)
                .json(&serde_json::json!({"decision": "approve"})),
            &other_token,
        )
        .await;
        assert_eq!(status, 404);
        let (status, _) =
            crate::common::api_send(c.get(app.url("/api/v1/exemptions/queue")), &token).await;
        assert_eq!(status, 403);
        let (_, listed) =
            crate::common::api_send(c.get(app.url("/api/v1/exemptions")), &token).await;
        assert_eq!(listed[0]["status"], "approved", "{}", b.name());
    }
}

//! 陈述申辩 / 复核 over HTTP: the student sees until when a 不授予 may be appealed (Beijing time),
//! files a statement with a file through the form (refused empty or too long, naming the limit
//! and the excess; refused a second time with why; refused after the period, naming it, and
//! accepted in its last second); the school's reviewer decides from the list with a required
//! reason, and 撤销 reopens the award; the history and both 收件箱 show it. Another student and
//! another school see nothing. The 学位外语 不合格 runs the same way through the JSON API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{self, TestApp, User, spawn_app};
use chrono::{DateTime, Utc};
use domain::degree::DegreeAward;
use reqwest::multipart::{Form, Part};
use sea_orm::{ActiveModelTrait, Set};
use store::demo::accounts;
use store::graduation::application::Decision;
use store::repo::inbox::{self, Recipient};
use store::testkit::app_backends;

const STATEMENT: &str = "论文答辩记录显示答辩已通过，不授予学位的依据与事实不符，请求复核。";

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// The picture a student files with a statement, as [`file_form`] takes it.
const PICTURE: (&str, &[u8], &str) = ("答辩记录.png", PNG, "image/png");

/// A degree application of `student_no`, approved and recorded 不授予 now (app clock).
async fn not_awarded(app: &TestApp, student_no: &str) -> store::entity::degree_application::Model {
    let a = crate::degree::submitted(app, student_no).await;
    store::degree::application::review(
        &app.db.db,
        &a,
        1,
        &Decision::Approve,
        app.state.now(),
        None,
    )
    .await
    .unwrap();
    store::degree::application::record_award(
        &app.db.db,
        a.batch_id,
        &[a.id],
        DegreeAward::NotAwarded,
        1,
        app.state.now(),
        None,
    )
    .await
    .unwrap();
    store::degree::application::get(&app.db.db, a.id)
        .await
        .unwrap()
}

/// Posts the filing form; `statement` and files as given.
async fn file_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    statement: &str,
    files: Vec<(&str, &[u8], &str)>,
) -> (u16, String) {
    let token = app.csrf(c, path).await;
    let mut form = Form::new()
        .text("csrf_token", token)
        .text("statement", statement.to_owned());
    for (name, bytes, mime) in files {
        form = form.part(
            "files",
            Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        );
    }
    let r = c.post(app.url(path)).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, page).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Decides appeal `id` on its page as `c`: (status, body).
async fn decide_on_page(
    app: &TestApp,
    c: &reqwest::Client,
    id: i64,
    outcome: &str,
    reason: &str,
) -> (u16, String) {
    let detail = format!("/staff/appeals/{id}");
    let fields = [("outcome", outcome), ("reason", reason)];
    post_form(app, c, &detail, &format!("{detail}/decision"), &fields).await
}

async fn titles(app: &TestApp, to: Recipient) -> Vec<String> {
    inbox::list(&app.db.db, to, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect()
}

#[tokio::test]
async fn a_refused_degree_is_appealed_and_the_revoked_refusal_reopens_the_award() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = not_awarded(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let t = store::appeal::degree_target(&app.db.db, &a)
            .await
            .unwrap()
            .unwrap();
        let deadline = t.period().deadline_label();
        let path = format!("/student/appeals/degree/{}", a.id);

        // The degree page says until when, in Beijing time, and links the form.
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(
            page.contains("id=\"degree-appeal\""),
            "{}: {page}",
            b.name()
        );
        assert!(page.contains(&deadline), "{deadline} on the page");
        assert!(deadline.ends_with("23:59:59（北京时间）"), "{deadline}");
        assert!(page.contains(&format!("href=\"{path}\"")));
        let (status, form) = app.get_text(&owner, &path).await;
        assert_eq!(status, 200, "{form}");
        for needle in [
            "name=\"csrf_token\"",
            "<label for=\"statement\">",
            "<label for=\"files\">",
            "id=\"statement\"",
            "id=\"files\"",
        ] {
            assert!(form.contains(needle), "{needle} on the form");
        }

        // Another student sees nothing and cannot file.
        let stranger = app
            .with_user(User::Student(accounts::STUDENT_AT_THRESHOLD))
            .await;
        let (status, _) = app.get_text(&stranger, &path).await;
        assert_eq!(status, 404, "{}", b.name());
        let token = app.csrf(&stranger, "/student/degree").await;
        let r = stranger
            .post(app.url(&path))
            .multipart(
                Form::new()
                    .text("csrf_token", token)
                    .text("statement", STATEMENT),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404);

        // The statement: required, and at most 2000 characters, the excess named.
        let (status, page) = file_form(&app, &owner, &path, "   ", vec![]).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("id=\"statement-error\"") && page.contains("请填写申辩陈述"));
        let long = "申".repeat(2001);
        let (status, page) = file_form(&app, &owner, &path, &long, vec![]).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("申辩陈述最多2000字，实际为2001字，多了1字"),
            "{page}"
        );
        assert!(page.contains(&long), "the statement is kept as typed");
        // A file the rules refuse names itself and the rule.
        let (status, page) = file_form(
            &app,
            &owner,
            &path,
            STATEMENT,
            vec![("记录.exe", b"MZ\x90\x00", "application/octet-stream")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("“记录.exe”：申辩材料只接收"), "{page}");
        assert!(
            store::appeal::of_subject(&app.db.db, t.kind, a.id)
                .await
                .unwrap()
                .is_empty()
        );

        // Filed with a picture.
        let (status, _) = file_form(&app, &owner, &path, STATEMENT, vec![PICTURE]).await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&owner, &format!("{path}?done=filed")).await;
        assert!(page.contains("id=\"appeal-done\"") && page.contains("待处理"));
        assert!(page.contains("答辩记录.png") && page.contains(STATEMENT));
        let filed = store::appeal::of_subject(&app.db.db, t.kind, a.id)
            .await
            .unwrap()
            .remove(0);
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(page.contains("id=\"degree-appeal-filed\""), "{}", b.name());
        assert!(page.contains("提出申辩（申辩编号"), "in the history");

        // A second filing against the same decision says why.
        let (status, page) = file_form(&app, &owner, &path, STATEMENT, vec![]).await;
        assert_eq!(status, 409, "{}", b.name());
        assert!(page.contains("每项决定只能申辩一次"), "{page}");

        // Both sides are told.
        assert!(
            titles(&app, Recipient::Student(a.student_id))
                .await
                .contains(&"申辩已提交：学位授予结果“不授予”".to_owned())
        );
        let reviewer =
            store::repo::staff::by_username(&app.db.db, accounts::STAFF_CE_SCHOOL_REVIEWER)
                .await
                .unwrap()
                .unwrap();
        assert!(
            titles(&app, Recipient::Staff(reviewer.id))
                .await
                .iter()
                .any(|t| t.starts_with("新的申辩待处理")),
            "{}",
            b.name()
        );

        // Staff of another organisation: 404 for the appeal, its file and the decision.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let detail = format!("/staff/appeals/{}", filed.id);
        let (status, _) = app.get_text(&other, &detail).await;
        assert_eq!(status, 404, "{}", b.name());
        let (status, _) = post_form(
            &app,
            &other,
            "/staff/appeals",
            &format!("{detail}/decision"),
            &[("outcome", "revoked"), ("reason", "越权")],
        )
        .await;
        assert_eq!(status, 404);
        let (_, list) = app.get_text(&other, "/staff/appeals").await;
        assert!(!list.contains(&format!("data-appeal=\"{}\"", filed.id)));

        // The school: the list, the detail with statement and file, the outcome form.
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let (status, list) = app.get_text(&school, "/staff/appeals").await;
        assert_eq!(status, 200);
        assert!(
            list.contains(&format!("data-appeal=\"{}\"", filed.id)),
            "{list}"
        );
        let (_, page) = app.get_text(&school, &detail).await;
        assert!(page.contains(STATEMENT) && page.contains("答辩记录.png"));
        for needle in [
            "<legend>* 处理结果</legend>",
            "<label for=\"reason\">",
            "for=\"outcome-upheld\"",
            "for=\"outcome-revoked\"",
        ] {
            assert!(page.contains(needle), "{needle}");
        }
        let (status, page) = decide_on_page(&app, &school, filed.id, "revoked", " ").await;
        assert_eq!(status, 422);
        assert!(page.contains("请填写处理理由"), "{page}");
        let reason = "答辩记录核实无误，原决定依据不足";
        let (status, page) = decide_on_page(&app, &school, filed.id, "revoked", reason).await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let (_, page) = app
            .get_text(&school, &format!("{detail}?done=decided"))
            .await;
        assert!(page.contains("撤销原决定") && !page.contains("id=\"appeal-decide\""));

        // The student: the outcome in the history and the 收件箱, the result cleared.
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(page.contains("申辩处理结果：撤销原决定"), "{page}");
        assert!(page.contains("答辩记录核实无误，原决定依据不足"));
        assert!(
            titles(&app, Recipient::Student(a.student_id))
                .await
                .contains(&"申辩处理结果：撤销原决定".to_owned())
        );
        let reopened = store::degree::application::get(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(reopened.award, None, "{}", b.name());
        // The staff degree page shows the appeal with its outcome.
        let (_, page) = app
            .get_text(&school, &format!("/staff/degree/{}", a.id))
            .await;
        assert!(page.contains("id=\"appeal-history\"") && page.contains("撤销原决定"));

        // The award stage decides again.
        let (status, _) = crate::degree::award_on_page(&app, &school, &a).await;
        assert_eq!(status, 303);
        assert_eq!(
            store::degree::application::get(&app.db.db, a.id)
                .await
                .unwrap()
                .award
                .as_deref(),
            Some("awarded")
        );
    }
}

/// Moves the app clock so that it reads `target` plus less than a tenth of a second: the clock
/// moves by whole seconds, so the real time is first let reach the start of a second.
async fn clock_to(app: &TestApp, target: DateTime<Utc>) {
    loop {
        let ms = app.state.now().timestamp_subsec_millis();
        if ms < 50 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(1000 - ms))).await;
    }
    let by = target.timestamp() - app.state.now().timestamp();
    app.state.clock.advance(chrono::Duration::seconds(by));
}

#[tokio::test]
async fn a_filing_in_the_last_second_is_accepted_and_one_second_later_refused() {
    for b in app_backends() {
        // Two students refused at once: one files in the last second, one a second later.
        let app = spawn_app(&b).await;
        let first = not_awarded(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let second = not_awarded(&app, accounts::STUDENT_AT_THRESHOLD).await;
        let period_of = async |a: &store::entity::degree_application::Model| {
            store::appeal::degree_target(&app.db.db, a)
                .await
                .unwrap()
                .unwrap()
                .period()
        };
        let period = period_of(&first).await;
        let late_period = period_of(&second).await;

        // A minute before the end, signed in (a session lasts 30 minutes of the app clock's
        // time), then to the last second itself.
        let before = (period.last_instant() - app.state.now()).num_seconds() - 60;
        app.state.clock.advance(chrono::Duration::seconds(before));
        let on_time = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let on_time_path = format!("/student/appeals/degree/{}", first.id);
        let token = app.csrf(&on_time, &on_time_path).await;
        clock_to(&app, period.last_instant()).await;
        let r = on_time
            .post(app.url(&on_time_path))
            .multipart(
                Form::new()
                    .text("csrf_token", token)
                    .text("statement", STATEMENT),
            )
            .send()
            .await
            .unwrap();
        let filed_at = app.state.now();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(
            r.headers()["location"],
            format!("{on_time_path}?done=filed").as_str()
        );
        assert!(filed_at < period.closes_at(), "{}: filed in time", b.name());

        // The second student, one second after their period.
        let past = (late_period.closes_at() - app.state.now()).num_seconds() + 1;
        app.state.clock.advance(chrono::Duration::seconds(past));
        assert!(app.state.now() > late_period.last_instant());
        let late = app
            .with_user(User::Student(accounts::STUDENT_AT_THRESHOLD))
            .await;
        let late_path = format!("/student/appeals/degree/{}", second.id);
        let (_, page) = app.get_text(&late, &late_path).await;
        assert!(page.contains("id=\"appeal-closed\""), "{page}");
        assert!(!page.contains("id=\"appeal-form\""));
        let token = app.csrf(&late, "/student/degree").await;
        let r = late
            .post(app.url(&late_path))
            .multipart(
                Form::new()
                    .text("csrf_token", token)
                    .text("statement", STATEMENT),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422, "{}", b.name());
        let page = r.text().await.unwrap();
        assert!(page.contains("已超过申辩期限"), "{page}");
        assert!(page.contains("决定作出之日起15日"), "{page}");
        assert!(page.contains(&late_period.deadline_label()), "{page}");
        let (_, page) = app.get_text(&late, "/student/degree").await;
        assert!(page.contains("id=\"degree-appeal-expired\""), "{page}");
    }
}

/// A reviewed 学位外语 application of the student, 审核不通过 and 不合格 at the first stage now.
async fn unqualified(
    app: &TestApp,
    student_no: &str,
) -> store::entity::language_application::Model {
    let s = app.student(student_no).await;
    let batch = store::repo::reference::batches(&app.db.db, "language")
        .await
        .unwrap()
        .remove(0);
    let now = app.state.now();
    store::entity::language_application::ActiveModel {
        transcript_no: Set("231012345678901".into()),
        status: Set("rejected".into()),
        review_opinion: Set(Some("成绩单编号无法核验".into())),
        qualification: Set(Some("unqualified".into())),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(now)),
        withdrawn_at: Set(None),
        version: Set(2),
        ..common::language_application(&s, batch.id, now)
    }
    .insert(&app.db.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_unqualified_language_result_is_appealed_and_revoked_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = unqualified(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (_, page) = app
            .get_text(&owner, &format!("/student/language/applications/{}", a.id))
            .await;
        assert!(
            page.contains("id=\"language-appeal\""),
            "{}: {page}",
            b.name()
        );

        let token = common::api_token(&app, &owner).await;
        let filing = |kind: &str, id: i64, statement: &str| {
            Form::new()
                .text("kind", kind.to_owned())
                .text("subject_id", id.to_string())
                .text("statement", statement.to_owned())
        };
        // A bad kind names the field; a graduation application's decision is a candidate's.
        let (status, body) = common::api_send(
            owner
                .post(app.url("/api/v1/appeals"))
                .multipart(filing("thesis", a.id, STATEMENT)),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["fields"]["kind"].is_string(), "{body}");
        let (status, body) = common::api_send(
            owner
                .post(app.url("/api/v1/appeals"))
                .multipart(filing("graduation", a.id, STATEMENT)),
            &token,
        )
        .await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = common::api_send(
            owner
                .post(app.url("/api/v1/appeals"))
                .multipart(filing("language", a.id, "")),
            &token,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            body["fields"]["statement"]
                .as_str()
                .unwrap()
                .contains("请填写申辩陈述"),
            "{body}"
        );
        // Another student's filing is not found.
        let stranger = app
            .with_user(User::Student(accounts::STUDENT_AT_THRESHOLD))
            .await;
        let stranger_token = common::api_token(&app, &stranger).await;
        let (status, _) = common::api_send(
            stranger
                .post(app.url("/api/v1/appeals"))
                .multipart(filing("language", a.id, STATEMENT)),
            &stranger_token,
        )
        .await;
        assert_eq!(status, 404, "{}", b.name());

        let (status, body) = common::api_send(
            owner.post(app.url("/api/v1/appeals")).multipart(filing(
                "language",
                a.id,
                "成绩单编号可在学信网核验。",
            )),
            &token,
        )
        .await;
        assert_eq!(status, 201, "{}: {body}", b.name());
        assert_eq!(body["status"], "pending");
        assert_eq!(body["kind"], "language");
        let id = body["id"].as_i64().unwrap();
        let (status, again) = common::api_send(
            owner
                .post(app.url("/api/v1/appeals"))
                .multipart(filing("language", a.id, STATEMENT)),
            &token,
        )
        .await;
        assert_eq!(status, 409, "{again}");
        assert!(
            again["message"]
                .as_str()
                .unwrap()
                .contains("每项决定只能申辩一次")
        );

        // Read by its student and by the school; not by another student or school.
        let r = owner
            .get(app.url(&format!("/api/v1/appeals/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let r = stranger
            .get(app.url(&format!("/api/v1/appeals/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404);
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let other_token = common::api_token(&app, &other).await;
        let (status, _) = common::api_send(
            other
                .post(app.url(&format!("/api/v1/appeals/{id}/decision")))
                .json(&serde_json::json!({"outcome": "revoked", "reason": "越权"})),
            &other_token,
        )
        .await;
        assert_eq!(status, 404, "{}", b.name());

        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let school_token = common::api_token(&app, &school).await;
        let decide = |body: serde_json::Value| {
            school
                .post(app.url(&format!("/api/v1/appeals/{id}/decision")))
                .json(&body)
        };
        let (status, body) = common::api_send(
            decide(serde_json::json!({"outcome": "pending", "reason": "x"})),
            &school_token,
        )
        .await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = common::api_send(
            decide(serde_json::json!({"outcome": "revoked", "reason": " "})),
            &school_token,
        )
        .await;
        assert_eq!(status, 422);
        assert!(body["fields"]["reason"].is_string(), "{body}");
        let (status, body) = common::api_send(
            decide(serde_json::json!({"outcome": "revoked", "reason": "经核验成绩单真实有效"})),
            &school_token,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "revoked");
        let (status, _) = common::api_send(
            decide(serde_json::json!({"outcome": "upheld", "reason": "再次处理"})),
            &school_token,
        )
        .await;
        assert_eq!(status, 409);

        // Back in review at the stage that decided.
        let reopened = store::degree::language::get_for_student(&app.db.db, a.student_id, a.id)
            .await
            .unwrap();
        assert_eq!(reopened.status, "pending", "{}", b.name());
        assert_eq!(reopened.stage, Some(0));
        assert_eq!(reopened.qualification, None);
        let (_, page) = app
            .get_text(&owner, &format!("/student/language/applications/{}", a.id))
            .await;
        assert!(page.contains("申辩处理结果：撤销原决定"), "{page}");
        assert!(
            page.contains("成绩单编号无法核验"),
            "the original opinion is kept"
        );
        let (_, page) = app
            .get_text(&school, &format!("/staff/language/{}", a.id))
            .await;
        assert!(page.contains("id=\"appeal-history\""), "{}", b.name());
    }
}

#[tokio::test]
async fn the_school_admin_sets_the_appeal_period_of_a_batch() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let batch = store::repo::reference::batches(&app.db.db, "degree")
            .await
            .unwrap()
            .remove(0);
        assert_eq!(batch.appeal_days, 15);
        let path = format!("/staff/degree-batches/{}/appeal-days", batch.id);
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let (_, page) = app.get_text(&admin, "/staff/degree-batches").await;
        assert!(
            page.contains(&format!("<label for=\"appeal-days-{}\">", batch.id)),
            "{}: {page}",
            b.name()
        );
        let (status, page) = post_form(
            &app,
            &admin,
            "/staff/degree-batches",
            &path,
            &[("appeal_days", "0")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            page.contains("申辩期限应为1至90之间的整数天数，实际填写为“0”"),
            "{page}"
        );
        let (status, _) = post_form(
            &app,
            &admin,
            "/staff/degree-batches",
            &path,
            &[("appeal_days", "20")],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        // A reviewer of the school is not its admin.
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let (status, _) = post_form(
            &app,
            &reviewer,
            "/staff/degree",
            &path,
            &[("appeal_days", "90")],
        )
        .await;
        assert_eq!(status, 403);

        // A 不授予 of that batch may be appealed for 20 days.
        let a = not_awarded(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let t = store::appeal::degree_target(&app.db.db, &a)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(t.period().days, 20, "{}", b.name());
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (_, page) = app
            .get_text(&owner, &format!("/student/appeals/degree/{}", a.id))
            .await;
        assert!(page.contains("决定作出之日起20日"), "{page}");
        assert!(page.contains(&t.period().deadline_label()));
    }
}

mod graduation;
mod pages;

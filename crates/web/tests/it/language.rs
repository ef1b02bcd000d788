//! 学位外语 over HTTP (seed 002, step 1): the table's columns and statuses for a student above and
//! one below the batch's threshold; 学位条件设置 only for the school's admin and only for later
//! batches; a full application with a PDF and a PNG (wrong inputs come back with what was typed);
//! 撤销申请 and applying again; the files only for their owner and the school; staff of another
//! organisation cannot review; reviews wait for the window to close; forms need the CSRF token;
//! the student's 收件箱 has the result.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::io::Cursor;

use chrono::Duration;
use common::{TestApp, csrf_in, spawn_app};
use reqwest::multipart::{Form, Part};
use store::demo::accounts;
use store::entity::batch;
use store::repo::reference::{self, NewBatch};
use store::sea_orm::sea_query::Expr;
use store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::testkit::app_backends;

const PAGE: &str = "/student/language";

const HEADERS: [&str; 10] = [
    "序号",
    "批次名称",
    "申请时间",
    "申请条件",
    "申请状态",
    "申请条件是否达标",
    "审核状态",
    "审核意见",
    "合格状态",
    "操作",
];

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(60, 40, image::Rgb([230, 240, 250]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// The `<tr>` of a batch in the table.
fn row(page: &str, batch_id: i64) -> &str {
    let marker = format!("<tr id=\"batch-{batch_id}\">");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for batch {batch_id}"));
    let rest = &page[at..];
    &rest[..rest.find("</tr>").unwrap()]
}

async fn open_batch(app: &TestApp) -> batch::Model {
    let org = app.org_of(accounts::STAFF_CE_SCHOOL_REVIEWER).await;
    let now = app.state.now();
    store::degree::language::batches_of(&app.db.db, org.id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| store::degree::language::window_open(b, now))
        .unwrap()
}

fn fields(score: &str, transcript: &str) -> Vec<(&'static str, String)> {
    vec![
        ("subject", "外国语".to_owned()),
        ("certificate_type", "其他语言类成绩认证".to_owned()),
        ("exam_kind", "cet".to_owned()),
        ("exam_level", "CET-6".to_owned()),
        ("language", "english".to_owned()),
        ("obtained_on", "2023-12-16".to_owned()),
        ("transcript_no", transcript.to_owned()),
        ("score", score.to_owned()),
        ("score_status", "合格".to_owned()),
    ]
}

/// Posts the form; `token` None leaves the CSRF field out.
async fn apply(
    app: &TestApp,
    c: &reqwest::Client,
    batch_id: i64,
    token: Option<String>,
    values: Vec<(&'static str, String)>,
    files: Vec<(&str, Vec<u8>, &str)>,
) -> (u16, String) {
    let mut form = Form::new();
    if let Some(t) = token {
        form = form.text("csrf_token", t);
    }
    for (k, v) in values {
        form = form.text(k, v);
    }
    for (name, bytes, mime) in files {
        form = form.part(
            "files",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        );
    }
    let r = c
        .post(app.url(&format!("/student/language/{batch_id}/apply")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in page"));
    let rest = &page[at + start.len()..];
    &rest[..rest.find(end).unwrap()]
}

#[tokio::test]
async fn the_table_shows_the_seed_columns_above_and_below_the_threshold() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let demo_batch = open_batch(&app).await;

        // The school's admin raises the entry average to 80 for batches created afterwards.
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let (status, rules) = app.get_text(&admin, "/staff/degree-rules").await;
        assert_eq!(status, 200);
        assert!(rules.contains("只影响此后创建的批次"), "{rules}");
        assert!(rules.contains("value=\"70\""));
        let token = csrf_in(&rules).unwrap();
        let r = admin
            .post(app.url("/staff/degree-rules"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("language_min_average", "100.5"),
                ("degree_min_average", "70"),
                ("degree_min_core", "70"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("学位外语申请条件") && body.contains("0至100"),
            "{body}"
        );
        assert!(body.contains("value=\"100.5\""), "typed value kept");
        let r = admin
            .post(app.url("/staff/degree-rules"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("language_min_average", "80"),
                ("degree_min_average", "75"),
                ("degree_min_core", "70"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        // Admins of other organisations have no such page.
        let other_admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        assert_eq!(
            app.get_text(&other_admin, "/staff/degree-rules").await.0,
            403
        );
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        assert_eq!(app.get_text(&reviewer, "/staff/degree-rules").await.0, 403);

        let org = app.org_of(accounts::STAFF_CE_SCHOOL_ADMIN).await;
        let now = app.state.now();
        let strict = reference::create_batch(
            &app.db.db,
            NewBatch {
                kind: "language",
                province: None,
                org_id: Some(org.id),
                name: "提高要求批次",
                opens_at: now - Duration::days(1),
                closes_at: now + Duration::days(5),
            },
            now,
        )
        .await
        .unwrap();
        assert_eq!(strict.min_average_tenths, Some(800));

        // Above: 91.95 meets both batches.
        let above = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, page) = app.get_text(&above, PAGE).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("href=\"/student/language\""),
            "menu item 学位外语"
        );
        let head = between(&page, "<thead>", "</thead>");
        let shown: Vec<&str> = head
            .split("<th>")
            .skip(1)
            .map(|h| h.split("</th>").next().unwrap())
            .collect();
        assert_eq!(shown, HEADERS, "{}", b.name());
        for id in [demo_batch.id, strict.id] {
            let r = row(&page, id);
            assert!(r.contains("未申请") && r.contains(">达标<"), "{r}");
            assert!(
                r.contains("查看") && r.contains("您的平均成绩：91.95"),
                "{r}"
            );
            assert!(r.contains(&format!("/student/language/{id}/apply")), "{r}");
        }
        assert!(row(&page, demo_batch.id).contains("不低于70分"));
        assert!(row(&page, strict.id).contains("不低于80分"));

        // Below: about 76.8, enough for 70 but not for 80.
        let below = app
            .with_user(User::Student(accounts::STUDENT_BELOW_THRESHOLDS))
            .await;
        let (_, page) = app.get_text(&below, PAGE).await;
        let r = row(&page, strict.id);
        assert!(r.contains("未达标") && r.contains("未申请"), "{r}");
        assert!(
            !r.contains("/apply\""),
            "申请 is not offered below the threshold: {r}"
        );
        let actual = between(r, "您的平均成绩：", "（");
        assert!(actual.starts_with("76."), "{actual}");
        assert!(
            r.contains(&format!("申请（未达标：您的平均成绩：{actual}")),
            "{r}"
        );
        assert!(row(&page, demo_batch.id).contains(">达标<"));
        // The form says why instead of offering itself, and a post is refused the same way.
        let (status, form) = app
            .get_text(&below, &format!("/student/language/{}/apply", strict.id))
            .await;
        assert_eq!(status, 200);
        assert!(
            form.contains("id=\"apply-refused\"")
                && form.contains(&format!("您的平均成绩为{actual}")),
            "{form}"
        );
        let token = csrf_in(&form).unwrap();
        let (status, body) = apply(
            &app,
            &below,
            strict.id,
            Some(token),
            fields("500", "CET6-2023-01"),
            vec![("a.pdf", pdf(), "application/pdf")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("还差"), "{body}");
        assert!(
            store::degree::language::of_student(
                &app.db.db,
                app_student(&app, accounts::STUDENT_BELOW_THRESHOLDS).await
            )
            .await
            .unwrap()
            .is_empty()
        );
    }
}

async fn app_student(app: &TestApp, no: &str) -> i64 {
    store::repo::student::by_student_no(&app.db.db, no)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_student_applies_with_a_pdf_and_a_png_and_the_school_reviews_after_the_window() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let batch = open_batch(&app).await;
        let form_path = format!("/student/language/{}/apply", batch.id);
        let c = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, form) = app.get_text(&c, &form_path).await;
        assert_eq!(status, 200);
        for line in domain::degree::language::KINDS_NOTICE {
            assert!(form.contains(line), "{line}");
        }
        for k in domain::degree::language::ExamKind::ALL {
            assert!(form.contains(&format!("value=\"{}\"", k.code())), "{k:?}");
        }
        // The form offers exactly the accepted exams (and the empty choice).
        let kinds = between(&form, "id=\"exam_kind\"", "</select>");
        assert_eq!(
            kinds.matches("<option").count(),
            domain::degree::language::ExamKind::ALL.len() + 1
        );
        let token = csrf_in(&form).unwrap();

        // Without the token nothing is read.
        let (status, _) = apply(
            &app,
            &c,
            batch.id,
            None,
            fields("520", "CET6-2023-01"),
            vec![("a.pdf", pdf(), "application/pdf")],
        )
        .await;
        assert_eq!(status, 403);

        // CET 424 and a PNG renamed .pdf: refused, with what was typed kept.
        let (status, body) = apply(
            &app,
            &c,
            batch.id,
            Some(token.clone()),
            fields("424", "CET6-2023-01"),
            vec![("成绩单.pdf", png(), "application/pdf")],
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body.contains("须达到425分") && body.contains("差1分"),
            "{body}"
        );
        assert!(body.contains("内容实际是PNG 图片"), "{body}");
        assert!(
            body.contains("value=\"CET6-2023-01\"") && body.contains("value=\"424\""),
            "{body}"
        );
        // Six files: the sixth is refused.
        let six = (0..6)
            .map(|_| ("p.pdf", pdf(), "application/pdf"))
            .collect();
        let (status, body) = apply(
            &app,
            &c,
            batch.id,
            Some(token.clone()),
            fields("520", "CET6-2023-01"),
            six,
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("最多可上传5个文件，本次共6个"), "{body}");
        // 1,048,577 bytes: refused naming the size.
        let mut big = pdf();
        big.resize(1_048_577, b'%');
        let (status, body) = apply(
            &app,
            &c,
            batch.id,
            Some(token.clone()),
            fields("520", "CET6-2023-01"),
            vec![("big.pdf", big, "application/pdf")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("1,048,577 字节"), "{body}");

        // A PDF and a PNG.
        let (status, body) = apply(
            &app,
            &c,
            batch.id,
            Some(token.clone()),
            fields("520", "CET6-2023-01"),
            vec![
                ("六级成绩单.pdf", pdf(), "application/pdf"),
                ("六级证书.png", png(), "image/png"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get_text(&c, PAGE).await;
        let r = row(&page, batch.id);
        assert!(
            r.contains("已申请")
                && r.contains("待审核")
                && r.contains("撤销申请")
                && r.contains("详情"),
            "{r}"
        );
        let sid = app_student(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let first = store::degree::language::of_student(&app.db.db, sid)
            .await
            .unwrap()[0]
            .clone();

        // 撤销申请 needs the token, then works; 申请 again.
        let r = c
            .post(app.url(&format!(
                "/student/language/applications/{}/withdraw",
                first.id
            )))
            .form(&[("x", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let r = c
            .post(app.url(&format!(
                "/student/language/applications/{}/withdraw",
                first.id
            )))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let (_, page) = app.get_text(&c, PAGE).await;
        assert!(row(&page, batch.id).contains("未申请"));
        let (status, _) = apply(
            &app,
            &c,
            batch.id,
            Some(token.clone()),
            fields("520", "CET6-2023-01"),
            vec![
                ("六级成绩单.pdf", pdf(), "application/pdf"),
                ("六级证书.png", png(), "image/png"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let a = store::degree::language::of_student(&app.db.db, sid)
            .await
            .unwrap()[0]
            .clone();
        assert_ne!(a.id, first.id);
        let files = store::degree::language::files_of(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(files.len(), 2);

        // The owner sees the files; another student gets 404 for the detail and the files.
        let (status, detail) = app
            .get_text(&c, &format!("/student/language/applications/{}", a.id))
            .await;
        assert_eq!(status, 200);
        assert!(detail.contains("六级成绩单.pdf") && detail.contains("六级证书.png"));
        let file_path = format!(
            "/student/language/applications/{}/files/{}",
            a.id, files[0].id
        );
        let r = c.get(app.url(&file_path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf());
        let other = app
            .with_user(User::Student(accounts::STUDENT_AT_THRESHOLD))
            .await;
        assert_eq!(app.get_text(&other, &file_path).await.0, 404);
        assert_eq!(
            app.get_text(&other, &format!("/student/language/applications/{}", a.id))
                .await
                .0,
            404
        );

        // Staff of another organisation: neither the file nor a decision.
        let outsider = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        assert_eq!(
            app.get_text(
                &outsider,
                &format!("/staff/language/{}/files/{}", a.id, files[0].id)
            )
            .await
            .0,
            404
        );
        let (_, q) = app.get_text(&outsider, "/staff/language").await;
        assert!(q.contains("id=\"no-language-review\""), "{q}");
        let outsider_token = csrf_in(&q).unwrap();
        let r = outsider
            .post(app.url(&format!("/staff/language/{}/decide", a.id)))
            .form(&[
                ("csrf_token", outsider_token.as_str()),
                ("decision", "approve"),
                ("qualification", "qualified"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);

        // The school: files yes; a decision only after the window closes.
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let r = school
            .get(app.url(&format!("/staff/language/{}/files/{}", a.id, files[1].id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        let (_, d) = app
            .get_text(&school, &format!("/staff/language/{}", a.id))
            .await;
        assert!(d.contains("id=\"not-yet\""), "{d}");
        let school_token = csrf_in(&d).unwrap();
        let decide = |fields: Vec<(&'static str, String)>| {
            let school = school.clone();
            let url = app.url(&format!("/staff/language/{}/decide", a.id));
            async move {
                let r = school.post(url).form(&fields).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let approve = vec![
            ("csrf_token", school_token.clone()),
            ("decision", "approve".to_owned()),
            ("qualification", "qualified".to_owned()),
            ("opinion", "六级成绩单核验无误".to_owned()),
        ];
        let (status, body) = decide(approve.clone()).await;
        assert_eq!(status, 422);
        assert!(body.contains("截止后方可审核"), "{body}");
        // Without the token: refused before anything.
        let (status, _) = decide(approve[1..].to_vec()).await;
        assert_eq!(status, 403);

        // The window closes.
        batch::Entity::update_many()
            .col_expr(
                batch::Column::ClosesAt,
                Expr::value(app.state.now() - Duration::minutes(1)),
            )
            .filter(batch::Column::Id.eq(batch.id))
            .exec(&app.db.db)
            .await
            .unwrap();
        let (_, queue) = app
            .get_text(&school, &format!("/staff/language?batch={}", batch.id))
            .await;
        let me = store::repo::student::get(&app.db.db, sid).await.unwrap();
        assert!(
            queue.contains(&format!("data-application=\"{}\"", a.id)),
            "{queue}"
        );
        assert!(queue.contains(&domain::IdCardNo::parse(&me.id_card_no).unwrap().masked()));
        assert!(
            !queue.contains(&me.id_card_no),
            "ID numbers are masked in the queue"
        );
        let (status, body) = decide(approve).await;
        assert_eq!(status, 303, "{body}");

        // The student sees the result in the table and the 收件箱.
        let (_, page) = app.get_text(&c, PAGE).await;
        let r = row(&page, batch.id);
        assert!(
            r.contains("审核通过") && r.contains("合格") && r.contains("六级成绩单核验无误"),
            "{r}"
        );
        assert!(!r.contains("撤销申请"), "{r}");
        let (status, inbox) = app.get_text(&c, "/student/inbox").await;
        assert_eq!(status, 200);
        assert!(
            inbox.contains("学位外语成绩认定：审核通过") && inbox.contains("合格状态：合格"),
            "{inbox}"
        );

        // The JSON API reads the same row.
        let rows: serde_json::Value = c
            .get(app.url("/api/v1/language"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mine = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["batch_id"] == batch.id)
            .unwrap();
        assert_eq!(mine["status"], "approved");
        assert_eq!(mine["qualification"], "合格");
        assert_eq!(mine["condition_met"], true);
    }
}

fn api_form(values: Vec<(&'static str, String)>, files: Vec<(&str, Vec<u8>, &str)>) -> Form {
    let mut form = Form::new();
    for (k, v) in values {
        form = form.text(k, v);
    }
    for (name, bytes, mime) in files {
        form = form.part(
            "files",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str(mime)
                .unwrap(),
        );
    }
    form
}

/// 学位外语 through the API: applying is refused field by field and stores nothing then;
/// 撤销申请 only by the owner; the school's review after the window closes.
#[tokio::test]
async fn the_language_application_runs_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let batch = open_batch(&app).await;
        let c = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let token = common::api_token(&app, &c).await;
        let url = app.url(&format!("/api/v1/language/{}/applications", batch.id));
        let before = common::stored_objects(&app);
        let mut bad = fields("520", "CET6-2023-01");
        bad[5].1 = "2023/12/16".to_owned();
        let (status, body) = common::api_send(
            c.post(&url)
                .multipart(api_form(bad, vec![("证书.pdf", pdf(), "application/pdf")])),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["obtained_on"].is_string(), "{body}");
        let (status, body) = common::api_send(
            c.post(&url)
                .multipart(api_form(fields("520", "CET6-2023-01"), vec![])),
            &token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["files"]
                .as_str()
                .unwrap()
                .contains("请上传外国语成绩证明"),
            "{body}"
        );
        assert_eq!(common::stored_objects(&app), before, "{}", b.name());

        let good = || {
            api_form(
                fields("520", "CET6-2023-01"),
                vec![
                    ("六级成绩单.pdf", pdf(), "application/pdf"),
                    ("六级证书.png", png(), "image/png"),
                ],
            )
        };
        let (status, first) = common::api_send(c.post(&url).multipart(good()), &token).await;
        assert_eq!(status, 201, "{}: {first}", b.name());
        assert_eq!(first["status"], "pending", "{first}");
        let (status, _) = common::api_send(c.post(&url).multipart(good()), &token).await;
        assert!(
            status == 409 || status == 422,
            "{}: a second application",
            b.name()
        );

        let withdraw = |id: &serde_json::Value| {
            app.url(&format!("/api/v1/language/applications/{id}/withdrawal"))
        };
        let other = app
            .with_user(User::Student(accounts::STUDENT_AT_THRESHOLD))
            .await;
        let other_token = common::api_token(&app, &other).await;
        let (status, _) = common::api_send(other.post(withdraw(&first["id"])), &other_token).await;
        assert_eq!(status, 404, "{}: another student's application", b.name());
        let (status, _) = common::api_send(c.post(withdraw(&first["id"])), &token).await;
        assert_eq!(status, 204, "{}", b.name());
        let (status, a) = common::api_send(c.post(&url).multipart(good()), &token).await;
        assert_eq!(status, 201, "{}: {a}", b.name());

        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let school_token = common::api_token(&app, &school).await;
        let review = app.url(&format!("/api/v1/language/applications/{}/review", a["id"]));
        let approve = serde_json::json!({"decision": "approve", "qualification": "qualified", "opinion": "核验无误"});
        let (status, body) =
            common::api_send(school.post(&review).json(&approve), &school_token).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["message"].as_str().unwrap().contains("截止后方可审核"),
            "{body}"
        );
        let outsider = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let outsider_token = common::api_token(&app, &outsider).await;
        let (status, _) =
            common::api_send(outsider.post(&review).json(&approve), &outsider_token).await;
        assert_eq!(status, 403, "{}", b.name());

        batch::Entity::update_many()
            .col_expr(
                batch::Column::ClosesAt,
                Expr::value(app.state.now() - Duration::minutes(1)),
            )
            .filter(batch::Column::Id.eq(batch.id))
            .exec(&app.db.db)
            .await
            .unwrap();
        let (status, body) = common::api_send(
            school
                .post(&review)
                .json(&serde_json::json!({"decision": "approve", "qualification": "maybe"})),
            &school_token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        let (status, body) =
            common::api_send(school.post(&review).json(&approve), &school_token).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "approved", "{body}");
    }
}

//! 学位申请 over HTTP (seed 002 step 2): the 学位审核条件 table with the student's figures, the
//! template download prefilled from the record, the form refused field by field and kept as
//! typed, uploads named 学号+姓名+论文题目 and served to their owner only, 确认提交, the school's
//! review and the 学位授予结果 in the student's table and 收件箱.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::{TestApp, spawn_app};
use store::demo::accounts;
use store::testkit::app_backends;

/// POSTs the form on `page` to `path` with the page's CSRF token: (status, body).
pub(crate) async fn post_form(
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

/// Records 授予 of application `a` from the list of approved applications: (status, body).
pub(crate) async fn award_on_page(
    app: &TestApp,
    c: &reqwest::Client,
    a: &store::entity::degree_application::Model,
) -> (u16, String) {
    let (batch, id) = (a.batch_id.to_string(), a.id.to_string());
    post_form(
        app,
        c,
        "/staff/degree?status=approved",
        "/staff/degree/award",
        &[("batch", &batch), ("award", "awarded"), ("ids", &id)],
    )
    .await
}

#[tokio::test]
async fn the_conditions_table_shows_the_students_figures_and_the_template_is_prefilled() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, page) = app.get_text(&c, "/student/degree").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(
            page.contains("教学计划下所有课程平均成绩 (不包含毕业课程) : 91.95"),
            "{page}"
        );
        assert!(page.contains("每门学位主干课 最低成绩: 77"));
        for h in [
            "序号",
            "批次名称",
            "申请时间",
            "申请状态",
            "审核状态",
            "审核意见",
            "学位授予结果",
            "操作",
        ] {
            assert!(page.contains(&format!("<th>{h}</th>")), "{h}");
        }
        let below = app
            .with_user(User::Student(accounts::STUDENT_BELOW_THRESHOLDS))
            .await;
        let (_, page) = app.get_text(&below, "/student/degree").await;
        assert!(page.contains("65（包装设计）") && page.contains("id=\"degree-refusal\""));
        assert!(
            !page.contains("id=\"degree-apply\""),
            "no 申请 below the thresholds"
        );
        let (status, _) = app.get_text(&below, "/student/degree/apply").await;
        assert_eq!(status, 422, "{}", b.name());

        // The template: an Excel workbook with the record filled in.
        let r = c
            .get(app.url("/student/degree/template.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"));
        let s = store::repo::student::by_student_no(&app.db.db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        use calamine::Reader;
        let sheet = book.worksheet_range("学位申请表").unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, d)| d.to_string()).collect();
        for expected in [
            s.name.as_str(),
            s.student_no.as_str(),
            s.id_card_no.as_str(),
            "91.95",
        ] {
            assert!(
                cells.iter().any(|c| c.contains(expected)),
                "{expected} in the template"
            );
        }

        // The same conditions over JSON.
        let json: serde_json::Value = c
            .get(app.url("/api/v1/degree"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            json["conditions"][0]["current"],
            "教学计划下所有课程平均成绩 (不包含毕业课程) : 91.95"
        );
        assert_eq!(json["conditions"][2]["passed"], true);

        // Staff outside the school see no degree applications at all.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (_, page) = app.get_text(&other, "/staff/degree").await;
        assert!(page.contains("id=\"degree-none\""), "{}", b.name());
    }
}

#[tokio::test]
async fn a_bad_form_is_refused_field_by_field_and_kept_as_typed() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        store_qualified_language(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let (status, page) = app.get_text(&c, "/student/degree/apply").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        let (status, page) = post_form(
            &app,
            &c,
            "/student/degree/apply",
            "/student/degree/apply",
            &[
                ("name", "张晓梅"),
                ("name_pinyin", "Zhang Xiaomei"),
                ("id_card_no", "50010119960312002X"),
                ("entry_month", "2022-03"),
                ("graduation_month", "202407"),
                ("country", "中国"),
                ("joint", "是"),
                ("email", "zxm@example.com"),
                ("qq", "1234"),
                ("wechat", "zxm_2024"),
                ("thesis_title", "乡村振兴背景下的视觉设计研究"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("本科入学年月应为六位数字"), "{page}");
        assert!(page.contains("必须填写联合培养单位"));
        assert!(page.contains("QQ账号应为 5–11 位数字，实际 4 位"));
        assert!(
            page.contains("乡村振兴背景下的视觉设计研究"),
            "typed text kept"
        );
        let s = store::repo::student::by_student_no(&app.db.db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        let batch = store::repo::reference::batches(&app.db.db, "degree")
            .await
            .unwrap()
            .remove(0);
        assert!(
            store::degree::application::of_student(&app.db.db, s.id, batch.id)
                .await
                .unwrap()
                .is_none(),
            "nothing saved"
        );
        // Without the CSRF token nothing is saved either.
        let r = c
            .post(app.url("/student/degree/apply"))
            .form(&[("name", "x")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);

        // A good form, both uploads, 确认提交.
        let (status, _) = post_form(
            &app,
            &c,
            "/student/degree/apply",
            "/student/degree/apply",
            &[
                ("name", &s.name),
                ("name_pinyin", "Zhang Xiaomei"),
                ("id_card_no", &s.id_card_no),
                ("entry_month", "202203"),
                ("graduation_month", "202407"),
                ("country", "中国"),
                ("joint", "否"),
                ("email", "zxm@example.com"),
                ("qq", "12345678"),
                ("wechat", "zxm_2024"),
                ("thesis_title", "乡村振兴背景下的视觉设计研究"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let upload = async |slot: &str, name: &str, bytes: Vec<u8>| {
            let token = app.csrf(&c, "/student/degree/apply").await;
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", token)
                .text("slot", slot.to_owned())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
                );
            let r = c
                .post(app.url("/student/degree/upload"))
                .multipart(form)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        };
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let (status, page) = upload("thesis", "论文.pdf", png).await;
        assert_eq!(status, 422);
        assert!(page.contains("内容实际是PNG 图片"), "{page}");
        let (status, _) = upload("thesis", "论文.pdf", b"%PDF-1.7\n1 0 obj\n%%EOF".to_vec()).await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&c, "/student/degree/apply").await;
        assert!(
            page.contains(&format!(
                "{}{}乡村振兴背景下的视觉设计研究.pdf",
                s.student_no, s.name
            )),
            "the thesis is named 学号+姓名+论文题目"
        );
        assert!(page.contains("还有以下内容未完成：学位申请表"));
        let template = c
            .get(app.url("/student/degree/template.xlsx"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let (status, _) = upload("form", "学位申请表.xlsx", template.to_vec()).await;
        assert_eq!(status, 303);
        let (status, _) = post_form(
            &app,
            &c,
            "/student/degree/apply",
            "/student/degree/submit",
            &[],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&c, "/student/degree").await;
        assert!(page.contains("已申请") && page.contains("待审核"), "{page}");
        // Locked now: saving again is refused and changes nothing.
        let (status, page) = post_form(
            &app,
            &c,
            "/student/degree/apply",
            "/student/degree/apply",
            &[("name", &s.name), ("thesis_title", "另一个题目")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("已确认提交"), "{page}");
        let (_, inbox) = app.get_text(&c, "/student/inbox").await;
        assert!(inbox.contains("学位申请已提交"), "{}", b.name());
    }
}

/// Records a reviewed, qualified 学位外语 application for the student, as the school's review
/// leaves it.
async fn store_qualified_language(app: &TestApp, student_no: &str) {
    use sea_orm::{ActiveModelTrait, NotSet, Set};
    let s = app.student(student_no).await;
    let batch = store::repo::reference::batches(&app.db.db, "language")
        .await
        .unwrap()
        .remove(0);
    let now = chrono::Utc::now();
    store::entity::language_application::ActiveModel {
        exam_level: Set(Some("cet4".into())),
        transcript_no: Set("231012345678901".into()),
        score_status: Set("合格".into()),
        status: Set("approved".into()),
        review_opinion: Set(None),
        qualification: Set(Some("qualified".into())),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(now)),
        withdrawn_at: Set(None),
        version: Set(2),
        stage: NotSet,
        ..common::language_application(&s, batch.id, now)
    }
    .insert(&app.db.db)
    .await
    .unwrap();
}

/// A submitted application of the student, made through the store as the form would.
pub(crate) async fn submitted(
    app: &TestApp,
    student_no: &str,
) -> store::entity::degree_application::Model {
    let b = store::repo::reference::batches(&app.db.db, "degree")
        .await
        .unwrap()
        .remove(0);
    submitted_in(app, student_no, &b).await
}

/// A submitted application of the student in batch `b`.
async fn submitted_in(
    app: &TestApp,
    student_no: &str,
    b: &store::entity::batch::Model,
) -> store::entity::degree_application::Model {
    use domain::degree::files::DegreeSlot;
    use store::degree::application::{self as degree, NewDegreeFile, SaveForm};
    let s = store::repo::student::by_student_no(&app.db.db, student_no)
        .await
        .unwrap()
        .unwrap();
    let input = domain::degree::form::DegreeFormInput {
        name: s.name.clone(),
        name_pinyin: domain::degree::pinyin::name_pinyin(&s.name),
        id_card_no: s.id_card_no.clone(),
        entry_month: "202203".into(),
        graduation_month: "202407".into(),
        country: "中国".into(),
        kinds: Default::default(),
        joint_unit: String::new(),
        email: "s@example.com".into(),
        qq: "10001234".into(),
        wechat: "student_01".into(),
        other: String::new(),
        thesis_title: "地域文化的视觉表达".into(),
    };
    let now = chrono::Utc::now();
    let a = degree::save(
        &app.db.db,
        &s,
        b,
        SaveForm {
            input: &input,
            gender: &s.gender,
            birth_date: s.birth_date,
            ethnicity: &s.ethnicity,
            political_status: &s.political_status,
        },
        now,
        None,
    )
    .await
    .unwrap();
    for (slot, name) in [
        (
            DegreeSlot::Thesis,
            format!("{}{}地域文化的视觉表达.pdf", s.student_no, s.name),
        ),
        (
            DegreeSlot::Form,
            format!("{}{}学位申请表.pdf", s.student_no, s.name),
        ),
    ] {
        let stored = app
            .state
            .objects
            .put("degree", "pdf", b"%PDF-1.7\n%%EOF".to_vec())
            .await
            .unwrap();
        let a = degree::get(&app.db.db, a.id).await.unwrap();
        degree::attach(
            &app.db.db,
            &a,
            b,
            NewDegreeFile {
                slot,
                stored: &stored,
                content_type: "application/pdf",
                file_name: &name,
            },
            now,
            None,
        )
        .await
        .unwrap();
    }
    let a = degree::get(&app.db.db, a.id).await.unwrap();
    degree::submit(&app.db.db, &a, b, None, now, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_school_reviews_and_records_the_award_and_nobody_else_sees_it() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let a = submitted(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let files = store::degree::application::files(&app.db.db, a.id)
            .await
            .unwrap();

        // Another organisation and another student get the same 404.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, _) = app
            .get_text(&other, &format!("/staff/degree/{}", a.id))
            .await;
        assert_eq!(status, 404, "{}", b.name());
        let (status, _) = app
            .get_text(
                &other,
                &format!("/staff/degree/{}/files/{}", a.id, files[0].id),
            )
            .await;
        assert_eq!(status, 404);
        let stranger = app
            .with_user(User::Student(accounts::STUDENT_AT_THRESHOLD))
            .await;
        let (status, _) = app
            .get_text(&stranger, &format!("/student/degree/files/{}", files[0].id))
            .await;
        assert_eq!(status, 404);
        // The owner gets the thesis under 学号+姓名+论文题目.
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let r = owner
            .get(app.url(&format!("/student/degree/files/{}", files[0].id)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.contains("UTF-8''2022130502001"),
            "{disposition}"
        );

        // The school: the queue masks the ID number, the detail links both files.
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let (_, page) = app.get_text(&school, "/staff/degree").await;
        assert!(
            page.contains(&format!("/staff/degree/{}", a.id)),
            "{}",
            b.name()
        );
        assert!(
            !page.contains(&a.id_card_no),
            "ID number masked in the list"
        );
        let (status, page) = app
            .get_text(&school, &format!("/staff/degree/{}", a.id))
            .await;
        assert_eq!(status, 200);
        assert!(page.contains("地域文化的视觉表达") && page.contains("学位申请表"));
        // Rejecting without an opinion changes nothing; a stale version is refused.
        let (status, page) = post_form(
            &app,
            &school,
            &format!("/staff/degree/{}", a.id),
            &format!("/staff/degree/{}/review", a.id),
            &[
                ("decision", "reject"),
                ("opinion", ""),
                ("version", &a.version.to_string()),
            ],
        )
        .await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("必须填写审核意见"));
        let (status, _) = post_form(
            &app,
            &school,
            &format!("/staff/degree/{}", a.id),
            &format!("/staff/degree/{}/review", a.id),
            &[
                ("decision", "approve"),
                ("version", &(a.version - 1).to_string()),
            ],
        )
        .await;
        assert_eq!(status, 409);
        let (status, _) = post_form(
            &app,
            &school,
            &format!("/staff/degree/{}", a.id),
            &format!("/staff/degree/{}/review", a.id),
            &[("decision", "approve"), ("version", &a.version.to_string())],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());

        // 学位授予结果 in bulk from the list.
        let (status, _) = award_on_page(&app, &school, &a).await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(page.contains("审核通过") && page.contains("授予"), "{page}");
        let messages = store::repo::inbox::list(
            &app.db.db,
            store::repo::inbox::Recipient::Student(a.student_id),
            10,
        )
        .await
        .unwrap();
        assert!(
            messages
                .iter()
                .any(|m| m.title.contains("学位授予结果：授予"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.title.contains("学位申请审核通过"))
        );
    }
}

#[tokio::test]
async fn the_school_admin_creates_batches_and_moves_their_windows() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/degree-batches").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("学位外语") && page.contains("平均成绩 70 分，学位主干课 70 分"));
        let create =
            |kind: &'static str, name: &'static str, opens: &'static str, closes: &'static str| {
                let admin = admin.clone();
                let app = &app;
                async move {
                    post_form(
                        app,
                        &admin,
                        "/staff/degree-batches",
                        "/staff/degree-batches",
                        &[
                            ("kind", kind),
                            ("name", name),
                            ("opens", opens),
                            ("closes", closes),
                        ],
                    )
                    .await
                }
            };
        let (status, page) = create(
            "degree",
            "2027春季学位申请",
            "2027-03-01T09:00",
            "2027-03-01T09:00",
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("截止时间必须晚于开始时间"), "{page}");
        assert!(page.contains("2027春季学位申请"), "typed name kept");
        let (status, page) =
            create("degree", "2027春季学位申请", "2027-3-1", "2027-04-01T17:00").await;
        assert_eq!(status, 422);
        assert!(page.contains("开始时间应为"), "{page}");
        let (status, _) = create(
            "degree",
            "2027春季学位申请",
            "2027-03-01T09:00",
            "2027-04-01T17:00",
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (status, page) = create(
            "degree",
            "2027春季学位申请",
            "2027-03-01T09:00",
            "2027-04-01T17:00",
        )
        .await;
        assert_eq!(status, 409);
        assert!(
            page.contains("已有名为“2027春季学位申请”的学位申请批次"),
            "{page}"
        );
        let created = store::repo::reference::batches(&app.db.db, "degree")
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.name == "2027春季学位申请")
            .unwrap();
        // 09:00 Beijing is 01:00 UTC; the school's thresholds were copied.
        assert_eq!(
            created.opens_at.format("%Y-%m-%d %H:%M").to_string(),
            "2027-03-01 01:00"
        );
        assert_eq!(
            (created.min_average_tenths, created.min_core_tenths),
            (Some(700), Some(700))
        );
        let (status, _) = post_form(
            &app,
            &admin,
            "/staff/degree-batches",
            &format!("/staff/degree-batches/{}/window", created.id),
            &[
                ("opens", "2027-03-01T09:00"),
                ("closes", "2027-04-15T17:00"),
            ],
        )
        .await;
        assert_eq!(status, 303);
        let moved = store::graduation::application::batch(&app.db.db, created.id)
            .await
            .unwrap();
        assert_eq!(
            moved.closes_at.format("%m-%d %H:%M").to_string(),
            "04-15 09:00"
        );

        // A reviewer of the school and another organisation's admin may not.
        for who in [
            accounts::STAFF_CE_SCHOOL_REVIEWER,
            accounts::STAFF_CQ_OFFICE_ADMIN,
        ] {
            let s = app.with_user(User::Staff(who)).await;
            let (status, page) = app.get_text(&s, "/staff/degree-batches").await;
            assert_eq!(status, 403, "{who}");
            assert!(page.contains("由继续教育学院的管理员设置"));
            let token = common::csrf_in(&page).unwrap_or_default();
            let r = s
                .post(app.url(&format!("/staff/degree-batches/{}/window", created.id)))
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("opens", "2027-01-01T09:00"),
                    ("closes", "2027-12-01T09:00"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{who}");
        }
    }
}

/// The whole 学位申请 through the API: the student saves the form (a refusal names its field),
/// uploads both files, submits; the school reviews and records the award. Nobody else can.
#[tokio::test]
async fn the_degree_application_runs_through_the_api_for_student_and_school() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        store_qualified_language(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let c = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let token = common::api_token(&app, &c).await;
        let s = store::repo::student::by_student_no(&app.db.db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        let mut form = serde_json::json!({
            "name": s.name, "name_pinyin": domain::degree::pinyin::name_pinyin(&s.name),
            "id_card_no": s.id_card_no, "entry_month": "2022-3", "graduation_month": "202407",
            "country": "中国", "email": "s@example.com", "qq": "10001234",
            "wechat": "student_01", "thesis_title": "地域文化的视觉表达"
        });
        let url = app.url("/api/v1/degree/application");
        let (status, body) = common::api_send(c.put(&url).json(&form), &token).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["entry_month"]
                .as_str()
                .unwrap()
                .contains("六位数字"),
            "{body}"
        );
        // Uploading before the form is saved is refused; nothing is stored.
        let before = common::stored_objects(&app);
        let pdf = || {
            reqwest::multipart::Part::bytes(b"%PDF-1.7\n1 0 obj\n%%EOF".to_vec())
                .file_name("thesis.pdf")
                .mime_str("application/pdf")
                .unwrap()
        };
        let upload = |slot: &'static str| {
            c.post(app.url("/api/v1/degree/files")).multipart(
                reqwest::multipart::Form::new()
                    .text("slot", slot)
                    .part("file", pdf()),
            )
        };
        let (status, body) = common::api_send(upload("thesis"), &token).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert_eq!(common::stored_objects(&app), before);

        form["entry_month"] = "202203".into();
        let (status, body) = common::api_send(c.put(&url).json(&form), &token).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let id = body["id"].as_i64().unwrap();
        let (status, body) =
            common::api_send(c.post(app.url("/api/v1/degree/submission")), &token).await;
        assert_eq!(status, 422, "{}: files missing: {body}", b.name());
        for slot in ["thesis", "form"] {
            let (status, body) = common::api_send(upload(slot), &token).await;
            assert_eq!(status, 201, "{}: {slot}: {body}", b.name());
            assert_eq!(body["slot"], slot);
        }
        let (status, body) =
            common::api_send(c.post(app.url("/api/v1/degree/submission")), &token).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "submitted");

        // Another organisation cannot review it; the school can, with an opinion to reject.
        let review_url = app.url(&format!("/api/v1/degree/applications/{id}/review"));
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let other_token = common::api_token(&app, &other).await;
        let (status, _) = common::api_send(
            other
                .post(&review_url)
                .json(&serde_json::json!({"decision": "approve"})),
            &other_token,
        )
        .await;
        assert_eq!(status, 404, "{}", b.name());
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let school_token = common::api_token(&app, &school).await;
        let (status, body) = common::api_send(
            school
                .post(&review_url)
                .json(&serde_json::json!({"decision": "reject", "opinion": ""})),
            &school_token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["opinion"]
                .as_str()
                .unwrap()
                .contains("必须填写审核意见"),
            "{body}"
        );
        let (status, body) = common::api_send(
            school
                .post(&review_url)
                .json(&serde_json::json!({"decision": "approve", "version": 0})),
            &school_token,
        )
        .await;
        assert_eq!(status, 409, "{}: stale version: {body}", b.name());
        let (status, body) = common::api_send(
            school
                .post(&review_url)
                .json(&serde_json::json!({"decision": "approve"})),
            &school_token,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["review_status"], "approved");

        let a = store::degree::application::get(&app.db.db, id)
            .await
            .unwrap();
        let award = |result: &str| serde_json::json!({"batch_id": a.batch_id, "award": result, "ids": [id]});
        let (status, body) = common::api_send(
            school
                .post(app.url("/api/v1/degree/awards"))
                .json(&award("maybe")),
            &school_token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["award"].is_string(), "{body}");
        let (status, body) = common::api_send(
            school
                .post(app.url("/api/v1/degree/awards"))
                .json(&award("awarded")),
            &school_token,
        )
        .await;
        assert_eq!(
            (status, body["recorded"].as_u64()),
            (200, Some(1)),
            "{}: {body}",
            b.name()
        );
        let (_, body) = common::api_send(c.get(app.url("/api/v1/degree")), &token).await;
        assert_eq!(body["application"]["award"], "awarded", "{body}");
    }
}

#[tokio::test]
async fn a_school_adds_a_committee_stage_and_the_award_waits_for_it() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/degree-rules").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains(">学校审核</textarea>"), "{page}");
        let rules = |degree_stages: &'static str| {
            let admin = admin.clone();
            let app = &app;
            async move {
                post_form(
                    app,
                    &admin,
                    "/staff/degree-rules",
                    "/staff/degree-rules",
                    &[
                        ("language_min_average", "70"),
                        ("degree_min_average", "70"),
                        ("degree_min_core", "70"),
                        ("language_stages", "学校审核"),
                        ("degree_stages", degree_stages),
                    ],
                )
                .await
            }
        };
        // At the limits: five stages and twenty characters pass, one more of either does not.
        let (status, page) = rules("一\n二\n三\n四\n五\n六").await;
        assert_eq!(status, 422);
        assert!(
            page.contains("学位申请审核环节最多5个环节，实际填写了6个，多了1个"),
            "{page}"
        );
        assert!(page.contains("五\n六</textarea>"), "typed list kept");
        let (status, page) = rules("学院审核\n一二三四五六七八九十一二三四五六七八九十一").await;
        assert_eq!(status, 422);
        assert!(page.contains("有21个字，最多20个字"), "{page}");
        let (status, _) = rules("一\n二\n三\n四\n一二三四五六七八九十一二三四五六七八九十").await;
        assert_eq!(status, 303);
        let (status, _) = rules("学院审核\n学位评定分委员会").await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&admin, "/staff/degree-rules").await;
        assert!(
            page.contains(">学院审核\n学位评定分委员会</textarea>"),
            "{page}"
        );

        // A batch created now copies the two stages; the one under way keeps its one.
        let opens = (chrono::Utc::now() + chrono::Duration::hours(8) - chrono::Duration::hours(1))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let closes = (chrono::Utc::now() + chrono::Duration::days(30))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let (status, page) = post_form(
            &app,
            &admin,
            "/staff/degree-batches",
            "/staff/degree-batches",
            &[
                ("kind", "degree"),
                ("name", "2027春季学位申请"),
                ("opens", &opens),
                ("closes", &closes),
            ],
        )
        .await;
        assert_eq!(status, 303, "{page}");
        let (_, page) = app.get_text(&admin, "/staff/degree-batches").await;
        assert!(page.contains("学院审核 → 学位评定分委员会"), "{page}");
        assert!(
            page.contains("<td class=\"stages\">学校审核</td>"),
            "{page}"
        );
        let batch = store::repo::reference::batches(&app.db.db, "degree")
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.name == "2027春季学位申请")
            .unwrap();

        store_qualified_language(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let a = submitted_in(&app, accounts::STUDENT_ABOVE_THRESHOLDS, &batch).await;
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let (_, page) = app
            .get_text(&school, &format!("/staff/degree?batch={}", batch.id))
            .await;
        assert!(page.contains("待审核（学院审核）"), "{page}");
        let detail = format!("/staff/degree/{}", a.id);
        let (_, page) = app.get_text(&school, &detail).await;
        assert!(
            page.contains("本次审核环节：<strong>学院审核</strong>"),
            "{page}"
        );
        let (status, _) = post_form(
            &app,
            &school,
            &detail,
            &format!("/staff/degree/{}/review", a.id),
            &[("decision", "approve"), ("version", &a.version.to_string())],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&school, &detail).await;
        assert!(
            page.contains("本次审核环节：<strong>学位评定分委员会</strong>"),
            "{page}"
        );
        let owner = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(page.contains("待审核（学位评定分委员会）"), "{page}");

        // 授予 before the committee has decided records nothing.
        let award = || {
            let school = school.clone();
            let app = &app;
            let batch_id = batch.id.to_string();
            let id = a.id.to_string();
            async move {
                let token = app.csrf(&school, "/staff/degree").await;
                school
                    .post(app.url("/staff/degree/award"))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("batch", batch_id.as_str()),
                        ("award", "awarded"),
                        ("ids", id.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }
        };
        award().await;
        let now = store::degree::application::get(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(now.award, None, "{}", b.name());

        // The committee decides over the API; then 授予 is recorded.
        let token = common::api_token(&app, &school).await;
        let (status, body) = common::api_send(
            school
                .post(app.url(&format!("/api/v1/degree/applications/{}/review", a.id)))
                .json(&serde_json::json!({"decision": "approve", "version": now.version})),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["review_status"], "approved");
        assert_eq!(body["stage"], serde_json::Value::Null);
        assert_eq!(award().await, 303);
        let done = store::degree::application::get(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(done.award.as_deref(), Some("awarded"), "{}", b.name());
        let (_, page) = app.get_text(&owner, "/student/degree").await;
        assert!(page.contains("审核通过") && page.contains("授予"), "{page}");
    }
}

#[tokio::test]
async fn the_school_admin_sets_stages_and_batches_over_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let token = common::api_token(&app, &admin).await;
        let rules_url = app.url("/api/v1/degree/rules");
        let (status, before) = common::api_send(admin.get(&rules_url), &token).await;
        assert_eq!(status, 200, "{}: {before}", b.name());
        assert_eq!(before["degree_stages"], serde_json::json!(["学校审核"]));

        // Every wrong field is named, and nothing changes.
        let mut rules = before.clone();
        rules["language_min_average"] = "100.5".into();
        rules["degree_stages"] = serde_json::json!(["一", "二", "三", "四", "五", "六"]);
        let (status, body) = common::api_send(admin.put(&rules_url).json(&rules), &token).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["fields"]["degree_stages"]
                .as_str()
                .unwrap()
                .contains("实际填写了6个，多了1个"),
            "{body}"
        );
        assert!(
            body["fields"]["language_min_average"]
                .as_str()
                .unwrap()
                .contains("0至100"),
            "{body}"
        );
        let (_, unchanged) = common::api_send(admin.get(&rules_url), &token).await;
        assert_eq!(unchanged, before);
        let mut rules = before.clone();
        rules["degree_stages"] = serde_json::json!(["学院审核", "学位评定分委员会"]);
        let (status, saved) = common::api_send(admin.put(&rules_url).json(&rules), &token).await;
        assert_eq!(status, 200, "{saved}");
        assert_eq!(
            saved["degree_stages"],
            serde_json::json!(["学院审核", "学位评定分委员会"])
        );

        let batches_url = app.url("/api/v1/degree/batches");
        let start = chrono::Utc::now();
        let at = |days: i64| (start + chrono::Duration::days(days)).to_rfc3339();
        let new = |opens: String, closes: String| serde_json::json!({"kind": "degree", "name": "2027秋季学位申请", "opens_at": opens, "closes_at": closes});
        let (status, body) =
            common::api_send(admin.post(&batches_url).json(&new(at(5), at(5))), &token).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["fields"]["closes_at"]
                .as_str()
                .unwrap()
                .contains("必须晚于开始时间")
        );
        let (status, created) =
            common::api_send(admin.post(&batches_url).json(&new(at(5), at(35))), &token).await;
        assert_eq!(status, 201, "{}: {created}", b.name());
        assert_eq!(
            created["stages"],
            serde_json::json!(["学院审核", "学位评定分委员会"])
        );
        assert_eq!(created["min_core"], "70");
        let (status, _) =
            common::api_send(admin.post(&batches_url).json(&new(at(5), at(35))), &token).await;
        assert_eq!(status, 409, "same kind and name");
        let window = app.url(&format!(
            "/api/v1/degree/batches/{}/window",
            created["id"].as_i64().unwrap()
        ));
        let (status, _) = common::api_send(
            admin
                .put(&window)
                .json(&serde_json::json!({"opens_at": at(6), "closes_at": at(6)})),
            &token,
        )
        .await;
        assert_eq!(status, 422);
        let (status, moved) = common::api_send(
            admin
                .put(&window)
                .json(&serde_json::json!({"opens_at": at(6), "closes_at": at(40)})),
            &token,
        )
        .await;
        assert_eq!(status, 200, "{moved}");
        let (_, list) = common::api_send(admin.get(&batches_url), &token).await;
        let listed = list
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == created["id"])
            .unwrap();
        assert_eq!(listed["closes_at"], moved["closes_at"]);

        // A reviewer of the school and an admin elsewhere are refused.
        for user in [
            accounts::STAFF_CE_SCHOOL_REVIEWER,
            accounts::STAFF_CQ_OFFICE_ADMIN,
        ] {
            let c = app.with_user(User::Staff(user)).await;
            let t = common::api_token(&app, &c).await;
            let (status, _) = common::api_send(c.get(&batches_url), &t).await;
            assert_eq!(status, 403, "{user}");
            let (status, _) = common::api_send(c.put(&rules_url).json(&rules), &t).await;
            assert_eq!(status, 403, "{user}");
        }

        // 学位外语 bulk review: each application on its own.
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_REVIEWER))
            .await;
        let t = common::api_token(&app, &reviewer).await;
        let bulk = app.url("/api/v1/language/bulk-review");
        let (status, body) = common::api_send(
            reviewer.post(&bulk).json(&serde_json::json!({
                "ids": [987654], "decision": "approve", "qualification": "qualified"
            })),
            &t,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["done"], serde_json::json!([]));
        assert_eq!(body["refused"][0]["id"], 987654);
        let (status, body) = common::api_send(
            reviewer.post(&bulk).json(&serde_json::json!({
                "ids": [], "decision": "approve", "qualification": "qualified"
            })),
            &t,
        )
        .await;
        assert_eq!(status, 422, "{body}");
    }
}

/// Records a reviewed 学位外语 application of the student in an exam of `exam_kind` (in
/// `language`), 合格 or not; none of them holds the batch's active slot.
async fn store_language_result(
    app: &TestApp,
    student_no: &str,
    exam_kind: &str,
    language: &str,
    qualified: bool,
) {
    use sea_orm::{ActiveModelTrait, Set};
    let s = store::repo::student::by_student_no(&app.db.db, student_no)
        .await
        .unwrap()
        .unwrap();
    let batch = store::repo::reference::batches(&app.db.db, "language")
        .await
        .unwrap()
        .remove(0);
    let now = chrono::Utc::now();
    store::entity::language_application::ActiveModel {
        student_id: Set(s.id),
        batch_id: Set(batch.id),
        active_batch_id: Set(None),
        subject: Set("foreign_language".into()),
        certificate_type: Set("other_language".into()),
        exam_kind: Set(exam_kind.into()),
        exam_level: Set(None),
        language: Set(language.into()),
        obtained_on: Set(chrono::NaiveDate::from_ymd_opt(2021, 6, 20).unwrap()),
        transcript_no: Set("RU2021-0001".into()),
        score: Set("合格".into()),
        score_status: Set("合格".into()),
        average_hundredths: Set(9195),
        status: Set(if qualified { "approved" } else { "rejected" }.into()),
        review_opinion: Set(None),
        qualification: Set(Some(
            if qualified {
                "qualified"
            } else {
                "unqualified"
            }
            .into(),
        )),
        reviewed_by: Set(None),
        reviewed_at: Set(Some(now)),
        withdrawn_at: Set(None),
        version: Set(2),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db.db)
    .await
    .unwrap();
}

/// The text of the element with `id` in `page` (the first tag carrying it, up to its close).
fn element_text(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let open_end = at + page[at..].find('>').unwrap() + 1;
    let close = open_end + page[open_end..].find("</").unwrap();
    page[open_end..close].to_owned()
}

#[tokio::test]
async fn the_degree_form_carries_the_exam_number_entry_month_language_and_a_cancel() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let student_no = accounts::STUDENT_ABOVE_THRESHOLDS;
        let s = store::repo::student::by_student_no(&app.db.db, student_no)
            .await
            .unwrap()
            .unwrap();
        assert!(!s.exam_reg_no.is_empty(), "the demo student has a 考生号");
        assert_eq!(s.entry_month.as_deref(), Some("202203"));
        let c = app.with_user(User::Student(student_no)).await;
        store_qualified_language(&app, student_no).await;
        // A Russian result that was not recognised does not count.
        store_language_result(&app, student_no, "russian_major", "russian", false).await;

        let (status, page) = app.get_text(&c, "/student/degree/apply").await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        // 考生号 from the record, as the downloaded 学位申请表 carries it.
        assert_eq!(
            element_text(&page, "exam-reg-no"),
            s.exam_reg_no,
            "{}",
            b.name()
        );
        // 本科入学年月 prefilled from the record, as the seed shows it.
        assert_eq!(
            common::attr_after(&page, "id=\"entry_month\" name=\"entry_month\" value=\""),
            "202203",
            "{}",
            b.name()
        );
        // 语种: the language of the recognised result only, as the seed shows it.
        assert_eq!(
            element_text(&page, "degree-language"),
            "英语（English）",
            "{}",
            b.name()
        );
        // 取消 leaves for the degree page without saving anything.
        assert!(
            page.contains("<a href=\"/student/degree\" id=\"degree-cancel\">取消</a>"),
            "{}",
            b.name()
        );
        let (status, _) = app.get_text(&c, "/student/degree").await;
        assert_eq!(status, 200);
        assert!(
            store::degree::application::of_student(&app.db.db, s.id, {
                store::repo::reference::batches(&app.db.db, "degree")
                    .await
                    .unwrap()
                    .remove(0)
                    .id
            })
            .await
            .unwrap()
            .is_none(),
            "{}: nothing saved",
            b.name()
        );

        // Recognised in Russian too: both are shown.
        store_language_result(&app, student_no, "russian_major", "russian", true).await;
        let (_, page) = app.get_text(&c, "/student/degree/apply").await;
        assert_eq!(
            element_text(&page, "degree-language"),
            "英语（English）、俄语（Russian）",
            "{}",
            b.name()
        );

        // The template the student downloads carries the same 考生号 and 本科入学年月.
        let r = c
            .get(app.url("/student/degree/template.xlsx"))
            .send()
            .await
            .unwrap();
        let bytes = r.bytes().await.unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
        use calamine::Reader;
        let sheet = book.worksheet_range("学位申请表").unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, d)| d.to_string()).collect();
        for expected in [s.exam_reg_no.as_str(), "202203"] {
            assert!(
                cells.iter().any(|c| c.contains(expected)),
                "{}: {expected} in the template",
                b.name()
            );
        }
    }
}

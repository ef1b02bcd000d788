//! A province that exists only as a definition: four stages (university, prefecture, a ¥65 fee,
//! office), a 200K scan limit and a year-end ID cutoff. Its organisations come from the
//! definition's tree; its candidate applies, uploads, is reviewed at every stage, pays, is
//! approved and sees the progress and the archive over HTTP, with no line of the application
//! naming the province.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::io::Cursor;

use chrono::{Duration, NaiveDate, SubsecRound, Utc};
use common::{PASSWORD, TestApp, spawn_app};
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::testkit::app_backends;

const DEFINITION: &str = r#"
code = "lingnan"
label = "岭南省"
org_kinds = ["provincial_office", "prefecture_agency", "district_agency", "chief_university"]
office = "provincial_office"
id_cutoff = "year_end"
moral = "assessed_in_review"
notice = [
  "岭南省毕业申请须知：审核进度包含{stages}；毕业审核费 {fee} 元；图片每张不超过 {scan_limit}。",
  "信息有误的，请先申请[考籍更正](/candidate/corrections)。",
]

[[stages]]
name = "主考学校初审"
review = "chief_university"

[[stages]]
name = "地市招生考试机构复审"
review = "prefecture_or_university"

[[stages]]
name = "缴纳毕业审核费"
fee_fen = 6500

[[stages]]
name = "省教育考试院终审"
review = "office"

[form]
register_sections = true
id_validity = true
commitment_letter = false
exemption_forms = false
practical_notice = false
certificate_photo = false
scan_max_bytes = 204800
prior_reviewed_before_submit = false
prior_by_authorisation = false

[[tree]]
key = "office"
kind = "provincial_office"
code = "LN0000"
name = "岭南省教育考试院"

[[tree]]
key = "pref"
parent = "office"
kind = "prefecture_agency"
code = "LN0100"
name = "南州市招生考试机构"

[[tree]]
key = "district"
parent = "pref"
kind = "district_agency"
code = "LN0101"
name = "南州市东区招生办"

[[tree]]
key = "uni"
parent = "office"
kind = "chief_university"
code = "LN9001"
name = "岭南大学"
announcement = "岭南大学毕业证书领取公告：请持身份证到继续教育学院领取。"
"#;

const ADMISSION_NO: &str = "460100000001";

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 255) as u8, (y * 3 % 255) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

/// An ID number of region 460100 with a valid check digit.
fn id_card() -> String {
    let first17 = "46010019950315123";
    format!("{first17}{}", domain::ids::check_digit(first17).unwrap())
}

/// Installs the definition and sets the province up as an office would: organisations from the
/// tree, a reviewer at each reviewing organisation, a major with its plan, a batch, and one
/// candidate whose every course is passed.
async fn set_up(app: &TestApp) {
    let def = domain::province::Definition::parse("lingnan.toml", DEFINITION).unwrap();
    let p = domain::province::install(def).unwrap();
    let db = &app.db.db;
    let now = Utc::now().trunc_subsecs(0);
    let created = store::repo::org::init_province(db, p, now).await.unwrap();
    assert_eq!(created, 4);
    // Running it again creates nothing.
    assert_eq!(
        store::repo::org::init_province(db, p, now).await.unwrap(),
        0
    );
    let org = |code: &'static str| async move {
        store::repo::org::by_code(db, code).await.unwrap().unwrap()
    };
    for (code, user) in [
        ("LN9001", "ln_uni"),
        ("LN0100", "ln_pref"),
        ("LN0000", "ln_office"),
    ] {
        store::repo::staff::create_with_password(
            db,
            org(code).await.id,
            user,
            "审核员",
            domain::StaffRole::Reviewer,
            PASSWORD,
            now,
        )
        .await
        .unwrap();
    }
    let uni = org("LN9001").await;
    let codes = ["LN001", "LN002", "LN003"];
    for (i, c) in codes.iter().enumerate() {
        store::repo::reference::upsert_course(db, c, &format!("岭南课程{}", i + 1))
            .await
            .unwrap();
    }
    let major = store::repo::reference::create_major(
        db,
        store::repo::reference::NewMajor {
            province: Some("lingnan"),
            code: "590108",
            name: "软件技术",
            level: domain::Level::Associate,
            chief_university_id: uni.id,
        },
    )
    .await
    .unwrap();
    let plan: Vec<_> = codes
        .iter()
        .map(|c| store::repo::reference::PlanCourseInput {
            course_code: (*c).to_owned(),
            credits: 4,
            kind: domain::CourseKind::Theory,
            degree_core: false,
        })
        .collect();
    store::repo::reference::replace_plan(db, major.id, &plan)
        .await
        .unwrap();
    let district = org("LN0101").await;
    let cand = store::repo::candidate::insert(
        db,
        store::repo::candidate::NewCandidate {
            admission_no: domain::AdmissionNo::parse(ADMISSION_NO).unwrap(),
            name: "林海".to_owned(),
            id_card_no: domain::IdCardNo::parse(&id_card()).unwrap(),
            ethnicity: "汉族".to_owned(),
            political_status: "群众".to_owned(),
            phone: Some(domain::Phone::parse("13800138000").unwrap()),
            address: Some("岭南省南州市东区海滨路1号".to_owned()),
            candidate_type: domain::CandidateType::SelfStudy,
            province: p,
            registration_org_id: district.id,
        },
        store::repo::password::hash(PASSWORD).unwrap(),
        now,
    )
    .await
    .unwrap();
    for c in codes {
        store::repo::reference::insert_score(
            db,
            cand.id,
            c,
            domain::ScoreValue::parse("75").unwrap(),
            NaiveDate::from_ymd_opt(2025, 10, 19).unwrap(),
            domain::ScoreSource::Exam,
            now,
        )
        .await
        .unwrap();
    }
    store::repo::reference::add_enrolled_major(db, cand.id, "lingnan", major.id, now)
        .await
        .unwrap();
    store::repo::reference::create_batch(
        db,
        store::repo::reference::NewBatch {
            kind: "graduation",
            province: Some("lingnan"),
            org_id: None,
            name: "岭南省2026年下半年毕业",
            opens_at: now - Duration::days(1),
            closes_at: now + Duration::days(30),
        },
        now,
    )
    .await
    .unwrap();
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/profile").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn upload(app: &TestApp, c: &reqwest::Client, slot: &str, bytes: Vec<u8>) -> (u16, String) {
    let token = app.csrf(c, "/candidate/profile").await;
    let form = Form::new()
        .text("csrf_token", token)
        .text("slot", slot.to_owned())
        .part(
            "file",
            Part::bytes(bytes)
                .file_name("scan.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = c
        .post(app.url("/candidate/application/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn decide(app: &TestApp, reviewer: &str, id: i64, stage: &str) {
    let c = app.with_user(User::Staff(reviewer)).await;
    let (status, page) = app.get_text(&c, &format!("/staff/reviews/{id}")).await;
    assert_eq!(status, 200, "{reviewer} sees the application: {page}");
    let token = common::csrf_in(&page).unwrap();
    let r = c
        .post(app.url(&format!("/staff/reviews/{id}/decide")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("stage", stage),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(status, 303, "{reviewer}: {}", r.text().await.unwrap());
}

async fn application(app: &TestApp) -> store::entity::graduation_application::Model {
    let cand = app.candidate(ADMISSION_NO).await;
    store::graduation::application::of_candidate(&app.db.db, cand.id)
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn a_province_defined_only_as_data_runs_the_whole_graduation_flow() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        set_up(&app).await;
        let c = app.with_user(User::Candidate(ADMISSION_NO)).await;

        // The self-check shows this province's 须知 with its own stages, fee and limit.
        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        for part in [
            "岭南省毕业申请须知：审核进度包含主考学校初审、地市招生考试机构复审、缴纳毕业审核费、省教育考试院终审",
            "毕业审核费 65.00 元",
            "200K（204,800 字节）",
            "<a href=\"/candidate/corrections\">考籍更正</a>",
        ] {
            assert!(page.contains(part), "{}: {part} missing", b.name());
        }
        assert!(
            !page.contains("市自考办"),
            "{}: no other province's text",
            b.name()
        );
        assert!(page.contains("您已满足全部毕业条件"), "{}", b.name());

        // Apply.
        let major = common::attr_after(&page, "name=\"major_id\" value=\"");
        let batch = common::attr_after(&page, "<option value=\"");
        let (status, body) = post_form(
            &app,
            &c,
            "/candidate/application/open",
            &[
                ("major_id", &major),
                ("batch_id", &batch),
                ("acknowledged", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}: {body}", b.name());

        // The sections of the definition's form.
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        let major = common::attr_after(&page, "<option value=\"");
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/major",
            &[("major_id", &major)],
        )
        .await;
        assert_eq!(status, 303);
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/resume",
            &[
                ("from", "2012-09"),
                ("to", "2015-06"),
                ("unit", "南州市第一中学"),
                ("role", "学生"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/self-appraisal",
            &[("text", &"学".repeat(300))],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());

        // The year-end cutoff: the batch's cutoff day itself is refused, the next day saved.
        let opened = (Utc::now() - Duration::days(1) + Duration::hours(8)).date_naive();
        let cutoff = domain::province::IdCutoffRule::YearEnd
            .cutoff(opened)
            .unwrap();
        let (status, body) = post_form(
            &app,
            &c,
            "/candidate/application/id-validity",
            &[("id_valid_until", &cutoff.to_string())],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("请先换领有效身份证"), "{body}");
        let next = cutoff.succ_opt().unwrap().to_string();
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/id-validity",
            &[("id_valid_until", &next)],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());

        // The 200K limit: one byte past it is refused with both figures, at it is accepted.
        let mut big = jpeg(64, 48);
        big.resize(204_801, 0);
        let (status, body) = upload(&app, &c, "id_front", big).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("204,801 字节"), "{}: {body}", b.name());
        let mut at_limit = jpeg(64, 48);
        at_limit.resize(204_800, 0);
        let (status, body) = upload(&app, &c, "id_front", at_limit).await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        for slot in ["id_back", "photo"] {
            let (status, body) = upload(&app, &c, slot, jpeg(320, 200)).await;
            assert_eq!(status, 303, "{}: {slot} {body}", b.name());
        }
        let token = app.csrf(&c, "/candidate/application").await;
        let form = Form::new()
            .text("csrf_token", token)
            .text("x", "20")
            .text("y", "30")
            .text("w", "200")
            .text("h", "80")
            .part(
                "file",
                Part::bytes(jpeg(400, 300))
                    .file_name("sign.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        let r = c
            .post(app.url("/candidate/application/signature"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());

        let (status, body) = post_form(&app, &c, "/candidate/application/submit", &[]).await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        let a = application(&app).await;
        assert_eq!((a.status.as_str(), a.stage), ("in_review", Some(0)));

        // A submitted application takes no more files, and the refused picture is not kept.
        let objects = common::stored_objects(&app);
        let (status, body) = upload(&app, &c, "id_back", jpeg(320, 200)).await;
        assert!(status >= 400, "{}: {status} {body}", b.name());
        assert_eq!(
            common::stored_objects(&app),
            objects,
            "{}: no orphan",
            b.name()
        );
        // Slots this province's form does not ask for are refused by name.
        let (status, body) = upload(&app, &c, "commitment", jpeg(320, 200)).await;
        assert!(status >= 400, "{}: {status}", b.name());
        assert!(
            body.contains("本省毕业申请无需上传"),
            "{}: {body}",
            b.name()
        );

        // Every review stage, each by the organisation the definition names.
        decide(&app, "ln_uni", a.id, "0").await;
        let a = application(&app).await;
        assert_eq!((a.status.as_str(), a.stage), ("in_review", Some(1)));
        assert_eq!(
            a.current_org_id,
            Some(
                store::repo::org::by_code(&app.db.db, "LN0100")
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            )
        );
        decide(&app, "ln_pref", a.id, "1").await;
        let a = application(&app).await;
        assert_eq!((a.status.as_str(), a.stage), ("awaiting_payment", Some(2)));

        // The fee of the definition, paid at the gateway.
        let token = app.csrf(&c, "/candidate/profile").await;
        let r = c
            .post(app.url("/candidate/application/pay"))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let gateway = r.headers()["location"].to_str().unwrap().to_owned();
        let orders = store::payment::orders_of(&app.db.db, a.id).await.unwrap();
        assert_eq!(orders[0].amount_fen, 6500, "{}", b.name());
        let page = c.get(&gateway).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("¥65.00"), "{}", b.name());
        let r = c.post(&gateway).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let a = common::eventually("the payment notification settling the order", || async {
            Some(application(&app).await).filter(|a| a.status == "in_review")
        })
        .await;
        assert_eq!((a.status.as_str(), a.stage), ("in_review", Some(3)));

        decide(&app, "ln_office", a.id, "3").await;
        let a = application(&app).await;
        assert_eq!(a.status, "approved", "{}", b.name());

        // The progress page lists the definition's stages; the archive is filed.
        let (_, page) = app.get_text(&c, "/candidate/application/progress").await;
        for stage in [
            "主考学校初审",
            "地市招生考试机构复审",
            "缴纳毕业审核费",
            "省教育考试院终审",
        ] {
            assert!(page.contains(stage), "{}: {stage}", b.name());
        }
        assert!(
            store::graduation::archive::of(&app.db.db, a.id)
                .await
                .unwrap()
                .is_some(),
            "{}: archive filed",
            b.name()
        );
        // The job renders it; the candidate then downloads it.
        let built = common::run_jobs(&app).await;
        let archive = store::graduation::archive::of(&app.db.db, a.id)
            .await
            .unwrap()
            .unwrap();
        if printout::Printer::new(None).font_available() {
            assert!(built.contains(&jobs::Job::BuildArchives), "{}", b.name());
            assert_eq!(archive.status, "done", "{}", b.name());
            let r = c
                .get(app.url("/candidate/application/archive.pdf"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{}", b.name());
            let pdf = r.bytes().await.unwrap();
            assert!(pdf.starts_with(b"%PDF"));
            // Issued with a verification code, whose public lookup names this very file.
            use store::entity::issued_document as issued;
            let issue = issued::Entity::find()
                .filter(issued::Column::Kind.eq("e_archive"))
                .filter(issued::Column::SubjectId.eq(a.candidate_id))
                .one(&app.db.db)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{}: the archive's issue is recorded", b.name()));
            let found: serde_json::Value = app
                .client()
                .get(app.url(&format!("/api/v1/verify/{}", issue.code)))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
            assert_eq!(found["sha256"], digest.as_str(), "{}: {found}", b.name());
            assert_eq!(found["kind_label"], "毕业生电子档案", "{}", b.name());
            assert_eq!(found["current"], true, "{}", b.name());
        } else {
            assert!(
                std::env::var_os("BIYE_REQUIRE_FONT").is_none(),
                "no CJK font installed"
            );
            assert_eq!(archive.status, "pending", "{}", b.name());
        }
    }
}

#[tokio::test]
async fn an_invalid_definition_is_refused_with_the_field_named() {
    let text = DEFINITION.replace("fee_fen = 6500", "fee_fen = 0");
    let e = domain::province::Definition::parse("lingnan.toml", &text)
        .unwrap_err()
        .0;
    assert!(
        e.contains("lingnan.toml") && e.contains("费用 fee_fen 应大于 0，实际为 0"),
        "{e}"
    );
    let text = DEFINITION.replace(
        "review = \"prefecture_or_university\"",
        "review = \"confirmation_point_or_university\"",
    );
    let e = domain::province::Definition::parse("lingnan.toml", &text)
        .unwrap_err()
        .0;
    assert!(e.contains("org_kinds 中没有confirmation_point"), "{e}");
}

async fn post_settings(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, "/staff/province-settings").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c
        .post(app.url("/staff/province-settings"))
        .form(&all)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn an_office_sets_its_fee_limit_and_notice_and_only_new_batches_take_them() {
    use store::demo::accounts;
    use store::graduation::application as apps;
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let db = &app.db.db;
        let running = apps::batches_of_province(db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/province-settings").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("毕业办理设置（重庆市）") && page.contains("默认 40.00 元"));

        // Out of range: both named, nothing saved.
        let (status, body) =
            post_settings(&app, &admin, &[("fee_yuan", "0"), ("scan_limit_k", "9")]).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("费用应在 0.01 至 10000.00 元之间，填写的是 0.00 元"));
        assert!(body.contains("图片大小上限应在 10K 至 10240K 之间，填写的是 9K"));
        assert_eq!(
            store::repo::province_settings::get(db, "chongqing")
                .await
                .unwrap(),
            domain::province::Settings::default()
        );

        let (status, _) = post_settings(
            &app,
            &admin,
            &[
                ("fee_yuan", "45"),
                ("scan_limit_k", "100"),
                (
                    "notice",
                    "重庆市新须知：{stages}，费用 {fee} 元，每张不超过 {scan_limit}。",
                ),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let audits = store::entity::audit::Entity::find()
            .filter(store::entity::audit::Column::Action.eq("province_settings.set"))
            .count(db)
            .await
            .unwrap();
        assert_eq!(audits, 1, "{}", b.name());

        // Two admins saving at once: both are answered, one setting stands.
        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let notice = "重庆市新须知：{stages}，费用 {fee} 元，每张不超过 {scan_limit}。";
        let first = [
            ("fee_yuan", "46"),
            ("scan_limit_k", "100"),
            ("notice", notice),
        ];
        let second = [
            ("fee_yuan", "45"),
            ("scan_limit_k", "100"),
            ("notice", notice),
        ];
        let ((s1, _), (s2, _)) = tokio::join!(
            post_settings(&app, &admin, &first),
            post_settings(&app, &other, &second),
        );
        assert_eq!((s1, s2), (303, 303), "{}", b.name());
        let fee = store::repo::province_settings::get(db, "chongqing")
            .await
            .unwrap()
            .fee_fen;
        assert!(matches!(fee, Some(4500 | 4600)), "{}: {fee:?}", b.name());
        post_settings(&app, &admin, &second).await;

        // The 须知 shows the office's text at once, with the new fee and limit.
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        assert!(
            page.contains(
                "重庆市新须知：主考学校初审、缴纳毕业审定费、市自考办审核，费用 45.00 元，每张不超过 100K（102,400 字节）。"
            ),
            "{}",
            b.name()
        );

        // The batch under way keeps what it copied; a batch created now takes the new values.
        let stages = apps::stages(db, running.id).await.unwrap();
        assert!(
            stages
                .iter()
                .any(|s| s.kind == domain::review::StageKind::Payment { amount_fen: 4000 })
        );
        let running = apps::batch(db, running.id).await.unwrap();
        assert_eq!(running.scan_max_bytes, Some(51_200), "{}", b.name());
        let now = Utc::now().trunc_subsecs(0);
        let new = store::repo::reference::create_batch(
            db,
            store::repo::reference::NewBatch {
                kind: "graduation",
                province: Some("chongqing"),
                org_id: None,
                name: "2027年上半年",
                opens_at: now + Duration::days(100),
                closes_at: now + Duration::days(130),
            },
            now,
        )
        .await
        .unwrap();
        assert_eq!(new.scan_max_bytes, Some(102_400), "{}", b.name());
        let stages = apps::stages(db, new.id).await.unwrap();
        assert!(
            stages
                .iter()
                .any(|s| s.kind == domain::review::StageKind::Payment { amount_fen: 4500 })
        );

        // Only a province office's admins reach the page.
        let school = app
            .with_user(User::Staff(accounts::STAFF_CE_SCHOOL_ADMIN))
            .await;
        let (status, _) = app.get_text(&school, "/staff/province-settings").await;
        assert_eq!(status, 403, "{}", b.name());
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (status, _) = app.get_text(&reviewer, "/staff/province-settings").await;
        assert_eq!(status, 403, "{}", b.name());
    }
}

#[tokio::test]
async fn a_change_made_through_one_instance_shows_on_the_next_page_of_another() {
    use sea_orm::ConnectionTrait;
    use store::demo::accounts;
    use store::graduation::application as apps;
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let other = app.another_instance().await;
        let db = &app.db.db;
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let page_on_other = || async {
            let r = c
                .get(other.url("/candidate/graduation"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200, "{}", b.name());
            r.text().await.unwrap()
        };
        // The other instance serves the page first, keeping the 须知 and batches it read.
        let before = page_on_other().await;
        assert!(before.contains("毕业申请须知"), "{}", b.name());
        assert!(!before.contains("重庆市新须知"), "{}", b.name());

        // The office saves its 须知 through this instance: the other's next page shows it.
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, _) = post_settings(
            &app,
            &admin,
            &[
                ("fee_yuan", "45"),
                ("scan_limit_k", "100"),
                ("notice", "重庆市新须知：费用 {fee} 元。"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        assert!(
            page_on_other()
                .await
                .contains("重庆市新须知：费用 45.00 元。"),
            "{}",
            b.name()
        );

        // An operator's SQL, through neither instance: the batch offered is renamed at once.
        let now = app.state.now();
        let open = apps::batches_of_province(db, "chongqing")
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.opens_at <= now && now < b.closes_at)
            .unwrap();
        assert!(page_on_other().await.contains(&open.name), "{}", b.name());
        db.execute_unprepared(&format!(
            "UPDATE batches SET name = '更名后的批次' WHERE id = {}",
            open.id
        ))
        .await
        .unwrap();
        let page = page_on_other().await;
        assert!(page.contains("更名后的批次"), "{}", b.name());
        assert!(!page.contains(&open.name), "{}", b.name());
    }
}

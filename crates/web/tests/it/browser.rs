//! Browser tests: a real headless Chromium against the whole application at a phone's width
//! (375 px), through the harness in `tests/browser_kit` (what they need and how to keep the
//! screenshots is said there).
//!
//! Browser flows are about the UI, so they run on SQLite only; the database backends are covered
//! by the other test suites.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration, Instant};

use fantoccini::Locator;
use store::demo::accounts;
use store::testkit::Backend;

use common::{PASSWORD, TestApp, spawn_app};

use crate::browser_kit as kit;
use kit::{Page, Site, WAIT, jpeg_file, pdf_file, portrait_file, programs};

impl Site for TestApp {
    fn url(&self, path: &str) -> String {
        TestApp::url(self, path)
    }
}

/// Runs `body` in a fresh browser over a fresh application on SQLite; skips (passes) when the
/// browser is not installed.
pub(crate) async fn with_browser(test: &'static str, body: impl AsyncFnOnce(&Page<'_, TestApp>)) {
    if programs().is_none() {
        return;
    }
    let app = spawn_app(&Backend::Sqlite).await;
    kit::with_browser_on(test, &app, body).await;
}

impl Page<'_, TestApp> {
    /// Signs out by forgetting the cookies, then signs in on `login_path`.
    /// A staff account with two-factor sign-in types the code its app shows on the second page.
    pub(crate) async fn sign_in_as(&self, login_path: &str, username: &str, landing: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.goto(login_path).await;
        self.type_into("#username", username).await;
        self.type_into("#password", PASSWORD).await;
        self.click("#login-submit").await;
        if login_path == "/staff/login" && self.app.has_totp(username).await {
            self.wait_for_path("/staff/login/totp").await;
            let code = self.app.totp_code(username).await;
            self.type_into("#code", &code).await;
            self.click("#totp-submit").await;
        }
        self.wait_for_path(landing).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_candidate_signs_in_and_sees_their_scores() {
    with_browser("candidate-scores", async |page| {
        let number = accounts::CQ_ELIGIBLE_ASSOCIATE;

        page.goto("/login").await;
        page.assert_fits_viewport().await;
        page.type_into("#username", number).await;
        page.type_into("#password", PASSWORD).await;
        page.screenshot("login").await;
        page.click("#login-submit").await;

        page.wait_for_path("/candidate/profile").await;
        let shown = page.find("#admission-no").await.text().await.unwrap();
        assert_eq!(
            shown.trim(),
            number,
            "the profile shows the admission number"
        );
        page.assert_fits_viewport().await;
        page.screenshot("profile").await;

        page.menu_link("成绩查询").await.click().await.unwrap();
        page.wait_for_path("/candidate/scores").await;
        let active = page.find("nav.menu a.active").await.text().await.unwrap();
        assert_eq!(active.trim(), "成绩查询", "the menu marks the current page");

        let sheet = page.find("section.plan-sheet").await;
        let rows = sheet
            .find_all(Locator::Css("table tbody tr[data-course]"))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "the plan sheet lists the plan's courses");
        let passed = sheet.find_all(Locator::Css("td.pass")).await.unwrap();
        assert!(
            !passed.is_empty(),
            "the eligible candidate has passed courses"
        );
        for cell in &passed {
            assert_eq!(cell.text().await.unwrap().trim(), "合格");
        }
        page.assert_fits_viewport().await;

        let shot = page.screenshot("scores").await;
        let size = std::fs::metadata(&shot).unwrap().len();
        assert!(size > 1000, "{} is only {size} bytes", shot.display());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_the_message_in_the_page() {
    with_browser("wrong-password", async |page| {
        let number = accounts::CQ_ELIGIBLE_ASSOCIATE;

        page.goto("/login").await;
        page.type_into("#username", number).await;
        page.type_into("#password", &format!("{PASSWORD}-wrong"))
            .await;
        page.click("#login-submit").await;

        let message = page.find("#login-error").await.text().await.unwrap();
        assert!(
            message.contains("准考证号或密码错误"),
            "the message says what went wrong: {message:?}"
        );
        let url = page.client.current_url().await.unwrap();
        assert_eq!(
            url.path(),
            "/login",
            "the candidate stays on the sign-in page"
        );
        let kept = page.find("#username").await.prop("value").await.unwrap();
        assert_eq!(
            kept.as_deref(),
            Some(number),
            "the admission number is kept"
        );
        page.assert_fits_viewport().await;
        page.screenshot("error").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chongqing_candidate_applies_is_rejected_fixes_pays_and_gets_the_pickup_date() {
    with_browser("graduation-flow", async |page| {
        let files = tempfile::tempdir().unwrap();
        let front = jpeg_file(files.path(), "front.jpg", 320, 200);
        let back = jpeg_file(files.path(), "back.jpg", 320, 200);
        let back_clear = jpeg_file(files.path(), "back-clear.jpg", 360, 220);
        let signature = jpeg_file(files.path(), "signature-photo.jpg", 600, 400);

        // The conditions, the notice and 申请毕业.
        page.sign_in_as(
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            "/candidate/profile",
        )
        .await;
        page.menu_link("毕业条件自查").await.click().await.unwrap();
        page.wait_for_path("/candidate/graduation").await;
        assert!(page.text_of("#notice").await.contains("毕业申请须知"));
        page.click("#apply input[name=acknowledged]").await;
        page.screenshot("conditions").await;
        page.click("#apply button[type=submit]").await;
        page.wait_for_path("/candidate/application").await;
        page.assert_fits_viewport().await;

        // Each section saved on its own.
        page.click("#major button[type=submit]").await;
        page.wait_for_text("#major", "专业及主考学校已确认").await;
        page.save_resume(&[
            ("2012-09", "2015-06", "重庆市第八中学"),
            ("2015-07", "至今", "重庆某科技公司"),
        ])
        .await;
        page.upload("#slot-id_front", &front).await;
        page.wait_for_text("#slot-id_front", "front.jpg").await;
        page.upload("#slot-id_back", &back).await;
        page.wait_for_text("#slot-id_back", "back.jpg").await;

        let appraisal = "本人在自学考试期间认真学习各门课程，".repeat(17);
        page.type_into("#appraisal-text", &appraisal).await;
        let counted = page.text_of("#appraisal-counter").await;
        assert!(counted.contains("已输入 306 字"), "live counter: {counted}");
        page.click("#appraisal button[type=submit]").await;
        page.wait_for_text("#appraisal", "自我鉴定已保存").await;

        // The signature: choose a photo, 截取签名, drag the crop box's corner, save.
        let chooser = page.find("#signature-file").await;
        chooser
            .send_keys(&signature.display().to_string())
            .await
            .unwrap();
        page.find("#crop-area:not([hidden]) #crop-handle").await;
        page.click("#crop-start").await;
        let before: i64 = page
            .find("#crop-w")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap()
            .parse()
            .unwrap();
        let handle = page.find("#crop-handle").await;
        use fantoccini::actions::InputSource;
        let drag = fantoccini::actions::MouseActions::new("mouse".to_owned())
            .then(fantoccini::actions::PointerAction::MoveToElement {
                element: handle,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(fantoccini::actions::PointerAction::Down {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            })
            .then(fantoccini::actions::PointerAction::MoveBy {
                duration: Some(Duration::from_millis(200)),
                x: -60.0,
                y: -10.0,
            })
            .then(fantoccini::actions::PointerAction::Up {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            });
        page.client.perform_actions(drag).await.unwrap();
        let after: i64 = page
            .find("#crop-w")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            after < before,
            "dragging the corner shrinks the box: {before} → {after}"
        );
        page.screenshot("signature-crop").await;
        page.click("#signature-form button[type=submit]").await;
        page.wait_for_text("#signature", "签名已保存").await;
        let saved = page.text_of("#signature figcaption").await;
        assert!(
            saved.contains(&format!("{after}×")),
            "the saved signature is the cropped box: {saved}"
        );

        page.click("#submit-button").await;
        page.wait_for_text("#application-status", "审核中").await;
        page.screenshot("submitted").await;

        // The chief university rejects with a reason from the catalogue.
        page.sign_in_as("/staff/login", accounts::STAFF_CQ_UNIVERSITY, "/staff")
            .await;
        page.review("reject", Some("id_back_unclear")).await;

        // The candidate sees the reason, fixes the picture and resubmits.
        page.sign_in_as(
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            "/candidate/profile",
        )
        .await;
        page.goto("/candidate/application").await;
        let reason = page.text_of("#rejection").await;
        assert!(
            reason.contains("国徽面"),
            "the rejection reason is shown: {reason}"
        );
        page.upload("#slot-id_back", &back_clear).await;
        page.wait_for_text("#slot-id_back", "back-clear.jpg").await;
        page.click("#submit-button").await;
        page.wait_for_text("#application-status", "审核中").await;

        // The university approves; the candidate pays at the gateway.
        page.sign_in_as("/staff/login", accounts::STAFF_CQ_UNIVERSITY, "/staff")
            .await;
        page.review("approve", None).await;
        page.sign_in_as(
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            "/candidate/profile",
        )
        .await;
        page.goto("/candidate/application").await;
        page.click("#pay button[type=submit]").await;
        // The application page has a 交费 button too: be on the gateway's page first.
        page.find("body.gateway").await;
        page.find_by(
            Locator::XPath("//button[normalize-space(.)='交费']"),
            "交费",
        )
        .await;
        page.assert_fits_viewport().await;
        page.screenshot("gateway").await;
        page.find_by(
            Locator::XPath("//button[normalize-space(.)='交费']"),
            "交费",
        )
        .await
        .click()
        .await
        .unwrap();
        page.wait_for_path("/candidate/application/progress").await;
        page.wait_for_text("#stages", "已交费").await;

        // The municipal office approves; the pickup date appears.
        page.sign_in_as("/staff/login", accounts::STAFF_CQ_OFFICE_REVIEWER, "/staff")
            .await;
        page.review("approve", None).await;
        page.sign_in_as(
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            "/candidate/profile",
        )
        .await;
        page.goto("/candidate/application/progress").await;
        let pickup = page.text_of("#pickup").await;
        let cand = page.app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let a = store::graduation::application::of_candidate(&page.app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let day = a.pickup_from.expect("pickup date set");
        assert!(
            pickup.contains(&day.format("%Y年%m月%d日").to_string()),
            "the page shows the pickup date {day}: {pickup}"
        );
        page.assert_fits_viewport().await;
        page.screenshot("pickup").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yunnan_candidate_backfills_scores_applies_and_passes_three_review_levels() {
    with_browser("yunnan-flow", async |page| {
        let files = tempfile::tempdir().unwrap();
        let certificate = jpeg_file(files.path(), "certificate.jpg", 420, 300);
        let front = jpeg_file(files.path(), "front.jpg", 320, 200);
        let back = jpeg_file(files.path(), "back.jpg", 320, 200);
        let commitment = jpeg_file(files.path(), "commitment.jpg", 300, 420);
        let commitment_signed = jpeg_file(files.path(), "commitment-signed.jpg", 300, 420);
        let notice = jpeg_file(files.path(), "notice.jpg", 300, 420);
        let photo = portrait_file(files.path(), "photo.jpg", 600, 800);
        let me = accounts::YN_BACKFILL_NEEDED;

        // Two courses are not in the platform: the conditions say so.
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.menu_link("毕业条件自查").await.click().await.unwrap();
        page.wait_for_path("/candidate/graduation").await;
        assert!(
            page.client.find(Locator::Css("#apply")).await.is_err(),
            "not eligible yet"
        );

        // 13位准考证查询: the old number brings 经济法概论.
        page.menu_link("13位准考证查询")
            .await
            .click()
            .await
            .unwrap();
        page.type_into("#legacy_no", accounts::YN_UNLINKED_LEGACY_NO)
            .await;
        page.click("form[action='/candidate/legacy'] button[type=submit]")
            .await;
        page.wait_for_text(
            &format!("#legacy-{}", accounts::YN_UNLINKED_LEGACY_NO),
            "00043",
        )
        .await;
        page.assert_fits_viewport().await;
        page.screenshot("legacy").await;

        // 成绩补录 with the 1994 certificate.
        page.menu_link("成绩补录").await.click().await.unwrap();
        page.wait_for_path("/candidate/backfills").await;
        page.js(&format!(
            "document.querySelector('#source').value = 'course_certificate'; \
             document.querySelector('#course_code').value = '{}'; return true;",
            accounts::YN_BACKFILL_COURSE
        ))
        .await;
        page.type_into("#score", "68").await;
        page.js("document.querySelector('#obtained_on').value = '1994-11-20'; return true;")
            .await;
        page.type_into("#document_no", "YN1994-003187").await;
        page.find("#file")
            .await
            .send_keys(&certificate.display().to_string())
            .await
            .unwrap();
        page.click("form[action='/candidate/backfills'] button[type=submit]")
            .await;
        page.wait_for_text("#backfills", "待审核").await;
        page.screenshot("backfill-filed").await;

        // The confirmation point takes the original and enters the score.
        page.sign_in_as(
            "/staff/login",
            accounts::STAFF_YN_CONFIRMATION_POINT,
            "/staff",
        )
        .await;
        page.goto("/staff/backfills").await;
        page.click(".backfill input[name=original_kept]").await;
        page.click(".backfill input[name=decision][value=approve]")
            .await;
        page.click(".backfill button[type=submit]").await;
        page.find("#backfills-empty").await;

        // Now every condition holds: the notice, 申请毕业, the Yunnan materials.
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.goto("/candidate/graduation").await;
        page.click("#apply input[name=acknowledged]").await;
        page.click("#apply button[type=submit]").await;
        page.wait_for_path("/candidate/application").await;
        page.click("#major button[type=submit]").await;
        page.wait_for_text("#major", "专业及主考学校已确认").await;
        page.upload("#slot-id_front", &front).await;
        page.wait_for_text("#slot-id_front", "front.jpg").await;
        page.upload("#slot-id_back", &back).await;
        page.wait_for_text("#slot-id_back", "back.jpg").await;
        // A validity ending on the cutoff is refused, naming it; a later one is kept.
        let cand = page.app.candidate(me).await;
        let opened = store::graduation::application::of_candidate(&page.app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let cutoff = store::graduation::application::batch(&page.app.db.db, opened.batch_id)
            .await
            .unwrap()
            .id_valid_after
            .expect("a Yunnan batch has an ID-validity cutoff");
        page.type_into("#id-valid-until", &cutoff.to_string()).await;
        page.click("form[action='/candidate/application/id-validity'] button")
            .await;
        page.wait_for_text(
            "#materials .alert",
            &cutoff.format("须在 %Y年%-m月%-d日 之后").to_string(),
        )
        .await;
        page.type_into("#id-valid-until", "2036-05-01").await;
        page.click("form[action='/candidate/application/id-validity'] button")
            .await;
        page.wait_for_text("#materials", "身份证有效期已保存").await;
        page.upload("#slot-commitment", &commitment).await;
        page.wait_for_text("#slot-commitment", "commitment.jpg")
            .await;
        if page
            .client
            .find(Locator::Css("#slot-practical_notice"))
            .await
            .is_ok()
        {
            page.upload("#slot-practical_notice", &notice).await;
            page.wait_for_text("#slot-practical_notice", "notice.jpg")
                .await;
        }
        // The photo is 600×800: corrected on request, shown beside the original, accepted.
        page.find("#photo-file")
            .await
            .send_keys(&photo.display().to_string())
            .await
            .unwrap();
        page.click("#photo-autofix").await;
        page.click("form[action='/candidate/application/photo'] button[type=submit]")
            .await;
        page.find("#photo-preview").await;
        page.screenshot("photo-preview").await;
        page.click("#photo-accept").await;
        page.find("#photo-saved").await;
        page.assert_fits_viewport().await;
        page.click("#submit-button").await;
        page.wait_for_text("#application-status", "审核中").await;

        // 确认点初审 (with the seal check), then the prefecture sends it back.
        page.sign_in_as(
            "/staff/login",
            accounts::STAFF_YN_CONFIRMATION_POINT,
            "/staff",
        )
        .await;
        page.review_with("approve", None, true).await;
        page.sign_in_as("/staff/login", accounts::STAFF_YN_PREFECTURE, "/staff")
            .await;
        page.review("reject", Some("commitment_missing")).await;

        // The candidate sees why, uploads the signed letter and resubmits.
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.goto("/candidate/application").await;
        let reason = page.text_of("#rejection").await;
        assert!(
            reason.contains("承诺书"),
            "the rejection reason is shown: {reason}"
        );
        page.upload("#slot-commitment", &commitment_signed).await;
        page.wait_for_text("#slot-commitment", "commitment-signed.jpg")
            .await;
        page.click("#submit-button").await;
        page.wait_for_text("#application-status", "审核中").await;

        // All three levels approve.
        for who in [
            accounts::STAFF_YN_CONFIRMATION_POINT,
            accounts::STAFF_YN_PREFECTURE,
            accounts::STAFF_YN_OFFICE_REVIEWER,
        ] {
            page.sign_in_as("/staff/login", who, "/staff").await;
            page.review("approve", None).await;
        }

        // The candidate sees the final approval, the pickup date and the electronic archive.
        page.sign_in_as("/login", me, "/candidate/profile").await;
        page.goto("/candidate/application/progress").await;
        page.wait_for_text("#pickup", "省招生考试院终审已通过")
            .await;
        let a = store::graduation::application::of_candidate(&page.app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(a.status, "approved");
        store::graduation::archive::of(&page.app.db.db, a.id)
            .await
            .unwrap()
            .expect("the archive is queued on final approval");
        page.find("#archive a[href='/candidate/application/archive.pdf']")
            .await;
        // The job renders it, as it does on a running server every 15 seconds.
        crate::common::run_jobs(page.app).await;
        let archive = store::graduation::archive::of(&page.app.db.db, a.id)
            .await
            .unwrap()
            .unwrap();
        if printout::Printer::new(None).font_available() {
            assert_eq!(archive.status, "done", "rendered by the job");
        }
        page.assert_fits_viewport().await;
        page.screenshot("approved").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_gets_the_language_recognised_applies_for_the_degree_and_is_awarded() {
    with_browser("degree-flow", async |page| {
        let files = tempfile::tempdir().unwrap();
        let proof = pdf_file(files.path(), "cet4.pdf");
        let thesis = pdf_file(files.path(), "thesis.pdf");
        let me = accounts::STUDENT_ABOVE_THRESHOLDS;

        // 学位外语: 申请 → 待审核 → 撤销申请 → 申请 again.
        page.sign_in_as("/student/login", me, "/student/profile").await;
        page.menu_link("学位外语").await.click().await.unwrap();
        page.wait_for_path("/student/language").await;
        page.assert_fits_viewport().await;
        let apply_once = async || {
            page.click("#language-table a.apply").await;
            page.find("#language-form").await;
            page.js(
                "document.querySelector('#exam_kind').value = 'cet'; \
                 document.querySelector('#exam_kind').dispatchEvent(new Event('change')); return true;",
            )
            .await;
            page.js("const l = document.querySelector('#exam_level'); \
                     const o = [...l.options].find(o => o.value === 'CET-4'); \
                     if (o) { l.value = 'CET-4'; } return true;")
                .await;
            page.js("document.querySelector('#obtained_on').value = '2023-06-20'; return true;")
                .await;
            page.type_into("#transcript_no", "231012345678901").await;
            page.type_into("#score", "512").await;
            page.find("#files")
                .await
                .send_keys(&proof.display().to_string())
                .await
                .unwrap();
            page.click("#language-form button[type=submit]").await;
            page.wait_for_text("#language-table", "待审核").await;
        };
        apply_once().await;
        page.screenshot("language-pending").await;
        page.click("#language-table button.withdraw").await;
        page.wait_for_text("#language-table", "未申请").await;
        apply_once().await;

        // The window closes; the school reviews: 审核通过, 合格.
        page.app.state.clock.advance(chrono::Duration::days(21));
        page.sign_in_as("/staff/login", accounts::STAFF_CE_SCHOOL_REVIEWER, "/staff")
            .await;
        page.goto("/staff/language").await;
        page.click("#language-queue a[href^='/staff/language/']").await;
        page.click("#decide-form input[name=decision][value=approve]").await;
        page.click("#decide-form button[type=submit]").await;
        page.find("#language-done").await;

        // The student: 合格, every degree condition met, the template, the application.
        page.sign_in_as("/student/login", me, "/student/profile").await;
        page.goto("/student/language").await;
        page.wait_for_text("#language-table", "合格").await;
        page.menu_link("学位申请").await.click().await.unwrap();
        page.wait_for_path("/student/degree").await;
        let conditions = page.text_of("#degree-conditions").await;
        assert_eq!(conditions.matches("不合格").count(), 0, "{conditions}");
        assert!(conditions.contains("91.95") && conditions.contains("学位外语成绩: 合格"));
        // 下载学位申请表模版 is offered (its content is checked over HTTP in tests/degree.rs).
        let link = page.find("#degree-template").await.attr("href").await.unwrap();
        assert_eq!(link.as_deref(), Some("/student/degree/template.xlsx"));
        page.screenshot("degree-conditions").await;
        page.click("#degree-apply").await;
        page.wait_for_path("/student/degree/apply").await;
        let offered = page
            .find("#name_pinyin")
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(!offered.is_empty(), "姓名拼音 is offered");
        page.type_into("#entry_month", "202203").await;
        page.type_into("#graduation_month", "202407").await;
        page.type_into("#email", "student@example.com").await;
        page.type_into("#qq", "10001234").await;
        page.type_into("#wechat", "student_2024").await;
        page.type_into("#thesis_title", "地域文化的视觉表达").await;
        page.click("#degree-save").await;
        page.wait_for_text("#degree-saved", "已保存").await;
        page.upload("#thesis-upload", &thesis).await;
        page.wait_for_text("#thesis-file", "地域文化的视觉表达.pdf").await;
        let form = files.path().join("学位申请表.pdf");
        std::fs::copy(&thesis, &form).unwrap();
        page.upload("#form-upload", &form).await;
        page.find("#form-file").await;
        page.assert_fits_viewport().await;
        page.screenshot("degree-form").await;
        page.click("#degree-confirm").await;
        page.wait_for_text("#degree-status", "待审核").await;

        // The school approves and records 授予.
        page.sign_in_as("/staff/login", accounts::STAFF_CE_SCHOOL_REVIEWER, "/staff")
            .await;
        page.goto("/staff/degree").await;
        page.click("#degree-queue a[href^='/staff/degree/']").await;
        page.click("#degree-review-form input[name=decision][value=approve]").await;
        page.click("#degree-review-form button[type=submit]").await;
        page.find("#degree-done").await;
        page.goto("/staff/degree?status=approved").await;
        page.click("#award-form input[name=ids]").await;
        page.click("#award-form input[name=award][value=awarded]").await;
        page.click("#award-submit").await;
        page.wait_for_text("#degree-done", "学位授予结果已登记").await;

        // The student's table shows 审核通过 and 授予.
        page.sign_in_as("/student/login", me, "/student/profile").await;
        page.goto("/student/degree").await;
        page.wait_for_text("#degree-award", "授予").await;
        assert!(page.text_of("#degree-batches").await.contains("审核通过"));
        page.assert_fits_viewport().await;
        page.screenshot("awarded").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_candidate_activates_and_an_admin_brings_in_a_reviewer() {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    with_browser("accounts", async |page| {
        // As an import leaves a candidate: no password.
        let c = page.app.candidate(accounts::YN_ELIGIBLE_ASSOCIATE).await;
        store::entity::candidate::Entity::update_many()
            .col_expr(
                store::entity::candidate::Column::PasswordHash,
                Expr::value(store::accounts::NO_PASSWORD),
            )
            .filter(store::entity::candidate::Column::Id.eq(c.id))
            .exec(&page.app.db.db)
            .await
            .unwrap();

        page.goto("/login").await;
        page.find_by(
            Locator::LinkText("首次登录（账号激活）"),
            "the activation link",
        )
        .await
        .click()
        .await
        .unwrap();
        page.wait_for_path("/activate").await;
        page.assert_fits_viewport().await;
        page.type_into("#number", &c.admission_no).await;
        page.type_into("#id_card_no", &c.id_card_no).await;
        page.type_into("#name", &c.name).await;
        page.type_into("#phone", "13912345678").await;
        page.screenshot("activate-details").await;
        page.click("#request-code-submit").await;
        // The code field is on the second step only; the first has an info line of its own.
        page.find("#code").await;
        let info = page.text_of("#code-info").await;
        assert!(info.contains("139****5678"), "{info}");
        page.assert_fits_viewport().await;
        // The code as the development outbox shows it.
        let sent = store::sms::local::outbox(&page.app.db.db, 1).await.unwrap();
        let body = &sent[0].body;
        let at = body.find("验证码为").unwrap() + "验证码为".len();
        let code: String = body[at..].chars().take(6).collect();
        page.type_into("#code", &code).await;
        page.type_into("#password", "Qujing-2026").await;
        page.type_into("#password_confirm", "Qujing-2026").await;
        page.screenshot("activate-code").await;
        page.click("#set-password-submit").await;
        page.wait_for_path("/login").await;
        let note = page.text_of("[role=status]").await;
        assert!(note.contains("账号已激活"), "{note}");
        page.type_into("#username", &c.admission_no).await;
        page.type_into("#password", "Qujing-2026").await;
        page.click("#login-submit").await;
        page.wait_for_path("/candidate/profile").await;

        // The office admin creates a reviewer for a university below it.
        page.sign_in_as("/staff/login", accounts::STAFF_YN_OFFICE_ADMIN, "/staff")
            .await;
        page.menu_link("人员账号").await.click().await.unwrap();
        page.wait_for_path("/staff/accounts").await;
        page.assert_fits_viewport().await;
        let university = page.app.org_of(accounts::STAFF_YN_UNIVERSITY).await;
        page.type_into("#username", "ynufe-zhao").await;
        page.type_into("#display_name", "赵老师").await;
        page.find("#org_id")
            .await
            .select_by_value(&university.id.to_string())
            .await
            .unwrap();
        page.click("#role-boxes input[value='reviewer']").await;
        page.click("#new-staff-submit").await;
        let issued = page
            .find("#one-time-password code")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(issued.trim().len(), 12, "{issued}");
        page.screenshot("reviewer-created").await;

        // The reviewer's first sign-in leads to 我的账号 until the password is theirs.
        page.client.delete_all_cookies().await.unwrap();
        page.goto("/staff/login").await;
        page.type_into("#username", "ynufe-zhao").await;
        page.type_into("#password", issued.trim()).await;
        page.click("#login-submit").await;
        page.wait_for_path("/staff/account").await;
        let note = page.text_of("#account-done").await;
        assert!(note.contains("请先修改密码"), "{note}");
        page.type_into("#current", issued.trim()).await;
        page.type_into("#password", "Wuhua-2026").await;
        page.type_into("#password_confirm", "Wuhua-2026").await;
        page.click("#change-password-submit").await;
        // The same path before and after: wait for the answer's query.
        let deadline = Instant::now() + WAIT;
        while !page.current_url().await.contains("done=password") {
            assert!(Instant::now() < deadline, "{}", page.current_url().await);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let note = page.text_of("#account-done").await;
        assert!(note.contains("密码已修改"), "{note}");
        page.menu_link("毕业审核").await.click().await.unwrap();
        page.wait_for_path("/staff/reviews").await;
        page.assert_fits_viewport().await;
        page.screenshot("reviewer-queue").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_sets_up_two_factor_sign_in_at_375_px_and_signs_in_with_the_code() {
    with_browser("two-factor", async |page| {
        let me = accounts::STAFF_CQ_UNIVERSITY;
        page.sign_in_as("/staff/login", me, "/staff").await;
        page.menu_link("我的账号").await.click().await.unwrap();
        page.wait_for_path("/staff/account").await;
        page.click("#two-factor-link").await;
        page.wait_for_path("/staff/account/totp").await;
        page.click("#totp-start-submit").await;
        // The QR code and the secret for typing by hand, within a phone's width.
        page.find("#totp-qr svg").await;
        page.assert_fits_viewport().await;
        page.screenshot("qr").await;
        let shown = page.text_of("#totp-secret").await;
        let secret = domain::totp::parse_secret(&shown).unwrap();
        let wrong = common::wrong_totp_code(&secret, page.app.state.now());
        page.type_into("#confirm-code", &wrong).await;
        page.click("#totp-confirm-submit").await;
        let error = page.text_of("#totp-error").await;
        assert!(error.contains("验证码错误"), "{error}");
        let code = domain::totp::code_at(&secret, page.app.state.now()).unwrap();
        page.type_into("#confirm-code", &code).await;
        page.click("#totp-confirm-submit").await;
        let codes = page.text_of("#recovery-codes").await;
        assert!(codes.contains("只显示这一次"), "{codes}");
        page.assert_fits_viewport().await;
        page.screenshot("recovery-codes").await;

        // The next sign-in asks for the code after the password.
        page.client.delete_all_cookies().await.unwrap();
        page.goto("/staff/login").await;
        page.type_into("#username", me).await;
        page.type_into("#password", PASSWORD).await;
        page.click("#login-submit").await;
        page.wait_for_path("/staff/login/totp").await;
        page.assert_fits_viewport().await;
        page.screenshot("code-page").await;
        let code = page.app.totp_code(me).await;
        page.type_into("#code", &code).await;
        page.click("#totp-submit").await;
        page.wait_for_path("/staff").await;
    })
    .await;
}

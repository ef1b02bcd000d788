//! 陈述申辩 in Chromium at a phone's width (375 px): the student follows the degree page's notice
//! to the form, every control labelled, types the statement and files; the school's reviewer finds
//! it in 申辩复核, chooses 撤销原决定 with a reason, and the student's page shows the outcome. Each
//! page fits the screen and passes the accessibility check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::degree::DegreeAward;
use serde_json::json;
use store::demo::accounts;
use store::graduation::application::Decision;

use crate::browser::with_browser;
use crate::browser_kit::Page;
use crate::common::TestApp;

/// Every form control of the page has a visible label bound to it.
async fn assert_labelled(page: &Page<'_, TestApp>) {
    let unlabelled = page
        .js("return [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
               .filter(c => !c.labels || ![...c.labels].some(l => l.offsetWidth > 0 && l.textContent.trim()))
               .map(c => c.id || c.name);")
        .await;
    assert_eq!(unlabelled, json!([]), "controls without a visible label");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_student_appeals_and_the_school_revokes_on_a_phone() {
    with_browser("appeal-on-a-phone", async |page| {
        let app = page.app;
        let a = crate::degree::submitted(app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let db = &app.db.db;
        store::degree::application::review(db, &a, 1, &Decision::Approve, app.state.now(), None)
            .await
            .unwrap();
        store::degree::application::record_award(
            db,
            a.batch_id,
            &[a.id],
            DegreeAward::NotAwarded,
            1,
            app.state.now(),
            None,
        )
        .await
        .unwrap();

        page.sign_in_as(
            "/student/login",
            accounts::STUDENT_ABOVE_THRESHOLDS,
            "/student/profile",
        )
        .await;
        page.goto("/student/degree").await;
        page.assert_fits_viewport().await;
        page.click("#degree-appeal-link").await;
        page.wait_for_path(&format!("/student/appeals/degree/{}", a.id))
            .await;
        page.assert_fits_viewport().await;
        assert_labelled(page).await;
        page.type_into("#statement", "答辩记录显示答辩已通过，请求复核。")
            .await;
        page.click("#appeal-form button[type=submit]").await;
        page.wait_for_text("#appeal-status", "待处理").await;
        page.assert_fits_viewport().await;

        page.sign_in_as("/staff/login", accounts::STAFF_CE_SCHOOL_REVIEWER, "/staff")
            .await;
        page.menu_link("申辩复核").await.click().await.unwrap();
        page.wait_for_path("/staff/appeals").await;
        page.assert_fits_viewport().await;
        page.click("#appeals tbody a").await;
        page.find("#appeal-decide").await;
        page.assert_fits_viewport().await;
        assert_labelled(page).await;
        page.click("#outcome-revoked").await;
        page.type_into("#reason", "答辩记录核实无误，原决定依据不足")
            .await;
        page.click("#appeal-decide button[type=submit]").await;
        page.wait_for_text("#appeal-status", "撤销原决定").await;
        page.assert_fits_viewport().await;

        page.sign_in_as(
            "/student/login",
            accounts::STUDENT_ABOVE_THRESHOLDS,
            "/student/profile",
        )
        .await;
        page.goto("/student/degree").await;
        page.wait_for_text("#degree-history", "申辩处理结果：撤销原决定")
            .await;
        page.assert_fits_viewport().await;
    })
    .await;
}

//! The public 验证 page in Chromium on a phone-sized viewport (375 px), by keyboard alone: the
//! code typed into its labelled field leads to the document's page, which fits the screen, and
//! a copy chosen in the upload form is reported as matching or not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::verification::DocumentKind;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::json;
use store::repo::audit::Actor;
use store::verification::{self as issued, Holder, NewIssue};

use crate::browser::with_browser;
use crate::browser_kit::{Page, pdf_file};
use crate::common::TestApp;

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';

async fn press(page: &Page<'_, TestApp>, key: char) {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    page.client.perform_actions(keys).await.unwrap();
}

/// Presses Tab until the focus is on `css`, at most `limit` times.
async fn tab_to(page: &Page<'_, TestApp>, css: &str, limit: usize) {
    let probe =
        format!("return !!document.activeElement && document.activeElement.matches(\"{css}\");");
    for _ in 0..limit {
        press(page, TAB).await;
        if page.js(&probe).await == json!(true) {
            return;
        }
    }
    panic!("{css} not reached with {limit} presses of Tab");
}

/// Every form control of the page has a visible label bound to it.
async fn assert_labelled(page: &Page<'_, TestApp>) {
    let unlabelled = page
        .js("return [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
               .filter(c => !c.labels || ![...c.labels].some(l => l.offsetWidth > 0 && l.textContent.trim()))
               .map(c => c.id || c.name);")
        .await;
    assert_eq!(unlabelled, json!([]), "controls without a visible label");
}

#[tokio::test]
async fn the_verify_page_works_by_keyboard_on_a_phone() {
    with_browser("verify_by_keyboard", async |page| {
        let dir = tempfile::tempdir().unwrap();
        let copy = pdf_file(dir.path(), "登记表.pdf");
        let pdf = std::fs::read(&copy).unwrap();
        let code = issued::new_code();
        issued::record(
            &page.app.db.db,
            &NewIssue {
                code: &code,
                kind: DocumentKind::GraduateRegister,
                holder: Holder::Candidate(1),
                holder_name: "张小三",
                issuer_org_id: None,
                issuer_name: "重庆市教育考试院（毕业申请与审核平台）",
            },
            &pdf,
            Actor::SYSTEM,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();

        page.goto("/verify").await;
        page.assert_fits_viewport().await;
        assert_labelled(page).await;
        tab_to(page, "#code", 10).await;
        page.client
            .active_element()
            .await
            .unwrap()
            .send_keys(&code.grouped().to_lowercase())
            .await
            .unwrap();
        press(page, ENTER).await;
        page.wait_for_path(&format!("/verify/{}", code.as_str()))
            .await;
        page.assert_fits_viewport().await;
        assert_labelled(page).await;
        assert!(page.text_of("#verify-status").await.contains("有效"));
        assert_eq!(page.text_of("#verify-holder").await, "张*三");
        assert_eq!(page.text_of("#verify-kind").await, "毕业生登记表");

        // The file chooser is reached by keyboard; the file itself is given to it the way
        // WebDriver gives files, then the form is sent with Enter on its button.
        tab_to(page, "#copy", 10).await;
        page.find("#copy")
            .await
            .send_keys(&copy.display().to_string())
            .await
            .unwrap();
        tab_to(page, "#copy ~ button[type=submit]", 5).await;
        press(page, ENTER).await;
        let result = page.find("#compare-result").await.text().await.unwrap();
        assert!(result.contains("核对一致"), "{result}");
        page.assert_fits_viewport().await;
    })
    .await;
}

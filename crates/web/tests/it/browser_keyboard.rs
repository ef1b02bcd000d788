//! Keyboard only: a candidate signs in, opens a graduation application and saves a section with
//! Tab, Space, Enter and typing alone; each control reached shows a focus ring; after a save or a
//! refusal the focus is on the message that says what happened, and what was typed is kept.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::json;
use store::demo::accounts;

use crate::browser::with_browser;
use crate::browser_kit::{Page, WAIT};
use crate::common::{PASSWORD, TestApp};

const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const SPACE: char = ' ';

/// Presses and releases `key` where the focus is, as a keyboard would.
async fn press(page: &Page<'_, TestApp>, key: char) {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    page.client.perform_actions(keys).await.unwrap();
}

/// Types `text` into the focused control.
async fn type_here(page: &Page<'_, TestApp>, text: &str) {
    page.client
        .active_element()
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Presses Tab until the focused element matches `css` (at most `limit` times), then checks it
/// shows a focus ring.
async fn tab_to(page: &Page<'_, TestApp>, css: &str, limit: usize) {
    let probe =
        format!("return !!document.activeElement && document.activeElement.matches(\"{css}\");");
    for _ in 0..limit {
        press(page, TAB).await;
        if page.js(&probe).await == json!(true) {
            let ring = page
                .js("const s = getComputedStyle(document.activeElement);
                     return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;")
                .await;
            assert_eq!(
                ring,
                json!(true),
                "{css} has the focus but shows no focus ring on {}",
                page.current_url().await
            );
            return;
        }
    }
    panic!(
        "{css} not reached with {limit} presses of Tab on {}",
        page.current_url().await
    );
}

/// The focused element's role, text and section once one with `role` has the focus (the page
/// moves it there after loading), or whatever has it after [`WAIT`].
async fn focused(page: &Page<'_, TestApp>, role: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let f = page
            .js("const e = document.activeElement;
                 return { role: e.getAttribute('role'), text: e.textContent.trim().slice(0, 200),
                          section: e.closest('section') ? e.closest('section').id : '' };")
            .await;
        if f["role"] == json!(role) || std::time::Instant::now() > deadline {
            return f;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_signs_in_applies_and_saves_by_keyboard_alone() {
    with_browser("keyboard", async |page| {
        page.goto("/login").await;
        tab_to(page, "#username", 15).await;
        type_here(page, accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        tab_to(page, "#password", 3).await;
        type_here(page, PASSWORD).await;
        press(page, ENTER).await;
        page.wait_for_path("/candidate/profile").await;

        // 毕业条件自查 → 申请毕业: the acknowledgement ticked with Space, the button with Enter.
        page.goto("/candidate/graduation").await;
        tab_to(page, "#apply input[name=acknowledged]", 80).await;
        press(page, SPACE).await;
        assert_eq!(
            page.js("return document.querySelector('#apply input[name=acknowledged]').checked;")
                .await,
            json!(true),
            "Space ticks the acknowledgement"
        );
        tab_to(page, "#apply button[type=submit]", 3).await;
        press(page, ENTER).await;
        page.wait_for_path("/candidate/application").await;

        // A refusal: the message takes the focus, the text typed stays.
        page.settled().await;
        tab_to(page, "#appraisal-text", 200).await;
        type_here(page, "太短的自我鉴定").await;
        tab_to(page, "#appraisal button[type=submit]", 3).await;
        press(page, ENTER).await;
        page.find("#appraisal .alert.error").await;
        let f = focused(page, "alert").await;
        assert_eq!(f["role"], json!("alert"), "the refusal has the focus: {f}");
        assert_eq!(f["section"], json!("appraisal"), "{f}");
        let kept = page
            .js("return document.querySelector('#appraisal-text').value;")
            .await;
        assert_eq!(kept, json!("太短的自我鉴定"), "what was typed is kept");

        // A save: the confirmation, in the section saved, takes the focus.
        tab_to(page, "#statement-text", 200).await;
        type_here(page, "本人在职学习，请审核。").await;
        tab_to(page, "#statement button[type=submit]", 3).await;
        press(page, ENTER).await;
        page.find("#statement .alert.ok").await;
        let f = focused(page, "status").await;
        assert_eq!(
            f["role"],
            json!("status"),
            "the confirmation has the focus: {f}"
        );
        assert_eq!(f["section"], json!("statement"), "{f}");
        assert!(
            f["text"].as_str().unwrap().contains("情况说明已保存"),
            "{f}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_signs_in_and_approves_by_keyboard_alone() {
    with_browser("keyboard-review", async |page| {
        crate::reviews::submitted(page.app, accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let me = accounts::STAFF_CQ_UNIVERSITY;
        page.goto("/staff/login").await;
        tab_to(page, "#username", 15).await;
        type_here(page, me).await;
        tab_to(page, "#password", 3).await;
        type_here(page, PASSWORD).await;
        press(page, ENTER).await;
        if page.app.has_totp(me).await {
            page.wait_for_path("/staff/login/totp").await;
            let code = page.app.totp_code(me).await;
            tab_to(page, "#code", 15).await;
            type_here(page, &code).await;
            press(page, ENTER).await;
        }
        page.wait_for_path("/staff").await;

        // The queue: Tab to the application's 审核详情, Enter opens it.
        page.goto("/staff/reviews").await;
        tab_to(page, "#review-queue a[href^='/staff/reviews/']", 80).await;
        press(page, ENTER).await;
        page.find("#decision-form").await;
        page.settled().await;

        // 通过 chosen with Space, submitted with Enter on the button.
        tab_to(
            page,
            "#decision-form input[name=decision][value=approve]",
            150,
        )
        .await;
        press(page, SPACE).await;
        assert_eq!(
            page.js(
                "return document.querySelector('#decision-form input[value=approve]').checked;"
            )
            .await,
            json!(true),
            "Space chooses 通过"
        );
        tab_to(page, "#decision-form button[type=submit]", 30).await;
        press(page, ENTER).await;
        page.wait_for_path("/staff/reviews").await;
        let f = focused(page, "status").await;
        assert_eq!(f["role"], json!("status"), "the outcome has the focus: {f}");
    })
    .await;
}

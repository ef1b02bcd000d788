//! Accessibility as a check: every page a candidate, a student and each kind of staff account
//! reaches from its menu and the links on its pages is held to WCAG 2.1 AA by axe-core (no
//! violation of impact serious or critical), at a phone's width (375 px), a desktop's (1280 px)
//! and a desktop's at 200% zoom (640 px), and must not scroll sideways at any. The flows' own browser tests run the same
//! check on every page they pass through (`browser_kit::Page::check_accessibility`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashSet, VecDeque};

use store::demo::accounts;
use store::testkit::Backend;

use crate::browser_kit as kit;
use crate::common::{TestApp, spawn_app};
use kit::{Page, programs};

/// Pages looked at per account: enough for every menu entry and the detail pages one step
/// below, few enough for CI.
const PAGES_PER_ACCOUNT: usize = 40;

/// Pages no menu links to for every account, opened as well: a chief university's 公告 (a 403
/// page for others), the degree form, the development outboxes, and the pages under 我的账号 and
/// 消息 (the wrong portal's answer is its sign-in page, checked as well).
const EXTRA: &[&str] = &[
    "/staff/announcements",
    "/student/degree/apply",
    "/dev/sms",
    "/dev/mail",
    "/staff/inbox",
    "/staff/account/notifications",
    "/staff/account/delegations",
    "/candidate/account/notifications",
    "/student/account/notifications",
];

/// Who signs in where, and the page they land on.
const ACCOUNTS: &[(&str, &str, &str)] = &[
    (
        "/login",
        accounts::CQ_ELIGIBLE_ASSOCIATE,
        "/candidate/profile",
    ),
    (
        "/login",
        accounts::YN_BACHELOR_PRIOR_EDU,
        "/candidate/profile",
    ),
    (
        "/student/login",
        accounts::STUDENT_ABOVE_THRESHOLDS,
        "/student/profile",
    ),
    ("/staff/login", accounts::STAFF_CQ_UNIVERSITY, "/staff"),
    ("/staff/login", accounts::STAFF_CQ_OFFICE_ADMIN, "/staff"),
    ("/staff/login", accounts::STAFF_YN_OFFICE_ADMIN, "/staff"),
    ("/staff/login", accounts::STAFF_CE_SCHOOL_ADMIN, "/staff"),
];

/// Pages anyone can open without signing in.
const PUBLIC: &[&str] = &[
    "/login",
    "/staff/login",
    "/student/login",
    "/activate",
    "/forgot",
    "/student/activate",
    "/student/forgot",
    "/verify",
];

/// The same-site links of the menu and the page body worth opening: pages, not downloads,
/// printouts, pictures or signing out.
async fn links(page: &Page<'_, TestApp>) -> Vec<String> {
    let found = page
        .js(
            "return [...document.querySelectorAll('nav.menu a[href], main a[href]')]
               .filter(a => !a.hasAttribute('download') && a.target !== '_blank')
               .map(a => a.getAttribute('href'));",
        )
        .await;
    let found: Vec<String> = serde_json::from_value(found).unwrap();
    found
        .into_iter()
        .filter_map(|href| {
            let href = href.split('#').next().unwrap_or_default().to_owned();
            let path = href.split('?').next().unwrap_or_default();
            let page_like = href.starts_with('/')
                && !href.starts_with("//")
                && !path.contains("/files/")
                && !path.contains("logout")
                && ![
                    ".pdf", ".xlsx", ".zip", ".csv", ".jpg", ".png", ".svg", ".js", ".css",
                ]
                .iter()
                .any(|ext| path.ends_with(ext));
            page_like.then_some(href)
        })
        .collect()
}

/// Opens the pages reachable from `start`, breadth first, checking each.
async fn crawl(page: &Page<'_, TestApp>, start: &str, seen: &mut HashSet<String>) -> usize {
    let mut queue = VecDeque::from([start.to_owned()]);
    let area = start.split('/').nth(1).unwrap_or_default();
    queue.extend(
        EXTRA
            .iter()
            .filter(|p| p.split('/').nth(1) == Some(area) || p.starts_with("/dev/"))
            .map(|p| (*p).to_owned()),
    );
    let mut opened = 0;
    while let Some(path) = queue.pop_front() {
        if opened == PAGES_PER_ACCOUNT {
            break;
        }
        if !seen.insert(path.clone()) {
            continue;
        }
        page.goto(&path).await;
        page.assert_fits_viewport().await;
        if std::env::var_os("BIYE_A11Y_SURVEY").is_some() {
            eprintln!("A11Y-PAGE {path} @{}", page.width);
        }
        opened += 1;
        for link in links(page).await {
            if !seen.contains(&link) {
                queue.push_back(link);
            }
        }
    }
    opened
}

async fn every_page_at(test: &'static str, width: i64) {
    if programs().is_none() {
        return;
    }
    let app = spawn_app(&Backend::Sqlite).await;
    kit::with_browser_sized(test, &app, width, async |page| {
        let mut seen = HashSet::new();
        for path in PUBLIC {
            page.client.delete_all_cookies().await.unwrap();
            page.goto(path).await;
            page.assert_fits_viewport().await;
        }
        let mut total = PUBLIC.len();
        for (login, user, landing) in ACCOUNTS {
            page.sign_in_as(login, user, landing).await;
            if *landing == "/candidate/profile" {
                // An open application, so that the form and its progress page are looked at too.
                page.goto("/candidate/graduation").await;
                if page
                    .js("return !!document.querySelector('#apply input[name=acknowledged]');")
                    .await
                    == serde_json::json!(true)
                {
                    page.js(
                        "document.querySelector('#apply input[name=acknowledged]').click(); \
                             return true;",
                    )
                    .await;
                    page.js(
                        "document.querySelector('#apply button[type=submit]').click(); \
                             return true;",
                    )
                    .await;
                    page.wait_for_path("/candidate/application").await;
                }
            }
            // Each account starts from its own pages: the addresses are the same for every
            // account of a kind, but what they show is not.
            seen.clear();
            let opened = crawl(page, landing, &mut seen).await;
            assert!(
                opened >= 3,
                "{user} reached only {opened} page(s) from {landing}: the menu is missing"
            );
            total += opened;
        }
        eprintln!("{test}: {total} pages checked at {width} px");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_an_account_reaches_passes_the_accessibility_check_on_a_phone() {
    every_page_at("a11y-phone", kit::WIDTH).await;
}

/// 1280 px at 200% zoom: WCAG 1.4.4 asks pages to stay readable there without scrolling sideways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_an_account_reaches_passes_the_accessibility_check_at_double_zoom() {
    every_page_at("a11y-zoom", 640).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_an_account_reaches_passes_the_accessibility_check_on_a_desktop() {
    every_page_at("a11y-desktop", 1280).await;
}

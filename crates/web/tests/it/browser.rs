//! Browser tests: a real headless Chromium, driven over WebDriver (chromedriver), against the whole
//! application at a phone's width (375 px).
//!
//! They need `chromium` and `chromedriver` in PATH or /usr/bin (Debian:
//! `apt-get install chromium chromium-driver`). Without them the tests print a note and pass,
//! unless `BIYE_REQUIRE_BROWSER=1`, which makes a missing browser a failure.
//! Each step's screenshot goes to a temporary directory; `BIYE_SCREENSHOT_DIR=<dir>` keeps them
//! (`<test>-<step>.png`, and `<test>-failure.png` when a test fails) for manual review.
//!
//! Browser flows are about the UI, so they run on SQLite only; the database backends are covered
//! by the other test suites.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};
use store::demo::accounts;
use store::testkit::Backend;

use common::{PASSWORD, TestApp, spawn_app};

/// The longest any single wait (an element, a page, chromedriver's start) may take.
const WAIT: Duration = Duration::from_secs(10);
/// Creating a session starts Chromium, which is slower than anything in a page.
const SESSION_START: Duration = Duration::from_secs(30);
/// A phone's viewport.
const WIDTH: i64 = 375;
const HEIGHT: i64 = 800;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// The two programs a browser test needs.
struct Programs {
    chromedriver: PathBuf,
    chromium: PathBuf,
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// `name` in PATH, else in /usr/bin.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// The programs, or `None` (after a note) when the tests are to be skipped.
fn programs() -> Option<Programs> {
    let chromedriver = find_program("chromedriver");
    let chromium = find_program("chromium");
    if let (Some(chromedriver), Some(chromium)) = (&chromedriver, &chromium) {
        return Some(Programs {
            chromedriver: chromedriver.clone(),
            chromium: chromium.clone(),
        });
    }
    let missing: Vec<&str> = [("chromedriver", &chromedriver), ("chromium", &chromium)]
        .into_iter()
        .filter(|(_, found)| found.is_none())
        .map(|(name, _)| name)
        .collect();
    if std::env::var("BIYE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!(
            "BIYE_REQUIRE_BROWSER=1 but {} not found in PATH or /usr/bin: the browser tests must \
             not be skipped (apt-get install chromium chromium-driver)",
            missing.join(" and ")
        );
    }
    eprintln!(
        "NOTE: browser tests skipped: chromium/chromedriver not installed \
         (apt-get install chromium chromium-driver)"
    );
    None
}

/// A free TCP port on 127.0.0.1 (the listener is dropped, so the port is free again at once).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A running chromedriver; killed on drop.
struct Driver {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver on a free port and waits until `/status` says it is ready.
    async fn start(programs: &Programs, dir: &Path) -> Driver {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        // The port may be taken between picking and binding it: then chromedriver exits and the
        // start is retried on another port.
        for attempt in 1..=3 {
            let port = free_port();
            let log = dir.join(format!("chromedriver-{attempt}.log"));
            let child = Command::new(&programs.chromedriver)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {}: {e}", programs.chromedriver.display())
                });
            let mut driver = Driver {
                child,
                url: format!("http://127.0.0.1:{port}"),
                log,
            };
            let deadline = Instant::now() + WAIT;
            loop {
                if driver.is_ready(&http).await {
                    return driver;
                }
                if let Ok(Some(status)) = driver.child.try_wait() {
                    eprintln!(
                        "chromedriver exited ({status}) before it was ready on port {port}\n{}",
                        driver.log_tail()
                    );
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "chromedriver did not answer on port {port} within {WAIT:?}\n{}",
                    driver.log_tail()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        panic!("chromedriver could not be started (3 attempts)");
    }

    async fn is_ready(&self, http: &reqwest::Client) -> bool {
        let Ok(r) = http.get(format!("{}/status", self.url)).send().await else {
            return false;
        };
        if !r.status().is_success() {
            return false;
        }
        r.json::<Value>()
            .await
            .is_ok_and(|v| v["value"]["ready"] == json!(true))
    }

    /// The end of chromedriver's log, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        // Lines are cut short: screenshots are logged as long base64 strings.
        let tail: Vec<String> = lines[lines.len().saturating_sub(30)..]
            .iter()
            .map(|l| l.chars().take(200).collect())
            .collect();
        let tail = tail.join("\n");
        format!("--- chromedriver log ({}) ---\n{tail}", self.log.display())
    }

    /// A new headless Chromium session with a fresh profile in `profile`.
    async fn session(&self, programs: &Programs, profile: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": programs.chromium.display().to_string(),
                // The network here is closed: these keep Chromium from trying to reach Google.
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--window-size={WIDTH},{HEIGHT}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
                // Chromium keeps windows at least 500 px wide, so the phone's viewport is
                // emulated: innerWidth is then exactly WIDTH and the viewport meta tag applies.
                "mobileEmulation": {
                    "deviceMetrics": { "width": WIDTH, "height": HEIGHT, "pixelRatio": 1.0 },
                },
            }),
        );
        // chromedriver speaks plain HTTP on 127.0.0.1: no TLS connector needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        tokio::time::timeout(SESSION_START, builder.connect(&self.url))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no Chromium session within {SESSION_START:?}\n{}",
                    self.log_tail()
                )
            })
            .unwrap_or_else(|e| panic!("cannot start a Chromium session: {e}\n{}", self.log_tail()))
    }
}

/// One test's browser over one test's application.
struct Page<'a> {
    client: Client,
    app: &'a TestApp,
    /// Prefix of the screenshot files.
    test: &'static str,
    shots: PathBuf,
}

impl Page<'_> {
    async fn goto(&self, path: &str) {
        self.client
            .goto(&self.app.url(path))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// The first element matching `css`, waiting for it at most [`WAIT`].
    async fn find(&self, css: &str) -> Element {
        self.find_by(Locator::Css(css), css).await
    }

    async fn find_by(&self, locator: Locator<'_>, what: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(locator).await {
            Ok(e) => e,
            Err(e) => panic!(
                "no {what} within {WAIT:?} on {}: {e}",
                self.current_url().await
            ),
        }
    }

    /// The link of the main menu labelled `label`.
    async fn menu_link(&self, label: &str) -> Element {
        let xpath = format!(
            "//nav[contains(concat(' ', normalize-space(@class), ' '), ' menu ')]\
             //a[normalize-space(.)='{label}']"
        );
        self.find_by(Locator::XPath(&xpath), &format!("menu link {label}"))
            .await
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<unknown URL: {e}>"))
    }

    /// Waits at most [`WAIT`] for the address bar to show `path` (query and fragment ignored).
    async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await.unwrap();
            if url.path().ends_with(path) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still on {url} after {WAIT:?}, expected {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The viewport is a phone's, and the page itself does not scroll sideways (wide tables scroll
    /// inside their `.table-wrap`).
    async fn assert_fits_viewport(&self) {
        let m = self
            .js(
                "const w = window.innerWidth;
                 const wide = [...document.querySelectorAll('body *')]
                   .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > w + 1)
                   .slice(0, 5)
                   .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                        + (e.className ? '.' + String(e.className).trim().replace(/\\s+/g, '.') : ''));
                 return {
                   fits: document.documentElement.scrollWidth <= w + 1,
                   scrollWidth: document.documentElement.scrollWidth,
                   innerWidth: w,
                   wide: wide,
                 };",
            )
            .await;
        assert_eq!(
            m["innerWidth"],
            json!(WIDTH),
            "the viewport is not {WIDTH} px wide"
        );
        assert_eq!(
            m["fits"],
            json!(true),
            "{} scrolls sideways at {WIDTH} px: scrollWidth {} > innerWidth {}; too wide: {}",
            self.current_url().await,
            m["scrollWidth"],
            m["innerWidth"],
            m["wide"]
        );
    }

    /// Saves a screenshot of the viewport as `<test>-<step>.png` and returns its path.
    async fn screenshot(&self, step: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot failed: {e}"));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "the screenshot is not a PNG"
        );
        let path = self.shots.join(format!("{}-{step}.png", self.test));
        std::fs::write(&path, &png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

/// Runs `body` in a fresh browser over a fresh application; skips (passes) when the browser is not
/// installed. The browser session is closed and chromedriver stopped even when `body` panics.
async fn with_browser(test: &'static str, body: impl AsyncFnOnce(&Page<'_>)) {
    let Some(programs) = programs() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("BIYE_SCREENSHOT_DIR").filter(|d| !d.is_empty());
    let shots_kept = kept.is_some();
    let shots = match kept {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
            dir
        }
        None => work.path().to_owned(),
    };
    let profile = tempfile::tempdir().unwrap();
    let app = spawn_app(&Backend::Sqlite).await;
    let driver = Driver::start(&programs, work.path()).await;
    let client = driver.session(&programs, profile.path()).await;
    let page = Page {
        client,
        app: &app,
        test,
        shots,
    };
    let outcome = AssertUnwindSafe(body(&page)).catch_unwind().await;
    if outcome.is_err() {
        if !shots_kept {
            eprintln!("set BIYE_SCREENSHOT_DIR to keep a screenshot of the failure");
        } else if let Ok(png) = page.client.screenshot().await {
            let path = page.shots.join(format!("{test}-failure.png"));
            if std::fs::write(&path, png).is_ok() {
                eprintln!("screenshot at failure: {}", path.display());
            }
        }
        eprintln!("{}", driver.log_tail());
    }
    let _ = tokio::time::timeout(WAIT, page.client.clone().close()).await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
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

/// A picture of `w`×`h` with some structure, as a JPEG file in `dir`.
fn jpeg_file(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 5 % 255) as u8,
            (y * 3 % 255) as u8,
            ((x + y) % 255) as u8,
        ])
    });
    let path = dir.join(name);
    image::DynamicImage::ImageRgb8(img)
        .save_with_format(&path, image::ImageFormat::Jpeg)
        .unwrap();
    path
}

/// A smooth picture of `w`×`h`, as portrait photos are, so the corrected certificate photo fits
/// 20–40 KB.
fn portrait_file(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(150 + x * 60 / w) as u8, (190 + y * 40 / h) as u8, 235])
    });
    let path = dir.join(name);
    image::DynamicImage::ImageRgb8(img)
        .save_with_format(&path, image::ImageFormat::Jpeg)
        .unwrap();
    path
}

impl Page<'_> {
    /// Signs out by forgetting the cookies, then signs in on `login_path`.
    /// A staff account with two-factor sign-in types the code its app shows on the second page.
    async fn sign_in_as(&self, login_path: &str, username: &str, landing: &str) {
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

    async fn upload(&self, form_css: &str, file: &Path) {
        let input = self.find(&format!("{form_css} input[type=file]")).await;
        input
            .send_keys(&file.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("cannot choose {} in {form_css}: {e}", file.display()));
        self.click(&format!("{form_css} button[type=submit]")).await;
    }

    async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Waits at most [`WAIT`] until the element's text contains `needle`, reloading the page
    /// between looks (for results that arrive asynchronously).
    async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            // The page may be navigating: a vanished element reads as empty and is looked up again.
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{css} still reads {text:?}, expected {needle:?}"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
            self.client.refresh().await.unwrap();
        }
    }

    /// A reviewer opens the application from the queue and decides it.
    async fn review(&self, decision: &str, reason_code: Option<&str>) {
        self.review_with(decision, reason_code, false).await;
    }

    /// [`Self::review`], ticking the practical notice's seal check first when `seal` is set.
    async fn review_with(&self, decision: &str, reason_code: Option<&str>, seal: bool) {
        // A browser command that never returns would stall the whole suite: fail instead.
        let limit = Duration::from_secs(90);
        if tokio::time::timeout(limit, self.review_steps(decision, reason_code, seal))
            .await
            .is_err()
        {
            panic!(
                "the {decision} review did not finish within {limit:?} on {}",
                self.current_url().await
            );
        }
    }

    /// Waits until the page and its pictures have loaded, so nothing moves under a tap.
    async fn settled(&self) {
        let deadline = Instant::now() + WAIT;
        while self.js("return document.readyState;").await != json!("complete") {
            assert!(Instant::now() < deadline, "the page did not finish loading");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn review_steps(&self, decision: &str, reason_code: Option<&str>, seal: bool) {
        self.goto("/staff/reviews").await;
        self.assert_fits_viewport().await;
        self.click("table a[href^='/staff/reviews/']").await;
        self.find("#decision-form").await;
        self.settled().await;
        // The choices are set the way a tap on them would, by the elements themselves: on a
        // long page a coordinate tap can land on a neighbouring link (a picture or a printout)
        // and leave Chromium waiting on it.
        let radio = format!("#decision-form input[name=decision][value={decision}]");
        self.find(&radio).await;
        self.js(&format!(
            "document.querySelector('{radio}').click(); return true;"
        ))
        .await;
        assert!(
            self.find(&radio).await.is_selected().await.unwrap(),
            "the {decision} choice cannot be selected"
        );
        if let Some(code) = reason_code {
            // Selects are native pickers on a phone; the value is set as the picker would.
            self.js(&format!(
                "document.querySelector('#reason-code').value = '{code}'; return true;"
            ))
            .await;
        }
        if seal {
            self.find("#seal-confirmed").await;
            self.js("document.querySelector('#seal-confirmed').click(); return true;")
                .await;
        }
        self.js(
            "document.querySelector('#decision-form button[type=submit]').click(); return true;",
        )
        .await;
        // The decision redirects back to the queue, which confirms it; a refusal stays on the
        // form with its message, which the failure then names.
        let deadline = Instant::now() + WAIT;
        loop {
            let state = self
                .js("return [location.pathname, [...document.querySelectorAll('.alert')].map(e => e.textContent.trim()).join(' | ')];")
                .await;
            if state[0] == json!("/staff/reviews")
                && self.client.find(Locator::Css("#review-done")).await.is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the {decision} decision did not land: {state}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
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
        for (i, (from, to, unit)) in [
            ("2012-09", "2015-06", "重庆市第八中学"),
            ("2015-07", "至今", "重庆某科技公司"),
        ]
        .iter()
        .enumerate()
        {
            let row = format!("#resume tbody tr:nth-child({})", i + 1);
            page.type_into(&format!("{row} input[name=from]"), from)
                .await;
            page.type_into(&format!("{row} input[name=to]"), to).await;
            page.type_into(&format!("{row} input[name=unit]"), unit)
                .await;
        }
        page.click("#resume button[type=submit]").await;
        page.wait_for_text("#resume", "本人简历已保存").await;
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

        // The signature: choose a photo, drag the crop box's corner, save.
        let chooser = page.find("#signature-file").await;
        chooser
            .send_keys(&signature.display().to_string())
            .await
            .unwrap();
        page.find("#crop-area:not([hidden]) #crop-handle").await;
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
        page.find_by(
            Locator::XPath("//button[normalize-space(.)='确认支付']"),
            "确认支付",
        )
        .await;
        page.assert_fits_viewport().await;
        page.screenshot("gateway").await;
        page.find_by(
            Locator::XPath("//button[normalize-space(.)='确认支付']"),
            "确认支付",
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

/// A small PDF proof, as a scanned transcript saved as PDF would be.
fn pdf_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .unwrap();
    path
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

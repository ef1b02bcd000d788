//! The browser harness shared by the browser tests of the web crate and of the binary: a real
//! headless Chromium, driven over WebDriver (chromedriver), at a phone's width (375 px), against
//! a site at a base address.
//!
//! It needs `chromium` and `chromedriver` in PATH or /usr/bin (Debian:
//! `apt-get install chromium chromium-driver`). Without them a test prints a note and passes,
//! unless `BIYE_REQUIRE_BROWSER=1`, which makes a missing browser a failure.
//! Each step's screenshot goes to a temporary directory; `BIYE_SCREENSHOT_DIR=<dir>` keeps them
//! (`<test>-<step>.png`, and `<test>-failure.png` when a test fails) for manual review.

// Each test crate uses a different part of the harness.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};

/// Where the pages are: the application a test drives.
pub trait Site {
    /// The absolute address of `path` ("/login").
    fn url(&self, path: &str) -> String;
}

/// The longest any single wait (an element, a page, chromedriver's start) may take.
pub const WAIT: Duration = Duration::from_secs(10);
/// Creating a session starts Chromium, which is slower than anything in a page.
pub const SESSION_START: Duration = Duration::from_secs(30);
/// A phone's viewport.
pub const WIDTH: i64 = 375;
pub const HEIGHT: i64 = 800;

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// The two programs a browser test needs.
pub struct Programs {
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
pub fn programs() -> Option<Programs> {
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
pub fn free_port() -> u16 {
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
    async fn session(&self, programs: &Programs, profile: &Path, width: i64) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        let mut options = json!({
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
                    format!("--window-size={width},{HEIGHT}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
        });
        // Chromium keeps windows at least 500 px wide, so a phone's viewport is emulated:
        // innerWidth is then exactly the width and the viewport meta tag applies.
        if width < 500 {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": width, "height": HEIGHT, "pixelRatio": 1.0 },
            });
        }
        caps.insert("goog:chromeOptions".into(), options);
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
pub struct Page<'a, A> {
    /// The WebDriver session.
    pub client: Client,
    /// The application under test.
    pub app: &'a A,
    /// Prefix of the screenshot files.
    pub test: &'static str,
    /// Where screenshots go.
    pub shots: PathBuf,
    /// The viewport's width in CSS pixels ([`WIDTH`], a phone's, unless the test asked for a
    /// desktop's).
    pub width: i64,
    /// Pages (address and viewport width) the accessibility check has passed, so that a page
    /// visited again by a flow is not checked again.
    pub checked: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl<A: Site> Page<'_, A> {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&self.app.url(path))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// The first element matching `css`, waiting for it at most [`WAIT`].
    pub async fn find(&self, css: &str) -> Element {
        self.find_by(Locator::Css(css), css).await
    }

    pub async fn find_by(&self, locator: Locator<'_>, what: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(locator).await {
            Ok(e) => e,
            Err(e) => panic!(
                "no {what} within {WAIT:?} on {}: {e}",
                self.current_url().await
            ),
        }
    }

    /// The link of the main menu labelled `label`.
    pub async fn menu_link(&self, label: &str) -> Element {
        let xpath = format!(
            "//nav[contains(concat(' ', normalize-space(@class), ' '), ' menu ')]\
             //a[normalize-space(.)='{label}']"
        );
        self.find_by(Locator::XPath(&xpath), &format!("menu link {label}"))
            .await
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<unknown URL: {e}>"))
    }

    /// Waits at most [`WAIT`] for the address bar to show `path` (query and fragment ignored).
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await.unwrap();
            if url.path().ends_with(path) {
                self.check_accessibility().await;
                return;
            }
            assert!(
                Instant::now() < deadline,
                "still on {url} after {WAIT:?}, expected {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The viewport is a phone's, and the page itself does not scroll sideways (wide tables scroll
    /// inside their `.table-wrap`).
    pub async fn assert_fits_viewport(&self) {
        self.check_accessibility().await;
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
        let width = self.width;
        assert_eq!(
            m["innerWidth"],
            json!(width),
            "the viewport is not {width} px wide"
        );
        assert_eq!(
            m["fits"],
            json!(true),
            "{} scrolls sideways at {width} px: scrollWidth {} > innerWidth {}; too wide: {}",
            self.current_url().await,
            m["scrollWidth"],
            m["innerWidth"],
            m["wide"]
        );
    }

    /// Saves a screenshot of the viewport as `<test>-<step>.png` and returns its path.
    pub async fn screenshot(&self, step: &str) -> PathBuf {
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

/// Runs `body` in a fresh browser over `app`; skips (passes) when the browser is not installed. The browser session is closed and chromedriver stopped even when `body` panics.
pub async fn with_browser_on<A: Site>(
    test: &'static str,
    app: &A,
    body: impl AsyncFnOnce(&Page<'_, A>),
) {
    with_browser_sized(test, app, WIDTH, body).await;
}

/// [`with_browser_on`] with a viewport `width` CSS pixels wide (a desktop's, say).
pub async fn with_browser_sized<A: Site>(
    test: &'static str,
    app: &A,
    width: i64,
    body: impl AsyncFnOnce(&Page<'_, A>),
) {
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
    let driver = Driver::start(&programs, work.path()).await;
    let client = driver.session(&programs, profile.path(), width).await;
    let page = Page {
        client,
        app,
        test,
        shots,
        checked: Default::default(),
        width,
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

/// A picture of `w`×`h` with some structure, as a JPEG file in `dir`.
pub fn jpeg_file(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
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
pub fn portrait_file(dir: &Path, name: &str, w: u32, h: u32) -> PathBuf {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(150 + x * 60 / w) as u8, (190 + y * 40 / h) as u8, 235])
    });
    let path = dir.join(name);
    image::DynamicImage::ImageRgb8(img)
        .save_with_format(&path, image::ImageFormat::Jpeg)
        .unwrap();
    path
}

/// A small PDF proof, as a scanned transcript saved as PDF would be.
pub fn pdf_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
    )
    .unwrap();
    path
}

impl<A: Site> Page<'_, A> {
    /// 本人简历 of the application form: one row per (from, to, unit), then saved.
    pub async fn save_resume(&self, rows: &[(&str, &str, &str)]) {
        for (i, (from, to, unit)) in rows.iter().enumerate() {
            let row = format!("#resume tbody tr:nth-child({})", i + 1);
            self.type_into(&format!("{row} input[name=from]"), from)
                .await;
            self.type_into(&format!("{row} input[name=to]"), to).await;
            self.type_into(&format!("{row} input[name=unit]"), unit)
                .await;
        }
        self.click("#resume button[type=submit]").await;
        self.wait_for_text("#resume", "本人简历已保存").await;
    }

    /// Sets a field the way its native picker would (date and time pickers take no typing in
    /// headless Chromium).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.js(&format!(
            "const e = document.querySelector(\"{css}\"); e.value = '{value}'; \
             e.dispatchEvent(new Event('change')); return true;"
        ))
        .await;
    }

    pub async fn upload(&self, form_css: &str, file: &Path) {
        let input = self.find(&format!("{form_css} input[type=file]")).await;
        input
            .send_keys(&file.display().to_string())
            .await
            .unwrap_or_else(|e| panic!("cannot choose {} in {form_css}: {e}", file.display()));
        self.click(&format!("{form_css} button[type=submit]")).await;
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// Waits at most [`WAIT`] until the element's text contains `needle`, reloading the page
    /// between looks (for results that arrive asynchronously).
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
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
    pub async fn review(&self, decision: &str, reason_code: Option<&str>) {
        self.review_with(decision, reason_code, false).await;
    }

    /// [`Self::review`], ticking the practical notice's seal check first when `seal` is set.
    pub async fn review_with(&self, decision: &str, reason_code: Option<&str>, seal: bool) {
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

    /// On a phone the review queue comes before its filters and counts, and each row is a card
    /// whose 专业, 当前环节 and 审核详情 link are within the screen's width.
    pub async fn assert_queue_first(&self) {
        if self.width > 600 {
            return;
        }
        self.find("#review-queue").await;
        let m = self
            .js("const w = window.innerWidth;
                 const row = document.querySelector('#review-queue tbody tr');
                 const cells = [...row.querySelectorAll('td')];
                 const out = cells.filter(c => c.getBoundingClientRect().width > 0
                     && c.getBoundingClientRect().right > w + 1).map(c => c.dataset.label || c.textContent.trim());
                 const link = [...row.querySelectorAll('a')].find(a => a.textContent.trim() === '审核详情');
                 const top = id => document.getElementById(id)
                     ? document.getElementById(id).getBoundingClientRect().top : Infinity;
                 return { out: out,
                          link: !!link && link.getBoundingClientRect().right <= w + 1,
                          labels: cells.map(c => c.dataset.label || '').join(','),
                          first: top('review-queue') < top('review-filters')
                              && top('review-queue') < top('review-counts') };")
            .await;
        self.screenshot("review-queue").await;
        assert_eq!(m["out"], json!([]), "queue cells off the screen: {m}");
        assert_eq!(m["link"], json!(true), "审核详情 is not on the screen: {m}");
        assert_eq!(
            m["first"],
            json!(true),
            "the queue is not before its filters and counts: {m}"
        );
        assert!(
            m["labels"].as_str().unwrap().contains("专业,批次,当前环节"),
            "{m}"
        );
    }

    /// Waits until the page and its pictures have loaded, so nothing moves under a tap.
    pub async fn settled(&self) {
        let deadline = Instant::now() + WAIT;
        while self.js("return document.readyState;").await != json!("complete") {
            assert!(Instant::now() < deadline, "the page did not finish loading");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn review_steps(&self, decision: &str, reason_code: Option<&str>, seal: bool) {
        self.goto("/staff/reviews").await;
        self.assert_fits_viewport().await;
        self.assert_queue_first().await;
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

// ---------------------------------------------------------------------------------------------
// Accessibility
// ---------------------------------------------------------------------------------------------

/// axe-core's script (the npm package's `axe.min.js`), read once: from where `BIYE_AXE_JS` names
/// it, else from where `.ci/run` installs it (`~/.cache/biye-ci/axe`). Without it the check is
/// skipped after a note, unless `BIYE_REQUIRE_BROWSER=1`, which makes it a failure.
fn axe_source() -> Option<&'static str> {
    static AXE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = std::env::var_os("BIYE_AXE_JS")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                let cache = std::env::var_os("XDG_CACHE_HOME")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"))
                    })?;
                Some(cache.join("biye-ci/axe/node_modules/axe-core/axe.min.js"))
            });
        match path.as_deref().map(std::fs::read_to_string) {
            Some(Ok(js)) => Some(js),
            _ => {
                let wanted = path.map(|p| p.display().to_string()).unwrap_or_default();
                if std::env::var("BIYE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                    panic!(
                        "BIYE_REQUIRE_BROWSER=1 but axe-core is not at {wanted}: the accessibility \
                         check must not be skipped (npm install --prefix ~/.cache/biye-ci/axe \
                         axe-core@4, or set BIYE_AXE_JS)"
                    );
                }
                eprintln!("NOTE: accessibility checks skipped: no axe-core at {wanted}");
                None
            }
        }
    })
    .as_deref()
}

impl<A: Site> Page<'_, A> {
    /// Holds the page as it is now to WCAG 2.1 A and AA with axe-core: no violation of impact
    /// serious or critical. Each address is checked once per viewport width.
    pub async fn check_accessibility(&self) {
        let Some(axe) = axe_source() else {
            return;
        };
        let mut url = self.client.current_url().await.unwrap();
        url.set_fragment(None);
        if !self
            .checked
            .lock()
            .unwrap()
            .insert(format!("{url}@{}", self.width))
        {
            return;
        }
        self.settled().await;
        if self.js("return typeof window.axe === 'object';").await != json!(true) {
            self.client
                .execute(axe, vec![])
                .await
                .unwrap_or_else(|e| panic!("cannot load axe-core into {url}: {e}"));
        }
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {
                   runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
                   resultTypes: ['violations'],
                 }).then(r => done(r.violations
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.impact + ' ' + v.id + ': ' + v.help + '\\n' + v.nodes.slice(0, 5)
                       .map(n => '    ' + n.target.join(' ') + ' — '
                         + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240))
                       .join('\\n'))))
                   .catch(e => done(['axe-core failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("axe-core did not run on {url}: {e}"));
        let mut found: Vec<String> = serde_json::from_value(found).unwrap();
        // axe-core accepts an aria-label; the platform's rule is a label one can see, bound to
        // the control, so that a control can be found by the name on the screen.
        let unlabelled: Vec<String> = serde_json::from_value(
            self.js(
                "return [...document.querySelectorAll(
                     'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')]
                   .filter(e => ![...(e.labels || [])].some(l => l.textContent.trim() !== ''))
                   .map(e => '    ' + e.tagName.toLowerCase()
                        + (e.id ? '#' + e.id : '') + '[name=' + (e.name || '') + ']');",
            )
            .await,
        )
        .unwrap();
        // A label marked "*" promises a required field: assistive technology must hear it too.
        let unmarked: Vec<String> = serde_json::from_value(
            self.js(
                "return [...document.querySelectorAll('input, select, textarea')]
                   .filter(e => [...(e.labels || [])].some(l => l.textContent.trim().startsWith('*'))
                        && !e.required && e.getAttribute('aria-required') !== 'true')
                   .map(e => '    ' + e.tagName.toLowerCase() + (e.id ? '#' + e.id : ''));",
            )
            .await,
        )
        .unwrap();
        if !unmarked.is_empty() {
            found.push(format!(
                "serious required-marked: fields labelled \"*\" not marked required\n{}",
                unmarked.join("\n")
            ));
        }
        if !unlabelled.is_empty() {
            found.push(format!(
                "critical visible-label: form controls without a bound <label> with text\n{}",
                unlabelled.join("\n")
            ));
        }
        // `BIYE_A11Y_SURVEY=1` lists every page's violations and goes on, for fixing many at once.
        if !found.is_empty() && std::env::var_os("BIYE_A11Y_SURVEY").is_some() {
            eprintln!("A11Y {url} @{}\n{}", self.width, found.join("\n"));
            return;
        }
        assert!(
            found.is_empty(),
            "{url} at {} px has {} accessibility violation(s) of impact serious or critical \
             (WCAG 2.1 AA, axe-core):\n{}",
            self.width,
            found.len(),
            found.join("\n")
        );
    }
}

//! The signature crop of the graduation form in Chromium (seed 001 §10): 【选择图片】, 【截取签名】,
//! a box that stays where it was put in the picture's own pixels whatever the viewport does,
//! 【确定】 with a preview of the cut, 【保存】 keeping exactly that cut, and choosing the same
//! picture again starting over.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};
use store::demo::accounts;

use crate::browser::with_browser;
use crate::browser_kit::{Page, WAIT, jpeg_file};
use crate::common::TestApp;

/// One Chrome DevTools command through chromedriver's `goog/cdp/execute`: how a test changes the
/// viewport the way a window resize, a rotated phone or a full-page capture does. (Plain window
/// resizing does nothing here: the harness emulates a phone's screen.)
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// The crop fields as the form would send them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    x: String,
    y: String,
    w: String,
    h: String,
}

impl Fields {
    fn numbers(&self) -> (i64, i64, i64, i64) {
        let n = |v: &str| {
            v.parse::<i64>()
                .unwrap_or_else(|_| panic!("crop field {v:?} is not a number"))
        };
        (n(&self.x), n(&self.y), n(&self.w), n(&self.h))
    }
}

impl Page<'_, TestApp> {
    async fn crop_fields(&self) -> Fields {
        let v = self
            .js("return ['x','y','w','h'].map(k => document.getElementById('crop-' + k).value);")
            .await;
        let s = |i: usize| v[i].as_str().unwrap().to_owned();
        Fields {
            x: s(0),
            y: s(1),
            w: s(2),
            h: s(3),
        }
    }

    /// Waits at most [`WAIT`] until `script` returns true; `what` names the condition.
    async fn wait_until(&self, script: &str, what: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if self.js(script).await == json!(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what} not within {WAIT:?}; state: {}",
                self.js(CROP_STATE).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sets the viewport to `width`×`height` CSS pixels, as a window resize would.
    async fn viewport(&self, width: i64, height: i64, mobile: bool) {
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setDeviceMetricsOverride",
                params: json!({
                    "width": width,
                    "height": height,
                    "deviceScaleFactor": 1,
                    "mobile": mobile,
                }),
            })
            .await
            .unwrap_or_else(|e| panic!("cannot set the viewport to {width}×{height}: {e}"));
        self.wait_until(
            &format!("return window.innerWidth === {width};"),
            &format!("a viewport {width} px wide"),
        )
        .await;
    }

    /// Waits until the box on screen is drawn from the fields at the picture's current scale.
    async fn wait_box_follows_fields(&self, when: &str) {
        self.wait_until(
            "const img = document.getElementById('crop-image');
             const box = document.getElementById('crop-box').getBoundingClientRect();
             const pic = img.getBoundingClientRect();
             if (box.width === 0 || pic.width === 0) { return false; }
             const s = pic.width / img.naturalWidth;
             const f = ['x','y','w','h'].map(k => Number(document.getElementById('crop-' + k).value));
             const near = (a, b) => Math.abs(a - b) <= 1.5;
             return near(box.left - pic.left, f[0] * s) && near(box.top - pic.top, f[1] * s)
               && near(box.width, f[2] * s) && near(box.height, f[3] * s);",
            &format!("the box drawn from the fields {when}"),
        )
        .await;
    }
}

/// What a failed wait shows of the crop tool.
const CROP_STATE: &str = "const q = id => document.getElementById(id);
    const r = q('crop-box').getBoundingClientRect();
    return { fields: ['x','y','w','h'].map(k => q('crop-' + k).value),
             box: [r.left, r.top, r.width, r.height], innerWidth: window.innerWidth,
             status: q('crop-status').textContent, boxHidden: q('crop-box').hidden };";

/// Whether the element is laid out on the page (takes room, so it can be seen).
fn shown(id: &str) -> String {
    format!(
        "const e = document.getElementById('{id}'); \
         return getComputedStyle(e).display !== 'none' && e.getBoundingClientRect().width > 0;"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_signature_crop_stays_put_through_viewport_changes_and_is_saved_as_cut() {
    with_browser("signature-crop", async |page| {
        let dir = tempfile::tempdir().unwrap();
        let photo = jpeg_file(dir.path(), "signature-photo.jpg", 640, 360);
        let photo_path = photo.display().to_string();

        page.sign_in_as(
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            "/candidate/profile",
        )
        .await;
        page.goto("/candidate/graduation").await;
        page.click("#apply input[name=acknowledged]").await;
        page.click("#apply button[type=submit]").await;
        page.wait_for_path("/candidate/application").await;
        page.settled().await;

        // Before a picture: no broken image, no stray handle, no preview; the seed's 【选择图片】
        // is there as the chooser's label.
        for id in [
            "crop-area",
            "crop-image",
            "crop-handle",
            "crop-preview",
            "crop-tools",
        ] {
            assert_eq!(
                page.js(&shown(id)).await,
                json!(false),
                "#{id} shows before a picture is chosen"
            );
        }
        let label = page.find("label[for=signature-file]").await;
        assert_eq!(label.text().await.unwrap(), "选择图片");
        assert_eq!(page.js(&shown("signature-form")).await, json!(true));

        // 选择图片, then 截取签名 puts the box on the picture and fills the fields.
        page.find("#signature-file")
            .await
            .send_keys(&photo_path)
            .await
            .unwrap();
        page.find("#crop-tools:not([hidden])").await;
        assert_eq!(page.text_of("#crop-start").await, "截取签名");
        assert_eq!(page.text_of("#crop-confirm").await, "确定");
        assert_eq!(
            page.crop_fields().await.w,
            "",
            "no box before 截取签名: the whole picture"
        );
        page.click("#crop-start").await;
        page.wait_box_follows_fields("after 截取签名").await;
        let started = page.crop_fields().await.numbers();
        assert_eq!(started, (64, 108, 512, 144), "the starting box");

        // The box has the focus: arrow keys move it, Shift+arrows resize it, in the picture's
        // pixels.
        let focused = page
            .js("return document.activeElement && document.activeElement.id;")
            .await;
        assert_eq!(focused, json!("crop-box"));
        box_keys(page, &[Key::Right]).await;
        let moved = page.crop_fields().await.numbers();
        let step = moved.0 - started.0;
        assert!(step > 0, "→ moves the box right: {started:?} → {moved:?}");
        assert_eq!(
            (moved.1, moved.2, moved.3),
            (started.1, started.2, started.3)
        );
        box_keys(page, &[Key::Shift, Key::Left]).await;
        let resized = page.crop_fields().await.numbers();
        assert_eq!(
            resized,
            (moved.0, moved.1, moved.2 - step, moved.3),
            "Shift+← narrows the box"
        );
        page.wait_box_follows_fields("after the keys").await;
        let chosen = page.crop_fields().await;

        // A desktop window, a phone again, and a capture of the whole page's height: the fields
        // stay exactly as they were and the box on screen is redrawn from them.
        for (width, height, mobile, when) in [
            (1280, 800, false, "at 1280 px"),
            (375, 800, true, "back at 375 px"),
            (1280, 4000, false, "in a full-page capture"),
            (375, 800, true, "at 375 px again"),
        ] {
            page.viewport(width, height, mobile).await;
            page.wait_box_follows_fields(when).await;
            assert_eq!(
                page.crop_fields().await,
                chosen,
                "the crop fields changed {when}"
            );
        }

        // 确定 shows the cut.
        page.click("#crop-confirm").await;
        page.wait_until(
            "const p = document.getElementById('crop-preview-image');
             return !document.getElementById('crop-preview').hidden && p.complete
               && p.naturalWidth > 0;",
            "the preview of the cut",
        )
        .await;
        let (_, _, w, h) = chosen.numbers();
        let preview = page
            .js("const p = document.getElementById('crop-preview-image'); \
                 return [p.naturalWidth, p.naturalHeight];")
            .await;
        assert_eq!(preview, json!([w, h]), "the preview is the cut");
        let said = page.text_of("#crop-status").await;
        assert!(said.contains(&format!("已截取 {w}×{h} 像素")), "{said}");
        page.screenshot("confirmed").await;

        // 保存 keeps exactly the cut.
        page.click("#signature-save").await;
        page.wait_for_text("#signature", "签名已保存").await;
        let cand = page.app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let a = store::graduation::application::of_candidate(&page.app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let files = store::graduation::application::files(&page.app.db.db, a.id)
            .await
            .unwrap();
        let sig = files.iter().find(|f| f.slot == "signature").unwrap();
        assert_eq!(
            (sig.width, sig.height),
            (Some(w as i32), Some(h as i32)),
            "the saved signature is the crop {chosen:?}"
        );
        let caption = page.text_of("#signature figcaption").await;
        assert!(caption.contains(&format!("{w}×{h}")), "{caption}");

        // Choosing the same picture again starts over. A second box is put on the picture and
        // confirmed first.
        page.find("#signature-file")
            .await
            .send_keys(&photo_path)
            .await
            .unwrap();
        page.find("#crop-tools:not([hidden])").await;
        page.click("#crop-start").await;
        page.wait_box_follows_fields("on the second picture").await;
        box_keys(page, &[Key::Down]).await;
        page.click("#crop-confirm").await;
        page.wait_until(
            "return !document.getElementById('crop-preview').hidden;",
            "the second preview",
        )
        .await;
        assert_ne!(page.crop_fields().await.w, "");
        // Opening the chooser (what a click on 【选择图片】 sends the input) without the native
        // dialog, which a test cannot answer; then the same file is chosen.
        page.js(
            "document.getElementById('signature-file').dispatchEvent(new Event('click')); \
                 return true;",
        )
        .await;
        page.find("#signature-file")
            .await
            .send_keys(&photo_path)
            .await
            .unwrap();
        page.wait_until(
            "const q = id => document.getElementById(id);
             return ['x','y','w','h'].every(k => q('crop-' + k).value === '')
               && q('crop-box').hidden && q('crop-preview').hidden
               && !q('crop-tools').hidden && q('crop-confirm').disabled;",
            "the box reset after choosing the same picture again",
        )
        .await;
        assert_eq!(
            page.text_of("#signature-file-name").await,
            "signature-photo.jpg"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crop_too_small_for_a_signature_is_refused_before_saving() {
    with_browser("signature-too-small", async |page| {
        let dir = tempfile::tempdir().unwrap();
        let photo = jpeg_file(dir.path(), "signature-photo.jpg", 640, 360);
        page.sign_in_as(
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            "/candidate/profile",
        )
        .await;
        page.goto("/candidate/graduation").await;
        page.click("#apply input[name=acknowledged]").await;
        page.click("#apply button[type=submit]").await;
        page.wait_for_path("/candidate/application").await;
        page.find("#signature-file")
            .await
            .send_keys(&photo.display().to_string())
            .await
            .unwrap();
        page.find("#crop-tools:not([hidden])").await;
        page.click("#crop-start").await;
        page.wait_box_follows_fields("after 截取签名").await;

        // Typed fields move the box too; a box narrower than a signature is refused by 确定,
        // naming the minimum.
        page.type_into("#crop-w", "99").await;
        page.wait_box_follows_fields("after typing the width").await;
        page.click("#crop-confirm").await;
        page.wait_until(
            "return document.getElementById('crop-status').textContent.includes('至少需要宽 100、高 30 像素');",
            "the refusal naming the minimum",
        )
        .await;
        assert!(page.text_of("#crop-status").await.contains("截取框为 99×"));
        assert_eq!(page.js(&shown("crop-preview")).await, json!(false));

        // 保存 is held back with the same words (a form sent would leave this page and the mark
        // with it), and nothing is saved.
        page.js("window.addEventListener('submit', e => { window.held = e.defaultPrevented; }); \
                 return true;")
            .await;
        page.click("#signature-save").await;
        page.wait_until("return window.held === true;", "保存 held back")
            .await;
        assert!(page.text_of("#crop-status").await.contains("截取框为 99×"));
        let cand = page.app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let a = store::graduation::application::of_candidate(&page.app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let files = store::graduation::application::files(&page.app.db.db, a.id)
            .await
            .unwrap();
        assert!(files.iter().all(|f| f.slot != "signature"));
    })
    .await;
}

/// Presses `keys` together on the crop box.
async fn box_keys(page: &Page<'_, TestApp>, keys: &[Key]) {
    let keys: String = keys.iter().map(|k| char::from(*k)).collect();
    page.find("#crop-box").await.send_keys(&keys).await.unwrap();
}

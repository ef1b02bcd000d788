//! 毕业申请 over HTTP on every app backend: the notice, applying, each section saved on its own
//! with precise refusals that keep what was typed, uploads judged by content, the signature crop,
//! 提交初审 locking the form, 审核进度, the 收件箱, and nobody reaching another candidate's files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::io::Cursor;

use common::{TestApp, spawn_app};
use reqwest::multipart::{Form, Part};
use store::demo::accounts;
use store::testkit::app_backends;

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

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/application").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    slot: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/application").await;
    let form = Form::new()
        .text("csrf_token", token)
        .text("slot", slot.to_owned())
        .part(
            "file",
            Part::bytes(bytes)
                .file_name(name.to_owned())
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

async fn apply(app: &TestApp, c: &reqwest::Client) {
    let (_, page) = app.get_text(c, "/candidate/graduation").await;
    assert!(page.contains("毕业申请须知"), "notice shown");
    assert!(page.contains("申请毕业"), "apply offered");
    let major = common::attr_after(&page, "name=\"major_id\" value=\"");
    let batch = common::attr_after(&page, "<option value=\"");
    let token = common::csrf_in(&page).unwrap();
    // Not acknowledged: refused, nothing opened.
    let r = c
        .post(app.url("/candidate/application/open"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("major_id", &major),
            ("batch_id", &batch),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("毕业申请须知"));
    let r = c
        .post(app.url("/candidate/application/open"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("major_id", &major),
            ("batch_id", &batch),
            ("acknowledged", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
}

#[tokio::test]
async fn candidate_fills_every_section_and_submits_for_initial_review() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        apply(&app, &c).await;
        let (status, page) = app.get_text(&c, "/candidate/application").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("填写中") && page.contains("主考学校"));

        // Submitting too early lists what is missing.
        let (status, body) = post_form(&app, &c, "/candidate/application/submit", &[]).await;
        assert_eq!(status, 422);
        assert!(
            body.contains("还有以下内容未完成") && body.contains("自我鉴定"),
            "{}",
            b.name()
        );

        let major = common::attr_after(&page, "<option value=\"");
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/major",
            &[("major_id", &major)],
        )
        .await;
        assert_eq!(status, 303);

        // Resume: a reversed period is refused with the row, and the rows typed stay on the page.
        let (status, body) = post_form(
            &app,
            &c,
            "/candidate/application/resume",
            &[
                ("from", "2016-09"),
                ("to", "2015-06"),
                ("unit", "重庆市第八中学"),
                ("role", ""),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            body.contains("简历第 1 行：终止年月 2015-06 早于起始年月 2016-09"),
            "{}",
            b.name()
        );
        assert!(body.contains("重庆市第八中学"), "typed text kept");
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/resume",
            &[
                ("from", "2012-09"),
                ("to", "2015-06"),
                ("unit", "重庆市第八中学"),
                ("role", "学生"),
                ("from", "2015-07"),
                ("to", "至今"),
                ("unit", "重庆某科技公司"),
                ("role", "职员"),
            ],
        )
        .await;
        assert_eq!(status, 303);

        // Self-appraisal: 299 characters refused (and kept), 300 saved.
        let short = "学".repeat(299);
        let (status, body) = post_form(
            &app,
            &c,
            "/candidate/application/self-appraisal",
            &[("text", &short)],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("当前 299 字，还差 1 字"), "{}", b.name());
        assert!(body.contains(&short), "typed appraisal kept");
        let ok = "学".repeat(300);
        let (status, _) = post_form(
            &app,
            &c,
            "/candidate/application/self-appraisal",
            &[("text", &ok)],
        )
        .await;
        assert_eq!(status, 303);

        // Uploads: a PNG renamed .jpg and an oversized file are refused precisely.
        let (status, body) = upload(&app, &c, "id_front", "front.jpg", png(40, 30)).await;
        assert_eq!(status, 422);
        assert!(
            body.contains("身份证正面（人像面）") && body.contains("PNG"),
            "{}: png refusal",
            b.name()
        );
        let mut big = jpeg(64, 48);
        big.resize(51_201, 0);
        let (status, body) = upload(&app, &c, "id_front", "front.jpg", big).await;
        assert_eq!(status, 422);
        assert!(body.contains("51,201 字节"), "{}: size named", b.name());
        for slot in ["id_front", "id_back", "photo"] {
            let (status, _) = upload(&app, &c, slot, "IMG_2024.jpg", jpeg(320, 200)).await;
            assert_eq!(status, 303, "{}: {slot}", b.name());
        }

        // Signature: cropped on the server from the box.
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
        let cand = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let a = store::graduation::application::of_candidate(&app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let files = store::graduation::application::files(&app.db.db, a.id)
            .await
            .unwrap();
        let sig = files.iter().find(|f| f.slot == "signature").unwrap();
        assert_eq!((sig.width, sig.height), (Some(200), Some(80)));

        // The candidate sees their own picture; another candidate gets 404 for it.
        let (status, _) = app
            .get_text(&c, &format!("/candidate/application/files/{}", sig.id))
            .await;
        assert_eq!(status, 200);
        let other = app
            .with_user(User::Candidate(accounts::CQ_EXEMPTION_USED))
            .await;
        let (status, _) = app
            .get_text(&other, &format!("/candidate/application/files/{}", sig.id))
            .await;
        assert_eq!(status, 404, "{}: other candidate's file", b.name());

        let (status, _) = post_form(&app, &c, "/candidate/application/submit", &[]).await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(page.contains("审核中") && page.contains("资料不能修改"));
        // Chongqing's form has no commitment letter, so there is none to print.
        let (status, body) = app.get_text(&c, "/candidate/application/commitment").await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(body.contains("本省毕业申请无需承诺书"));

        // Locked: a later save changes nothing.
        let (status, body) = post_form(
            &app,
            &c,
            "/candidate/application/statement",
            &[("text", "补充")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("不能修改"));
        let a = store::graduation::application::get(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(a.statement, None);

        let (_, progress) = app.get_text(&c, "/candidate/application/progress").await;
        assert!(
            progress.contains("主考学校初审") && progress.contains("审核中"),
            "{}",
            b.name()
        );
        let (_, inbox) = app.get_text(&c, "/candidate/inbox").await;
        assert!(inbox.contains("毕业申请已提交"));
        let submitted_at = domain::calendar::beijing_minute(a.submitted_at.unwrap());
        assert!(
            inbox.contains(&format!("你的毕业申请已于 {submitted_at}（北京时间）提交")),
            "{}: the message names when: {inbox}",
            b.name()
        );

        // Printouts: a PDF where a CJK font is installed, a plain message where none is.
        let font = printout::Printer::new(None).font_available();
        for doc in ["register", "transcript"] {
            let r = c
                .get(app.url(&format!("/candidate/application/{doc}.pdf")))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body = r.bytes().await.unwrap();
            if font {
                assert_eq!(status, 200, "{}: {doc}", b.name());
                assert!(body.starts_with(b"%PDF"), "{doc} is a PDF");
            } else {
                assert!(
                    std::env::var_os("BIYE_REQUIRE_FONT").is_none(),
                    "no CJK font installed"
                );
                assert_eq!(status, 503);
                assert!(String::from_utf8_lossy(&body).contains("未找到中文字体"));
            }
        }
        // Another candidate cannot print this application: they have none of their own.
        let r = other
            .get(app.url("/candidate/application/register.pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404);
    }
}

#[tokio::test]
async fn candidate_with_a_failing_condition_cannot_apply() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::CQ_ONE_COURSE_SHORT))
            .await;
        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        assert!(
            !page.contains("action=\"/candidate/application/open\""),
            "{}",
            b.name()
        );
        // Forcing the request is refused with the failing condition.
        let cand = app.candidate(accounts::CQ_ONE_COURSE_SHORT).await;
        let majors = store::repo::reference::enrolled_majors(&app.db.db, cand.id)
            .await
            .unwrap();
        let batch = store::graduation::application::batches_of_province(&app.db.db, "chongqing")
            .await
            .unwrap()
            .remove(0);
        let token = common::csrf_in(&page).unwrap();
        let r = c
            .post(app.url("/candidate/application/open"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("major_id", &majors[0].major.id.to_string()),
                ("batch_id", &batch.id.to_string()),
                ("acknowledged", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("暂不能申请毕业") && body.contains("00022"),
            "{}: {body}",
            b.name()
        );
        assert!(
            store::graduation::application::of_candidate(&app.db.db, cand.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

/// Posts the signature form with the crop box `fields` (none: the whole picture).
async fn sign(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
    bytes: Vec<u8>,
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/application").await;
    let mut form = Form::new().text("csrf_token", token);
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let form = form.part(
        "file",
        Part::bytes(bytes)
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
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The candidate's saved signature: its id and its size in pixels.
async fn saved_signature(app: &TestApp) -> (i64, Option<i32>, Option<i32>) {
    let cand = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
    let a = store::graduation::application::of_candidate(&app.db.db, cand.id)
        .await
        .unwrap()
        .remove(0);
    let files = store::graduation::application::files(&app.db.db, a.id)
        .await
        .unwrap();
    let mut sigs: Vec<_> = files.iter().filter(|f| f.slot == "signature").collect();
    assert_eq!(sigs.len(), 1, "one signature");
    let sig = sigs.remove(0);
    (sig.id, sig.width, sig.height)
}

#[tokio::test]
async fn signature_crops_too_small_or_past_the_picture_are_refused_and_the_saved_one_kept() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        apply(&app, &c).await;
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(
            page.contains("截取框至少宽 100、高 30 像素"),
            "{}: the form names the minimum",
            b.name()
        );
        let box_of = |x: &'static str, y: &'static str, w: &'static str, h: &'static str| {
            [("x", x), ("y", y), ("w", w), ("h", h)]
        };
        let (status, body) = sign(&app, &c, &box_of("20", "30", "200", "80"), jpeg(400, 300)).await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        let kept = saved_signature(&app).await;
        assert_eq!((kept.1, kept.2), (Some(200), Some(80)), "{}", b.name());

        // One pixel short of the minimum either way: refused, naming the minimum and the size.
        for (w, h) in [("99", "30"), ("100", "29")] {
            let (status, body) = sign(&app, &c, &box_of("20", "30", w, h), jpeg(400, 300)).await;
            assert_eq!(status, 422, "{}: {w}×{h}", b.name());
            assert!(
                body.contains(&format!(
                    "签名：截取框为 {w}×{h} 像素，太小，看不清签名：截取框至少需要宽 100、高 30 像素"
                )),
                "{}: {w}×{h}: {body}",
                b.name()
            );
            assert!(
                body.contains("已保存的签名") && body.contains("200×80"),
                "{}: the saved signature is still shown",
                b.name()
            );
            assert_eq!(saved_signature(&app).await, kept, "{}: kept", b.name());
        }
        // What a collapsed crop box once stored without a word.
        let (status, body) = sign(&app, &c, &box_of("0", "0", "10", "10"), jpeg(400, 300)).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("截取框为 10×10 像素，太小"), "{}", b.name());

        // A box past the picture's edges is refused, saying by how much.
        let (status, body) =
            sign(&app, &c, &box_of("350", "280", "100", "30"), jpeg(400, 300)).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(
            body.contains("超出图片右边 50 像素、下边 10 像素（图片为 400×300 像素）"),
            "{}: {body}",
            b.name()
        );
        // A whole picture too small to hold a signature.
        let (status, body) = sign(&app, &c, &[], jpeg(90, 40)).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(
            body.contains("签名图片为 90×40 像素，太小"),
            "{}: {body}",
            b.name()
        );
        assert_eq!(saved_signature(&app).await, kept, "{}: kept", b.name());

        // Exactly the minimum, touching the picture's far corner, is kept as cut.
        let (status, body) =
            sign(&app, &c, &box_of("300", "270", "100", "30"), jpeg(400, 300)).await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        let (_, w, h) = saved_signature(&app).await;
        assert_eq!((w, h), (Some(100), Some(30)), "{}", b.name());
    }
}

/// The numbered section headings of a form page, in order: (number, title).
pub(crate) fn numbered_sections(page: &str) -> Vec<(usize, String)> {
    page.split("<h2 class=\"step\">")
        .skip(1)
        .map(|rest| {
            let heading = rest.split("</h2>").next().unwrap();
            let (n, title) = heading.split_once(". ").unwrap();
            (n.parse().unwrap(), title.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_form_numbers_the_sections_it_shows_without_gaps() {
    let app = spawn_app(&store::testkit::Backend::Sqlite).await;
    // A 专科 form has no 前置学历 section: the numbers run on without a gap (they read 1, 3, 4…).
    for (who, titles) in [(
        accounts::CQ_ELIGIBLE_ASSOCIATE,
        &[
            "专业及主考学校",
            "本人简历",
            "身份证正反面及照片",
            "自我鉴定",
            "签名",
            "情况说明（选填）",
            "其它材料（选填）",
            "提交初审",
        ][..],
    )] {
        let c = app.with_user(User::Candidate(who)).await;
        apply(&app, &c).await;
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        let shown = numbered_sections(&page);
        let numbers: Vec<usize> = shown.iter().map(|s| s.0).collect();
        assert_eq!(numbers, (1..=titles.len()).collect::<Vec<_>>(), "{who}");
        let shown: Vec<&str> = shown.iter().map(|s| s.1.as_str()).collect();
        assert_eq!(shown, titles, "{who}");
    }
}

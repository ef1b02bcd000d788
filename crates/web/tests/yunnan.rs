//! The Yunnan form over HTTP (seed 003): its own materials instead of Chongqing's register
//! sections, the ID validity against the batch's cutoff, the certificate photo refused with every
//! broken rule or corrected on request and shown beside the original, the printable commitment
//! letter, and the prior-education page of each organisation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Cursor;

use common::{TestApp, spawn_app};
use reqwest::multipart::{Form, Part};
use store::demo::accounts;
use store::testkit::app_backends;

const LOGIN: &str = "/login";

/// A smooth picture, as a portrait photo is, so the corrected one fits 20–40 KB.
fn portrait(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(150 + x * 60 / w) as u8, (190 + y * 40 / h) as u8, 235])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

async fn apply(app: &TestApp, c: &reqwest::Client) {
    let (_, page) = app.get_text(c, "/candidate/graduation").await;
    let major = after(&page, "name=\"major_id\" value=\"");
    let batch = after(&page, "<option value=\"");
    let token = common::csrf_in(&page).unwrap();
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
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
}

fn after(page: &str, marker: &str) -> String {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let rest = &page[at + marker.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/application").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn upload_photo(
    app: &TestApp,
    c: &reqwest::Client,
    bytes: Vec<u8>,
    autofix: bool,
) -> (u16, String) {
    let token = app.csrf(c, "/candidate/application").await;
    let mut form = Form::new().text("csrf_token", token);
    if autofix {
        form = form.text("autofix", "1");
    }
    let form = form.part(
        "file",
        Part::bytes(bytes)
            .file_name("me.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let r = c
        .post(app.url("/candidate/application/photo"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn yunnan_form_checks_id_validity_and_corrects_the_photo_on_request() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app.signed_in(LOGIN, accounts::YN_ELIGIBLE_ASSOCIATE).await;
        apply(&app, &c).await;
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(page.contains("云南毕业办证材料") && page.contains("毕业证书照片"));
        assert!(
            !page.contains("5. 自我鉴定"),
            "{}: no Chongqing register sections",
            b.name()
        );

        // The batch's cutoff itself is refused; the day after is saved.
        let cutoff = after(&page, "须在 ");
        let cutoff_date = chrono::NaiveDate::parse_from_str(
            cutoff.split(' ').next().unwrap_or(&cutoff),
            "%Y年%m月%d日",
        )
        .unwrap();
        let (status, body) = post(
            &app,
            &c,
            "/candidate/application/id-validity",
            &[("id_valid_until", &cutoff_date.to_string())],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("请先换领有效身份证"), "{body}");
        let next = cutoff_date.succ_opt().unwrap().to_string();
        let (status, _) = post(
            &app,
            &c,
            "/candidate/application/id-validity",
            &[("id_valid_until", &next)],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(page.contains(&format!("value=\"{next}\"")));

        // A 600×800 photo is refused naming the actual width; nothing is stored.
        let (status, body) = upload_photo(&app, &c, portrait(600, 800), false).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("宽 600 像素"), "{body}");
        assert!(!body.contains("id=\"photo-saved\""));
        // With 自动修正 the corrected photo is shown beside the original, then accepted.
        let (status, _) = upload_photo(&app, &c, portrait(600, 800), true).await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(
            page.contains("id=\"photo-preview\"") && page.contains("修正后：480×640 像素，300 dpi"),
            "{page}"
        );
        assert!(page.contains("600×800"), "the original keeps its own size");
        let (status, _) = post(&app, &c, "/candidate/application/photo/accept", &[]).await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(page.contains("id=\"photo-saved\"") && !page.contains("id=\"photo-preview\""));
        assert!(
            !page.contains("<li>毕业证书照片</li>"),
            "photo no longer missing"
        );

        // The printable commitment letter carries the candidate's data.
        let (status, letter) = app.get_text(&c, "/candidate/application/commitment").await;
        assert_eq!(status, 200);
        assert!(
            letter.contains("思想品德合格承诺书")
                && letter.contains(accounts::YN_ELIGIBLE_ASSOCIATE)
        );
    }
}

#[tokio::test]
async fn prior_education_waits_at_the_confirmation_point_and_is_hidden_from_others() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app.signed_in(LOGIN, accounts::YN_BACHELOR_PRIOR_EDU).await;
        apply(&app, &c).await;
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(
            page.contains("id=\"prior-submit\""),
            "{}: manual review offered",
            b.name()
        );
        // Submitting with nothing filled is refused, naming what is missing.
        let (status, body) = post(
            &app,
            &c,
            "/candidate/application/prior-education/submit",
            &[],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("提交人工审核前请先完成"), "{body}");

        // Staff pages: the point sees nothing yet; the page works for every organisation.
        for who in [
            accounts::STAFF_YN_CONFIRMATION_POINT,
            accounts::STAFF_YN_OFFICE_REVIEWER,
            accounts::STAFF_CQ_UNIVERSITY,
        ] {
            let s = app.signed_in("/staff/login", who).await;
            let (status, page) = app.get_text(&s, "/staff/prior-reviews").await;
            assert_eq!(status, 200, "{who}");
            assert!(page.contains("id=\"prior-empty\""), "{who}");
        }
        // Another organisation cannot act on it.
        let s = app
            .signed_in("/staff/login", accounts::STAFF_CQ_UNIVERSITY)
            .await;
        let token = app.csrf(&s, "/staff/prior-reviews").await;
        let a = app.candidate(accounts::YN_BACHELOR_PRIOR_EDU).await;
        let id = store::graduation::application::of_candidate(&app.db.db, a.id)
            .await
            .unwrap()
            .into_iter()
            .next()
            .unwrap()
            .id;
        let r = s
            .post(app.url(&format!("/staff/prior-reviews/{id}/originals-checked")))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{}", b.name());
    }
}

//! 成绩补录 and 13位准考证查询 over HTTP (seed 003 §(一)): the candidate files a request with its
//! scan (512,000 bytes accepted, one byte more refused naming the size, a PNG renamed .jpg
//! refused), the confirmation point approves it after taking the original, and the score shows in
//! 成绩查询; the scan is visible only to the candidate and the handling organisation; another
//! organisation can neither see nor decide it; forms need the CSRF token; a 13-character number
//! links to its owner and its results show.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::io::Cursor;

use common::{TestApp, spawn_app};
use reqwest::multipart::{Form, Part};
use store::demo::accounts;
use store::testkit::app_backends;

const PAGE: &str = "/candidate/backfills";

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

/// A JPEG padded after its end-of-image marker to exactly `len` bytes.
fn jpeg_of(len: usize) -> Vec<u8> {
    let mut out = jpeg(200, 140);
    assert!(out.len() < len);
    out.resize(len, 0);
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

/// Files a certificate request; `token` None leaves the CSRF field out.
async fn file(
    app: &TestApp,
    c: &reqwest::Client,
    token: Option<String>,
    date: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let mut form = Form::new();
    if let Some(t) = token {
        form = form.text("csrf_token", t);
    }
    let form = form
        .text("source", "course_certificate")
        .text("course_code", accounts::YN_BACKFILL_COURSE)
        .text("score", "76.5")
        .text("obtained_on", date.to_owned())
        .text("document_no", "云自考证字第9412345号")
        .part(
            "file",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = c.post(app.url(PAGE)).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn first_id(page: &str, marker: &str) -> i64 {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"));
    let rest = &page[at + marker.len()..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

async fn decide(
    app: &TestApp,
    c: &reqwest::Client,
    id: i64,
    fields: &[(&str, &str)],
    with_token: bool,
) -> (u16, String) {
    let token = app.csrf(c, "/staff/backfills").await;
    let mut all = Vec::new();
    if with_token {
        all.push(("csrf_token", token.as_str()));
    }
    all.extend_from_slice(fields);
    let r = c
        .post(app.url(&format!("/staff/backfills/{id}/decide")))
        .form(&all)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn candidate_files_a_backfill_and_the_confirmation_point_approves_it() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let owner = app.candidate(accounts::YN_BACKFILL_NEEDED).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let (status, page) = app.get_text(&c, PAGE).await;
        assert_eq!(status, 200);
        assert!(page.contains("href=\"/candidate/backfills\"") && page.contains("13位准考证查询"));
        assert!(page.contains(&format!("value=\"{}\"", accounts::YN_BACKFILL_COURSE)));

        // Without the token nothing is read or stored.
        let (status, _) = file(&app, &c, None, "1994-12-31", "cert.jpg", jpeg_of(512_000)).await;
        assert_eq!(status, 403, "{}", b.name());

        let token = app.csrf(&c, PAGE).await;
        let (status, body) = file(
            &app,
            &c,
            Some(token.clone()),
            "1994-12-31",
            "cert.jpg",
            jpeg_of(512_001),
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("512,001 字节"), "{}: size named", b.name());
        // What was typed comes back.
        assert!(body.contains("云自考证字第9412345号") && body.contains("76.5"));

        let (status, body) = file(
            &app,
            &c,
            Some(token.clone()),
            "1994-12-31",
            "cert.jpg",
            png(60, 40),
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("PNG"), "{}: png refusal", b.name());

        let (status, body) = file(
            &app,
            &c,
            Some(token.clone()),
            "1995-01-01",
            "cert.jpg",
            jpeg_of(512_000),
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("1995年1月1日以前"), "{}", b.name());
        assert!(!app.get_text(&c, PAGE).await.1.contains("id=\"backfill-"));

        let (status, body) = file(
            &app,
            &c,
            Some(token.clone()),
            "1994-12-31",
            "cert.jpg",
            jpeg_of(512_000),
        )
        .await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        let (_, page) = app.get_text(&c, PAGE).await;
        assert!(page.contains("待审核"));
        let id = first_id(&page, "id=\"backfill-");
        let scan = format!("/candidate/backfills/{id}/scan");
        let r = c.get(app.url(&scan)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["content-type"], "image/jpeg");

        // A second request for the course while this one is pending is refused.
        let (status, body) = file(
            &app,
            &c,
            Some(token),
            "1994-06-01",
            "cert.jpg",
            jpeg(80, 60),
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("已有一份待审核的补录申请"), "{}", b.name());

        // Another candidate cannot see the scan.
        let other = app
            .with_user(User::Candidate(accounts::YN_ELIGIBLE_ASSOCIATE))
            .await;
        let (status, _) = app.get_text(&other, &scan).await;
        assert_eq!(status, 404, "{}", b.name());

        // The chief university does not handle certificates: it neither sees nor decides it.
        let uni = app
            .with_user(User::Staff(accounts::STAFF_YN_UNIVERSITY))
            .await;
        let (_, queue) = app.get_text(&uni, "/staff/backfills").await;
        assert!(!queue.contains(&owner.name), "{}", b.name());
        let (status, _) = app
            .get_text(&uni, &format!("/staff/backfills/{id}/scan"))
            .await;
        assert_eq!(status, 404);
        let (status, _) = decide(
            &app,
            &uni,
            id,
            &[("decision", "approve"), ("original_kept", "1")],
            true,
        )
        .await;
        assert_eq!(status, 404, "{}", b.name());

        // The confirmation point sees it with the ID number masked.
        let point = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let (_, queue) = app.get_text(&point, "/staff/backfills").await;
        assert!(queue.contains(&owner.name) && queue.contains("原件已收取存档"));
        assert!(
            !queue.contains(&owner.id_card_no),
            "{}: ID masked",
            b.name()
        );
        let r = point
            .get(app.url(&format!("/staff/backfills/{id}/scan")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);

        let (status, _) = decide(&app, &point, id, &[("decision", "approve")], false).await;
        assert_eq!(status, 403, "{}: CSRF required", b.name());
        let (status, body) = decide(&app, &point, id, &[("decision", "approve")], true).await;
        assert_eq!(status, 422);
        assert!(body.contains("原件已收取存档"));
        let (status, _) = decide(
            &app,
            &point,
            id,
            &[("decision", "approve"), ("original_kept", "1")],
            true,
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, done) = app.get_text(&point, "/staff/backfills?status=done").await;
        assert!(done.contains(&owner.name) && done.contains("已补录"));

        // The candidate sees the score, from 补录, in 成绩查询.
        let (_, scores) = app.get_text(&c, "/candidate/scores").await;
        let row_at = scores
            .find(&format!("data-course=\"{}\"", accounts::YN_BACKFILL_COURSE))
            .unwrap();
        let row = &scores[row_at..row_at + scores[row_at..].find("</tr>").unwrap()];
        assert!(
            row.contains("76.5") && row.contains("合格") && row.contains("补录"),
            "{}: {row}",
            b.name()
        );
        let (_, page) = app.get_text(&c, PAGE).await;
        assert!(page.contains("已补录"));
    }
}

async fn link(app: &TestApp, c: &reqwest::Client, no: &str) -> (u16, String, String) {
    let token = app.csrf(c, "/candidate/legacy").await;
    let r = c
        .post(app.url("/candidate/legacy"))
        .form(&[("csrf_token", token.as_str()), ("legacy_no", no)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

#[tokio::test]
async fn thirteen_character_number_links_to_its_owner_and_shows_its_scores() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let no = accounts::YN_UNLINKED_LEGACY_NO;

        // Someone else's number is refused without saying whose it is.
        let other = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        let (status, _, body) = link(&app, &other, no).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("身份证号不一致") && !body.contains("王丽华"));

        let c = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let (status, _, body) = link(&app, &c, "530302B94061").await;
        assert_eq!(status, 422);
        assert!(body.contains("旧版准考证号应为13位，实际为12位"), "{body}");
        assert!(body.contains("value=\"530302B94061\""));

        // Typed in lowercase, as old certificates are often retyped.
        let (status, location, _) = link(&app, &c, &no.to_lowercase()).await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(location, "/candidate/legacy?linked=2");
        let (_, page) = app.get_text(&c, "/candidate/legacy").await;
        assert!(page.contains(no) && page.contains("00043") && page.contains("72"));
        let (_, scores) = app.get_text(&c, "/candidate/scores").await;
        assert!(scores.contains("13位准考证"), "{}", b.name());

        // Linking again is harmless.
        let (status, location, _) = link(&app, &c, no).await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/candidate/legacy?linked=0")
        );

        // CSRF required.
        let r = c
            .post(app.url("/candidate/legacy"))
            .form(&[("legacy_no", no)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
    }
}

#[tokio::test]
async fn api_lists_backfills_and_links_a_number_with_the_csrf_header() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let me: serde_json::Value = c
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf_token"].as_str().unwrap().to_owned();
        let list: serde_json::Value = c
            .get(app.url("/api/v1/backfills"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list, serde_json::json!([]));
        let body = serde_json::json!({"legacy_no": accounts::YN_UNLINKED_LEGACY_NO});
        let r = c
            .post(app.url("/api/v1/legacy"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}: header required", b.name());
        let r = c
            .post(app.url("/api/v1/legacy"))
            .header("x-csrf-token", &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let linked: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            linked,
            serde_json::json!({"newly_linked": true, "copied": 2})
        );
        let all: serde_json::Value = c
            .get(app.url("/api/v1/legacy"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(all[0]["legacy_no"], accounts::YN_UNLINKED_LEGACY_NO);
        assert_eq!(all[0]["scores"].as_array().unwrap().len(), 2);
        // A staff account is not a candidate.
        let staff = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let r = staff
            .get(app.url("/api/v1/backfills"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
    }
}

/// 成绩补录 through the API: the candidate files with the scan (refusals name the field and
/// store nothing), the confirmation point decides; the chief university cannot.
#[tokio::test]
async fn a_backfill_is_filed_and_decided_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let token = |client: reqwest::Client| {
            let url = app.url("/api/v1/me");
            async move {
                let me: serde_json::Value =
                    client.get(url).send().await.unwrap().json().await.unwrap();
                me["csrf_token"].as_str().unwrap().to_owned()
            }
        };
        let candidate_token = token(c.clone()).await;
        let form = |date: &str, bytes: Vec<u8>| {
            Form::new()
                .text("source", "course_certificate")
                .text("course_code", accounts::YN_BACKFILL_COURSE)
                .text("score", "76.5")
                .text("obtained_on", date.to_owned())
                .text("document_no", "云自考证字第9412345号")
                .part(
                    "file",
                    Part::bytes(bytes)
                        .file_name("cert.jpg")
                        .mime_str("image/jpeg")
                        .unwrap(),
                )
        };
        let send = |r: reqwest::RequestBuilder, t: &str| {
            let r = r.header("x-csrf-token", t.to_owned());
            async move {
                let r = r.send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<serde_json::Value>().await.unwrap())
            }
        };
        let before = common::stored_objects(&app);
        let url = app.url("/api/v1/backfills");
        let (status, body) = send(
            c.post(&url).multipart(form("1994-12-31", jpeg_of(512_001))),
            &candidate_token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["file"]
                .as_str()
                .unwrap()
                .contains("512,001 字节"),
            "{body}"
        );
        assert_eq!(common::stored_objects(&app), before, "{}", b.name());
        let (status, filed) = send(
            c.post(&url).multipart(form("1994-12-31", jpeg_of(512_000))),
            &candidate_token,
        )
        .await;
        assert_eq!(status, 201, "{}: {filed}", b.name());
        assert_eq!(filed["status"], "pending");
        let decision = app.url(&format!("/api/v1/backfills/{}/decision", filed["id"]));

        let uni = app
            .with_user(User::Staff(accounts::STAFF_YN_UNIVERSITY))
            .await;
        let uni_token = token(uni.clone()).await;
        let approve = serde_json::json!({"decision": "approve", "original_kept": true});
        let (status, _) = send(uni.post(&decision).json(&approve), &uni_token).await;
        assert_eq!(status, 404, "{}: not the handling organisation", b.name());
        let point = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let point_token = token(point.clone()).await;
        let (status, body) = send(
            point
                .post(&decision)
                .json(&serde_json::json!({"decision": "approve"})),
            &point_token,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["message"].as_str().unwrap().contains("原件已收取存档"));
        let (status, body) = send(point.post(&decision).json(&approve), &point_token).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "approved", "{body}");
        let (status, _) = send(point.post(&decision).json(&approve), &point_token).await;
        assert!(status == 409 || status == 422, "{}: decided once", b.name());
    }
}

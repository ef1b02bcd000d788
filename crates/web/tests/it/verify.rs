//! Verifiable printouts over HTTP on every app backend: the QR code printed on a 毕业生登记表,
//! read back from the rasterised page, leads to its public 验证 page, which names the document,
//! the holder masked and the SHA-256 of the bytes downloaded; the same bytes check as matching,
//! one byte changed as not; printed again unchanged it is the same issue, printed after a change
//! it supersedes the first; an unknown code is a 404;
//! and lookups from one address stop at their limit, not one before.

use std::process::Command;

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};
use store::demo::accounts;
use store::testkit::app_backends;
use store::verification::LOOKUPS;

use crate::common::{self, TestApp, User, spawn_app};

/// Whether the tools this test needs are here: a Chinese font for the PDF and `pdftoppm`
/// (poppler-utils) to rasterise it. Missing ones skip the test with a note, or fail it where
/// `BIYE_REQUIRE_FONT=1` (CI installs both).
fn tools_present(test: &str) -> bool {
    let font = printout::Printer::new(None).font_available();
    let pdftoppm = Command::new("pdftoppm").arg("-v").output().is_ok();
    if font && pdftoppm {
        return true;
    }
    let missing = format!("font: {font}, pdftoppm: {pdftoppm}");
    if std::env::var("BIYE_REQUIRE_FONT").is_ok_and(|v| v == "1") {
        panic!("{test}: {missing}; install fonts-noto-cjk and poppler-utils");
    }
    eprintln!("NOTE: {test} skipped ({missing}): apt-get install fonts-noto-cjk poppler-utils");
    false
}

/// Opens the candidate's graduation application (the first major and batch offered).
async fn open_application(app: &TestApp, c: &reqwest::Client) {
    let (_, page) = app.get_text(c, "/candidate/graduation").await;
    let major = common::attr_after(&page, "name=\"major_id\" value=\"");
    let batch = common::attr_after(&page, "<option value=\"");
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
    assert_eq!(r.status().as_u16(), 303);
}

async fn download(app: &TestApp, c: &reqwest::Client, path: &str) -> Vec<u8> {
    let r = c.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    let pdf = r.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"), "{path} is a PDF");
    pdf
}

/// The first page at 300 dpi in grey, as `pdftoppm` draws it: (width, height, pixels).
fn rasterise(pdf: &[u8]) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("printout.pdf");
    std::fs::write(&input, pdf).unwrap();
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&input)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pgm = std::fs::read(dir.path().join("page.pgm")).unwrap();
    parse_pgm(&pgm)
}

/// A binary PGM (P5, 8 bits): three header fields after the magic, then one byte per pixel.
fn parse_pgm(pgm: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 2;
    assert_eq!(&pgm[..2], b"P5");
    while fields.len() < 3 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(
            std::str::from_utf8(&pgm[start..at])
                .unwrap()
                .parse::<usize>()
                .unwrap(),
        );
    }
    let (w, h, max) = (fields[0], fields[1], fields[2]);
    assert_eq!(max, 255);
    let pixels = pgm[at + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

/// What the QR code on the first page encodes.
fn qr_of(pdf: &[u8]) -> String {
    let (w, h, pixels) = rasterise(pdf);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().unwrap().1
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn check_copy(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    copy: Vec<u8>,
) -> (u16, String) {
    let (_, page) = app.get_text(c, path).await;
    let token = common::csrf_in(&page).unwrap();
    let form = Form::new().text("csrf_token", token).part(
        "file",
        Part::bytes(copy)
            .file_name("毕业生登记表.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let r = c.post(app.url(path)).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn a_printouts_qr_code_opens_its_verify_page_which_checks_copies_and_tells_when_superseded() {
    if !tools_present("a_printouts_qr_code_opens_its_verify_page…") {
        return;
    }
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        open_application(&app, &c).await;
        let cand = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let masked = domain::verification::mask_name(&cand.name);

        let pdf = download(&app, &c, "/candidate/application/register.pdf").await;
        let url = qr_of(&pdf);
        let prefix = app.url("/verify/");
        assert!(
            url.starts_with(&prefix),
            "{}: the QR code leads to {url}",
            b.name()
        );
        let path = url[app.base.len()..].to_owned();
        let code = url[prefix.len()..].to_owned();

        // Anyone holding the paper: no sign-in.
        let visitor = app.client();
        let (status, page) = app.get_text(&visitor, &path).await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        let grouped = format!("{}-{}", &code[..5], &code[5..]);
        for expected in [
            grouped.as_str(),
            "毕业生登记表",
            masked.as_str(),
            "重庆",
            "有效",
            &sha256_hex(&pdf),
        ] {
            assert!(
                page.contains(expected),
                "{}: {expected} missing: {page}",
                b.name()
            );
        }
        assert!(!page.contains("已被取代"), "{}", b.name());
        assert!(
            !page.contains(&cand.name),
            "{}: the full name is not shown",
            b.name()
        );
        assert!(
            !page.contains(&cand.id_card_no),
            "{}: no ID number",
            b.name()
        );
        assert!(
            !page.contains(&cand.admission_no),
            "{}: no 准考证号",
            b.name()
        );

        // The same bytes match; one byte changed does not.
        let (status, page) = check_copy(&app, &visitor, &path, pdf.clone()).await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("核对一致"), "{}: {page}", b.name());
        assert!(!page.contains("核对不一致"), "{}", b.name());
        let mut tampered = pdf.clone();
        let middle = tampered.len() / 2;
        tampered[middle] ^= 0x01;
        let (status, page) = check_copy(&app, &visitor, &path, tampered.clone()).await;
        assert_eq!(status, 200, "{}: {page}", b.name());
        assert!(page.contains("核对不一致"), "{}: {page}", b.name());
        assert!(
            page.contains(&sha256_hex(&tampered)),
            "{}: the copy's hash is shown",
            b.name()
        );

        // The API answers the same through the same lookup.
        let r = visitor
            .get(app.url(&format!("/api/v1/verify/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", b.name());
        let json: Value = r.json().await.unwrap();
        assert_eq!(json["kind"], "graduate_register");
        assert_eq!(json["holder"], masked.as_str());
        assert_eq!(json["sha256"], sha256_hex(&pdf).as_str());
        assert_eq!(json["current"], true);
        assert_eq!(json["superseded_at"], Value::Null);
        assert!(json.get("id_card_no").is_none());

        // Printed again with nothing changed: the same issue, byte for byte, still current.
        let same = download(&app, &c, "/candidate/application/register.pdf").await;
        assert_eq!(
            same,
            pdf,
            "{}: an unchanged printout is the same issue",
            b.name()
        );
        let (_, page) = app.get_text(&visitor, &path).await;
        assert!(!page.contains("已被取代"), "{}", b.name());

        // Printed after its content changed (a new 自我鉴定): a new code, and the first issue
        // is no longer current.
        let token = app.csrf(&c, "/candidate/application").await;
        let r = c
            .post(app.url("/candidate/application/self-appraisal"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("text", "学".repeat(320).as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let again = download(&app, &c, "/candidate/application/register.pdf").await;
        let second_url = qr_of(&again);
        assert_ne!(
            second_url,
            url,
            "{}: a changed printout has a new code",
            b.name()
        );
        let (status, page) = app.get_text(&visitor, &path).await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("已被取代"), "{}: {page}", b.name());
        assert!(!page.contains("有效："), "{}", b.name());
        let (_, page) = app.get_text(&visitor, &second_url[app.base.len()..]).await;
        assert!(
            page.contains("有效") && page.contains(&sha256_hex(&again)),
            "{}",
            b.name()
        );
        let json: Value = visitor
            .get(app.url(&format!("/api/v1/verify/{code}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json["current"], false, "{}", b.name());
        assert!(json["superseded_at"].is_string(), "{}", b.name());

        // A code typed with a hyphen and in lower case leads to its page.
        let r = visitor
            .get(app.url(&format!("/verify?code={}", grouped.to_lowercase())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(r.headers()["location"], path.as_str());

        // A code never issued.
        let unknown = if code.starts_with('Z') {
            "ABCDEFGHJK"
        } else {
            "ZZZZZZZZZZ"
        };
        let (status, page) = app.get_text(&visitor, &format!("/verify/{unknown}")).await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(page.contains("未找到该验证码"), "{}: {page}", b.name());
        let r = visitor
            .get(app.url(&format!("/api/v1/verify/{unknown}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404);
        let json: Value = r.json().await.unwrap();
        assert!(json["message"].as_str().unwrap().contains("未找到该验证码"));
    }
}

#[tokio::test]
async fn lookups_from_one_address_are_refused_at_the_limit_and_not_one_before() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let visitor = app.client();
        let limit = LOOKUPS.max_failures;
        // Page and API count together; found or not, every lookup counts.
        for n in 1..limit {
            let (status, _) = app.get_text(&visitor, "/verify/ABCDEFGHJK").await;
            assert_eq!(status, 404, "{}: lookup {n}", b.name());
        }
        let r = visitor
            .get(app.url("/api/v1/verify/ABCDEFGHJK"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            404,
            "{}: lookup {limit}, the last allowed",
            b.name()
        );

        let (status, page) = app.get_text(&visitor, "/verify/ABCDEFGHJK").await;
        assert_eq!(status, 429, "{}: one past the limit", b.name());
        assert!(page.contains("查询过于频繁"), "{}: {page}", b.name());
        let r = visitor
            .get(app.url("/api/v1/verify/ABCDEFGHJK"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429, "{}", b.name());
        let json: Value = r.json().await.unwrap();
        assert!(json["message"].as_str().unwrap().contains("查询过于频繁"));

        // When the lock has run out, lookups go on.
        app.state
            .clock
            .advance(LOOKUPS.lock + chrono::Duration::seconds(1));
        let (status, _) = app.get_text(&visitor, "/verify/ABCDEFGHJK").await;
        assert_eq!(status, 404, "{}", b.name());
    }
}

#[tokio::test]
async fn a_copy_over_the_size_limit_is_refused_naming_its_size() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let code = store::verification::new_code();
        store::verification::record(
            &app.db.db,
            &store::verification::NewIssue {
                code: &code,
                kind: domain::verification::DocumentKind::Transcript,
                holder: store::verification::Holder::Candidate(1),
                holder_name: "王五",
                issuer_org_id: None,
                issuer_name: "重庆市教育考试院（毕业申请与审核平台）",
            },
            b"%PDF-1.7 issued",
            store::repo::audit::Actor::SYSTEM,
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let visitor = app.client();
        let path = format!("/verify/{}", code.as_str());
        let max = web::views::verify::COPY_MAX_BYTES;
        let (status, page) = check_copy(&app, &visitor, &path, vec![b'%'; max + 1]).await;
        assert_eq!(status, 413, "{}: {page}", b.name());
        assert!(page.contains("文件过大") && page.contains(&format!("{} MB", max / 1024 / 1024)));
        assert!(
            page.contains("王*"),
            "{}: the document is still shown",
            b.name()
        );
        let (status, page) = check_copy(&app, &visitor, &path, vec![b'%'; max]).await;
        assert_eq!(status, 200, "{}: at the limit", b.name());
        assert!(page.contains("核对不一致"), "{}", b.name());
    }
}

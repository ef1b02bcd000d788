//! The Yunnan form over HTTP (seed 003): its own materials instead of Chongqing's register
//! sections, the ID validity against the batch's cutoff, the certificate photo refused with every
//! broken rule or corrected on request and shown beside the original, the printable commitment
//! letter, and the prior-education page of each organisation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::io::Cursor;

use common::{TestApp, spawn_app};
use reqwest::multipart::{Form, Part};
use store::demo::accounts;
use store::testkit::app_backends;

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
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
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
        let c = app
            .with_user(User::Candidate(accounts::YN_ELIGIBLE_ASSOCIATE))
            .await;
        apply(&app, &c).await;
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        assert!(page.contains("毕业办证材料") && page.contains("毕业证书照片"));
        // Numbered as shown: Yunnan's form has no register sections, and no number is skipped.
        let sections = crate::application::numbered_sections(&page);
        assert_eq!(
            sections.iter().map(|s| s.0).collect::<Vec<_>>(),
            (1..=sections.len()).collect::<Vec<_>>(),
            "{sections:?}"
        );
        assert_eq!(
            sections.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(),
            [
                "专业及主考学校",
                "身份证正反面",
                "毕业办证材料",
                "毕业证书照片",
                "情况说明（选填）",
                "其它材料（选填）",
                "提交初审"
            ],
            "{}",
            b.name()
        );
        assert!(
            !page.contains("id=\"appraisal\""),
            "{}: no Chongqing register sections",
            b.name()
        );

        // The batch's cutoff itself is refused; the day after is saved.
        let cutoff = common::attr_after(&page, "须在 ");
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
        assert!(
            body.contains(&format!("value=\"{cutoff_date}\"")),
            "the refused date stays in the field: {body}"
        );
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
        // Its text is the definition's: the pledge names the candidate's level.
        assert!(
            letter.contains("本人自愿申请办理云南省高等教育自学考试专科毕业证书"),
            "{letter}"
        );
        assert!(letter.contains("<li>如有弄虚作假"), "{}", b.name());
    }
}

#[tokio::test]
async fn prior_education_waits_at_the_confirmation_point_and_is_hidden_from_others() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
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
            let s = app.with_user(User::Staff(who)).await;
            let (status, page) = app.get_text(&s, "/staff/prior-reviews").await;
            assert_eq!(status, 200, "{who}");
            assert!(page.contains("id=\"prior-empty\""), "{who}");
        }
        // Another organisation cannot act on it.
        let s = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
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

/// Waits (up to ten seconds) for the push the local 学信网 sends in the background.
async fn form_once(app: &TestApp, c: &reqwest::Client, marker: &str) -> String {
    common::eventually(&format!("{marker} on the form"), || async {
        let (_, page) = app.get_text(c, "/candidate/application").await;
        page.contains(marker).then_some(page)
    })
    .await
}

/// Authorises the code now on the form at the local 学信网, as the candidate's phone would.
async fn authorise_at_xuexin(app: &TestApp, c: &reqwest::Client) -> String {
    let (_, page) = app.get_text(c, "/candidate/application").await;
    assert!(
        page.contains("id=\"xuexin-qr\"") && page.contains("<svg"),
        "a code is shown"
    );
    let url = common::attr_after(&page, "id=\"xuexin-open\" href=\"").replace("&#x2f;", "/");
    assert!(
        url.starts_with(&app.url("/xuexin/local/authorise/XA")),
        "{url}"
    );
    let auth_no = url.rsplit('/').next().unwrap().to_owned();
    // The service's page needs no session of ours: a fresh client, as a phone would be.
    let phone = app.client();
    let (status, body) = app
        .get_text(&phone, &format!("/xuexin/local/authorise/{auth_no}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("同意授权") && !body.contains("530381199204170935"),
        "ID masked"
    );
    let r = phone
        .post(app.url(&format!("/xuexin/local/authorise/{auth_no}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    auth_no
}

#[tokio::test]
async fn xuexin_authorisation_pushes_the_prior_diploma_and_only_a_fitting_one_verifies() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.candidate(accounts::YN_BACHELOR_PRIOR_EDU).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        apply(&app, &c).await;
        // 学信网 holds his diploma under a former name: the push arrives, the check fails and
        // says why, 人工审核 stays open.
        let now = chrono::Utc::now();
        store::credential::add(
            &app.db.db,
            store::credential::NewCredential {
                id_card_no: &cand.id_card_no,
                name: "段志诚",
                cert_no: "106731201507001234",
                school: "曲靖师范学院",
                level: "associate",
                graduation_date: chrono::NaiveDate::from_ymd_opt(2015, 7, 1).unwrap(),
            },
            now,
        )
        .await
        .unwrap();
        let (status, _) = post(
            &app,
            &c,
            "/candidate/application/prior-education/authorise",
            &[],
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        authorise_at_xuexin(&app, &c).await;
        let page = form_once(&app, &c, "学信网授权核验未通过").await;
        assert!(
            page.contains("段志诚") && page.contains("id=\"prior-submit\""),
            "{}",
            b.name()
        );

        // With the diploma under his present name, a new code verifies it; the section shows
        // where it came from and the application no longer needs 人工审核.
        store::credential::add(
            &app.db.db,
            store::credential::NewCredential {
                id_card_no: &cand.id_card_no,
                name: &cand.name,
                cert_no: "106731201007009999",
                school: "云南财经大学",
                level: "associate",
                graduation_date: chrono::NaiveDate::from_ymd_opt(2010, 7, 1).unwrap(),
            },
            now,
        )
        .await
        .unwrap();
        post(
            &app,
            &c,
            "/candidate/application/prior-education/authorise",
            &[],
        )
        .await;
        let auth_no = authorise_at_xuexin(&app, &c).await;
        let page = form_once(&app, &c, "前置学历已通过学信网授权核验").await;
        assert!(page.contains("云南财经大学") && !page.contains("id=\"prior-submit\""));
        let a = store::graduation::application::of_candidate(&app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            a.prior_check,
            store::graduation::application::PRIOR_VERIFIED
        );
        // Authorising again pushes nothing more; a new code is refused now.
        let r = app
            .client()
            .post(app.url(&format!("/xuexin/local/authorise/{auth_no}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
        let (status, body) = post(
            &app,
            &c,
            "/candidate/application/prior-education/authorise",
            &[],
        )
        .await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("无需再授权"), "{body}");
    }
}

#[tokio::test]
async fn a_push_with_a_bad_signature_a_stale_time_or_an_unknown_code_changes_nothing() {
    use domain::credential::{CredentialPush, PushedDiploma};
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.candidate(accounts::YN_BACHELOR_PRIOR_EDU).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        apply(&app, &c).await;
        post(
            &app,
            &c,
            "/candidate/application/prior-education/authorise",
            &[],
        )
        .await;
        let a = store::graduation::application::of_candidate(&app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let auth = store::credential::authorisation::latest(&app.db.db, a.id)
            .await
            .unwrap()
            .unwrap();
        let push = |timestamp: i64, auth_no: &str| CredentialPush {
            auth_no: auth_no.to_owned(),
            id_card_no: cand.id_card_no.clone(),
            diploma: Some(PushedDiploma {
                name: cand.name.clone(),
                cert_no: "1".into(),
                school: "伪造学院".into(),
                level: "associate".into(),
                graduation_date: chrono::NaiveDate::from_ymd_opt(2010, 7, 1).unwrap(),
            }),
            timestamp,
            nonce: "n".into(),
        };
        let send = |body: Vec<u8>, secret: &'static str| {
            let http = app.client();
            let url = app.url("/api/v1/credentials/notify");
            async move {
                let sig = domain::payment::sign(&body, secret.as_bytes());
                let r = http
                    .post(url)
                    .header(domain::payment::SIGNATURE_HEADER, sig)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let now = chrono::Utc::now().timestamp();
        let (s, m) = send(push(now, &auth.auth_no).to_body(), "wrong-secret").await;
        assert_eq!(s, 400);
        assert!(m.contains("签名无效"), "{m}");
        let (s, m) = send(
            push(now - 301, &auth.auth_no).to_body(),
            common::CREDENTIAL_SECRET,
        )
        .await;
        assert_eq!(s, 400);
        // The server reads its own clock a moment later, so the age it names is 301 or more.
        let age: i64 = m
            .split("相差 ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no age in {m}"));
        assert!((301..=330).contains(&age), "{m}");
        assert!(m.contains("超过允许的 300 秒"), "{m}");
        let (s, m) = send(push(now, "XA1").to_body(), common::CREDENTIAL_SECRET).await;
        assert_eq!(s, 400);
        assert!(m.contains("授权编号不存在"), "{m}");
        let a2 = store::graduation::application::get(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(a2.prior_check, store::graduation::application::PRIOR_MANUAL);
        assert_eq!(a2.version, a.version, "{}", b.name());

        // A good push twice: verified once, one inbox message.
        for _ in 0..2 {
            let (s, m) = send(
                push(now, &auth.auth_no).to_body(),
                common::CREDENTIAL_SECRET,
            )
            .await;
            assert_eq!((s, m.as_str()), (200, "success"));
        }
        let a3 = store::graduation::application::get(&app.db.db, a.id)
            .await
            .unwrap();
        assert_eq!(
            a3.prior_check,
            store::graduation::application::PRIOR_VERIFIED
        );
        assert_eq!(a3.version, a.version + 1, "{}", b.name());
        let (_, inbox) = app.get_text(&c, "/candidate/inbox").await;
        assert_eq!(inbox.matches("前置学历核验通过").count(), 1, "{}", b.name());
    }
}

#[tokio::test]
async fn the_api_approves_a_practical_notice_only_with_the_seal_confirmed() {
    use domain::graduation::form::FileSlot;
    use store::graduation::application::{self as apps, NewFile, Section};
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_ELIGIBLE_ASSOCIATE))
            .await;
        apply(&app, &c).await;
        // The form filled through the store, as the page would.
        let cand = app.candidate(accounts::YN_ELIGIBLE_ASSOCIATE).await;
        let now = chrono::Utc::now();
        let mut a = apps::of_candidate(&app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let major = store::repo::reference::major(&app.db.db, a.major_id)
            .await
            .unwrap();
        a = apps::save_section(&app.db.db, &a, Section::Major(major), now, None)
            .await
            .unwrap();
        a = apps::save_section(
            &app.db.db,
            &a,
            Section::IdValidity("长期".into()),
            now,
            None,
        )
        .await
        .unwrap();
        let needs = store::graduation::materials::needs_of(&app.db.db, &a)
            .await
            .unwrap();
        let mut slots: Vec<(FileSlot, Option<String>)> = [
            FileSlot::IdFront,
            FileSlot::IdBack,
            FileSlot::Commitment,
            FileSlot::CertificatePhoto,
            FileSlot::PracticalNotice,
        ]
        .into_iter()
        .map(|s| (s, None))
        .collect();
        slots.extend(
            needs
                .offline()
                .map(|e| (FileSlot::ExemptionForm, Some(e.code.clone()))),
        );
        for (slot, course) in slots {
            let stored = app
                .state
                .objects
                .put("test", "jpg", portrait(60, 40))
                .await
                .unwrap();
            apps::attach_file(
                &app.db.db,
                &a,
                NewFile {
                    slot,
                    stored,
                    original_name: "scan.jpg",
                    content_type: "image/jpeg",
                    dimensions: Some((60, 40)),
                    course_code: course.as_deref(),
                },
                now,
                None,
            )
            .await
            .unwrap();
            a = apps::get(&app.db.db, a.id).await.unwrap();
        }
        apps::submit(&app.db.db, &a, now, None).await.unwrap();

        let point = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let me: serde_json::Value = point
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf_token"].as_str().unwrap().to_owned();
        let url = app.url(&format!("/api/v1/reviews/{}/decision", a.id));
        let decide = |seal: bool| {
            point
                .post(&url)
                .header("x-csrf-token", &token)
                .json(
                    &serde_json::json!({"stage": 0, "decision": "approve", "seal_confirmed": seal}),
                )
                .send()
        };
        let r = decide(false).await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{}", b.name());
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("公章"), "{body}");
        assert_eq!(apps::get(&app.db.db, a.id).await.unwrap().stage, Some(0));
        let r = decide(true).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", b.name());
        let after = apps::get(&app.db.db, a.id).await.unwrap();
        assert_eq!(after.stage, Some(1), "{}", b.name());
        assert!(after.seal_confirmed_at.is_some());
    }
}

/// The Yunnan form's own parts through the API: the ID validity (refused naming the field), the
/// certificate photo refused, corrected on request, discarded and accepted.
#[tokio::test]
async fn the_yunnan_form_parts_work_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_ELIGIBLE_ASSOCIATE))
            .await;
        apply(&app, &c).await;
        let me: serde_json::Value = c
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf_token"].as_str().unwrap().to_owned();
        let send = |r: reqwest::RequestBuilder| {
            let r = r.header("x-csrf-token", token.clone());
            async move {
                let r = r.send().await.unwrap();
                let status = r.status().as_u16();
                (
                    status,
                    r.json::<serde_json::Value>().await.unwrap_or_default(),
                )
            }
        };
        let (status, body) = send(
            c.put(app.url("/api/v1/application/id-validity"))
                .json(&serde_json::json!({"id_valid_until": "2000-01-01"})),
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["id_valid_until"]
                .as_str()
                .unwrap()
                .contains("请先换领有效身份证"),
            "{body}"
        );
        let (status, body) = send(
            c.put(app.url("/api/v1/application/id-validity"))
                .json(&serde_json::json!({"id_valid_until": "2099-12-31"})),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());

        let photo = |autofix: bool| {
            let mut form = Form::new();
            if autofix {
                form = form.text("autofix", "1");
            }
            c.post(app.url("/api/v1/application/photo")).multipart(
                form.part(
                    "file",
                    Part::bytes(portrait(600, 800))
                        .file_name("photo.jpg")
                        .mime_str("image/jpeg")
                        .unwrap(),
                ),
            )
        };
        let (status, body) = send(photo(false)).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["file"]
                .as_str()
                .unwrap()
                .contains("宽 600 像素"),
            "{body}"
        );
        let (status, body) = send(photo(true)).await;
        assert_eq!(
            (status, &body["outcome"]),
            (201, &serde_json::json!("preview")),
            "{body}"
        );
        let (status, _) = send(c.delete(app.url("/api/v1/application/photo/preview"))).await;
        assert_eq!(status, 204, "{}", b.name());
        let (status, body) = send(c.post(app.url("/api/v1/application/photo/acceptance"))).await;
        assert!(
            status == 409 || status == 422,
            "{}: nothing to accept: {body}",
            b.name()
        );
        let (status, _) = send(photo(true)).await;
        assert_eq!(status, 201, "{}", b.name());
        let (status, _) = send(c.post(app.url("/api/v1/application/photo/acceptance"))).await;
        assert_eq!(status, 204, "{}", b.name());
        let (_, body) = send(c.get(app.url("/api/v1/application"))).await;
        let slots: Vec<&str> = body["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["slot"].as_str().unwrap())
            .collect();
        assert!(slots.contains(&"certificate_photo"), "{slots:?}");
        assert!(!slots.contains(&"certificate_photo_preview"), "{slots:?}");
    }
}

/// 生成授权二维码 through the API: the authorisation is registered and its page answers; a
/// second start replaces the code; after 提交 it is refused.
#[tokio::test]
async fn a_xuexin_authorisation_starts_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        apply(&app, &c).await;
        let me: serde_json::Value = c
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = me["csrf_token"].as_str().unwrap().to_owned();
        let start = || {
            c.post(app.url("/api/v1/application/prior-education/authorisation"))
                .header("x-csrf-token", token.clone())
                .send()
        };
        let r = start().await.unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", b.name());
        let body: serde_json::Value = r.json().await.unwrap();
        let url = body["url"].as_str().unwrap().to_owned();
        assert!(
            url.starts_with(&app.url("/xuexin/local/authorise/XA")),
            "{url}"
        );
        assert!(url.ends_with(body["auth_no"].as_str().unwrap()), "{body}");
        let (status, page) = app
            .get_text(&app.client(), &url.replace(&app.url(""), ""))
            .await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(page.contains("同意授权"));
        // The form shows the code of this authorisation.
        let (_, form) = app.get_text(&c, "/candidate/application").await;
        assert!(form.contains("id=\"xuexin-qr\""), "{}", b.name());
    }
}

/// 前置学历人工审核 through the API from end to end: the candidate's section and scans, 提交人工
/// 审核; the confirmation point's stamped copy and originals; the office's final review. Another
/// organisation gets 404 at every step.
#[tokio::test]
async fn the_prior_education_review_runs_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        apply(&app, &c).await;
        let cand = app.candidate(accounts::YN_BACHELOR_PRIOR_EDU).await;
        let scan = |field: &str, value: &str| {
            Form::new().text(field.to_owned(), value.to_owned()).part(
                "file",
                Part::bytes(portrait(480, 640))
                    .file_name("scan.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            )
        };
        let t = common::api_token(&app, &c).await;
        let prior = serde_json::json!({"name": cand.name, "id_card_no": cand.id_card_no,
            "cert_no": "106731201507001234", "school": "曲靖师范学院", "graduation_date": "2015-07-01"});
        let (status, body) = common::api_send(
            c.put(app.url("/api/v1/application/prior-education"))
                .json(&prior),
            &t,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        for slot in ["prior_diploma", "prior_registration"] {
            let (status, body) = common::api_send(
                c.post(app.url("/api/v1/application/files"))
                    .multipart(scan("slot", slot)),
                &t,
            )
            .await;
            assert_eq!(status, 201, "{}: {slot}: {body}", b.name());
        }
        let (status, body) = common::api_send(
            c.post(app.url("/api/v1/application/prior-education/submission")),
            &t,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let id = body["id"].as_i64().unwrap();
        let url = |what: &str| app.url(&format!("/api/v1/prior-reviews/{id}/{what}"));

        let other = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, _) = common::api_send(
            other.post(url("originals-checked")),
            &common::api_token(&app, &other).await,
        )
        .await;
        assert_eq!(status, 404, "{}: another organisation", b.name());

        let point = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let pt = common::api_token(&app, &point).await;
        let (status, body) = common::api_send(
            point.post(url("stamped-copy")).multipart(scan("note", "")),
            &pt,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let (status, body) = common::api_send(point.post(url("originals-checked")), &pt).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["prior_check"], "awaiting_final", "{body}");

        let office = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_REVIEWER))
            .await;
        let ot = common::api_token(&app, &office).await;
        let (status, body) = common::api_send(
            office
                .post(url("decision"))
                .json(&serde_json::json!({"decision": "approve"})),
            &ot,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["prior_check"], "verified", "{body}");
    }
}

#[tokio::test]
async fn after_the_manual_review_approves_prior_education_the_form_shows_the_decision_alone() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.candidate(accounts::YN_BACHELOR_PRIOR_EDU).await;
        let c = app
            .with_user(User::Candidate(accounts::YN_BACHELOR_PRIOR_EDU))
            .await;
        apply(&app, &c).await;
        // 学信网 holds the diploma under a former name: the authorisation fails, as in the issue.
        store::credential::add(
            &app.db.db,
            store::credential::NewCredential {
                id_card_no: &cand.id_card_no,
                name: "段志诚",
                cert_no: "106731201507001234",
                school: "曲靖师范学院",
                level: "associate",
                graduation_date: chrono::NaiveDate::from_ymd_opt(2015, 7, 1).unwrap(),
            },
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        post(
            &app,
            &c,
            "/candidate/application/prior-education/authorise",
            &[],
        )
        .await;
        authorise_at_xuexin(&app, &c).await;
        form_once(&app, &c, "学信网授权核验未通过").await;

        // 人工审核 on the form's own pages: the details, the two scans, 提交人工审核.
        let prior = [
            ("name", cand.name.as_str()),
            ("id_card_no", cand.id_card_no.as_str()),
            ("cert_no", "106731201507001234"),
            ("school", "曲靖师范学院"),
            ("graduation_date", "2015-07-01"),
        ];
        let (status, body) = post(&app, &c, "/candidate/application/prior-education", &prior).await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        for slot in ["prior_diploma", "prior_registration"] {
            let token = app.csrf(&c, "/candidate/application").await;
            let form = Form::new()
                .text("csrf_token", token)
                .text("slot", slot)
                .part(
                    "file",
                    Part::bytes(portrait(300, 200))
                        .file_name("scan.jpg")
                        .mime_str("image/jpeg")
                        .unwrap(),
                );
            let r = c
                .post(app.url("/candidate/application/files"))
                .multipart(form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 303, "{}: {slot}", b.name());
        }
        let (status, body) = post(
            &app,
            &c,
            "/candidate/application/prior-education/submit",
            &[],
        )
        .await;
        assert_eq!(status, 303, "{}: {body}", b.name());

        // The confirmation point checks the originals, the office approves.
        let a = store::graduation::application::of_candidate(&app.db.db, cand.id)
            .await
            .unwrap()
            .remove(0);
        let url = |what: &str| app.url(&format!("/api/v1/prior-reviews/{}/{what}", a.id));
        let point = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let pt = common::api_token(&app, &point).await;
        let stamped = Form::new().text("note", "").part(
            "file",
            Part::bytes(portrait(300, 200))
                .file_name("copy.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let (status, body) =
            common::api_send(point.post(url("stamped-copy")).multipart(stamped), &pt).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let (status, body) = common::api_send(point.post(url("originals-checked")), &pt).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let office = app
            .with_user(User::Staff(accounts::STAFF_YN_OFFICE_REVIEWER))
            .await;
        let ot = common::api_token(&app, &office).await;
        let (status, body) = common::api_send(
            office
                .post(url("decision"))
                .json(&serde_json::json!({"decision": "approve"})),
            &ot,
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());

        // The form: the decision alone, no earlier 学信网 message, nothing to edit or upload.
        let (_, page) = app.get_text(&c, "/candidate/application").await;
        let start = page.find("id=\"prior\"").expect("the prior section");
        let end = start + page[start..].find("</section>").unwrap();
        let section = &page[start..end];
        assert!(
            section.contains("人工审核通过（仅本次毕业申请有效）")
                && section.contains("曲靖师范学院")
                && section.contains("106731201507001234"),
            "{}: {section}",
            b.name()
        );
        for gone in [
            "学信网授权核验未通过",
            "<form",
            "<input",
            "保存",
            "重新上传",
            "提交人工审核",
            "二维码",
        ] {
            assert!(
                !section.contains(gone),
                "{}: {gone} still in {section}",
                b.name()
            );
        }
        assert_eq!(
            page.matches("id=\"prior\"").count(),
            1,
            "{}: one prior section",
            b.name()
        );
        assert!(!page.contains("value=\"prior_diploma\""), "{}", b.name());

        // A 保存 from a page opened before says it is decided, not that a review is running.
        let (status, body) = post(&app, &c, "/candidate/application/prior-education", &prior).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(
            body.contains("前置学历人工审核已通过") && !body.contains("审核完成前"),
            "{}: {body}",
            b.name()
        );
    }
}

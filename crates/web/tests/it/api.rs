//! The API contract: the generated OpenAPI document covers every `/api/v1` route of the router,
//! and every refusal under `/api/v1` is JSON naming what was wrong, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use std::collections::{BTreeMap, BTreeSet};

use common::{TestApp, spawn_app};
use serde_json::Value;
use store::demo::accounts;
use store::testkit::app_backends;

/// Paths under /api/v1 that answer "no such operation" for every method, not operations.
const FALLBACKS: [&str; 3] = ["/api/v1", "/api/v1/", "/api/v1/{*unknown}"];

/// The paths the application's router registers under /api/v1, read from the router itself (its
/// `Debug` form is the only listing axum offers).
fn router_api_paths(app: &TestApp) -> BTreeSet<String> {
    let listing = format!("{:?}", web::router(app.state.clone()));
    let mut paths = BTreeSet::new();
    let mut rest = listing.as_str();
    while let Some(at) = rest.find("\"/api/v1") {
        let from = &rest[at + 1..];
        let end = from.find('"').unwrap();
        paths.insert(from[..end].to_owned());
        rest = &from[end..];
    }
    // The reader must keep working: these routes exist whatever else changes.
    assert!(
        paths.contains("/api/v1/me"),
        "router listing unreadable: {paths:?}"
    );
    assert!(paths.contains("/api/v1/{*unknown}"));
    paths.retain(|p| !FALLBACKS.contains(&p.as_str()));
    paths
}

async fn json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let is_json = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let text = r.text().await.unwrap();
    assert!(is_json, "{status} answered without JSON: {text}");
    (status, serde_json::from_str(&text).unwrap())
}

/// The error shape, with the message in Chinese.
fn assert_error_shape(body: &Value) {
    assert!(body["error"].is_string(), "{body}");
    assert!(body["fields"].is_object(), "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{body}"
    );
}

#[tokio::test]
async fn the_document_lists_every_api_route_of_the_router_with_each_method() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let doc: Value = app
            .client()
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let documented: BTreeMap<String, BTreeSet<String>> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(path, item)| {
                let methods = item
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                    .map(|k| k.to_uppercase())
                    .collect();
                (path.clone(), methods)
            })
            .collect();
        let routed = router_api_paths(&app);
        let doc_paths: BTreeSet<String> = documented.keys().cloned().collect();
        assert_eq!(
            routed,
            doc_paths,
            "{}: routes and document differ",
            b.name()
        );

        // Which methods each route answers, asked of the running server: a method it lacks is
        // 405. Signed in with the CSRF header, so that the CSRF check does not answer first;
        // bodies are empty, so nothing is changed.
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let token = common::api_token(&app, &staff).await;
        for (path, methods) in &documented {
            let url = app.url(&path.replace("{id}", "1"));
            let mut answered = BTreeSet::new();
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                let r = staff
                    .request(method.parse().unwrap(), &url)
                    .header("x-csrf-token", &token)
                    .send()
                    .await
                    .unwrap();
                if r.status().as_u16() != 405 {
                    answered.insert(method.to_owned());
                } else {
                    let (_, body) = json(r).await;
                    assert_error_shape(&body);
                }
            }
            assert_eq!(&answered, methods, "{}: {path}", b.name());
        }

        // Each operation says who may call it and documents its refusals in the error shape.
        let error_ref = "#/components/schemas/ErrorBody";
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let security = op["security"].as_array().unwrap();
                let schemes: BTreeSet<&str> = security
                    .iter()
                    .flat_map(|s| s.as_object().unwrap().keys())
                    .map(String::as_str)
                    .collect();
                let responses = op["responses"].as_object().unwrap();
                for (status, r) in responses {
                    if status.starts_with('4') || status.starts_with('5') {
                        assert_eq!(
                            r["content"]["application/json"]["schema"]["$ref"], error_ref,
                            "{method} {path} {status}"
                        );
                    }
                }
                assert!(
                    ["200", "201", "204"]
                        .iter()
                        .any(|s| responses.contains_key(*s)),
                    "{method} {path}: no success documented"
                );
                if schemes.contains("session") {
                    assert!(responses.contains_key("401"), "{method} {path}");
                    assert_eq!(
                        schemes.contains("csrf"),
                        method != "get",
                        "{method} {path}: state-changing calls need the CSRF header"
                    );
                }
            }
        }
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["session"]["in"], "cookie");
        assert_eq!(schemes["session"]["name"], "biye_sid");
        assert_eq!(schemes["csrf"]["in"], "header");
        assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
        // Rules of the code, stated as schema constraints.
        let review = &doc["components"]["schemas"]["DecisionJson"];
        assert_eq!(review["properties"]["reason"]["maxLength"], 200);
        assert_eq!(review["required"], serde_json::json!(["stage", "decision"]));
        let params = doc["paths"]["/api/v1/reviews"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let after = params.iter().find(|p| p["name"] == "after").unwrap();
        assert_eq!(after["schema"]["pattern"], "^-?[0-9]{1,19}_[0-9]{1,19}$");
    }
}

#[tokio::test]
async fn a_bad_path_id_query_or_body_answers_json_naming_the_parameter() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let token = common::api_token(&app, &staff).await;

        let r = staff
            .get(app.url("/api/v1/candidates/null,null"))
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert_error_shape(&body);
        let id = body["fields"]["id"].as_str().unwrap();
        assert!(id.contains("正整数") && id.contains("null,null"), "{body}");

        let r = staff
            .get(app.url("/api/v1/reviews?status=pending&status=decided"))
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["fields"]["status"]
                .as_str()
                .unwrap()
                .contains("只能出现一次"),
            "{body}"
        );
        for (query, field, words) in [
            ("after=abc", "after", "翻页游标无效"),
            ("before=1_x", "before", "翻页游标无效"),
            ("batch=x", "batch", "正整数"),
            ("status=all", "status", "pending、decided"),
            ("q=%00", "q", "控制字符"),
        ] {
            let r = staff
                .get(app.url(&format!("/api/v1/reviews?{query}")))
                .send()
                .await
                .unwrap();
            let (status, body) = json(r).await;
            assert_eq!(status, 422, "{query}: {body}");
            assert_error_shape(&body);
            let message = body["fields"][field].as_str().unwrap_or_default();
            assert!(message.contains(words), "{query}: {body}");
        }
        // Parameters the operation does not declare are ignored, and valid ones are served.
        let r = staff
            .get(app.url("/api/v1/reviews?status=decided&after=0_1&other=1"))
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["per_page"], 20);
        assert!(body["next"].is_null(), "{body}");

        let decide = app.url("/api/v1/reviews/1/decision");
        for (sent, field, words) in [
            (r#"{"stage": "x", "decision": "approve"}"#, "stage", "整数"),
            (r#"{"stage": 0}"#, "decision", "不能省略"),
            (
                r#"{"stage": 0, "decision": "maybe"}"#,
                "decision",
                "approve、reject",
            ),
            (
                r#"{"stage": 0, "decision": "reject", "reason_code": "nope"}"#,
                "reason_code",
                "id_front_unclear",
            ),
        ] {
            let r = staff
                .post(&decide)
                .header("x-csrf-token", &token)
                .header("content-type", "application/json")
                .body(sent)
                .send()
                .await
                .unwrap();
            let (status, body) = json(r).await;
            assert_eq!(status, 422, "{sent}: {body}");
            assert_error_shape(&body);
            let message = body["fields"][field].as_str().unwrap_or_default();
            assert!(message.contains(words), "{sent}: {body}");
        }
        let r = staff
            .post(&decide)
            .header("x-csrf-token", &token)
            .header("content-type", "application/json")
            .body("{\"stage\": 0,")
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("不是有效的 JSON")
        );
        let r = staff
            .post(&decide)
            .header("x-csrf-token", &token)
            .body(r#"{"stage": 0, "decision": "approve"}"#)
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 415, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("application/json")
        );

        // A bad body changes nothing: the number stays unlinked.
        let candidate = app
            .with_user(User::Candidate(accounts::YN_BACKFILL_NEEDED))
            .await;
        let token = common::api_token(&app, &candidate).await;
        let r = candidate
            .post(app.url("/api/v1/legacy"))
            .header("x-csrf-token", &token)
            .json(&serde_json::json!({"legacy_no": 530302}))
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            body["fields"]["legacy_no"]
                .as_str()
                .unwrap()
                .contains("13 个字符的文本"),
            "{body}"
        );
        let (status, linked) = json(
            candidate
                .get(app.url("/api/v1/legacy"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, linked), (200, serde_json::json!([])));

        // Who is asking is settled before the input: an anonymous caller learns nothing of it.
        let r = app
            .client()
            .get(app.url("/api/v1/reviews?page=abc"))
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 401, "{body}");
    }
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_answer_json() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let anonymous = app.client();
        for path in [
            "/api/v1/nope",
            "/api/v1",
            "/api/v1/",
            "/api/v1/candidates/1/x",
        ] {
            let r = anonymous.get(app.url(path)).send().await.unwrap();
            let (status, body) = json(r).await;
            assert_eq!(status, 404, "{}: {path}: {body}", b.name());
            assert_error_shape(&body);
            assert!(body["message"].as_str().unwrap().contains(path), "{body}");
        }
        // Outside /api/v1 the pages keep their own answers.
        let r = anonymous.get(app.url("/nope")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404);

        let r = anonymous
            .get(app.url("/api/v1/reviews/1/decision"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["allow"], "POST");
        let (status, body) = json(r).await;
        assert_eq!(status, 405, "{body}");
        assert_error_shape(&body);
        // The public document has no state to protect: other methods are simply not there.
        let r = anonymous
            .delete(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["allow"], "GET,HEAD");
        assert_eq!(json(r).await.0, 405);

        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let token = common::api_token(&app, &staff).await;
        let r = staff
            .delete(app.url("/api/v1/me"))
            .header("x-csrf-token", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["allow"], "GET,HEAD");
        let (status, body) = json(r).await;
        assert_eq!(status, 405, "{body}");
        assert!(body["message"].as_str().unwrap().contains("DELETE"));
        // Without the token the CSRF check answers first, in JSON too.
        let r = staff.delete(app.url("/api/v1/me")).send().await.unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 403, "{body}");
    }
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 255) as u8, (y * 3 % 255) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    out
}

/// A JSON request with the CSRF header: (status, body).
async fn send(
    c: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = c.request(method, url).header("x-csrf-token", token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    if r.status().as_u16() == 204 {
        return (204, Value::Null);
    }
    json(r).await
}

async fn upload_file(
    app: &TestApp,
    c: &reqwest::Client,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("scan.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let r = c
        .post(app.url(path))
        .header("x-csrf-token", token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    json(r).await
}

/// The whole candidate side of 毕业申请 through the API alone, as an integration would do it:
/// apply, save each section, upload, sign, submit, and (after 初审 over the reviews API) pay.
/// Every refusal is 422 naming the field, with the page's message, and changes nothing.
#[tokio::test]
async fn a_candidate_applies_fills_submits_and_pays_through_the_api() {
    use reqwest::Method;
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let c = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let token = common::api_token(&app, &c).await;
        let (status, body) =
            json(c.get(app.url("/api/v1/application")).send().await.unwrap()).await;
        assert_eq!(status, 404, "{}: {body}", b.name());
        assert_error_shape(&body);

        let (_, page) = app.get_text(&c, "/candidate/graduation").await;
        let major: i64 = common::attr_after(&page, "name=\"major_id\" value=\"")
            .parse()
            .unwrap();
        let batch: i64 = common::attr_after(&page, "<option value=\"")
            .parse()
            .unwrap();
        let open = |ack: bool| serde_json::json!({"major_id": major, "batch_id": batch, "acknowledged": ack});
        let url = app.url("/api/v1/application");
        let (status, body) = send(&c, &token, Method::POST, url.clone(), Some(open(false))).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["acknowledged"]
                .as_str()
                .unwrap()
                .contains("毕业申请须知")
        );
        let (status, body) = send(
            &c,
            &token,
            Method::POST,
            url.clone(),
            Some(serde_json::json!({"major_id": major + 100_000, "batch_id": batch, "acknowledged": true})),
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["major_id"]
                .as_str()
                .unwrap()
                .contains("在籍专业")
        );
        // Without the CSRF header: refused before anything is read.
        let r = c.post(url.clone()).json(&open(true)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let (status, _) = json(c.get(url.clone()).send().await.unwrap()).await;
        assert_eq!(status, 404, "{}: nothing opened", b.name());

        let (status, body) = send(&c, &token, Method::POST, url.clone(), Some(open(true))).await;
        assert_eq!(status, 201, "{}: {body}", b.name());
        assert_eq!(body["status"], "draft", "{body}");
        assert_eq!(body["editable"], true);
        let missing: Vec<&str> = body["missing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert!(missing.contains(&"自我鉴定"), "{missing:?}");
        let (status, body) = send(&c, &token, Method::POST, url.clone(), Some(open(true))).await;
        assert_eq!(status, 409, "{}: a second application: {body}", b.name());

        // Sections, each refused with its field first, then saved.
        let put = |path: &str| app.url(&format!("/api/v1/application/{path}"));
        let (status, body) = send(
            &c,
            &token,
            Method::PUT,
            put("major"),
            Some(serde_json::json!({"major_id": major})),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["major_confirmed"], true);
        let reversed = serde_json::json!({"entries": [{"from": "2016-09", "to": "2015-06", "unit": "重庆市第八中学"}]});
        let (status, body) = send(&c, &token, Method::PUT, put("resume"), Some(reversed)).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["entries"]
                .as_str()
                .unwrap()
                .contains("简历第 1 行：终止年月 2015-06 早于起始年月 2016-09")
        );
        let resume = serde_json::json!({"entries": [
            {"from": "2012-09", "to": "2015-06", "unit": "重庆市第八中学", "role": "学生"},
            {"from": "2015-07", "to": "至今", "unit": "重庆某科技公司", "role": "职员"}
        ]});
        let (status, body) = send(&c, &token, Method::PUT, put("resume"), Some(resume)).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["resume"].as_array().unwrap().len(), 2);
        let text = |n: usize| serde_json::json!({"text": "学".repeat(n)});
        let (status, body) = send(
            &c,
            &token,
            Method::PUT,
            put("self-appraisal"),
            Some(text(299)),
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["text"]
                .as_str()
                .unwrap()
                .contains("还差 1 字")
        );
        let (status, body) = send(
            &c,
            &token,
            Method::PUT,
            put("self-appraisal"),
            Some(text(300)),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(
            body["self_appraisal"].as_str().unwrap().chars().count(),
            300
        );
        let prior = serde_json::json!({"name": "张三", "id_card_no": "11010519491231002X",
            "cert_no": "106111201905001234", "school": "重庆师范大学", "graduation_date": "2019/06/30"});
        let (status, body) =
            send(&c, &token, Method::PUT, put("prior-education"), Some(prior)).await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["graduation_date"]
                .as_str()
                .unwrap()
                .contains("年-月-日"),
            "{body}"
        );

        // Uploads: the slot and the file are named when refused; nothing is stored then.
        let before = common::stored_objects(&app);
        let (status, body) = upload_file(
            &app,
            &c,
            &token,
            "/api/v1/application/files",
            &[("slot", "signature")],
            jpeg(320, 200),
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["slot"].is_string(), "{body}");
        let mut big = jpeg(64, 48);
        big.resize(51_201, 0);
        let (status, body) = upload_file(
            &app,
            &c,
            &token,
            "/api/v1/application/files",
            &[("slot", "id_front")],
            big,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["file"]
                .as_str()
                .unwrap()
                .contains("51,201 字节"),
            "{body}"
        );
        assert_eq!(
            common::stored_objects(&app),
            before,
            "{}: refused uploads stored nothing",
            b.name()
        );
        let mut ids = Vec::new();
        for slot in ["id_front", "id_back", "photo"] {
            let (status, body) = upload_file(
                &app,
                &c,
                &token,
                "/api/v1/application/files",
                &[("slot", slot)],
                jpeg(320, 200),
            )
            .await;
            assert_eq!(status, 201, "{}: {slot}: {body}", b.name());
            assert_eq!(body["slot"], slot);
            ids.push(body["id"].as_i64().unwrap());
        }
        let (status, body) = upload_file(
            &app,
            &c,
            &token,
            "/api/v1/application/signature",
            &[("x", "20")],
            jpeg(400, 300),
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["w"].as_str().unwrap().contains("四个数值"),
            "{body}"
        );
        let (status, body) = upload_file(
            &app,
            &c,
            &token,
            "/api/v1/application/signature",
            &[("x", "20"), ("y", "30"), ("w", "200"), ("h", "80")],
            jpeg(400, 300),
        )
        .await;
        assert_eq!(status, 201, "{}: {body}", b.name());
        assert_eq!(body["slot"], "signature");

        // Another candidate cannot remove this candidate's picture.
        let other = app
            .with_user(User::Candidate(accounts::CQ_EXEMPTION_USED))
            .await;
        let other_token = common::api_token(&app, &other).await;
        let file_url = app.url(&format!("/api/v1/application/files/{}", ids[2]));
        let (status, _) = send(&other, &other_token, Method::DELETE, file_url.clone(), None).await;
        assert_eq!(status, 404, "{}", b.name());
        let (status, _) = send(&c, &token, Method::DELETE, file_url, None).await;
        assert_eq!(status, 204, "{}", b.name());
        let (_, body) = json(c.get(url.clone()).send().await.unwrap()).await;
        assert_eq!(body["files"].as_array().unwrap().len(), 3, "{body}");
        assert!(body["missing"].as_array().unwrap().is_empty(), "{body}");

        let submit = app.url("/api/v1/application/submission");
        let (status, body) = send(&c, &token, Method::POST, submit.clone(), None).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "in_review");
        assert_eq!(body["editable"], false);
        let (status, body) = send(
            &c,
            &token,
            Method::PUT,
            put("statement"),
            Some(serde_json::json!({"text": "补充"})),
        )
        .await;
        assert!(
            status == 409 || status == 422,
            "{}: {status} {body}",
            b.name()
        );
        assert!(
            body["message"].as_str().unwrap().contains("不能修改"),
            "{body}"
        );
        let (_, body) = json(c.get(url.clone()).send().await.unwrap()).await;
        assert_eq!(body["statement"], Value::Null, "{}: locked", b.name());

        // The wrong-major request: once, while the chief university has it.
        let wrong = app.url("/api/v1/application/wrong-major-request");
        let (status, body) = send(&c, &token, Method::POST, wrong.clone(), None).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert!(body["status"] == "in_review", "{body}");
        let (status, body) = send(&c, &token, Method::POST, wrong, None).await;
        assert!(
            status == 409 || status == 422,
            "{}: {status} {body}",
            b.name()
        );

        // Paying before 初审 is refused with the state machine's reason.
        let pay = app.url("/api/v1/application/payment");
        let (status, body) = send(&c, &token, Method::POST, pay.clone(), None).await;
        assert!(
            status == 409 || status == 422,
            "{}: {status} {body}",
            b.name()
        );
        assert_error_shape(&body);

        // 初审 over the reviews API, then the fee through the payment API and the gateway.
        let id = body_id(&c, &app).await;
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let staff_token = common::api_token(&app, &staff).await;
        let (status, body) = send(
            &staff,
            &staff_token,
            Method::POST,
            app.url(&format!("/api/v1/reviews/{id}/decision")),
            Some(serde_json::json!({"stage": 0, "decision": "approve"})),
        )
        .await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["status"], "awaiting_payment");
        let (status, body) = send(&c, &token, Method::POST, pay.clone(), None).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        let pay_url = body["pay_url"].as_str().unwrap().to_owned();
        assert!(
            pay_url.starts_with(&app.url("/gateway/local/pay/")),
            "{pay_url}"
        );
        assert!(body["amount_fen"].as_i64().unwrap() > 0);
        let (status, again) = send(&c, &token, Method::POST, pay.clone(), None).await;
        assert_eq!(
            (status, &again["order_no"]),
            (200, &body["order_no"]),
            "{}: the pending order reused",
            b.name()
        );
        let r = c.post(&pay_url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let settled = common::eventually("the payment notification settling the order", || async {
            let (_, now) = json(c.get(url.clone()).send().await.unwrap()).await;
            (now["status"] == "in_review").then_some(now)
        })
        .await;
        assert_eq!(
            settled["stage"],
            2,
            "{}: paid and with the office",
            b.name()
        );
    }
}

async fn body_id(c: &reqwest::Client, app: &TestApp) -> i64 {
    let (_, body) = json(c.get(app.url("/api/v1/application")).send().await.unwrap()).await;
    body["id"].as_i64().unwrap()
}

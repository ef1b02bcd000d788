//! The API contract: the generated OpenAPI document covers every `/api/v1` route of the router,
//! and every refusal under `/api/v1` is JSON naming what was wrong, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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

async fn csrf_token(app: &TestApp, client: &reqwest::Client) -> String {
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["csrf_token"].as_str().unwrap().to_owned()
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
            .signed_in("/staff/login", accounts::STAFF_CQ_UNIVERSITY)
            .await;
        let token = csrf_token(&app, &staff).await;
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
                assert!(responses.contains_key("200"), "{method} {path}");
                if schemes.contains("session") {
                    assert!(responses.contains_key("401"), "{method} {path}");
                    assert_eq!(
                        schemes.contains("csrf"),
                        method == "post",
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
        let page = params.iter().find(|p| p["name"] == "page").unwrap();
        assert_eq!(page["schema"]["minimum"], 1);
    }
}

#[tokio::test]
async fn a_bad_path_id_query_or_body_answers_json_naming_the_parameter() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let staff = app
            .signed_in("/staff/login", accounts::STAFF_CQ_UNIVERSITY)
            .await;
        let token = csrf_token(&app, &staff).await;

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
            ("page=abc", "page", "1 到 1000000 之间的整数"),
            ("page=0", "page", "1 到 1000000 之间的整数"),
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
            .get(app.url("/api/v1/reviews?status=decided&page=2&other=1"))
            .send()
            .await
            .unwrap();
        let (status, body) = json(r).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["page"], 2);

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
        let candidate = app.signed_in("/login", accounts::YN_BACKFILL_NEEDED).await;
        let token = csrf_token(&app, &candidate).await;
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
            .signed_in("/staff/login", accounts::STAFF_CQ_UNIVERSITY)
            .await;
        let token = csrf_token(&app, &staff).await;
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

//! What a deadline day and an attacker bring, over HTTP on every app backend: parallel password
//! guesses, one busy address, anonymous floods, overload, and the headers every page carries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::{PASSWORD, TestApp, csrf_in, spawn_app, spawn_app_with};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::accounts;
use store::entity::{audit, login_throttle, session};
use store::testkit::app_backends;

/// Password checks made for an account: every check leaves one audit row, failed or not.
async fn checks_of(app: &TestApp, kind: &str, id: i64) -> u64 {
    audit::Entity::find()
        .filter(audit::Column::SubjectKind.eq(kind))
        .filter(audit::Column::SubjectId.eq(id))
        .filter(audit::Column::Action.is_in(["login.failed", "login.succeeded"]))
        .count(&app.db.db)
        .await
        .unwrap()
}

/// A sign-in with a fresh client (its own pre-session cookie), as a script would send it.
async fn sign_in(base: &str, path: &str, username: &str, password: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_in(&page).unwrap();
    let r = client
        .post(format!("{base}{path}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

#[tokio::test]
async fn thirty_parallel_guesses_on_two_instances_check_at_most_five_passwords() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let other = app.another_instance().await;
        let bases = [app.base.clone(), other.base.clone()];
        // 29 wrong passwords and the right one, all at once, spread over both instances: the
        // right one sent last for one account, first for another (a right password checked
        // early must not open five more checks for the rest of the burst).
        for (account, right_at) in [
            (accounts::CQ_ELIGIBLE_ASSOCIATE, 29),
            (accounts::CQ_ONE_COURSE_SHORT, 0),
        ] {
            let candidate = app.candidate(account).await;
            let tasks: Vec<_> = (0..30)
                .map(|i| {
                    let base = bases[i % 2].clone();
                    let password = if i == right_at {
                        PASSWORD.to_owned()
                    } else {
                        format!("Wrong{i:04}x")
                    };
                    tokio::spawn(async move { sign_in(&base, "/login", account, &password).await })
                })
                .collect();
            let mut statuses = Vec::new();
            for t in tasks {
                let (status, body) = t.await.unwrap();
                assert!(
                    status == 303 || status == 422,
                    "{}: a guess was answered {status}: {body}",
                    b.name()
                );
                statuses.push(status);
            }
            let checks = checks_of(&app, "candidate", candidate.id).await;
            // A right password checked while no other check of the burst is reserved is a
            // sign-in on its own and starts the account's count afresh (by design; the store
            // contract test pins when it does). Where it lands in the burst depends on the
            // scheduler, so with it in the burst the bound is the five checks before it (four
            // wrong and the right one) and the five after; without it, five and locked (below).
            let most = if statuses.contains(&303) { 10 } else { 5 };
            assert!(
                (1..=most).contains(&checks),
                "{}: {checks} passwords of {account} were checked",
                b.name()
            );
            assert!(statuses.iter().filter(|s| **s == 303).count() <= 1);
            if !statuses.contains(&303) {
                // Every check of the window was used: the account is locked.
                assert_eq!(checks, 5, "{}", b.name());
                let (status, body) = sign_in(&app.base, "/login", account, PASSWORD).await;
                assert_eq!(status, 422);
                assert!(body.contains("已被锁定"), "{}: {body}", b.name());
            }
        }
    }
}

#[tokio::test]
async fn a_busy_address_never_locks_out_another_persons_right_password() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        // Twenty-five wrong sign-ins from this address, on different accounts, each a little
        // later than the last (the address is spaced out, not locked).
        for i in 0..25 {
            let (status, _) = sign_in(
                &app.base,
                "/staff/login",
                &format!("nobody-{i}"),
                "Wrong12345",
            )
            .await;
            assert_eq!(status, 422, "{}", b.name());
            app.state.clock.advance(chrono::Duration::seconds(11));
        }
        let row = login_throttle::Entity::find_by_id("ip:127.0.0.1".to_owned())
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.failures, 25, "{}", b.name());
        assert!(row.locked_until.is_none(), "an address is never locked");
        let (status, body) = sign_in(
            &app.base,
            "/staff/login",
            accounts::STAFF_CQ_OFFICE_ADMIN,
            PASSWORD,
        )
        .await;
        assert_eq!(status, 303, "{}: {body}", b.name());
    }
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    for b in app_backends() {
        for trusted in [false, true] {
            let app = spawn_app_with(&b, |c| {
                if trusted {
                    c.trusted_proxies = web::client_addr::parse_trusted("127.0.0.1/32").unwrap();
                }
            })
            .await;
            let client = app.client();
            let token = app.csrf(&client, "/login").await;
            let r = client
                .post(app.url("/login"))
                .header("x-forwarded-for", "9.9.9.9, 203.0.113.77")
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("username", "500000000000"),
                    ("password", "Wrong12345"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 422);
            let expected = if trusted { "203.0.113.77" } else { "127.0.0.1" };
            let logged = audit::Entity::find()
                .filter(audit::Column::Action.eq("login.failed"))
                .one(&app.db.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                logged.ip.as_deref(),
                Some(expected),
                "{} trusted={trusted}",
                b.name()
            );
            let counted = login_throttle::Entity::find_by_id(format!("ip:{expected}"))
                .one(&app.db.db)
                .await
                .unwrap();
            assert_eq!(counted.map(|r| r.failures), Some(1));
        }
    }
}

#[tokio::test]
async fn anonymous_page_views_write_nothing_and_their_forms_work_on_every_instance() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let other = app.another_instance().await;
        let sessions_before = session::Entity::find().count(&app.db.db).await.unwrap();
        for path in [
            "/login",
            "/student/login",
            "/staff/login",
            "/login?expired=1",
        ] {
            for _ in 0..20 {
                let r = reqwest::get(app.url(path)).await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
                let cookies: Vec<_> = r.headers().get_all("set-cookie").iter().collect();
                assert!(
                    cookies
                        .iter()
                        .all(|c| c.to_str().unwrap().starts_with("biye_pre=")),
                    "{cookies:?}"
                );
            }
        }
        assert_eq!(
            session::Entity::find().count(&app.db.db).await.unwrap(),
            sessions_before,
            "{}: anonymous views created sessions",
            b.name()
        );
        assert_eq!(
            login_throttle::Entity::find()
                .count(&app.db.db)
                .await
                .unwrap(),
            0
        );

        // The form fetched from one instance is accepted by the other.
        let client = app.client();
        let token = app.csrf(&client, "/staff/login").await;
        let r = client
            .post(other.url("/staff/login"))
            .header("origin", other.base.as_str())
            .form(&[
                ("csrf_token", token.as_str()),
                ("username", accounts::STAFF_CQ_OFFICE_ADMIN),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());

        // Another visitor's token, no token, and a token without its cookie are refused.
        let stranger = app.client();
        let own = app.csrf(&stranger, "/login").await;
        assert_ne!(own, token, "every visitor has a token of their own");
        for (who, form_token) in [(&stranger, token.as_str()), (&stranger, "")] {
            let r = who
                .post(app.url("/login"))
                .form(&[
                    ("csrf_token", form_token),
                    ("username", accounts::CQ_ELIGIBLE_ASSOCIATE),
                    ("password", PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{}", b.name());
        }
        let r = reqwest::Client::new()
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", own.as_str()),
                ("username", accounts::CQ_ELIGIBLE_ASSOCIATE),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        assert_eq!(
            checks_of(
                &app,
                "candidate",
                app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await.id
            )
            .await,
            0,
            "a refused form checks no password"
        );
    }
}

#[tokio::test]
async fn past_the_bound_on_requests_in_flight_pages_are_shed_at_once_but_health_answers() {
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.max_in_flight = 4).await;
        let client = app.client();
        // Four requests in flight: the test holds their places.
        let held = app
            .state
            .in_flight
            .clone()
            .acquire_many_owned(4)
            .await
            .unwrap();
        let r = client.get(app.url("/login")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 503, "{}", b.name());
        assert_eq!(r.headers().get("retry-after").unwrap(), "5");
        assert!(
            r.headers()
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(r.text().await.unwrap().contains("系统繁忙"));
        let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 503);
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("系统繁忙"));
        for path in ["/healthz", "/readyz", "/metrics"] {
            let r = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path} is never shed");
        }
        let metrics = client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("http_requests_shed_total"));
        drop(held);
        assert_eq!(
            client.get(app.url("/login")).send().await.unwrap().status(),
            200
        );
    }
}

#[tokio::test]
async fn a_sign_in_waits_for_a_free_hasher_and_is_told_the_server_is_busy_when_none_frees() {
    for b in app_backends() {
        let app = spawn_app_with(&b, |c| c.hash_wait = std::time::Duration::from_millis(300)).await;
        let permits = app.state.hash_permits.available_permits() as u32;
        let held = app
            .state
            .hash_permits
            .clone()
            .acquire_many_owned(permits)
            .await
            .unwrap();
        let (status, body) = sign_in(
            &app.base,
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            PASSWORD,
        )
        .await;
        assert_eq!(status, 503, "{}", b.name());
        assert!(body.contains("系统繁忙"), "{body}");
        let candidate = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        assert_eq!(
            checks_of(&app, "candidate", candidate.id).await,
            0,
            "a sign-in turned away costs no attempt"
        );
        assert_eq!(
            login_throttle::Entity::find_by_id(format!(
                "acct:candidate:{}",
                accounts::CQ_ELIGIBLE_ASSOCIATE
            ))
            .one(&app.db.db)
            .await
            .unwrap(),
            None
        );
        drop(held);
        let (status, _) = sign_in(
            &app.base,
            "/login",
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            PASSWORD,
        )
        .await;
        assert_eq!(status, 303);
    }
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_signed_in_pages_are_never_stored() {
    for b in app_backends() {
        for secure in [false, true] {
            let app = spawn_app_with(&b, |c| c.secure_cookies = secure).await;
            let anon = reqwest::get(app.url("/login")).await.unwrap();
            let csp = anon
                .headers()
                .get("content-security-policy")
                .expect("pages carry a policy")
                .to_str()
                .unwrap()
                .to_owned();
            assert!(csp.contains("script-src 'self'"), "{csp}");
            assert!(csp.contains("style-src 'self'"), "{csp}");
            assert!(!csp.contains("unsafe-inline"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert_eq!(
                anon.headers().get("strict-transport-security").is_some(),
                secure,
                "{}: HSTS only over HTTPS",
                b.name()
            );
            if secure {
                // Secure cookies are not sent back over plain HTTP: the rest needs HTTPS.
                continue;
            }
            let client = app
                .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
                .await;
            for path in [
                "/candidate/profile",
                "/candidate/scores",
                "/candidate/graduation",
                "/api/v1/me",
            ] {
                let r = client.get(app.url(path)).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200, "{path}");
                assert_eq!(
                    r.headers()
                        .get("cache-control")
                        .map(|v| v.to_str().unwrap()),
                    Some("no-store"),
                    "{}: {path}",
                    b.name()
                );
            }
            let css = client.get(app.url("/static/app.css")).send().await.unwrap();
            assert_eq!(
                css.headers().get("cache-control").unwrap(),
                "public, max-age=3600"
            );
            assert!(css.headers().get("content-security-policy").is_none());
        }
    }
}

/// Every template, read from the source tree: the policy forbids inline script and style, so a
/// page that relies on them would silently break in the browser.
#[test]
fn no_template_relies_on_inline_script_or_style() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut stack = vec![dir];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            seen += 1;
            let lower = text.to_ascii_lowercase();
            assert!(!lower.contains("<style"), "{}: <style>", path.display());
            assert!(!lower.contains(" style="), "{}: style=", path.display());
            for (at, _) in lower.match_indices("<script") {
                let tag = &lower[at..at + lower[at..].find('>').unwrap()];
                assert!(tag.contains(" src="), "{}: inline script", path.display());
            }
            for handler in [
                " onclick=",
                " onchange=",
                " oninput=",
                " onsubmit=",
                " onload=",
            ] {
                assert!(!lower.contains(handler), "{}: {handler}", path.display());
            }
        }
    }
    assert!(seen > 30, "only {seen} templates found");
}

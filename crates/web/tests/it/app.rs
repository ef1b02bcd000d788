//! Application tests: the portals over HTTP on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::{PASSWORD, csrf_in, spawn_app};
use store::demo::accounts;
use store::testkit::app_backends;

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn candidate_signs_in_and_sees_scores_per_plan_course() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app.client();
        let r = app
            .login_as(&client, "/login", accounts::CQ_ELIGIBLE_ASSOCIATE, PASSWORD)
            .await;
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(location(&r), "/candidate/profile");
        let (status, body) = app.get_text(&client, "/candidate/scores").await;
        assert_eq!(status, 200);
        assert!(body.contains("成绩查询"));
        assert!(
            body.contains("class=\"pass\">合格"),
            "{}: passed courses shown",
            b.name()
        );
        assert!(
            !body.contains("class=\"none\">无成绩"),
            "eligible candidate has every course"
        );
        let (_, short) = {
            let c = app
                .with_user(User::Candidate(accounts::CQ_ONE_COURSE_SHORT))
                .await;
            app.get_text(&c, "/candidate/scores").await
        };
        assert!(
            short.contains("class=\"fail\">不合格") || short.contains("class=\"none\">无成绩"),
            "{}: the missing course is shown as such",
            b.name()
        );
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_message() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app.client();
        let wrong = app
            .login_as(
                &client,
                "/login",
                accounts::CQ_ELIGIBLE_ASSOCIATE,
                "Wrong12345",
            )
            .await;
        assert_eq!(wrong.status().as_u16(), 422);
        let wrong = wrong.text().await.unwrap();
        let unknown = app
            .login_as(&client, "/login", "500199999999", "Wrong12345")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            wrong.contains("准考证号或密码错误，还可尝试 4 次"),
            "{}",
            b.name()
        );
        assert!(
            unknown.contains("准考证号或密码错误，还可尝试 4 次"),
            "no account enumeration"
        );
    }
}

#[tokio::test]
async fn fifth_wrong_password_locks_the_account_even_for_the_right_password() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app.client();
        for _ in 0..5 {
            app.login_as(
                &client,
                "/staff/login",
                accounts::STAFF_CQ_UNIVERSITY,
                "Wrong12345",
            )
            .await;
        }
        let r = app
            .login_as(
                &client,
                "/staff/login",
                accounts::STAFF_CQ_UNIVERSITY,
                PASSWORD,
            )
            .await;
        assert_eq!(r.status().as_u16(), 422, "{}", b.name());
        let body = r.text().await.unwrap();
        assert!(body.contains("已被锁定"), "{body}");
        assert!(body.contains("15 分钟"));
        app.state.clock.advance(chrono::Duration::minutes(16));
        let r = app
            .login_as(
                &client,
                "/staff/login",
                accounts::STAFF_CQ_UNIVERSITY,
                PASSWORD,
            )
            .await;
        assert_eq!(r.status().as_u16(), 303, "the lock runs out");
    }
}

#[tokio::test]
async fn expired_session_sends_the_candidate_to_sign_in_with_a_reason() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        assert_eq!(app.get_text(&client, "/candidate/profile").await.0, 200);
        app.state.clock.advance(chrono::Duration::minutes(31));
        let r = client
            .get(app.url("/candidate/profile"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        assert_eq!(location(&r), "/login?expired=1");
        let (_, page) = app.get_text(&client, "/login?expired=1").await;
        assert!(page.contains("登录已过期"));
    }
}

#[tokio::test]
async fn a_form_without_csrf_token_is_refused_and_changes_nothing() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let before = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let r = client
            .post(app.url("/candidate/profile/edit"))
            .form(&[
                ("phone", "13912345678"),
                ("address", "重庆市渝中区解放碑步行街1号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}", b.name());
        assert!(r.text().await.unwrap().contains("缺少安全令牌"));
        let forged = client
            .post(app.url("/candidate/profile/edit"))
            .form(&[
                ("csrf_token", "forged"),
                ("phone", "13912345678"),
                ("address", "重庆市渝中区解放碑步行街1号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 403);
        let token = app.csrf(&client, "/candidate/profile/edit").await;
        let cross = client
            .post(app.url("/candidate/profile/edit"))
            .header("origin", "https://evil.example")
            .form(&[
                ("csrf_token", token.as_str()),
                ("phone", "13912345678"),
                ("address", "重庆市渝中区解放碑步行街1号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status().as_u16(), 403, "cross-site origin refused");
        let after = store::repo::candidate::get(&app.db.db, before.id)
            .await
            .unwrap();
        assert_eq!(before.phone, after.phone);
        assert_eq!(before.address, after.address);
    }
}

#[tokio::test]
async fn contact_details_are_checked_and_saved_only_when_valid() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_PROFILE_INCOMPLETE))
            .await;
        let (_, profile) = app.get_text(&client, "/candidate/profile").await;
        assert!(profile.contains("联系电话未填写"), "{}", b.name());
        assert!(profile.contains("尚无在籍专业"));
        let token = app.csrf(&client, "/candidate/profile/edit").await;
        let bad = client
            .post(app.url("/candidate/profile/edit"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("phone", "1391234567"),
                ("address", "重庆市渝中区解放碑步行街1号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        let body = bad.text().await.unwrap();
        assert!(body.contains("未保存"));
        assert!(body.contains("1391234567"), "what was typed comes back");
        let me = app.candidate(accounts::CQ_PROFILE_INCOMPLETE).await;
        assert_eq!(me.phone, None, "nothing saved");
        let ok = client
            .post(app.url("/candidate/profile/edit"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("phone", "139 1234 5678"),
                ("address", "重庆市渝中区解放碑步行街1号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status().as_u16(), 303);
        let me = store::repo::candidate::get(&app.db.db, me.id)
            .await
            .unwrap();
        assert_eq!(me.phone.as_deref(), Some("13912345678"));

        // Once recorded, the phone changes only through a code to the new one (更换手机号).
        let token = app.csrf(&client, "/candidate/profile/edit").await;
        let other = client
            .post(app.url("/candidate/profile/edit"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("phone", "13812345678"),
                ("address", "重庆市渝中区解放碑步行街2号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(other.status().as_u16(), 422, "{}", b.name());
        let body = other.text().await.unwrap();
        assert!(body.contains("更换须验证新号码"), "{body}");
        let me = store::repo::candidate::get(&app.db.db, me.id)
            .await
            .unwrap();
        assert_eq!(
            me.address.as_deref(),
            Some("重庆市渝中区解放碑步行街1号"),
            "nothing saved"
        );
        let same = client
            .post(app.url("/candidate/profile/edit"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("phone", "13912345678"),
                ("address", "重庆市渝中区解放碑步行街2号"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(same.status().as_u16(), 303, "the address alone changes");
    }
}

#[tokio::test]
async fn a_candidate_adds_an_enrolled_major_once() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_PROFILE_INCOMPLETE))
            .await;
        let (_, page) = app.get_text(&client, "/candidate/majors").await;
        let token = csrf_in(&page).unwrap();
        let at = page.find("<option value=\"").unwrap();
        let rest = &page[at + 15..];
        let rest = &rest[rest.find("<option value=\"").unwrap() + 15..];
        let major_id = &rest[..rest.find('"').unwrap()];
        let r = client
            .post(app.url("/candidate/majors"))
            .form(&[("csrf_token", token.as_str()), ("major_id", major_id)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let again = client
            .post(app.url("/candidate/majors"))
            .form(&[("csrf_token", token.as_str()), ("major_id", major_id)])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 422);
        assert!(again.text().await.unwrap().contains("已在您的在籍专业中"));
    }
}

#[tokio::test]
async fn logout_makes_the_old_session_cookie_worthless() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let (_, page) = app.get_text(&client, "/candidate/profile").await;
        let token = csrf_in(&page).unwrap();
        let cookie = {
            // Capture the cookie before logging out, as a thief would.
            let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            token.clone()
        };
        let r = client
            .post(app.url("/logout"))
            .form(&[("csrf_token", cookie.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303, "{}", b.name());
        let count: u64 = sea_orm::PaginatorTrait::count(
            sea_orm::QueryFilter::filter(
                <store::entity::session::Entity as sea_orm::EntityTrait>::find(),
                sea_orm::ColumnTrait::eq(&store::entity::session::Column::UserKind, "candidate"),
            ),
            &app.db.db,
        )
        .await
        .unwrap();
        assert_eq!(count, 0, "the session row is gone");
        let r = client
            .get(app.url("/candidate/profile"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
    }
}

#[tokio::test]
async fn another_candidates_id_in_a_url_is_not_found() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let me = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let other = app.candidate(accounts::CQ_ONE_COURSE_SHORT).await;
        let client = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let own = client
            .get(app.url(&format!("/api/v1/candidates/{}", me.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status().as_u16(), 200, "{}", b.name());
        let json: serde_json::Value = own.json().await.unwrap();
        assert_eq!(json["admission_no"], accounts::CQ_ELIGIBLE_ASSOCIATE);
        // Each score comes with its course's name, on the API as on 成绩查询.
        let scores: serde_json::Value = client
            .get(app.url(&format!("/api/v1/candidates/{}/scores", me.id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let records = store::repo::reference::scores_of(&app.db.db, me.id)
            .await
            .unwrap();
        let names = store::repo::reference::course_names_of(
            &app.db.db,
            records.iter().map(|r| r.course_code.as_str()),
        )
        .await
        .unwrap();
        let shown: Vec<&str> = scores
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["course_name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = records
            .iter()
            .map(|r| names[&r.course_code].as_str())
            .collect();
        assert!(!expected.is_empty(), "{}", b.name());
        assert_eq!(shown, expected, "{}", b.name());
        let (_, page) = app.get_text(&client, "/candidate/scores").await;
        assert!(
            expected.iter().all(|n| page.contains(n)),
            "{}: 成绩查询 names every course",
            b.name()
        );
        for path in [
            format!("/api/v1/candidates/{}", other.id),
            format!("/api/v1/candidates/{}/scores", other.id),
        ] {
            let r = client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 404, "{path}");
            let body = r.text().await.unwrap();
            assert!(
                !body.contains(&other.name),
                "nothing of the other candidate leaks"
            );
        }
        let anonymous = app
            .client()
            .get(app.url(&format!("/api/v1/candidates/{}", me.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
    }
}

#[tokio::test]
async fn staff_see_only_their_organisations_candidates_with_masked_ids() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let yn = app.candidate(accounts::YN_ELIGIBLE_ASSOCIATE).await;
        let cq = app.candidate(accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let client = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, list) = app.get_text(&client, "/staff/candidates").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(list.contains(&cq.admission_no));
        assert!(
            !list.contains(&yn.admission_no),
            "another province is out of scope"
        );
        assert!(
            !list.contains(&cq.id_card_no),
            "ID numbers are masked in lists"
        );
        assert!(list.contains(&store_mask(&cq.id_card_no)));
        let (status, _) = app
            .get_text(&client, &format!("/staff/candidates/{}", yn.id))
            .await;
        assert_eq!(status, 404);
        let (status, detail) = app
            .get_text(&client, &format!("/staff/candidates/{}", cq.id))
            .await;
        assert_eq!(status, 200);
        assert!(detail.contains(&cq.name));
        let api = client
            .get(app.url(&format!("/api/v1/candidates/{}", yn.id)))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 404);
    }
}

fn store_mask(id: &str) -> String {
    domain::IdCardNo::parse(id).unwrap().masked()
}

#[tokio::test]
async fn a_reviewer_cannot_open_the_import_page_but_an_admin_can() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let reviewer = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        assert_eq!(
            app.get_text(&reviewer, "/staff/imports").await.0,
            403,
            "{}",
            b.name()
        );
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let (status, page) = app.get_text(&admin, "/staff/imports").await;
        assert_eq!(status, 200);
        assert!(page.contains("上传并导入"));
        let candidate = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        assert_eq!(app.get_text(&candidate, "/staff/imports").await.0, 403);
    }
}

#[tokio::test]
async fn operations_endpoints_answer() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let client = app.client();
        assert_eq!(
            app.get_text(&client, "/healthz").await,
            (200, "ok".to_owned())
        );
        assert_eq!(
            app.get_text(&client, "/readyz").await.0,
            200,
            "{}",
            b.name()
        );
        let r = client.get(app.url("/login")).send().await.unwrap();
        assert!(
            r.headers().get("x-request-id").is_some(),
            "every response carries a request id"
        );
        let (status, metrics) = app.get_text(&client, "/metrics").await;
        assert_eq!(status, 200);
        assert!(metrics.contains("http_requests_total"));
        let (status, spec) = app.get_text(&client, "/api/v1/openapi.json").await;
        assert_eq!(status, 200);
        assert!(spec.contains("\"openapi\""));
    }
}

/// Every upload route reads its body through the one checked reader: without the token as the
/// first field, with a forged one, or with a field before it, an upload is refused and nothing is
/// stored, on routes of every portal.
#[tokio::test]
async fn an_upload_without_its_token_first_is_refused_on_every_portal() {
    use reqwest::multipart::{Form, Part};
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let candidate = app
            .with_user(User::Candidate(accounts::CQ_ELIGIBLE_ASSOCIATE))
            .await;
        let admin = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_ADMIN))
            .await;
        let student = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let cases = [
            (&candidate, "/candidate/backfills", "/candidate/profile"),
            (&admin, "/staff/imports", "/staff"),
            (&student, "/student/degree/upload", "/student/degree"),
        ];
        for (client, path, page) in cases {
            let file = || Part::bytes(vec![0xFF, 0xD8, 0xFF]).file_name("a.jpg");
            let token = app.csrf(client, page).await;
            let forms = [
                ("no token", Form::new().part("file", file())),
                (
                    "forged",
                    Form::new()
                        .text("csrf_token", "forged")
                        .part("file", file()),
                ),
                (
                    "token after a field",
                    Form::new()
                        .text("slot", "id_front")
                        .text("csrf_token", token.clone())
                        .part("file", file()),
                ),
            ];
            for (what, form) in forms {
                let r = client
                    .post(app.url(path))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 403, "{}: {path} {what}", b.name());
                assert!(
                    r.text().await.unwrap().contains("表单安全校验失败"),
                    "{}: {path} {what}",
                    b.name()
                );
            }
        }
        assert_eq!(
            common::stored_objects(&app),
            0,
            "{}: nothing stored",
            b.name()
        );
    }
}

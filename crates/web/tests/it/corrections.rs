//! 考籍更正 over HTTP on every app backend: filing, validation, review, scope and concurrency rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::User;

use common::{TestApp, csrf_in, spawn_app};
use store::demo::accounts;
use store::entity::record_correction;
use store::testkit::app_backends;

/// A Chongqing candidate registered with the 沙坪坝 district agency (accounts::STAFF_CQ_DISTRICT).
const CANDIDATE: &str = accounts::CQ_ELIGIBLE_ASSOCIATE;

/// A well-formed ID number born on 1999-05-20, male (odd sequence digit).
fn valid_id() -> String {
    let first17 = "50010619990520013";
    format!("{first17}{}", domain::check_digit(first17).unwrap())
}

/// The same number with a wrong check character.
fn bad_check_id() -> String {
    let good = valid_id();
    let last = good.chars().last().unwrap();
    let wrong = if last == '0' { '1' } else { '0' };
    format!("{}{wrong}", &good[..17])
}

async fn candidate_model(app: &TestApp) -> store::entity::candidate::Model {
    app.candidate(CANDIDATE).await
}

async fn requests(app: &TestApp) -> Vec<record_correction::Model> {
    let c = candidate_model(app).await;
    store::repo::record_correction::list_of_candidate(&app.db.db, c.id)
        .await
        .unwrap()
}

async fn file(
    app: &TestApp,
    client: &reqwest::Client,
    field: &str,
    new_value: &str,
    reason: &str,
) -> (u16, String) {
    let token = app.csrf(client, "/candidate/corrections").await;
    let r = client
        .post(app.url("/candidate/corrections"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("field", field),
            ("new_value", new_value),
            ("reason", reason),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn decide(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    action: &str,
    opinion: Option<&str>,
) -> (u16, String) {
    let token = app.csrf(client, "/staff").await;
    let mut form = vec![("csrf_token", token)];
    if let Some(o) = opinion {
        form.push(("decision_reason", o.to_owned()));
    }
    let r = client
        .post(app.url(&format!("/staff/corrections/{id}/{action}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

#[tokio::test]
async fn district_approves_a_name_correction_and_the_record_changes() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, body) = app.get_text(&cand, "/candidate/corrections").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(body.contains("应提前向区县考试机构申请考籍更正"));
        assert!(
            body.contains("href=\"/candidate/corrections\""),
            "menu entry"
        );

        let (status, _) = file(&app, &cand, "name", "陈思语", "建档时姓名录入错误").await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, body) = app.get_text(&cand, "/candidate/corrections").await;
        assert!(body.contains("待审核") && body.contains("陈思语"));

        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let (status, body) = app.get_text(&staff, "/staff/corrections").await;
        assert_eq!(status, 200, "{}", b.name());
        assert!(body.contains(CANDIDATE) && body.contains("陈思语"));
        assert!(body.contains("href=\"/staff/corrections\""), "menu entry");

        let id = requests(&app).await[0].id;
        let (status, _) = decide(&app, &staff, id, "approve", None).await;
        assert_eq!(status, 303, "{}", b.name());
        assert_eq!(candidate_model(&app).await.name, "陈思语");
        let (_, body) = app.get_text(&cand, "/candidate/corrections").await;
        assert!(body.contains("已通过"), "{}", b.name());
        let (_, inbox) = app.get_text(&cand, "/candidate/inbox").await;
        assert!(
            inbox.contains("姓名更正申请已提交"),
            "{}: {inbox}",
            b.name()
        );
        assert!(
            inbox.contains("姓名更正已通过") && inbox.contains("考籍中的姓名已改为“陈思语”"),
            "{}: the decision reaches the inbox",
            b.name()
        );

        let (status, body) = decide(&app, &staff, id, "approve", None).await;
        assert_eq!(status, 409, "{}: approving twice", b.name());
        assert!(body.contains("该申请已审核，不能重复处理"));
    }
}

#[tokio::test]
async fn approved_id_number_also_changes_gender_and_birth_date() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        let (status, body) = file(&app, &cand, "id_card_no", &valid_id(), "身份证号码变更").await;
        assert_eq!(status, 303, "{}: {body}", b.name());
        let (_, body) = app.get_text(&cand, "/candidate/corrections").await;
        assert!(!body.contains(&valid_id()), "ID numbers are masked");
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let id = requests(&app).await[0].id;
        let (status, _) = decide(&app, &staff, id, "approve", None).await;
        assert_eq!(status, 303, "{}", b.name());
        let c = candidate_model(&app).await;
        assert_eq!(c.id_card_no, valid_id());
        assert_eq!(c.gender, domain::Gender::Male.code());
        assert_eq!(
            c.birth_date,
            chrono::NaiveDate::from_ymd_opt(1999, 5, 20).unwrap()
        );
    }
}

#[tokio::test]
async fn invalid_requests_are_refused_and_nothing_is_saved() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        let before = candidate_model(&app).await;

        let (status, body) =
            file(&app, &cand, "id_card_no", &bad_check_id(), "身份证号码变更").await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("身份证号校验位错误"), "{body}");
        assert!(body.contains(&bad_check_id()), "typed value kept");

        let (status, body) = file(&app, &cand, "name", &before.name, "姓名录入错误了").await;
        assert_eq!(status, 422);
        assert!(body.contains("与当前内容相同，无需更正"));

        let (status, body) = file(&app, &cand, "name", "陈思语", "错").await;
        assert_eq!(status, 422);
        assert!(body.contains("更正原因应为5至200个字"));
        assert!(requests(&app).await.is_empty(), "{}", b.name());

        let (status, _) = file(&app, &cand, "name", "陈思语", "建档时姓名录入错误").await;
        assert_eq!(status, 303);
        let (status, body) = file(&app, &cand, "name", "陈斯雨", "建档时姓名录入错误").await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("已有待审核的姓名更正申请，请等待审核结果"));
        assert_eq!(requests(&app).await.len(), 1);

        let token = app.csrf(&cand, "/candidate/corrections").await;
        assert!(!token.is_empty());
        let r = cand
            .post(app.url("/candidate/corrections"))
            .form(&[
                ("field", "name"),
                ("new_value", "陈斯雨"),
                ("reason", "建档时姓名录入错误"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{}: no csrf token", b.name());
        assert_eq!(requests(&app).await.len(), 1);
        assert_eq!(candidate_model(&app).await.name, before.name);
    }
}

#[tokio::test]
async fn rejection_needs_an_opinion_which_the_candidate_then_sees() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        file(&app, &cand, "name", "陈思语", "建档时姓名录入错误").await;
        let id = requests(&app).await[0].id;
        let staff = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;

        let (status, body) = decide(&app, &staff, id, "reject", Some("  ")).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(body.contains("驳回时请填写审核意见"));
        assert_eq!(requests(&app).await[0].status, "pending");

        let (status, _) = decide(
            &app,
            &staff,
            id,
            "reject",
            Some("请携带户籍证明到现场办理。"),
        )
        .await;
        assert_eq!(status, 303, "{}", b.name());
        let (_, body) = app.get_text(&cand, "/candidate/corrections").await;
        assert!(body.contains("已驳回") && body.contains("请携带户籍证明到现场办理"));
        let (_, inbox) = app.get_text(&cand, "/candidate/inbox").await;
        assert!(
            inbox.contains("姓名更正未通过")
                && inbox.contains("审核意见：请携带户籍证明到现场办理。如有需要"),
            "{}: one full stop after the opinion: {inbox}",
            b.name()
        );
        assert_ne!(candidate_model(&app).await.name, "陈思语");

        let (status, _) = decide(&app, &staff, id, "approve", None).await;
        assert_eq!(
            status,
            409,
            "{}: a rejected request stays rejected",
            b.name()
        );
    }
}

#[tokio::test]
async fn reviewers_outside_the_registration_chain_cannot_decide() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        file(&app, &cand, "name", "陈思语", "建档时姓名录入错误").await;
        let id = requests(&app).await[0].id;

        let uni = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, body) = app.get_text(&uni, "/staff/corrections").await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(body.contains("考籍更正由区县（州市）考试机构审核"));
        let (status, _) = decide(&app, &uni, id, "approve", None).await;
        assert_eq!(status, 403);

        let point = app
            .with_user(User::Staff(accounts::STAFF_YN_CONFIRMATION_POINT))
            .await;
        let (status, _) = app.get_text(&point, "/staff/corrections").await;
        assert_eq!(status, 403, "confirmation points do not decide corrections");
        let yn = app
            .with_user(User::Staff(accounts::STAFF_YN_PREFECTURE))
            .await;
        let (status, body) = app.get_text(&yn, "/staff/corrections").await;
        assert_eq!(status, 200);
        assert!(!body.contains(CANDIDATE), "{}: out of scope", b.name());
        let (status, body) = decide(&app, &yn, id, "approve", None).await;
        assert_eq!(status, 404, "{}", b.name());
        assert!(body.contains("未找到该申请，或不在本机构管辖范围内"));
        let (status, _) = decide(&app, &yn, id + 1000, "approve", None).await;
        assert_eq!(status, 404, "a missing request looks the same");

        assert_eq!(requests(&app).await[0].status, "pending");
        assert_ne!(candidate_model(&app).await.name, "陈思语");
        let (_, page) = app.get_text(&cand, "/candidate/corrections").await;
        assert!(csrf_in(&page).is_some());
    }
}

#[tokio::test]
async fn two_reviewers_acting_at_once_leave_one_decision() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        file(&app, &cand, "name", "陈思语", "建档时姓名录入错误").await;
        let id = requests(&app).await[0].id;
        let district = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let office = app
            .with_user(User::Staff(accounts::STAFF_CQ_OFFICE_REVIEWER))
            .await;
        let (a, r) = tokio::join!(
            decide(&app, &district, id, "approve", None),
            decide(&app, &office, id, "reject", Some("材料不全，请补充")),
        );
        let mut statuses = [a.0, r.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [303, 409], "{}", b.name());
        let row = requests(&app).await.remove(0);
        let name = candidate_model(&app).await.name;
        if row.status == "approved" {
            assert_eq!(name, "陈思语");
        } else {
            assert_eq!(row.status, "rejected");
            assert_ne!(name, "陈思语");
        }
    }
}

/// The candidate's own record through the API — contact details, an enrolled major, a
/// correction — and the district office's decision on the correction; refusals name the field.
#[tokio::test]
async fn profile_and_corrections_work_through_the_api() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let cand = app.with_user(User::Candidate(CANDIDATE)).await;
        let t = common::api_token(&app, &cand).await;
        let contact = |phone: &str| serde_json::json!({"phone": phone, "address": "重庆市渝中区解放碑街道 8 号"});
        let (status, body) = common::api_send(
            cand.put(app.url("/api/v1/profile/contact"))
                .json(&contact("123")),
            &t,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["phone"].is_string(), "{body}");
        // A recorded phone changes only through a code to the new one (更换手机号).
        let before = app.candidate(CANDIDATE).await.phone;
        let (status, body) = common::api_send(
            cand.put(app.url("/api/v1/profile/contact"))
                .json(&contact("13800138000")),
            &t,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(
            body["fields"]["phone"]
                .as_str()
                .is_some_and(|m| m.contains("更换手机号")),
            "{body}"
        );
        assert_eq!(app.candidate(CANDIDATE).await.phone, before);
        let current = before.clone().unwrap_or_default();
        let (status, body) = common::api_send(
            cand.put(app.url("/api/v1/profile/contact"))
                .json(&contact(&current)),
            &t,
        )
        .await;
        assert_eq!(
            (status, &body["phone"]),
            (200, &serde_json::json!(current)),
            "{body}"
        );
        let (status, body) = common::api_send(
            cand.post(app.url("/api/v1/profile/majors"))
                .json(&serde_json::json!({"major_id": 999_999})),
            &t,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["major_id"].is_string(), "{body}");

        let (status, body) = common::api_send(
            cand.post(app.url("/api/v1/corrections")).json(
                &serde_json::json!({"field": "name", "new_value": "", "reason": "建档时姓名录入错误"}),
            ), &t)
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["new_value"].is_string(), "{body}");
        let (status, body) = common::api_send(
            cand.post(app.url("/api/v1/corrections")).json(
                &serde_json::json!({"field": "name", "new_value": "陈斯雨", "reason": "建档时姓名录入错误"}),
            ), &t)
        .await;
        assert_eq!(status, 201, "{}: {body}", b.name());
        let id = requests(&app).await[0].id;
        let decision = app.url(&format!("/api/v1/corrections/{id}/decision"));

        let university = app
            .with_user(User::Staff(accounts::STAFF_CQ_UNIVERSITY))
            .await;
        let (status, _) = common::api_send(
            university
                .post(&decision)
                .json(&serde_json::json!({"decision": "approve"})),
            &common::api_token(&app, &university).await,
        )
        .await;
        assert_eq!(
            status,
            403,
            "{}: a university does not decide corrections",
            b.name()
        );
        let district = app
            .with_user(User::Staff(accounts::STAFF_CQ_DISTRICT))
            .await;
        let dt = common::api_token(&app, &district).await;
        let (status, body) = common::api_send(
            district
                .post(&decision)
                .json(&serde_json::json!({"decision": "reject", "opinion": ""})),
            &dt,
        )
        .await;
        assert_eq!(status, 422, "{}: {body}", b.name());
        assert!(body["fields"]["opinion"].is_string(), "{body}");
        let (status, _) = common::api_send(
            district
                .post(&decision)
                .json(&serde_json::json!({"decision": "approve"})),
            &dt,
        )
        .await;
        assert_eq!(status, 204, "{}", b.name());
        assert_eq!(candidate_model(&app).await.name, "陈斯雨", "{}", b.name());
    }
}

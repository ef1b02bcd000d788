//! 工作委托 over HTTP on every app backend: a reviewer away hands their stages to a colleague
//! for a period; the colleague may then decide at those stages, and the decision names on whose
//! behalf it was taken in the history and the audit trail; refused before, after revocation and
//! after the period; the rules' limits named. The same for 学位审核 (with the 学位授予结果) and
//! 学位外语审核, on the pages and over the API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::{Grant, Roles};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::accounts;
use store::entity::{audit, review_event};
use store::testkit::app_backends;

use crate::common::{PASSWORD, TestApp, User, language_application, spawn_app};
use crate::degree::post_form;

const AWAY: &str = accounts::STAFF_CQ_UNIVERSITY;
const DEPUTY: &str = "cq-cqnu-deputy";

/// A colleague `deputy` of staff member `away`, created to review `stage` only: (the one away,
/// the colleague).
async fn pair(
    app: &TestApp,
    away: &str,
    deputy: &str,
    stage: &str,
) -> (store::entity::staff::Model, store::entity::staff::Model) {
    let away = store::repo::staff::by_username(&app.db.db, away)
        .await
        .unwrap()
        .unwrap();
    let deputy = store::repo::staff::create(
        &app.db.db,
        away.org_id,
        deputy,
        "代审老师",
        &Roles::new([Grant::reviewer_at(stage)]),
        store::repo::password::hash(PASSWORD).unwrap(),
        app.state.now(),
    )
    .await
    .unwrap();
    (away, deputy)
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    post_form(app, c, "/staff/account/delegations", path, fields).await
}

async fn approve(app: &TestApp, c: &reqwest::Client, id: i64) -> u16 {
    let token = app.csrf(c, "/staff").await;
    c.post(app.url(&format!("/staff/reviews/{id}/decide")))
        .form(&[
            ("csrf_token", token.as_str()),
            ("stage", "0"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_delegation_lets_a_colleague_decide_for_the_period_and_the_history_names_both() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let (away, deputy) = pair(&app, AWAY, DEPUTY, "实践环节考核").await;
        let first = crate::reviews::submitted(&app, accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let second = crate::reviews::submitted(&app, accounts::CQ_EXEMPTION_USED).await;
        let d = app.with_user(User::Staff(DEPUTY)).await;
        let a = app.with_user(User::Staff(AWAY)).await;

        // Before any delegation the colleague may not decide at the first stage, and the page
        // offers no form.
        let form_shown = async |id: i64| {
            let (status, page) = app.get_text(&d, &format!("/staff/reviews/{id}")).await;
            assert_eq!(status, 200);
            assert_eq!(
                page.contains("name=\"decision\""),
                !page.contains("id=\"not-my-stage\"")
            );
            page.contains("name=\"decision\"")
        };
        assert!(!form_shown(first.id).await, "{}", b.name());
        assert_eq!(approve(&app, &d, first.id).await, 403, "{}", b.name());

        // The rules, each named: no reason, to oneself, too long a period, on someone else's behalf.
        let today = domain::calendar::beijing_date(app.state.now());
        let day = |n: i64| (today + Duration::days(n)).to_string();
        let to = deputy.id.to_string();
        let from = away.id.to_string();
        let form = |to: &str, last: &str, reason: &str| {
            vec![
                ("from_staff_id", from.clone()),
                ("to_staff_id", to.to_owned()),
                ("first_day", day(0)),
                ("last_day", last.to_owned()),
                ("reason", reason.to_owned()),
            ]
        };
        let send = |f: Vec<(&'static str, String)>, c: reqwest::Client| {
            let app = &app;
            async move {
                let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post(app, &c, "/staff/account/delegations", &fields).await
            }
        };
        let (status, page) = send(form(&to, &day(2), " "), a.clone()).await;
        assert_eq!(status, 422);
        assert!(page.contains("请填写委托事由"), "{page}");
        let (status, page) = send(form(&from, &day(2), "休假"), a.clone()).await;
        assert_eq!(status, 422);
        assert!(page.contains("不能委托给本人"), "{page}");
        let (status, page) = send(form(&to, &day(90), "休假"), a.clone()).await;
        assert_eq!(status, 422);
        assert!(
            page.contains("一次委托最长90天，所选期间为91天，超出1天"),
            "{page}"
        );
        let (status, page) = send(form(&to, &day(2), "休假"), d.clone()).await;
        assert_eq!(status, 422, "{}", b.name());
        assert!(page.contains("只能委托自己的审核工作"), "{page}");
        assert!(
            store::accounts::delegation::in_force_to(&app.db.db, deputy.id, app.state.now())
                .await
                .unwrap()
                .is_empty(),
            "{}: nothing saved",
            b.name()
        );

        // Ninety days is the limit, and is accepted.
        let (status, _) = send(form(&to, &day(89), "休假"), a.clone()).await;
        assert_eq!(status, 303, "{}", b.name());
        let (status, page) = app.get_text(&d, "/staff/account/delegations").await;
        assert_eq!(status, 200);
        assert!(page.contains("您正在受"), "{page}");
        assert!(page.contains("生效中"), "{page}");

        // Honoured: the page offers the form and the colleague decides, on the other's behalf.
        assert!(form_shown(first.id).await, "{}", b.name());
        assert_eq!(approve(&app, &d, first.id).await, 303, "{}", b.name());
        let decided = review_event::Entity::find()
            .filter(review_event::Column::ApplicationId.eq(first.id))
            .filter(review_event::Column::Action.eq("approved"))
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(decided.actor_id, Some(deputy.id), "{}", b.name());
        assert_eq!(decided.on_behalf_of, Some(away.id), "{}", b.name());
        let (_, page) = app
            .get_text(&a, &format!("/staff/reviews/{}", first.id))
            .await;
        assert!(
            page.contains(&format!("代审老师 受 {} 委托", away.display_name)),
            "{}: the history names both",
            b.name()
        );
        let audited = audit::Entity::find()
            .filter(audit::Column::ActorId.is_in([away.id, deputy.id]))
            .filter(audit::Column::ActorKind.eq("staff"))
            .all(&app.db.db)
            .await
            .unwrap();
        assert!(
            audited.iter().any(|r| r.action == "delegation.created"),
            "{}",
            b.name()
        );
        assert!(
            audited.iter().any(|r| r.actor_id == Some(deputy.id)
                && r.subject_id == Some(first.id)
                && r.detail.contains(&format!("on_behalf_of={}", away.id))),
            "{audited:?}"
        );
        // Revoked by the one away: the colleague may not decide the second application.
        let id = store::accounts::delegation::list(&app.db.db, away.org_id, None, 10)
            .await
            .unwrap()[0]
            .id;
        let (status, _) = post(
            &app,
            &a,
            &format!("/staff/account/delegations/{id}/revoke"),
            &[],
        )
        .await;
        assert_eq!(status, 303);
        assert!(!form_shown(second.id).await, "{}", b.name());
        assert_eq!(approve(&app, &d, second.id).await, 403, "{}", b.name());
        let (status, page) = post(
            &app,
            &a,
            &format!("/staff/account/delegations/{id}/revoke"),
            &[],
        )
        .await;
        assert_eq!(status, 422);
        assert!(page.contains("该委托已撤销"), "{page}");

        // A new one for today only, then past its end: refused again.
        let (status, _) = send(form(&to, &day(0), "出差"), a.clone()).await;
        assert_eq!(status, 303);
        let (status, page) = app.get_text(&d, "/staff/account/delegations").await;
        assert_eq!(status, 200);
        assert!(page.contains("您正在受"), "{}: in force again", b.name());
        // The day after (a new sign-in: a day outlasts the session).
        app.state.clock.advance(Duration::days(1));
        let later = app.with_user(User::Staff(DEPUTY)).await;
        assert_eq!(approve(&app, &later, second.id).await, 403, "{}", b.name());
        let (_, page) = app.get_text(&later, "/staff/account/delegations").await;
        assert!(!page.contains("您正在受"), "{page}");
        assert!(page.contains("已到期"), "{page}");
    }
}

const SCHOOL_AWAY: &str = accounts::STAFF_CE_SCHOOL_REVIEWER;
const SCHOOL_DEPUTY: &str = "ce-school-deputy";
/// A stage none of the school's batches has: its reviewer decides nowhere by their own role.
const OTHER_STAGE: &str = "学位评定分委员会";

/// The one away hands their stages to the deputy from today for a week, on the page; the
/// delegation's id.
async fn delegate(
    app: &TestApp,
    away: &reqwest::Client,
    from: &store::entity::staff::Model,
    to: &store::entity::staff::Model,
) -> i64 {
    let today = domain::calendar::beijing_date(app.state.now());
    let (first, last) = (today.to_string(), (today + Duration::days(6)).to_string());
    let (from_id, to_id) = (from.id.to_string(), to.id.to_string());
    let (status, page) = post(
        app,
        away,
        "/staff/account/delegations",
        &[
            ("from_staff_id", from_id.as_str()),
            ("to_staff_id", to_id.as_str()),
            ("first_day", first.as_str()),
            ("last_day", last.as_str()),
            ("reason", "出差"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{page}");
    let listed = store::accounts::delegation::in_force_to(&app.db.db, to.id, app.state.now())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    listed[0].id
}

/// 撤销 on the page by the one away.
async fn revoke(app: &TestApp, away: &reqwest::Client, id: i64) {
    let (status, page) = post(
        app,
        away,
        &format!("/staff/account/delegations/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(status, 303, "{page}");
}

/// The audit rows `actor` wrote about `subject_id` under `action`.
async fn audited(
    app: &TestApp,
    actor: i64,
    action: &str,
    subject_id: i64,
) -> Vec<store::entity::audit::Model> {
    audit::Entity::find()
        .filter(audit::Column::ActorKind.eq("staff"))
        .filter(audit::Column::ActorId.eq(actor))
        .filter(audit::Column::Action.eq(action))
        .filter(audit::Column::SubjectId.eq(subject_id))
        .all(&app.db.db)
        .await
        .unwrap()
}

/// The refusal a reviewer gets at the first stage of batch `batch_id` without a delegation.
async fn first_stage_refusal(app: &TestApp, batch_id: i64) -> String {
    let stage = store::degree::stages_of(&app.db.db, batch_id)
        .await
        .unwrap()
        .remove(0)
        .name;
    format!("您的账号没有“{stage}”环节的审核权限")
}

/// POSTs `body` to the API at `path` with the CSRF header: (status, body).
async fn api_post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let token = crate::common::api_token(app, c).await;
    crate::common::api_send(c.post(app.url(path)).json(&body), &token).await
}

/// 审核通过 of a degree application on its page: (status, body).
async fn review_degree(
    app: &TestApp,
    c: &reqwest::Client,
    a: &store::entity::degree_application::Model,
) -> (u16, String) {
    let path = format!("/staff/degree/{}/review", a.id);
    let version = a.version.to_string();
    post_form(
        app,
        c,
        "/staff",
        &path,
        &[("decision", "approve"), ("version", &version)],
    )
    .await
}

/// 审核通过 of a degree application over the API: (status, body).
async fn review_degree_api(
    app: &TestApp,
    c: &reqwest::Client,
    a: &store::entity::degree_application::Model,
) -> (u16, serde_json::Value) {
    let path = format!("/api/v1/degree/applications/{}/review", a.id);
    api_post(
        app,
        c,
        &path,
        serde_json::json!({"decision": "approve", "version": a.version}),
    )
    .await
}

/// 授予 of approved degree applications over the API: (status, body).
async fn award_api(
    app: &TestApp,
    c: &reqwest::Client,
    batch_id: i64,
    ids: &[i64],
) -> (u16, serde_json::Value) {
    let body = serde_json::json!({"batch_id": batch_id, "award": "awarded", "ids": ids});
    api_post(app, c, "/api/v1/degree/awards", body).await
}

#[tokio::test]
async fn a_delegation_covers_the_degree_review_and_the_award_and_both_are_named() {
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let (away, deputy) = pair(&app, SCHOOL_AWAY, SCHOOL_DEPUTY, OTHER_STAGE).await;
        let first = crate::degree::submitted(&app, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let second = crate::degree::submitted(&app, accounts::STUDENT_AT_THRESHOLD).await;
        let refusal = first_stage_refusal(&app, first.batch_id).await;
        let d = app.with_user(User::Staff(SCHOOL_DEPUTY)).await;
        let a = app.with_user(User::Staff(SCHOOL_AWAY)).await;

        // Before any delegation the colleague may neither decide nor record the result, on the
        // page or over the API, and nothing changes.
        let (status, page) = review_degree(&app, &d, &first).await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(page.contains(&refusal), "{page}");
        let (status, body) = review_degree_api(&app, &d, &first).await;
        assert_eq!(status, 403, "{}: {body}", b.name());
        assert!(
            body["message"].as_str().unwrap().contains(&refusal),
            "{body}"
        );
        let (status, body) = award_api(&app, &d, first.batch_id, &[first.id]).await;
        assert_eq!(status, 403, "{}: {body}", b.name());
        let unchanged = store::degree::application::get(&app.db.db, first.id)
            .await
            .unwrap();
        assert_eq!(unchanged.version, first.version, "{}", b.name());
        assert_eq!(unchanged.review_status.as_deref(), Some("pending"));

        // In force: the colleague approves on the page and records 授予 over the API, each on
        // the other's behalf.
        let id = delegate(&app, &a, &away, &deputy).await;
        let (status, page) = review_degree(&app, &d, &first).await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let (status, body) = award_api(&app, &d, first.batch_id, &[first.id]).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        assert_eq!(body["recorded"], 1);
        let done = store::degree::application::get(&app.db.db, first.id)
            .await
            .unwrap();
        assert_eq!(done.review_status.as_deref(), Some("approved"));
        assert_eq!(done.reviewed_by, Some(deputy.id), "{}", b.name());
        assert_eq!(done.reviewed_on_behalf_of, Some(away.id), "{}", b.name());
        assert_eq!(done.award.as_deref(), Some("awarded"));
        assert_eq!(done.award_recorded_by, Some(deputy.id));
        assert_eq!(done.award_on_behalf_of, Some(away.id), "{}", b.name());

        // The history names both, for the student and on the staff detail page.
        let named = format!("（代审老师 受 {} 委托）", away.display_name);
        let student = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (_, page) = app.get_text(&student, "/student/degree").await;
        assert!(
            page.contains(&format!("学校审核：审核通过{named}")),
            "{}: {page}",
            b.name()
        );
        assert!(
            page.contains(&format!("学位授予结果：授予{named}")),
            "{page}"
        );
        let (status, page) = app
            .get_text(&a, &format!("/staff/degree/{}", first.id))
            .await;
        assert_eq!(status, 200);
        assert!(
            page.contains("id=\"degree-history\"")
                && page.contains(&format!("学校审核：审核通过{named}"))
                && page.contains(&format!("学位授予结果：授予{named}")),
            "{}: {page}",
            b.name()
        );

        // The audit rows name whose behalf.
        let behalf = format!("on_behalf_of={}", away.id);
        for action in ["degree_application.approved", "degree_application.awarded"] {
            let rows = audited(&app, deputy.id, action, first.id).await;
            assert_eq!(rows.len(), 1, "{}: {action}", b.name());
            assert!(rows[0].detail.contains(&behalf), "{action}: {rows:?}");
        }

        // Revoked: refused again, on the page and over the API.
        revoke(&app, &a, id).await;
        let (status, page) = review_degree(&app, &d, &second).await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(page.contains(&refusal), "{page}");
        let (status, body) = review_degree_api(&app, &d, &second).await;
        assert_eq!(status, 403, "{}: {body}", b.name());
        let (status, _) = award_api(&app, &d, first.batch_id, &[first.id]).await;
        assert_eq!(status, 403, "{}", b.name());
        let still = store::degree::application::get(&app.db.db, second.id)
            .await
            .unwrap();
        assert_eq!(still.review_status.as_deref(), Some("pending"));

        // The one away decides by their own role as before, naming nobody else.
        let (status, _) = review_degree(&app, &a, &second).await;
        assert_eq!(status, 303, "{}", b.name());
        let own = store::degree::application::get(&app.db.db, second.id)
            .await
            .unwrap();
        assert_eq!(
            (own.reviewed_by, own.reviewed_on_behalf_of),
            (Some(away.id), None)
        );
        let rows = audited(&app, away.id, "degree_application.approved", second.id).await;
        assert!(!rows[0].detail.contains("on_behalf_of"), "{rows:?}");
    }
}

/// A pending 学位外语 application of the student in the school's language batch `batch`, at its
/// first stage, as applying leaves it.
async fn pending_language(
    app: &TestApp,
    student_no: &str,
    batch: &store::entity::batch::Model,
) -> store::entity::language_application::Model {
    use sea_orm::ActiveModelTrait;
    let s = app.student(student_no).await;
    language_application(&s, batch.id, app.state.now())
        .insert(&app.db.db)
        .await
        .unwrap()
}

/// 审核通过 and 合格 of a 学位外语 application on its page: (status, body).
async fn decide_language(app: &TestApp, c: &reqwest::Client, id: i64) -> (u16, String) {
    let fields = [
        ("decision", "approve"),
        ("qualification", "qualified"),
        ("opinion", "成绩单核验无误"),
    ];
    post_form(
        app,
        c,
        "/staff",
        &format!("/staff/language/{id}/decide"),
        &fields,
    )
    .await
}

/// The same over the API: (status, body).
async fn decide_language_api(
    app: &TestApp,
    c: &reqwest::Client,
    id: i64,
) -> (u16, serde_json::Value) {
    let path = format!("/api/v1/language/applications/{id}/review");
    api_post(
        app,
        c,
        &path,
        serde_json::json!({"decision": "approve", "qualification": "qualified"}),
    )
    .await
}

#[tokio::test]
async fn a_delegation_covers_the_language_review_and_both_are_named() {
    use sea_orm::sea_query::Expr;
    for b in app_backends() {
        let app = spawn_app(&b).await;
        let (away, deputy) = pair(&app, SCHOOL_AWAY, SCHOOL_DEPUTY, OTHER_STAGE).await;
        let batch = store::degree::language::batches_of(&app.db.db, away.org_id)
            .await
            .unwrap()
            .remove(0);
        let first = pending_language(&app, accounts::STUDENT_ABOVE_THRESHOLDS, &batch).await;
        let second = pending_language(&app, accounts::STUDENT_AT_THRESHOLD, &batch).await;
        let third = pending_language(&app, accounts::STUDENT_BELOW_THRESHOLDS, &batch).await;
        // The window closes: the school may review.
        store::entity::batch::Entity::update_many()
            .col_expr(
                store::entity::batch::Column::ClosesAt,
                Expr::value(app.state.now() - Duration::minutes(1)),
            )
            .filter(store::entity::batch::Column::Id.eq(batch.id))
            .exec(&app.db.db)
            .await
            .unwrap();
        let refusal = first_stage_refusal(&app, batch.id).await;
        let d = app.with_user(User::Staff(SCHOOL_DEPUTY)).await;
        let a = app.with_user(User::Staff(SCHOOL_AWAY)).await;

        // Before any delegation: refused at the stage, on the page, over the API and in bulk.
        let (status, page) = decide_language(&app, &d, first.id).await;
        assert_eq!(status, 403, "{}: {page}", b.name());
        assert!(page.contains(&refusal), "{page}");
        let (status, body) = decide_language_api(&app, &d, second.id).await;
        assert_eq!(status, 403, "{}: {body}", b.name());
        assert!(
            body["message"].as_str().unwrap().contains(&refusal),
            "{body}"
        );
        let (status, body) = api_post(
            &app,
            &d,
            "/api/v1/language/bulk-review",
            serde_json::json!({
                "ids": [third.id], "decision": "approve", "qualification": "qualified"
            }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["done"], serde_json::json!([]), "{}: {body}", b.name());
        assert!(
            body["refused"][0]["message"]
                .as_str()
                .unwrap()
                .contains(&refusal),
            "{body}"
        );
        for id in [first.id, second.id, third.id] {
            let (now, _) = store::degree::language::get_for_school(&app.db.db, away.org_id, id)
                .await
                .unwrap();
            assert_eq!((now.status.as_str(), now.version), ("pending", 1));
        }

        // In force: the colleague decides on the page and over the API, on the other's behalf.
        let id = delegate(&app, &a, &away, &deputy).await;
        let (status, page) = decide_language(&app, &d, first.id).await;
        assert_eq!(status, 303, "{}: {page}", b.name());
        let (status, body) = decide_language_api(&app, &d, second.id).await;
        assert_eq!(status, 200, "{}: {body}", b.name());
        for done in [first.id, second.id] {
            let (now, _) = store::degree::language::get_for_school(&app.db.db, away.org_id, done)
                .await
                .unwrap();
            assert_eq!(now.status, "approved", "{}", b.name());
            assert_eq!(now.qualification.as_deref(), Some("qualified"));
            assert_eq!(now.reviewed_by, Some(deputy.id));
            assert_eq!(now.reviewed_on_behalf_of, Some(away.id), "{}", b.name());
            let rows = audited(&app, deputy.id, "language_application.reviewed", done).await;
            assert_eq!(rows.len(), 1, "{}", b.name());
            assert!(
                rows[0]
                    .detail
                    .contains(&format!("on_behalf_of={}", away.id)),
                "{rows:?}"
            );
        }

        // Both detail pages name both.
        let named = format!("（代审老师 受 {} 委托）", away.display_name);
        let (status, page) = app
            .get_text(&a, &format!("/staff/language/{}", first.id))
            .await;
        assert_eq!(status, 200);
        assert!(
            page.contains("id=\"detail-reviewed\"") && page.contains(&named),
            "{}: {page}",
            b.name()
        );
        let student = app
            .with_user(User::Student(accounts::STUDENT_ABOVE_THRESHOLDS))
            .await;
        let (status, page) = app
            .get_text(
                &student,
                &format!("/student/language/applications/{}", first.id),
            )
            .await;
        assert_eq!(status, 200);
        assert!(page.contains(&named), "{}: {page}", b.name());

        // Revoked: refused again; the one away decides by their own role, naming nobody else.
        revoke(&app, &a, id).await;
        let (status, page) = decide_language(&app, &d, third.id).await;
        assert_eq!(status, 403, "{}", b.name());
        assert!(page.contains(&refusal), "{page}");
        let (status, _) = decide_language_api(&app, &d, third.id).await;
        assert_eq!(status, 403, "{}", b.name());
        let (status, _) = decide_language(&app, &a, third.id).await;
        assert_eq!(status, 303, "{}", b.name());
        let (own, _) = store::degree::language::get_for_school(&app.db.db, away.org_id, third.id)
            .await
            .unwrap();
        assert_eq!(
            (own.reviewed_by, own.reviewed_on_behalf_of),
            (Some(away.id), None),
            "{}",
            b.name()
        );
        let (_, page) = app
            .get_text(&a, &format!("/staff/language/{}", third.id))
            .await;
        assert!(
            page.contains("id=\"detail-reviewed\"") && !page.contains(" 委托）"),
            "{page}"
        );
    }
}

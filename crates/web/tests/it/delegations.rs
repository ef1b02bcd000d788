//! 工作委托 over HTTP on every app backend: a reviewer away hands their stages to a colleague
//! for a period; the colleague may then decide at those stages, and the decision names on whose
//! behalf it was taken in the history and the audit trail; refused before, after revocation and
//! after the period; the rules' limits named.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use domain::{Grant, Roles, StaffRole};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::accounts;
use store::entity::{audit, review_event};
use store::testkit::app_backends;

use crate::common::{PASSWORD, TestApp, User, spawn_app};

const AWAY: &str = accounts::STAFF_CQ_UNIVERSITY;
const DEPUTY: &str = "cq-cqnu-deputy";

/// A colleague at the university who reviews another stage only.
async fn deputy(app: &TestApp) -> store::entity::staff::Model {
    let away = store::repo::staff::by_username(&app.db.db, AWAY)
        .await
        .unwrap()
        .unwrap();
    let roles = Roles::new([Grant {
        role: StaffRole::Reviewer,
        stage: Some("实践环节考核".to_owned()),
    }]);
    store::repo::staff::create(
        &app.db.db,
        away.org_id,
        DEPUTY,
        "代审老师",
        &roles,
        store::repo::password::hash(PASSWORD).unwrap(),
        app.state.now(),
    )
    .await
    .unwrap()
}

async fn post(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let token = app.csrf(c, "/staff/account/delegations").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let r = c.post(app.url(path)).form(&all).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
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
        let deputy = deputy(&app).await;
        let away = store::repo::staff::by_username(&app.db.db, AWAY)
            .await
            .unwrap()
            .unwrap();
        let first = crate::reviews::submitted(&app, accounts::CQ_ELIGIBLE_ASSOCIATE).await;
        let second = crate::reviews::submitted(&app, accounts::CQ_EXEMPTION_USED).await;
        let d = app.with_user(User::Staff(DEPUTY)).await;
        let a = app.with_user(User::Staff(AWAY)).await;

        // Before any delegation the colleague may not decide at the first stage.
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

        // Honoured: the colleague decides, on the other's behalf.
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

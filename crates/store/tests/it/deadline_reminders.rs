//! 截止提醒 and 本次不予办理 on every contract backend (SQLite, PostgreSQL, MariaDB): before a
//! Chongqing batch's deadline the candidates whose application waits for them (填写中, 已驳回,
//! 待交费) are reminded three days and one day before, once each however often and by however many
//! instances the job runs; those waiting for a reviewer or approved are not. After the deadline
//! each closed application's candidate is told why it was not processed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use domain::calendar::from_beijing;
use domain::messages::inbox as texts;
use domain::review::Status;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{
    batch, candidate, deadline_reminder as reminder, graduation_application as app, inbox_message,
};
use store::graduation::application::{self as apps, NewApplication};
use store::graduation::batches::{self, By};
use store::graduation::reminders;
use store::repo::audit::Actor;
use store::repo::inbox::{self, Recipient};
use store::repo::{candidate as candidates, reference};
use store::testkit::{Backend, TestDb, contract_backends};

use crate::common::{HASH, now};

/// Named so that its messages are told from those of the demo's own batches.
const BATCH: &str = "2031年上半年毕业申请（截止提醒）";
const INITIAL: &str = "主考学校初审";
const PAYMENT: &str = "缴纳毕业审定费";

fn bj(s: &str) -> DateTime<Utc> {
    from_beijing(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

/// One application of the batch, in the situation the test puts it in.
struct Case {
    candidate: i64,
    application: i64,
}

struct World {
    t: TestDb,
    batch: batch::Model,
    draft: Case,
    rejected: Case,
    unpaid: Case,
    in_review: Case,
    approved: Case,
    /// In review at the three-day reminder, rejected afterwards.
    rejected_late: Case,
    /// A candidate of ours with no application yet: opens a draft after the three-day reminder.
    late_candidate: candidate::Model,
}

async fn world(b: &Backend) -> World {
    let t = TestDb::create(b)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
    demo::seed(&t.db, &DemoOptions::new(HASH.to_owned(), now()))
        .await
        .unwrap();
    let batch = batches::create(
        &t.db,
        "chongqing",
        BATCH,
        bj("2031-03-01 09:00"),
        bj("2031-03-20 17:00"),
        By {
            actor: Actor::SYSTEM,
            now: now(),
            ip: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
    let stages: Vec<String> = apps::stages(&t.db, batch.id)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(stages, [INITIAL, PAYMENT, "市自考办审核"], "{}", b.name());

    let mut people = Vec::new();
    for no in [
        accounts::CQ_ELIGIBLE_ASSOCIATE,
        accounts::CQ_ONE_COURSE_SHORT,
        accounts::CQ_EXEMPTION_USED,
        accounts::CQ_BACHELOR_PRIOR_EDU,
        accounts::CQ_PROFILE_INCOMPLETE,
    ] {
        people.push(
            candidates::by_admission_no(&t.db, no)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    // Two more Chongqing candidates, copies of the first under numbers of their own.
    for n in 1..=2 {
        let mut c = people[0].clone().into_active_model().reset_all();
        c.id = sea_orm::ActiveValue::NotSet;
        c.admission_no = Set(format!("50249900000{n}"));
        c.id_card_no = Set(format!("50010319900101000{n}"));
        people.push(c.insert(&t.db).await.unwrap());
    }
    let late_candidate = people.pop().unwrap();

    let opened_at = bj("2031-03-02 10:00");
    let mut cases = Vec::new();
    for c in &people {
        cases.push(open(&t, &batch, c, opened_at).await);
    }
    let [draft, rejected, unpaid, in_review, approved, rejected_late] =
        <[Case; 6]>::try_from(cases).ok().unwrap();
    set(&t, &rejected, Status::Rejected, Some(0), Some("照片模糊。")).await;
    set(&t, &unpaid, Status::AwaitingPayment, Some(1), None).await;
    set(&t, &in_review, Status::InReview, Some(0), None).await;
    set(&t, &approved, Status::Approved, None, None).await;
    set(&t, &rejected_late, Status::InReview, Some(0), None).await;
    World {
        t,
        batch,
        draft,
        rejected,
        unpaid,
        in_review,
        approved,
        rejected_late,
        late_candidate,
    }
}

/// Opens the candidate's application in the batch with their first enrolled major (the first
/// candidate's where they have none).
async fn open(t: &TestDb, b: &batch::Model, c: &candidate::Model, at: DateTime<Utc>) -> Case {
    let mut majors = reference::enrolled_majors(&t.db, c.id).await.unwrap();
    if majors.is_empty() {
        let first = candidates::by_admission_no(&t.db, accounts::CQ_ELIGIBLE_ASSOCIATE)
            .await
            .unwrap()
            .unwrap();
        majors = reference::enrolled_majors(&t.db, first.id).await.unwrap();
    }
    let a = apps::open(
        &t.db,
        NewApplication {
            candidate: c,
            batch: b,
            major: &majors[0].major,
            prior_check: apps::PRIOR_NOT_NEEDED,
            prior_check_message: None,
        },
        at,
        None,
    )
    .await
    .unwrap();
    Case {
        candidate: c.id,
        application: a.id,
    }
}

/// Puts the application where the test needs it; the review flow itself is tested elsewhere.
async fn set(t: &TestDb, c: &Case, status: Status, stage: Option<i32>, reason: Option<&str>) {
    app::Entity::update_many()
        .col_expr(app::Column::Status, Expr::value(status.code()))
        .col_expr(app::Column::Stage, Expr::value(stage))
        .col_expr(app::Column::RejectionReason, Expr::value(reason))
        .col_expr(app::Column::Version, Expr::col(app::Column::Version).add(1))
        .filter(app::Column::Id.eq(c.application))
        .exec(&t.db)
        .await
        .unwrap();
}

/// The candidate's messages about this batch, oldest first.
async fn messages(w: &World, candidate: i64) -> Vec<inbox_message::Model> {
    let mut all = inbox::list(&w.t.db, Recipient::Candidate(candidate), 100)
        .await
        .unwrap();
    all.retain(|m| m.body.contains(BATCH));
    all.reverse();
    all
}

/// The kinds of reminder recorded for the application.
async fn reminded(w: &World, application: i64) -> Vec<String> {
    let mut kinds: Vec<String> = reminder::Entity::find()
        .filter(reminder::Column::ApplicationId.eq(application))
        .all(&w.t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    kinds.sort();
    kinds
}

fn body_and_link(m: &inbox_message::Model) -> (String, Option<String>) {
    (m.body.clone(), m.link.clone())
}

#[tokio::test]
async fn candidates_are_reminded_three_days_and_one_day_before_and_told_why_after() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let db = &w.t.db;
        let closes = w.batch.closes_at;
        let draft_text = texts::graduation_deadline_not_submitted(BATCH, closes);
        let rejected_text = texts::graduation_deadline_rejected(BATCH, INITIAL, "照片模糊", closes);
        let unpaid_text = texts::graduation_deadline_unpaid(BATCH, PAYMENT, closes);

        // Four days before, nothing is due.
        let sent = reminders::send_due(db, closes - Duration::days(4))
            .await
            .unwrap();
        assert_eq!(sent, 0, "{name}");
        for c in [&w.draft, &w.rejected, &w.unpaid, &w.in_review, &w.approved] {
            assert!(messages(&w, c.candidate).await.is_empty(), "{name}");
        }

        // Three days before: one reminder for each application waiting for its candidate, with
        // what is missing and the deadline in Beijing time, linking to where it is done.
        let three = closes - Duration::days(3);
        assert_eq!(reminders::send_due(db, three).await.unwrap(), 3, "{name}");
        let expected = [
            (&w.draft, &draft_text, "/candidate/application"),
            (
                &w.rejected,
                &rejected_text,
                "/candidate/application#rejection",
            ),
            (&w.unpaid, &unpaid_text, "/candidate/application#pay"),
        ];
        for (c, text, link) in expected {
            let got = messages(&w, c.candidate).await;
            assert_eq!(got.len(), 1, "{name}: {got:?}");
            assert_eq!(got[0].title, text.title, "{name}");
            assert_eq!(
                body_and_link(&got[0]),
                (text.body.clone(), Some(link.to_owned())),
                "{name}"
            );
            assert_eq!(reminded(&w, c.application).await, ["3_days"], "{name}");
        }
        assert!(
            draft_text.body.contains("2031-03-20 17:00（北京时间）前"),
            "{}",
            draft_text.body
        );
        for c in [&w.in_review, &w.approved, &w.rejected_late] {
            assert!(messages(&w, c.candidate).await.is_empty(), "{name}");
            assert!(reminded(&w, c.application).await.is_empty(), "{name}");
        }
        // The job running again at the same moment sends nothing more.
        assert_eq!(reminders::send_due(db, three).await.unwrap(), 0, "{name}");
        assert_eq!(
            reminders::send_due(db, three + Duration::minutes(1))
                .await
                .unwrap(),
            0,
            "{name}"
        );

        // A draft opened after the three-day reminder still gets it at the next run.
        let late = open(
            &w.t,
            &w.batch,
            &w.late_candidate,
            three + Duration::hours(6),
        )
        .await;
        let two = closes - Duration::days(2);
        assert_eq!(reminders::send_due(db, two).await.unwrap(), 1, "{name}");
        assert_eq!(reminded(&w, late.application).await, ["3_days"], "{name}");
        // An application rejected after that run is first due a reminder when both are: it gets
        // the one-day one only.
        set(
            &w.t,
            &w.rejected_late,
            Status::Rejected,
            Some(0),
            Some("签名不清晰"),
        )
        .await;

        // One day before, two instances at the same moment: each application gets its one-day
        // reminder exactly once.
        let second = store::connect(&w.t.url).await.unwrap();
        let one = closes - Duration::days(1);
        let (x, y) = tokio::join!(
            reminders::send_due(db, one),
            reminders::send_due(&second, one)
        );
        assert_eq!(x.unwrap() + y.unwrap(), 5, "{name}");
        for c in [&w.draft, &w.rejected, &w.unpaid, &late] {
            let got = messages(&w, c.candidate).await;
            assert_eq!(got.len(), 2, "{name}: {got:?}");
            assert_eq!(got[0].body, got[1].body, "{name}");
            assert_eq!(
                reminded(&w, c.application).await,
                ["1_day", "3_days"],
                "{name}"
            );
        }
        let got = messages(&w, w.rejected_late.candidate).await;
        assert_eq!(got.len(), 1, "{name}: {got:?}");
        assert_eq!(
            got[0].body,
            texts::graduation_deadline_rejected(BATCH, INITIAL, "签名不清晰", closes).body,
            "{name}"
        );
        assert_eq!(
            reminded(&w, w.rejected_late.application).await,
            ["1_day"],
            "{name}"
        );
        for c in [&w.in_review, &w.approved] {
            assert!(messages(&w, c.candidate).await.is_empty(), "{name}");
        }
        let (x, y) = tokio::join!(
            reminders::send_due(db, one + Duration::hours(1)),
            reminders::send_due(&second, one + Duration::hours(1))
        );
        assert_eq!((x.unwrap(), y.unwrap()), (0, 0), "{name}");
        second.close().await.unwrap();

        // After the deadline nothing is reminded, and each closed application's candidate is told
        // why it was not processed; the approved one is left alone.
        let after = closes + Duration::minutes(1);
        assert_eq!(reminders::send_due(db, after).await.unwrap(), 0, "{name}");
        apps::close_expired(db, after).await.unwrap();
        let why = [
            (&w.draft, texts::graduation_closed_not_submitted(BATCH)),
            (
                &w.rejected,
                texts::graduation_closed_rejected(BATCH, INITIAL, "照片模糊"),
            ),
            (&w.unpaid, texts::graduation_closed_unpaid(BATCH, PAYMENT)),
            (
                &w.in_review,
                texts::graduation_closed_in_review(BATCH, INITIAL),
            ),
            (
                &w.rejected_late,
                texts::graduation_closed_rejected(BATCH, INITIAL, "签名不清晰"),
            ),
            (&late, texts::graduation_closed_not_submitted(BATCH)),
        ];
        for (c, text) in why {
            let closed: Vec<_> = messages(&w, c.candidate)
                .await
                .into_iter()
                .filter(|m| m.title == "本次毕业申请不予办理")
                .collect();
            assert_eq!(closed.len(), 1, "{name}: {closed:?}");
            assert_eq!(closed[0].body, text.body, "{name}");
            let a = apps::get(db, c.application).await.unwrap();
            assert_eq!(a.status, Status::Closed.code(), "{name}");
        }
        assert!(
            texts::graduation_closed_in_review(BATCH, INITIAL)
                .body
                .contains("并非你的原因"),
            "{name}"
        );
        assert!(
            messages(&w, w.approved.candidate).await.is_empty(),
            "{name}"
        );
        assert_eq!(
            apps::get(db, w.approved.application).await.unwrap().status,
            Status::Approved.code(),
            "{name}"
        );
    }
}

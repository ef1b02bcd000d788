//! Review deadlines (办理时限): an application entering a review stage gets the stage's due date on
//! the holiday calendar, loses it when it leaves review, and the 待审核 queue sorted or filtered
//! by due date pages through every such application once, in due order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use domain::calendar::from_beijing;
use domain::graduation::form::{FileSlot, ResumeEntry};
use domain::review::deadline::{self, Standing};
use domain::review::{ReviewerRule, Stage, Status};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{graduation_application as app, organisation};
use store::graduation::application::{
    self as apps, Decision, DueRange, NewApplication, NewFile, QueueFilter, Section,
};
use store::keyset::PageAt;
use store::objects::Objects;
use store::repo::{calendar, candidate as candidates, org, reference, staff};
use store::testkit::{TestDb, app_backends};

use crate::common::{HASH, now, walk_queue};

pub(crate) fn bj(s: &str) -> DateTime<Utc> {
    from_beijing(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A Chongqing candidate's application, filled and ready to submit, in a batch whose pipeline is
/// two reviews with limits (初审 5 working days at the university, 终审 10 at the office) and
/// whose window reaches back to September 2024, so that the submission and decisions can be
/// dated around 国庆 2024.
pub(crate) struct World {
    pub(crate) t: TestDb,
    pub(crate) application: app::Model,
    pub(crate) university: organisation::Model,
    pub(crate) office: organisation::Model,
    pub(crate) staff_university: i64,
    pub(crate) staff_office: i64,
    _dir: tempfile::TempDir,
}

/// Also the world of the graduation appeals' tests.
pub(crate) async fn world(b: &store::testkit::Backend) -> World {
    let t = TestDb::create(b).await.unwrap();
    demo::seed(&t.db, &DemoOptions::new(HASH.to_owned(), now()))
        .await
        .unwrap();
    let cand = candidates::by_admission_no(&t.db, accounts::CQ_ELIGIBLE_ASSOCIATE)
        .await
        .unwrap()
        .unwrap();
    let batch = apps::batches_of_province(&t.db, "chongqing")
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.opens_at <= now() && now() < b.closes_at)
        .expect("an open Chongqing batch");
    apps::set_stages(
        &t.db,
        batch.id,
        &[
            Stage {
                limit_working_days: Some(5),
                ..Stage::review("主考学校初审", ReviewerRule::ChiefUniversity)
            },
            Stage {
                limit_working_days: Some(10),
                ..Stage::review("市自考办审核", ReviewerRule::Office)
            },
        ],
    )
    .await
    .unwrap();
    let mut widened = batch.clone().into_active_model();
    widened.opens_at = Set(bj("2024-09-01 00:00"));
    let batch = widened.update(&t.db).await.unwrap();
    let su = staff::by_username(&t.db, accounts::STAFF_CQ_UNIVERSITY)
        .await
        .unwrap()
        .unwrap();
    let so = staff::by_username(&t.db, accounts::STAFF_CQ_OFFICE_REVIEWER)
        .await
        .unwrap()
        .unwrap();
    let majors = reference::enrolled_majors(&t.db, cand.id).await.unwrap();
    let major = majors[0].major.clone();
    let mut a = apps::open(
        &t.db,
        NewApplication {
            candidate: &cand,
            batch: &batch,
            major: &major,
            prior_check: apps::PRIOR_NOT_NEEDED,
            prior_check_message: None,
        },
        now(),
        None,
    )
    .await
    .unwrap();
    let resume = vec![ResumeEntry {
        from: "2015-09".into(),
        to: "至今".into(),
        unit: "重庆某公司".into(),
        role: "职员".into(),
    }];
    for section in [
        Section::Major(major),
        Section::Resume(resume),
        Section::SelfAppraisal("好".repeat(320)),
    ] {
        a = apps::save_section(&t.db, &a, section, now(), None)
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let objects = Objects::local(dir.path()).unwrap();
    for slot in [FileSlot::IdFront, FileSlot::IdBack, FileSlot::Signature] {
        let stored = objects
            .put("test", "jpg", vec![0xFF, 0xD8, slot as u8])
            .await
            .unwrap();
        let new = NewFile {
            slot,
            stored,
            original_name: "IMG_0001.jpg",
            content_type: "image/jpeg",
            dimensions: Some((100, 60)),
            course_code: None,
        };
        apps::attach_file(&t.db, &a, new, now(), None)
            .await
            .unwrap();
        a = apps::get(&t.db, a.id).await.unwrap();
    }
    World {
        application: a,
        university: org::get(&t.db, su.org_id).await.unwrap(),
        office: org::get(&t.db, so.org_id).await.unwrap(),
        staff_university: su.id,
        staff_office: so.id,
        t,
        _dir: dir,
    }
}

#[tokio::test]
async fn each_review_stage_sets_its_due_date_and_a_rejection_clears_it() {
    for b in app_backends() {
        let name = b.name();
        let w = world(&b).await;
        // The pipeline read back keeps the limits it was given.
        let limits: Vec<Option<u32>> = apps::stages(&w.t.db, w.application.batch_id)
            .await
            .unwrap()
            .iter()
            .map(|s| s.limit_working_days)
            .collect();
        assert_eq!(limits, [Some(5), Some(10)], "{name}");

        // Submitted on Mon 2024-09-30, the last working day before 国庆: five working days are
        // 10-08 to 10-11 and the 调休 Saturday 10-12, due at its end.
        let submitted_at = bj("2024-09-30 10:00");
        let a = apps::submit(&w.t.db, &w.application, submitted_at, None)
            .await
            .unwrap();
        assert_eq!(a.stage_arrived_at, Some(submitted_at), "{name}");
        assert_eq!(a.due_at, Some(bj("2024-10-13 00:00")), "{name}");
        assert_eq!(deadline::due_date(a.due_at.unwrap()), day("2024-10-12"));

        // Approved on that Saturday afternoon: the office's ten working days run 10-14 to 10-25.
        let approved_at = bj("2024-10-12 15:00");
        let a = apps::decide(
            &w.t.db,
            &w.university,
            w.staff_university,
            a.id,
            0,
            Decision::Approve,
            approved_at,
            None,
        )
        .await
        .unwrap();
        assert_eq!((a.status.as_str(), a.stage), ("in_review", Some(1)));
        assert_eq!(a.stage_arrived_at, Some(approved_at), "{name}");
        assert_eq!(
            a.due_at.map(deadline::due_date),
            Some(day("2024-10-25")),
            "{name}"
        );

        // A rejection takes it out of review: no stage, no due date.
        let a = apps::decide(
            &w.t.db,
            &w.office,
            w.staff_office,
            a.id,
            1,
            Decision::Reject("身份证反面图片不清晰".into()),
            bj("2024-10-28 09:00"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.status, Status::Rejected.code(), "{name}");
        assert_eq!((a.stage_arrived_at, a.due_at), (None, None), "{name}");
        // Nor is it in the office's overdue list any more.
        let overdue = QueueFilter {
            due: Some(DueRange::overdue(bj("2024-11-30 09:00"))),
            ..Default::default()
        };
        assert_eq!(
            apps::queue_count(&w.t.db, &w.office, &overdue)
                .await
                .unwrap(),
            0,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_due_date_order_pages_through_the_whole_queue_once_in_due_order() {
    for b in app_backends() {
        let name = b.name();
        let t = TestDb::create(&b).await.unwrap();
        let at = now();
        demo::seed(
            &t.db,
            &DemoOptions {
                password_hash: HASH.to_owned(),
                extra_candidates: 300,
                bulk_province: None,
                now: at,
            },
        )
        .await
        .unwrap();
        demo::seed_applications(&t.db, 300, at).await.unwrap();
        let all = app::Entity::find()
            .filter(app::Column::Status.eq(Status::InReview.code()))
            .all(&t.db)
            .await
            .unwrap();
        // The seeded applications in review carry due dates from their stage's limit.
        assert!(all.iter().all(|a| a.stage_arrived_at.is_some()), "{name}");
        // The organisation with the longest queue of applications with a due date.
        let mut by_org: std::collections::HashMap<i64, usize> = Default::default();
        for a in all.iter().filter(|a| a.due_at.is_some()) {
            *by_org.entry(a.current_org_id.unwrap()).or_default() += 1;
        }
        let (&org_id, &n) = by_org.iter().max_by_key(|(_, n)| **n).unwrap();
        assert!(
            n > 6,
            "{name}: {n} applications with a due date is too few to page"
        );
        let o = org::get(&t.db, org_id).await.unwrap();
        let mut expected: Vec<&app::Model> = all
            .iter()
            .filter(|a| a.current_org_id == Some(org_id) && a.due_at.is_some())
            .collect();
        expected.sort_by_key(|a| (a.due_at, a.id));
        let expected_ids: Vec<i64> = expected.iter().map(|a| a.id).collect();

        let by_due = QueueFilter {
            by_due: true,
            ..Default::default()
        };
        let walked: Vec<i64> = walk_queue(&t.db, &o, &by_due, 3)
            .await
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(walked, expected_ids, "{name}: every row once, in due order");
        assert_eq!(
            apps::queue_count(&t.db, &o, &by_due).await.unwrap(),
            expected_ids.len() as u64,
            "{name}"
        );
        // 上一页 from the last page comes back over the same rows.
        let last = apps::queue(
            &t.db,
            &o,
            &by_due,
            PageAt::After(store::keyset::Cursor::new(
                expected[expected.len() - 4].due_at.unwrap(),
                expected[expected.len() - 4].id,
            )),
            3,
        )
        .await
        .unwrap();
        let back = apps::queue(&t.db, &o, &by_due, PageAt::Before(last.prev.unwrap()), 3)
            .await
            .unwrap();
        let back_ids: Vec<i64> = back.rows.iter().map(|r| r.application.id).collect();
        assert_eq!(
            back_ids,
            expected_ids[expected_ids.len() - 6..expected_ids.len() - 3]
        );

        // 已逾期 and 即将到期 list exactly what the domain's standing says, in due order.
        let cal = calendar::load(&t.db).await.unwrap();
        for probe in [at, at + Duration::days(3), at - Duration::days(10)] {
            for (range, want) in [
                (DueRange::overdue(probe), true),
                (DueRange::due_soon(&cal, probe), false),
            ] {
                let filter = QueueFilter {
                    due: Some(range),
                    ..Default::default()
                };
                let listed: Vec<i64> = walk_queue(&t.db, &o, &filter, 3)
                    .await
                    .iter()
                    .map(|a| a.id)
                    .collect();
                let wanted: Vec<i64> = expected
                    .iter()
                    .filter(|a| match deadline::standing(&cal, a.due_at, probe) {
                        Standing::Overdue(_) => want,
                        Standing::DueSoon => !want,
                        _ => false,
                    })
                    .map(|a| a.id)
                    .collect();
                assert_eq!(listed, wanted, "{name}: at {probe}, overdue={want}");
                assert_eq!(
                    apps::queue_count(&t.db, &o, &filter).await.unwrap(),
                    wanted.len() as u64
                );
            }
        }
        // The demo batch opened days ago: as its weeks go by, the seeded queue holds
        // applications due soon and then overdue ones, each counted on the index range.
        let counted = |range| {
            let filter = QueueFilter {
                due: Some(range),
                ..Default::default()
            };
            let (t, o) = (&t, &o);
            async move { apps::queue_count(&t.db, o, &filter).await.unwrap() }
        };
        let mut soon_seen = 0;
        for days in 0..20 {
            soon_seen += counted(DueRange::due_soon(&cal, at + Duration::days(days))).await;
        }
        assert!(soon_seen > 0, "{name}: nothing ever due soon");
        assert_eq!(
            counted(DueRange::overdue(at + Duration::days(40))).await,
            expected_ids.len() as u64,
            "{name}: everything overdue once every limit has passed"
        );
        let unique: HashSet<i64> = walked.iter().copied().collect();
        assert_eq!(unique.len(), walked.len(), "{name}");
        // The due order and each due range sent a text kept for it.
        assert_eq!(store::reader::unkept_builds(), 0, "{name}");
    }
}

/// The messages in a staff account's 消息, newest first.
async fn staff_messages(
    db: &sea_orm::DatabaseConnection,
    id: i64,
) -> Vec<store::entity::inbox_message::Model> {
    store::repo::inbox::list(db, store::repo::inbox::Recipient::Staff(id), 50)
        .await
        .unwrap()
}

/// The enabled accounts of `org_id` holding `role`.
async fn holders(db: &sea_orm::DatabaseConnection, org_id: i64, role: &str) -> Vec<i64> {
    use store::entity::{staff as staff_e, staff_role};
    let ids: Vec<i64> = staff_e::Entity::find()
        .filter(staff_e::Column::OrgId.eq(org_id))
        .filter(staff_e::Column::Disabled.eq(false))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut out: Vec<i64> = staff_role::Entity::find()
        .filter(staff_role::Column::StaffId.is_in(ids))
        .filter(staff_role::Column::Role.eq(role))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.staff_id)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[tokio::test]
async fn reviewers_are_reminded_the_working_day_before_and_the_office_above_told_on_the_due_date_once()
 {
    use store::graduation::review_alerts;
    // MariaDB too: the once-only rests on each backend's unique-key violation.
    for b in store::testkit::contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let db = &w.t.db;
        // Submitted Mon 2024-09-30: due at the end of the 调休 Saturday 2024-10-12, whose working
        // day before is Friday 10-11.
        let a = apps::submit(db, &w.application, bj("2024-09-30 10:00"), None)
            .await
            .unwrap();
        assert_eq!(a.due_at, Some(bj("2024-10-13 00:00")), "{name}");
        let reviewers = holders(db, w.university.id, "reviewer").await;
        assert!(reviewers.contains(&w.staff_university), "{name}");
        let above = w.university.parent_id.unwrap_or(w.university.id);
        let admins = holders(db, above, "admin").await;
        assert!(
            !admins.is_empty(),
            "{name}: the organisation above has an admin"
        );

        // Thursday: the next working day is Friday, and nothing is due then.
        let run = review_alerts::run(db, bj("2024-10-10 09:00"))
            .await
            .unwrap();
        assert_eq!(run, review_alerts::AlertRun::default(), "{name}");
        // During the holiday the next working day is still not the due date.
        let run = review_alerts::run(db, bj("2024-10-05 09:00"))
            .await
            .unwrap();
        assert_eq!(run.reminders, 0, "{name}");

        // A colleague who reviews another stage only stands in for the university's reviewer
        // from Thursday to Saturday: the reminder reaches them too.
        let deputy = store::repo::staff::create(
            db,
            w.university.id,
            "cq-cqnu-deputy",
            "代审老师",
            &domain::Roles::new([domain::Grant {
                role: domain::StaffRole::Reviewer,
                stage: Some("实践环节考核".to_owned()),
            }]),
            HASH.to_owned(),
            bj("2024-10-10 09:00"),
        )
        .await
        .unwrap();
        store::accounts::delegation::create(
            db,
            store::accounts::delegation::By {
                staff_id: w.staff_university,
                org_id: w.university.id,
                admin: false,
            },
            store::accounts::delegation::NewDelegation {
                from_staff_id: w.staff_university,
                to_staff_id: deputy.id,
                first_day: day("2024-10-10"),
                last_day: day("2024-10-12"),
                reason: "休假".to_owned(),
            },
            None,
            bj("2024-10-10 09:00"),
        )
        .await
        .unwrap();

        // Friday, on two instances at once: one reminder, one message per reviewer.
        let friday = bj("2024-10-11 09:00");
        let (x, y) = tokio::join!(
            review_alerts::run(db, friday),
            review_alerts::run(db, friday)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.reminders + y.reminders, 1, "{name}: {x:?} {y:?}");
        assert_eq!(x.escalations + y.escalations, 0, "{name}");
        for id in &reviewers {
            let got = staff_messages(db, *id).await;
            assert_eq!(got.len(), 1, "{name}: reviewer {id}");
            assert_eq!(got[0].title, "办理提醒：1 件申请将于 2024-10-12 到期");
            assert!(
                got[0].body.contains(&format!("申请 {}　", a.id)),
                "{name}: {}",
                got[0].body
            );
            assert!(got[0].body.contains("主考学校初审"), "{}", got[0].body);
            // The candidate's name is masked: the message may go on by text message or e-mail.
            let cand = store::entity::candidate::Entity::find_by_id(a.candidate_id)
                .one(db)
                .await
                .unwrap()
                .unwrap();
            assert!(!got[0].body.contains(&cand.name), "{}", got[0].body);
            assert!(got[0].body.contains(&domain::ids::mask_name(&cand.name)));
        }
        let stood_in = staff_messages(db, deputy.id).await;
        assert_eq!(
            stood_in.len(),
            1,
            "{name}: the colleague standing in is reminded"
        );
        assert!(
            stood_in[0].body.contains(&format!("申请 {}　", a.id)),
            "{name}"
        );
        // Later the same day, nothing again.
        let again = review_alerts::run(db, bj("2024-10-11 16:00"))
            .await
            .unwrap();
        assert_eq!(again, review_alerts::AlertRun::default(), "{name}");

        // The due date itself, two instances: the admins above are told once, with the list.
        let saturday = bj("2024-10-12 08:00");
        let (x, y) = tokio::join!(
            review_alerts::run(db, saturday),
            review_alerts::run(db, saturday)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.escalations + y.escalations, 1, "{name}: {x:?} {y:?}");
        assert_eq!(x.reminders + y.reminders, 0, "{name}");
        for id in &admins {
            let got = staff_messages(db, *id).await;
            assert_eq!(got.len(), 1, "{name}: admin {id}");
            assert_eq!(
                got[0].title,
                format!("督办：{}有 1 件申请今日到期未办理", w.university.name)
            );
            assert!(
                got[0].body.contains("今日（2024-10-12）24:00"),
                "{}",
                got[0].body
            );
        }
        for id in &reviewers {
            assert_eq!(
                staff_messages(db, *id).await.len(),
                1,
                "{name}: not told twice"
            );
        }
        let sent = review_alerts::sent_for(db, w.university.id).await.unwrap();
        assert_eq!(sent.len(), 2, "{name}");
        let audited = store::entity::audit::Entity::find()
            .filter(
                store::entity::audit::Column::Action
                    .is_in(["review.due_reminder_sent", "review.due_escalated"]),
            )
            .all(db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 2, "{name}");

        // Decided in time at another application's turn: nothing is due at the office above.
        let decided = apps::decide(
            db,
            &w.university,
            w.staff_university,
            a.id,
            0,
            Decision::Approve,
            bj("2024-10-12 10:00"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(decided.current_org_id, Some(w.office.id), "{name}");
        let run = review_alerts::run(db, bj("2024-10-12 11:00"))
            .await
            .unwrap();
        assert_eq!(run, review_alerts::AlertRun::default(), "{name}");
    }
}

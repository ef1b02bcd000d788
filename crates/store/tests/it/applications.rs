//! Graduation applications through the Chongqing pipeline on every application backend: sections,
//! files, submission, concurrent reviewers, payment, rejection with refund, resubmission, final
//! approval with the pickup date, and the deadline closing what did not succeed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use chrono::Duration;
use domain::graduation::form::{FileSlot, ResumeEntry};
use domain::review::Status;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{batch, candidate, organisation, payment_order, refund};
use store::graduation::application::{
    self as apps, Decision, NewApplication, NewFile, QueueFilter, Section,
};
use store::objects::Objects;
use store::repo::{RepoError, candidate as candidates, inbox, org, reference, staff};
use store::testkit::{TestDb, app_backends};

struct World {
    t: TestDb,
    cand: candidate::Model,
    batch: batch::Model,
    university: organisation::Model,
    office: organisation::Model,
    staff_university: i64,
    staff_office: i64,
    objects: Objects,
    _dir: tempfile::TempDir,
}

async fn world(b: &store::testkit::Backend) -> World {
    let t = TestDb::create(b).await.unwrap();
    demo::seed(
        &t.db,
        &DemoOptions {
            password_hash: HASH.to_owned(),
            extra_candidates: 0,
            bulk_province: None,
            now: now(),
        },
    )
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
    let su = staff::by_username(&t.db, accounts::STAFF_CQ_UNIVERSITY)
        .await
        .unwrap()
        .unwrap();
    let so = staff::by_username(&t.db, accounts::STAFF_CQ_OFFICE_REVIEWER)
        .await
        .unwrap()
        .unwrap();
    let university = org::get(&t.db, su.org_id).await.unwrap();
    let office = org::get(&t.db, so.org_id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let objects = Objects::local(dir.path()).unwrap();
    World {
        t,
        cand,
        batch,
        university,
        office,
        staff_university: su.id,
        staff_office: so.id,
        objects,
        _dir: dir,
    }
}

async fn opened(w: &World) -> store::entity::graduation_application::Model {
    let majors = reference::enrolled_majors(&w.t.db, w.cand.id)
        .await
        .unwrap();
    apps::open(
        &w.t.db,
        NewApplication {
            candidate: &w.cand,
            batch: &w.batch,
            major: &majors[0].major,
            prior_check: apps::PRIOR_NOT_NEEDED,
            prior_check_message: None,
        },
        now(),
        None,
    )
    .await
    .unwrap()
}

async fn filled(w: &World) -> store::entity::graduation_application::Model {
    let mut a = opened(w).await;
    let majors = reference::enrolled_majors(&w.t.db, w.cand.id)
        .await
        .unwrap();
    a = apps::save_section(
        &w.t.db,
        &a,
        Section::Major(majors[0].major.clone()),
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
    a = apps::save_section(&w.t.db, &a, Section::Resume(resume), now(), None)
        .await
        .unwrap();
    a = apps::save_section(
        &w.t.db,
        &a,
        Section::SelfAppraisal("好".repeat(320)),
        now(),
        None,
    )
    .await
    .unwrap();
    for slot in [FileSlot::IdFront, FileSlot::IdBack, FileSlot::Signature] {
        let stored = w
            .objects
            .put("test", "jpg", vec![0xFF, 0xD8, slot as u8])
            .await
            .unwrap();
        apps::attach_file(
            &w.t.db,
            &a,
            NewFile {
                slot,
                stored,
                original_name: "IMG_0001.jpg",
                content_type: "image/jpeg",
                dimensions: Some((100, 60)),
                course_code: None,
            },
            now(),
            None,
        )
        .await
        .unwrap();
        a = apps::get(&w.t.db, a.id).await.unwrap();
    }
    a
}

#[tokio::test]
async fn chongqing_application_goes_from_draft_to_pickup_date() {
    for b in app_backends() {
        let w = world(&b).await;
        let a = opened(&w).await;
        assert_eq!(a.status, "draft");
        let again = apps::open(
            &w.t.db,
            NewApplication {
                candidate: &w.cand,
                batch: &w.batch,
                major: &reference::major(&w.t.db, a.major_id).await.unwrap(),
                prior_check: apps::PRIOR_NOT_NEEDED,
                prior_check_message: None,
            },
            now(),
            None,
        )
        .await;
        assert!(matches!(again, Err(RepoError::Conflict(_))), "{}", b.name());

        // Submitting an empty form names every missing section.
        let err = apps::submit(&w.t.db, &a, now(), None).await.unwrap_err();
        let msg = err.to_string();
        for part in ["本人简历", "身份证正面（人像面）图片", "自我鉴定", "签名"]
        {
            assert!(msg.contains(part), "{}: {msg}", b.name());
        }
        w.t.db.ping().await.unwrap();
        sea_orm::ConnectionTrait::execute_unprepared(
            &w.t.db,
            "DELETE FROM graduation_applications",
        )
        .await
        .unwrap();

        let a = filled(&w).await;
        let a = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
        assert_eq!(
            (a.status.as_str(), a.stage),
            ("in_review", Some(0)),
            "{}",
            b.name()
        );
        assert_eq!(a.current_org_id, Some(w.university.id));

        // Locked after submission.
        let err = apps::save_section(&w.t.db, &a, Section::Statement(None), now(), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("不能修改"), "{}", b.name());

        // The office cannot act before the university.
        let err = apps::decide(
            &w.t.db,
            &w.office,
            w.staff_office,
            a.id,
            2,
            Decision::Approve,
            now(),
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, RepoError::Conflict(_)), "{}: {err}", b.name());

        // The university sees it in its queue, the office does not.
        let first = store::keyset::PageAt::First;
        let page = apps::queue(&w.t.db, &w.university, &QueueFilter::default(), first, 20)
            .await
            .unwrap();
        let total = apps::queue_count(&w.t.db, &w.university, &QueueFilter::default())
            .await
            .unwrap();
        assert_eq!((page.rows.len(), total), (1, 1));
        assert_eq!((page.prev, page.next), (None, None), "one page");
        let office = apps::queue(&w.t.db, &w.office, &QueueFilter::default(), first, 20)
            .await
            .unwrap();
        assert!(office.rows.is_empty());

        // Rejection reopens; resubmission goes back to the university.
        let a = apps::decide(
            &w.t.db,
            &w.university,
            w.staff_university,
            a.id,
            0,
            Decision::Reject("身份证反面图片不清晰".into()),
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "rejected");
        assert_eq!(a.rejection_reason.as_deref(), Some("身份证反面图片不清晰"));
        let a = apps::save_section(
            &w.t.db,
            &a,
            Section::Statement(Some("已重新上传".into())),
            now(),
            None,
        )
        .await
        .unwrap();
        let a = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
        assert_eq!(a.status, "in_review");

        // Two reviewers at once: exactly one decision lands.
        let (r1, r2) = tokio::join!(
            apps::decide(
                &w.t.db,
                &w.university,
                w.staff_university,
                a.id,
                0,
                Decision::Approve,
                now(),
                None
            ),
            apps::decide(
                &w.t.db,
                &w.university,
                w.staff_university,
                a.id,
                0,
                Decision::Reject("重复".into()),
                now(),
                None
            ),
        );
        assert_eq!(
            usize::from(r1.is_ok()) + usize::from(r2.is_ok()),
            1,
            "{}: {r1:?} {r2:?}",
            b.name()
        );
        let a = apps::get(&w.t.db, a.id).await.unwrap();
        if a.status == "rejected" {
            // The rejecting reviewer won; resubmit and approve to carry on.
            let a2 = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
            apps::decide(
                &w.t.db,
                &w.university,
                w.staff_university,
                a2.id,
                0,
                Decision::Approve,
                now(),
                None,
            )
            .await
            .unwrap();
        }
        let a = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(
            (a.status.as_str(), a.stage),
            ("awaiting_payment", Some(1)),
            "{}",
            b.name()
        );
        let (stage, amount) = apps::check_can_pay(&w.t.db, &a, now()).await.unwrap();
        assert_eq!((stage, amount), (1, 4_000));

        // Payment settles once.
        let order = payment_order::ActiveModel {
            order_no: Set("T0001".into()),
            application_id: Set(a.id),
            stage: Set(1),
            amount_fen: Set(amount),
            status: Set("paid".into()),
            gateway_txn_no: Set(Some("G1".into())),
            created_at: Set(now()),
            paid_at: Set(Some(now())),
            ..Default::default()
        }
        .insert(&w.t.db)
        .await
        .unwrap();
        let a = apps::payment_settled(&w.t.db, a.id, 1, now())
            .await
            .unwrap();
        assert_eq!(
            (a.status.as_str(), a.current_org_id),
            ("in_review", Some(w.office.id))
        );
        assert!(
            apps::payment_settled(&w.t.db, a.id, 1, now())
                .await
                .is_err()
        );
        assert!(apps::check_can_pay(&w.t.db, &a, now()).await.is_err());

        // The office rejects: a refund is queued once.
        let a = apps::decide(
            &w.t.db,
            &w.office,
            w.staff_office,
            a.id,
            2,
            Decision::Reject("照片与身份证不符".into()),
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.status, "rejected");
        let refunds = refund::Entity::find()
            .filter(refund::Column::OrderId.eq(order.id))
            .all(&w.t.db)
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1, "{}", b.name());
        assert_eq!(refunds[0].amount_fen, 4_000);

        // Every change reached the inbox.
        let msgs = inbox::list(&w.t.db, inbox::Recipient::Candidate(w.cand.id), 50)
            .await
            .unwrap();
        assert!(
            msgs.iter().any(|m| m.body.contains("照片与身份证不符")),
            "{}",
            b.name()
        );
        assert!(msgs.iter().any(|m| m.title == "交费成功"));

        let events = apps::events(&w.t.db, a.id).await.unwrap();
        assert!(events.iter().any(|e| e.action == "refund_queued"));
    }
}

#[tokio::test]
async fn final_approval_sets_the_pickup_date_thirty_working_days_later() {
    for b in app_backends() {
        let w = world(&b).await;
        let a = filled(&w).await;
        let a = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
        let a = apps::decide(
            &w.t.db,
            &w.university,
            w.staff_university,
            a.id,
            0,
            Decision::Approve,
            now(),
            None,
        )
        .await
        .unwrap();
        let a = apps::payment_settled(&w.t.db, a.id, 1, now())
            .await
            .unwrap();
        let a = apps::decide(
            &w.t.db,
            &w.office,
            w.staff_office,
            a.id,
            2,
            Decision::Approve,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(a.status, Status::Approved.code(), "{}", b.name());
        let cal = store::repo::calendar::load(&w.t.db).await.unwrap();
        let today = (now() + Duration::hours(8)).date_naive();
        assert_eq!(
            a.pickup_from,
            Some(domain::calendar::earliest_pickup(&cal, today))
        );
        assert!(a.pickup_from.unwrap() >= today + Duration::days(40));
        // Nothing more can happen to it.
        assert!(
            apps::decide(
                &w.t.db,
                &w.office,
                w.staff_office,
                a.id,
                2,
                Decision::Approve,
                now(),
                None
            )
            .await
            .is_err()
        );
    }
}

#[tokio::test]
async fn deadline_closes_applications_without_initial_approval_and_payment() {
    for b in app_backends() {
        let w = world(&b).await;
        let a = filled(&w).await;
        let a = apps::submit(&w.t.db, &a, now(), None).await.unwrap();
        // Before the deadline nothing closes.
        assert_eq!(
            apps::close_expired(&w.t.db, now()).await.unwrap(),
            0,
            "{}",
            b.name()
        );
        let after = w.batch.closes_at + Duration::minutes(1);
        assert_eq!(
            apps::close_expired(&w.t.db, after).await.unwrap(),
            1,
            "{}",
            b.name()
        );
        let a = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(a.status, "closed");
        // Running again changes nothing.
        assert_eq!(apps::close_expired(&w.t.db, after).await.unwrap(), 0);
        let msgs = inbox::list(&w.t.db, inbox::Recipient::Candidate(w.cand.id), 10)
            .await
            .unwrap();
        // It was waiting for the university when the batch closed: the message says so.
        let closed = msgs
            .iter()
            .find(|m| m.title == "本次毕业申请不予办理")
            .expect("the close message");
        assert_eq!(
            closed.body,
            domain::messages::inbox::graduation_closed_in_review(&w.batch.name, "主考学校初审")
                .body,
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn edits_and_submission_outside_the_window_are_refused() {
    for b in app_backends() {
        let w = world(&b).await;
        let a = filled(&w).await;
        let late = w.batch.closes_at + Duration::seconds(1);
        let err = apps::submit(&w.t.db, &a, late, None).await.unwrap_err();
        assert!(err.to_string().contains("已经截止"), "{}: {err}", b.name());
        let err = apps::save_section(&w.t.db, &a, Section::Statement(None), late, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("已经截止"));
    }
}

#[tokio::test]
async fn other_materials_stop_at_five_and_single_slots_are_replaced() {
    for b in app_backends() {
        let w = world(&b).await;
        let a = opened(&w).await;
        for i in 0..6u8 {
            let stored = w.objects.put("test", "jpg", vec![i]).await.unwrap();
            let a = apps::get(&w.t.db, a.id).await.unwrap();
            let r = apps::attach_file(
                &w.t.db,
                &a,
                NewFile {
                    slot: FileSlot::Other,
                    stored,
                    original_name: "x.jpg",
                    content_type: "image/jpeg",
                    dimensions: None,
                    course_code: None,
                },
                now(),
                None,
            )
            .await;
            if i < 5 {
                r.unwrap();
            } else {
                let e = r.unwrap_err().to_string();
                assert!(e.contains("最多上传 5 张，已有 5 张"), "{}: {e}", b.name());
            }
        }
        for _ in 0..2 {
            let stored = w.objects.put("test", "jpg", vec![1]).await.unwrap();
            let a = apps::get(&w.t.db, a.id).await.unwrap();
            apps::attach_file(
                &w.t.db,
                &a,
                NewFile {
                    slot: FileSlot::IdFront,
                    stored,
                    original_name: "id.jpg",
                    content_type: "image/jpeg",
                    dimensions: None,
                    course_code: None,
                },
                now(),
                None,
            )
            .await
            .unwrap();
        }
        let files = apps::files(&w.t.db, a.id).await.unwrap();
        assert_eq!(files.iter().filter(|f| f.slot == "id_front").count(), 1);
        assert_eq!(files.iter().filter(|f| f.slot == "other").count(), 5);
    }
}

//! The fee when an appeal's 撤销 reopens a graduation application rejected after payment, on
//! SQLite, PostgreSQL and MariaDB: a refund still queued is called off and the fee pays for the
//! application again (queued anew if it is rejected again); a refund already paid out, or
//! already handed to the gateway, leaves the application at the payment stage, and once paid
//! again it returns to the stage and organisation that rejected, past the stages it had passed;
//! the refund job and a revocation at once leave one of those two outcomes, never both.

use chrono::{DateTime, Utc};
use domain::appeal::AppealStatus;
use domain::payment::Notice;
use domain::review::{EventAction, ReviewerRule, Stage, StageKind, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use store::demo::accounts;
use store::entity::{graduation_application as app, inbox_message, refund};
use store::graduation::application::{self as apps, Decision};
use store::payment::{self, REFUND_CANCELLED, REFUND_DONE, REFUND_EXECUTING, REFUND_QUEUED};
use store::testkit::contract_backends;

use super::graduation::{appealed, audits, close_batch, decider, office_revokes};
use crate::deadlines::{World, bj, world};

const FEE: i64 = 6000;

/// 初审 at the university, the fee, 复核 at the university, 终审 at the office: a rejection at
/// 终审 comes after the payment and after a stage the payment leads to.
fn pipeline() -> Vec<Stage> {
    vec![
        Stage::review("主考学校初审", ReviewerRule::ChiefUniversity),
        Stage {
            name: "网上交费".into(),
            kind: StageKind::Payment { amount_fen: FEE },
            limit_working_days: None,
        },
        Stage::review("主考学校复核", ReviewerRule::ChiefUniversity),
        Stage {
            limit_working_days: Some(10),
            ..Stage::review("市自考办终审", ReviewerRule::Office)
        },
    ]
}

/// Pays the application's fee (its pending order, or a new one) with transaction `txn` at `at`.
async fn pay(w: &World, a: &app::Model, txn: &str, at: DateTime<Utc>) -> app::Model {
    let order = payment::create_order(&w.t.db, a, at, None).await.unwrap();
    let notice = Notice {
        order_no: order.order_no.clone(),
        gateway_txn_no: txn.to_owned(),
        amount_fen: FEE,
        paid_at: at,
        timestamp: at.timestamp(),
        nonce: format!("n-{txn}"),
    };
    match payment::settle(&w.t.db, &notice, at).await.unwrap() {
        payment::Settlement::Settled { application, .. } => *application,
        other => panic!("not settled: {other:?}"),
    }
}

async fn decide(w: &World, a: &app::Model, stage: usize, d: Decision, at: &str) -> app::Model {
    let (org, staff) = if stage == 3 {
        (&w.office, w.staff_office)
    } else {
        (&w.university, w.staff_university)
    };
    apps::decide(&w.t.db, org, staff, a.id, stage, d, bj(at), None)
        .await
        .unwrap()
}

/// Submitted, passed 初审, paid, passed 复核, rejected at 终审 and closed with the batch.
async fn rejected_after_payment(w: &World) -> app::Model {
    apps::set_stages(&w.t.db, w.application.batch_id, &pipeline())
        .await
        .unwrap();
    let a = apps::submit(&w.t.db, &w.application, bj("2024-09-30 10:00"), None)
        .await
        .unwrap();
    let a = decide(w, &a, 0, Decision::Approve, "2024-10-08 10:00").await;
    assert_eq!(a.status, Status::AwaitingPayment.code());
    let a = pay(w, &a, "T-FIRST", bj("2024-10-09 10:00")).await;
    let a = decide(w, &a, 2, Decision::Approve, "2024-10-10 10:00").await;
    decide(
        w,
        &a,
        3,
        Decision::Reject("身份证反面图片不清晰".into()),
        "2024-10-21 10:00",
    )
    .await;
    close_batch(w).await;
    let a = apps::get(&w.t.db, a.id).await.unwrap();
    assert_eq!(a.status, Status::Closed.code());
    a
}

async fn refunds(w: &World, a: &app::Model) -> Vec<refund::Model> {
    payment::refunds_of(&w.t.db, a.id).await.unwrap()
}

/// Files the appeal and has the office revoke the rejection at `at`.
async fn revoke(w: &World, a: &app::Model, at: &str) -> store::entity::appeal::Model {
    let filed = appealed(w, a).await;
    office_revokes(w, filed.id, bj(at)).await
}

async fn last_candidate_message(w: &World) -> String {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq("candidate"))
        .filter(inbox_message::Column::RecipientId.eq(w.application.candidate_id))
        .order_by_desc(inbox_message::Column::Id)
        .one(&w.t.db)
        .await
        .unwrap()
        .unwrap()
        .body
}

async fn actions(w: &World, a: &app::Model) -> Vec<String> {
    apps::events(&w.t.db, a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

/// Runs the refund job's two steps for every refund due at `at`.
async fn execute_refunds(w: &World, at: DateTime<Utc>) -> usize {
    let mut done = 0;
    for due in payment::due_refunds(&w.t.db, at).await.unwrap() {
        if payment::claim_refund(&w.t.db, &due.refund.refund_no)
            .await
            .unwrap()
            && payment::mark_refund_done(&w.t.db, &due.refund.refund_no, "GW-R1", at)
                .await
                .unwrap()
        {
            done += 1;
        }
    }
    done
}

#[tokio::test]
async fn a_queued_refund_is_called_off_and_queued_again_after_a_second_rejection() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = rejected_after_payment(&w).await;
        let queued = refunds(&w, &a).await;
        assert_eq!(queued.len(), 1, "{name}");
        assert_eq!(queued[0].status, REFUND_QUEUED, "{name}");

        revoke(&w, &a, "2024-11-05 09:00").await;
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(
            (r.status.as_str(), r.stage, r.current_org_id),
            (Status::InReview.code(), Some(3), Some(w.office.id)),
            "{name}"
        );
        let called_off = refunds(&w, &a).await;
        assert_eq!(called_off[0].status, REFUND_CANCELLED, "{name}");
        assert!(
            actions(&w, &a)
                .await
                .contains(&EventAction::RefundCancelled.code().to_owned()),
            "{name}"
        );
        assert_eq!(
            audits(&w, "refund.cancelled", called_off[0].id).await,
            1,
            "{name}"
        );
        let told = last_candidate_message(&w).await;
        assert!(told.contains("60.00 元不再退回"), "{name}: {told}");
        // Nothing goes back while the fee pays for the application.
        assert_eq!(
            execute_refunds(&w, bj("2024-11-06 09:00")).await,
            0,
            "{name}"
        );

        // Rejected again at the stage, the same refund is due again, once.
        decide(
            &w,
            &r,
            3,
            Decision::Reject("学历证明与身份证姓名不一致".into()),
            "2024-11-07 10:00",
        )
        .await;
        let again = refunds(&w, &a).await;
        assert_eq!(again.len(), 1, "{name}");
        assert_eq!(again[0].status, REFUND_QUEUED, "{name}");
        assert!(again[0].reason.contains("姓名不一致"), "{name}");
        apps::close_expired(&w.t.db, bj("2024-11-07 11:00"))
            .await
            .unwrap();
        assert_eq!(
            execute_refunds(&w, bj("2024-11-07 12:00")).await,
            1,
            "{name}"
        );
        assert_eq!(refunds(&w, &a).await[0].status, REFUND_DONE, "{name}");
    }
}

#[tokio::test]
async fn a_refund_paid_out_leaves_the_fee_to_pay_again_and_the_payment_leads_back_to_the_stage_that_rejected()
 {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = rejected_after_payment(&w).await;
        assert_eq!(
            execute_refunds(&w, bj("2024-11-01 01:00")).await,
            1,
            "{name}"
        );

        revoke(&w, &a, "2024-11-05 09:00").await;
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(
            (r.status.as_str(), r.stage, r.current_org_id, r.due_at),
            (Status::AwaitingPayment.code(), Some(1), None, None),
            "{name}"
        );
        assert_eq!(refunds(&w, &a).await[0].status, REFUND_DONE, "{name}");
        let told = last_candidate_message(&w).await;
        assert!(
            told.contains("60.00 元已退回原交费账号，请在“网上交费”环节重新交费"),
            "{name}: {told}"
        );
        assert!(told.contains("回到“市自考办终审”环节"), "{name}: {told}");
        // Still waiting for the fee, the close job leaves it open.
        apps::close_expired(&w.t.db, bj("2024-11-05 10:00"))
            .await
            .unwrap();
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(r.status, Status::AwaitingPayment.code(), "{name}");

        // Paid after the batch: back at 终审 with the office, due as on an arrival, not at 复核.
        let paid_at = bj("2024-11-06 10:00");
        let r = pay(&w, &r, "T-AGAIN", paid_at).await;
        assert_eq!(
            (r.status.as_str(), r.stage, r.current_org_id),
            (Status::InReview.code(), Some(3), Some(w.office.id)),
            "{name}"
        );
        assert_eq!(r.stage_arrived_at, Some(paid_at), "{name}");
        let cal = store::repo::calendar::load(&w.t.db).await.unwrap();
        assert_eq!(
            r.due_at,
            Some(domain::review::deadline::due_at(&cal, paid_at, 10)),
            "{name}"
        );
        let approved = decide(&w, &r, 3, Decision::Approve, "2024-11-07 10:00").await;
        assert_eq!(approved.status, Status::Approved.code(), "{name}");
    }
}

#[tokio::test]
async fn the_refund_job_and_a_revocation_at_once_leave_one_outcome() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = rejected_after_payment(&w).await;
        let refund_no = refunds(&w, &a).await[0].refund_no.clone();
        let filed = appealed(&w, &a).await;
        let office = decider(&w, accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        let at = bj("2024-11-05 09:00");
        let (claimed, decided) = tokio::join!(
            payment::claim_refund(&w.t.db, &refund_no),
            office.decide(
                &w.t.db,
                filed.id,
                AppealStatus::Revoked,
                "撤销驳回",
                None,
                at
            ),
        );
        let claimed = claimed.unwrap();
        decided.unwrap();
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        let status = refunds(&w, &a).await[0].status.clone();
        if claimed {
            // Handed to the gateway first: it goes back, and the fee is asked for again.
            assert_eq!(status, REFUND_EXECUTING, "{name}");
            assert_eq!(r.status, Status::AwaitingPayment.code(), "{name}");
            assert!(
                payment::mark_refund_done(&w.t.db, &refund_no, "GW-R1", bj("2024-11-05 09:01"))
                    .await
                    .unwrap(),
                "{name}"
            );
        } else {
            // Called off first: the job skips it and the fee stays.
            assert_eq!(status, REFUND_CANCELLED, "{name}");
            assert_eq!(r.status, Status::InReview.code(), "{name}");
            assert_eq!(
                execute_refunds(&w, bj("2024-11-05 09:01")).await,
                0,
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn a_refund_handed_to_the_gateway_is_not_called_off() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = rejected_after_payment(&w).await;
        let refund_no = refunds(&w, &a).await[0].refund_no.clone();
        assert!(
            payment::claim_refund(&w.t.db, &refund_no).await.unwrap(),
            "{name}"
        );
        revoke(&w, &a, "2024-11-05 09:00").await;
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(r.status, Status::AwaitingPayment.code(), "{name}");
        assert_eq!(refunds(&w, &a).await[0].status, REFUND_EXECUTING, "{name}");
        // The job's next run finishes it: the gateway's answer is recorded once.
        assert_eq!(
            execute_refunds(&w, bj("2024-11-05 10:00")).await,
            1,
            "{name}"
        );
        assert_eq!(
            execute_refunds(&w, bj("2024-11-05 11:00")).await,
            0,
            "{name}"
        );
    }
}

//! 陈述申辩 of a graduation application's final rejection on SQLite, PostgreSQL and MariaDB: an
//! application rejected and still rejected when its batch closed may be appealed within the
//! batch's period counted from the close (accepted at its last second, refused one second later
//! with the deadline named); one closed without a rejection may not; 维持 keeps it closed; 撤销
//! reopens it at the stage and organisation that rejected, due as on an arrival, and that
//! organisation decides it again; two deciders at once leave one outcome.

use chrono::{DateTime, Utc};
use domain::appeal::{AppealKind, AppealStatus};
use domain::review::{EventAction, Status};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use store::appeal::{self, Target};
use store::demo::accounts;
use store::entity::{audit as audit_row, batch, graduation_application as app, inbox_message};
use store::graduation::application::{self as apps, Decision};
use store::repo::RepoError;
use store::testkit::contract_backends;

use super::{Staff, staff_in};
use crate::deadlines::{World, bj, world};

const STATEMENT: &str =
    "驳回所称身份证反面图片不清晰，我已在驳回当日重新上传清晰图片，但系统未及时提交，请求复核。";

/// The batch's period, other than the default, so that it is the batch's that is counted.
const DAYS: i32 = 10;

/// When the batch closes, and when the close job runs (the decision becomes final then).
pub(super) fn closed_at() -> DateTime<Utc> {
    bj("2024-11-01 00:05")
}

/// Closes the world's batch at 2024-11-01 00:00 Beijing time with a period of [`DAYS`] and runs
/// the close job five minutes later.
pub(super) async fn close_batch(w: &World) {
    let b = batch::Entity::find_by_id(w.application.batch_id)
        .one(&w.t.db)
        .await
        .unwrap()
        .unwrap();
    let mut m = b.into_active_model();
    m.closes_at = Set(bj("2024-11-01 00:00"));
    m.appeal_days = Set(DAYS);
    m.update(&w.t.db).await.unwrap();
    apps::close_expired(&w.t.db, closed_at()).await.unwrap();
}

/// Submitted, approved by the university, rejected by the office (stage 1), and closed with
/// the batch while it stood rejected.
async fn finally_rejected(w: &World) -> app::Model {
    let db = &w.t.db;
    let a = apps::submit(db, &w.application, bj("2024-09-30 10:00"), None)
        .await
        .unwrap();
    let a = apps::decide(
        db,
        &w.university,
        w.staff_university,
        a.id,
        0,
        Decision::Approve,
        bj("2024-10-08 10:00"),
        None,
    )
    .await
    .unwrap();
    apps::decide(
        db,
        &w.office,
        w.staff_office,
        a.id,
        1,
        Decision::Reject("身份证反面图片不清晰".into()),
        bj("2024-10-21 10:00"),
        None,
    )
    .await
    .unwrap();
    close_batch(w).await;
    let a = apps::get(db, a.id).await.unwrap();
    assert_eq!(a.status, Status::Closed.code());
    a
}

async fn target(w: &World, a: &app::Model) -> Option<Target> {
    let a = apps::get(&w.t.db, a.id).await.unwrap();
    appeal::graduation_target(&w.t.db, &a).await.unwrap()
}

async fn file_at(
    w: &World,
    t: &Target,
    at: DateTime<Utc>,
) -> Result<store::entity::appeal::Model, RepoError> {
    appeal::file(
        &w.t.db,
        t.appellant_id,
        t,
        STATEMENT,
        &[],
        at,
        Some("203.0.113.9"),
    )
    .await
}

/// The final rejection, appealed on 2024-11-04 at 20:00.
pub(super) async fn appealed(w: &World, a: &app::Model) -> store::entity::appeal::Model {
    let t = target(w, a).await.expect("a final rejection to appeal");
    file_at(w, &t, bj("2024-11-04 20:00")).await.unwrap()
}

pub(super) async fn decider(w: &World, username: &str) -> Staff {
    staff_in(&w.t.db, username).await
}

/// The office's reviewer revokes the rejection on appeal `id` at `at`.
pub(super) async fn office_revokes(
    w: &World,
    id: i64,
    at: DateTime<Utc>,
) -> store::entity::appeal::Model {
    decider(w, accounts::STAFF_CQ_OFFICE_REVIEWER)
        .await
        .decide(
            &w.t.db,
            id,
            AppealStatus::Revoked,
            "重新上传的身份证图片清晰，撤销驳回",
            None,
            at,
        )
        .await
        .unwrap()
}

pub(super) async fn candidate_titles(w: &World) -> Vec<String> {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq("candidate"))
        .filter(inbox_message::Column::RecipientId.eq(w.application.candidate_id))
        .all(&w.t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect()
}

pub(super) async fn audits(w: &World, action: &str, subject_id: i64) -> u64 {
    audit_row::Entity::find()
        .filter(audit_row::Column::Action.eq(action))
        .filter(audit_row::Column::SubjectId.eq(subject_id))
        .count(&w.t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_final_rejection_may_be_appealed_until_the_last_second_of_the_period_from_the_close() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = finally_rejected(&w).await;
        let t = target(&w, &a).await.expect("a final rejection to appeal");
        // The decision is the office's rejection at stage 1, final at the close.
        assert_eq!(t.kind, AppealKind::Graduation, "{name}");
        assert_eq!(
            (t.stage, t.stage_name.as_str()),
            (1, "市自考办审核"),
            "{name}"
        );
        assert_eq!(t.org_id().unwrap(), w.office.id, "{name}");
        assert_eq!(t.decided_at, closed_at(), "{name}");
        assert_eq!(t.note.as_deref(), Some("身份证反面图片不清晰"), "{name}");
        assert_eq!(t.appellant_id, a.candidate_id, "{name}");
        // Closed on 11-01 (Beijing) with 10 days: 11-02 to 11-11, until 23:59:59.
        let last = bj("2024-11-11 23:59") + chrono::Duration::seconds(59);
        assert_eq!(t.period().last_instant(), last, "{name}");

        let late = file_at(&w, &t, last + chrono::Duration::seconds(1)).await;
        match late {
            Err(RepoError::Invalid(m)) => {
                assert!(m.contains("决定作出之日起10日"), "{name}: {m}");
                assert!(m.contains("2024-11-11 23:59:59（北京时间）"), "{name}: {m}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(
            appeal::of_subject(&w.t.db, AppealKind::Graduation, a.id)
                .await
                .unwrap()
                .is_empty(),
            "{name}: a late filing leaves nothing"
        );

        let filed = file_at(&w, &t, last).await.unwrap();
        assert_eq!(filed.appellant_kind, appeal::CANDIDATE, "{name}");
        assert_eq!(filed.org_id, w.office.id, "{name}");
        assert_eq!(filed.stage, Some(1), "{name}");
        assert_eq!(filed.status, AppealStatus::Pending.code(), "{name}");
        assert_eq!(audits(&w, "appeal.filed", filed.id).await, 1, "{name}");
        assert!(
            candidate_titles(&w)
                .await
                .iter()
                .any(|t| t == "申辩已提交：毕业申请“本次不予办理”"),
            "{name}"
        );
        // The office's reviewers are told, with the link to the appeal.
        let notices = inbox_message::Entity::find()
            .filter(inbox_message::Column::RecipientKind.eq("staff"))
            .filter(inbox_message::Column::RecipientId.eq(w.staff_office))
            .filter(inbox_message::Column::Link.eq(format!("/staff/appeals/{}", filed.id)))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(notices, 1, "{name}");
        // The school's list holds it, and a second filing is refused.
        assert_eq!(
            appeal::count(&w.t.db, w.office.id, Some(AppealStatus::Pending))
                .await
                .unwrap(),
            1,
            "{name}"
        );
        assert!(
            matches!(file_at(&w, &t, last).await, Err(RepoError::Conflict(m)) if m.contains("只能申辩一次")),
            "{name}"
        );

        // 维持: the application stays closed, the candidate is told why.
        let office = decider(&w, accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        let upheld = office
            .decide(
                &w.t.db,
                filed.id,
                AppealStatus::Upheld,
                "驳回时身份证反面图片确实无法辨认，驳回理由成立",
                Some(filed.version),
                bj("2024-11-12 09:00"),
            )
            .await
            .unwrap();
        assert_eq!(upheld.status, AppealStatus::Upheld.code(), "{name}");
        let after = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(
            (after.status.as_str(), after.current_org_id),
            (Status::Closed.code(), None),
            "{name}"
        );
        assert_eq!(audits(&w, "appeal.upheld", filed.id).await, 1, "{name}");
        assert!(
            candidate_titles(&w)
                .await
                .iter()
                .any(|t| t == "申辩处理结果：维持原决定"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_application_closed_without_a_rejection_has_nothing_to_appeal() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        // Never submitted: closed as a draft.
        close_batch(&w).await;
        let a = apps::get(&w.t.db, w.application.id).await.unwrap();
        assert_eq!(a.status, Status::Closed.code(), "{name}");
        assert!(target(&w, &a).await.is_none(), "{name}");
        // Nor may a decision be made up for it: filing needs the decision standing.
        let forged = Target {
            kind: AppealKind::Graduation,
            subject_id: a.id,
            appellant_kind: appeal::CANDIDATE,
            appellant_id: a.candidate_id,
            deciding_org: Some(w.office.id),
            batch: apps::batch(&w.t.db, a.batch_id).await.unwrap(),
            stage: 1,
            stage_name: "市自考办审核".into(),
            decision: "rejected",
            note: None,
            decided_at: closed_at(),
        };
        match file_at(&w, &forged, bj("2024-11-02 09:00")).await {
            Err(RepoError::Conflict(m)) => assert!(m.contains("原决定已经变化"), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn revoking_reopens_the_application_at_the_stage_and_organisation_that_rejected() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = finally_rejected(&w).await;
        let filed = appealed(&w, &a).await;
        // Another organisation does not decide it.
        let university = decider(&w, accounts::STAFF_CQ_UNIVERSITY).await;
        let revoked_at = bj("2024-11-05 09:00");
        let refused = university
            .decide(
                &w.t.db,
                filed.id,
                AppealStatus::Revoked,
                "理由",
                None,
                revoked_at,
            )
            .await;
        assert!(matches!(refused, Err(RepoError::NotFound)), "{name}");
        office_revokes(&w, filed.id, revoked_at).await;
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(r.status, Status::InReview.code(), "{name}");
        assert_eq!(r.stage, Some(1), "{name}");
        assert_eq!(r.current_org_id, Some(w.office.id), "{name}");
        assert_eq!(r.rejection_reason, None, "{name}");
        assert_eq!(r.stage_arrived_at, Some(revoked_at), "{name}");
        // The stage's ten working days, counted as on any arrival.
        let cal = store::repo::calendar::load(&w.t.db).await.unwrap();
        assert_eq!(
            r.due_at,
            Some(domain::review::deadline::due_at(&cal, revoked_at, 10)),
            "{name}"
        );
        let events = apps::events(&w.t.db, a.id).await.unwrap();
        let last = events.last().unwrap();
        assert_eq!(
            (last.action.as_str(), last.stage, last.org_id),
            (
                EventAction::AppealRevoked.code(),
                Some(1),
                Some(w.office.id)
            ),
            "{name}"
        );
        assert_eq!(audits(&w, "appeal.revoked", filed.id).await, 1, "{name}");
        assert_eq!(
            audits(&w, "graduation_application.reopened", a.id).await,
            1,
            "{name}"
        );
        assert!(
            candidate_titles(&w)
                .await
                .iter()
                .any(|t| t == "申辩处理结果：撤销原决定"),
            "{name}"
        );
        // No longer a final rejection, and the close job leaves it in review.
        assert!(target(&w, &r).await.is_none(), "{name}");
        apps::close_expired(&w.t.db, bj("2024-11-05 10:00"))
            .await
            .unwrap();
        let r = apps::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(r.status, Status::InReview.code(), "{name}");

        // The office decides it again, though the batch has closed.
        let approved = apps::decide(
            &w.t.db,
            &w.office,
            w.staff_office,
            a.id,
            1,
            Decision::Approve,
            bj("2024-11-06 10:00"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(approved.status, Status::Approved.code(), "{name}");
        assert_eq!(
            (approved.due_at, approved.current_org_id),
            (None, None),
            "{name}"
        );
    }
}

#[tokio::test]
async fn two_deciders_at_once_leave_one_outcome() {
    for b in contract_backends() {
        let name = b.name();
        let w = world(&b).await;
        let a = finally_rejected(&w).await;
        let filed = appealed(&w, &a).await;
        let reviewer = decider(&w, accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        let admin = decider(&w, accounts::STAFF_CQ_OFFICE_ADMIN).await;
        let at = bj("2024-11-05 09:00");
        let v = Some(filed.version);
        let (x, y) = tokio::join!(
            reviewer.decide(&w.t.db, filed.id, AppealStatus::Revoked, "撤销驳回", v, at),
            admin.decide(&w.t.db, filed.id, AppealStatus::Upheld, "维持驳回", v, at),
        );
        let oks = [&x, &y].iter().filter(|r| r.is_ok()).count();
        assert_eq!(oks, 1, "{name}: {x:?} {y:?}");
        for r in [&x, &y] {
            if let Err(e) = r {
                assert!(matches!(e, RepoError::Conflict(_)), "{name}: {e:?}");
            }
        }
        let stored = appeal::get(&w.t.db, filed.id).await.unwrap();
        let app_now = apps::get(&w.t.db, a.id).await.unwrap();
        let revoked = stored.status == AppealStatus::Revoked.code();
        assert_eq!(
            app_now.status,
            if revoked {
                Status::InReview.code()
            } else {
                Status::Closed.code()
            },
            "{name}"
        );
        let reopened = apps::events(&w.t.db, a.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == EventAction::AppealRevoked.code())
            .count();
        assert_eq!(reopened, usize::from(revoked), "{name}");
        let outcome_audits = audits(&w, "appeal.revoked", filed.id).await
            + audits(&w, "appeal.upheld", filed.id).await;
        assert_eq!(outcome_audits, 1, "{name}");
    }
}

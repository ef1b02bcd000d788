//! What an appeal's outcome tells the deciding organisation, and what a pending appeal holds, on
//! SQLite, PostgreSQL and MariaDB: the colleagues who were told of the filing (the reviewers of
//! the stage and the admins) are told the outcome with the application, the outcome and its
//! reason, the one who decided is not, and a refused decision tells nobody; while an appeal waits,
//! the 学位授予结果 is not recorded over it nor the 学位外语 application reviewed again, nothing
//! changes, and the appeal may still be revoked.

use domain::appeal::{AppealKind, AppealStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::appeal;
use store::degree::application as degree;
use store::degree::language;
use store::demo::accounts;
use store::entity::inbox_message;
use store::repo::RepoError;
use store::testkit::contract_backends;

use super::{
    appealed_refusal, appealed_unqualified, audit_count, award, inbox_titles, qualify, staff, world,
};
use crate::common::now;

/// Every staff message whose title starts with `prefix`, as (recipient, title, body, link).
async fn staff_messages(
    db: &store::Db,
    prefix: &str,
) -> Vec<(i64, String, String, Option<String>)> {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq("staff"))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.title.starts_with(prefix))
        .map(|m| (m.recipient_id, m.title, m.body, m.link))
        .collect()
}

#[tokio::test]
async fn the_colleagues_told_of_a_filing_are_told_its_outcome_but_not_the_one_who_decided() {
    for b in contract_backends() {
        let w = world(&b).await;
        let db = &w.t.db;
        let (s, a, filed) = appealed_refusal(&w).await;
        let school = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        let told_of_filing = appeal::deciders(db, filed.org_id, &filed.stage_name)
            .await
            .unwrap();
        let colleagues: Vec<i64> = told_of_filing
            .iter()
            .copied()
            .filter(|id| *id != school.id)
            .collect();
        assert!(
            told_of_filing.contains(&school.id) && !colleagues.is_empty(),
            "{}: the demo school has a reviewer and an admin",
            b.name()
        );

        // A refused decision tells nobody.
        let err = school
            .decide(db, filed.id, AppealStatus::Revoked, "", None, now())
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::Invalid(_)), "{err:?}");
        assert!(staff_messages(db, "申辩已处理").await.is_empty());

        let reason = "答辩记录核实无误，原决定依据不足";
        school
            .decide(
                db,
                filed.id,
                AppealStatus::Revoked,
                reason,
                Some(filed.version),
                now(),
            )
            .await
            .unwrap();
        let told = staff_messages(db, "申辩已处理").await;
        let mut recipients: Vec<i64> = told.iter().map(|m| m.0).collect();
        recipients.sort_unstable();
        assert_eq!(
            recipients,
            colleagues,
            "{}: one each, and only them",
            b.name()
        );
        for (_, title, body, link) in &told {
            assert_eq!(title, "申辩已处理（撤销原决定）：学位授予结果“不授予”");
            for needle in [
                format!("学号为 {} 的学生", s.student_no),
                format!("申请编号 {}", a.id),
                format!("申辩编号 {}", filed.id),
                "结果为撤销原决定".to_owned(),
                format!("理由：{reason}。"),
                "需重新登记学位授予结果".to_owned(),
            ] {
                assert!(body.contains(&needle), "{needle} in {body}");
            }
            assert!(!body.contains(&s.name), "numbers only: {body}");
            assert_eq!(
                link.as_deref(),
                Some(format!("/staff/degree/{}", a.id).as_str())
            );
        }
        // Staff of another organisation hear nothing.
        let elsewhere = staff(&w, accounts::STAFF_CQ_UNIVERSITY).await;
        assert!(!recipients.contains(&elsewhere.id));
        // A second decision is refused and tells nobody again.
        let err = school
            .decide(db, filed.id, AppealStatus::Upheld, "维持", None, now())
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
        assert_eq!(
            staff_messages(db, "申辩已处理").await.len(),
            colleagues.len()
        );
    }
}

#[tokio::test]
async fn an_upheld_language_appeal_is_told_with_the_staff_page_of_the_application() {
    for b in contract_backends() {
        let w = world(&b).await;
        let db = &w.t.db;
        let (_, a, t, filed) = appealed_unqualified(&w).await;
        // Decided by the admin this time: the reviewer is the one told.
        let admin = staff(&w, accounts::STAFF_CE_SCHOOL_ADMIN).await;
        let reviewer = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        admin
            .decide(
                db,
                filed.id,
                AppealStatus::Upheld,
                "成绩单编号经核验不存在。",
                None,
                t.decided_at,
            )
            .await
            .unwrap();
        let told = staff_messages(db, "申辩已处理").await;
        assert!(told.iter().all(|m| m.0 != admin.id), "{}", b.name());
        let to_reviewer: Vec<_> = told.iter().filter(|m| m.0 == reviewer.id).collect();
        assert_eq!(to_reviewer.len(), 1, "{}: {told:?}", b.name());
        let (_, title, body, link) = to_reviewer[0];
        assert_eq!(title, "申辩已处理（维持原决定）：学位外语成绩认定“不合格”");
        assert!(
            body.ends_with("理由：成绩单编号经核验不存在。原决定继续有效，无需再处理。"),
            "{body}"
        );
        assert_eq!(
            link.as_deref(),
            Some(format!("/staff/language/{}", a.id).as_str())
        );
    }
}

#[tokio::test]
async fn a_pending_appeal_keeps_the_award_from_being_recorded_over_it() {
    for b in contract_backends() {
        let w = world(&b).await;
        let db = &w.t.db;
        let (s, a, filed) = appealed_refusal(&w).await;
        let school = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        let inbox_before = inbox_titles(&w, "student", s.id).await.len();

        let err = award(&w, &school, &a).await.unwrap_err();
        match &err {
            RepoError::Conflict(m) => {
                assert!(
                    m.starts_with("该决定的申辩尚待处理，处理完成前不能更改学位授予结果"),
                    "{}: {m}",
                    b.name()
                );
                assert!(m.contains(&format!("申辩编号 {}", filed.id)), "{m}");
                assert!(m.contains("本次未做任何更改"), "{m}");
            }
            other => panic!("{}: {other:?}", b.name()),
        }
        // Nothing changed: the result, its time, the version, no audit row, no message.
        let still = degree::get(db, a.id).await.unwrap();
        assert_eq!(still.award.as_deref(), Some("not_awarded"), "{}", b.name());
        assert_eq!(still.award_recorded_at, a.award_recorded_at);
        assert_eq!(still.version, a.version);
        assert_eq!(audit_count(&w, "degree_application.awarded", a.id).await, 0);
        assert_eq!(inbox_titles(&w, "student", s.id).await.len(), inbox_before);

        // The appeal can still be revoked, and the result is recorded afterwards.
        school
            .decide(
                db,
                filed.id,
                AppealStatus::Revoked,
                "原决定依据不足",
                None,
                now(),
            )
            .await
            .unwrap();
        let n = award(&w, &school, &a).await.unwrap();
        assert_eq!(n, 1, "{}", b.name());
    }
}

#[tokio::test]
async fn a_pending_appeal_keeps_the_language_review_from_being_taken_again() {
    for b in contract_backends() {
        let w = world(&b).await;
        let db = &w.t.db;
        let (s, a, t, filed) = appealed_unqualified(&w).await;
        let decided = t.decided_at;
        let school = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        let err = qualify(&w, &school, a.id, decided).await.unwrap_err();
        assert!(
            matches!(&err, RepoError::Conflict(m)
                if m.starts_with("该决定的申辩尚待处理，处理完成前不能更改学位外语审核结果")),
            "{}: {err:?}",
            b.name()
        );
        let still = language::get_for_student(db, s.id, a.id).await.unwrap();
        assert_eq!(still.version, a.version, "{}", b.name());
        assert_eq!(still.qualification.as_deref(), Some("unqualified"));

        school
            .decide(
                db,
                filed.id,
                AppealStatus::Revoked,
                "经核验成绩单真实有效",
                None,
                decided,
            )
            .await
            .unwrap();
        let pending = appeal::pending_against(db, AppealKind::Language, a.id)
            .await
            .unwrap();
        assert!(pending.is_none());
    }
}

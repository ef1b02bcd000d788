//! 陈述申辩 / 复核 on SQLite, PostgreSQL and MariaDB: a 不授予 and a 学位外语 不合格 appealed within
//! the batch's period (accepted at its last second, refused one second later, naming it); the
//! statement required and bounded; one appeal per decision; only the deciding school's reviewers
//! of the deciding stage decide; two deciding at once leave one outcome; 撤销 reopens the
//! application at the stage that decided, and it can be decided again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::appeal::{AppealKind, AppealStatus, STATEMENT_MAX};
use domain::degree::DegreeAward;
use domain::degree::files::DegreeSlot;
use domain::degree::form::{DegreeFormInput, DegreeKinds};
use domain::degree::language::{LanguageInput, Qualification, validate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::appeal::{self, NewEvidence, Reviewer, Target};
use store::degree::application::{self as degree, NewDegreeFile, SaveForm};
use store::degree::language::{self as language, NewProof};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{appeal as appeal_row, audit as audit_row, batch, inbox_message, student};
use store::graduation::application::Decision;
use store::objects::Objects;
use store::repo::RepoError;
use store::testkit::{Backend, TestDb, contract_backends};

struct World {
    t: TestDb,
    objects: Objects,
    _dir: tempfile::TempDir,
}

async fn world(b: &Backend) -> World {
    let t = TestDb::create(b)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
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
    let dir = tempfile::tempdir().unwrap();
    World {
        objects: Objects::local(dir.path()).unwrap(),
        t,
        _dir: dir,
    }
}

async fn stu(w: &World, no: &str) -> student::Model {
    store::repo::student::by_student_no(&w.t.db, no)
        .await
        .unwrap()
        .unwrap()
}

/// A member of staff with their roles.
struct Staff {
    id: i64,
    org_id: i64,
    roles: domain::Roles,
}

impl Staff {
    fn reviewer(&self) -> Reviewer<'_> {
        Reviewer {
            org_id: self.org_id,
            staff_id: self.id,
            roles: &self.roles,
        }
    }

    /// [`appeal::decide`] as this member of staff, without a request address.
    async fn decide(
        &self,
        db: &store::Db,
        id: i64,
        outcome: AppealStatus,
        reason: &str,
        version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<appeal_row::Model, RepoError> {
        appeal::decide(db, self.reviewer(), id, outcome, reason, version, at, None).await
    }
}

async fn staff(w: &World, username: &str) -> Staff {
    staff_in(&w.t.db, username).await
}

/// By database: the graduation appeals run in another world.
async fn staff_in(db: &store::Db, username: &str) -> Staff {
    let s = store::repo::staff::by_username(db, username)
        .await
        .unwrap()
        .unwrap();
    Staff {
        id: s.id,
        org_id: s.org_id,
        roles: store::repo::staff::roles_of(db, s.id).await.unwrap(),
    }
}

async fn degree_batch(w: &World) -> batch::Model {
    store::repo::reference::batches(&w.t.db, "degree")
        .await
        .unwrap()
        .remove(0)
}

/// A degree application of the student, submitted, approved and recorded 不授予 at `decided`.
async fn not_awarded(
    w: &World,
    s: &student::Model,
    decided: DateTime<Utc>,
) -> store::entity::degree_application::Model {
    let b = degree_batch(w).await;
    let input = DegreeFormInput {
        name: s.name.clone(),
        name_pinyin: domain::degree::pinyin::name_pinyin(&s.name),
        id_card_no: s.id_card_no.clone(),
        entry_month: "202203".into(),
        graduation_month: "202407".into(),
        country: "中国".into(),
        kinds: DegreeKinds::default(),
        joint_unit: String::new(),
        email: "student@example.com".into(),
        qq: "10001234".into(),
        wechat: "student_2024".into(),
        other: String::new(),
        thesis_title: "视觉传达设计中的地域文化表达".into(),
    };
    let form = SaveForm {
        input: &input,
        gender: &s.gender,
        birth_date: s.birth_date,
        ethnicity: &s.ethnicity,
        political_status: &s.political_status,
    };
    let a = degree::save(&w.t.db, s, &b, form, now(), None)
        .await
        .unwrap();
    for slot in [DegreeSlot::Thesis, DegreeSlot::Form] {
        let stored = w
            .objects
            .put("degree", "pdf", b"%PDF-1.7\n%%EOF".to_vec())
            .await
            .unwrap();
        let a = degree::get(&w.t.db, a.id).await.unwrap();
        degree::attach(
            &w.t.db,
            &a,
            &b,
            NewDegreeFile {
                slot,
                stored: &stored,
                content_type: "application/pdf",
                file_name: "x.pdf",
            },
            now(),
            None,
        )
        .await
        .unwrap();
    }
    let a = degree::get(&w.t.db, a.id).await.unwrap();
    let a = degree::submit(&w.t.db, &a, &b, None, now(), None)
        .await
        .unwrap();
    degree::review(&w.t.db, &a, 1, &Decision::Approve, now(), None)
        .await
        .unwrap();
    let n = degree::record_award(
        &w.t.db,
        b.id,
        &[a.id],
        DegreeAward::NotAwarded,
        1,
        decided,
        None,
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    degree::get(&w.t.db, a.id).await.unwrap()
}

async fn target_of(w: &World, a: &store::entity::degree_application::Model) -> Target {
    appeal::degree_target(&w.t.db, a).await.unwrap().unwrap()
}

/// The 不授予 of the student above the thresholds, appealed at once with [`STATEMENT`]:
/// (student, application, appeal).
async fn appealed_refusal(
    w: &World,
) -> (
    student::Model,
    store::entity::degree_application::Model,
    appeal_row::Model,
) {
    let s = stu(w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
    let a = not_awarded(w, &s, now()).await;
    let t = target_of(w, &a).await;
    let filed = appeal::file(&w.t.db, s.id, &t, STATEMENT, &[], now(), None)
        .await
        .unwrap();
    (s, a, filed)
}

/// Records 授予 of the application as `by`, now.
async fn award(
    w: &World,
    by: &Staff,
    a: &store::entity::degree_application::Model,
) -> Result<u64, RepoError> {
    degree::record_award(
        &w.t.db,
        a.batch_id,
        &[a.id],
        DegreeAward::Awarded,
        by.id,
        now(),
        None,
    )
    .await
}

async fn evidence(w: &World) -> Vec<NewEvidence> {
    let stored = w
        .objects
        .put("appeal/test", "pdf", b"%PDF-1.4\n%%EOF\n".to_vec())
        .await
        .unwrap();
    vec![NewEvidence {
        stored,
        original_name: "答辩记录.pdf".to_owned(),
        content_type: "application/pdf",
    }]
}

async fn inbox_titles(w: &World, kind: &str, id: i64) -> Vec<String> {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .all(&w.t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect()
}

async fn audit_count(w: &World, action: &str, subject_id: i64) -> u64 {
    audit_row::Entity::find()
        .filter(audit_row::Column::Action.eq(action))
        .filter(audit_row::Column::SubjectId.eq(subject_id))
        .count(&w.t.db)
        .await
        .unwrap()
}

const STATEMENT: &str = "论文答辩记录显示答辩已通过，不授予学位的依据与事实不符，请求复核。";

#[tokio::test]
async fn a_refusal_is_appealed_at_the_last_second_and_a_second_later_is_refused() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let a = not_awarded(&w, &s, now()).await;
        let t = target_of(&w, &a).await;
        assert_eq!(t.kind, AppealKind::DegreeAward);
        assert_eq!(t.period().days, 15, "{}: the default period", b.name());
        let last = t.period().last_instant();
        let late = last + Duration::seconds(1);

        // One second after the period: refused, naming the period and the deadline.
        let err = appeal::file(&w.t.db, s.id, &t, STATEMENT, &[], late, None)
            .await
            .unwrap_err();
        let m = err.to_string();
        assert!(matches!(err, RepoError::Invalid(_)), "{}: {m}", b.name());
        assert!(m.contains("已超过申辩期限"), "{m}");
        assert!(m.contains("决定作出之日起15日"), "{m}");
        assert!(m.contains(&t.period().deadline_label()), "{m}");

        // The statement: required, and bounded with the excess named. Nothing is written.
        let err = appeal::file(&w.t.db, s.id, &t, "  \n ", &[], last, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("请填写申辩陈述"), "{err}");
        let long = "申".repeat(STATEMENT_MAX + 3);
        let err = appeal::file(&w.t.db, s.id, &t, &long, &[], last, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "申辩陈述最多2000字，实际为2003字，多了3字",
            "{}",
            b.name()
        );
        // Another student cannot appeal it.
        let other = stu(&w, accounts::STUDENT_AT_THRESHOLD).await;
        assert!(matches!(
            appeal::file(&w.t.db, other.id, &t, STATEMENT, &[], last, None).await,
            Err(RepoError::NotFound)
        ));
        assert_eq!(
            appeal::of_subject(&w.t.db, t.kind, a.id)
                .await
                .unwrap()
                .len(),
            0
        );

        // At the last second of the period: accepted, with its file.
        let filed = appeal::file(
            &w.t.db,
            s.id,
            &t,
            STATEMENT,
            &evidence(&w).await,
            last,
            None,
        )
        .await
        .unwrap();
        assert_eq!(filed.status, AppealStatus::Pending.code(), "{}", b.name());
        assert_eq!(filed.org_id, t.batch.org_id.unwrap());
        assert_eq!(filed.closes_at, late);
        assert_eq!(appeal::files_of(&w.t.db, filed.id).await.unwrap().len(), 1);
        assert_eq!(audit_count(&w, "appeal.filed", filed.id).await, 1);
        assert!(
            inbox_titles(&w, "student", s.id)
                .await
                .contains(&"申辩已提交：学位授予结果“不授予”".to_owned()),
            "{}",
            b.name()
        );
        // The school's reviewer and its admin are told.
        for who in [
            accounts::STAFF_CE_SCHOOL_REVIEWER,
            accounts::STAFF_CE_SCHOOL_ADMIN,
        ] {
            let st = staff(&w, who).await;
            assert!(
                inbox_titles(&w, "staff", st.id)
                    .await
                    .iter()
                    .any(|t| t.starts_with("新的申辩待处理")),
                "{}: {who}",
                b.name()
            );
        }

        // One appeal per decision: a second filing says why.
        let err = appeal::file(&w.t.db, s.id, &t, STATEMENT, &[], last, None)
            .await
            .unwrap_err();
        assert!(matches!(err, RepoError::Conflict(_)), "{err:?}");
        let m = err.to_string();
        assert!(
            m.contains("已于") && m.contains("待处理") && m.contains("每项决定只能申辩一次"),
            "{m}"
        );
        assert_eq!(
            appeal::of_subject(&w.t.db, t.kind, a.id)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn the_period_is_the_batchs_own() {
    for b in contract_backends() {
        let w = world(&b).await;
        let batch = degree_batch(&w).await;
        assert_eq!(batch.appeal_days, 15, "{}: the default", b.name());
        let school = staff(&w, accounts::STAFF_CE_SCHOOL_ADMIN).await;
        let elsewhere = staff(&w, accounts::STAFF_CQ_UNIVERSITY).await;
        assert!(matches!(
            store::degree::batches::set_appeal_days(
                &w.t.db,
                elsewhere.org_id,
                batch.id,
                3,
                elsewhere.id,
                now()
            )
            .await,
            Err(RepoError::NotFound)
        ));
        let err = store::degree::batches::set_appeal_days(
            &w.t.db,
            school.org_id,
            batch.id,
            91,
            school.id,
            now(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("1至90"), "{err}");
        let set = store::degree::batches::set_appeal_days(
            &w.t.db,
            school.org_id,
            batch.id,
            3,
            school.id,
            now(),
        )
        .await
        .unwrap();
        assert_eq!(set.appeal_days, 3);
        assert_eq!(
            audit_count(&w, "batch.appeal_days_changed", batch.id).await,
            1
        );
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let decided = now();
        let a = not_awarded(&w, &s, decided).await;
        let t = target_of(&w, &a).await;
        assert_eq!(t.period().days, 3, "{}", b.name());
        let day = domain::calendar::beijing_date(decided) + chrono::Days::new(3);
        assert_eq!(
            t.period().deadline_label(),
            format!("{} 23:59:59（北京时间）", day.format("%Y-%m-%d"))
        );
        let err = appeal::file(
            &w.t.db,
            s.id,
            &t,
            STATEMENT,
            &[],
            t.period().closes_at(),
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("决定作出之日起3日"), "{err}");
    }
}

#[tokio::test]
async fn a_revoked_refusal_reopens_the_award_which_is_recorded_again() {
    for b in contract_backends() {
        let w = world(&b).await;
        let (s, a, filed) = appealed_refusal(&w).await;
        let school = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;

        // Staff of another organisation cannot decide it; nor a reviewer of another stage.
        let refused = async |by: &Staff| {
            by.decide(
                &w.t.db,
                filed.id,
                AppealStatus::Revoked,
                "理由",
                None,
                now(),
            )
            .await
            .unwrap_err()
        };
        let err = refused(&staff(&w, accounts::STAFF_CQ_UNIVERSITY).await).await;
        assert!(matches!(err, RepoError::NotFound), "{}: {err:?}", b.name());
        let other_stage = Staff {
            roles: domain::Roles::new([domain::Grant::reviewer_at("学院初审")]),
            ..staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await
        };
        let err = refused(&other_stage).await;
        assert!(matches!(err, RepoError::Forbidden(_)), "{err:?}");
        // A reason is required.
        let err = school
            .decide(&w.t.db, filed.id, AppealStatus::Revoked, " ", None, now())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("请填写处理理由"), "{err}");

        let decided = school
            .decide(
                &w.t.db,
                filed.id,
                AppealStatus::Revoked,
                "答辩记录核实无误，原决定依据不足。",
                Some(filed.version),
                now(),
            )
            .await
            .unwrap();
        assert_eq!(decided.status, AppealStatus::Revoked.code());
        assert_eq!(decided.decided_by, Some(school.id));
        // Back to 审核通过 with no result: the award stage decides again.
        let reopened = degree::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(reopened.award, None, "{}", b.name());
        assert_eq!(reopened.award_recorded_at, None);
        assert_eq!(reopened.review_status.as_deref(), Some("approved"));
        assert_eq!(audit_count(&w, "appeal.revoked", filed.id).await, 1);
        assert_eq!(
            audit_count(&w, "degree_application.award_revoked", a.id).await,
            1
        );
        assert!(
            inbox_titles(&w, "student", s.id)
                .await
                .contains(&"申辩处理结果：撤销原决定".to_owned())
        );
        assert!(
            appeal::degree_target(&w.t.db, &reopened)
                .await
                .unwrap()
                .is_none()
        );
        let n = award(&w, &school, &reopened).await.unwrap();
        assert_eq!(n, 1, "{}", b.name());
        // Decided once: a second decision changes nothing.
        let err = school
            .decide(&w.t.db, filed.id, AppealStatus::Upheld, "维持", None, now())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, RepoError::Conflict(m) if m.contains("撤销原决定")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn two_reviewers_deciding_at_once_leave_one_outcome() {
    for b in contract_backends() {
        let w = world(&b).await;
        let (s, a, filed) = appealed_refusal(&w).await;
        let one = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        let two = staff(&w, accounts::STAFF_CE_SCHOOL_ADMIN).await;
        let (x, y) = tokio::join!(
            one.decide(
                &w.t.db,
                filed.id,
                AppealStatus::Upheld,
                "不授予依据充分",
                None,
                now()
            ),
            two.decide(
                &w.t.db,
                filed.id,
                AppealStatus::Revoked,
                "依据不足",
                None,
                now()
            ),
        );
        assert_eq!(
            x.is_ok() as u8 + y.is_ok() as u8,
            1,
            "{}: exactly one lands ({x:?} / {y:?})",
            b.name()
        );
        let loser = x.as_ref().err().or(y.as_ref().err()).unwrap();
        assert!(matches!(loser, RepoError::Conflict(_)), "{loser:?}");
        let now_appeal = appeal::get(&w.t.db, filed.id).await.unwrap();
        let award = degree::get(&w.t.db, a.id).await.unwrap().award;
        // The application agrees with the outcome that won.
        match AppealStatus::from_code(&now_appeal.status).unwrap() {
            AppealStatus::Upheld => assert_eq!(award.as_deref(), Some("not_awarded")),
            AppealStatus::Revoked => assert_eq!(award, None),
            AppealStatus::Pending => panic!("{}: undecided", b.name()),
        }
        let outcomes = audit_count(&w, "appeal.upheld", filed.id).await
            + audit_count(&w, "appeal.revoked", filed.id).await;
        assert_eq!(outcomes, 1, "{}: one audit row", b.name());
        let told = inbox_titles(&w, "student", s.id)
            .await
            .iter()
            .filter(|t| t.starts_with("申辩处理结果"))
            .count();
        assert_eq!(told, 1, "{}: one message", b.name());
    }
}

/// A 学位外语 application of the student in the demo's open batch, refused 不合格 at its stage
/// after the window closed.
async fn refused_language(
    w: &World,
    s: &student::Model,
) -> (store::entity::language_application::Model, DateTime<Utc>) {
    let batch = language::batches_of(&w.t.db, s.school_org_id)
        .await
        .unwrap()
        .into_iter()
        .find(|b| language::window_open(b, now()))
        .unwrap();
    let form = validate(
        &LanguageInput {
            subject: "外国语".to_owned(),
            certificate_type: "其他语言类成绩认证".to_owned(),
            exam_kind: "cet".to_owned(),
            exam_level: "CET-4".to_owned(),
            language: "english".to_owned(),
            obtained_on: "2023-06-15".to_owned(),
            transcript_no: "231234567890123".to_owned(),
            score: "512".to_owned(),
            score_status: "合格".to_owned(),
        },
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    )
    .unwrap();
    let stored = w
        .objects
        .put("language/test", "pdf", b"%PDF-1.4\n%%EOF\n".to_vec())
        .await
        .unwrap();
    let proofs = vec![NewProof {
        stored,
        original_name: "四级成绩单.pdf".to_owned(),
        content_type: "application/pdf",
    }];
    let a = language::apply(&w.t.db, s, batch.id, &form, &proofs, now(), None)
        .await
        .unwrap();
    let school = staff(w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
    let after = batch.closes_at + Duration::hours(1);
    let a = language::review(
        &w.t.db,
        school.org_id,
        school.id,
        &school.roles,
        a.id,
        None,
        &language::Decision {
            approve: false,
            opinion: "成绩单编号无法核验".to_owned(),
            qualification: Qualification::Unqualified,
        },
        after,
    )
    .await
    .unwrap();
    (a, after)
}

/// The 不合格 of [`refused_language`] for the student above the thresholds, appealed with
/// [`STATEMENT`] when it was decided (`t.decided_at`): (student, application, target, appeal).
async fn appealed_unqualified(
    w: &World,
) -> (
    student::Model,
    store::entity::language_application::Model,
    Target,
    appeal_row::Model,
) {
    let s = stu(w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
    let (a, decided) = refused_language(w, &s).await;
    let t = appeal::language_target(&w.t.db, &a).await.unwrap().unwrap();
    let filed = appeal::file(&w.t.db, s.id, &t, STATEMENT, &[], decided, None)
        .await
        .unwrap();
    (s, a, t, filed)
}

/// 审核通过 and 合格 of 学位外语 application `id` by `by` at `at`.
async fn qualify(
    w: &World,
    by: &Staff,
    id: i64,
    at: DateTime<Utc>,
) -> Result<store::entity::language_application::Model, RepoError> {
    language::review(
        &w.t.db,
        by.org_id,
        by.id,
        &by.roles,
        id,
        None,
        &language::Decision {
            approve: true,
            opinion: String::new(),
            qualification: Qualification::Qualified,
        },
        at,
    )
    .await
}

#[tokio::test]
async fn a_revoked_unqualified_reopens_the_language_review_at_its_stage() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let (a, decided) = refused_language(&w, &s).await;
        let t = appeal::language_target(&w.t.db, &a).await.unwrap().unwrap();
        assert_eq!(t.kind, AppealKind::Language);
        assert_eq!(t.stage, 0);
        assert_eq!(t.decided_at, decided);
        assert_eq!(t.note.as_deref(), Some("成绩单编号无法核验"));

        // The period runs from the review: its last second is accepted, the next refused.
        let last = t.period().last_instant();
        let err = appeal::file(
            &w.t.db,
            s.id,
            &t,
            STATEMENT,
            &[],
            last + Duration::seconds(1),
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("已超过申辩期限"), "{err}");
        let filed = appeal::file(
            &w.t.db,
            s.id,
            &t,
            "成绩单编号可在学信网核验。",
            &[],
            last,
            None,
        )
        .await
        .unwrap();
        assert_eq!(filed.kind, "language", "{}", b.name());
        assert_eq!(filed.decision_note.as_deref(), Some("成绩单编号无法核验"));

        let school = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        school
            .decide(
                &w.t.db,
                filed.id,
                AppealStatus::Revoked,
                "经核验成绩单真实有效",
                None,
                last,
            )
            .await
            .unwrap();
        // Waiting again at the stage that decided, without a result.
        let reopened = language::get_for_student(&w.t.db, s.id, a.id)
            .await
            .unwrap();
        assert_eq!(reopened.status, "pending", "{}", b.name());
        assert_eq!(reopened.stage, Some(0));
        assert_eq!(reopened.qualification, None);
        assert_eq!(reopened.review_opinion, None);
        assert_eq!(
            audit_count(&w, "language_application.reopened", a.id).await,
            1
        );
        // Reviewed again, now 合格.
        let again = qualify(&w, &school, a.id, last).await.unwrap();
        assert_eq!(again.qualification.as_deref(), Some("qualified"));
        let history = appeal::of_subject(&w.t.db, AppealKind::Language, a.id)
            .await
            .unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].status, "revoked");
    }
}

#[tokio::test]
async fn an_upheld_unqualified_stands_and_cannot_be_appealed_again() {
    for b in contract_backends() {
        let w = world(&b).await;
        let (s, a, t, filed) = appealed_unqualified(&w).await;
        let decided = t.decided_at;
        let school = staff(&w, accounts::STAFF_CE_SCHOOL_REVIEWER).await;
        school
            .decide(
                &w.t.db,
                filed.id,
                AppealStatus::Upheld,
                "成绩单编号经核验不存在",
                None,
                decided,
            )
            .await
            .unwrap();
        let still = language::get_for_student(&w.t.db, s.id, a.id)
            .await
            .unwrap();
        assert_eq!(
            still.qualification.as_deref(),
            Some("unqualified"),
            "{}",
            b.name()
        );
        let err = appeal::file(&w.t.db, s.id, &t, STATEMENT, &[], decided, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("维持原决定"), "{err}");
        assert!(
            inbox_titles(&w, "student", s.id)
                .await
                .contains(&"申辩处理结果：维持原决定".to_owned())
        );
    }
}

#[tokio::test]
async fn two_filings_at_once_leave_one_appeal() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let a = not_awarded(&w, &s, now()).await;
        let t = target_of(&w, &a).await;
        let (x, y) = tokio::join!(
            appeal::file(&w.t.db, s.id, &t, STATEMENT, &[], now(), None),
            appeal::file(&w.t.db, s.id, &t, "第二份申辩陈述", &[], now(), None),
        );
        assert_eq!(
            x.is_ok() as u8 + y.is_ok() as u8,
            1,
            "{}: exactly one lands ({x:?} / {y:?})",
            b.name()
        );
        let loser = x.as_ref().err().or(y.as_ref().err()).unwrap();
        assert!(
            matches!(loser, RepoError::Conflict(m) if m.contains("每项决定只能申辩一次")),
            "{loser:?}"
        );
        assert_eq!(
            appeal::of_subject(&w.t.db, t.kind, a.id)
                .await
                .unwrap()
                .len(),
            1
        );
        let receipts = inbox_titles(&w, "student", s.id)
            .await
            .iter()
            .filter(|t| t.starts_with("申辩已提交"))
            .count();
        assert_eq!(receipts, 1, "{}", b.name());
    }
}

mod above;
mod fees;
mod graduation;
mod outcome;

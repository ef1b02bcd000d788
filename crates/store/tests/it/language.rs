//! 学位外语成绩认定 (seed 002, step 1) on every backend: apply → 撤销申请 → apply again; applying
//! outside the window names the window in Beijing time; the review waits for the window to close;
//! two reviewers at once leave one result with one audit row and one 收件箱 message; a batch keeps
//! the thresholds its school had when it was created.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::degree::language::{LanguageInput, Qualification, ValidLanguageForm, validate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::accounts::delegation::Decider;
use store::degree::language::{self as language, Decision, NewProof};
use store::degree::rules::{self, DegreeRules};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{audit as audit_row, batch, inbox_message, student};
use store::objects::Objects;
use store::repo::RepoError;
use store::repo::reference::{self, NewBatch};
use store::repo::{staff, student as students};
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
    let objects = Objects::local(dir.path()).unwrap();
    World {
        t,
        objects,
        _dir: dir,
    }
}

async fn stu(w: &World, no: &str) -> student::Model {
    students::by_student_no(&w.t.db, no).await.unwrap().unwrap()
}

async fn reviewer(w: &World) -> (i64, i64) {
    let s = staff::by_username(&w.t.db, accounts::STAFF_CE_SCHOOL_REVIEWER)
        .await
        .unwrap()
        .unwrap();
    (s.id, s.org_id)
}

fn cet_form() -> ValidLanguageForm {
    validate(
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
    .unwrap()
}

async fn proofs(w: &World) -> Vec<NewProof> {
    let stored = w
        .objects
        .put("language/test", "pdf", b"%PDF-1.4\n%%EOF\n".to_vec())
        .await
        .unwrap();
    vec![NewProof {
        stored,
        original_name: "四级成绩单.pdf".to_owned(),
        content_type: "application/pdf",
    }]
}

/// A language batch of the school with the given window.
async fn batch_with(
    w: &World,
    school: i64,
    name: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> batch::Model {
    reference::create_batch(
        &w.t.db,
        NewBatch {
            kind: "language",
            province: None,
            org_id: Some(school),
            name,
            opens_at,
            closes_at,
        },
        now(),
    )
    .await
    .unwrap()
}

/// The demo's open language batch.
async fn open_batch(w: &World, school: i64) -> batch::Model {
    language::batches_of(&w.t.db, school)
        .await
        .unwrap()
        .into_iter()
        .find(|b| language::window_open(b, now()))
        .unwrap()
}

#[tokio::test]
async fn a_pending_application_is_withdrawn_and_filed_again() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let batch = open_batch(&w, s.school_org_id).await;
        let first = language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(first.status, "pending", "{}", b.name());
        assert_eq!(first.average_hundredths, 9195, "{}", b.name());
        assert_eq!(
            language::files_of(&w.t.db, first.id).await.unwrap().len(),
            1
        );

        // A second application while one is active is refused.
        let again = language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await;
        match again {
            Err(RepoError::Conflict(m)) => {
                assert!(m.contains("待审核") && m.contains("撤销"), "{m}")
            }
            other => panic!("{}: {other:?}", b.name()),
        }

        language::withdraw(&w.t.db, s.id, first.id, now(), None)
            .await
            .unwrap();
        let withdrawn = language::get_for_student(&w.t.db, s.id, first.id)
            .await
            .unwrap();
        assert_eq!(withdrawn.status, "withdrawn");
        assert_eq!(withdrawn.active_batch_id, None);
        // Withdrawing twice is refused, naming the status.
        match language::withdraw(&w.t.db, s.id, first.id, now(), None).await {
            Err(RepoError::Conflict(m)) => assert!(m.contains("已撤销"), "{m}"),
            other => panic!("{}: {other:?}", b.name()),
        }
        // Another student cannot withdraw it.
        let other = stu(&w, accounts::STUDENT_BELOW_THRESHOLDS).await;
        assert!(matches!(
            language::withdraw(&w.t.db, other.id, first.id, now(), None).await,
            Err(RepoError::NotFound)
        ));

        let second = language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_ne!(second.id, first.id);
        assert_eq!(second.status, "pending");
        let mine = language::of_student(&w.t.db, s.id).await.unwrap();
        assert_eq!(mine.len(), 2, "{}", b.name());
        let audits = audit_row::Entity::find()
            .filter(audit_row::Column::SubjectKind.eq("language_application"))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(audits, 3, "filed, withdrawn, filed on {}", b.name());
    }
}

#[tokio::test]
async fn applying_outside_the_window_names_the_window_in_beijing_time() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        // 2026-03-01 09:00 to 2026-03-31 17:00 Beijing time.
        let opens = Utc.with_ymd_and_hms(2026, 3, 1, 1, 0, 0).unwrap();
        let closes = Utc.with_ymd_and_hms(2026, 3, 31, 9, 0, 0).unwrap();
        let batch = batch_with(&w, s.school_org_id, "2026春批次", opens, closes).await;
        for (at, word) in [
            (opens - Duration::seconds(1), "尚未开始"),
            (closes, "已截止"),
        ] {
            match language::apply(
                &w.t.db,
                &s,
                batch.id,
                &cet_form(),
                &proofs(&w).await,
                at,
                None,
            )
            .await
            {
                Err(RepoError::Invalid(m)) => {
                    assert!(m.contains(word), "{m}");
                    assert!(
                        m.contains("2026-03-01 09:00 至 2026-03-31 17:00（北京时间）"),
                        "{m}"
                    );
                }
                other => panic!("{}: {other:?}", b.name()),
            }
        }
        // The first and last moment inside are accepted.
        let a = language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            opens,
            None,
        )
        .await
        .unwrap();
        language::withdraw(&w.t.db, s.id, a.id, opens, None)
            .await
            .unwrap();
        language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            closes - Duration::seconds(1),
            None,
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn a_student_below_the_threshold_cannot_apply_and_is_told_the_average() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_BELOW_THRESHOLDS).await;
        // The school raises the entry average to 80; a batch created afterwards asks for it.
        rules::set_for_school(
            &w.t.db,
            s.school_org_id,
            DegreeRules {
                language_min_average_tenths: 800,
                ..DegreeRules::default()
            },
            now(),
        )
        .await
        .unwrap();
        let batch = batch_with(
            &w,
            s.school_org_id,
            "提高要求批次",
            now() - Duration::days(1),
            now() + Duration::days(1),
        )
        .await;
        let c = language::condition(&w.t.db, &s, &batch).await.unwrap();
        assert!(!c.met());
        match language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        {
            Err(RepoError::Invalid(m)) => {
                assert!(m.contains("不低于80分"), "{m}");
                assert!(
                    m.contains(&format!("您的平均成绩为{}", c.average.display())),
                    "{m}"
                );
            }
            other => panic!("{}: {other:?}", b.name()),
        }
        // A batch of another school is not there for this student.
        assert!(matches!(
            language::apply(
                &w.t.db,
                &s,
                999_999,
                &cet_form(),
                &proofs(&w).await,
                now(),
                None
            )
            .await,
            Err(RepoError::NotFound)
        ));
    }
}

#[tokio::test]
async fn the_review_waits_for_the_window_to_close_and_two_reviewers_leave_one_result() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let (staff_id, org) = reviewer(&w).await;
        let batch = open_batch(&w, s.school_org_id).await;
        let a = language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        .unwrap();
        let approve = Decision {
            approve: true,
            opinion: "四级成绩单核验无误".to_owned(),
            qualification: Qualification::Qualified,
        };
        match language::review(
            &w.t.db,
            org,
            staff_id,
            &every_stage(),
            a.id,
            None,
            &approve,
            now(),
        )
        .await
        {
            Err(RepoError::Invalid(m)) => {
                assert!(
                    m.contains("尚未截止") && m.contains("截止后方可审核"),
                    "{m}"
                );
                let closes = (batch.closes_at + Duration::hours(8))
                    .format("%Y-%m-%d %H:%M")
                    .to_string();
                assert!(m.contains(&format!("{closes}（北京时间）")), "{m}");
            }
            other => panic!("{}: {other:?}", b.name()),
        }

        // After the window: a refusal without opinion, or 合格 with 审核不通过, is refused.
        let after = batch.closes_at + Duration::hours(1);
        let no_opinion = Decision {
            approve: false,
            opinion: " ".to_owned(),
            qualification: Qualification::Unqualified,
        };
        assert!(matches!(
            language::review(
                &w.t.db,
                org,
                staff_id,
                &every_stage(),
                a.id,
                None,
                &no_opinion,
                after
            )
            .await,
            Err(RepoError::Invalid(_))
        ));

        // Staff of another organisation cannot see it.
        let other = staff::by_username(&w.t.db, accounts::STAFF_CQ_UNIVERSITY)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            language::review(
                &w.t.db,
                other.org_id,
                other.id,
                &every_stage(),
                a.id,
                None,
                &approve,
                after
            )
            .await,
            Err(RepoError::NotFound)
        ));
        // Two reviewers at once: one result.
        let reject = Decision {
            approve: false,
            opinion: "成绩单编号与证书不符".to_owned(),
            qualification: Qualification::Unqualified,
        };
        let roles = every_stage();
        let (r1, r2) = tokio::join!(
            language::review(
                &w.t.db,
                org,
                staff_id,
                &roles,
                a.id,
                Some(a.version),
                &approve,
                after
            ),
            language::review(
                &w.t.db,
                org,
                staff_id,
                &roles,
                a.id,
                Some(a.version),
                &reject,
                after
            ),
        );
        let oks = [r1.is_ok(), r2.is_ok()].iter().filter(|x| **x).count();
        assert_eq!(oks, 1, "{}: {r1:?} {r2:?}", b.name());
        for r in [&r1, &r2] {
            if let Err(e) = r {
                assert!(
                    matches!(e, RepoError::Conflict(m) if m.contains("已不是待审核")),
                    "{e:?}"
                );
            }
        }
        let saved = language::get_for_student(&w.t.db, s.id, a.id)
            .await
            .unwrap();
        let winner = if r1.is_ok() { "approved" } else { "rejected" };
        assert_eq!(saved.status, winner, "{}", b.name());
        assert_eq!(saved.version, a.version + 1);
        assert_eq!(saved.reviewed_by, Some(staff_id));
        let reviewed = audit_row::Entity::find()
            .filter(audit_row::Column::Action.eq("language_application.reviewed"))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(reviewed, 1, "{}", b.name());
        let inbox = inbox_message::Entity::find()
            .filter(inbox_message::Column::RecipientKind.eq("student"))
            .filter(inbox_message::Column::RecipientId.eq(s.id))
            .all(&w.t.db)
            .await
            .unwrap();
        assert_eq!(inbox.len(), 1, "{}", b.name());
        assert!(inbox[0].title.contains("学位外语"), "{}", inbox[0].title);

        // A reviewed application can no longer be withdrawn.
        assert!(matches!(
            language::withdraw(&w.t.db, s.id, a.id, after, None).await,
            Err(RepoError::Conflict(_))
        ));
    }
}

#[tokio::test]
async fn bulk_review_decides_the_pending_and_reports_the_rest() {
    for b in contract_backends() {
        let w = world(&b).await;
        let (staff_id, org) = reviewer(&w).await;
        let above = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let at = stu(&w, accounts::STUDENT_AT_THRESHOLD).await;
        let batch = open_batch(&w, above.school_org_id).await;
        let a1 = language::apply(
            &w.t.db,
            &above,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        .unwrap();
        let a2 = language::apply(
            &w.t.db,
            &at,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        .unwrap();
        let after = batch.closes_at + Duration::minutes(5);
        let approve = Decision {
            approve: true,
            opinion: String::new(),
            qualification: Qualification::Qualified,
        };
        language::review(
            &w.t.db,
            org,
            staff_id,
            &every_stage(),
            a1.id,
            None,
            &approve,
            after,
        )
        .await
        .unwrap();
        let out = language::review_many(
            &w.t.db,
            org,
            staff_id,
            &every_stage(),
            &[a1.id, a2.id],
            &approve,
            after,
        )
        .await
        .unwrap();
        assert_eq!(out.done, vec![a2.id], "{}", b.name());
        assert_eq!(out.refused.len(), 1);
        assert_eq!(out.refused[0].0, a1.id);
        let queue = language::queue(&w.t.db, &batch, None, store::keyset::PageAt::First, 50)
            .await
            .unwrap()
            .rows;
        assert_eq!(queue.len(), 2);
        assert!(
            queue
                .iter()
                .all(|(a, _)| a.qualification.as_deref() == Some("qualified"))
        );
    }
}

#[tokio::test]
async fn a_batch_keeps_the_thresholds_of_its_creation() {
    for b in contract_backends() {
        let w = world(&b).await;
        let (_, school) = reviewer(&w).await;
        let no_rules_school = staff::by_username(&w.t.db, accounts::STAFF_CQ_UNIVERSITY)
            .await
            .unwrap()
            .unwrap()
            .org_id;
        let t0 = now() + Duration::days(30);
        let make = |kind: &'static str, org: i64, name: &'static str| {
            let db = w.t.db.clone();
            async move {
                reference::create_batch(
                    &db,
                    NewBatch {
                        kind,
                        province: None,
                        org_id: Some(org),
                        name,
                        opens_at: t0,
                        closes_at: t0 + Duration::days(10),
                    },
                    now(),
                )
                .await
                .unwrap()
            }
        };
        rules::set_for_school(
            &w.t.db,
            school,
            DegreeRules {
                language_min_average_tenths: 655,
                degree_min_average_tenths: 750,
                degree_min_core_tenths: 650,
            },
            now(),
        )
        .await
        .unwrap();
        let lang = make("language", school, "65.5分批次").await;
        let degree = make("degree", school, "75分学位批次").await;
        assert_eq!(
            (lang.min_average_tenths, lang.min_core_tenths),
            (Some(655), None)
        );
        assert_eq!(
            (degree.min_average_tenths, degree.min_core_tenths),
            (Some(750), Some(650))
        );
        // Defaults for a school without a rules row.
        let plain = make("language", no_rules_school, "默认批次").await;
        assert_eq!(plain.min_average_tenths, Some(700));

        // Later edits reach new batches only.
        rules::set_for_school(
            &w.t.db,
            school,
            DegreeRules {
                language_min_average_tenths: 800,
                degree_min_average_tenths: 800,
                degree_min_core_tenths: 800,
            },
            now(),
        )
        .await
        .unwrap();
        for (old, want) in [
            (&lang, (Some(655), None)),
            (&degree, (Some(750), Some(650))),
        ] {
            let stored = batch::Entity::find_by_id(old.id)
                .one(&w.t.db)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (stored.min_average_tenths, stored.min_core_tenths),
                want,
                "{}",
                b.name()
            );
        }
        let newer = make("language", school, "80分批次").await;
        assert_eq!(newer.min_average_tenths, Some(800));
        assert_eq!(
            rules::of_school(&w.t.db, school)
                .await
                .unwrap()
                .degree_min_core_tenths,
            800
        );
        // Out-of-range values are refused naming the field.
        match rules::set_for_school(
            &w.t.db,
            school,
            DegreeRules {
                language_min_average_tenths: 1001,
                ..DegreeRules::default()
            },
            now(),
        )
        .await
        {
            Err(RepoError::Invalid(m)) => {
                assert!(m.contains("学位外语申请条件") && m.contains("100.1"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_language_batch_runs_the_schools_stages_and_qualifies_at_the_last() {
    for b in contract_backends() {
        let w = world(&b).await;
        let s = stu(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let (staff_id, org) = reviewer(&w).await;
        rules::save_for_school(
            &w.t.db,
            s.school_org_id,
            rules::of_school(&w.t.db, s.school_org_id).await.unwrap(),
            &rules::SchoolStages {
                language: vec!["学院初审".to_owned(), "外语教研室复核".to_owned()],
                degree: domain::degree::stages::default_names(),
            },
            staff_id,
            now(),
            None,
        )
        .await
        .unwrap();
        // The open demo batch predates the change; a new one copies the two stages.
        let demo_batch = open_batch(&w, s.school_org_id).await;
        assert_eq!(
            store::degree::stages_of(&w.t.db, demo_batch.id)
                .await
                .unwrap()
                .len(),
            1
        );
        let batch = batch_with(
            &w,
            s.school_org_id,
            "2026秋季学位外语",
            now() - Duration::days(1),
            now() + Duration::days(1),
        )
        .await;
        let stages = store::degree::stages_of(&w.t.db, batch.id).await.unwrap();
        let a = language::apply(
            &w.t.db,
            &s,
            batch.id,
            &cet_form(),
            &proofs(&w).await,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(language::status_label(&a, &stages), "待审核（学院初审）");
        let after = batch.closes_at + Duration::hours(1);
        let approve = Decision {
            approve: true,
            opinion: String::new(),
            qualification: Qualification::Qualified,
        };
        // A reviewer of the second stage only may not decide at the first.
        let second_only = domain::Roles::new([domain::Grant::reviewer_at("外语教研室复核")]);
        let refused = language::review(
            &w.t.db,
            org,
            staff_id,
            &second_only,
            a.id,
            Some(a.version),
            &approve,
            after,
        )
        .await;
        assert!(
            matches!(&refused, Err(store::repo::RepoError::Forbidden(m)) if m.contains("没有“学院初审”环节的审核权限")),
            "{}: {refused:?}",
            b.name()
        );
        // Standing in for a reviewer of the first stage (工作委托), the same account decides
        // there, on that colleague's behalf.
        let colleague = staff::by_username(&w.t.db, accounts::STAFF_CE_SCHOOL_ADMIN)
            .await
            .unwrap()
            .unwrap()
            .id;
        let stands_in_for = [(
            colleague,
            domain::Roles::new([domain::Grant::reviewer_at("学院初审")]),
        )];
        let first = language::review_by(
            &w.t.db,
            org,
            Decider {
                staff_id,
                roles: &second_only,
                stands_in_for: &stands_in_for,
            },
            a.id,
            Some(a.version),
            &approve,
            after,
            Some("203.0.113.9"),
        )
        .await
        .unwrap();
        assert_eq!(first.status, "pending", "{}", b.name());
        assert_eq!(
            (first.reviewed_by, first.reviewed_on_behalf_of),
            (Some(staff_id), Some(colleague)),
            "{}",
            b.name()
        );
        assert_eq!(
            first.qualification, None,
            "not qualified before the last stage"
        );
        assert_eq!(
            language::status_label(&first, &stages),
            "待审核（外语教研室复核）"
        );
        assert_eq!(
            store::degree::language_state(&w.t.db, s.id).await.unwrap(),
            domain::degree::conditions::LanguageState::Pending
        );
        // The first stage's page, acted on again, changes nothing.
        assert!(matches!(
            language::review(
                &w.t.db,
                org,
                staff_id,
                &every_stage(),
                a.id,
                Some(a.version),
                &approve,
                after
            )
            .await,
            Err(RepoError::Conflict(_))
        ));
        let done = language::review(
            &w.t.db,
            org,
            staff_id,
            &every_stage(),
            a.id,
            None,
            &approve,
            after,
        )
        .await
        .unwrap();
        assert_eq!(done.status, "approved");
        assert_eq!(done.qualification.as_deref(), Some("qualified"));
        assert_eq!(
            done.reviewed_on_behalf_of,
            None,
            "{}: decided by the reviewer's own role",
            b.name()
        );
        assert_eq!(
            store::degree::language_state(&w.t.db, s.id).await.unwrap(),
            domain::degree::conditions::LanguageState::Qualified
        );
        let audit_rows = audit_row::Entity::find()
            .filter(audit_row::Column::Action.eq("language_application.reviewed"))
            .filter(audit_row::Column::SubjectId.eq(a.id))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(audit_rows, 2, "{}: one per stage", b.name());
        let delegated = audit_row::Entity::find()
            .filter(audit_row::Column::Action.eq("language_application.reviewed"))
            .filter(audit_row::Column::SubjectId.eq(a.id))
            .filter(audit_row::Column::Detail.contains(format!("on_behalf_of={colleague}")))
            .all(&w.t.db)
            .await
            .unwrap();
        assert_eq!(delegated.len(), 1, "{}", b.name());
        assert_eq!(delegated[0].ip.as_deref(), Some("203.0.113.9"));
        let told = inbox_message::Entity::find()
            .filter(inbox_message::Column::RecipientId.eq(s.id))
            .filter(inbox_message::Column::Body.contains("进入“外语教研室复核”环节"))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(told, 1);
    }
}

/// A reviewer of every stage, as the school's reviewers are.
fn every_stage() -> domain::Roles {
    domain::Roles::new([domain::Grant::of(domain::StaffRole::Reviewer)])
}

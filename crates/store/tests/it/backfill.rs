//! 成绩补录 and 13位准考证查询 (seed 003 §(一)) on every backend: a paper result approved by the
//! confirmation point becomes a `backfill` score the eligibility audit counts; a rejection leaves
//! no score and lets the candidate file again; one pending request per course; two approvals at
//! once leave one score; an older 13-character number links only to the account with its ID
//! number, once, and brings its results along; a legacy import with one bad row writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use chrono::NaiveDate;
use domain::LegacyAdmissionNo;
use domain::backfill::{BackfillInput, BackfillSource, ValidBackfill, validate};
use domain::graduation::{ConditionKey, Facts, audit, moral_state};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{audit as audit_row, candidate, legacy_score, score_record};
use store::import::{ImportKind, ImportRequest, import_file};
use store::objects::Objects;
use store::repo::RepoError;
use store::repo::audit::Actor;
use store::repo::score_backfill::{self as backfills, Decision, Scan, legacy};
use store::repo::{candidate as candidates, reference, staff};
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

async fn cand(w: &World, no: &str) -> candidate::Model {
    candidates::by_admission_no(&w.t.db, no)
        .await
        .unwrap()
        .unwrap()
}

async fn staff_of(w: &World, username: &str) -> (i64, i64) {
    let s = staff::by_username(&w.t.db, username)
        .await
        .unwrap()
        .unwrap();
    (s.id, s.org_id)
}

fn certificate(course: &str, date: &str) -> ValidBackfill {
    validate(
        &BackfillInput {
            source: BackfillSource::CourseCertificate.code().to_owned(),
            course_code: course.to_owned(),
            score: "76".to_owned(),
            obtained_on: date.to_owned(),
            document_no: "云自考证9412345".to_owned(),
        },
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        domain::Province::from_code("yunnan")
            .unwrap()
            .backfill_papers(),
    )
    .unwrap()
}

async fn file(
    w: &World,
    c: &candidate::Model,
    v: &ValidBackfill,
) -> Result<store::entity::score_backfill::Model, RepoError> {
    let stored = w
        .objects
        .put("backfills", "jpg", vec![0xFF, 0xD8, 0xFF, 0xD9])
        .await
        .unwrap();
    backfills::file(
        &w.t.db,
        c,
        v,
        Scan {
            stored,
            original_name: "证书.jpg",
        },
        now(),
        None,
    )
    .await
}

/// The missing-course lines of condition a (all courses passed) for the candidate's major.
async fn courses_missing(w: &World, c: &candidate::Model) -> Vec<String> {
    let majors = reference::enrolled_majors(&w.t.db, c.id).await.unwrap();
    let plan = store::graduation::plan_of(&w.t.db, &majors[0].major)
        .await
        .unwrap();
    let (scores, exemptions) = store::graduation::records_of(&w.t.db, c).await.unwrap();
    let facts = Facts {
        scores: &scores,
        exemptions: &exemptions,
        moral: moral_state(&c.province),
        prior_education: domain::graduation::PriorEducation::NotChecked,
        legally_blocked: c.legal_block,
    };
    let result = audit(&plan, &facts, &[]);
    result
        .condition(ConditionKey::AllCourses)
        .unwrap()
        .missing
        .clone()
}

async fn backfill_scores(w: &World, c: &candidate::Model, course: &str) -> u64 {
    score_record::Entity::find()
        .filter(score_record::Column::CandidateId.eq(c.id))
        .filter(score_record::Column::CourseCode.eq(course))
        .filter(score_record::Column::Source.eq("backfill"))
        .count(&w.t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn approved_certificate_enters_the_score_and_the_audit_counts_it() {
    for b in contract_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let course = accounts::YN_BACKFILL_COURSE;
        let before = courses_missing(&w, &c).await;
        assert!(before.iter().any(|l| l.starts_with(course)), "{before:?}");

        let r = file(&w, &c, &certificate(course, "1994-12-31"))
            .await
            .unwrap();
        let (staff_id, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        assert_eq!(r.handler_org_id, point, "{}", b.name());

        // The university and the office are not the handler: the request does not exist for them.
        for other in [
            accounts::STAFF_YN_UNIVERSITY,
            accounts::STAFF_YN_OFFICE_REVIEWER,
        ] {
            let (sid, org) = staff_of(&w, other).await;
            assert!(
                backfills::queue(&w.t.db, org, true)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let e = backfills::decide(
                &w.t.db,
                r.id,
                org,
                sid,
                Decision::Approve {
                    original_kept: true,
                },
                now(),
            )
            .await
            .unwrap_err();
            assert!(matches!(e, RepoError::NotFound), "{other}: {e:?}");
        }
        assert_eq!(
            backfills::queue(&w.t.db, point, true).await.unwrap().len(),
            1
        );

        // Approving without taking the original is refused, naming the rule.
        let e = backfills::decide(
            &w.t.db,
            r.id,
            point,
            staff_id,
            Decision::Approve {
                original_kept: false,
            },
            now(),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("原件已收取存档"), "{e}");
        assert_eq!(backfill_scores(&w, &c, course).await, 0);

        let done = backfills::decide(
            &w.t.db,
            r.id,
            point,
            staff_id,
            Decision::Approve {
                original_kept: true,
            },
            now(),
        )
        .await
        .unwrap();
        assert_eq!(done.status, "approved");
        assert!(done.original_kept && done.score_record_id.is_some());
        assert_eq!(backfill_scores(&w, &c, course).await, 1, "{}", b.name());
        let after = courses_missing(&w, &c).await;
        assert!(
            !after.iter().any(|l| l.starts_with(course)),
            "{}: {after:?}",
            b.name()
        );
        let audits = audit_row::Entity::find()
            .filter(audit_row::Column::Action.eq("score_backfill.approved"))
            .filter(audit_row::Column::SubjectId.eq(r.id))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
        let inbox =
            store::repo::inbox::list(&w.t.db, store::repo::inbox::Recipient::Candidate(c.id), 10)
                .await
                .unwrap();
        assert!(inbox.iter().any(|m| m.title == "成绩补录已通过"));

        // Now passed in the platform: a new request for it is refused as not needed.
        let e = file(&w, &c, &certificate(course, "1994-06-30"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("无需补录"), "{e}");
        assert!(
            backfills::queue(&w.t.db, point, true)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            backfills::queue(&w.t.db, point, false).await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn rejected_request_leaves_no_score_and_the_candidate_may_file_again() {
    for b in contract_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let course = accounts::YN_BACKFILL_COURSE;
        let r = file(&w, &c, &certificate(course, "1993-05-01"))
            .await
            .unwrap();
        let (staff_id, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        let e = backfills::decide(
            &w.t.db,
            r.id,
            point,
            staff_id,
            Decision::Reject("  ".into()),
            now(),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("驳回时请填写原因"), "{e}");
        let done = backfills::decide(
            &w.t.db,
            r.id,
            point,
            staff_id,
            Decision::Reject("证书编号与存档不符".into()),
            now(),
        )
        .await
        .unwrap();
        assert_eq!(done.status, "rejected");
        assert_eq!(done.decision_reason.as_deref(), Some("证书编号与存档不符"));
        assert_eq!(backfill_scores(&w, &c, course).await, 0, "{}", b.name());
        assert!(
            courses_missing(&w, &c)
                .await
                .iter()
                .any(|l| l.starts_with(course))
        );
        // Deciding again is refused; a fresh request is accepted.
        let e = backfills::decide(
            &w.t.db,
            r.id,
            point,
            staff_id,
            Decision::Approve {
                original_kept: true,
            },
            now(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, RepoError::Conflict(_)), "{e:?}");
        let again = file(&w, &c, &certificate(course, "1993-05-01"))
            .await
            .unwrap();
        assert_eq!(again.status, "pending");
        assert_eq!(
            backfills::of_candidate(&w.t.db, c.id).await.unwrap().len(),
            2
        );
    }
}

#[tokio::test]
async fn one_pending_request_per_course_and_only_courses_of_the_plan_not_yet_passed() {
    for b in contract_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let course = accounts::YN_BACKFILL_COURSE;
        file(&w, &c, &certificate(course, "1993-05-01"))
            .await
            .unwrap();
        let e = file(&w, &c, &certificate(course, "1994-05-01"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, RepoError::Conflict(m) if m.contains("已有一份待审核的补录申请")),
            "{}: {e:?}",
            b.name()
        );
        // Not in the plan of any enrolled major.
        let e = file(&w, &c, &certificate("00015", "1993-05-01"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("不在您在籍专业的考试计划中"), "{e}");
        // Already passed in the platform.
        let e = file(&w, &c, &certificate("00041", "1993-05-01"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("无需补录"), "{e}");
        // A practical notice goes to the chief university of the major.
        let notice = validate(
            &BackfillInput {
                source: BackfillSource::PracticalNotice.code().to_owned(),
                course_code: "00043".to_owned(),
                score: "合格".to_owned(),
                obtained_on: "2023-06-30".to_owned(),
                document_no: "YNUFE-2023-118".to_owned(),
            },
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            domain::Province::from_code("yunnan")
                .unwrap()
                .backfill_papers(),
        )
        .unwrap();
        let r = file(&w, &c, &notice).await.unwrap();
        let (_, university) = staff_of(&w, accounts::STAFF_YN_UNIVERSITY).await;
        assert_eq!(r.handler_org_id, university);
        assert_eq!(
            backfills::of_candidate(&w.t.db, c.id).await.unwrap().len(),
            2
        );
    }
}

#[tokio::test]
async fn two_approvals_at_once_leave_one_score() {
    for b in contract_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let course = accounts::YN_BACKFILL_COURSE;
        let r = file(&w, &c, &certificate(course, "1994-01-15"))
            .await
            .unwrap();
        let (staff_id, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        let approve = || {
            backfills::decide(
                &w.t.db,
                r.id,
                point,
                staff_id,
                Decision::Approve {
                    original_kept: true,
                },
                now(),
            )
        };
        let (x, y) = tokio::join!(approve(), approve());
        let ok = [x.is_ok(), y.is_ok()].iter().filter(|v| **v).count();
        assert_eq!(ok, 1, "{}: {x:?} {y:?}", b.name());
        for e in [x, y].into_iter().filter_map(Result::err) {
            assert!(matches!(e, RepoError::Conflict(_)), "{e:?}");
        }
        assert_eq!(backfill_scores(&w, &c, course).await, 1, "{}", b.name());
    }
}

async fn legacy_scores_of(w: &World, c: &candidate::Model) -> u64 {
    score_record::Entity::find()
        .filter(score_record::Column::CandidateId.eq(c.id))
        .filter(score_record::Column::Source.eq("legacy"))
        .count(&w.t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn legacy_number_links_to_its_owner_once_and_brings_its_scores() {
    for b in contract_backends() {
        let w = world(&b).await;
        let no = LegacyAdmissionNo::parse(accounts::YN_UNLINKED_LEGACY_NO).unwrap();
        let owner = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let stranger = cand(&w, accounts::YN_BACHELOR_PRIOR_EDU).await;

        // Someone else's number: refused without telling whose it is.
        let e = legacy::link(&w.t.db, &stranger, &no, now(), None)
            .await
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("身份证号与您账号的身份证号不一致"), "{msg}");
        assert!(!msg.contains(&owner.name) && !msg.contains(&owner.id_card_no));
        assert_eq!(legacy_scores_of(&w, &stranger).await, 0);

        assert!(
            courses_missing(&w, &owner)
                .await
                .iter()
                .any(|l| l.starts_with("00043"))
        );
        let first = legacy::link(&w.t.db, &owner, &no, now(), None)
            .await
            .unwrap();
        assert_eq!(
            first,
            legacy::Linked {
                newly_linked: true,
                copied: 2
            },
            "{}",
            b.name()
        );
        let second = legacy::link(&w.t.db, &owner, &no, now(), None)
            .await
            .unwrap();
        assert_eq!(
            second,
            legacy::Linked {
                newly_linked: false,
                copied: 0
            }
        );
        assert_eq!(legacy_scores_of(&w, &owner).await, 2, "{}", b.name());
        assert!(
            !courses_missing(&w, &owner)
                .await
                .iter()
                .any(|l| l.starts_with("00043"))
        );
        let audits = audit_row::Entity::find()
            .filter(audit_row::Column::Action.eq("legacy_admission_no.linked"))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(audits, 1);
        let linked = legacy::linked_of(&w.t.db, owner.id).await.unwrap();
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].1.len(), 2);

        // Now linked: another account is refused even with the same ID number on record.
        let mut twin = stranger.clone();
        twin.id_card_no = owner.id_card_no.clone();
        let e = legacy::link(&w.t.db, &twin, &no, now(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, RepoError::Conflict(m) if m.contains("已关联到其他账号")),
            "{e:?}"
        );

        // An unknown number is refused as not found.
        let unknown = LegacyAdmissionNo::parse("530302Z990101").unwrap();
        let e = legacy::link(&w.t.db, &owner, &unknown, now(), None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("未查询到"), "{e}");
    }
}

#[tokio::test]
async fn legacy_import_with_one_bad_row_writes_nothing() {
    for b in contract_backends() {
        let w = world(&b).await;
        let dir = tempfile::tempdir().unwrap();
        let owner = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let import = |name: &str, body: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, body).unwrap();
            path
        };
        let good = format!(
            "13位准考证号,姓名,身份证号,课程代码,成绩,考试日期\n\
             530302C920101,{n},{id},00144,68,1992-10-24\n\
             530302c920101,{n},{id},00146,合格,1993-04-17\n",
            n = owner.name,
            id = owner.id_card_no
        );
        let bad = format!(
            "{good}530302C920101,{n},{id},00041,105,1993-10-23\n\
             5303021920101,{n},{id},00041,70,1993-10-23\n",
            n = owner.name,
            id = owner.id_card_no
        );
        let run = |path: std::path::PathBuf| {
            let db = w.t.db.clone();
            async move {
                import_file(
                    &db,
                    ImportRequest {
                        kind: ImportKind::LegacyScores,
                        path: &path,
                        format: tabular::Format::Csv,
                        file_name: "old.csv",
                        actor: Actor::SYSTEM,
                        ip: None,
                        now: now(),
                        scope: None,
                        school: None,
                    },
                )
                .await
                .unwrap()
            }
        };
        let before = legacy_score::Entity::find().count(&w.t.db).await.unwrap();
        let report = run(import("bad.csv", bad)).await;
        assert!(!report.succeeded());
        let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [4, 5], "{}: {:?}", b.name(), report.errors);
        assert!(report.errors[0].reason.contains("成绩超出范围"));
        assert!(report.errors[1].reason.contains("至少包含一个字母"));
        assert_eq!(
            legacy_score::Entity::find().count(&w.t.db).await.unwrap(),
            before,
            "{}",
            b.name()
        );

        let report = run(import("good.csv", good.clone())).await;
        assert!(report.succeeded(), "{:?}", report.errors);
        assert_eq!(report.imported, 2);
        // The same rows again are refused as already imported.
        let report = run(import("again.csv", good)).await;
        assert_eq!(report.error_count, 2);
        assert!(report.errors[0].reason.contains("已导入"));
        assert_eq!(
            legacy_score::Entity::find().count(&w.t.db).await.unwrap(),
            before + 2
        );
    }
}

#[tokio::test]
async fn a_practical_notice_goes_to_the_chief_university_which_keeps_no_original() {
    for b in contract_backends() {
        let w = world(&b).await;
        let c = cand(&w, accounts::YN_BACKFILL_NEEDED).await;
        let course = accounts::YN_BACKFILL_COURSE;
        let notice = validate(
            &BackfillInput {
                source: BackfillSource::PracticalNotice.code().to_owned(),
                course_code: course.to_owned(),
                score: "合格".to_owned(),
                obtained_on: "2021-06-18".to_owned(),
                document_no: "云财实2021-0618".to_owned(),
            },
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            domain::Province::from_code("yunnan")
                .unwrap()
                .backfill_papers(),
        )
        .unwrap();
        let r = file(&w, &c, &notice).await.unwrap();
        let (uni_staff, uni) = staff_of(&w, accounts::STAFF_YN_UNIVERSITY).await;
        let (_, point) = staff_of(&w, accounts::STAFF_YN_CONFIRMATION_POINT).await;
        assert_eq!(r.handler_org_id, uni, "{}", b.name());
        assert!(
            backfills::queue(&w.t.db, point, true)
                .await
                .unwrap()
                .is_empty()
        );
        backfills::decide(
            &w.t.db,
            r.id,
            uni,
            uni_staff,
            Decision::Approve {
                original_kept: false,
            },
            now(),
        )
        .await
        .unwrap();
        assert_eq!(backfill_scores(&w, &c, course).await, 1, "{}", b.name());
    }
}

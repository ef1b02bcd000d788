//! The degree application (学位申请, seed 002 step 2) on SQLite and PostgreSQL: a draft saved while
//! the batch is open, refused field by field when wrong; 确认提交 only with both uploads and the
//! conditions met; the school's review, once when two act together, with an opinion required to
//! reject; a rejected application corrected and submitted again; 学位授予结果 recorded in bulk for
//! approved applications only; every change in the 收件箱.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use domain::degree::files::DegreeSlot;
use domain::degree::form::{DegreeFormInput, DegreeKinds};
use domain::degree::{DegreeAward, DegreeReview};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::degree::application::{self as degree, NewDegreeFile, SaveForm};
use store::demo::{self, DemoOptions, accounts};
use store::entity::{batch, inbox_message, student};
use store::graduation::application::Decision;
use store::objects::Objects;
use store::repo::RepoError;
use store::testkit::{TestDb, app_backends};

struct World {
    t: TestDb,
    batch: batch::Model,
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
    let batch = store::repo::reference::batches(&t.db, "degree")
        .await
        .unwrap()
        .remove(0);
    let dir = tempfile::tempdir().unwrap();
    World {
        objects: Objects::local(dir.path()).unwrap(),
        t,
        batch,
        _dir: dir,
    }
}

async fn student(w: &World, no: &str) -> student::Model {
    store::repo::student::by_student_no(&w.t.db, no)
        .await
        .unwrap()
        .unwrap()
}

fn input(s: &student::Model) -> DegreeFormInput {
    DegreeFormInput {
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
    }
}

fn form<'a>(s: &'a student::Model, i: &'a DegreeFormInput) -> SaveForm<'a> {
    SaveForm {
        input: i,
        gender: &s.gender,
        birth_date: s.birth_date,
        ethnicity: &s.ethnicity,
        political_status: &s.political_status,
    }
}

async fn upload(w: &World, a: &store::entity::degree_application::Model, slot: DegreeSlot) {
    let stored = w
        .objects
        .put("degree", "pdf", b"%PDF-1.7\n%%EOF".to_vec())
        .await
        .unwrap();
    let a = degree::get(&w.t.db, a.id).await.unwrap();
    degree::attach(
        &w.t.db,
        &a,
        &w.batch,
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

async fn messages(w: &World, student_id: i64) -> u64 {
    inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq("student"))
        .filter(inbox_message::Column::RecipientId.eq(student_id))
        .count(&w.t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_degree_application_is_submitted_reviewed_and_its_award_recorded() {
    for b in app_backends() {
        let w = world(&b).await;
        let s = student(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;

        // A bad form writes nothing and names every field.
        let mut bad = input(&s);
        bad.qq = "12".into();
        bad.kinds.joint = true;
        let Err(Err(fields)) =
            degree::save(&w.t.db, &s, &w.batch, form(&s, &bad), now(), None).await
        else {
            panic!("a bad form is refused");
        };
        let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
        assert_eq!(names, vec!["joint_unit", "qq"], "{}", b.name());
        assert!(
            degree::of_student(&w.t.db, s.id, w.batch.id)
                .await
                .unwrap()
                .is_none()
        );

        let good = input(&s);
        let a = degree::save(&w.t.db, &s, &w.batch, form(&s, &good), now(), None)
            .await
            .unwrap();
        assert_eq!(a.status, degree::DRAFT);
        // 确认提交 names what is missing; then refuses while a condition fails.
        let err = degree::submit(&w.t.db, &a, &w.batch, None, now(), None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "确认提交前请先完成：毕业论文定稿、学位申请表",
            "{}",
            b.name()
        );
        upload(&w, &a, DegreeSlot::Thesis).await;
        upload(&w, &a, DegreeSlot::Form).await;
        let a = degree::get(&w.t.db, a.id).await.unwrap();
        let err = degree::submit(
            &w.t.db,
            &a,
            &w.batch,
            Some("未达到学位申请条件".into()),
            now(),
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("未达到"));
        let a = degree::submit(&w.t.db, &a, &w.batch, None, now(), None)
            .await
            .unwrap();
        assert_eq!(
            a.review_status.as_deref(),
            Some(DegreeReview::Pending.code())
        );
        // Locked now.
        assert!(matches!(
            degree::save(&w.t.db, &s, &w.batch, form(&s, &good), now(), None).await,
            Err(Ok(RepoError::Invalid(_)))
        ));

        // Rejecting needs an opinion; two reviewers at once leave one result.
        let err = degree::review(&w.t.db, &a, 1, &Decision::Reject("  ".into()), now(), None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("审核意见"));
        let reject = Decision::Reject("论文格式不符合要求".into());
        let (x, y) = tokio::join!(
            degree::review(&w.t.db, &a, 1, &reject, now(), None),
            degree::review(&w.t.db, &a, 2, &Decision::Approve, now(), None),
        );
        assert_eq!(
            x.is_ok() as u8 + y.is_ok() as u8,
            1,
            "{}: exactly one lands",
            b.name()
        );
        let a = degree::get(&w.t.db, a.id).await.unwrap();
        if a.review_status.as_deref() == Some(DegreeReview::Rejected.code()) {
            // Sent back: corrected and submitted again, then approved.
            assert!(degree::editable(&a));
            let a = degree::save(&w.t.db, &s, &w.batch, form(&s, &good), now(), None)
                .await
                .unwrap();
            let a = degree::submit(&w.t.db, &a, &w.batch, None, now(), None)
                .await
                .unwrap();
            degree::review(&w.t.db, &a, 1, &Decision::Approve, now(), None)
                .await
                .unwrap();
        }
        let a = degree::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(
            a.review_status.as_deref(),
            Some(DegreeReview::Approved.code())
        );

        // Another student's draft is not approved: the bulk award leaves it alone.
        let other = student(&w, accounts::STUDENT_AT_THRESHOLD).await;
        let oi = input(&other);
        let draft = degree::save(&w.t.db, &other, &w.batch, form(&other, &oi), now(), None)
            .await
            .unwrap();
        // Recorded by account 1 standing in for account 2 (工作委托): both are kept.
        let n = degree::record_award_for(
            &w.t.db,
            w.batch.id,
            &[a.id, draft.id],
            DegreeAward::Awarded,
            1,
            Some(2),
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(n, 1, "{}", b.name());
        let recorded = degree::get(&w.t.db, a.id).await.unwrap();
        assert_eq!(
            (recorded.award_recorded_by, recorded.award_on_behalf_of),
            (Some(1), Some(2)),
            "{}",
            b.name()
        );
        let again = degree::record_award(
            &w.t.db,
            w.batch.id,
            &[a.id],
            DegreeAward::Awarded,
            1,
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(again, 0, "recording the same result twice changes nothing");
        assert_eq!(
            degree::get(&w.t.db, a.id).await.unwrap().award.as_deref(),
            Some("awarded")
        );
        assert_eq!(degree::get(&w.t.db, draft.id).await.unwrap().award, None);
        // 提交, the review(s) and the award each reached the inbox.
        assert!(messages(&w, s.id).await >= 3, "{}", b.name());
    }
}

#[tokio::test]
async fn nothing_is_saved_outside_the_batch_window() {
    for b in app_backends() {
        let w = world(&b).await;
        let s = student(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let i = input(&s);
        let late = w.batch.closes_at;
        let Err(Ok(err)) = degree::save(&w.t.db, &s, &w.batch, form(&s, &i), late, None).await
        else {
            panic!("refused at the closing instant");
        };
        assert!(err.to_string().contains("不在学位申请时间内"), "{err}");
        let just_before = w.batch.closes_at - chrono::Duration::seconds(1);
        assert!(
            degree::save(&w.t.db, &s, &w.batch, form(&s, &i), just_before, None)
                .await
                .is_ok(),
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn the_demo_students_conditions_read_as_in_the_seed() {
    use domain::degree::conditions::{LanguageState, Thresholds, evaluate};
    let seventy = Thresholds {
        min_average_tenths: 700,
        min_core_tenths: 700,
    };
    for b in app_backends() {
        let w = world(&b).await;
        let rows_of = async |no: &str| {
            let s = student(&w, no).await;
            let results = store::degree::course_results(&w.t.db, &s).await.unwrap();
            evaluate(&results, seventy, LanguageState::Qualified)
        };
        let above = rows_of(accounts::STUDENT_ABOVE_THRESHOLDS).await;
        assert_eq!(
            above[0].current,
            "教学计划下所有课程平均成绩 (不包含毕业课程) : 91.95",
            "{}",
            b.name()
        );
        assert_eq!(above[2].current, "每门学位主干课 最低成绩: 77");
        assert!(above.iter().all(|r| r.passed));
        let below = rows_of(accounts::STUDENT_BELOW_THRESHOLDS).await;
        assert!(
            !below[2].passed && below[2].current.contains("65（包装设计）"),
            "{:?}",
            below[2]
        );
        let at = rows_of(accounts::STUDENT_AT_THRESHOLD).await;
        assert!(
            at[0].current.ends_with(": 70.00") && at[0].passed,
            "{:?}",
            at[0]
        );
    }
}

#[tokio::test]
async fn a_school_adds_a_stage_by_data_and_the_award_waits_for_the_last() {
    use store::degree::rules::{self, SchoolStages};
    for b in app_backends() {
        let w = world(&b).await;
        let school = w.batch.org_id.unwrap();
        let s = student(&w, accounts::STUDENT_ABOVE_THRESHOLDS).await;
        let two = vec!["学院审核".to_owned(), "学位评定分委员会".to_owned()];
        rules::save_for_school(
            &w.t.db,
            school,
            rules::of_school(&w.t.db, school).await.unwrap(),
            &SchoolStages {
                language: domain::degree::stages::default_names(),
                degree: two.clone(),
            },
            1,
            now(),
            None,
        )
        .await
        .unwrap();
        // The batch under way keeps its one stage; a batch created now copies both.
        assert_eq!(
            store::degree::stages_of(&w.t.db, w.batch.id)
                .await
                .unwrap()
                .len(),
            1
        );
        let batch = store::degree::batches::create(
            &w.t.db,
            school,
            "degree",
            "2027春季学位申请（两级审核）",
            now() - chrono::Duration::days(1),
            now() + chrono::Duration::days(30),
            1,
            now(),
        )
        .await
        .unwrap();
        let stages = store::degree::stages_of(&w.t.db, batch.id).await.unwrap();
        let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, two, "{}", b.name());

        let w = World { batch, ..w };
        let good = input(&s);
        let a = degree::save(&w.t.db, &s, &w.batch, form(&s, &good), now(), None)
            .await
            .unwrap();
        upload(&w, &a, DegreeSlot::Thesis).await;
        upload(&w, &a, DegreeSlot::Form).await;
        let a = degree::get(&w.t.db, a.id).await.unwrap();
        let a = degree::submit(&w.t.db, &a, &w.batch, None, now(), None)
            .await
            .unwrap();
        assert_eq!(a.stage, Some(0));
        assert_eq!(
            degree::review_label(&a, &stages).as_deref(),
            Some("待审核（学院审核）")
        );
        let db = &w.t.db;
        let batch_id = w.batch.id;
        let award = |id: i64| async move {
            degree::record_award(db, batch_id, &[id], DegreeAward::Awarded, 1, now(), None).await
        };
        assert_eq!(award(a.id).await.unwrap(), 0, "nothing to award yet");

        // Passing the first stage sends it on, still 待审核.
        let passed = degree::review(&w.t.db, &a, 1, &Decision::Approve, now(), None)
            .await
            .unwrap();
        assert_eq!(
            passed.review_status.as_deref(),
            Some(DegreeReview::Pending.code())
        );
        assert_eq!(passed.stage, Some(1));
        assert_eq!(
            degree::review_label(&passed, &stages).as_deref(),
            Some("待审核（学位评定分委员会）")
        );
        assert!(!degree::editable(&passed));
        assert_eq!(
            award(a.id).await.unwrap(),
            0,
            "{}: no award before the committee",
            b.name()
        );
        // A reviewer still holding the first stage's page changes nothing.
        assert!(matches!(
            degree::review(&w.t.db, &a, 2, &Decision::Approve, now(), None).await,
            Err(RepoError::Conflict(_))
        ));

        // The committee sends it back; corrected, it starts again at the first stage.
        let back = degree::review(
            &w.t.db,
            &passed,
            3,
            &Decision::Reject("论文查重率偏高".into()),
            now(),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            degree::review_label(&back, &stages).as_deref(),
            Some("审核不通过（学位评定分委员会）")
        );
        assert!(degree::editable(&back));
        let back = degree::save(&w.t.db, &s, &w.batch, form(&s, &good), now(), None)
            .await
            .unwrap();
        let again = degree::submit(&w.t.db, &back, &w.batch, None, now(), None)
            .await
            .unwrap();
        assert_eq!(again.stage, Some(0));
        let first = degree::review(&w.t.db, &again, 1, &Decision::Approve, now(), None)
            .await
            .unwrap();
        let last = degree::review(&w.t.db, &first, 3, &Decision::Approve, now(), None)
            .await
            .unwrap();
        assert_eq!(
            last.review_status.as_deref(),
            Some(DegreeReview::Approved.code())
        );
        assert_eq!(last.stage, None);
        // Approved: nothing left to review, and now the award is recorded.
        assert!(matches!(
            degree::review(&w.t.db, &last, 3, &Decision::Approve, now(), None).await,
            Err(RepoError::Conflict(_))
        ));
        assert_eq!(award(a.id).await.unwrap(), 1, "{}", b.name());
        let passes = store::entity::audit::Entity::find()
            .filter(store::entity::audit::Column::Action.eq("degree_application.stage_passed"))
            .filter(store::entity::audit::Column::SubjectId.eq(a.id))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(passes, 2, "{}: one audit row per stage passed", b.name());
        let told = inbox_message::Entity::find()
            .filter(inbox_message::Column::RecipientId.eq(s.id))
            .filter(inbox_message::Column::Body.contains("进入“学位评定分委员会”环节"))
            .count(&w.t.db)
            .await
            .unwrap();
        assert_eq!(told, 2, "{}", b.name());
    }
}

//! The demo data set: every named account exists in the situation it stands for, and the bulk adds
//! exactly what was asked for, on every application backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use std::collections::{HashMap, HashSet};

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use store::demo::{self, DemoOptions, DemoSummary, accounts};
use store::entity::{
    batch, candidate, enrolled_major, exemption, legacy_admission_no, legacy_score, plan_course,
    score_record, student, student_score,
};
use store::repo::{candidate as candidates, reference, staff, student as students};
use store::testkit::{TestDb, app_backends};

async fn seeded(t: &TestDb, extra: u64) -> DemoSummary {
    let opts = DemoOptions {
        password_hash: HASH.to_owned(),
        extra_candidates: extra,
        bulk_province: None,
        now: now(),
    };
    demo::seed(&t.db, &opts).await.expect("seed")
}

async fn candidate_by_no(t: &TestDb, no: &str) -> candidate::Model {
    candidates::by_admission_no(&t.db, no)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("candidate {no} missing"))
}

/// The plan of the candidate's only enrolled major, and the candidate's results.
async fn plan_and_scores(
    t: &TestDb,
    c: &candidate::Model,
) -> (Vec<reference::PlanRow>, Vec<score_record::Model>) {
    let majors = reference::enrolled_majors(&t.db, c.id).await.unwrap();
    assert_eq!(majors.len(), 1, "{} enrolled majors", c.admission_no);
    let plan = reference::plan(&t.db, majors[0].major.id).await.unwrap();
    let scores = reference::scores_of(&t.db, c.id).await.unwrap();
    (plan, scores)
}

fn passed(scores: &[score_record::Model], code: &str) -> bool {
    scores.iter().any(|s| s.course_code == code && s.passed)
}

/// Plan courses with a passed result neither directly nor through an allowed substitute.
fn missing(plan: &[reference::PlanRow], scores: &[score_record::Model]) -> Vec<String> {
    plan.iter()
        .filter(|p| !passed(scores, &p.course.course_code))
        .filter(|p| !p.substitutes.iter().any(|s| passed(scores, s)))
        .map(|p| p.course.course_code.clone())
        .collect()
}

/// Average of the non-thesis plan courses in hundredths of a point, and the lowest degree core
/// score in tenths, from `student_scores`.
async fn degree_figures(t: &TestDb, no: &str) -> (i64, i32) {
    let s = students::by_student_no(&t.db, no)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("student {no} missing"));
    let plan = plan_course::Entity::find()
        .filter(plan_course::Column::MajorId.eq(s.major_id))
        .all(&t.db)
        .await
        .unwrap();
    let scores = student_score::Entity::find()
        .filter(student_score::Column::StudentId.eq(s.id))
        .all(&t.db)
        .await
        .unwrap();
    let score = |code: &str| {
        scores
            .iter()
            .find(|x| x.course_code == code)
            .and_then(|x| x.score_tenths)
            .unwrap_or_else(|| panic!("{no} has no score for {code}"))
    };
    let counted: Vec<i32> = plan
        .iter()
        .filter(|p| p.kind != "thesis")
        .map(|p| score(&p.course_code))
        .collect();
    let sum: i64 = counted.iter().map(|t| i64::from(*t)).sum();
    let core_min = plan
        .iter()
        .filter(|p| p.degree_core)
        .map(|p| score(&p.course_code))
        .min()
        .unwrap();
    (sum * 10 / counted.len() as i64, core_min)
}

#[tokio::test]
async fn named_accounts_are_in_their_situations() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let summary = seeded(&t, 0).await;
        let now = now();
        assert_eq!(summary.candidates, 9, "{}", b.name());

        // Every well-known account is listed for its portal.
        let listed: HashMap<&str, &str> = summary
            .logins
            .iter()
            .map(|l| (l.username.as_str(), l.portal))
            .collect();
        for (no, portal) in [
            (accounts::CQ_ELIGIBLE_ASSOCIATE, "candidate"),
            (accounts::CQ_ONE_COURSE_SHORT, "candidate"),
            (accounts::CQ_EXEMPTION_USED, "candidate"),
            (accounts::CQ_BACHELOR_PRIOR_EDU, "candidate"),
            (accounts::CQ_PROFILE_INCOMPLETE, "candidate"),
            (accounts::YN_ELIGIBLE_ASSOCIATE, "candidate"),
            (accounts::YN_BACHELOR_PRIOR_EDU, "candidate"),
            (accounts::YN_CREDIT_RECOGNITION, "candidate"),
            (accounts::YN_BACKFILL_NEEDED, "candidate"),
            (accounts::STUDENT_ABOVE_THRESHOLDS, "student"),
            (accounts::STUDENT_BELOW_THRESHOLDS, "student"),
            (accounts::STUDENT_AT_THRESHOLD, "student"),
            (accounts::STAFF_CQ_OFFICE_ADMIN, "staff"),
            (accounts::STAFF_CQ_UNIVERSITY, "staff"),
            (accounts::STAFF_CQ_DISTRICT, "staff"),
            (accounts::STAFF_YN_OFFICE_ADMIN, "staff"),
            (accounts::STAFF_YN_PREFECTURE, "staff"),
            (accounts::STAFF_YN_CONFIRMATION_POINT, "staff"),
            (accounts::STAFF_YN_UNIVERSITY, "staff"),
            (accounts::STAFF_CE_SCHOOL_ADMIN, "staff"),
            (accounts::STAFF_CE_SCHOOL_REVIEWER, "staff"),
        ] {
            assert_eq!(listed.get(no), Some(&portal), "{no} on {}", b.name());
        }
        assert!(summary.logins.iter().all(|l| !l.who.is_empty()));

        // Eligible 专科 candidates: every plan course passed directly, with mixed sources.
        for no in [
            accounts::CQ_ELIGIBLE_ASSOCIATE,
            accounts::YN_ELIGIBLE_ASSOCIATE,
        ] {
            let c = candidate_by_no(&t, no).await;
            assert!(c.phone.is_some() && c.address.is_some(), "{no}");
            let (plan, scores) = plan_and_scores(&t, &c).await;
            for p in &plan {
                assert!(passed(&scores, &p.course.course_code), "{no} {p:?}");
            }
            let sources: HashSet<&str> = scores.iter().map(|s| s.source.as_str()).collect();
            assert!(
                sources.contains("exam") && sources.contains("practical"),
                "{no}"
            );
            let m = &reference::enrolled_majors(&t.db, c.id).await.unwrap()[0].major;
            assert_eq!(m.level, "associate", "{no}");
        }
        let yn = candidate_by_no(&t, accounts::YN_ELIGIBLE_ASSOCIATE).await;
        let legacy = legacy_admission_no::Entity::find()
            .filter(legacy_admission_no::Column::CandidateId.eq(yn.id))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(legacy.len(), 1);
        assert!(domain::LegacyAdmissionNo::parse(&legacy[0].legacy_no).is_ok());

        // One course short: exactly one plan course lacks a pass, and its only result is 52.
        let c = candidate_by_no(&t, accounts::CQ_ONE_COURSE_SHORT).await;
        let (plan, scores) = plan_and_scores(&t, &c).await;
        let lacking = missing(&plan, &scores);
        assert_eq!(lacking.len(), 1, "{lacking:?}");
        let only: Vec<_> = scores
            .iter()
            .filter(|s| s.course_code == lacking[0])
            .collect();
        assert_eq!(only.len(), 1);
        assert_eq!((only[0].score_tenths, only[0].passed), (Some(520), false));
        assert_eq!(scores.len(), plan.len());

        // Exemption used: an online exemption row backs an exemption-sourced pass, and a
        // substitute course stands for a plan course that was never taken.
        let c = candidate_by_no(&t, accounts::CQ_EXEMPTION_USED).await;
        let (plan, scores) = plan_and_scores(&t, &c).await;
        assert!(missing(&plan, &scores).is_empty());
        let ex = reference::exemptions_of(&t.db, c.id).await.unwrap();
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].mode, "online");
        assert!(
            scores
                .iter()
                .any(|s| s.course_code == ex[0].course_code && s.source == "exemption" && s.passed)
        );
        let substituted: Vec<_> = plan
            .iter()
            .filter(|p| !scores.iter().any(|s| s.course_code == p.course.course_code))
            .collect();
        assert_eq!(substituted.len(), 1);
        assert!(
            substituted[0]
                .substitutes
                .iter()
                .any(|s| passed(&scores, s))
        );

        // 本科 candidates needing prior education: all passed, plan requires prior education.
        for no in [
            accounts::CQ_BACHELOR_PRIOR_EDU,
            accounts::YN_BACHELOR_PRIOR_EDU,
        ] {
            let c = candidate_by_no(&t, no).await;
            let (plan, scores) = plan_and_scores(&t, &c).await;
            assert!(missing(&plan, &scores).is_empty(), "{no}");
            let m = &reference::enrolled_majors(&t.db, c.id).await.unwrap()[0].major;
            assert_eq!(m.level, "bachelor");
            assert!(m.requires_prior_education);
        }

        // Incomplete profile.
        let c = candidate_by_no(&t, accounts::CQ_PROFILE_INCOMPLETE).await;
        assert!(c.phone.is_none() && c.address.is_none());
        assert!(
            reference::enrolled_majors(&t.db, c.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(!reference::scores_of(&t.db, c.id).await.unwrap().is_empty());

        // Credit recognition.
        let c = candidate_by_no(&t, accounts::YN_CREDIT_RECOGNITION).await;
        assert_eq!(c.candidate_type, "credit_recognition");
        assert_eq!(c.province, "yunnan");
        let (plan, scores) = plan_and_scores(&t, &c).await;
        assert!(missing(&plan, &scores).is_empty());

        // Backfill needed: the certificate course and the legacy course have no result in the
        // platform; the unlinked 13-character number holds the latter under this ID number.
        let c = candidate_by_no(&t, accounts::YN_BACKFILL_NEEDED).await;
        assert_eq!(c.province, "yunnan");
        let (plan, scores) = plan_and_scores(&t, &c).await;
        let mut lacking = missing(&plan, &scores);
        lacking.sort();
        assert_eq!(lacking, [accounts::YN_BACKFILL_COURSE, "00043"]);
        assert!(
            !scores
                .iter()
                .any(|s| s.course_code == accounts::YN_BACKFILL_COURSE)
        );
        let old = legacy_score::Entity::find()
            .filter(legacy_score::Column::LegacyNo.eq(accounts::YN_UNLINKED_LEGACY_NO))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(old.len(), 2);
        assert!(old.iter().all(|o| o.id_card_no == c.id_card_no));
        assert!(old.iter().any(|o| o.course_code == "00043" && o.passed));
        assert!(
            legacy_admission_no::Entity::find()
                .filter(legacy_admission_no::Column::LegacyNo.eq(accounts::YN_UNLINKED_LEGACY_NO))
                .one(&t.db)
                .await
                .unwrap()
                .is_none()
        );

        // Realistic results: dated within the last five years, passes between 60 and 95.
        let all = score_record::Entity::find().all(&t.db).await.unwrap();
        let earliest = (now - Duration::days(5 * 366)).date_naive();
        for s in &all {
            assert!(
                s.exam_date > earliest && s.exam_date < now.date_naive(),
                "{s:?}"
            );
            if let (Some(v), true) = (s.score_tenths, s.passed) {
                assert!((600..=950).contains(&v), "{s:?}");
            }
        }
        assert_eq!(summary.score_records, all.len() as u64);

        // Students against the degree thresholds.
        assert_eq!(
            degree_figures(&t, accounts::STUDENT_ABOVE_THRESHOLDS).await,
            (9195, 770)
        );
        let (avg, core) = degree_figures(&t, accounts::STUDENT_BELOW_THRESHOLDS).await;
        assert!(avg < 7000 || core < 700, "{avg} {core}");
        let (avg, core) = degree_figures(&t, accounts::STUDENT_AT_THRESHOLD).await;
        assert_eq!(avg, 7000);
        assert!(core >= 700);
        let s = students::by_student_no(&t.db, accounts::STUDENT_ABOVE_THRESHOLDS)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                s.study_level.as_str(),
                s.grade.as_str(),
                s.enrolment_status.as_str(),
                s.learning_centre.as_str()
            ),
            ("专升本", "2022级", "在籍", "继续教育学院")
        );

        // Staff: admins are admins, the rest reviewers, all in the organisation they name.
        for (username, role) in [
            (accounts::STAFF_CQ_OFFICE_ADMIN, "admin"),
            (accounts::STAFF_YN_OFFICE_ADMIN, "admin"),
            (accounts::STAFF_CE_SCHOOL_ADMIN, "admin"),
            (accounts::STAFF_CE_SCHOOL_REVIEWER, "reviewer"),
            (accounts::STAFF_CQ_UNIVERSITY, "reviewer"),
            (accounts::STAFF_YN_CONFIRMATION_POINT, "reviewer"),
        ] {
            let s = staff::by_username(&t.db, username).await.unwrap().unwrap();
            let roles = staff::roles_of(&t.db, s.id).await.unwrap();
            let codes: Vec<&str> = roles.grants().iter().map(|g| g.role.code()).collect();
            assert_eq!(codes, [role], "{username}");
        }

        // Batches: one open graduation batch per province, and the school's two batches open now.
        let batches = batch::Entity::find()
            .order_by_asc(batch::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        let open = |kind: &str, province: Option<&str>| {
            batches.iter().any(|x| {
                x.kind == kind
                    && x.province.as_deref() == province
                    && x.opens_at <= now
                    && now < x.closes_at
            })
        };
        assert!(open("graduation", Some("chongqing")));
        assert!(open("graduation", Some("yunnan")));
        assert!(open("language", None));
        assert!(open("degree", None));
        assert!(
            batches
                .iter()
                .any(|x| x.kind == "language" && x.name.ends_with("批次"))
        );
        // The school's rules row (70/70/70) was copied into its batches; graduation batches
        // carry none.
        for x in &batches {
            let want = match x.kind.as_str() {
                "language" => (Some(700), None),
                "degree" => (Some(700), Some(700)),
                _ => (None, None),
            };
            assert_eq!(
                (x.min_average_tenths, x.min_core_tenths),
                want,
                "{}",
                x.name
            );
        }
        let school = batches
            .iter()
            .find(|x| x.kind == "language")
            .and_then(|x| x.org_id)
            .unwrap();
        assert_eq!(
            store::degree::rules::of_school(&t.db, school)
                .await
                .unwrap(),
            store::degree::rules::DegreeRules::default()
        );
        assert!(
            store::entity::school_degree_rule::Entity::find()
                .one(&t.db)
                .await
                .unwrap()
                .is_some_and(|r| r.school_org_id == school)
        );

        // Every ID number parses.
        for c in candidate::Entity::find().all(&t.db).await.unwrap() {
            domain::IdCardNo::parse(&c.id_card_no).expect(&c.id_card_no);
        }
        for s in student::Entity::find().all(&t.db).await.unwrap() {
            domain::IdCardNo::parse(&s.id_card_no).expect(&s.id_card_no);
        }

        // A second seed into the same database is refused rather than half-applied.
        let again = demo::seed(
            &t.db,
            &DemoOptions {
                password_hash: HASH.to_owned(),
                extra_candidates: 0,
                bulk_province: None,
                now,
            },
        )
        .await;
        assert!(again.is_err());
    }
}

#[tokio::test]
async fn bulk_adds_exactly_the_requested_candidates() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let summary = seeded(&t, 2_000).await;
        assert_eq!(summary.candidates, 2_009);
        let all = candidate::Entity::find().all(&t.db).await.unwrap();
        assert_eq!(all.len(), 2_009, "{}", b.name());

        let named: HashSet<&str> = summary
            .logins
            .iter()
            .filter(|l| l.portal == "candidate")
            .map(|l| l.username.as_str())
            .collect();
        let bulk: Vec<_> = all
            .iter()
            .filter(|c| !named.contains(c.admission_no.as_str()))
            .collect();
        assert_eq!(bulk.len(), 2_000);

        let plan_len: HashMap<i64, usize> = {
            let mut m = HashMap::new();
            for p in plan_course::Entity::find().all(&t.db).await.unwrap() {
                *m.entry(p.major_id).or_insert(0) += 1;
            }
            m
        };
        let enrolled: HashMap<i64, i64> = enrolled_major::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.candidate_id, e.major_id))
            .collect();
        let mut scores: HashMap<i64, usize> = HashMap::new();
        let mut passes = 0usize;
        let mut rows = 0usize;
        for s in score_record::Entity::find().all(&t.db).await.unwrap() {
            *scores.entry(s.candidate_id).or_insert(0) += 1;
            rows += 1;
            passes += usize::from(s.passed);
        }
        assert_eq!(summary.score_records, rows as u64);
        let mut ids = HashSet::new();
        for c in &bulk {
            let major = enrolled
                .get(&c.id)
                .unwrap_or_else(|| panic!("{} has no enrolled major", c.admission_no));
            assert_eq!(scores.get(&c.id), plan_len.get(major), "{}", c.admission_no);
            domain::AdmissionNo::parse(&c.admission_no).unwrap();
            let id = domain::IdCardNo::parse(&c.id_card_no).expect(&c.id_card_no);
            assert_eq!(id.gender().code(), c.gender);
            assert_eq!(id.birth_date(), c.birth_date);
            assert!(
                ids.insert(c.id_card_no.clone()),
                "repeated {}",
                c.id_card_no
            );
            assert!(c.phone.is_some() && c.address.is_some());
            assert!(c.admission_no.starts_with(if c.province == "chongqing" {
                "50"
            } else {
                "53"
            }));
        }
        let provinces: HashSet<&str> = bulk.iter().map(|c| c.province.as_str()).collect();
        assert_eq!(provinces.len(), 2);
        let share = passes * 100 / rows;
        assert!((80..=90).contains(&share), "{share}% passed");

        // Ids were handed out in bulk: the next ordinary insert must not collide.
        let next = candidates::NewCandidate {
            admission_no: domain::AdmissionNo::parse("509900000001").unwrap(),
            name: "测试".to_owned(),
            id_card_no: domain::IdCardNo::parse(&all[0].id_card_no).unwrap(),
            ethnicity: "汉族".to_owned(),
            political_status: "群众".to_owned(),
            phone: None,
            address: None,
            candidate_type: domain::CandidateType::SelfStudy,
            province: domain::Province::from_code("chongqing").unwrap(),
            registration_org_id: all[0].registration_org_id,
        };
        candidates::insert(&t.db, next, HASH.to_owned(), now())
            .await
            .expect("insert after bulk");
        assert_eq!(exemption::Entity::find().count(&t.db).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn the_bulk_is_the_same_every_time() {
    let b = store::testkit::Backend::Sqlite;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let t = TestDb::create(&b).await.unwrap();
        seeded(&t, 300).await;
        let rows: Vec<(String, String, String)> = candidate::Entity::find()
            .order_by_asc(candidate::Column::Id)
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.admission_no, c.name, c.id_card_no))
            .collect();
        let scores: Vec<(String, Option<i32>)> = score_record::Entity::find()
            .order_by_asc(score_record::Column::Id)
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.course_code, s.score_tenths))
            .collect();
        seen.push((rows, scores));
    }
    assert_eq!(seen[0], seen[1]);
}

/// Timing of a large bulk on every application backend; run in release mode:
/// `BIYE_DEMO_EXTRA=100000 cargo test --release -p store --test demo -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "slow: measures a large bulk"]
async fn large_bulk_timing() {
    let extra = std::env::var("BIYE_DEMO_EXTRA")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let started = std::time::Instant::now();
        let summary = seeded(&t, extra).await;
        eprintln!(
            "{}: seeded {} candidates and {} score records in {:.1?}",
            b.name(),
            summary.candidates,
            summary.score_records,
            started.elapsed()
        );
        let counted = score_record::Entity::find().count(&t.db).await.unwrap();
        assert_eq!(counted, summary.score_records);
    }
}

//! The batch audit of a graduation batch: every verdict it writes equals the explaining audit's
//! for the same candidate and major, and a second run replaces the first, on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{HASH, now};
use std::collections::{BTreeMap, HashMap};

use domain::graduation::{Facts, Plan, audit, moral_state};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use store::demo::{self, DemoOptions};
use store::entity::{
    batch, batch_audit_result, batch_audit_run, candidate, enrolled_major, exemption, major,
    score_record,
};
use store::graduation::batch_audit::{self, BatchAuditSummary};
use store::graduation::{plan_of, records_of};
use store::testkit::{TestDb, contract_backends};

/// Synthetic candidates on top of the named ones: enough for several chunks of [`CHUNK`].
const EXTRA: u64 = 400;

/// Small enough that a province spans many chunks, odd so boundaries fall anywhere.
const CHUNK: u32 = 37;

/// (candidate id, major id) → (eligible, failing mask).
type Verdicts = BTreeMap<(i64, i64), (bool, i16)>;

async fn seeded(t: &TestDb) {
    demo::seed(
        &t.db,
        &DemoOptions {
            password_hash: HASH.to_owned(),
            extra_candidates: EXTRA,
            bulk_province: None,
            now: now(),
        },
    )
    .await
    .expect("seed");
}

/// The open graduation batch of `province`.
async fn batch_of(t: &TestDb, province: &str) -> batch::Model {
    let now = now();
    batch::Entity::find()
        .filter(batch::Column::Kind.eq("graduation"))
        .filter(batch::Column::Province.eq(province))
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.opens_at <= now && now < b.closes_at)
        .unwrap_or_else(|| panic!("no open graduation batch for {province}"))
}

/// Gives the synthetic candidates what the bulk generator never does, so that every condition
/// fails for somebody: legal blocks, exemption-sourced passes with online, offline-without-form
/// or no exemption record, a practical component transferred in, a result of an unknown source,
/// and a second enrolled major.
async fn vary(t: &TestDb) {
    let now = now();
    let all = candidate::Entity::find()
        .order_by_asc(candidate::Column::Id)
        .all(&t.db)
        .await
        .unwrap();
    let blocked: Vec<i64> = all
        .iter()
        .filter(|c| c.id % 13 == 5)
        .map(|c| c.id)
        .collect();
    candidate::Entity::update_many()
        .col_expr(candidate::Column::LegalBlock, Expr::value(true))
        .filter(candidate::Column::Id.is_in(blocked))
        .exec(&t.db)
        .await
        .unwrap();

    let majors = major::Entity::find().all(&t.db).await.unwrap();
    for c in all.iter().filter(|c| c.id % 7 == 3) {
        let scores = score_record::Entity::find()
            .filter(score_record::Column::CandidateId.eq(c.id))
            .filter(score_record::Column::Passed.eq(true))
            .order_by_asc(score_record::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        let Some(first) = scores.first() else {
            continue;
        };
        let mut turned: score_record::ActiveModel = first.clone().into();
        turned.source = Set("exemption".to_owned());
        turned.update(&t.db).await.unwrap();
        // One in three keeps it undocumented; the others get an online exemption or an
        // offline one without its registration form.
        let mode = match c.id % 3 {
            0 => None,
            1 => Some("online"),
            _ => Some("offline"),
        };
        if let Some(mode) = mode {
            exemption::ActiveModel {
                candidate_id: Set(c.id),
                course_code: Set(first.course_code.clone()),
                mode: Set(mode.to_owned()),
                approved_on: Set(first.exam_date),
                form_file_key: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&t.db)
            .await
            .unwrap();
        }
        if let Some(second) = scores.get(1) {
            let mut odd: score_record::ActiveModel = second.clone().into();
            odd.source = Set(if c.id % 2 == 0 { "transfer" } else { "bogus" }.to_owned());
            odd.update(&t.db).await.unwrap();
        }
    }
    for c in all.iter().filter(|c| c.id % 10 == 1) {
        let enrolled = enrolled_major::Entity::find()
            .filter(enrolled_major::Column::CandidateId.eq(c.id))
            .all(&t.db)
            .await
            .unwrap();
        let other = majors.iter().find(|m| {
            m.province.as_deref() == Some(c.province.as_str())
                && !enrolled.iter().any(|e| e.major_id == m.id)
        });
        if let Some(m) = other {
            enrolled_major::ActiveModel {
                candidate_id: Set(c.id),
                major_id: Set(m.id),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&t.db)
            .await
            .unwrap();
        }
    }
}

/// What the explaining audit says about every candidate of `province` and each enrolled major,
/// with the number of score rows of those candidates.
async fn explained(t: &TestDb, province: &str) -> (Verdicts, u64, u64) {
    let mut plans: HashMap<i64, Plan> = HashMap::new();
    let mut verdicts = Verdicts::new();
    let mut rows = 0u64;
    let candidates = candidate::Entity::find()
        .filter(candidate::Column::Province.eq(province))
        .all(&t.db)
        .await
        .unwrap();
    for c in &candidates {
        let (scores, exemptions) = records_of(&t.db, c).await.unwrap();
        rows += score_record::Entity::find()
            .filter(score_record::Column::CandidateId.eq(c.id))
            .count(&t.db)
            .await
            .unwrap();
        let facts = Facts {
            scores: &scores,
            exemptions: &exemptions,
            moral: moral_state(&c.province),
            prior_education: domain::graduation::PriorEducation::NotChecked,
            legally_blocked: c.legal_block,
        };
        let enrolled = enrolled_major::Entity::find()
            .filter(enrolled_major::Column::CandidateId.eq(c.id))
            .all(&t.db)
            .await
            .unwrap();
        for e in enrolled {
            if let std::collections::hash_map::Entry::Vacant(slot) = plans.entry(e.major_id) {
                let m = major::Entity::find_by_id(e.major_id)
                    .one(&t.db)
                    .await
                    .unwrap()
                    .unwrap();
                slot.insert(plan_of(&t.db, &m).await.unwrap());
            }
            let result = audit(&plans[&e.major_id], &facts, &[]);
            verdicts.insert(
                (c.id, e.major_id),
                (result.eligible(), i16::from(result.failing_mask())),
            );
        }
    }
    (verdicts, candidates.len() as u64, rows)
}

async fn stored(t: &TestDb, batch_id: i64) -> Verdicts {
    batch_audit_result::Entity::find()
        .filter(batch_audit_result::Column::BatchId.eq(batch_id))
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.candidate_id, r.major_id), (r.eligible, r.failing_mask)))
        .collect()
}

/// The summary's counts are those of `verdicts`.
fn assert_counts(summary: &BatchAuditSummary, verdicts: &Verdicts, what: &str) {
    assert_eq!(summary.results, verdicts.len() as u64, "{what}");
    let eligible = verdicts.values().filter(|(e, _)| *e).count() as u64;
    assert_eq!(summary.eligible, eligible, "{what}");
    for (bit, n) in summary.failing.iter().enumerate() {
        let expected = verdicts
            .values()
            .filter(|(_, m)| m & (1 << bit) != 0)
            .count() as u64;
        assert_eq!(*n, expected, "{what}: condition {bit}");
    }
}

#[tokio::test]
async fn every_batch_verdict_equals_the_explaining_audit() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seeded(&t).await;
        vary(&t).await;
        let mut masks_seen = 0u8;
        for province in ["chongqing", "yunnan"] {
            let what = format!("{province} on {}", b.name());
            let batch = batch_of(&t, province).await;
            let mut reports = 0;
            let summary = batch_audit::run_in_chunks(&t.db, batch.id, now(), CHUNK, |_| {
                reports += 1;
            })
            .await
            .unwrap();
            let (expected, candidates, rows) = explained(&t, province).await;
            let written = stored(&t, batch.id).await;
            for (key, verdict) in &expected {
                assert_eq!(written.get(key), Some(verdict), "{what}: {key:?}");
            }
            assert_eq!(written.len(), expected.len(), "{what}: extra verdicts");
            assert_counts(&summary, &expected, &what);
            assert_eq!(summary.candidates, candidates, "{what}");
            assert_eq!(summary.rows_audited, rows, "{what}");
            assert!(reports as u64 >= candidates / u64::from(CHUNK), "{what}");
            for (_, mask) in written.values() {
                masks_seen |= *mask as u8;
            }
            assert!(
                written.values().any(|(e, _)| !e),
                "{what}: nobody ineligible"
            );
        }
        // Every condition failed for somebody, so every bit of the comparison was exercised.
        assert_eq!(masks_seen, 0b11_1111, "{}", b.name());
        let eligible = batch_audit_result::Entity::find()
            .filter(batch_audit_result::Column::Eligible.eq(true))
            .count(&t.db)
            .await
            .unwrap();
        assert!(eligible > 0, "{}: nobody eligible", b.name());
    }
}

#[tokio::test]
async fn second_run_replaces_the_first() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        seeded(&t).await;
        let cq = batch_of(&t, "chongqing").await;
        let yn = batch_of(&t, "yunnan").await;
        batch_audit::run(&t.db, yn.id, now(), |_| {}).await.unwrap();
        let yunnan_before = stored(&t, yn.id).await;
        let first = batch_audit::run_in_chunks(&t.db, cq.id, now(), CHUNK, |_| {})
            .await
            .unwrap();
        assert_eq!(stored(&t, cq.id).await.len() as u64, first.results);

        // Between the runs: one candidate leaves their major, another becomes barred.
        let some: Vec<candidate::Model> = candidate::Entity::find()
            .filter(candidate::Column::Province.eq("chongqing"))
            .order_by_asc(candidate::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        let leaving = some.iter().rev().find(|c| c.id % 2 == 0).unwrap();
        enrolled_major::Entity::delete_many()
            .filter(enrolled_major::Column::CandidateId.eq(leaving.id))
            .exec(&t.db)
            .await
            .unwrap();
        let barred = &some[some.len() / 2];
        let mut row: candidate::ActiveModel = barred.clone().into();
        row.legal_block = Set(true);
        row.update(&t.db).await.unwrap();

        // A different chunk size moves every boundary: replacement must not depend on them.
        let second = batch_audit::run_in_chunks(&t.db, cq.id, now(), CHUNK * 3, |_| {})
            .await
            .unwrap();
        let written = stored(&t, cq.id).await;
        let (expected, _, _) = explained(&t, "chongqing").await;
        assert_eq!(written, expected, "{}", b.name());
        assert_eq!(second.results, first.results - 1, "{}", b.name());
        assert!(!written.keys().any(|(c, _)| *c == leaving.id));
        assert!(
            written
                .iter()
                .filter(|((c, _), _)| *c == barred.id)
                .all(|(_, (eligible, mask))| !eligible && mask & (1 << 5) != 0)
        );
        assert_counts(&second, &written, b.name());
        // The other province's batch is untouched.
        assert_eq!(stored(&t, yn.id).await, yunnan_before, "{}", b.name());

        let runs = batch_audit_run::Entity::find()
            .filter(batch_audit_run::Column::BatchId.eq(cq.id))
            .order_by_asc(batch_audit_run::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(runs.len(), 2, "{}", b.name());
        assert!(runs.iter().all(|r| r.finished_at.is_some()));
        assert_eq!(runs[1].id, second.run_id);
        assert_eq!(runs[1].results, second.results as i64);
        assert_eq!(runs[1].eligible_count, second.eligible as i64);
        assert_eq!(runs[1].failing_f, second.failing[5] as i64);
    }
}

#[tokio::test]
async fn only_graduation_batches_are_audited() {
    let t = TestDb::create(&store::testkit::Backend::Sqlite)
        .await
        .unwrap();
    seeded(&t).await;
    let language = batch::Entity::find()
        .filter(batch::Column::Kind.eq("language"))
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let refused = batch_audit::run(&t.db, language.id, now(), |_| {}).await;
    assert!(
        matches!(refused, Err(store::repo::RepoError::Invalid(ref m)) if m.contains("不是毕业批次")),
        "{refused:?}"
    );
    let missing = batch_audit::run(&t.db, i64::MAX, now(), |_| {}).await;
    assert!(matches!(missing, Err(store::repo::RepoError::NotFound)));
    assert_eq!(
        batch_audit_run::Entity::find().count(&t.db).await.unwrap(),
        0
    );
}

/// Condition e of the batch audit reads the prior-education result stored on the candidate's
/// application in the batch: failing before the check, passing once it verified, as on the
/// candidate's own page.
#[tokio::test]
async fn the_batch_audit_reads_the_stored_prior_education_result() {
    use store::graduation::application::{self as apps, NewApplication, PRIOR_VERIFIED};
    const E: i16 = 1 << 4;
    for b in contract_backends() {
        let t = TestDb::create(&b)
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
        let batch = batch_of(&t, "chongqing").await;
        let c =
            store::repo::candidate::by_admission_no(&t.db, demo::accounts::CQ_BACHELOR_PRIOR_EDU)
                .await
                .unwrap()
                .unwrap();
        let m = store::repo::reference::enrolled_majors(&t.db, c.id)
            .await
            .unwrap()
            .remove(0)
            .major;
        batch_audit::run(&t.db, batch.id, now(), |_| {})
            .await
            .unwrap();
        let before = stored(&t, batch.id).await[&(c.id, m.id)];
        assert_ne!(before.1 & E, 0, "{}: e fails before any check", b.name());

        apps::open(
            &t.db,
            NewApplication {
                candidate: &c,
                batch: &batch,
                major: &m,
                prior_check: PRIOR_VERIFIED,
                prior_check_message: None,
            },
            now(),
            None,
        )
        .await
        .unwrap();
        batch_audit::run(&t.db, batch.id, now(), |_| {})
            .await
            .unwrap();
        let after = stored(&t, batch.id).await[&(c.id, m.id)];
        assert_eq!(after.1 & E, 0, "{}: e holds once verified", b.name());
        assert_eq!(after.1, before.1 & !E, "{}: nothing else changed", b.name());
    }
}

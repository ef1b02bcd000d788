//! Synthetic applications for the queues at scale (`biye demo --applications`): every stage and
//! status of each province's pipeline is present, each application is where the services would
//! have left it, and the reviewers' queue, its counts and its keyset pages agree with the rows
//! counted here one by one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap, HashSet};

use domain::review::{StageKind, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::{self, DemoOptions};
use store::entity::{
    candidate, graduate_archive, graduation_application as app, organisation, review_event,
};
use store::graduation::application::{self, Decision, QueueFilter};
use store::testkit::{TestDb, contract_backends};

use crate::common::{HASH, now, walk_queue, walk_queue_back};

#[tokio::test]
async fn seeded_applications_fill_every_stage_and_the_queues_count_them_right() {
    for b in contract_backends() {
        let name = b.name();
        let t = TestDb::create(&b).await.unwrap();
        let at = now();
        demo::seed(
            &t.db,
            &DemoOptions {
                password_hash: HASH.to_owned(),
                extra_candidates: 500,
                bulk_province: None,
                now: at,
            },
        )
        .await
        .unwrap();
        // More applications than synthetic candidates is refused, nothing written.
        assert!(demo::seed_applications(&t.db, 100_000, at).await.is_err());
        let seeded = demo::seed_applications(&t.db, 400, at).await.unwrap();
        assert_eq!(seeded.applications, 400, "{name}");
        let apps = app::Entity::find().all(&t.db).await.unwrap();
        assert_eq!(apps.len(), 400, "{name}");
        let events = review_event::Entity::find().all(&t.db).await.unwrap();
        assert_eq!(events.len() as u64, seeded.events, "{name}");

        // Every stage and status of every batch's pipeline (a closed batch only settled ones).
        let mut batches = Vec::new();
        for p in ["chongqing", "yunnan"] {
            batches.extend(application::batches_of_province(&t.db, p).await.unwrap());
        }
        let has = |batch: i64, status: Status, stage: Option<usize>| {
            apps.iter().any(|a| {
                a.batch_id == batch
                    && a.status == status.code()
                    && a.stage == stage.map(|s| s as i32)
            })
        };
        for bt in &batches {
            let stages = application::stages(&t.db, bt.id).await.unwrap();
            if bt.closes_at <= at {
                assert!(has(bt.id, Status::Approved, None), "{name}: {}", bt.name);
                assert!(has(bt.id, Status::Closed, None), "{name}: {}", bt.name);
                assert!(
                    apps.iter()
                        .filter(|a| a.batch_id == bt.id)
                        .all(|a| a.status == Status::Approved.code()
                            || a.status == Status::Closed.code()),
                    "{name}: a closed batch holds only settled applications"
                );
                continue;
            }
            assert!(has(bt.id, Status::Draft, None), "{name}: {}", bt.name);
            assert!(has(bt.id, Status::Approved, None), "{name}: {}", bt.name);
            for (seq, s) in stages.iter().enumerate() {
                match s.kind {
                    StageKind::Payment { .. } => {
                        assert!(
                            has(bt.id, Status::AwaitingPayment, Some(seq)),
                            "{name}: {}",
                            s.name
                        )
                    }
                    StageKind::Review(_) => {
                        assert!(
                            has(bt.id, Status::InReview, Some(seq)),
                            "{name}: {}",
                            s.name
                        );
                        assert!(
                            has(bt.id, Status::Rejected, Some(seq)),
                            "{name}: {}",
                            s.name
                        );
                    }
                }
            }
        }

        // Each application as the services leave it.
        let archived: HashSet<i64> = graduate_archive::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.application_id)
            .collect();
        let mut events_of: HashMap<i64, Vec<&review_event::Model>> = HashMap::new();
        for e in &events {
            events_of.entry(e.application_id).or_default().push(e);
        }
        for a in &apps {
            let evs = events_of.get(&a.id).cloned().unwrap_or_default();
            let status = Status::from_code(&a.status).unwrap();
            assert_eq!(
                a.submitted_at.is_some(),
                evs.iter().any(|e| e.action == "submitted"),
                "{name}: {}",
                a.id
            );
            assert!(evs.iter().all(|e| e.at <= at && e.at >= a.created_at));
            assert_eq!(status == Status::Approved, a.approved_at.is_some());
            assert_eq!(status == Status::Approved, a.pickup_from.is_some());
            assert_eq!(status == Status::Approved, archived.contains(&a.id));
            // Closing at the deadline leaves a rejection's reason on the row, as the services do.
            assert_eq!(
                a.rejection_reason.is_some(),
                evs.iter().any(|e| e.action == "rejected"),
                "{name}: {}",
                a.id
            );
            if status == Status::Rejected {
                assert!(a.rejection_reason.is_some());
            }
            assert_eq!(status == Status::InReview, a.current_org_id.is_some());
            if status == Status::InReview {
                // The organisation the application waits for is the one its stage's rule names.
                let stages = application::stages(&t.db, a.batch_id).await.unwrap();
                let stage = &stages[a.stage.unwrap() as usize];
                let org = application::reviewer_of(&t.db, a, stage).await.unwrap();
                assert_eq!(org, a.current_org_id, "{name}: {}", a.id);
            }
        }

        queues_agree_with_rows(&t.db, name, &batches).await;

        // The tallies of a database that had its applications before they existed are filled
        // from the rows when the migration runs.
        use sea_orm_migration::MigratorTrait;
        let all = store::migration::Migrator::migrations();
        let at_tallies = all
            .iter()
            .position(|m| m.name() == "m20261204_000031_queue_tallies")
            .unwrap();
        let steps = u32::try_from(all.len() - at_tallies).unwrap();
        store::migration::Migrator::down(&t.db, Some(steps))
            .await
            .unwrap();
        store::migration::Migrator::up(&t.db, None).await.unwrap();
        queues_agree_with_rows(&t.db, name, &batches).await;

        // A seeded application waiting for the office is one the office can decide.
        let office = organisation::Entity::find()
            .filter(organisation::Column::Kind.eq("municipal_office"))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let waiting = apps
            .iter()
            .find(|a| a.current_org_id == Some(office.id))
            .expect("an application waits for the office");
        let decided = application::decide(
            &t.db,
            &office,
            1,
            waiting.id,
            waiting.stage.unwrap() as usize,
            Decision::Approve,
            at,
            None,
        )
        .await
        .unwrap();
        assert_eq!(decided.status, Status::Approved.code(), "{name}");

        // The counts and the 已审核 list follow every later move, by service or by hand: a
        // rejection, an operator's change of major and 提交时间, the deadline closing the rest.
        let apps = app::Entity::find().all(&t.db).await.unwrap();
        let waiting = apps
            .iter()
            .find(|a| a.status == Status::InReview.code() && a.current_org_id.is_some())
            .expect("another application waits");
        let org = store::repo::org::get(&t.db, waiting.current_org_id.unwrap())
            .await
            .unwrap();
        let rejected = application::decide(
            &t.db,
            &org,
            1,
            waiting.id,
            waiting.stage.unwrap() as usize,
            Decision::Reject("照片与身份证不符".into()),
            at,
            None,
        )
        .await
        .unwrap();
        assert_eq!(rejected.status, Status::Rejected.code(), "{name}");
        queues_agree_with_rows(&t.db, name, &batches).await;
        let other_major = apps
            .iter()
            .find(|a| a.batch_id == rejected.batch_id && a.major_id != rejected.major_id)
            .expect("another major in the batch")
            .major_id;
        let later = at + chrono::Duration::minutes(5);
        app::Entity::update_many()
            .col_expr(
                app::Column::MajorId,
                sea_orm::sea_query::Expr::value(other_major),
            )
            .col_expr(
                app::Column::SubmittedAt,
                sea_orm::sea_query::Expr::value(later),
            )
            .filter(app::Column::Id.eq(rejected.id))
            .exec(&t.db)
            .await
            .unwrap();
        queues_agree_with_rows(&t.db, name, &batches).await;
        let closed = application::close_expired(&t.db, at + chrono::Duration::days(400))
            .await
            .unwrap();
        assert!(closed > 0, "{name}");
        queues_agree_with_rows(&t.db, name, &batches).await;
    }
}

/// Both lists, without and with each of the batch, major and search filters: the search both a
/// 准考证号's prefix (with spaces around it, which are ignored) and a name's.
fn filter_combinations(apps: &[app::Model], candidates: &[candidate::Model]) -> Vec<QueueFilter> {
    let first = candidates
        .iter()
        .find(|c| c.id == apps[0].candidate_id)
        .expect("the first application's candidate");
    let admission = format!(" {} ", &first.admission_no[..first.admission_no.len() - 2]);
    let name: String = first.name.chars().take(1).collect();
    let mut out = Vec::new();
    for decided in [false, true] {
        for major in [None, Some(apps[0].major_id)] {
            for batch in [None, Some(apps[0].batch_id)] {
                for search in [None, Some(admission.clone()), Some(name.clone())] {
                    out.push(QueueFilter {
                        batch_id: batch,
                        major_id: major,
                        decided,
                        search,
                        ..Default::default()
                    });
                }
            }
        }
    }
    out
}

/// Every organisation's queues (both lists, with and without batch, major and search filters),
/// their counts and the batches' counts per status agree with the rows counted here one by one.
async fn queues_agree_with_rows(
    db: &store::Db,
    name: &str,
    batches: &[store::entity::batch::Model],
) {
    let apps = app::Entity::find().all(db).await.unwrap();
    let candidates = candidate::Entity::find().all(db).await.unwrap();
    let by_id: HashMap<i64, &candidate::Model> = candidates.iter().map(|c| (c.id, c)).collect();
    let events = review_event::Entity::find().all(db).await.unwrap();
    // The queues of every organisation with work agree with the rows.
    let orgs: BTreeSet<i64> = apps
        .iter()
        .filter_map(|a| a.current_org_id)
        .chain(events.iter().filter_map(|e| e.org_id))
        .collect();
    assert!(orgs.len() >= 4, "{name}: {orgs:?}");
    for org_id in orgs {
        let org = store::repo::org::get(db, org_id).await.unwrap();
        let decided_ids: HashSet<i64> = events
            .iter()
            .filter(|e| e.org_id == Some(org_id))
            .filter(|e| e.action == "approved" || e.action == "rejected")
            .map(|e| e.application_id)
            .collect();
        for filter in filter_combinations(&apps, &candidates) {
            let (decided, major, batch) = (filter.decided, filter.major_id, filter.batch_id);
            let search = filter.search.clone();
            let mut direct: Vec<&app::Model> = apps
                .iter()
                .filter(|a| {
                    if decided {
                        decided_ids.contains(&a.id)
                    } else {
                        a.current_org_id == Some(org_id) && a.status == Status::InReview.code()
                    }
                })
                .filter(|a| major.is_none_or(|m| a.major_id == m))
                .filter(|a| batch.is_none_or(|b| a.batch_id == b))
                .filter(|a| {
                    search.as_deref().is_none_or(|s| {
                        let c = &by_id[&a.candidate_id];
                        c.admission_no.starts_with(s.trim()) || c.name.starts_with(s.trim())
                    })
                })
                .collect();
            direct.sort_by_key(|a| (a.submitted_at, a.id));
            let n = application::queue_count(db, &org, &filter).await.unwrap();
            assert_eq!(n, direct.len() as u64, "{name}: {org_id} {filter:?}");
            let walked: Vec<i64> = walk_queue(db, &org, &filter, 7)
                .await
                .iter()
                .map(|a| a.id)
                .collect();
            let expected: Vec<i64> = direct.iter().map(|a| a.id).collect();
            assert_eq!(walked, expected, "{name}: {org_id} {filter:?}");
            let back: Vec<i64> = walk_queue_back(db, &org, &filter, 7)
                .await
                .iter()
                .map(|a| a.id)
                .collect();
            assert_eq!(back, expected, "{name}: {org_id} {filter:?} by 上一页");
        }
    }
    // Every list read above, with every combination of filters and each kind of page, sent a
    // text kept for it: the values listed for each matched what its builder binds.
    assert_eq!(store::reader::unkept_builds(), 0, "{name}");

    // The counts above the queue.
    for bt in batches {
        let mut direct: HashMap<String, i64> = HashMap::new();
        for a in apps.iter().filter(|a| a.batch_id == bt.id) {
            *direct.entry(a.status.clone()).or_default() += 1;
        }
        let counted: HashMap<String, i64> = application::counts_by_status(db, bt.id)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(counted, direct, "{name}: {}", bt.name);
        // With the 待审核 count of each organisation, from the same read.
        let orgs: BTreeSet<i64> = apps.iter().filter_map(|a| a.current_org_id).collect();
        for org_id in orgs {
            let waiting = apps
                .iter()
                .filter(|a| a.batch_id == bt.id && a.current_org_id == Some(org_id))
                .filter(|a| a.status == Status::InReview.code())
                .count() as u64;
            let counts = application::batch_counts(db, bt.id, Some(org_id))
                .await
                .unwrap();
            assert_eq!(
                counts.pending_at_org, waiting,
                "{name}: {} {org_id}",
                bt.name
            );
            let by_status: HashMap<String, i64> = counts.by_status.into_iter().collect();
            assert_eq!(by_status, direct, "{name}: {}", bt.name);
        }
    }
}

//! Two instances, one database: each periodic job runs once per period, whoever asks first,
//! and a job whose holder died runs again when its lease runs out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, SubsecRound, Utc};
use jobs::{Context, Job, LEASE_HOLD, run_due};
use store::payment::local::LocalGateway;
use store::testkit::{TestDb, contract_backends};

fn instance(db: store::Db, holder: &str) -> Context {
    Context {
        gateway: Arc::new(LocalGateway::new(
            db.clone(),
            "http://127.0.0.1:9",
            "test-secret",
        )),
        db,
        documents: None,
        senders: None,
        holder: holder.to_owned(),
    }
}

/// Runs both instances' rounds at once and returns how often each job ran in all.
async fn round(a: &Context, b: &Context, at: chrono::DateTime<Utc>) -> Vec<(Job, usize)> {
    let (ran_a, ran_b) = tokio::join!(run_due(a, at), run_due(b, at));
    Job::ALL
        .iter()
        .map(|j| {
            let n = ran_a.iter().chain(&ran_b).filter(|r| *r == j).count();
            (*j, n)
        })
        .collect()
}

fn ran(counts: &[(Job, usize)]) -> Vec<Job> {
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(j, _)| *j)
        .collect()
}

#[tokio::test]
async fn each_job_runs_once_per_period_across_two_instances() {
    for backend in contract_backends() {
        let t = TestDb::create(&backend).await.unwrap();
        let a = instance(t.db.clone(), "instance-a");
        let b = instance(store::connect(&t.url).await.unwrap(), "instance-b");
        let start = Utc::now().trunc_subsecs(0) + Duration::seconds(2);

        let first = round(&a, &b, start).await;
        assert!(
            first.iter().all(|(_, n)| *n == 1),
            "{}: {first:?}",
            backend.name()
        );
        // Ten seconds later nothing is due, on either instance.
        let quiet = round(&a, &b, start + Duration::seconds(10)).await;
        assert!(ran(&quiet).is_empty(), "{}: {quiet:?}", backend.name());
        // After a minute the minutely jobs (and the WAL checkpoint, every 15 s) run once more;
        // the ten-minute ones wait.
        let minute = round(&a, &b, start + Duration::seconds(61)).await;
        assert!(
            minute
                .iter()
                .all(|(j, n)| *n
                    == usize::from(!matches!(j, Job::PurgeSessions | Job::PurgeThrottle))),
            "{}: {minute:?}",
            backend.name()
        );
        let ten = round(&a, &b, start + Duration::minutes(11)).await;
        assert!(
            ten.iter().all(|(_, n)| *n == 1),
            "{}: {ten:?}",
            backend.name()
        );

        // An instance takes the refund job and dies in the middle of it: nobody runs it until
        // the lease runs out, then the other instance does.
        let died_at = start + Duration::minutes(20);
        assert!(
            store::repo::lease::acquire(
                &t.db,
                Job::ExecuteRefunds.name(),
                "instance-c",
                died_at,
                LEASE_HOLD
            )
            .await
            .unwrap()
        );
        let during = round(&a, &b, died_at + Duration::minutes(5)).await;
        assert!(
            !ran(&during).contains(&Job::ExecuteRefunds),
            "{}: {during:?}",
            backend.name()
        );
        let after = round(&a, &b, died_at + LEASE_HOLD + Duration::seconds(1)).await;
        assert!(
            after.contains(&(Job::ExecuteRefunds, 1)),
            "{}: {after:?}",
            backend.name()
        );
    }
}

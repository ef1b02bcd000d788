//! 统计 of a graduation batch on every backend (SQLite, PostgreSQL, MariaDB): the GROUP BY
//! counts of [`store::graduation::stats`] over a synthetic batch equal the same numbers counted
//! here row by row, days in Beijing time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::calendar::beijing_date;
use domain::review::{CommonReason, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::demo::{self, DemoOptions};
use store::entity::{graduation_application as app, payment_order, refund, review_event};
use store::graduation::stats::{self, seed};
use store::testkit::{TestDb, contract_backends};

use crate::common::{HASH, now};

#[derive(Default, Debug, PartialEq)]
struct Day {
    submitted: u64,
    approvals: u64,
    rejections: u64,
    payments: u64,
    paid_fen: i64,
    refunds: u64,
    refund_fen: i64,
}

#[tokio::test]
async fn the_counts_of_a_synthetic_batch_equal_its_rows_counted_one_by_one() {
    for b in contract_backends() {
        let t = TestDb::create(&b).await.unwrap();
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
        let chongqing = domain::Province::from_code("chongqing").unwrap();
        let seeded = seed::fill_batch(&t.db, chongqing, 3_000).await.unwrap();
        assert!(seeded.events > 3_000 && seeded.payments > 0 && seeded.refunds > 0);
        let s = stats::of_batch(&t.db, seeded.batch_id).await.unwrap();

        let apps = app::Entity::find()
            .filter(app::Column::BatchId.eq(seeded.batch_id))
            .all(&t.db)
            .await
            .unwrap();
        let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
        assert_eq!(s.applications, apps.len() as u64, "{}", b.name());
        for (status, n) in &s.statuses {
            let rows = apps.iter().filter(|a| a.status == status.code()).count();
            assert_eq!(*n, rows as u64, "{}: {status:?}", b.name());
        }
        let waiting_at = |seq: i32| {
            apps.iter()
                .filter(|a| a.stage == Some(seq))
                .filter(|a| a.status == "in_review" || a.status == "awaiting_payment")
                .count() as u64
        };
        for st in &s.stages {
            assert_eq!(st.waiting, waiting_at(st.seq), "{}: {}", b.name(), st.name);
        }

        let mut events = Vec::new();
        for chunk in ids.chunks(500) {
            events.extend(
                review_event::Entity::find()
                    .filter(review_event::Column::ApplicationId.is_in(chunk.to_vec()))
                    .all(&t.db)
                    .await
                    .unwrap(),
            );
        }
        let mut orders = Vec::new();
        for chunk in ids.chunks(500) {
            orders.extend(
                payment_order::Entity::find()
                    .filter(payment_order::Column::ApplicationId.is_in(chunk.to_vec()))
                    .all(&t.db)
                    .await
                    .unwrap(),
            );
        }
        let order_ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let mut refunds = Vec::new();
        for chunk in order_ids.chunks(500) {
            refunds.extend(
                refund::Entity::find()
                    .filter(refund::Column::OrderId.is_in(chunk.to_vec()))
                    .all(&t.db)
                    .await
                    .unwrap(),
            );
        }

        let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
        let mut reasons: HashMap<String, u64> = HashMap::new();
        let mut org_decisions: HashMap<i64, (u64, u64)> = HashMap::new();
        for e in &events {
            let d = days.entry(beijing_date(e.at)).or_default();
            match e.action.as_str() {
                "submitted" => d.submitted += 1,
                "approved" => {
                    d.approvals += 1;
                    org_decisions.entry(e.org_id.unwrap()).or_default().0 += 1;
                }
                "rejected" => {
                    d.rejections += 1;
                    org_decisions.entry(e.org_id.unwrap()).or_default().1 += 1;
                    let text = e.reason.clone().unwrap_or_default();
                    let label = CommonReason::ALL
                        .iter()
                        .find(|r| text.starts_with(r.label()))
                        .map(|r| r.label().to_owned())
                        .unwrap_or_else(|| "其他原因".to_owned());
                    *reasons.entry(label).or_default() += 1;
                }
                _ => {}
            }
        }
        for o in orders.iter().filter(|o| o.paid_at.is_some()) {
            let d = days.entry(beijing_date(o.paid_at.unwrap())).or_default();
            d.payments += 1;
            d.paid_fen += o.amount_fen;
        }
        for r in &refunds {
            let d = days.entry(beijing_date(r.queued_at)).or_default();
            d.refunds += 1;
            d.refund_fen += r.amount_fen;
        }
        let counted: BTreeMap<NaiveDate, Day> = s
            .days
            .iter()
            .filter(|d| d.submitted + d.approvals + d.rejections + d.payments + d.refunds > 0)
            .map(|d| {
                (
                    d.date,
                    Day {
                        submitted: d.submitted,
                        approvals: d.approvals,
                        rejections: d.rejections,
                        payments: d.payments,
                        paid_fen: d.paid_fen,
                        refunds: d.refunds,
                        refund_fen: d.refund_fen,
                    },
                )
            })
            .collect();
        assert_eq!(counted, days, "{}", b.name());
        let by_reason: HashMap<String, u64> = s
            .reasons
            .iter()
            .map(|r| (r.label.clone(), r.count))
            .collect();
        assert_eq!(by_reason, reasons, "{}", b.name());
        assert!(by_reason.len() > 5, "the seed spreads the reasons");
        for o in &s.orgs {
            let (approvals, rejections) = org_decisions.get(&o.org_id).copied().unwrap_or_default();
            assert_eq!(
                (o.approvals, o.rejections),
                (approvals, rejections),
                "{}",
                o.name
            );
            let waiting = apps
                .iter()
                .filter(|a| {
                    a.current_org_id == Some(o.org_id) && a.status == Status::InReview.code()
                })
                .count() as u64;
            assert_eq!(o.waiting, waiting, "{}", o.name);
        }
        assert!(s.orgs.len() >= 2, "universities and the office");
    }
}

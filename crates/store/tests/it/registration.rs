//! 毕业证书编号 on SQLite, PostgreSQL and MySQL: numbers are made once per finally approved
//! application, in the province's rule, however many packages are made at once — no application
//! gets two and no number goes to two — and the sequence refuses to run past its last number.

use futures::future::join_all;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::collections::HashSet;
use store::demo::{self, DemoOptions, accounts};
use store::entity::{audit, batch, candidate, certificate_number, graduation_application, major};
use store::graduation::batches::By;
use store::graduation::registration;
use store::repo::RepoError;
use store::repo::audit::Actor;
use store::repo::province_settings;
use store::testkit::{Backend, TestDb, contract_backends};

use crate::common::{HASH, now};
use domain::graduation::certificate_no::CertificateRule;

/// The demo, five Chongqing candidates approved in the open batch, and the rule `50001`.
async fn world(b: &Backend) -> (TestDb, batch::Model, Vec<i64>) {
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
    let batch = store::graduation::application::batches_of_province(&t.db, "chongqing")
        .await
        .unwrap()
        .into_iter()
        .find(|b| b.opens_at <= now() && now() < b.closes_at)
        .expect("an open Chongqing batch");
    let m = major::Entity::find()
        .filter(major::Column::Level.eq("associate"))
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let people = candidate::Entity::find()
        .filter(candidate::Column::Province.eq("chongqing"))
        .all(&t.db)
        .await
        .unwrap();
    assert!(people.len() >= 5, "{}", people.len());
    let mut ids = Vec::new();
    for c in people.iter().take(5) {
        let a = graduation_application::ActiveModel {
            candidate_id: Set(c.id),
            batch_id: Set(batch.id),
            major_id: Set(m.id),
            chief_university_id: Set(m.chief_university_id),
            status: Set("approved".into()),
            stage: Set(Some(2)),
            version: Set(1),
            acknowledged_at: Set(now()),
            prior_check: Set("not_needed".into()),
            approved_at: Set(Some(now())),
            created_at: Set(now()),
            updated_at: Set(now()),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .unwrap();
        ids.push(a.id);
    }
    let admin = store::repo::staff::by_username(&t.db, accounts::STAFF_CQ_OFFICE_ADMIN)
        .await
        .unwrap()
        .unwrap();
    province_settings::set_certificate_rule(
        &t.db,
        "chongqing",
        &CertificateRule::parse("50001").unwrap(),
        (admin.id, admin.org_id),
        now(),
        None,
    )
    .await
    .unwrap();
    (t, batch, ids)
}

fn by() -> By<'static> {
    By {
        actor: Actor::SYSTEM,
        now: now(),
        ip: None,
    }
}

#[tokio::test]
async fn four_packages_at_once_number_each_application_once() {
    for b in contract_backends() {
        let (t, batch, ids) = world(&b).await;
        let runs = join_all((0..4).map(|_| {
            let db = t.db.clone();
            async move { registration::assign_numbers(&db, batch.id, by()).await }
        }))
        .await;
        let made: u64 = runs
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{}: {e:?}", b.name())))
            .sum();
        assert_eq!(made, ids.len() as u64, "{}", b.name());
        let rows = certificate_number::Entity::find().all(&t.db).await.unwrap();
        assert_eq!(rows.len(), ids.len());
        let apps: HashSet<i64> = rows.iter().map(|r| r.application_id).collect();
        assert_eq!(apps, ids.iter().copied().collect());
        let numbers: HashSet<&str> = rows.iter().map(|r| r.certificate_no.as_str()).collect();
        assert_eq!(numbers.len(), ids.len(), "no number twice");
        let year = domain::calendar::beijing_date(now())
            .format("%Y")
            .to_string();
        let mut seqs: Vec<i32> = rows.iter().map(|r| r.sequence).collect();
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=ids.len() as i32).collect::<Vec<_>>(),
            "{}",
            b.name()
        );
        for r in &rows {
            assert_eq!(
                r.certificate_no,
                format!("500016{year}06{:06}", r.sequence),
                "{}",
                b.name()
            );
        }
        let audits = audit::Entity::find()
            .filter(audit::Column::Action.eq("certificate_no.assigned"))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(audits, 1, "one assignment, one audit row: {}", b.name());
        // Again: nothing new, nothing changed.
        assert_eq!(
            registration::assign_numbers(&t.db, batch.id, by())
                .await
                .unwrap(),
            0
        );
        let again = certificate_number::Entity::find().all(&t.db).await.unwrap();
        assert_eq!(again, rows);
    }
}

#[tokio::test]
async fn the_sequence_ends_at_its_last_number() {
    for b in contract_backends() {
        let (t, batch, ids) = world(&b).await;
        let year = domain::calendar::beijing_date(now())
            .format("%Y")
            .to_string();
        let prefix = format!("500016{year}06");
        // All but one of the sequence used by an earlier batch: the first application gets the
        // last number, the second none, and nothing is written.
        certificate_number::ActiveModel {
            application_id: Set(ids[0]),
            batch_id: Set(batch.id),
            province: Set("chongqing".into()),
            prefix: Set(prefix.clone()),
            sequence: Set(999_998),
            certificate_no: Set(format!("{prefix}999998")),
            assigned_by: Set(None),
            assigned_at: Set(now()),
        }
        .insert(&t.db)
        .await
        .unwrap();
        let e = registration::assign_numbers(&t.db, batch.id, by())
            .await
            .unwrap_err();
        match e {
            RepoError::Conflict(m) => assert!(m.contains("已用完（最多 999999 个）"), "{m}"),
            other => panic!("{}: {other:?}", b.name()),
        }
        assert_eq!(
            certificate_number::Entity::find()
                .count(&t.db)
                .await
                .unwrap(),
            1,
            "{}",
            b.name()
        );
        // With one application left to number, the last number is made.
        graduation_application::Entity::update_many()
            .col_expr(
                graduation_application::Column::Status,
                sea_orm::sea_query::Expr::value("rejected"),
            )
            .filter(graduation_application::Column::Id.is_in(ids[2..].to_vec()))
            .exec(&t.db)
            .await
            .unwrap();
        assert_eq!(
            registration::assign_numbers(&t.db, batch.id, by())
                .await
                .unwrap(),
            1
        );
        let last = certificate_number::Entity::find_by_id(ids[1])
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.certificate_no, format!("{prefix}999999"));
    }
}

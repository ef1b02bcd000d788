//! Issued documents (verifiable printouts): a second issue of the same document for the same
//! person supersedes the first and nothing else; every code names one issue; each issue writes
//! its audit row; and lookups from one address stop at their limit, not one before.

use chrono::Duration;
use domain::verification::{DocumentKind, VerificationCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use store::entity::audit;
use store::repo::RepoError;
use store::repo::audit::Actor;
use store::testkit::{TestDb, app_backends};
use store::verification::{self as issued, Holder, LOOKUPS, NewIssue};

use crate::common::now;

const ISSUER: &str = "重庆市教育考试院（毕业申请与审核平台）";

fn issue<'a>(code: &'a VerificationCode, kind: DocumentKind, holder: i64) -> NewIssue<'a> {
    NewIssue {
        code,
        kind,
        holder: Holder::Candidate(holder),
        holder_name: "张小三",
        issuer_org_id: None,
        issuer_name: ISSUER,
    }
}

fn candidate(id: i64) -> Actor {
    Actor {
        kind: "candidate",
        id: Some(id),
    }
}

#[tokio::test]
async fn a_newer_issue_of_the_same_document_supersedes_the_older_and_each_issue_is_audited() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let at = now();
        let codes: Vec<VerificationCode> = (0..5).map(|_| issued::new_code()).collect();
        for (i, a) in codes.iter().enumerate() {
            for other in &codes[i + 1..] {
                assert_ne!(a, other, "fresh codes differ");
            }
        }

        let first_pdf = b"%PDF-1.7 first issue".as_slice();
        let first = issued::record(
            &t.db,
            &issue(&codes[0], DocumentKind::GraduateRegister, 7),
            first_pdf,
            candidate(7),
            Some("10.0.0.1"),
            at,
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        assert_eq!(first.sha256, hex::encode(Sha256::digest(first_pdf)));
        assert_eq!(first.size_bytes, first_pdf.len() as i64);
        assert_eq!(first.holder_masked, "张*三", "only the masked name is kept");
        assert_eq!(first.code, codes[0].as_str());
        let found = issued::find(&t.db, &codes[0]).await.unwrap().unwrap();
        assert_eq!(found.issue, first, "{}", b.name());
        assert!(found.superseded_by.is_none(), "{}: current", b.name());

        // Another kind for the same person, and the same kind for another person: neither is
        // a newer issue of this document.
        issued::record(
            &t.db,
            &issue(&codes[1], DocumentKind::Transcript, 7),
            b"%PDF transcript",
            candidate(7),
            None,
            at,
        )
        .await
        .unwrap();
        issued::record(
            &t.db,
            &issue(&codes[2], DocumentKind::GraduateRegister, 8),
            b"%PDF someone else",
            candidate(8),
            None,
            at,
        )
        .await
        .unwrap();
        let found = issued::find(&t.db, &codes[0]).await.unwrap().unwrap();
        assert!(found.superseded_by.is_none(), "{}: still current", b.name());

        let later = at + Duration::minutes(5);
        let second = issued::record(
            &t.db,
            &issue(&codes[3], DocumentKind::GraduateRegister, 7),
            b"%PDF-1.7 second issue",
            Actor::staff(3),
            Some("10.0.0.2"),
            later,
        )
        .await
        .unwrap();
        let found = issued::find(&t.db, &codes[0]).await.unwrap().unwrap();
        let by = found
            .superseded_by
            .unwrap_or_else(|| panic!("{}: the newer issue supersedes", b.name()));
        assert_eq!((by.id, by.issued_at), (second.id, later), "{}", b.name());
        let newest = issued::find(&t.db, &codes[3]).await.unwrap().unwrap();
        assert!(newest.superseded_by.is_none(), "{}", b.name());
        assert_eq!(newest.kind(), Some(DocumentKind::GraduateRegister));

        // A code names one issue: issuing with a taken code is refused and writes nothing.
        let taken = issued::record(
            &t.db,
            &issue(&codes[3], DocumentKind::GraduateRegister, 7),
            b"%PDF third",
            candidate(7),
            None,
            later,
        )
        .await;
        assert!(
            matches!(taken, Err(RepoError::Conflict(_))),
            "{}: {taken:?}",
            b.name()
        );
        let newest = issued::find(&t.db, &codes[3]).await.unwrap().unwrap();
        assert_eq!(
            newest.issue,
            second,
            "{}: the first holder of the code",
            b.name()
        );

        assert!(issued::find(&t.db, &codes[4]).await.unwrap().is_none());

        let rows = audit::Entity::find()
            .filter(audit::Column::Action.eq(issued::ISSUED_ACTION))
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(
            rows.len(),
            4,
            "{}: one row per issue, none for the refused",
            b.name()
        );
        let row = rows
            .iter()
            .find(|r| r.detail.contains(&codes[3].grouped()))
            .unwrap_or_else(|| panic!("{}: the second issue's row: {rows:?}", b.name()));
        assert_eq!((row.actor_kind.as_str(), row.actor_id), ("staff", Some(3)));
        assert_eq!(
            (row.subject_kind.as_str(), row.subject_id),
            ("candidate", Some(7))
        );
        assert_eq!(row.ip.as_deref(), Some("10.0.0.2"));
        assert!(row.detail.contains("毕业生登记表") && row.detail.contains(&second.sha256));
    }
}

#[tokio::test]
async fn lookups_from_one_address_stop_at_the_limit_and_not_one_before() {
    for b in app_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let at = now();
        for n in 1..=LOOKUPS.max_failures {
            let gate = issued::reserve_lookup(&t.db, "10.0.0.9", at).await.unwrap();
            assert_eq!(gate, None, "{}: lookup {n} goes on", b.name());
        }
        let gate = issued::reserve_lookup(&t.db, "10.0.0.9", at).await.unwrap();
        assert_eq!(
            gate,
            Some(at + LOOKUPS.lock),
            "{}: one past the limit",
            b.name()
        );
        // Another address is counted apart.
        let gate = issued::reserve_lookup(&t.db, "10.0.0.10", at)
            .await
            .unwrap();
        assert_eq!(gate, None, "{}", b.name());
        // Once the lock has run out, lookups go on again.
        let after = at + LOOKUPS.lock + Duration::seconds(1);
        let gate = issued::reserve_lookup(&t.db, "10.0.0.9", after)
            .await
            .unwrap();
        assert_eq!(gate, None, "{}", b.name());
    }
}

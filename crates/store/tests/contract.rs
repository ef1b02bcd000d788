//! The repository contract suite: the same stories on SQLite, PostgreSQL and MySQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{SubsecRound, Utc};
use store::repo::{org, session, staff, throttle};
use store::testkit::{TestDb, contract_backends};

#[tokio::test]
async fn organisation_paths_nest_and_codes_are_unique() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let root = org::create(
            &t.db,
            org::NewOrg {
                parent_id: None,
                kind: "municipal_office",
                province: Some("chongqing"),
                code: "cq",
                name: "重庆市教育考试院",
                announcement: "",
            },
            now,
        )
        .await
        .unwrap();
        let child = org::create(
            &t.db,
            org::NewOrg {
                parent_id: Some(root.id),
                kind: "district_agency",
                province: Some("chongqing"),
                code: "cq-yz",
                name: "渝中区招生办公室",
                announcement: "",
            },
            now,
        )
        .await
        .unwrap();
        assert_eq!(root.path, format!("/{}/", root.id), "{}", b.name());
        assert_eq!(child.path, format!("/{}/{}/", root.id, child.id));
        assert!(org::is_within(&child, &root));
        assert!(!org::is_within(&root, &child));
        let dup = org::create(
            &t.db,
            org::NewOrg {
                parent_id: None,
                kind: "municipal_office",
                province: Some("chongqing"),
                code: "cq",
                name: "重复",
                announcement: "",
            },
            now,
        )
        .await;
        assert!(
            matches!(dup, Err(store::repo::RepoError::Conflict(ref m)) if m.contains("cq")),
            "{}: {dup:?}",
            b.name()
        );
    }
}

#[tokio::test]
async fn sessions_expire_and_logout_removes_them() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let (token, s) = session::create(&t.db, "candidate", Some(7), now)
            .await
            .unwrap();
        assert_ne!(s.id, token, "only the hash is stored");
        match session::load(&t.db, &token, now).await.unwrap() {
            session::Lookup::Live(found) => assert_eq!(found.user_id, Some(7)),
            other => panic!("{}: {other:?}", b.name()),
        }
        let later = now + session::IDLE_LIFETIME + chrono::Duration::seconds(1);
        assert!(matches!(
            session::load(&t.db, &token, later).await.unwrap(),
            session::Lookup::Expired
        ));
        assert!(matches!(
            session::load(&t.db, &token, later).await.unwrap(),
            session::Lookup::Missing
        ));
        let (token2, s2) = session::create(&t.db, "staff", Some(1), now).await.unwrap();
        session::delete(&t.db, &s2.id).await.unwrap();
        assert!(matches!(
            session::load(&t.db, &token2, now).await.unwrap(),
            session::Lookup::Missing
        ));
    }
}

#[tokio::test]
async fn fifth_failure_locks_and_lock_runs_out() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let key = "acct:candidate:500101000001";
        for expected_left in (0..5).rev() {
            let left = throttle::record_failure(&t.db, key, throttle::ACCOUNT, now)
                .await
                .unwrap();
            assert_eq!(left, expected_left, "{}", b.name());
        }
        let until = throttle::locked_until(&t.db, key, now).await.unwrap();
        assert_eq!(until, Some(now + throttle::ACCOUNT.lock));
        let after = now + throttle::ACCOUNT.lock + chrono::Duration::seconds(1);
        assert_eq!(
            throttle::locked_until(&t.db, key, after).await.unwrap(),
            None
        );
        assert_eq!(
            throttle::record_failure(&t.db, key, throttle::ACCOUNT, after)
                .await
                .unwrap(),
            4,
            "counting starts afresh after a lock"
        );
    }
}

#[tokio::test]
async fn staff_usernames_are_unique() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let o = org::create(
            &t.db,
            org::NewOrg {
                parent_id: None,
                kind: "provincial_office",
                province: Some("yunnan"),
                code: "yn",
                name: "云南省招生考试院",
                announcement: "",
            },
            now,
        )
        .await
        .unwrap();
        staff::create(
            &t.db,
            o.id,
            "admin",
            "管理员",
            domain::StaffRole::Admin,
            "x".into(),
            now,
        )
        .await
        .unwrap();
        let again = staff::create(
            &t.db,
            o.id,
            "admin",
            "又一个",
            domain::StaffRole::Reviewer,
            "x".into(),
            now,
        )
        .await;
        assert!(
            matches!(again, Err(store::repo::RepoError::Conflict(_))),
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn the_seeded_calendar_counts_working_days_like_the_notices() {
    use domain::calendar::{DayKind, earliest_pickup};
    use store::repo::calendar;
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let cal = calendar::load(&t.db).await.unwrap();
        let approved = chrono::NaiveDate::from_ymd_opt(2024, 9, 27).unwrap();
        assert_eq!(
            earliest_pickup(&cal, approved),
            chrono::NaiveDate::from_ymd_opt(2024, 11, 13).unwrap(),
            "{}",
            b.name()
        );
        // An admin declares an extra day off: pickup moves one working day later.
        let extra = chrono::NaiveDate::from_ymd_opt(2024, 10, 14).unwrap();
        calendar::set_day(&t.db, extra, DayKind::Holiday, "测试")
            .await
            .unwrap();
        calendar::set_day(&t.db, extra, DayKind::Holiday, "测试更正")
            .await
            .unwrap();
        let cal = calendar::load(&t.db).await.unwrap();
        assert_eq!(
            earliest_pickup(&cal, approved),
            chrono::NaiveDate::from_ymd_opt(2024, 11, 14).unwrap()
        );
        calendar::remove_day(&t.db, extra).await.unwrap();
        let cal = calendar::load(&t.db).await.unwrap();
        assert!(cal.is_working_day(extra));
    }
}

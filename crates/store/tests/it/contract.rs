//! The repository contract suite: the same stories on SQLite, PostgreSQL and MySQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{SubsecRound, Utc};
use sea_orm::EntityTrait;
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
async fn five_checks_then_the_account_is_locked_until_the_lock_runs_out() {
    use throttle::AccountGate::{Check, Locked};
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let key = "acct:candidate:500101000001";
        for n in 1..=5 {
            let gate = throttle::reserve_check(&t.db, key, throttle::ACCOUNT, now)
                .await
                .unwrap();
            assert_eq!(gate, Check { attempt: n }, "{}", b.name());
            let left = throttle::check_failed(&t.db, key, n, throttle::ACCOUNT, now)
                .await
                .unwrap();
            assert_eq!(left, 5 - n);
        }
        let until = now + throttle::ACCOUNT.lock;
        assert_eq!(
            throttle::reserve_check(&t.db, key, throttle::ACCOUNT, now)
                .await
                .unwrap(),
            Locked(until),
            "{}: the sixth check is refused",
            b.name()
        );
        let after = until + chrono::Duration::seconds(1);
        assert_eq!(
            throttle::reserve_check(&t.db, key, throttle::ACCOUNT, after)
                .await
                .unwrap(),
            Check { attempt: 1 },
            "{}: counting starts afresh after a lock",
            b.name()
        );
        // A quiet window also starts afresh, and a success forgets everything.
        let later = after + throttle::ACCOUNT.window;
        assert_eq!(
            throttle::reserve_check(&t.db, key, throttle::ACCOUNT, later)
                .await
                .unwrap(),
            Check { attempt: 1 }
        );
        // A success clears the count, unless checks were reserved after it (a burst whose one
        // right password must not open five more checks for the rest of it).
        assert_eq!(
            throttle::reserve_check(&t.db, key, throttle::ACCOUNT, later)
                .await
                .unwrap(),
            Check { attempt: 2 }
        );
        throttle::succeeded(&t.db, key, 1).await.unwrap();
        assert_eq!(
            throttle::reserve_check(&t.db, key, throttle::ACCOUNT, later)
                .await
                .unwrap(),
            Check { attempt: 3 },
            "{}: checks 2 and 3 came after the success of check 1",
            b.name()
        );
        throttle::succeeded(&t.db, key, 3).await.unwrap();
        assert_eq!(
            throttle::reserve_check(&t.db, key, throttle::ACCOUNT, later)
                .await
                .unwrap(),
            Check { attempt: 1 },
            "{}: nothing after the success of check 3: counting starts afresh",
            b.name()
        );
    }
}

#[tokio::test]
async fn thirty_reservations_at_once_grant_five_checks_and_never_fail() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        // A second pool on the same database stands for a second instance.
        let other = store::connect(&t.url).await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let key = "acct:staff:cq-admin";
        let tasks: Vec<_> = (0..30)
            .map(|i| {
                let db = if i % 2 == 0 {
                    t.db.clone()
                } else {
                    other.clone()
                };
                tokio::spawn(async move {
                    throttle::reserve_check(&db, key, throttle::ACCOUNT, now).await
                })
            })
            .collect();
        let mut granted = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(throttle::AccountGate::Check { attempt }) => granted.push(attempt),
                Ok(throttle::AccountGate::Locked(_)) => {}
                Err(e) => panic!("{}: a reservation failed: {e}", b.name()),
            }
        }
        granted.sort_unstable();
        assert_eq!(granted, vec![1, 2, 3, 4, 5], "{}", b.name());
        other.close().await.unwrap();
    }
}

#[tokio::test]
async fn an_address_is_spaced_out_after_ten_failures_and_turned_away_only_when_its_queue_is_long() {
    use throttle::AddressGate::{Busy, Go};
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let key = "ip:203.0.113.9";
        let rule = throttle::ADDRESS;
        // Ten failures cost nothing: attempts at the same instant all go at once.
        for _ in 0..10 {
            assert_eq!(
                throttle::address_turn(&t.db, key, rule, now).await.unwrap(),
                Go(chrono::Duration::zero()),
                "{}",
                b.name()
            );
            throttle::address_failed(&t.db, key, rule, now)
                .await
                .unwrap();
        }
        // From then on each attempt takes a turn: the first goes at once, the next waits for the
        // spacing of ten failures (a second), the third for twice that.
        assert_eq!(
            throttle::address_turn(&t.db, key, rule, now).await.unwrap(),
            Go(chrono::Duration::zero())
        );
        assert_eq!(
            throttle::address_turn(&t.db, key, rule, now).await.unwrap(),
            Go(chrono::Duration::seconds(1)),
            "{}",
            b.name()
        );
        assert_eq!(
            throttle::address_turn(&t.db, key, rule, now).await.unwrap(),
            Go(chrono::Duration::seconds(2))
        );
        // Failures pile up: at 19 failures the spacing is ten seconds.
        for _ in 10..19 {
            throttle::address_failed(&t.db, key, rule, now)
                .await
                .unwrap();
        }
        let mut last = Go(chrono::Duration::zero());
        let mut went = 0;
        while let Go(_) = last {
            last = throttle::address_turn(&t.db, key, rule, now).await.unwrap();
            went += 1;
            assert!(went < 20, "{}: the queue never filled", b.name());
        }
        match last {
            Busy(after) => assert!(
                after > chrono::Duration::zero() && after <= rule.max_interval,
                "{}: {after:?}",
                b.name()
            ),
            Go(_) => unreachable!(),
        }
        // Someone else behind the address who comes back later is not kept waiting.
        let later = now + chrono::Duration::minutes(2);
        assert_eq!(
            throttle::address_turn(&t.db, key, rule, later)
                .await
                .unwrap(),
            Go(chrono::Duration::zero()),
            "{}",
            b.name()
        );
        // Another address is not affected at all.
        assert_eq!(
            throttle::address_turn(&t.db, "ip:198.51.100.1", rule, now)
                .await
                .unwrap(),
            Go(chrono::Duration::zero())
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
            &domain::Roles::new([domain::Grant::of(domain::StaffRole::Admin)]),
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
            &domain::Roles::new([domain::Grant::of(domain::StaffRole::Reviewer)]),
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

#[tokio::test]
async fn a_shared_secret_is_created_once_and_read_back_by_everyone() {
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let other = store::connect(&t.url).await.unwrap();
        let now = Utc::now().trunc_subsecs(0);
        let name = store::repo::secret::FORM_KEY;
        let (x, y) = tokio::join!(
            store::repo::secret::get_or_create(&t.db, name, now),
            store::repo::secret::get_or_create(&other, name, now)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x, y, "{}: two instances, one key", b.name());
        assert_eq!(x.len(), 64);
        assert_eq!(
            store::repo::secret::get_or_create(&t.db, name, now)
                .await
                .unwrap(),
            x
        );
        other.close().await.unwrap();
    }
}

#[tokio::test]
async fn stale_sign_in_counts_are_purged_and_live_ones_kept() {
    use throttle::AccountGate::Check;
    for b in contract_backends() {
        let t = TestDb::create(&b)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", b.name()));
        let now = Utc::now().trunc_subsecs(0);
        let old = now - chrono::Duration::minutes(20);
        // Stale: an old failure, an old address turn long taken, a lock that ran out.
        throttle::reserve_check(&t.db, "acct:candidate:old", throttle::ACCOUNT, old)
            .await
            .unwrap();
        throttle::address_turn(&t.db, "ip:198.51.100.1", throttle::ADDRESS, old)
            .await
            .unwrap();
        for n in 1..=5 {
            throttle::reserve_check(&t.db, "acct:candidate:ran-out", throttle::ACCOUNT, old)
                .await
                .unwrap();
            throttle::check_failed(&t.db, "acct:candidate:ran-out", n, throttle::ACCOUNT, old)
                .await
                .unwrap();
        }
        // Live: a failure just now, and a lock still running.
        throttle::reserve_check(&t.db, "acct:candidate:new", throttle::ACCOUNT, now)
            .await
            .unwrap();
        let recent = now - chrono::Duration::minutes(16);
        for n in 1..=5 {
            throttle::reserve_check(&t.db, "acct:candidate:locked", throttle::ACCOUNT, recent)
                .await
                .unwrap();
            throttle::check_failed(&t.db, "acct:candidate:locked", n, throttle::ACCOUNT, now)
                .await
                .unwrap();
        }
        let purged = throttle::purge_stale(&t.db, now).await.unwrap();
        assert_eq!(purged, 3, "{}", b.name());
        let left: Vec<String> = store::entity::login_throttle::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.key)
            .collect();
        assert_eq!(left.len(), 2, "{}: {left:?}", b.name());
        assert!(left.contains(&"acct:candidate:new".to_owned()));
        assert!(left.contains(&"acct:candidate:locked".to_owned()));
        // Purging changed nothing a sign-in sees: the new account counts on.
        assert_eq!(
            throttle::reserve_check(&t.db, "acct:candidate:new", throttle::ACCOUNT, now)
                .await
                .unwrap(),
            Check { attempt: 2 }
        );
    }
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    for b in contract_backends() {
        crate::audit_log::changes_are_refused(&b).await;
    }
}

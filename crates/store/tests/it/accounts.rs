//! Self-service accounts on every backend: codes by text message under their limits (one per
//! phone per 60 s, ten a Beijing day, five minutes, five wrong entries, once), the same answer
//! whether or not the details matched, activation of an imported account and recovery of a
//! forgotten password, each ending the account's sessions.

use crate::common::{HASH, now};
use chrono::{Duration, TimeZone, Utc};
use domain::otp::Purpose;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::accounts::{self, CodeEntry, Holder, Identity, NO_PASSWORD, otp};
use store::demo::{self, DemoOptions, accounts as demo_accounts};
use store::entity::{audit, candidate, session};
use store::repo::RepoError;
use store::testkit::{Backend, TestDb, contract_backends};

async fn world(b: &Backend) -> TestDb {
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
    t
}

fn invalid(r: Result<impl std::fmt::Debug, RepoError>) -> String {
    match r {
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn codes_keep_their_limits_per_phone_across_requests_at_once() {
    for b in contract_backends() {
        let t = world(&b).await;
        let db = &t.db;
        let phone = "13900001111";
        // 09:00 Beijing time, so that ten codes a minute apart stay in one day.
        let t0 = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let p = Purpose::ActivateCandidate;
        // Two requests at once: one code.
        let (x, y) = tokio::join!(
            otp::issue(db, phone, p, Some(1), t0),
            otp::issue(db, phone, p, Some(1), t0),
        );
        assert_eq!(x.is_ok() as u8 + y.is_ok() as u8, 1, "{}", b.name());
        // 59 s later: refused with the wait; at 60 s: the second of the day.
        let m = invalid(otp::issue(db, phone, p, Some(1), t0 + Duration::seconds(59)).await);
        assert_eq!(m, "同一手机号60秒内只能获取一次验证码，请1秒后再试");
        for i in 1..10 {
            otp::issue(db, phone, p, Some(1), t0 + Duration::seconds(60 * i))
                .await
                .unwrap_or_else(|e| panic!("{}: code {} of the day: {e}", b.name(), i + 1));
        }
        let m = invalid(otp::issue(db, phone, p, Some(1), t0 + Duration::minutes(11)).await);
        assert_eq!(
            m,
            "同一手机号每天最多获取10条验证码，今天已获取10条，请明天再试"
        );
        // Another phone is not held back; the next Beijing day (16:00 UTC) starts again.
        assert!(
            otp::issue(db, "13900002222", p, Some(1), t0 + Duration::minutes(11))
                .await
                .is_ok()
        );
        let next_day = Utc.with_ymd_and_hms(2026, 12, 3, 16, 0, 0).unwrap();
        assert!(
            otp::issue(db, phone, p, Some(1), next_day).await.is_ok(),
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn a_code_expires_voids_after_five_wrong_entries_and_works_once() {
    for b in contract_backends() {
        let t = world(&b).await;
        let db = &t.db;
        let t0 = now();
        let p = Purpose::ResetStudent;
        let code = otp::issue(db, "13900003333", p, Some(7), t0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(code.len(), 6);
        let wrong = if code == "000000" { "000001" } else { "000000" };
        // Expired at five minutes.
        let m = invalid(otp::check(db, "13900003333", p, &code, t0 + Duration::minutes(5)).await);
        assert!(m.contains("已过期（有效期5分钟）"), "{m}");
        // Another purpose's code does nothing here.
        let m = invalid(otp::check(db, "13900003333", Purpose::ResetCandidate, &code, t0).await);
        assert!(m.contains("没有待使用的验证码"), "{m}");
        for left in (1..5).rev() {
            let m = invalid(otp::check(db, "13900003333", p, wrong, t0).await);
            assert_eq!(m, format!("验证码错误，还可再试{left}次"), "{}", b.name());
        }
        let m = invalid(otp::check(db, "13900003333", p, wrong, t0).await);
        assert!(m.contains("已连续输错5次，该验证码已失效"), "{m}");
        let m = invalid(otp::check(db, "13900003333", p, &code, t0).await);
        assert!(
            m.contains("已连续输错5次，已失效"),
            "the right code no longer works: {m}"
        );

        // A fresh code works once, even sent twice at once.
        let t1 = t0 + Duration::minutes(1);
        let code = otp::issue(db, "13900003333", p, Some(7), t1)
            .await
            .unwrap()
            .unwrap();
        let matched = otp::check(db, "13900003333", p, &code, t1).await.unwrap();
        assert_eq!(matched.subject_id, 7);
        let (x, y) = tokio::join!(
            otp::use_code(db, matched, t1),
            otp::use_code(db, matched, t1)
        );
        assert_eq!(x.is_ok() as u8 + y.is_ok() as u8, 1, "{}", b.name());
        let m = invalid(otp::check(db, "13900003333", p, &code, t1).await);
        assert!(m.contains("已使用过"), "{m}");

        // Details that matched nobody: no code to send, and any code typed is wrong.
        let t2 = t1 + Duration::minutes(1);
        assert_eq!(
            otp::issue(db, "13900003333", p, None, t2).await.unwrap(),
            None
        );
        let m = invalid(otp::check(db, "13900003333", p, &code, t2).await);
        assert_eq!(m, "验证码错误，还可再试4次");
    }
}

/// Sends `guesses` for the latest code of `phone` all at once; returns each answer, in order.
async fn guess_at_once(
    db: &store::Db,
    phone: &str,
    p: Purpose,
    guesses: &[String],
    at: chrono::DateTime<Utc>,
) -> Vec<Result<otp::Matched, RepoError>> {
    futures::future::join_all(guesses.iter().map(|g| otp::check(db, phone, p, g, at))).await
}

async fn tries_of(db: &store::Db, phone: &str) -> i32 {
    store::entity::sms_code::Entity::find()
        .filter(store::entity::sms_code::Column::Phone.eq(phone))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|c| c.id)
        .unwrap()
        .wrong
}

#[tokio::test]
async fn guesses_sent_at_once_compare_no_more_than_five_wrong_codes() {
    for b in contract_backends() {
        let t = world(&b).await;
        let db = &t.db;
        let phone = "13900004444";
        let p = Purpose::ResetCandidate;
        let t0 = now();
        let code = otp::issue(db, phone, p, Some(7), t0)
            .await
            .unwrap()
            .unwrap();
        let wrong = |i: u32| {
            let g = format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000);
            assert_ne!(g, code);
            g
        };

        // Twenty wrong guesses at once: five are compared, the rest find the code void.
        let guesses: Vec<String> = (0..20).map(wrong).collect();
        let answers = guess_at_once(db, phone, p, &guesses, t0).await;
        let messages: Vec<String> = answers.into_iter().map(invalid).collect();
        let compared = messages
            .iter()
            .filter(|m| m.starts_with("验证码错误"))
            .count();
        assert_eq!(compared, 5, "{}: {messages:?}", b.name());
        for m in &messages {
            assert!(
                m.starts_with("验证码错误") || m.contains("已连续输错5次，已失效"),
                "{}: {m}",
                b.name()
            );
        }
        assert_eq!(tries_of(db, phone).await, 5, "{}", b.name());
        let m = invalid(otp::check(db, phone, p, &code, t0).await);
        assert!(
            m.contains("已连续输错5次，已失效"),
            "{}: the right code no longer works: {m}",
            b.name()
        );

        // A fresh code with the right one among the late guesses: at most five wrong ones are
        // compared, and the right one either matches or finds the code void.
        let t1 = t0 + Duration::minutes(1);
        let code = otp::issue(db, phone, p, Some(7), t1)
            .await
            .unwrap()
            .unwrap();
        let mut guesses: Vec<String> = (0..19)
            .map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000))
            .collect();
        guesses.insert(16, code.clone());
        let answers = guess_at_once(db, phone, p, &guesses, t1).await;
        let right = answers.iter().filter(|a| a.is_ok()).count();
        let compared_wrong = answers
            .iter()
            .filter(|a| matches!(a, Err(RepoError::Invalid(m)) if m.starts_with("验证码错误")))
            .count();
        assert!(compared_wrong <= 5, "{}: {answers:?}", b.name());
        assert!(right <= 1, "{}: {answers:?}", b.name());
        assert!(
            answers[..16]
                .iter()
                .chain(&answers[17..])
                .all(|a| a.is_err())
        );
        let tries = tries_of(db, phone).await;
        assert_eq!(
            tries as usize,
            compared_wrong,
            "{}: only wrong entries stay counted",
            b.name()
        );
        if right == 0 {
            assert_eq!(compared_wrong, 5, "{}: {answers:?}", b.name());
            let m = invalid(otp::check(db, phone, p, &code, t1).await);
            assert!(m.contains("已失效"), "{}: {m}", b.name());
        }
    }
}

#[tokio::test]
async fn an_imported_candidate_activates_and_later_recovers_the_password() {
    for b in contract_backends() {
        let t = world(&b).await;
        let db = &t.db;
        let c = store::repo::candidate::by_admission_no(db, demo_accounts::CQ_ELIGIBLE_ASSOCIATE)
            .await
            .unwrap()
            .unwrap();
        // As an import leaves it: no password, no phone confirmed; a session from before.
        candidate::Entity::update_many()
            .col_expr(candidate::Column::PasswordHash, Expr::value(NO_PASSWORD))
            .filter(candidate::Column::Id.eq(c.id))
            .exec(db)
            .await
            .unwrap();
        store::repo::session::create(db, "candidate", Some(c.id), now())
            .await
            .unwrap();
        let phone = "13700001234";
        let t0 = now();
        // The ID number typed with a lower-case x matches all the same.
        let id_card = c.id_card_no.to_lowercase();
        let who = |name| Identity {
            number: demo_accounts::CQ_ELIGIBLE_ASSOCIATE,
            id_card_no: &id_card,
            name,
        };
        // A wrong name: same answer (no code to send), limits counted.
        let none = accounts::request_activation(db, Holder::Candidate, who("张三丰"), phone, t0)
            .await
            .unwrap();
        assert_eq!(none, None);
        let m = invalid(
            accounts::request_activation(
                db,
                Holder::Candidate,
                who(&c.name),
                phone,
                t0 + Duration::seconds(30),
            )
            .await,
        );
        assert!(m.contains("60秒内"), "{m}");
        let t1 = t0 + Duration::seconds(60);
        let code = accounts::request_activation(db, Holder::Candidate, who(&c.name), phone, t1)
            .await
            .unwrap()
            .expect("the three details match");

        // A weak or identifying password is refused and the code stays usable.
        let set = |pw: String, code: String| async move {
            accounts::set_password_with_code(
                db,
                Holder::Candidate,
                CodeEntry {
                    purpose: Purpose::ActivateCandidate,
                    phone,
                    code: &code,
                    password: &pw,
                },
                t1,
                None,
            )
            .await
        };
        let m = invalid(set("abcd1234".into(), code.clone()).await);
        assert!(m.contains("常见密码"), "{m}");
        let m = invalid(set(c.admission_no.clone(), code.clone()).await);
        assert!(m.contains("字母"), "{m}");
        let id = set("Chongqing2026".into(), code.clone()).await.unwrap();
        assert_eq!(id, c.id);
        let after = store::repo::candidate::get(db, c.id).await.unwrap();
        assert!(store::repo::password::verify(
            &after.password_hash,
            "Chongqing2026"
        ));
        assert_eq!(after.phone.as_deref(), Some(phone));
        let live = session::Entity::find()
            .filter(session::Column::UserKind.eq("candidate"))
            .filter(session::Column::UserId.eq(c.id))
            .count(db)
            .await
            .unwrap();
        assert_eq!(live, 0, "{}: every session ended", b.name());
        let m = invalid(set("Chongqing2027".into(), code).await);
        assert!(m.contains("已使用过"), "{m}");
        // Activated once: asking again sends nothing.
        let t2 = t1 + Duration::minutes(2);
        assert_eq!(
            accounts::request_activation(db, Holder::Candidate, who(&c.name), phone, t2,)
                .await
                .unwrap(),
            None
        );

        // Recovery: only to the phone on record.
        let t3 = t2 + Duration::minutes(2);
        assert_eq!(
            accounts::request_recovery(db, Holder::Candidate, &c.admission_no, "13700009999", t3)
                .await
                .unwrap(),
            None
        );
        let code = accounts::request_recovery(db, Holder::Candidate, &c.admission_no, phone, t3)
            .await
            .unwrap()
            .expect("the phone on record");
        accounts::set_password_with_code(
            db,
            Holder::Candidate,
            CodeEntry {
                purpose: Purpose::ResetCandidate,
                phone,
                code: &code,
                password: "Yuzhong-2027",
            },
            t3,
            Some("127.0.0.1"),
        )
        .await
        .unwrap();
        let after = store::repo::candidate::get(db, c.id).await.unwrap();
        assert!(store::repo::password::verify(
            &after.password_hash,
            "Yuzhong-2027"
        ));
        let rows = audit::Entity::find()
            .filter(audit::Column::SubjectId.eq(c.id))
            .filter(
                audit::Column::Action.is_in(["account.activated", "account.password_recovered"]),
            )
            .count(db)
            .await
            .unwrap();
        assert_eq!(rows, 2, "{}", b.name());
    }
}

#[tokio::test]
async fn two_admins_saving_roles_at_once_leave_one_consistent_set() {
    use domain::{Grant, Roles, StaffRole};
    for b in contract_backends() {
        let t = world(&b).await;
        let by = |u: &'static str| {
            let db = t.db.clone();
            async move {
                store::repo::staff::by_username(&db, u)
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let admin = by(demo_accounts::STAFF_CQ_OFFICE_ADMIN).await;
        let target = by(demo_accounts::STAFF_CQ_UNIVERSITY).await;
        let office = store::repo::org::get(&t.db, admin.org_id).await.unwrap();
        let a = Roles::new([
            Grant::reviewer_at("主考学校初审"),
            Grant::of(StaffRole::ReadOnly),
        ]);
        let c = Roles::new([Grant::of(StaffRole::Finance)]);
        let (r1, r2) = tokio::join!(
            accounts::staff::set_roles(&t.db, &admin, &office, target.id, &a, now(), None),
            accounts::staff::set_roles(&t.db, &admin, &office, target.id, &c, now(), None),
        );
        // The account's row is locked first, so the two run one after the other.
        assert!(r1.is_ok() && r2.is_ok(), "{}: {r1:?} {r2:?}", b.name());
        let held = store::repo::staff::roles_of(&t.db, target.id)
            .await
            .unwrap();
        assert!(
            held == a || held == c,
            "{}: one whole set, not a mix: {held:?}",
            b.name()
        );
        let rows = store::entity::staff_role::Entity::find()
            .filter(store::entity::staff_role::Column::StaffId.eq(target.id))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(rows as usize, held.grants().len(), "{}", b.name());
    }
}

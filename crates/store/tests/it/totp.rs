//! Two-factor sign-in for staff on every backend: enrolling with the app's first code, the second
//! step of a sign-in (a code works once, even sent twice at once), recovery codes used once,
//! switching it off only where it is not required, an admin clearing a member's, and the
//! organisations that require it of everyone below them. Times are fixed, never read.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::totp as rules;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use store::accounts::totp::{self, Factor, Proof, REPLAYED_CODE, WRONG_CODE};
use store::demo::{self, DemoOptions, accounts as demo_accounts};
use store::entity::{audit, session, staff, staff_totp};
use store::repo::RepoError;
use store::testkit::{Backend, TestDb, contract_backends};

use crate::common::HASH;

/// 09:00:05 Beijing time on a fixed day, five seconds into a 30-second step.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 5).unwrap()
}

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
            now: t0() - Duration::days(1),
        },
    )
    .await
    .unwrap();
    t
}

async fn account(t: &TestDb, username: &str) -> staff::Model {
    store::repo::staff::by_username(&t.db, username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no staff account {username}"))
}

fn refusal(r: Result<impl std::fmt::Debug, RepoError>) -> String {
    match r {
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn code(secret: &[u8], at: DateTime<Utc>) -> String {
    rules::code_at(secret, at).unwrap()
}

/// A code of the same secret that is not the one for `at` nor for the steps beside it.
fn wrong_code(secret: &[u8], at: DateTime<Utc>) -> String {
    let open: Vec<String> = (-1..=1)
        .map(|d| code(secret, at + Duration::seconds(30 * d)))
        .collect();
    (0..10)
        .map(|d| format!("{d}{d}{d}{d}{d}{d}"))
        .find(|c| !open.contains(c))
        .unwrap()
}

/// Enrols `who` through the page's two steps and returns the secret and the recovery codes.
async fn enrol(t: &TestDb, who: &staff::Model, at: DateTime<Utc>) -> (Vec<u8>, Vec<String>) {
    let e = totp::begin_enrolment(&t.db, who, None, at, Some("10.0.0.1"))
        .await
        .unwrap();
    let secret = rules::parse_secret(&e.secret_base32).unwrap();
    let codes = totp::confirm_enrolment(&t.db, who, &code(&secret, at), at, Some("10.0.0.1"))
        .await
        .unwrap();
    (secret, codes)
}

async fn audited(t: &TestDb, action: &str, subject: i64) -> u64 {
    audit::Entity::find()
        .filter(audit::Column::Action.eq(action))
        .filter(audit::Column::SubjectId.eq(subject))
        .count(&t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn totp_enrolment_takes_the_apps_current_code_and_keeps_the_secret_sealed() {
    for b in contract_backends() {
        let t = world(&b).await;
        let me = account(&t, demo_accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        let at = t0();
        let e = totp::begin_enrolment(&t.db, &me, None, at, None)
            .await
            .unwrap();
        assert!(
            e.otpauth_url.starts_with(&format!(
                "otpauth://totp/biye:{}?secret={}",
                me.username, e.secret_base32
            )),
            "{}",
            e.otpauth_url
        );
        assert!(e.otpauth_url.ends_with("&issuer=biye"));
        // Shown again on a reloaded page, unchanged.
        assert_eq!(
            totp::pending_enrolment(&t.db, &me, at).await.unwrap(),
            Some(e.clone())
        );
        let secret = rules::parse_secret(&e.secret_base32).unwrap();
        assert_eq!(secret.len(), 20);
        // Not yet on: sign-in goes on with the password alone.
        assert!(!totp::is_enabled(&t.db, me.id).await.unwrap());

        // Nothing in the table gives the secret away.
        let row = staff_totp::Entity::find_by_id(me.id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let sealed = row.pending_secret.unwrap();
        assert!(!sealed.contains(&e.secret_base32));
        assert!(sealed.starts_with("c1:"), "{sealed}");
        assert!(!sealed.contains(&hex::encode(&secret)));

        // A wrong code and a code from another secret are refused; nothing changes.
        let m =
            refusal(totp::confirm_enrolment(&t.db, &me, &wrong_code(&secret, at), at, None).await);
        assert!(m.starts_with(WRONG_CODE), "{}: {m}", b.name());
        let m = refusal(totp::confirm_enrolment(&t.db, &me, "12345", at, None).await);
        assert_eq!(m, "验证码应为6位数字，收到5位");
        assert!(!totp::is_enabled(&t.db, me.id).await.unwrap());

        // The right one switches it on with ten recovery codes, shown once.
        let codes = totp::confirm_enrolment(&t.db, &me, &code(&secret, at), at, None)
            .await
            .unwrap();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 19), "{codes:?}");
        let status = totp::status(&t.db, me.id).await.unwrap();
        assert_eq!(status.enabled_at, Some(at));
        assert_eq!(status.recovery_left, 10);
        assert!(!status.pending);
        assert_eq!(audited(&t, "totp.enabled", me.id).await, 1);
        // The confirming code counts as used.
        let m = refusal(totp::check_second_factor(&t.db, me.id, &code(&secret, at), at).await);
        assert_eq!(m, REPLAYED_CODE);
        // A second confirmation has nothing to confirm.
        let m = refusal(totp::confirm_enrolment(&t.db, &me, &code(&secret, at), at, None).await);
        assert!(m.contains("没有待确认的两步验证设置"), "{m}");

        // A sealed secret copied to another account does not open there.
        let other = account(&t, demo_accounts::STAFF_CQ_UNIVERSITY).await;
        totp::enrol_with_secret(&t.db, other.id, b"another-secret-20byte", at)
            .await
            .unwrap();
        staff_totp::Entity::update_many()
            .col_expr(
                staff_totp::Column::Secret,
                Expr::value(row_secret(&t, me.id).await),
            )
            .filter(staff_totp::Column::StaffId.eq(other.id))
            .exec(&t.db)
            .await
            .unwrap();
        let later = at + Duration::seconds(30);
        assert!(matches!(
            totp::check_second_factor(&t.db, other.id, &code(&secret, later), later).await,
            Err(RepoError::Db(_))
        ));
    }
}

async fn row_secret(t: &TestDb, staff_id: i64) -> Option<String> {
    staff_totp::Entity::find_by_id(staff_id)
        .one(&t.db)
        .await
        .unwrap()
        .and_then(|r| r.secret)
}

#[tokio::test]
async fn totp_sign_in_needs_the_code_and_a_code_replayed_within_its_30_s_step_is_refused() {
    for b in contract_backends() {
        let t = world(&b).await;
        let me = account(&t, demo_accounts::STAFF_CQ_OFFICE_ADMIN).await;
        let (secret, _) = enrol(&t, &me, t0()).await;
        let at = t0() + Duration::seconds(60);
        let me_id = me.id;
        let awaiting = |t: &TestDb| {
            let db = t.db.clone();
            async move {
                store::repo::session::create_from(
                    &db,
                    store::repo::session::AWAITING_SECOND_FACTOR,
                    Some(me_id),
                    Some("10.0.0.2"),
                    at,
                )
                .await
                .unwrap()
                .1
            }
        };
        let pending = awaiting(&t).await;
        assert_eq!(
            pending.expires_at,
            at + store::repo::session::SECOND_FACTOR_LIFETIME
        );

        // A wrong code: refused, the half session stays, no full one.
        let m = refusal(
            totp::complete_sign_in(&t.db, &pending, &wrong_code(&secret, at), at, None).await,
        );
        assert_eq!(m, WRONG_CODE, "{}", b.name());
        let m = refusal(totp::complete_sign_in(&t.db, &pending, "abc", at, None).await);
        assert!(m.contains("6位数字验证码"), "{m}");
        assert_eq!(sessions_of(&t, me.id, "staff").await, 0);

        // The right code: the half session becomes a full one, audited.
        let now_code = code(&secret, at);
        let (token, factor) =
            totp::complete_sign_in(&t.db, &pending, &now_code, at, Some("10.0.0.2"))
                .await
                .unwrap();
        assert_eq!(factor, Factor::Code);
        assert_eq!(sessions_of(&t, me.id, "staff").await, 1);
        assert_eq!(
            sessions_of(&t, me.id, store::repo::session::AWAITING_SECOND_FACTOR).await,
            0
        );
        assert!(matches!(
            store::repo::session::load(&t.db, &token, at).await.unwrap(),
            store::repo::session::Lookup::Live(s) if s.user_kind == "staff"
        ));
        let ok = audit::Entity::find()
            .filter(audit::Column::Action.eq("login.succeeded"))
            .filter(audit::Column::SubjectId.eq(me.id))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ok.detail, "两步验证：验证码");

        // The same code again within its step, and 20 s later (still its step): refused.
        for later in [at, at + Duration::seconds(20)] {
            let again = awaiting(&t).await;
            let m = refusal(totp::complete_sign_in(&t.db, &again, &now_code, later, None).await);
            assert_eq!(m, REPLAYED_CODE, "{}", b.name());
        }
        // An older code inside the drift window is refused too: steps only move forward.
        let before = code(&secret, at - Duration::seconds(30));
        let m = refusal(totp::check_second_factor(&t.db, me.id, &before, at).await);
        assert_eq!(m, REPLAYED_CODE);

        // The next step's code, sent by two sign-ins at once: one gets in.
        let next = at + Duration::seconds(30);
        let next_code = code(&secret, next);
        let (x, y) = (awaiting(&t).await, awaiting(&t).await);
        let (rx, ry) = tokio::join!(
            totp::complete_sign_in(&t.db, &x, &next_code, next, None),
            totp::complete_sign_in(&t.db, &y, &next_code, next, None),
        );
        assert_eq!(
            rx.is_ok() as u8 + ry.is_ok() as u8,
            1,
            "{}: {rx:?} {ry:?}",
            b.name()
        );
        let refused = if rx.is_err() { rx } else { ry };
        assert_eq!(refusal(refused), REPLAYED_CODE);

        // A disabled account cannot finish signing in.
        staff::Entity::update_many()
            .col_expr(staff::Column::Disabled, Expr::value(true))
            .filter(staff::Column::Id.eq(me.id))
            .exec(&t.db)
            .await
            .unwrap();
        let last = awaiting(&t).await;
        let later = next + Duration::seconds(30);
        let m =
            refusal(totp::complete_sign_in(&t.db, &last, &code(&secret, later), later, None).await);
        assert!(m.contains("已停用"), "{m}");
    }
}

async fn sessions_of(t: &TestDb, staff_id: i64, kind: &str) -> u64 {
    session::Entity::find()
        .filter(session::Column::UserKind.eq(kind))
        .filter(session::Column::UserId.eq(staff_id))
        .count(&t.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn totp_recovery_code_works_once_and_new_ones_replace_the_old() {
    for b in contract_backends() {
        let t = world(&b).await;
        let me = account(&t, demo_accounts::STAFF_YN_OFFICE_ADMIN).await;
        let (secret, codes) = enrol(&t, &me, t0()).await;
        let at = t0() + Duration::minutes(5);
        // Typed in capitals with spaces instead of dashes: the same code.
        let typed = codes[3].to_uppercase().replace('-', " ");
        let f = totp::check_second_factor(&t.db, me.id, &typed, at)
            .await
            .unwrap();
        assert_eq!(f, Factor::RecoveryCode { left: 9 });
        let m = refusal(totp::check_second_factor(&t.db, me.id, &codes[3], at).await);
        assert!(m.contains("该恢复码已使用过"), "{}: {m}", b.name());
        let m = refusal(totp::check_second_factor(&t.db, me.id, "0000-0000-0000-0000", at).await);
        assert!(m.starts_with("恢复码不正确"), "{m}");
        // Another account's code is not this one's.
        let other = account(&t, demo_accounts::STAFF_CQ_OFFICE_ADMIN).await;
        let (_, others) = enrol(&t, &other, at).await;
        let m = refusal(totp::check_second_factor(&t.db, me.id, &others[0], at).await);
        assert!(m.starts_with("恢复码不正确"), "{m}");

        // New codes need the password or a code; a wrong password changes nothing.
        let password = "Test2026pass";
        set_password(&t, me.id, password).await;
        let me = account(&t, demo_accounts::STAFF_YN_OFFICE_ADMIN).await;
        let m = refusal(
            totp::regenerate_recovery_codes(&t.db, &me, Proof::Password("Wrong2026pass"), at, None)
                .await,
        );
        assert_eq!(m, "当前密码不正确，未做任何更改（还可再试4次）");
        let m = refusal(
            totp::regenerate_recovery_codes(&t.db, &me, Proof::Code(&codes[0]), at, None).await,
        );
        assert!(m.contains("不能使用恢复码"), "{m}");
        let fresh =
            totp::regenerate_recovery_codes(&t.db, &me, Proof::Code(&code(&secret, at)), at, None)
                .await
                .unwrap();
        assert_eq!(fresh.len(), 10);
        let m = refusal(totp::check_second_factor(&t.db, me.id, &codes[0], at).await);
        assert!(m.starts_with("恢复码不正确"), "the old codes are gone: {m}");
        let later = at + Duration::seconds(30);
        totp::regenerate_recovery_codes(&t.db, &me, Proof::Password(password), later, None)
            .await
            .unwrap();
        assert_eq!(
            audited(&t, "totp.recovery_codes_regenerated", me.id).await,
            2
        );
    }
}

async fn set_password(t: &TestDb, staff_id: i64, password: &str) {
    staff::Entity::update_many()
        .col_expr(
            staff::Column::PasswordHash,
            Expr::value(store::repo::password::hash(password).unwrap()),
        )
        .filter(staff::Column::Id.eq(staff_id))
        .exec(&t.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn totp_is_switched_off_only_where_not_required_and_a_new_phone_keeps_the_old_until_confirmed()
 {
    for b in contract_backends() {
        let t = world(&b).await;
        let me = account(&t, demo_accounts::STAFF_CQ_UNIVERSITY).await;
        set_password(&t, me.id, "Test2026pass").await;
        let me = account(&t, demo_accounts::STAFF_CQ_UNIVERSITY).await;
        let (old, _) = enrol(&t, &me, t0()).await;
        let at = t0() + Duration::minutes(1);

        // A new phone: without proof refused; with it a new secret waits, the old one works.
        let m = refusal(totp::begin_enrolment(&t.db, &me, None, at, None).await);
        assert!(m.contains("更换手机前请先验证身份"), "{m}");
        let e = totp::begin_enrolment(&t.db, &me, Some(Proof::Password("Test2026pass")), at, None)
            .await
            .unwrap();
        let new = rules::parse_secret(&e.secret_base32).unwrap();
        assert_ne!(new, old);
        assert!(totp::status(&t.db, me.id).await.unwrap().pending);
        let later = at + Duration::seconds(30);
        totp::check_second_factor(&t.db, me.id, &code(&old, later), later)
            .await
            .unwrap();
        let later = later + Duration::seconds(30);
        totp::confirm_enrolment(&t.db, &me, &code(&new, later), later, None)
            .await
            .unwrap();
        assert_eq!(audited(&t, "totp.phone_changed", me.id).await, 1);
        let later = later + Duration::seconds(30);
        let m = refusal(totp::check_second_factor(&t.db, me.id, &code(&old, later), later).await);
        assert_eq!(m, WRONG_CODE, "the old phone's codes no longer work");

        // Required (an admin, or the organisation says so): refused, nothing changes.
        let m = refusal(
            totp::disable(
                &t.db,
                &me,
                Proof::Password("Test2026pass"),
                Some("重庆师范大学要求本机构工作人员"),
                later,
                None,
            )
            .await,
        );
        assert!(m.contains("必须使用两步验证，不能停用"), "{m}");
        assert!(totp::is_enabled(&t.db, me.id).await.unwrap());
        // Not required: a wrong code is refused, the right one switches it off.
        let m = refusal(
            totp::disable(
                &t.db,
                &me,
                Proof::Code(&wrong_code(&new, later)),
                None,
                later,
                None,
            )
            .await,
        );
        assert_eq!(m, WRONG_CODE);
        totp::disable(
            &t.db,
            &me,
            Proof::Code(&code(&new, later)),
            None,
            later,
            None,
        )
        .await
        .unwrap();
        assert!(!totp::is_enabled(&t.db, me.id).await.unwrap());
        assert_eq!(totp::status(&t.db, me.id).await.unwrap().recovery_left, 0);
        assert_eq!(audited(&t, "totp.disabled", me.id).await, 1);
    }
}

#[tokio::test]
async fn totp_cleared_by_an_admin_of_the_subtree_ends_the_members_sessions_audited() {
    for b in contract_backends() {
        let t = world(&b).await;
        let admin = account(&t, demo_accounts::STAFF_CQ_OFFICE_ADMIN).await;
        let admin_org = store::repo::org::get(&t.db, admin.org_id).await.unwrap();
        let member = account(&t, demo_accounts::STAFF_CQ_UNIVERSITY).await;
        let at = t0();
        // Nothing to clear yet.
        let m = refusal(totp::clear_by_admin(&t.db, &admin, &admin_org, member.id, at, None).await);
        assert!(m.contains("尚未设置两步验证"), "{m}");
        enrol(&t, &member, at).await;
        store::repo::session::create(&t.db, "staff", Some(member.id), at)
            .await
            .unwrap();
        store::repo::session::create(
            &t.db,
            store::repo::session::AWAITING_SECOND_FACTOR,
            Some(member.id),
            at,
        )
        .await
        .unwrap();

        // Outside the subtree: as if it did not exist. Oneself: refused.
        let yunnan = account(&t, demo_accounts::STAFF_YN_OFFICE_ADMIN).await;
        let yunnan_org = store::repo::org::get(&t.db, yunnan.org_id).await.unwrap();
        assert!(matches!(
            totp::clear_by_admin(&t.db, &yunnan, &yunnan_org, member.id, at, None).await,
            Err(RepoError::NotFound)
        ));
        let m = refusal(totp::clear_by_admin(&t.db, &admin, &admin_org, admin.id, at, None).await);
        assert!(m.contains("不能清除自己账号"), "{m}");

        let cleared =
            totp::clear_by_admin(&t.db, &admin, &admin_org, member.id, at, Some("10.0.0.9"))
                .await
                .unwrap();
        assert_eq!(cleared.id, member.id);
        assert!(!totp::is_enabled(&t.db, member.id).await.unwrap());
        assert_eq!(
            totp::status(&t.db, member.id).await.unwrap().recovery_left,
            0
        );
        assert_eq!(sessions_of(&t, member.id, "staff").await, 0);
        assert_eq!(
            sessions_of(&t, member.id, store::repo::session::AWAITING_SECOND_FACTOR).await,
            0
        );
        let row = audit::Entity::find()
            .filter(audit::Column::Action.eq("staff.totp_cleared"))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.actor_id, row.subject_id, row.ip.as_deref()),
            (Some(admin.id), Some(member.id), Some("10.0.0.9")),
            "{}",
            b.name()
        );
    }
}

#[tokio::test]
async fn totp_required_by_an_office_reaches_every_organisation_below_it() {
    for b in contract_backends() {
        let t = world(&b).await;
        let admin = account(&t, demo_accounts::STAFF_CQ_OFFICE_ADMIN).await;
        let office = store::repo::org::get(&t.db, admin.org_id).await.unwrap();
        let university = store::repo::org::get(
            &t.db,
            account(&t, demo_accounts::STAFF_CQ_UNIVERSITY).await.org_id,
        )
        .await
        .unwrap();
        let yunnan = store::repo::org::get(
            &t.db,
            account(&t, demo_accounts::STAFF_YN_UNIVERSITY).await.org_id,
        )
        .await
        .unwrap();
        assert_eq!(totp::required_by(&t.db, &university).await.unwrap(), None);

        let at = t0();
        assert!(
            totp::set_requirement(&t.db, &admin, &office, true, at, None)
                .await
                .unwrap()
        );
        // Switching on what is on changes nothing and writes nothing.
        assert!(
            !totp::set_requirement(&t.db, &admin, &office, true, at, None)
                .await
                .unwrap()
        );
        assert!(totp::requires_here(&t.db, office.id).await.unwrap());
        assert!(!totp::requires_here(&t.db, university.id).await.unwrap());
        assert_eq!(
            totp::required_by(&t.db, &university)
                .await
                .unwrap()
                .map(|o| o.id),
            Some(office.id),
            "{}",
            b.name()
        );
        assert_eq!(
            totp::required_by(&t.db, &office)
                .await
                .unwrap()
                .map(|o| o.id),
            Some(office.id)
        );
        assert_eq!(totp::required_by(&t.db, &yunnan).await.unwrap(), None);
        // A request's first read says the same of its account's organisation.
        let required_of = async |username: &str| {
            let s = account(&t, username).await;
            store::repo::staff::signed_in(&t.db, s.id, at)
                .await
                .unwrap()
                .totp_required
        };
        assert!(
            required_of(demo_accounts::STAFF_CQ_UNIVERSITY).await,
            "{}",
            b.name()
        );
        assert!(
            required_of(demo_accounts::STAFF_CQ_OFFICE_ADMIN).await,
            "{}",
            b.name()
        );
        assert!(
            !required_of(demo_accounts::STAFF_YN_UNIVERSITY).await,
            "{}",
            b.name()
        );

        assert!(
            totp::set_requirement(&t.db, &admin, &office, false, at, None)
                .await
                .unwrap()
        );
        assert_eq!(totp::required_by(&t.db, &university).await.unwrap(), None);
        assert_eq!(audited(&t, "org.totp_required", office.id).await, 1);
        assert_eq!(
            audited(&t, "org.totp_requirement_lifted", office.id).await,
            1
        );
    }
}

/// What a staff request reads in its first statements: the account with its organisation and
/// two-factor state in one joined row, its roles, and the roles of colleagues whose delegation
/// to it is in force (only then), on every backend.
#[tokio::test]
async fn a_signed_in_account_is_read_with_its_organisation_second_factor_and_delegators() {
    use store::accounts::delegation::{self, By, NewDelegation};
    use store::repo::staff::{roles_of, signed_in};
    for b in contract_backends() {
        let name = b.name();
        let t = world(&b).await;
        let at = t0();
        let away = account(&t, demo_accounts::STAFF_CQ_OFFICE_REVIEWER).await;
        let first = signed_in(&t.db, away.id, at).await.unwrap();
        assert_eq!(first.staff, away, "{name}");
        assert_eq!(
            first.org,
            store::repo::org::get(&t.db, away.org_id).await.unwrap(),
            "{name}"
        );
        assert!(!first.totp_enabled, "{name}");
        assert!(!first.totp_required, "{name}");
        assert_eq!(
            first.roles,
            roles_of(&t.db, away.id).await.unwrap(),
            "{name}"
        );
        assert!(first.delegators.is_empty(), "{name}");
        enrol(&t, &away, at).await;
        assert!(
            signed_in(&t.db, away.id, at).await.unwrap().totp_enabled,
            "{name}"
        );

        let deputy = store::repo::staff::create_with_password(
            &t.db,
            away.org_id,
            "cq-office-deputy",
            "代审老师",
            domain::StaffRole::Reviewer,
            "Deputy-Passw0rd!",
            at,
        )
        .await
        .unwrap();
        let today = domain::calendar::beijing_date(at);
        let d = delegation::create(
            &t.db,
            By {
                staff_id: away.id,
                org_id: away.org_id,
                admin: false,
            },
            NewDelegation {
                from_staff_id: away.id,
                to_staff_id: deputy.id,
                first_day: today,
                last_day: today + Duration::days(1),
                reason: "休假".into(),
            },
            None,
            at,
        )
        .await
        .unwrap();
        let read = signed_in(&t.db, deputy.id, at).await.unwrap();
        assert_eq!(read.staff.id, deputy.id, "{name}");
        assert_eq!(read.delegators.len(), 1, "{name}");
        assert_eq!(read.delegators[0].0.id, away.id, "{name}");
        assert_eq!(
            read.delegators[0].1,
            roles_of(&t.db, away.id).await.unwrap(),
            "{name}"
        );
        // Past its last day, and once revoked, it is gone.
        let after = at + Duration::days(3);
        assert!(
            signed_in(&t.db, deputy.id, after)
                .await
                .unwrap()
                .delegators
                .is_empty(),
            "{name}"
        );
        delegation::revoke(
            &t.db,
            By {
                staff_id: away.id,
                org_id: away.org_id,
                admin: false,
            },
            d.id,
            None,
            at,
        )
        .await
        .unwrap();
        assert!(
            signed_in(&t.db, deputy.id, at)
                .await
                .unwrap()
                .delegators
                .is_empty(),
            "{name}"
        );
        assert!(
            matches!(signed_in(&t.db, -1, at).await, Err(RepoError::NotFound)),
            "{name}"
        );
    }
}

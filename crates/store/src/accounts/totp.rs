//! Two-factor sign-in for staff (两步验证): enrolling an authenticator app, the second step of a
//! sign-in with its code or a recovery code (恢复码), new recovery codes, switching it off, an
//! admin clearing it for a member who lost the phone, and the organisations that require it of
//! all their staff. The code rules are [`domain::totp`]'s.
//!
//! - A code is accepted once: the account keeps the last time step it accepted, and a code is
//!   taken only for a later step, by one conditional update, so of two sign-ins racing with one
//!   code (on any instances) one succeeds.
//! - Secrets are sealed with ChaCha20-Poly1305 under a key kept in `app_secrets` (created by the
//!   first instance that needs it) and bound to the account, so a copy of `staff_totp` alone
//!   yields no codes and a sealed secret moved to another account does not open. The key lives in
//!   the same database: whoever holds the whole database holds the secrets, as with any TOTP
//!   server.
//! - Recovery codes are kept as SHA-256 over the account and the code. Each carries 80 random
//!   bits, beyond any search, so a slow hash (argon2, as for passwords) would only make checking
//!   ten of them slow; and a hash can be looked up, so spending one is one conditional update.
//!
//! Every change writes its audit row in its transaction.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use domain::totp::{self as rules, Entry};
use rand::RngCore;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::entity::{
    org_totp_requirement as requirement, organisation, session, staff,
    staff_recovery_code as recovery, staff_totp,
};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};

/// The name in `app_secrets` of the key that seals authenticator secrets.
pub const SEAL_KEY: &str = "totp_seal_key";

/// A wrong code.
pub const WRONG_CODE: &str = "验证码错误，请输入验证器App中当前显示的6位数字";

/// A code of a step already accepted.
pub const REPLAYED_CODE: &str = "该验证码已使用过，请等待下一个验证码（每30秒更新）";

/// The audit action of a sign-in refused at its second factor (a right password, then a wrong or
/// spent code).
pub const CODE_FAILED_ACTION: &str = "login.code_failed";

/// Marks the format of a sealed secret, so that another one can follow.
const SEALED_PREFIX: &str = "c1:";

fn internal(what: &str) -> RepoError {
    RepoError::Db(DbErr::Custom(format!("two-factor secret: {what}")))
}

fn invalid(message: impl Into<String>) -> RepoError {
    RepoError::Invalid(message.into())
}

/// The sign-in counter of an account's second factor: apart from its password's, since a right
/// password clears that one and would otherwise hand out fresh guesses at the code.
pub fn throttle_key(staff_id: i64) -> String {
    format!("totp:staff:{staff_id}")
}

async fn seal_key<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<LessSafeKey, RepoError> {
    let hex_key = crate::repo::secret::get_or_create(conn, SEAL_KEY, now).await?;
    let bytes = hex::decode(hex_key).map_err(|_| internal("the sealing key is not hex"))?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
        .map_err(|_| internal("the sealing key has the wrong length"))?;
    Ok(LessSafeKey::new(unbound))
}

/// What a sealed secret is bound to: opened for another account, it fails.
fn bound_to(staff_id: i64) -> Aad<String> {
    Aad::from(format!("staff_totp:{staff_id}"))
}

fn seal(key: &LessSafeKey, staff_id: i64, secret: &[u8]) -> Result<String, RepoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let mut body = secret.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        bound_to(staff_id),
        &mut body,
    )
    .map_err(|_| internal("sealing failed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&body);
    Ok(format!("{SEALED_PREFIX}{}", STANDARD.encode(out)))
}

fn open(key: &LessSafeKey, staff_id: i64, sealed: &str) -> Result<Vec<u8>, RepoError> {
    let raw = sealed
        .strip_prefix(SEALED_PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .filter(|r| r.len() > NONCE_LEN)
        .ok_or_else(|| internal("not a sealed secret"))?;
    let (nonce, body) = raw.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| internal("malformed nonce"))?;
    let mut body = body.to_vec();
    let plain = key
        .open_in_place(nonce, bound_to(staff_id), &mut body)
        .map_err(|_| internal("the secret does not open with this key for this account"))?;
    Ok(plain.to_vec())
}

async fn row<C: ConnectionTrait>(
    conn: &C,
    staff_id: i64,
) -> Result<Option<staff_totp::Model>, RepoError> {
    Ok(staff_totp::Entity::find_by_id(staff_id).one(conn).await?)
}

/// Whether the account signs in with two factors.
pub async fn is_enabled<C: ConnectionTrait>(conn: &C, staff_id: i64) -> Result<bool, RepoError> {
    Ok(row(conn, staff_id)
        .await?
        .is_some_and(|r| r.secret.is_some()))
}

/// Which of `ids` sign in with two factors.
pub async fn enabled_among(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<HashSet<i64>, RepoError> {
    Ok(staff_totp::Entity::find()
        .filter(staff_totp::Column::StaffId.is_in(ids.iter().copied()))
        .filter(staff_totp::Column::Secret.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.staff_id)
        .collect())
}

/// Where an account stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// Since when it signs in with two factors; `None`: it does not.
    pub enabled_at: Option<DateTime<Utc>>,
    /// An enrolment waits for its first code.
    pub pending: bool,
    /// Recovery codes not yet used.
    pub recovery_left: u64,
}

/// The account's two-factor status.
pub async fn status(db: &DatabaseConnection, staff_id: i64) -> Result<Status, RepoError> {
    let Some(r) = row(db, staff_id).await? else {
        return Ok(Status::default());
    };
    Ok(Status {
        enabled_at: r.secret.as_ref().and(r.enabled_at),
        pending: r.pending_secret.is_some(),
        recovery_left: recovery_left(db, staff_id).await?,
    })
}

async fn recovery_left<C: ConnectionTrait>(conn: &C, staff_id: i64) -> Result<u64, RepoError> {
    Ok(recovery::Entity::find()
        .filter(recovery::Column::StaffId.eq(staff_id))
        .filter(recovery::Column::UsedAt.is_null())
        .count(conn)
        .await?)
}

/// What the enrolment page shows: the QR code's address and the secret to type by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The secret in base32, for apps that cannot scan.
    pub secret_base32: String,
    /// The `otpauth://` address the QR code carries.
    pub otpauth_url: String,
}

fn enrolment(secret: &[u8], username: &str) -> Result<Enrolment, RepoError> {
    Ok(Enrolment {
        secret_base32: rules::secret_base32(secret),
        otpauth_url: rules::otpauth_url(secret, username).map_err(|e| invalid(e.0))?,
    })
}

/// How someone already signed in shows it is them before a change to their second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof<'a> {
    /// The account's current password.
    Password(&'a str),
    /// A current code of the authenticator app (it is spent like a sign-in's).
    Code(&'a str),
}

async fn prove(
    db: &DatabaseConnection,
    account: &staff::Model,
    proof: Proof<'_>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    match proof {
        Proof::Password(typed) => {
            super::verify_current_password(
                db,
                &format!("staff:{}", account.id),
                account.password_hash.clone(),
                typed,
                "当前密码不正确，未做任何更改",
                now,
            )
            .await
        }
        Proof::Code(typed) => match rules::parse_entry(typed) {
            Ok(Entry::Code(_)) => check_second_factor(db, account.id, typed, now)
                .await
                .map(|_| ()),
            Ok(Entry::Recovery(_)) => Err(invalid(
                "此处不能使用恢复码，请输入验证器App中当前显示的6位数字或当前密码",
            )),
            Err(e) => Err(invalid(e.0)),
        },
    }
}

fn fresh_secret() -> [u8; rules::SECRET_BYTES] {
    let mut secret = [0u8; rules::SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

/// 启用两步验证 (or, when it is on, a new phone): a new secret waits for its first code; the
/// enrolment page shows it as a QR code and as text. Replacing the phone of an account that
/// signs in with two factors takes its password or a current code (`proof`), since a stolen
/// session must not move the second factor to another phone. Audited.
pub async fn begin_enrolment(
    db: &DatabaseConnection,
    account: &staff::Model,
    proof: Option<Proof<'_>>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<Enrolment, RepoError> {
    let replacing = is_enabled(db, account.id).await?;
    if replacing {
        let proof = proof.ok_or_else(|| {
            invalid("更换手机前请先验证身份：输入当前密码或验证器App中当前显示的6位数字")
        })?;
        prove(db, account, proof, now).await?;
    }
    let secret = fresh_secret();
    let key = seal_key(db, now).await?;
    let sealed = seal(&key, account.id, &secret)?;
    let txn = crate::write::begin_write(db).await?;
    staff_totp::Entity::insert(staff_totp::ActiveModel {
        staff_id: Set(account.id),
        secret: Set(None),
        pending_secret: Set(Some(sealed)),
        enabled_at: Set(None),
        last_step: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(staff_totp::Column::StaffId)
            .update_columns([
                staff_totp::Column::PendingSecret,
                staff_totp::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        Actor::staff(account.id),
        "totp.enrolment_started",
        ("staff", Some(account.id)),
        if replacing { "new phone" } else { "" },
        ip,
    )
    .await?;
    txn.commit().await?;
    enrolment(&secret, &account.username)
}

/// The enrolment waiting for its first code, to show again (a reloaded page); `None` if none.
pub async fn pending_enrolment(
    db: &DatabaseConnection,
    account: &staff::Model,
    now: DateTime<Utc>,
) -> Result<Option<Enrolment>, RepoError> {
    let Some(sealed) = row(db, account.id).await?.and_then(|r| r.pending_secret) else {
        return Ok(None);
    };
    let key = seal_key(db, now).await?;
    let secret = open(&key, account.id, &sealed)?;
    enrolment(&secret, &account.username).map(Some)
}

fn recovery_digest(staff_id: i64, canonical: &str) -> String {
    hex::encode(Sha256::digest(format!("{staff_id}:{canonical}").as_bytes()))
}

/// Ten new recovery codes, as shown to their holder (the store keeps their hashes only).
fn new_recovery_codes() -> Vec<String> {
    (0..rules::RECOVERY_CODES)
        .map(|_| {
            let mut random = [0u8; rules::RECOVERY_CODE_BYTES];
            rand::rngs::OsRng.fill_bytes(&mut random);
            rules::recovery_code(&random)
        })
        .collect()
}

async fn replace_recovery_codes<C: ConnectionTrait>(
    conn: &C,
    staff_id: i64,
    codes: &[String],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    recovery::Entity::delete_many()
        .filter(recovery::Column::StaffId.eq(staff_id))
        .exec(conn)
        .await?;
    let rows = codes.iter().map(|c| {
        let canonical: String = c.chars().filter(|ch| *ch != '-').collect();
        recovery::ActiveModel {
            staff_id: Set(staff_id),
            code_sha256: Set(recovery_digest(staff_id, &canonical)),
            created_at: Set(now),
            used_at: Set(None),
            ..Default::default()
        }
    });
    recovery::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Confirms the waiting enrolment with the app's current code: the account now signs in with two
/// factors (the code's step counts as used), and gets ten recovery codes, returned to be shown
/// once. A wrong code changes nothing. Audited.
pub async fn confirm_enrolment(
    db: &DatabaseConnection,
    account: &staff::Model,
    typed: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<Vec<String>, RepoError> {
    let Some(current) = row(db, account.id).await? else {
        return Err(invalid(
            "没有待确认的两步验证设置，请先点“启用两步验证”并用验证器App扫码",
        ));
    };
    let Some(pending) = current.pending_secret.clone() else {
        return Err(invalid(
            "没有待确认的两步验证设置，请先点“启用两步验证”并用验证器App扫码",
        ));
    };
    let code = match rules::parse_entry(typed) {
        Ok(Entry::Code(c)) => c,
        Ok(Entry::Recovery(_)) => {
            return Err(invalid(
                "请输入验证器App中当前显示的6位数字（设置时不能使用恢复码）",
            ));
        }
        Err(e) => return Err(invalid(e.0)),
    };
    let key = seal_key(db, now).await?;
    let secret = open(&key, account.id, &pending)?;
    let step = rules::matching_step(&secret, &code, now).ok_or_else(|| {
        invalid(format!(
            "{WRONG_CODE}。请确认扫描的是本页的二维码，且手机时间准确"
        ))
    })?;
    let codes = new_recovery_codes();
    let replacing = current.secret.is_some();
    let txn = crate::write::begin_write(db).await?;
    let switched = staff_totp::Entity::update_many()
        .col_expr(staff_totp::Column::Secret, Expr::value(pending.clone()))
        .col_expr(
            staff_totp::Column::PendingSecret,
            Expr::value(Option::<String>::None),
        )
        .col_expr(staff_totp::Column::EnabledAt, Expr::value(now))
        .col_expr(staff_totp::Column::LastStep, Expr::value(step))
        .col_expr(staff_totp::Column::UpdatedAt, Expr::value(now))
        .filter(staff_totp::Column::StaffId.eq(account.id))
        .filter(staff_totp::Column::PendingSecret.eq(pending))
        .exec(&txn)
        .await?
        .rows_affected;
    if switched != 1 {
        return Err(RepoError::Conflict(
            "两步验证设置已在其他页面更改（例如重新生成了二维码），请刷新本页后用最新的二维码重新设置"
                .to_owned(),
        ));
    }
    replace_recovery_codes(&txn, account.id, &codes, now).await?;
    audit::record(
        &txn,
        now,
        Actor::staff(account.id),
        if replacing {
            "totp.phone_changed"
        } else {
            "totp.enabled"
        },
        ("staff", Some(account.id)),
        &format!("recovery_codes={}", codes.len()),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// Which second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// A code of the authenticator app.
    Code,
    /// A recovery code, now spent; how many remain unused.
    RecoveryCode {
        /// Unused recovery codes left.
        left: u64,
    },
}

/// A second factor found right, not yet spent: [`spend`] takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Accepted {
    /// The code of this step.
    Step(i64),
    /// The recovery code with this digest.
    Recovery(String),
}

/// Reads what was typed and finds it right or says why not, writing nothing.
async fn evaluate<C: ConnectionTrait>(
    conn: &C,
    staff_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Accepted, RepoError> {
    match rules::parse_entry(typed).map_err(|e| invalid(e.0))? {
        Entry::Code(code) => {
            let current = row(conn, staff_id).await?;
            let Some((sealed, last_step)) =
                current.and_then(|r| r.secret.map(|s| (s, r.last_step)))
            else {
                return Err(invalid("该账号未启用两步验证"));
            };
            let key = seal_key(conn, now).await?;
            let secret = open(&key, staff_id, &sealed)?;
            let step =
                rules::matching_step(&secret, &code, now).ok_or_else(|| invalid(WRONG_CODE))?;
            if step <= last_step {
                return Err(invalid(REPLAYED_CODE));
            }
            Ok(Accepted::Step(step))
        }
        Entry::Recovery(canonical) => Ok(Accepted::Recovery(recovery_digest(staff_id, &canonical))),
    }
}

/// Spends a second factor found right. Each is one conditional update, and the first write of
/// the caller's transaction (SQLite's write lock is taken there), so of two requests with one
/// code the second finds it spent.
async fn spend<C: ConnectionTrait>(
    conn: &C,
    staff_id: i64,
    accepted: Accepted,
    now: DateTime<Utc>,
) -> Result<Factor, RepoError> {
    match accepted {
        Accepted::Step(step) => {
            let taken = staff_totp::Entity::update_many()
                .col_expr(staff_totp::Column::LastStep, Expr::value(step))
                .filter(staff_totp::Column::StaffId.eq(staff_id))
                .filter(staff_totp::Column::Secret.is_not_null())
                .filter(staff_totp::Column::LastStep.lt(step))
                .exec(conn)
                .await?
                .rows_affected;
            if taken == 1 {
                Ok(Factor::Code)
            } else {
                Err(invalid(REPLAYED_CODE))
            }
        }
        Accepted::Recovery(digest) => {
            let spent = recovery::Entity::update_many()
                .col_expr(recovery::Column::UsedAt, Expr::value(now))
                .filter(recovery::Column::StaffId.eq(staff_id))
                .filter(recovery::Column::CodeSha256.eq(digest.clone()))
                .filter(recovery::Column::UsedAt.is_null())
                .exec(conn)
                .await?
                .rows_affected;
            if spent == 1 {
                return Ok(Factor::RecoveryCode {
                    left: recovery_left(conn, staff_id).await?,
                });
            }
            let used_before = recovery::Entity::find()
                .filter(recovery::Column::StaffId.eq(staff_id))
                .filter(recovery::Column::CodeSha256.eq(digest))
                .count(conn)
                .await?
                > 0;
            Err(invalid(if used_before {
                "该恢复码已使用过，每个恢复码只能使用一次，请换一个未用过的恢复码"
            } else {
                "恢复码不正确，请核对后重新输入（也可输入验证器App中当前显示的6位数字）"
            }))
        }
    }
}

/// Checks and spends a second factor of an account that signs in with two factors: a code of a
/// step later than the last accepted one (which it becomes), or an unused recovery code (which is
/// used now). Refused with why: a wrong code, a code already used, a recovery code wrong or
/// spent.
pub async fn check_second_factor(
    db: &DatabaseConnection,
    staff_id: i64,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Factor, RepoError> {
    let accepted = evaluate(db, staff_id, typed, now).await?;
    spend(db, staff_id, accepted, now).await
}

/// The second step of a staff sign-in: with a right second factor, the session awaiting it is
/// replaced by a full one (a new token, so nothing learnt before this step is worth anything
/// after it), in one transaction with the factor spent and the `login.succeeded` audit row.
/// Returns the new session's cookie token. A disabled account is refused.
pub async fn complete_sign_in(
    db: &DatabaseConnection,
    awaiting: &session::Model,
    typed: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(String, Factor), RepoError> {
    let staff_id = awaiting.user_id.ok_or(RepoError::NotFound)?;
    if crate::repo::staff::get(db, staff_id).await?.disabled {
        return Err(invalid(
            "该账号已停用，无法登录；如有疑问请联系本机构管理员",
        ));
    }
    let accepted = evaluate(db, staff_id, typed, now).await?;
    let txn = crate::write::begin_write(db).await?;
    let factor = spend(&txn, staff_id, accepted, now).await?;
    crate::repo::session::delete(&txn, &awaiting.id).await?;
    let (token, _) =
        crate::repo::session::create_from(&txn, "staff", Some(staff_id), ip, now).await?;
    audit::record(
        &txn,
        now,
        Actor::staff(staff_id),
        "login.succeeded",
        ("staff", Some(staff_id)),
        &match factor {
            Factor::Code => "两步验证：验证码".to_owned(),
            Factor::RecoveryCode { left } => format!("两步验证：恢复码（剩余{left}个）"),
        },
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok((token, factor))
}

async fn require_enabled(db: &DatabaseConnection, staff_id: i64) -> Result<(), RepoError> {
    if is_enabled(db, staff_id).await? {
        Ok(())
    } else {
        Err(invalid("您的账号尚未启用两步验证"))
    }
}

/// 重新生成恢复码: ten new ones replace every old one (used or not), returned to be shown once.
/// Takes the password or a current code. Audited.
pub async fn regenerate_recovery_codes(
    db: &DatabaseConnection,
    account: &staff::Model,
    proof: Proof<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<Vec<String>, RepoError> {
    require_enabled(db, account.id).await?;
    prove(db, account, proof, now).await?;
    let codes = new_recovery_codes();
    let txn = crate::write::begin_write(db).await?;
    replace_recovery_codes(&txn, account.id, &codes, now).await?;
    audit::record(
        &txn,
        now,
        Actor::staff(account.id),
        "totp.recovery_codes_regenerated",
        ("staff", Some(account.id)),
        &format!("recovery_codes={}", codes.len()),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(codes)
}

/// Removes the account's secret and recovery codes, and its sessions still waiting for a code
/// (no code can finish them now; their holders sign in again).
async fn forget<C: ConnectionTrait>(conn: &C, staff_id: i64) -> Result<(), RepoError> {
    recovery::Entity::delete_many()
        .filter(recovery::Column::StaffId.eq(staff_id))
        .exec(conn)
        .await?;
    staff_totp::Entity::delete_by_id(staff_id)
        .exec(conn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserKind.eq(crate::repo::session::AWAITING_SECOND_FACTOR))
        .filter(session::Column::UserId.eq(staff_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// 停用两步验证 by its holder: the secret and the recovery codes go. Refused while the account
/// must use it (`required` says why, e.g. "管理员账号"); takes the password or a current code.
/// Audited.
pub async fn disable(
    db: &DatabaseConnection,
    account: &staff::Model,
    proof: Proof<'_>,
    required: Option<&str>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    if let Some(why) = required {
        return Err(invalid(format!(
            "{why}必须使用两步验证，不能停用。更换了手机请用“更换手机”重新绑定；手机丢失请联系本机构管理员清除后重新设置"
        )));
    }
    require_enabled(db, account.id).await?;
    prove(db, account, proof, now).await?;
    let txn = crate::write::begin_write(db).await?;
    forget(&txn, account.id).await?;
    audit::record(
        &txn,
        now,
        Actor::staff(account.id),
        "totp.disabled",
        ("staff", Some(account.id)),
        "",
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// An admin clears the second factor of an account of the subtree (a lost phone): secret and
/// recovery codes go, every session of the account ends and its code counter is forgotten; the
/// holder signs in with the password and, where two factors are required, sets them up again.
/// Not for the admin's own account. Audited.
pub async fn clear_by_admin(
    db: &DatabaseConnection,
    admin: &staff::Model,
    admin_org: &organisation::Model,
    id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<staff::Model, RepoError> {
    let target = super::staff::in_subtree(db, admin_org, id).await?;
    if target.id == admin.id {
        return Err(invalid(
            "不能清除自己账号的两步验证；更换手机请在“我的账号”的两步验证页面操作",
        ));
    }
    clear(db, target, Actor::staff(admin.id), now, ip).await
}

/// The operator clears an account's second factor at the command line (`biye clear-two-factor`),
/// for an admin at the top who lost both the phone and the recovery codes, whom no admin above can
/// help. As [`clear_by_admin`], audited as the system's act.
pub async fn clear_by_operator(
    db: &DatabaseConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<staff::Model, RepoError> {
    let target = crate::repo::staff::get(db, id).await?;
    clear(db, target, Actor::SYSTEM, now, None).await
}

async fn clear(
    db: &DatabaseConnection,
    target: staff::Model,
    by: Actor,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<staff::Model, RepoError> {
    if row(db, target.id).await?.is_none() {
        return Err(invalid(format!(
            "{} 尚未设置两步验证，无需清除",
            target.username
        )));
    }
    let txn = crate::write::begin_write(db).await?;
    forget(&txn, target.id).await?;
    crate::repo::session::delete_for_user(&txn, "staff", target.id).await?;
    crate::repo::throttle::clear(&txn, &throttle_key(target.id)).await?;
    audit::record(
        &txn,
        now,
        by,
        "staff.totp_cleared",
        ("staff", Some(target.id)),
        &format!("username={}", target.username),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(target)
}

/// The ids of `org` and of every organisation above it, from its path (`/root/…/self/`).
fn lineage(org: &organisation::Model) -> Vec<i64> {
    org.path
        .split('/')
        .filter_map(|p| p.parse::<i64>().ok())
        .collect()
}

/// The organisation (`org` itself or one above it) that requires its staff to sign in with two
/// factors, the one nearest the top when several do; `None` when none does.
pub async fn required_by<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
) -> Result<Option<organisation::Model>, RepoError> {
    let ids = lineage(org);
    let requiring: HashSet<i64> = requirement::Entity::find()
        .filter(requirement::Column::OrgId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.org_id)
        .collect();
    let Some(top) = ids.into_iter().find(|id| requiring.contains(id)) else {
        return Ok(None);
    };
    if top == org.id {
        return Ok(Some(org.clone()));
    }
    Ok(organisation::Entity::find_by_id(top).one(conn).await?)
}

/// Whether `org` itself requires two factors of its staff and those below (set by its admin).
pub async fn requires_here<C: ConnectionTrait>(conn: &C, org_id: i64) -> Result<bool, RepoError> {
    Ok(requirement::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .is_some())
}

/// An admin switches the requirement of its organisation on or off: "every member of staff of
/// this organisation and of those below it signs in with two factors" (admins always do). Those
/// without it are sent to set it up at their next request. Returns whether anything changed;
/// a change is audited.
pub async fn set_requirement(
    db: &DatabaseConnection,
    admin: &staff::Model,
    org: &organisation::Model,
    required: bool,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<bool, RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let existed = requires_here(&txn, org.id).await?;
    if required && !existed {
        requirement::Entity::insert(requirement::ActiveModel {
            org_id: Set(org.id),
            required_by: Set(Some(admin.id)),
            required_at: Set(now),
        })
        // Switched on meanwhile by another admin: the key rewritten with itself changes nothing
        // (MySQL has no DO NOTHING).
        .on_conflict(
            OnConflict::column(requirement::Column::OrgId)
                .update_column(requirement::Column::OrgId)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    } else if !required && existed {
        requirement::Entity::delete_by_id(org.id).exec(&txn).await?;
    }
    let changed = required != existed;
    if changed {
        audit::record(
            &txn,
            now,
            Actor::staff(admin.id),
            if required {
                "org.totp_required"
            } else {
                "org.totp_requirement_lifted"
            },
            ("organisation", Some(org.id)),
            &format!("code={}", org.code),
            ip,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Switches two-factor sign-in on for an account with a given secret, without recovery codes:
/// for the demo, whose admins share one secret printed with the logins, and for tests. Never for
/// a real account, whose secret must not be known to anyone but its holder's app. Audited.
pub async fn enrol_with_secret<C: ConnectionTrait>(
    conn: &C,
    staff_id: i64,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let key = seal_key(conn, now).await?;
    let sealed = seal(&key, staff_id, secret)?;
    staff_totp::Entity::insert(staff_totp::ActiveModel {
        staff_id: Set(staff_id),
        secret: Set(Some(sealed)),
        pending_secret: Set(None),
        enabled_at: Set(Some(now)),
        last_step: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(staff_totp::Column::StaffId)
            .update_columns([
                staff_totp::Column::Secret,
                staff_totp::Column::PendingSecret,
                staff_totp::Column::EnabledAt,
                staff_totp::Column::LastStep,
                staff_totp::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    audit::record(
        conn,
        now,
        Actor::SYSTEM,
        "totp.enabled",
        ("staff", Some(staff_id)),
        "a known secret (demonstration data)",
        None,
    )
    .await?;
    Ok(())
}

/// The secret an account uses (or, with `pending`, the one waiting for its first code), opened:
/// for tests, which act as the holder's app.
#[cfg(feature = "test-support")]
pub async fn secret_for_tests(
    db: &DatabaseConnection,
    staff_id: i64,
    pending: bool,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, RepoError> {
    let r = row(db, staff_id).await?.ok_or(RepoError::NotFound)?;
    let sealed = if pending { r.pending_secret } else { r.secret }.ok_or(RepoError::NotFound)?;
    let key = seal_key(db, now).await?;
    open(&key, staff_id, &sealed)
}

/// A code the account's app would show now that has not been used yet: the current step's, or
/// the next one's when that was used. Never an earlier step's: one accepted only by the drift
/// allowance would be refused if the step changed before the code arrived. For tests that sign
/// in the same account more than once within 30 seconds; an error when both are used (the
/// caller waits for the next step).
#[cfg(feature = "test-support")]
pub async fn unused_code_for_tests(
    db: &DatabaseConnection,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<String, RepoError> {
    let r = row(db, staff_id).await?.ok_or(RepoError::NotFound)?;
    let secret = secret_for_tests(db, staff_id, false, now).await?;
    let current = rules::step_at(now);
    let step = std::cmp::max(current, r.last_step + 1);
    if step > current + rules::SKEW_STEPS {
        return Err(invalid(format!(
            "account {staff_id} has used every code open at this moment (steps up to {})",
            r.last_step
        )));
    }
    rules::code_for_step(&secret, step).map_err(|e| invalid(e.0))
}

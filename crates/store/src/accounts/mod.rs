//! Accounts people look after themselves: activating an imported candidate's or student's
//! account (首次登录/账号激活) and setting a forgotten password again (找回密码), both confirmed
//! by a code sent to a phone ([`otp`]).
//!
//! An imported account has no password (its hash is [`NO_PASSWORD`], which no password
//! verifies). Activation proves the person with the register's three details — 准考证号 or 学号,
//! 身份证号, 姓名 — and a phone that receives the code; recovery with the number and the phone
//! confirmed at activation. Neither form tells whether an account exists: a mismatch gets the
//! same answer, counts against the same limits, and sends nothing.

pub mod delegation;
pub mod otp;
pub mod staff;
pub mod totp;

use chrono::{DateTime, Utc};
use domain::otp::Purpose;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entity::{candidate, student};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};

/// The password hash of an account nobody has activated: no password verifies against it.
pub const NO_PASSWORD: &str = "!";

/// Whose account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A self-study candidate, by 准考证号.
    Candidate,
    /// A continuing-education student, by 学号.
    Student,
}

impl Holder {
    /// The session and audit kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Holder::Candidate => "candidate",
            Holder::Student => "student",
        }
    }

    /// What the account's number is called.
    pub fn number_label(&self) -> &'static str {
        match self {
            Holder::Candidate => "准考证号",
            Holder::Student => "学号",
        }
    }

    /// The account of this kind with `id`.
    pub fn me(&self, id: i64) -> Me {
        match self {
            Holder::Candidate => Me::Candidate(id),
            Holder::Student => Me::Student(id),
        }
    }

    /// The purpose of its activation codes.
    pub fn activation(&self) -> Purpose {
        match self {
            Holder::Candidate => Purpose::ActivateCandidate,
            Holder::Student => Purpose::ActivateStudent,
        }
    }

    /// The purpose of its recovery codes.
    pub fn recovery(&self) -> Purpose {
        match self {
            Holder::Candidate => Purpose::ResetCandidate,
            Holder::Student => Purpose::ResetStudent,
        }
    }

    /// The purpose of the codes confirming a new phone.
    pub fn phone_change(&self) -> Purpose {
        match self {
            Holder::Candidate => Purpose::ChangePhoneCandidate,
            Holder::Student => Purpose::ChangePhoneStudent,
        }
    }
}

/// 更换手机号, first step: a code for the signed-in account to the new phone (the same limits as
/// every code). Returns the code to send; the phone already confirmed is refused.
pub async fn request_phone_change(
    db: &DatabaseConnection,
    holder: Holder,
    id: i64,
    new_phone: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, RepoError> {
    let account = by_id(db, holder, id).await?;
    if account.phone.as_deref() == Some(new_phone) {
        return Err(RepoError::Invalid(
            "新手机号与当前手机号相同，无需更换".to_owned(),
        ));
    }
    otp::issue(db, new_phone, holder.phone_change(), Some(id), now).await
}

/// 更换手机号, second step: the code sent to the new phone makes it the account's phone, which
/// password recovery then uses; audited with both numbers masked.
pub async fn change_phone_with_code(
    db: &DatabaseConnection,
    holder: Holder,
    id: i64,
    new_phone: &str,
    code: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let matched = otp::check(db, new_phone, holder.phone_change(), code, now).await?;
    if matched.subject_id != id {
        // Someone else asked for a code to the same phone since: theirs is the latest.
        return Err(RepoError::Invalid(
            "该手机号有更新的验证码请求，请重新获取验证码".to_owned(),
        ));
    }
    let account = by_id(db, holder, id).await?;
    let txn = crate::write::begin_write(db).await?;
    otp::use_code(&txn, matched, now).await?;
    let changed = match holder {
        Holder::Candidate => {
            candidate::Entity::update_many()
                .col_expr(
                    candidate::Column::Phone,
                    sea_orm::sea_query::Expr::value(new_phone),
                )
                .filter(candidate::Column::Id.eq(id))
                .exec(&txn)
                .await?
        }
        Holder::Student => {
            student::Entity::update_many()
                .col_expr(
                    student::Column::Phone,
                    sea_orm::sea_query::Expr::value(new_phone),
                )
                .filter(student::Column::Id.eq(id))
                .exec(&txn)
                .await?
        }
    };
    if changed.rows_affected != 1 {
        return Err(RepoError::NotFound);
    }
    audit::record(
        &txn,
        now,
        Actor {
            kind: holder.kind(),
            id: Some(id),
        },
        "account.phone_changed",
        (holder.kind(), Some(id)),
        &format!(
            "from={} to={}",
            account
                .phone
                .as_deref()
                .map_or_else(|| "（无）".to_owned(), domain::otp::mask_phone),
            domain::otp::mask_phone(new_phone)
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The parts of an account these operations read.
#[derive(Debug, Clone)]
struct Account {
    id: i64,
    number: String,
    name: String,
    id_card_no: String,
    phone: Option<String>,
    password_hash: String,
}

async fn by_number(
    db: &DatabaseConnection,
    holder: Holder,
    number: &str,
) -> Result<Option<Account>, RepoError> {
    Ok(match holder {
        Holder::Candidate => candidate::Entity::find()
            .filter(candidate::Column::AdmissionNo.eq(number))
            .one(db)
            .await?
            .map(|c| Account {
                id: c.id,
                number: c.admission_no,
                name: c.name,
                id_card_no: c.id_card_no,
                phone: c.phone,
                password_hash: c.password_hash,
            }),
        Holder::Student => student::Entity::find()
            .filter(student::Column::StudentNo.eq(number))
            .one(db)
            .await?
            .map(|s| Account {
                id: s.id,
                number: s.student_no,
                name: s.name,
                id_card_no: s.id_card_no,
                phone: s.phone,
                password_hash: s.password_hash,
            }),
    })
}

async fn by_id(db: &DatabaseConnection, holder: Holder, id: i64) -> Result<Account, RepoError> {
    let number = match holder {
        Holder::Candidate => crate::repo::candidate::get(db, id).await?.admission_no,
        Holder::Student => crate::repo::student::get(db, id).await?.student_no,
    };
    by_number(db, holder, &number)
        .await?
        .ok_or(RepoError::NotFound)
}

/// What a person types to activate: the register's three details.
#[derive(Debug, Clone, Copy)]
pub struct Identity<'a> {
    /// 准考证号 or 学号.
    pub number: &'a str,
    /// 身份证号.
    pub id_card_no: &'a str,
    /// 姓名.
    pub name: &'a str,
}

/// Asks for an activation code to `phone`. The code is for the account only when the three
/// details match a registered account that nobody has activated yet; returned to send then, and
/// `None` otherwise (the caller answers the same either way).
pub async fn request_activation(
    db: &DatabaseConnection,
    holder: Holder,
    who: Identity<'_>,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, RepoError> {
    let subject = by_number(db, holder, who.number.trim())
        .await?
        .filter(|a| {
            a.password_hash == NO_PASSWORD
                && a.id_card_no.eq_ignore_ascii_case(who.id_card_no.trim())
                && a.name == who.name.trim()
        })
        .map(|a| a.id);
    otp::issue(db, phone, holder.activation(), subject, now).await
}

/// Asks for a recovery code to `phone`: for the account only when it is activated and `phone` is
/// the one on its record.
pub async fn request_recovery(
    db: &DatabaseConnection,
    holder: Holder,
    number: &str,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, RepoError> {
    let subject = by_number(db, holder, number.trim())
        .await?
        .filter(|a| a.password_hash != NO_PASSWORD && a.phone.as_deref() == Some(phone))
        .map(|a| a.id);
    otp::issue(db, phone, holder.recovery(), subject, now).await
}

/// What the second step sends: the code received and the password chosen.
#[derive(Debug, Clone, Copy)]
pub struct CodeEntry<'a> {
    /// Activation or recovery.
    pub purpose: Purpose,
    /// The phone the code went to.
    pub phone: &'a str,
    /// The code as typed.
    pub code: &'a str,
    /// The new password.
    pub password: &'a str,
}

/// Sets the account's password with a code from [`request_activation`] or [`request_recovery`]
/// (`purpose` says which). The password must pass the account rule (not the account's number or
/// ID number, not a common password), checked before the code is spent, so a refused password
/// leaves the code usable. Activation also records the phone. Every session of the account ends.
/// Returns the account's id.
pub async fn set_password_with_code(
    db: &DatabaseConnection,
    holder: Holder,
    entry: CodeEntry<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<i64, RepoError> {
    let CodeEntry {
        purpose,
        phone,
        code,
        password,
    } = entry;
    let matched = otp::check(db, phone, purpose, code, now).await?;
    let account = by_id(db, holder, matched.subject_id).await?;
    domain::password::validate_account_password(
        password,
        &[
            (holder.number_label(), account.number.as_str()),
            ("身份证号", account.id_card_no.as_str()),
            ("手机号", phone),
        ],
    )
    .map_err(|e| RepoError::Invalid(e.0))?;
    let owned = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || crate::repo::password::hash(&owned))
        .await
        .map_err(|e| RepoError::Invalid(format!("密码处理失败：{e}")))?
        .map_err(RepoError::Invalid)?;
    let activating = purpose == holder.activation();
    let txn = crate::write::begin_write(db).await?;
    otp::use_code(&txn, matched, now).await?;
    write_password(
        &txn,
        holder.me(account.id),
        hash,
        false,
        activating.then_some(phone),
        now,
    )
    .await?;
    crate::repo::session::delete_for_user(&txn, holder.kind(), account.id).await?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: holder.kind(),
            id: Some(account.id),
        },
        if activating {
            "account.activated"
        } else {
            "account.password_recovered"
        },
        (holder.kind(), Some(account.id)),
        &format!(
            "name={} phone={}",
            domain::ids::mask_name(&account.name),
            domain::otp::mask_phone(phone)
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(account.id)
}

/// A signed-in account, as 我的账号 acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Me {
    /// A candidate, by id.
    Candidate(i64),
    /// A student, by id.
    Student(i64),
    /// A staff member, by id.
    Staff(i64),
}

impl Me {
    /// The session and audit kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Me::Candidate(_) => "candidate",
            Me::Student(_) => "student",
            Me::Staff(_) => "staff",
        }
    }

    /// The account id.
    pub fn id(&self) -> i64 {
        match self {
            Me::Candidate(id) | Me::Student(id) | Me::Staff(id) => *id,
        }
    }
}

/// Writes an account's new password hash in the caller's transaction, with whether it must be
/// changed at the next sign-in and, at activation, the phone just confirmed (staff accounts keep
/// no phone). `NotFound` when the account is gone.
async fn write_password<C: sea_orm::ConnectionTrait>(
    conn: &C,
    me: Me,
    hash: String,
    must_change: bool,
    phone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    use crate::entity::staff;
    let changed = match me {
        Me::Candidate(id) => {
            let mut q = candidate::Entity::update_many()
                .col_expr(candidate::Column::PasswordHash, Expr::value(hash))
                .col_expr(
                    candidate::Column::MustChangePassword,
                    Expr::value(must_change),
                )
                .col_expr(candidate::Column::UpdatedAt, Expr::value(now));
            if let Some(p) = phone {
                q = q.col_expr(candidate::Column::Phone, Expr::value(p));
            }
            q.filter(candidate::Column::Id.eq(id)).exec(conn).await?
        }
        Me::Student(id) => {
            let mut q = student::Entity::update_many()
                .col_expr(student::Column::PasswordHash, Expr::value(hash))
                .col_expr(
                    student::Column::MustChangePassword,
                    Expr::value(must_change),
                );
            if let Some(p) = phone {
                q = q.col_expr(student::Column::Phone, Expr::value(p));
            }
            q.filter(student::Column::Id.eq(id)).exec(conn).await?
        }
        Me::Staff(id) => {
            staff::Entity::update_many()
                .col_expr(staff::Column::PasswordHash, Expr::value(hash))
                .col_expr(staff::Column::MustChangePassword, Expr::value(must_change))
                .filter(staff::Column::Id.eq(id))
                .exec(conn)
                .await?
        }
    };
    if changed.rows_affected == 1 {
        Ok(())
    } else {
        Err(RepoError::NotFound)
    }
}

/// The stored hash and the identifiers a password may not repeat.
async fn secrets_of(
    db: &DatabaseConnection,
    me: Me,
) -> Result<(String, Vec<(&'static str, String)>), RepoError> {
    Ok(match me {
        Me::Candidate(id) => {
            let c = crate::repo::candidate::get(db, id).await?;
            let mut ids = vec![("准考证号", c.admission_no), ("身份证号", c.id_card_no)];
            ids.extend(c.phone.map(|p| ("手机号", p)));
            (c.password_hash, ids)
        }
        Me::Student(id) => {
            let s = crate::repo::student::get(db, id).await?;
            let mut ids = vec![("学号", s.student_no), ("身份证号", s.id_card_no)];
            ids.extend(s.phone.map(|p| ("手机号", p)));
            (s.password_hash, ids)
        }
        Me::Staff(id) => {
            let s = crate::entity::staff::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(RepoError::NotFound)?;
            (s.password_hash, vec![("用户名", s.username)])
        }
    })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RepoError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RepoError::Invalid(format!("密码处理失败：{e}")))
}

/// Checks a password typed again inside a session (修改密码, and the proofs two-factor settings
/// ask for), counted per account like sign-ins but apart from them: someone holding a session on
/// a borrowed device gets five guesses in fifteen minutes, then fifteen minutes of nothing,
/// without locking the owner's own sign-in. `account` names the account (`candidate:12`).
pub async fn verify_current_password(
    db: &DatabaseConnection,
    account: &str,
    stored: String,
    typed: &str,
    wrong: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    use crate::repo::throttle;
    let key = format!("reauth:{account}");
    let rule = throttle::ACCOUNT;
    let locked = |until: DateTime<Utc>| {
        RepoError::Invalid(format!(
            "当前密码已连续输错{}次，为保护账号，请于北京时间{}以后再试",
            rule.max_failures,
            domain::calendar::beijing_minute(until)
        ))
    };
    let attempt = match throttle::reserve_check(db, &key, rule, now).await? {
        throttle::AccountGate::Locked(until) => return Err(locked(until)),
        throttle::AccountGate::Check { attempt } => attempt,
    };
    let typed = typed.to_owned();
    if blocking(move || crate::repo::password::verify(&stored, &typed)).await? {
        throttle::succeeded(db, &key, attempt).await?;
        return Ok(());
    }
    match throttle::check_failed(db, &key, attempt, rule, now).await? {
        0 => Err(locked(now + rule.lock)),
        left => Err(RepoError::Invalid(format!("{wrong}（还可再试{left}次）"))),
    }
}

/// 修改密码 on 我的账号: the current password, then a new one under the account rule. Every other
/// session of the account ends (`keep` is the one asking); audited.
pub async fn change_password(
    db: &DatabaseConnection,
    me: Me,
    current: &str,
    new: &str,
    keep: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let (stored, ids) = secrets_of(db, me).await?;
    verify_current_password(
        db,
        &format!("{}:{}", me.kind(), me.id()),
        stored,
        current,
        "当前密码不正确，密码未修改",
        now,
    )
    .await?;
    if new == current {
        return Err(RepoError::Invalid("新密码不能与当前密码相同".to_owned()));
    }
    let pairs: Vec<(&str, &str)> = ids.iter().map(|(l, v)| (*l, v.as_str())).collect();
    domain::password::validate_account_password(new, &pairs)
        .map_err(|e| RepoError::Invalid(e.0))?;
    let owned = new.to_owned();
    let hash = blocking(move || crate::repo::password::hash(&owned))
        .await?
        .map_err(RepoError::Invalid)?;
    let txn = crate::write::begin_write(db).await?;
    write_password(&txn, me, hash, false, None, now).await?;
    crate::repo::session::delete_others(&txn, me.kind(), me.id(), keep).await?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: me.kind(),
            id: Some(me.id()),
        },
        "account.password_changed",
        (me.kind(), Some(me.id())),
        "",
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One sign-in, as 我的账号 lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// When.
    pub at: DateTime<Utc>,
    /// Whether the sign-in went through (password, and the second factor where one is owed).
    pub succeeded: bool,
    /// A failure at the second factor (两步验证) after a right password, rather than a wrong
    /// password.
    pub wrong_code: bool,
    /// From where.
    pub ip: Option<String>,
}

/// The account's last `limit` sign-ins, successful or not, newest first (from the audit log).
pub async fn recent_sign_ins(
    db: &DatabaseConnection,
    me: Me,
    limit: u64,
) -> Result<Vec<SignIn>, RepoError> {
    use crate::entity::audit as row;
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(row::Entity::find()
        .filter(row::Column::SubjectKind.eq(me.kind()))
        .filter(row::Column::SubjectId.eq(me.id()))
        .filter(row::Column::Action.is_in([
            "login.succeeded",
            "login.failed",
            totp::CODE_FAILED_ACTION,
        ]))
        .order_by_desc(row::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|r| SignIn {
            at: r.at,
            succeeded: r.action == "login.succeeded",
            wrong_code: r.action == totp::CODE_FAILED_ACTION,
            ip: r.ip,
        })
        .collect())
}

/// 退出其他设备: ends every session of the account but `keep`, with its audit row; how many ended.
pub async fn end_other_sessions(
    db: &DatabaseConnection,
    me: Me,
    keep: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<u64, RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let ended = crate::repo::session::delete_others(&txn, me.kind(), me.id(), keep).await?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: me.kind(),
            id: Some(me.id()),
        },
        "account.sessions_ended",
        (me.kind(), Some(me.id())),
        &format!("ended={ended}"),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// A password for someone else to type once: twelve letters and digits without the look-alikes
/// (0/O, 1/l/I), always with both kinds.
pub fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    loop {
        let p: String = (0..12)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect();
        if domain::password::validate_new_password(&p).is_ok() {
            return p;
        }
    }
}

/// Who sets a password on someone else's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetBy {
    /// A staff member (a reviewer of the candidate's scope, or an admin).
    Staff(i64),
    /// The operator at the command line (`biye reset-password`).
    Operator,
}

/// Gives the account a one-time password that must be changed at the next sign-in: every session
/// ends and a sign-in lock is lifted. Returns the password, to be shown once and never stored in
/// clear. For the candidate who has lost the phone (staff) and the admin who has lost the password
/// (the operator).
pub async fn reset_to_one_time(
    db: &DatabaseConnection,
    me: Me,
    by: ResetBy,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<String, RepoError> {
    let password = one_time_password();
    let owned = password.clone();
    let hash = blocking(move || crate::repo::password::hash(&owned))
        .await?
        .map_err(RepoError::Invalid)?;
    let txn = crate::write::begin_write(db).await?;
    write_password(&txn, me, hash, true, None, now).await?;
    let username = match me {
        Me::Candidate(id) => crate::repo::candidate::get(&txn, id).await?.admission_no,
        Me::Student(id) => crate::repo::student::get(&txn, id).await?.student_no,
        Me::Staff(id) => crate::repo::staff::get(&txn, id).await?.username,
    };
    crate::repo::session::delete_for_user(&txn, me.kind(), me.id()).await?;
    // The sign-in counter of the account (see the web layer's throttle keys): a lock would
    // otherwise keep the person out with the new password.
    crate::repo::throttle::clear(&txn, &format!("acct:{}:{username}", me.kind())).await?;
    let actor = match by {
        ResetBy::Staff(id) => Actor::staff(id),
        ResetBy::Operator => Actor::SYSTEM,
    };
    audit::record(
        &txn,
        now,
        actor,
        "account.password_reset",
        (me.kind(), Some(me.id())),
        "one-time password, to be changed at the next sign-in",
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(password)
}

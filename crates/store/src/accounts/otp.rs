//! One-time codes by text message (短信验证码), counted in the database so that every instance
//! applies the same limits ([`domain::otp`]): one code per phone per 60 s, ten per phone per
//! Beijing day, valid five minutes, void after five wrong entries, usable once.
//!
//! A code is issued whether or not the details asked with matched an account: the row then has
//! no subject, no message goes out, and the person asking sees the same answer and the same
//! limits, so the form cannot be used to learn who is registered. Any code typed for such a row
//! is wrong.

use chrono::{DateTime, Utc};
use domain::otp::{self, Purpose};
use rand::Rng;
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use crate::entity::{sms_code, sms_phone_limit as limit};
use crate::repo::RepoError;

fn digest(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Reserves a code for `phone` under the per-phone limits, or says which limit stands in the way
/// and for how long. One conditional statement decides, so two requests at once on two instances
/// cannot both pass.
async fn reserve<C: ConnectionTrait>(
    conn: &C,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let today = domain::calendar::beijing_date(now);
    // The row exists before the conditional update; a first code ever finds it open.
    limit::Entity::insert(limit::ActiveModel {
        phone: Set(phone.to_owned()),
        last_sent_at: Set(now - otp::INTERVAL - chrono::Duration::seconds(1)),
        day: Set(today),
        day_count: Set(0),
    })
    .on_conflict(
        // Rewrites the key with itself: a no-op every backend spells (MySQL has no DO NOTHING).
        OnConflict::column(limit::Column::Phone)
            .update_column(limit::Column::Phone)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let count = CaseStatement::new()
        .case(
            Expr::col(limit::Column::Day).eq(today),
            Expr::col(limit::Column::DayCount).add(1),
        )
        .finally(Expr::val(1));
    let reserved = limit::Entity::update_many()
        .col_expr(limit::Column::DayCount, count.into())
        .col_expr(limit::Column::Day, Expr::val(today))
        .col_expr(limit::Column::LastSentAt, Expr::val(now))
        .filter(limit::Column::Phone.eq(phone))
        .filter(limit::Column::LastSentAt.lte(now - otp::INTERVAL))
        .filter(
            sea_orm::Condition::any()
                .add(limit::Column::Day.ne(today))
                .add(limit::Column::DayCount.lt(otp::DAILY_MAX)),
        )
        .exec(conn)
        .await?
        .rows_affected;
    if reserved == 1 {
        return Ok(());
    }
    let row = limit::Entity::find_by_id(phone.to_owned())
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let wait = (row.last_sent_at + otp::INTERVAL - now).num_seconds();
    if wait > 0 {
        return Err(RepoError::Invalid(format!(
            "同一手机号{}秒内只能获取一次验证码，请{wait}秒后再试",
            otp::INTERVAL.num_seconds()
        )));
    }
    Err(RepoError::Invalid(format!(
        "同一手机号每天最多获取{}条验证码，今天已获取{}条，请明天再试",
        otp::DAILY_MAX,
        row.day_count
    )))
}

/// Issues a code for `purpose` to `phone`, for the account `subject` (`None` when the details
/// matched nobody). Returns the code to send when there is a subject; refused with the limit's
/// words when the phone has had one too recently or too many today.
pub async fn issue(
    db: &DatabaseConnection,
    phone: &str,
    purpose: Purpose,
    subject: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<String>, RepoError> {
    let code = format!(
        "{:0width$}",
        rand::thread_rng().gen_range(0..1_000_000u32),
        width = otp::CODE_DIGITS
    );
    let txn = crate::write::begin_write(db).await?;
    // First statement of the transaction: it takes the phone's row (SQLite's write lock).
    reserve(&txn, phone, now).await?;
    sms_code::ActiveModel {
        phone: Set(phone.to_owned()),
        purpose: Set(purpose.code().to_owned()),
        subject_id: Set(subject),
        code_sha256: Set(digest(&code)),
        created_at: Set(now),
        expires_at: Set(now + otp::VALID_FOR),
        wrong: Set(0),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(subject.map(|_| code))
}

/// A code that matched, not yet used: [`use_code`] spends it in the caller's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    /// The code's row.
    pub code_id: i64,
    /// The account it was issued for.
    pub subject_id: i64,
}

/// Checks a typed code against the latest one issued to `phone` for `purpose`. A wrong code is
/// counted (committed here, whatever the caller does next) and the fifth voids it; an expired,
/// used or void one is refused with why.
pub async fn check(
    db: &DatabaseConnection,
    phone: &str,
    purpose: Purpose,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Matched, RepoError> {
    let again = "请重新获取验证码";
    let latest = sms_code::Entity::find()
        .filter(sms_code::Column::Phone.eq(phone))
        .filter(sms_code::Column::Purpose.eq(purpose.code()))
        .order_by_desc(sms_code::Column::Id)
        .one(db)
        .await?;
    let Some(c) = latest else {
        return Err(RepoError::Invalid(format!(
            "该手机号没有待使用的验证码，{again}"
        )));
    };
    let used = || RepoError::Invalid(format!("该验证码已使用过，每个验证码只能使用一次，{again}"));
    let void = || {
        RepoError::Invalid(format!(
            "该验证码已连续输错{}次，已失效，{again}",
            otp::MAX_WRONG
        ))
    };
    if c.used_at.is_some() {
        return Err(used());
    }
    if c.wrong >= otp::MAX_WRONG {
        return Err(void());
    }
    if c.expires_at <= now {
        return Err(RepoError::Invalid(format!(
            "验证码已过期（有效期{}分钟），{again}",
            otp::VALID_FOR.num_minutes()
        )));
    }
    // Each entry takes one of the code's tries before it is compared, in one conditional
    // statement: guesses sent at once cannot all pass a count read before any of them.
    let tried = sms_code::Entity::update_many()
        .col_expr(
            sms_code::Column::Wrong,
            Expr::col(sms_code::Column::Wrong).add(1),
        )
        .filter(sms_code::Column::Id.eq(c.id))
        .filter(sms_code::Column::UsedAt.is_null())
        .filter(sms_code::Column::Wrong.lt(otp::MAX_WRONG))
        .exec(db)
        .await?
        .rows_affected;
    if tried != 1 {
        // Spent or voided by an entry that landed since the row was read.
        let spent = sms_code::Entity::find_by_id(c.id)
            .one(db)
            .await?
            .is_some_and(|r| r.used_at.is_some());
        return Err(if spent { used() } else { void() });
    }
    match c.subject_id {
        Some(subject_id) if c.code_sha256 == digest(typed) => {
            // The right code gives its try back: only wrong entries void a code, and a match
            // that the caller then refuses (a weak password) leaves the code usable.
            sms_code::Entity::update_many()
                .col_expr(
                    sms_code::Column::Wrong,
                    Expr::col(sms_code::Column::Wrong).sub(1),
                )
                .filter(sms_code::Column::Id.eq(c.id))
                .filter(sms_code::Column::Wrong.gt(0))
                .exec(db)
                .await?;
            Ok(Matched {
                code_id: c.id,
                subject_id,
            })
        }
        _ => {
            let wrong = sms_code::Entity::find_by_id(c.id)
                .one(db)
                .await?
                .map_or(otp::MAX_WRONG, |r| r.wrong);
            let left = otp::MAX_WRONG - wrong;
            Err(RepoError::Invalid(if left > 0 {
                format!("验证码错误，还可再试{left}次")
            } else {
                format!(
                    "验证码错误，已连续输错{}次，该验证码已失效，{again}",
                    otp::MAX_WRONG
                )
            }))
        }
    }
}

/// Spends a matched code in the caller's transaction; a code spent meanwhile (the same code sent
/// twice at once) is refused, so it works once.
pub async fn use_code<C: ConnectionTrait>(
    conn: &C,
    matched: Matched,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let n = sms_code::Entity::update_many()
        .col_expr(sms_code::Column::UsedAt, Expr::val(now))
        .filter(sms_code::Column::Id.eq(matched.code_id))
        .filter(sms_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    if n == 1 {
        Ok(())
    } else {
        Err(RepoError::Conflict(
            "该验证码已使用过，每个验证码只能使用一次，请重新获取验证码".to_owned(),
        ))
    }
}

//! 收件箱 messages beyond the 收件箱: by text message and by e-mail, as each person chose on
//! 我的账号.
//!
//! A message is queued in the transaction that puts it in the 收件箱 ([`queue`]): one delivery
//! record per channel, unique per message and channel. The delivery job ([`deliver_due`]) sends
//! what is due outside any review's transaction, so a provider that is down delays a message and
//! never a decision. Each record is claimed by one conditional update (a lease of
//! [`LEASE`]) before it is sent, so two instances running the job at once never send one message
//! twice; a failure is recorded with its reason and tried again after [`BACKOFF`], and after the
//! last attempt the record stays `failed` with the reason.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use crate::entity::{
    candidate, notification_delivery as delivery, notification_setting as setting, staff, student,
};
use crate::mail::{EmailMessage, EmailSender, mask_address};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::Recipient;
use crate::sms::{NOTICE_TITLE_CHARS, SmsMessage, SmsSender, SmsTemplate};

/// How long a claimed record is held before another instance may take it over (a process that
/// died mid-send): longer than any one send may take.
pub const LEASE: Duration = Duration::minutes(5);

/// Waits after the 1st, 2nd, … failed attempt; after the last, the record is `failed`.
pub const BACKOFF: [Duration; 4] = [
    Duration::minutes(1),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
];

/// Attempts before a record is given up: one more than the waits between them.
pub const MAX_ATTEMPTS: i32 = BACKOFF.len() as i32 + 1;

/// An address confirmation code: six digits, valid this long.
pub const CODE_VALID: Duration = Duration::minutes(30);
/// One code a minute per account.
pub const CODE_INTERVAL: Duration = Duration::seconds(60);
/// Wrong entries that void a code.
pub const CODE_MAX_WRONG: i32 = 5;

/// A channel a message can go out by besides the 收件箱.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// 短信, to the account's phone.
    Sms,
    /// 电子邮件, to the confirmed address.
    Email,
}

impl Channel {
    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// The name on the pages.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Sms => "短信",
            Channel::Email => "电子邮件",
        }
    }

    /// The channel of a stored name.
    pub fn from_code(code: &str) -> Option<Channel> {
        match code {
            "sms" => Some(Channel::Sms),
            "email" => Some(Channel::Email),
            _ => None,
        }
    }
}

/// The senders the delivery job uses, and the address links are made absolute with.
#[derive(Clone)]
pub struct Senders {
    /// Text messages.
    pub sms: Arc<dyn SmsSender>,
    /// E-mail.
    pub mail: Arc<dyn EmailSender>,
    /// The platform's public address (`https://biye.example.cn`), for the links in e-mails.
    pub public_base_url: String,
}

/// What a person chose, as 我的账号 shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Messages also go by text message.
    pub sms: bool,
    /// Messages also go by e-mail.
    pub email: bool,
    /// The confirmed address.
    pub email_address: Option<String>,
    /// An address waiting for its code.
    pub pending_address: Option<String>,
    /// The account's phone (text messages go there).
    pub phone: Option<String>,
}

fn digest(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

fn actor(to: Recipient) -> Actor {
    let (kind, id) = to.parts();
    Actor { kind, id: Some(id) }
}

async fn phone_of<C: ConnectionTrait>(
    conn: &C,
    to: Recipient,
) -> Result<Option<String>, RepoError> {
    Ok(match to {
        Recipient::Candidate(id) => candidate::Entity::find_by_id(id)
            .select_only()
            .column(candidate::Column::Phone)
            .into_tuple::<Option<String>>()
            .one(conn)
            .await?
            .ok_or(RepoError::NotFound)?,
        Recipient::Student(id) => student::Entity::find_by_id(id)
            .select_only()
            .column(student::Column::Phone)
            .into_tuple::<Option<String>>()
            .one(conn)
            .await?
            .ok_or(RepoError::NotFound)?,
        Recipient::Staff(id) => staff::Entity::find_by_id(id)
            .select_only()
            .column(staff::Column::Phone)
            .into_tuple::<Option<String>>()
            .one(conn)
            .await?
            .ok_or(RepoError::NotFound)?,
    }
    .filter(|p| !p.trim().is_empty()))
}

async fn row<C: ConnectionTrait>(
    conn: &C,
    to: Recipient,
) -> Result<Option<setting::Model>, RepoError> {
    let (kind, id) = to.parts();
    Ok(setting::Entity::find()
        .filter(setting::Column::RecipientKind.eq(kind))
        .filter(setting::Column::RecipientId.eq(id))
        .one(conn)
        .await?)
}

/// Makes sure the person's row exists, so that the conditional updates below have one to act on.
async fn ensure_row<C: ConnectionTrait>(
    conn: &C,
    to: Recipient,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let (kind, id) = to.parts();
    setting::Entity::insert(setting::ActiveModel {
        recipient_kind: Set(kind.to_owned()),
        recipient_id: Set(id),
        sms: Set(false),
        email: Set(false),
        email_address: Set(None),
        pending_address: Set(None),
        code_sha256: Set(None),
        code_sent_at: Set(None),
        code_expires_at: Set(None),
        code_wrong: Set(0),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        // Rewrites the key with itself: a no-op every backend spells (MySQL has no DO NOTHING).
        OnConflict::columns([setting::Column::RecipientKind, setting::Column::RecipientId])
            .update_column(setting::Column::RecipientKind)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// What `to` chose, with the phone text messages would go to.
pub async fn settings(db: &DatabaseConnection, to: Recipient) -> Result<Settings, RepoError> {
    let phone = phone_of(db, to).await?;
    Ok(match row(db, to).await? {
        Some(r) => Settings {
            sms: r.sms,
            email: r.email && r.email_address.is_some(),
            email_address: r.email_address,
            pending_address: r.pending_address,
            phone,
        },
        None => Settings {
            phone,
            ..Settings::default()
        },
    })
}

/// Turns the two channels on or off. Text messages need a phone on the account and e-mail a
/// confirmed address; refused with which is missing, nothing changed.
pub async fn set_channels(
    db: &DatabaseConnection,
    to: Recipient,
    sms: bool,
    email: bool,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let txn = crate::write::begin_write(db).await?;
    ensure_row(&txn, to, now).await?;
    let current = row(&txn, to).await?.ok_or(RepoError::NotFound)?;
    if sms && phone_of(&txn, to).await?.is_none() {
        // Rolled back at once: a dropped transaction keeps its locks on MySQL until the
        // connection is next used.
        txn.rollback().await?;
        return Err(RepoError::Invalid(
            match to {
                Recipient::Staff(_) => "账号没有登记手机号，不能通过短信接收消息：请联系本单位管理员登记手机号",
                _ => "账号没有登记手机号，不能通过短信接收消息：请先在“我的账号—更换手机号”验证手机号",
            }
            .to_owned(),
        ));
    }
    if email && current.email_address.is_none() {
        txn.rollback().await?;
        return Err(RepoError::Invalid(
            "还没有验证过的邮箱，不能通过电子邮件接收消息：请先填写邮箱并输入邮件中的验证码"
                .to_owned(),
        ));
    }
    if current.sms == sms && current.email == email {
        txn.rollback().await?;
        return Ok(());
    }
    let (kind, id) = to.parts();
    setting::Entity::update_many()
        .col_expr(setting::Column::Sms, Expr::value(sms))
        .col_expr(setting::Column::Email, Expr::value(email))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::Id.eq(current.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        actor(to),
        "notification.channels_changed",
        (kind, Some(id)),
        &format!("sms={sms} email={email}"),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Checks an e-mail address as typed and returns it trimmed; refused with what is wrong.
pub fn check_address(typed: &str) -> Result<String, RepoError> {
    let address = typed.trim();
    if address.is_empty() {
        return Err(RepoError::Invalid("请填写邮箱地址".to_owned()));
    }
    let chars = address.chars().count();
    if chars > 254 {
        return Err(RepoError::Invalid(format!(
            "邮箱地址最长254个字符，填写的有{chars}个字符，超出{}个",
            chars - 254
        )));
    }
    if lettre::Address::from_str(address).is_err() || !address.contains('.') {
        return Err(RepoError::Invalid(format!(
            "“{address}”不是有效的邮箱地址，应形如 name@example.com"
        )));
    }
    Ok(address.to_owned())
}

/// Starts confirming `address` for `to`: returns the six-digit code to mail to it. One code a
/// minute; a new code replaces the last. The address is used only once the code comes back.
pub async fn request_address_code(
    db: &DatabaseConnection,
    to: Recipient,
    address: &str,
    now: DateTime<Utc>,
) -> Result<String, RepoError> {
    let address = check_address(address)?;
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32));
    let txn = crate::write::begin_write(db).await?;
    ensure_row(&txn, to, now).await?;
    let (kind, id) = to.parts();
    let reserved = setting::Entity::update_many()
        .col_expr(
            setting::Column::PendingAddress,
            Expr::value(address.clone()),
        )
        .col_expr(setting::Column::CodeSha256, Expr::value(digest(&code)))
        .col_expr(setting::Column::CodeSentAt, Expr::value(now))
        .col_expr(
            setting::Column::CodeExpiresAt,
            Expr::value(now + CODE_VALID),
        )
        .col_expr(setting::Column::CodeWrong, Expr::value(0))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::RecipientKind.eq(kind))
        .filter(setting::Column::RecipientId.eq(id))
        .filter(
            Condition::any()
                .add(setting::Column::CodeSentAt.is_null())
                .add(setting::Column::CodeSentAt.lte(now - CODE_INTERVAL)),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    if reserved != 1 {
        txn.rollback().await?;
        let sent = row(db, to)
            .await?
            .and_then(|r| r.code_sent_at)
            .unwrap_or(now);
        let wait = Ord::max((sent + CODE_INTERVAL - now).num_seconds(), 1);
        return Err(RepoError::Invalid(format!(
            "{}秒内只能获取一次邮箱验证码，请{wait}秒后再试",
            CODE_INTERVAL.num_seconds()
        )));
    }
    txn.commit().await?;
    Ok(code)
}

/// Withdraws a code that could not be mailed, so that the person may ask again at once.
pub async fn forget_address_code(db: &DatabaseConnection, to: Recipient) -> Result<(), RepoError> {
    let (kind, id) = to.parts();
    setting::Entity::update_many()
        .col_expr(
            setting::Column::PendingAddress,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            setting::Column::CodeSha256,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            setting::Column::CodeSentAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            setting::Column::CodeExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(setting::Column::RecipientKind.eq(kind))
        .filter(setting::Column::RecipientId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Checks the code typed for the pending address; a match makes it the confirmed address and
/// turns e-mail on. A wrong code is counted (committed whatever follows) and the fifth voids it.
/// Returns the address.
pub async fn confirm_address(
    db: &DatabaseConnection,
    to: Recipient,
    typed: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, RepoError> {
    let again = "请重新获取验证码";
    let Some(r) = row(db, to).await? else {
        return Err(RepoError::Invalid(format!("没有待验证的邮箱，{again}")));
    };
    let (Some(address), Some(hash), Some(expires)) = (
        r.pending_address.clone(),
        r.code_sha256.clone(),
        r.code_expires_at,
    ) else {
        return Err(RepoError::Invalid(format!("没有待验证的邮箱，{again}")));
    };
    if expires <= now {
        return Err(RepoError::Invalid(format!(
            "验证码已过期（有效期{}分钟），{again}",
            CODE_VALID.num_minutes()
        )));
    }
    // Each entry takes one of the code's five tries before it is compared, in one conditional
    // statement: guesses sent at once cannot all pass a count read before any of them.
    let tried = setting::Entity::update_many()
        .col_expr(
            setting::Column::CodeWrong,
            Expr::col(setting::Column::CodeWrong).add(1),
        )
        .filter(setting::Column::Id.eq(r.id))
        .filter(setting::Column::CodeSha256.eq(hash.clone()))
        .filter(setting::Column::CodeWrong.lt(CODE_MAX_WRONG))
        .exec(db)
        .await?
        .rows_affected;
    if tried != 1 {
        return Err(RepoError::Invalid(format!(
            "该验证码已连续输错{CODE_MAX_WRONG}次，已失效，{again}"
        )));
    }
    if digest(typed.trim()) != hash {
        let wrong = row(db, to).await?.map_or(CODE_MAX_WRONG, |r| r.code_wrong);
        let left = CODE_MAX_WRONG - wrong;
        return Err(RepoError::Invalid(if left > 0 {
            format!("验证码错误，还可再试{left}次")
        } else {
            format!("验证码错误，已连续输错{CODE_MAX_WRONG}次，该验证码已失效，{again}")
        }));
    }
    let txn = crate::write::begin_write(db).await?;
    // Spent by the same statement that uses it: a code sent twice at once confirms once.
    let n = setting::Entity::update_many()
        .col_expr(setting::Column::EmailAddress, Expr::value(address.clone()))
        .col_expr(setting::Column::Email, Expr::value(true))
        .col_expr(
            setting::Column::PendingAddress,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            setting::Column::CodeSha256,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            setting::Column::CodeExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(setting::Column::CodeWrong, Expr::value(0))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::Id.eq(r.id))
        .filter(setting::Column::CodeSha256.eq(hash))
        .exec(&txn)
        .await?
        .rows_affected;
    if n != 1 {
        txn.rollback().await?;
        return Err(RepoError::Conflict(format!("该验证码已使用过，{again}")));
    }
    let (kind, id) = to.parts();
    audit::record(
        &txn,
        now,
        actor(to),
        "notification.email_confirmed",
        (kind, Some(id)),
        &format!(
            "from={} to={}",
            r.email_address
                .as_deref()
                .map_or_else(|| "（无）".to_owned(), mask_address),
            mask_address(&address)
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(address)
}

/// Removes the confirmed address (and turns e-mail off).
pub async fn remove_address(
    db: &DatabaseConnection,
    to: Recipient,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let Some((r, old)) = row(&txn, to)
        .await?
        .and_then(|r| r.email_address.clone().map(|old| (r, old)))
    else {
        txn.rollback().await?;
        return Ok(());
    };
    setting::Entity::update_many()
        .col_expr(
            setting::Column::EmailAddress,
            Expr::value(Option::<String>::None),
        )
        .col_expr(setting::Column::Email, Expr::value(false))
        .col_expr(setting::Column::UpdatedAt, Expr::value(now))
        .filter(setting::Column::Id.eq(r.id))
        .exec(&txn)
        .await?;
    let (kind, id) = to.parts();
    audit::record(
        &txn,
        now,
        actor(to),
        "notification.email_removed",
        (kind, Some(id)),
        &format!("address={}", mask_address(&old)),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queues a 收件箱 message for the channels its recipient chose; called by
/// [`crate::repo::inbox::send`] in the transaction of the change the message reports.
pub(crate) async fn queue<C: ConnectionTrait>(
    conn: &C,
    message_id: i64,
    to: Recipient,
    title: &str,
    body: &str,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let Some(r) = row(conn, to).await? else {
        return Ok(());
    };
    let mut out = Vec::new();
    if r.sms
        && let Some(phone) = phone_of(conn, to).await?
    {
        out.push((Channel::Sms, phone));
    }
    if r.email
        && let Some(address) = r.email_address
    {
        out.push((Channel::Email, address));
    }
    let (kind, id) = to.parts();
    for (channel, address) in out {
        delivery::ActiveModel {
            message_id: Set(message_id),
            recipient_kind: Set(kind.to_owned()),
            recipient_id: Set(id),
            channel: Set(channel.code().to_owned()),
            address: Set(address),
            title: Set(title.chars().take(200).collect()),
            body: Set(body.to_owned()),
            link: Set(link.map(|l| l.chars().take(500).collect())),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            lease_holder: Set(None),
            lease_until: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// What one run of the delivery job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryRun {
    /// Sent and accepted by the provider.
    pub sent: u64,
    /// Failed and due again later.
    pub retrying: u64,
    /// Failed for the last time.
    pub failed: u64,
}

/// Records looked at per query.
const CHUNK: u64 = 50;

/// Sends what is due at `now`, at most `limit` records, each claimed first by `holder`; claims
/// nothing more once `budget` has passed, so that a provider timing out on every message cannot
/// hold the run past its lease.
pub async fn deliver_due(
    db: &DatabaseConnection,
    senders: &Senders,
    holder: &str,
    now: DateTime<Utc>,
    limit: u64,
    budget: std::time::Duration,
) -> Result<DeliveryRun, RepoError> {
    let started = std::time::Instant::now();
    let mut run = DeliveryRun::default();
    let mut seen = 0u64;
    let mut after = 0i64;
    while seen < limit && started.elapsed() < budget {
        let due: Vec<i64> = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::Id)
            .filter(delivery::Column::Status.eq("pending"))
            .filter(delivery::Column::NextAttemptAt.lte(now))
            .filter(delivery::Column::Id.gt(after))
            .filter(
                Condition::any()
                    .add(delivery::Column::LeaseUntil.is_null())
                    .add(delivery::Column::LeaseUntil.lt(now)),
            )
            .order_by_asc(delivery::Column::Id)
            .limit(Ord::min(CHUNK, limit - seen))
            .into_tuple()
            .all(db)
            .await?;
        let Some(&last) = due.last() else { break };
        after = last;
        seen += due.len() as u64;
        for id in due {
            if started.elapsed() >= budget {
                break;
            }
            let claimed = delivery::Entity::update_many()
                .col_expr(delivery::Column::LeaseHolder, Expr::value(holder))
                .col_expr(delivery::Column::LeaseUntil, Expr::value(now + LEASE))
                .filter(delivery::Column::Id.eq(id))
                .filter(delivery::Column::Status.eq("pending"))
                // Due still: another instance may have tried it since the scan, failed and set
                // its next attempt; without this it would be tried again at once.
                .filter(delivery::Column::NextAttemptAt.lte(now))
                .filter(
                    Condition::any()
                        .add(delivery::Column::LeaseUntil.is_null())
                        .add(delivery::Column::LeaseUntil.lt(now)),
                )
                .exec(db)
                .await?
                .rows_affected;
            if claimed != 1 {
                continue;
            }
            let Some(d) = delivery::Entity::find_by_id(id).one(db).await? else {
                continue;
            };
            let outcome = send_one(senders, &d).await;
            let attempts = d.attempts + 1;
            let mut update = delivery::Entity::update_many()
                .col_expr(delivery::Column::Attempts, Expr::value(attempts))
                .col_expr(
                    delivery::Column::LeaseHolder,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    delivery::Column::LeaseUntil,
                    Expr::value(Option::<DateTime<Utc>>::None),
                );
            match &outcome {
                Ok(()) => {
                    run.sent += 1;
                    update = update
                        .col_expr(delivery::Column::Status, Expr::value("sent"))
                        .col_expr(delivery::Column::SentAt, Expr::value(now))
                        .col_expr(
                            delivery::Column::LastError,
                            Expr::value(Option::<String>::None),
                        );
                }
                Err(why) => {
                    let why: String = why.chars().take(500).collect();
                    tracing::warn!(
                        delivery = d.id,
                        channel = %d.channel,
                        attempt = attempts,
                        error = %why,
                        "notification not delivered"
                    );
                    update = update.col_expr(delivery::Column::LastError, Expr::value(why));
                    match BACKOFF.get(usize::try_from(d.attempts).unwrap_or(usize::MAX)) {
                        Some(wait) => {
                            run.retrying += 1;
                            update = update.col_expr(
                                delivery::Column::NextAttemptAt,
                                Expr::value(now + *wait),
                            );
                        }
                        None => {
                            run.failed += 1;
                            update =
                                update.col_expr(delivery::Column::Status, Expr::value("failed"));
                        }
                    }
                }
            }
            // Only the holder records the outcome: a lease that ran out and was taken over
            // belongs to the instance that took it.
            update
                .filter(delivery::Column::Id.eq(d.id))
                .filter(delivery::Column::LeaseHolder.eq(holder))
                .exec(db)
                .await?;
        }
    }
    Ok(run)
}

async fn send_one(senders: &Senders, d: &delivery::Model) -> Result<(), String> {
    match Channel::from_code(&d.channel) {
        Some(Channel::Sms) => senders
            .sms
            .send(&SmsMessage {
                phone: d.address.clone(),
                template: SmsTemplate::Notice,
                params: vec![d.title.chars().take(NOTICE_TITLE_CHARS).collect()],
            })
            .await
            .map_err(|e| e.to_string()),
        Some(Channel::Email) => {
            let url = d
                .link
                .as_deref()
                .map(|l| format!("{}{l}", senders.public_base_url.trim_end_matches('/')));
            let text = domain::messages::channels::inbox_message(&d.title, &d.body, url.as_deref());
            senders
                .mail
                .send(&EmailMessage {
                    to: d.address.clone(),
                    subject: text.subject,
                    body: text.body,
                })
                .await
                .map_err(|e| e.to_string())
        }
        None => Err(format!("未知的发送渠道“{}”", d.channel)),
    }
}

/// The newest delivery records of `to`, newest first, for 我的账号.
pub async fn recent(
    db: &DatabaseConnection,
    to: Recipient,
    limit: u64,
) -> Result<Vec<delivery::Model>, RepoError> {
    let (kind, id) = to.parts();
    Ok(delivery::Entity::find()
        .filter(delivery::Column::RecipientKind.eq(kind))
        .filter(delivery::Column::RecipientId.eq(id))
        .order_by_desc(delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

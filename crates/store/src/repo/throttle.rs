//! Throttling of failed sign-ins, per account and per address, kept in the database so that every
//! instance counts the same failures.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entity::login_throttle;

/// One throttling rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Failures allowed within `window` before the key is locked.
    pub max_failures: i32,
    /// Counting window.
    pub window: Duration,
    /// How long a lock lasts.
    pub lock: Duration,
}

/// Per account: five wrong passwords lock the account for fifteen minutes.
pub const ACCOUNT: Rule = Rule {
    max_failures: 5,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

/// Per address: twenty failures over any accounts lock the address for fifteen minutes.
pub const ADDRESS: Rule = Rule {
    max_failures: 20,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

/// Until when a key is locked, if it is.
pub async fn locked_until<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let row = login_throttle::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?;
    Ok(row.and_then(|r| r.locked_until).filter(|t| *t > now))
}

/// Counts one failure; returns how many attempts remain (0 = now locked).
pub async fn record_failure<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    rule: Rule,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let row = login_throttle::Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?;
    let (failures, window_start) = match &row {
        Some(r) if now - r.window_start < rule.window && r.locked_until.is_none_or(|t| t > now) => {
            (r.failures + 1, r.window_start)
        }
        _ => (1, now),
    };
    let locked_until = (failures >= rule.max_failures).then(|| now + rule.lock);
    let am = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        window_start: Set(window_start),
        locked_until: Set(locked_until),
    };
    if row.is_some() {
        am.update(conn).await?;
    } else {
        am.insert(conn).await?;
    }
    Ok((rule.max_failures - failures).max(0))
}

/// Forgets the failures of a key (after a successful sign-in).
pub async fn clear<C: ConnectionTrait>(conn: &C, key: &str) -> Result<(), DbErr> {
    login_throttle::Entity::delete_by_id(key.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

//! Throttling of sign-ins, kept in the database so that every instance counts the same attempts.
//!
//! Per account, a password check is *reserved* before it is made: one statement adds the
//! attempt to the account's row, so of any number of requests arriving at once, on any number
//! of instances, at most [`ACCOUNT`]`.max_failures` reach the password check within a lock
//! window; the rest are refused as locked without one. A correct password clears the row, unless
//! more checks were reserved after it (a burst still running keeps its count).
//!
//! Per address, nobody is locked out: behind one campus NAT or one load balancer many people
//! share an address. Failures from the address space its next attempts out instead
//! ([`AddressRule::interval`]); an attempt waits for its turn, and only an address whose queue
//! is already longer than [`AddressRule::max_wait`] is asked to come back later.
//!
//! Every change is an upsert followed by a read in one transaction: the upsert takes the row's
//! lock (SQLite's write lock), so concurrent reservations are serialised and never race on the
//! insert.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};

use crate::entity::login_throttle::{self, Column, Entity};

/// The per-account rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Password checks allowed within `window` before the account is locked.
    pub max_failures: i32,
    /// Counting window.
    pub window: Duration,
    /// How long a lock lasts.
    pub lock: Duration,
}

/// Per account: five password checks, then the account is locked for fifteen minutes.
pub const ACCOUNT: Rule = Rule {
    max_failures: 5,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

/// The per-address rule: progressive spacing of attempts, never a lock.
#[derive(Debug, Clone, Copy)]
pub struct AddressRule {
    /// Failures within `window` that cost nothing (typing mistakes of the people behind it).
    pub free_failures: i32,
    /// Counting window.
    pub window: Duration,
    /// Spacing added per failure beyond the free ones.
    pub step: Duration,
    /// The largest spacing.
    pub max_interval: Duration,
    /// The longest an attempt is made to wait for its turn; past it the caller is asked to come
    /// back later.
    pub max_wait: Duration,
}

impl AddressRule {
    /// The spacing between attempts from an address with `failures` failures in the window:
    /// nothing for the first `free_failures`, then `step` more per failure, up to `max_interval`.
    pub fn interval(&self, failures: i32) -> Duration {
        let over = failures - self.free_failures + 1;
        if over <= 0 {
            return Duration::zero();
        }
        (self.step * over).min(self.max_interval)
    }
}

/// Per address: ten free failures in fifteen minutes, then a second more between attempts per
/// failure, up to ten seconds; a queue longer than thirty seconds is turned away. Whole seconds,
/// because MySQL keeps timestamps to the second.
pub const ADDRESS: AddressRule = AddressRule {
    free_failures: 10,
    window: Duration::minutes(15),
    step: Duration::seconds(1),
    max_interval: Duration::seconds(10),
    max_wait: Duration::seconds(30),
};

/// Whether an account's password may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountGate {
    /// Check it; this is the `attempt`-th check of the window.
    Check {
        /// 1-based number of this check in the window.
        attempt: i32,
    },
    /// Locked until then; no check.
    Locked(DateTime<Utc>),
}

/// Whether an attempt from an address may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressGate {
    /// Go on after waiting this long (zero for at once).
    Go(Duration),
    /// The address's queue is full: come back after this long.
    Busy(Duration),
}

/// Adds `by` to a key's count, creating the row (with `by`) if it is missing, and returns the
/// row. The caller's transaction then holds the row's lock.
async fn bump<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    by: i32,
    now: DateTime<Utc>,
) -> Result<login_throttle::Model, DbErr> {
    Entity::insert(login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(by),
        window_start: Set(now),
        locked_until: Set(None),
        next_attempt_at: Set(None),
    })
    .on_conflict(
        OnConflict::column(Column::Key)
            .value(
                Column::Failures,
                Expr::col((Entity, Column::Failures)).add(by),
            )
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Entity::find_by_id(key.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("login_throttle {key}")))
}

/// Reserves one password check of an account under `rule`.
pub async fn reserve_check(
    db: &DatabaseConnection,
    key: &str,
    rule: Rule,
    now: DateTime<Utc>,
) -> Result<AccountGate, DbErr> {
    let txn = crate::write::begin_write(db).await?;
    let row = bump(&txn, key, 1, now).await?;
    let stale = match row.locked_until {
        Some(t) => t <= now,
        None => now - row.window_start >= rule.window,
    };
    let gate = if let (false, Some(t)) = (stale, row.locked_until) {
        // Locked: the count no longer matters, and nothing else changes.
        txn.rollback().await?;
        return Ok(AccountGate::Locked(t));
    } else if stale {
        let mut am = row.into_active_model();
        am.failures = Set(1);
        am.window_start = Set(now);
        am.locked_until = Set(None);
        am.update(&txn).await?;
        AccountGate::Check { attempt: 1 }
    } else if row.failures > rule.max_failures {
        // Every check of the window is taken (some may still be running): locked from now.
        let until = now + rule.lock;
        let mut am = row.into_active_model();
        am.locked_until = Set(Some(until));
        am.update(&txn).await?;
        AccountGate::Locked(until)
    } else {
        AccountGate::Check {
            attempt: row.failures,
        }
    };
    txn.commit().await?;
    Ok(gate)
}

/// Records that the `attempt`-th check of the window failed; the last one allowed locks the
/// account. Returns how many checks remain (0 = now locked).
pub async fn check_failed<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    attempt: i32,
    rule: Rule,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    if attempt >= rule.max_failures {
        Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(now + rule.lock))
            .filter(Column::Key.eq(key))
            .filter(Column::LockedUntil.is_null())
            .exec(conn)
            .await?;
    }
    Ok(std::cmp::max(rule.max_failures - attempt, 0))
}

/// Takes a turn for an attempt from an address: the attempt may go on after the returned wait,
/// or the address is busy.
pub async fn address_turn(
    db: &DatabaseConnection,
    key: &str,
    rule: AddressRule,
    now: DateTime<Utc>,
) -> Result<AddressGate, DbErr> {
    let txn = crate::write::begin_write(db).await?;
    let row = bump(&txn, key, 0, now).await?;
    let mut am = row.clone().into_active_model();
    let failures = if now - row.window_start >= rule.window {
        am.failures = Set(0);
        am.window_start = Set(now);
        0
    } else {
        row.failures
    };
    let turn = row.next_attempt_at.filter(|t| *t > now).unwrap_or(now);
    let wait = turn - now;
    if wait > rule.max_wait {
        txn.rollback().await?;
        return Ok(AddressGate::Busy(wait - rule.max_wait));
    }
    am.next_attempt_at = Set(Some(turn + rule.interval(failures)));
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(AddressGate::Go(wait))
}

/// Counts a failed sign-in from an address (a new window when the last one ran out).
pub async fn address_failed(
    db: &DatabaseConnection,
    key: &str,
    rule: AddressRule,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let txn = crate::write::begin_write(db).await?;
    let row = bump(&txn, key, 1, now).await?;
    let failures = if now - row.window_start >= rule.window {
        let mut am = row.into_active_model();
        am.failures = Set(1);
        am.window_start = Set(now);
        am.update(&txn).await?;
        1
    } else {
        row.failures
    };
    txn.commit().await?;
    Ok(failures)
}

/// Forgets the attempts of an account after its `attempt`-th check succeeded, unless further
/// checks were reserved since: those belong to a burst still running, which must not get a fresh
/// count of checks because one of its requests carried the right password.
pub async fn succeeded<C: ConnectionTrait>(conn: &C, key: &str, attempt: i32) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::Key.eq(key))
        .filter(Column::Failures.eq(attempt))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets an account's counter, lifting a lock (a password reset by someone else).
pub async fn clear<C: ConnectionTrait>(conn: &C, key: &str) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::Key.eq(key))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes the rows that no longer hold anything: their window has run out, no lock is running
/// and no turn is waited for. The next attempt would start such a row afresh anyway; without this,
/// every address and every made-up sign-in name ever tried would keep a row. Returns how many went.
pub async fn purge_stale<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let window = std::cmp::max(ACCOUNT.window, ADDRESS.window);
    Ok(Entity::delete_many()
        .filter(Column::WindowStart.lte(now - window))
        .filter(
            sea_orm::Condition::any()
                .add(Column::LockedUntil.is_null())
                .add(Column::LockedUntil.lte(now)),
        )
        .filter(
            sea_orm::Condition::any()
                .add(Column::NextAttemptAt.is_null())
                .add(Column::NextAttemptAt.lte(now)),
        )
        .exec(conn)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_pays_nothing_for_ten_failures_then_a_second_more_per_failure() {
        assert_eq!(ADDRESS.interval(0), Duration::zero());
        assert_eq!(ADDRESS.interval(9), Duration::zero());
        assert_eq!(ADDRESS.interval(10), Duration::seconds(1));
        assert_eq!(ADDRESS.interval(11), Duration::seconds(2));
        assert_eq!(ADDRESS.interval(18), Duration::seconds(9));
        assert_eq!(ADDRESS.interval(19), Duration::seconds(10));
        assert_eq!(ADDRESS.interval(30), Duration::seconds(10));
        assert_eq!(ADDRESS.interval(10_000), Duration::seconds(10));
    }
}

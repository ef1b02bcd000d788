//! Sessions kept in the database, so that any instance behind the load balancer can serve any request.
//!
//! The browser holds a random token; the table keeps only its SHA-256, so a copy of the table
//! cannot be replayed as cookies.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::entity::{candidate, session};
use crate::reader::{Reads, Shape};

/// Sliding lifetime of a session without activity.
pub const IDLE_LIFETIME: Duration = Duration::minutes(30);

/// The `user_kind` of a staff session whose password was right but whose second factor (两步验证)
/// has not been given yet. Being a kind of its own, it passes no check that asks for `staff`:
/// such a session reaches the code page and logout, and nothing else.
pub const AWAITING_SECOND_FACTOR: &str = "staff_2fa";

/// The `user_kind` of a candidate's session.
const CANDIDATE: &str = "candidate";

/// How long a session awaiting its second factor lives; it is never extended.
pub const SECOND_FACTOR_LIFETIME: Duration = Duration::minutes(5);

/// The kinds of session an account of `user_kind` may hold: a staff account's half-signed-in
/// sessions end with its full ones (a reset password, a disabled account).
fn kinds_of(user_kind: &str) -> Vec<&str> {
    if user_kind == "staff" {
        vec![user_kind, AWAITING_SECOND_FACTOR]
    } else {
        vec![user_kind]
    }
}

/// The outcome of looking up a cookie token.
#[derive(Debug)]
pub enum Lookup {
    /// A live session.
    Live(session::Model),
    /// The session existed but ran out; it has been removed.
    Expired,
    /// No such session (never existed, or logged out).
    Missing,
}

/// A fresh random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored id of a cookie token.
pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user_kind` (`anonymous`, `candidate`, `student`, `staff`); returns the cookie token.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_kind: &str,
    user_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(String, session::Model), DbErr> {
    create_from(conn, user_kind, user_id, None, now).await
}

/// [`create`], remembering the address signed in from (shown on 我的账号).
pub async fn create_from<C: ConnectionTrait>(
    conn: &C,
    user_kind: &str,
    user_id: Option<i64>,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(String, session::Model), DbErr> {
    let lifetime = if user_kind == AWAITING_SECOND_FACTOR {
        SECOND_FACTOR_LIFETIME
    } else {
        IDLE_LIFETIME
    };
    let token = random_token();
    let model = session::ActiveModel {
        id: Set(token_id(&token)),
        user_kind: Set(user_kind.to_owned()),
        user_id: Set(user_id),
        csrf_token: Set(random_token()),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + lifetime),
        ip: Set(ip.map(|a| a.chars().take(64).collect())),
    }
    .insert(conn)
    .await?;
    Ok((token, model))
}

/// Finds the session of a cookie token, removing it if it has run out.
pub async fn load<C: Reads>(conn: &C, token: &str, now: DateTime<Utc>) -> Result<Lookup, DbErr> {
    Ok(load_versioned(conn, token, now).await?.lookup)
}

/// What [`load_versioned`] reads in its one statement.
#[derive(Debug)]
pub struct Loaded {
    /// The session, as [`load`] finds it.
    pub lookup: Lookup,
    /// The reference data version the request may rely on the instance's
    /// [`crate::refcache::ReferenceCache`] for (`None` where no live session was found, or the
    /// version row is missing).
    pub seen: Option<crate::refcache::Seen>,
    /// A live candidate session's account, read with it: every candidate page needs it.
    pub candidate: Option<candidate::Model>,
}

/// [`load`], reading with the session, in the same statement, the reference data version and,
/// for a candidate's session, the candidate.
pub async fn load_versioned<C: Reads>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Loaded, DbErr> {
    load_versioned_from(conn, conn, token, now).await
}

/// [`load_versioned`], reading through `reads` (a [`crate::reader::Reader`] may read on the
/// calling thread) and removing a session that has run out through `writes`.
pub async fn load_versioned_from<R: Reads, W: ConnectionTrait>(
    reads: &R,
    writes: &W,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Loaded, DbErr> {
    use sea_orm::sea_query::{ExprTrait, IntoCondition};
    use sea_orm::{ColumnType, JoinType, QuerySelect, QueryTrait, RelationDef};
    let id = token_id(token);
    static SQL: crate::reader::Prepared = crate::reader::Prepared::new();
    let stmt = SQL.statement(
        reads.get_database_backend(),
        // The join's condition binds its value before the key's.
        vec![CANDIDATE.into(), id.clone().into()],
        |backend| {
            let to_candidate: RelationDef = session::Entity::belongs_to(candidate::Entity)
                .from(session::Column::UserId)
                .to(candidate::Column::Id)
                .on_condition(|left, _| {
                    Expr::col((left, session::Column::UserKind))
                        .eq(CANDIDATE)
                        .into_condition()
                })
                .into();
            session::Entity::find_by_id(id.clone())
                .join(JoinType::LeftJoin, to_candidate)
                .select_also(candidate::Entity)
                .expr_as(
                    Expr::cust("(SELECT version FROM reference_versions WHERE id = 1)"),
                    "ref_version",
                )
                .build(backend)
        },
    );
    let missing = Loaded {
        lookup: Lookup::Missing,
        seen: None,
        candidate: None,
    };
    let shape = || {
        Shape::default()
            .entity::<session::Entity>("A_")
            .entity::<candidate::Entity>("B_")
            .column("ref_version", ColumnType::BigInteger)
    };
    let Some(row) = reads.rows(stmt, shape).await?.into_iter().next() else {
        return Ok(missing);
    };
    let s = row.model::<session::Entity>("A_")?;
    if s.expires_at <= now {
        session::Entity::delete_by_id(id).exec(writes).await?;
        return Ok(Loaded {
            lookup: Lookup::Expired,
            ..missing
        });
    }
    let candidate = match row.get::<Option<i64>>("B_id")? {
        Some(_) => Some(row.model::<candidate::Entity>("B_")?),
        None => None,
    };
    Ok(Loaded {
        lookup: Lookup::Live(s),
        seen: crate::refcache::Seen::read(row.get::<Option<i64>>("ref_version")?),
        candidate,
    })
}

/// Extends a live session; writes at most once a minute per session to spare the database.
pub async fn touch<C: ConnectionTrait>(
    conn: &C,
    s: &session::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if now - s.last_seen_at < Duration::minutes(1) || s.user_kind == AWAITING_SECOND_FACTOR {
        return Ok(());
    }
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(now))
        .col_expr(session::Column::ExpiresAt, Expr::value(now + IDLE_LIFETIME))
        .filter(session::Column::Id.eq(s.id.clone()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends one session (logout).
pub async fn delete<C: ConnectionTrait>(conn: &C, id: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of one account (password change, account disabled), those awaiting a
/// second factor included.
pub async fn delete_for_user<C: ConnectionTrait>(
    conn: &C,
    user_kind: &str,
    user_id: i64,
) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserKind.is_in(kinds_of(user_kind)))
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

/// The account's sessions that have not run out, the most recently used first.
pub async fn live_for_user<C: ConnectionTrait>(
    conn: &C,
    user_kind: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<session::Model>, DbErr> {
    use sea_orm::QueryOrder;
    session::Entity::find()
        .filter(session::Column::UserKind.eq(user_kind))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await
}

/// Ends every session of the account but `keep` (退出其他设备), those awaiting a second factor
/// included.
pub async fn delete_others<C: ConnectionTrait>(
    conn: &C,
    user_kind: &str,
    user_id: i64,
    keep: &str,
) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserKind.is_in(kinds_of(user_kind)))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.ne(keep))
        .exec(conn)
        .await?
        .rows_affected)
}

/// Removes sessions that ran out; run by a periodic job.
pub async fn purge_expired<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?
        .rows_affected)
}

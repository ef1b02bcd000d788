//! Leases of the periodic jobs, so that of several instances one runs each job at a time.
//!
//! A job's row says who holds it and until when; the same time is when the job is next due.
//! Taking the lease is one conditional UPDATE (`… WHERE expires_at <= now`): of any number of
//! instances asking at once exactly one changes the row. A holder that dies leaves the lease to
//! run out; a holder that finishes moves `expires_at` to the job's next run.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::entity::job_lease::{self, Column, Entity};

/// Takes the lease of job `name` for `holder` until `now + hold`, if it is free (never taken,
/// run out, or due). Returns whether this caller holds it now.
pub async fn acquire<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    hold: Duration,
) -> Result<bool, DbErr> {
    Entity::insert(job_lease::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(String::new()),
        expires_at: Set(now),
    })
    // Updating the key to itself is the "do nothing" all three backends accept (MySQL has no
    // `ON CONFLICT DO NOTHING`).
    .on_conflict(
        OnConflict::column(Column::Name)
            .update_column(Column::Name)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let taken = Entity::update_many()
        .col_expr(Column::Holder, Expr::value(holder.to_owned()))
        .col_expr(Column::ExpiresAt, Expr::value(now + hold))
        .filter(Column::Name.eq(name))
        .filter(Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(taken == 1)
}

/// Hands the lease back after a run: the job is next due at `next_due`, for whoever asks then.
pub async fn finish<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    holder: &str,
    next_due: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::ExpiresAt, Expr::value(next_due))
        .filter(Column::Name.eq(name))
        .filter(Column::Holder.eq(holder))
        .exec(conn)
        .await?;
    Ok(())
}

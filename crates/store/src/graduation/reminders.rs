//! 截止提醒 *(ours)*: before a graduation batch's deadline, the candidates whose application still
//! waits for them (填写中, 已驳回, 待交费) are told in the 收件箱 what is missing and by when,
//! three days and one day before ([`DeadlineReminder`]).
//!
//! Each reminder is one transaction: a row in `deadline_reminders` under the unique key
//! (application, kind), the message and the audit row. A second instance reminding at the same
//! moment fails on the key and rolls back, so every reminder is sent once.
//!
//! A run reads only the batches closing within three days, and of each the applications in the
//! three statuses without a reminder of the kind due (index on batch and status, and the unique
//! key for the NOT EXISTS), a chunk at a time in id order.

use chrono::{DateTime, Utc};
use domain::graduation::deadline_reminder::DeadlineReminder;
use domain::messages::inbox::{self as messages, InboxText};
use domain::review::{Stage, Status};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::application::{self, state};
use crate::entity::{batch, deadline_reminder as reminder, graduation_application as app};
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::{RepoError, is_unique_violation};

/// Applications read at a time.
const CHUNK: u64 = 500;

/// Sends the reminders due at `now`; returns how many were sent.
pub async fn send_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, RepoError> {
    let closing = batch::Entity::find()
        .filter(batch::Column::Kind.eq("graduation"))
        .filter(batch::Column::ClosesAt.gt(now))
        .filter(batch::Column::ClosesAt.lte(now + DeadlineReminder::earliest()))
        .order_by_asc(batch::Column::Id)
        .all(db)
        .await?;
    let statuses: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| DeadlineReminder::applies_to(**s))
        .map(|s| s.code())
        .collect();
    let mut sent = 0;
    for b in closing {
        let Some(kind) = DeadlineReminder::due(b.closes_at, now) else {
            continue;
        };
        let pipeline = application::stages(db, b.id).await?;
        let mut after = 0_i64;
        loop {
            let unreminded = Query::select()
                .expr(Expr::val(1))
                .from(reminder::Entity)
                .and_where(
                    Expr::col((reminder::Entity, reminder::Column::ApplicationId))
                        .equals((app::Entity, app::Column::Id)),
                )
                .and_where(Expr::col((reminder::Entity, reminder::Column::Kind)).eq(kind.code()))
                .to_owned();
            let chunk = app::Entity::find()
                .filter(app::Column::BatchId.eq(b.id))
                .filter(app::Column::Status.is_in(statuses.clone()))
                .filter(app::Column::Id.gt(after))
                .filter(Expr::not_exists(unreminded))
                .order_by_asc(app::Column::Id)
                .limit(CHUNK)
                .all(db)
                .await?;
            let full = chunk.len() as u64 == CHUNK;
            for a in &chunk {
                after = a.id;
                if remind(db, &b, &pipeline, a.id, kind, now).await? {
                    sent += 1;
                }
            }
            if !full {
                break;
            }
        }
    }
    Ok(sent)
}

/// Sends reminder `kind` about application `id`, unless it was sent already (by another
/// instance since the chunk was read) or the application no longer waits for its candidate.
async fn remind(
    db: &DatabaseConnection,
    b: &batch::Model,
    pipeline: &[Stage],
    id: i64,
    kind: DeadlineReminder,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    let txn = crate::write::begin_write(db).await?;
    let marked = reminder::ActiveModel {
        application_id: Set(id),
        kind: Set(kind.code().to_owned()),
        sent_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match marked {
        Ok(_) => {}
        // Another instance sent it first: its transaction holds the message.
        Err(e) if is_unique_violation(&e) => {
            txn.rollback().await?;
            return Ok(false);
        }
        Err(e) => return Err(e.into()),
    }
    // Read again after the key is ours: a candidate who submitted or paid since the chunk was
    // read is not told it is missing.
    let a = application::get(&txn, id).await?;
    let Some((text, link)) = text_for(b, pipeline, &a) else {
        txn.rollback().await?;
        return Ok(false);
    };
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(link),
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        Actor::SYSTEM,
        "graduation_application.deadline_reminded",
        ("graduation_application", Some(a.id)),
        &format!("kind={} status={}", kind.code(), a.status),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The reminder for the application as it stands, and where on the application page the
/// candidate acts on it; `None` when it no longer waits for them.
fn text_for(
    b: &batch::Model,
    pipeline: &[Stage],
    a: &app::Model,
) -> Option<(InboxText, &'static str)> {
    let st = state(a);
    let stage = st
        .stage
        .and_then(|i| pipeline.get(i))
        .map(|s| s.name.as_str())
        .unwrap_or("审核");
    Some(match st.status {
        Status::Rejected => (
            messages::graduation_deadline_rejected(
                &b.name,
                stage,
                a.rejection_reason.as_deref().unwrap_or_default(),
                b.closes_at,
            ),
            "/candidate/application#rejection",
        ),
        Status::AwaitingPayment => (
            messages::graduation_deadline_unpaid(&b.name, stage, b.closes_at),
            "/candidate/application#pay",
        ),
        Status::Draft => (
            messages::graduation_deadline_not_submitted(&b.name, b.closes_at),
            "/candidate/application",
        ),
        Status::InReview | Status::Approved | Status::Closed => return None,
    })
}

//! 收件箱: one message per status change, addressed to a candidate or a student, and staff's
//! messages about review deadlines.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::RepoError;
use crate::entity::inbox_message;

/// Who receives a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A self-study candidate.
    Candidate(i64),
    /// A continuing-education student.
    Student(i64),
    /// A member of staff (review deadline reminders and escalations).
    Staff(i64),
}

impl Recipient {
    /// The account kind (`candidate` or `student`) and id.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Self::Candidate(id) => ("candidate", id),
            Self::Student(id) => ("student", id),
            Self::Staff(id) => ("staff", id),
        }
    }
}

/// Puts a message in the recipient's inbox, and queues it for the other channels they chose
/// ([`crate::notifications`]); call it in the transaction of the change it reports.
pub async fn send<C: ConnectionTrait>(
    conn: &C,
    to: Recipient,
    title: &str,
    body: &str,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let (kind, id) = to.parts();
    let title: String = title.chars().take(200).collect();
    let message = inbox_message::ActiveModel {
        recipient_kind: Set(kind.to_owned()),
        recipient_id: Set(id),
        title: Set(title.clone()),
        body: Set(body.to_owned()),
        link: Set(link.map(str::to_owned)),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    crate::notifications::queue(conn, message.id, to, &title, body, link, now).await
}

/// The newest messages first, at most `limit`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    to: Recipient,
    limit: u64,
) -> Result<Vec<inbox_message::Model>, RepoError> {
    let (kind, id) = to.parts();
    Ok(inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .order_by_desc(inbox_message::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// How many messages are unread.
pub async fn unread<C: ConnectionTrait>(conn: &C, to: Recipient) -> Result<u64, RepoError> {
    let (kind, id) = to.parts();
    Ok(inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .filter(inbox_message::Column::ReadAt.is_null())
        .count(conn)
        .await?)
}

/// Marks every message of the recipient read.
pub async fn mark_all_read<C: ConnectionTrait>(
    conn: &C,
    to: Recipient,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let (kind, id) = to.parts();
    inbox_message::Entity::update_many()
        .col_expr(inbox_message::Column::ReadAt, Expr::value(now))
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .filter(inbox_message::Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

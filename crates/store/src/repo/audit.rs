//! The append-only audit trail.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::entity::audit;

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    /// `candidate`, `student`, `staff` or `system`.
    pub kind: &'static str,
    /// The account id; `None` for the system.
    pub id: Option<i64>,
}

impl Actor {
    /// A staff account.
    pub fn staff(id: i64) -> Actor {
        Actor {
            kind: "staff",
            id: Some(id),
        }
    }

    /// The system itself (imports from the command line, scheduled jobs).
    pub const SYSTEM: Actor = Actor {
        kind: "system",
        id: None,
    };
}

/// Writes one audit row; call it inside the transaction of the change it records.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    actor: Actor,
    action: &str,
    subject: (&str, Option<i64>),
    detail: &str,
    ip: Option<&str>,
) -> Result<(), DbErr> {
    audit::ActiveModel {
        at: Set(now),
        actor_kind: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        action: Set(action.to_owned()),
        subject_kind: Set(subject.0.to_owned()),
        subject_id: Set(subject.1),
        detail: Set(detail.to_owned()),
        ip: Set(ip.map(str::to_owned)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

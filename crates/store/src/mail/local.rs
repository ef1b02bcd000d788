//! The development mailer: each message goes to the log (address masked, text left out: it may
//! hold a confirmation code) and to the `mail_outbox` table, which the demo shows on its
//! development outbox page (`/dev/mail`). Nothing leaves the machine.

use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

use super::{EmailMessage, EmailSender, MailError, mask_address};
use crate::entity::mail_outbox;

/// Writes messages to the log and the outbox table instead of sending them.
#[derive(Debug, Clone)]
pub struct LogMailer {
    db: DatabaseConnection,
}

impl LogMailer {
    /// A mailer writing to `db`'s outbox.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl EmailSender for LogMailer {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        tracing::info!(
            to = %mask_address(&message.to),
            "e-mail written to the development outbox instead of being sent (no smtp_url configured)"
        );
        mail_outbox::ActiveModel {
            address: Set(message.to.chars().take(254).collect()),
            subject: Set(message.subject.chars().take(300).collect()),
            body: Set(message.body.clone()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| MailError(format!("开发发件箱写入失败：{e}")))?;
        Ok(())
    }
}

/// The newest messages of the outbox, newest first.
pub async fn outbox(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<mail_outbox::Model>, sea_orm::DbErr> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    mail_outbox::Entity::find()
        .order_by_desc(mail_outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

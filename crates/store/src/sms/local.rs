//! The development sender: each message goes to the log (phone masked, code left out) and to the
//! `sms_outbox` table, which the demo shows on its development outbox page (`/dev/sms`). Nothing
//! leaves the machine.

use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};

use super::{SmsError, SmsMessage, SmsSender};
use crate::entity::sms_outbox;

/// Writes messages to the log and the outbox table instead of sending them.
#[derive(Debug, Clone)]
pub struct LogSender {
    db: DatabaseConnection,
}

impl LogSender {
    /// A sender writing to `db`'s outbox.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl SmsSender for LogSender {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        // The log is read by more people than the recipient: the code stays in the outbox.
        tracing::info!(
            phone = %domain::otp::mask_phone(&message.phone),
            template = message.template.code(),
            "text message written to the development outbox instead of being sent"
        );
        sms_outbox::ActiveModel {
            phone: Set(message.phone.clone()),
            body: Set(message.text()),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map_err(|e| SmsError(format!("开发发件箱写入失败：{e}")))?;
        Ok(())
    }
}

/// The newest messages of the outbox, newest first.
pub async fn outbox(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<sms_outbox::Model>, sea_orm::DbErr> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    sms_outbox::Entity::find()
        .order_by_desc(sms_outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

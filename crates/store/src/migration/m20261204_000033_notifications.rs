//! Notifications beyond the 收件箱: which channels each person chose (短信, 电子邮件 with a
//! confirmed address), and one delivery record per message and channel, worked through by the
//! delivery job with a per-row lease so that several instances never send one twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Creates `notification_settings`, `notification_deliveries` and the development `mail_outbox`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000033_notifications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("notification_settings"))
                .col(big_pk_auto(a("id")))
                // `candidate`, `student` or `staff`, and the account's id.
                .col(string_len(a("recipient_kind"), 16))
                .col(big_integer(a("recipient_id")))
                .col(boolean(a("sms")).default(false))
                // The confirmed address; messages go to it only while `email` is on.
                .col(boolean(a("email")).default(false))
                .col(string_len_null(a("email_address"), 254))
                // An address being confirmed: the code mailed to it, counted like the text-message
                // codes (one a minute, five wrong entries void it).
                .col(string_len_null(a("pending_address"), 254))
                .col(string_len_null(a("code_sha256"), 64))
                .col(timestamp_with_time_zone_null(a("code_sent_at")))
                .col(timestamp_with_time_zone_null(a("code_expires_at")))
                .col(integer(a("code_wrong")).default(0))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "notification_settings",
            &["recipient_kind", "recipient_id"],
            true,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("notification_deliveries"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("message_id")))
                .col(string_len(a("recipient_kind"), 16))
                .col(big_integer(a("recipient_id")))
                // `sms` or `email`, and the phone or address as it was when the message was queued.
                .col(string_len(a("channel"), 8))
                .col(string_len(a("address"), 254))
                .col(string_len(a("title"), 200))
                .col(text(a("body")))
                .col(string_len_null(a("link"), 500))
                // `pending`, `sent` or `failed` (given up after the last attempt).
                .col(string_len(a("status"), 16))
                .col(integer(a("attempts")).default(0))
                .col(timestamp_with_time_zone(a("next_attempt_at")))
                .col(string_len_null(a("lease_holder"), 80))
                .col(timestamp_with_time_zone_null(a("lease_until")))
                .col(string_len_null(a("last_error"), 500))
                .col(timestamp_with_time_zone_null(a("sent_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        // One record per message and channel, whoever queues it.
        index(
            m,
            "notification_deliveries",
            &["message_id", "channel"],
            true,
        )
        .await?;
        // The job's scan: what is pending and due, oldest first.
        index(
            m,
            "notification_deliveries",
            &["status", "next_attempt_at"],
            false,
        )
        .await?;
        index(
            m,
            "notification_deliveries",
            &["recipient_kind", "recipient_id", "id"],
            false,
        )
        .await?;
        // What the local mailer "sent", for the development outbox page (as `sms_outbox`).
        m.create_table(
            Table::create()
                .table(a("mail_outbox"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("address"), 254))
                .col(string_len(a("subject"), 300))
                .col(text(a("body")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "mail_outbox",
            "notification_deliveries",
            "notification_settings",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

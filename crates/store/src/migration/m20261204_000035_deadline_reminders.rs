//! 截止提醒 *(ours)*: the reminders sent to candidates before a graduation batch's deadline, one
//! row per application and kind. The unique key is what makes each reminder go out once: the row
//! is inserted in the transaction of the 收件箱 message, so of several instances reminding at the
//! same moment one commits and the others' inserts fail and take their messages with them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `deadline_reminders`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000035_deadline_reminders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("deadline_reminders"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("application_id")))
                // A `domain::graduation::deadline_reminder::DeadlineReminder` code.
                .col(string_len(a("kind"), 16))
                .col(timestamp_with_time_zone(a("sent_at")))
                .foreign_key(&mut fk(
                    "deadline_reminders",
                    "application_id",
                    "graduation_applications",
                ))
                .to_owned(),
        )
        .await?;
        // Also what the job's NOT EXISTS looks up, by application and kind.
        index(m, "deadline_reminders", &["application_id", "kind"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("deadline_reminders")).to_owned())
            .await
    }
}

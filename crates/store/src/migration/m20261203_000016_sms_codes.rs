//! Text-message codes (短信验证码) for account activation and password recovery, the per-phone
//! counters that limit them across every instance, and the development outbox the local sender
//! writes to.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Creates `sms_codes`, `sms_phone_limits` and `sms_outbox`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000016_sms_codes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("sms_codes"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("phone"), 11))
                .col(string_len(a("purpose"), 32))
                // The account the code is for; NULL when the details matched nobody (no message
                // went out, but the answer and the counting were the same).
                .col(big_integer_null(a("subject_id")))
                .col(string_len(a("code_sha256"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("expires_at")))
                .col(integer(a("wrong")).default(0))
                .col(timestamp_with_time_zone_null(a("used_at")))
                .to_owned(),
        )
        .await?;
        index(m, "sms_codes", &["phone", "purpose"], false).await?;
        m.create_table(
            Table::create()
                .table(a("sms_phone_limits"))
                .col(string_len(a("phone"), 11).primary_key())
                .col(timestamp_with_time_zone(a("last_sent_at")))
                .col(date(a("day")))
                .col(integer(a("day_count")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("sms_outbox"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("phone"), 11))
                .col(text(a("body")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["sms_outbox", "sms_phone_limits", "sms_codes"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

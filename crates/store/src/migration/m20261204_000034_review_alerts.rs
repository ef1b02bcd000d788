//! Review deadline alerts: one row per organisation, kind (提醒 the day before, 督办 to the
//! organisation above on the due date) and due date, written in the transaction that sends the
//! messages. Its unique key is what makes an alert go out once when several instances run the job.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Creates `review_alerts`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000034_review_alerts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("review_alerts"))
                .col(big_pk_auto(a("id")))
                // The organisation whose applications are due.
                .col(big_integer(a("org_id")))
                // `reminder` or `escalation`.
                .col(string_len(a("kind"), 16))
                // The Beijing date the applications are due (截止日期).
                .col(date(a("due_date")))
                .col(integer(a("applications")))
                .col(integer(a("recipients")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "review_alerts", &["org_id", "kind", "due_date"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("review_alerts")).to_owned())
            .await
    }
}

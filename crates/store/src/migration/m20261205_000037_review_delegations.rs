//! Review delegations (工作委托): a reviewer away hands their review stages to a colleague of the
//! same organisation for a period, or an admin does it for them; decisions taken under one name
//! on whose behalf they were taken.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Creates `review_delegations` and adds `review_events.on_behalf_of`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000037_review_delegations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("review_delegations"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("org_id")))
                // Whose stages are handed over, and to whom.
                .col(big_integer(a("from_staff_id")))
                .col(big_integer(a("to_staff_id")))
                // In force from `starts_at` until before `ends_at`.
                .col(timestamp_with_time_zone(a("starts_at")))
                .col(timestamp_with_time_zone(a("ends_at")))
                .col(string_len(a("reason"), 200))
                .col(big_integer(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("revoked_at")))
                .col(big_integer_null(a("revoked_by")))
                .to_owned(),
        )
        .await?;
        // A delegate's delegations in force are read on every request of theirs.
        index(m, "review_delegations", &["to_staff_id", "ends_at"], false).await?;
        index(m, "review_delegations", &["org_id", "id"], false).await?;
        m.alter_table(
            Table::alter()
                .table(a("review_events"))
                .add_column(ColumnDef::new(a("on_behalf_of")).big_integer().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("review_events"))
                .drop_column(a("on_behalf_of"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(a("review_delegations")).to_owned())
            .await
    }
}

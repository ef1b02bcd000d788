//! Indexes for a graduation batch's 统计 page, which counts a batch of a million applications
//! with GROUP BY queries that must read indexes only, never the wide application rows.

use sea_orm_migration::prelude::*;

use super::schema::{a, index};

/// Covering indexes for the counts of [`crate::graduation::stats`].
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000026_batch_stats"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Where the batch's applications stand: the count per stage, status and organisation is
        // one range of this index, read in its own order, so the grouping needs no sort.
        index(
            m,
            "graduation_applications",
            &["batch_id", "stage", "status", "current_org_id"],
            false,
        )
        .await?;
        // The decisions per day, stage and organisation: each application's events are found
        // and counted inside this index, without a visit to the event rows.
        index(
            m,
            "review_events",
            &["application_id", "action", "at", "stage", "org_id"],
            false,
        )
        .await?;
        // Payments per day with their amounts, read the same way.
        index(
            m,
            "payment_orders",
            &["application_id", "paid_at", "amount_fen"],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            (
                "payment_orders",
                "ix_payment_orders_application_id_paid_at_amount_fen",
            ),
            (
                "review_events",
                "ix_review_events_application_id_action_at_stage_org_id",
            ),
            (
                "graduation_applications",
                "ix_graduation_applications_batch_id_stage_status_current_org_id",
            ),
        ] {
            m.drop_index(Index::drop().name(name).table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

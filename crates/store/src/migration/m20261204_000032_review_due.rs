//! Review deadlines (办理时限): a batch's review stage carries the working days its organisation
//! has, copied from the province's definition with the rest of the pipeline; an application in
//! review carries when it arrived at its stage and when it is due there, so that the queues can
//! show, sort and filter by due date without the calendar at read time.
//!
//! Rows already there are left NULL: batches created before this migration copied no limit, so
//! their applications have no due date (shown as 无时限) rather than one their organisations were
//! never given. A batch created afterwards copies the definition's limits.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds `batch_stages.limit_working_days`, `graduation_applications.stage_arrived_at` and
/// `.due_at`, and the index of the 按截止日期 queue.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000032_review_due"
    }
}

/// The 待审核 queue by due date, and its 已逾期 / 即将到期 filters, as one index range in the
/// list's order (due_at, id), like migration 29's indexes by 提交时间.
const DUE_INDEX: &str = "ix_queue_pending_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        m.alter_table(
            Table::alter()
                .table(a("batch_stages"))
                .add_column(ColumnDef::new(a("limit_working_days")).integer().null())
                .to_owned(),
        )
        .await?;
        for column in ["stage_arrived_at", "due_at"] {
            m.alter_table(
                Table::alter()
                    .table(a("graduation_applications"))
                    .add_column(ColumnDef::new(a(column)).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name(DUE_INDEX)
                .table(a("graduation_applications"))
                .col(a("current_org_id"))
                .col(a("status"))
                .col(a("due_at"))
                .col(a("id"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(DUE_INDEX)
                .table(a("graduation_applications"))
                .to_owned(),
        )
        .await?;
        for column in ["due_at", "stage_arrived_at"] {
            m.alter_table(
                Table::alter()
                    .table(a("graduation_applications"))
                    .drop_column(a(column))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(a("batch_stages"))
                .drop_column(a("limit_working_days"))
                .to_owned(),
        )
        .await
    }
}

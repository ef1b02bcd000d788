//! 主考学校公告 per batch: a chief university writes what its candidates of one graduation batch
//! must know (where to hand in originals, when certificates are given out), apart from the
//! standing text kept on the organisation.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `batch_announcements`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000028_batch_announcements"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("batch_announcements"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("batch_id")))
                .col(big_integer(a("org_id")))
                .col(text(a("body")))
                .col(big_integer(a("updated_by")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("batch_announcements", "batch_id", "batches"))
                .foreign_key(&mut fk("batch_announcements", "org_id", "organisations"))
                .foreign_key(&mut fk("batch_announcements", "updated_by", "staff"))
                .to_owned(),
        )
        .await?;
        // One text per university and batch: two admins saving at once leave one row.
        index(m, "batch_announcements", &["batch_id", "org_id"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("batch_announcements")).to_owned())
            .await
    }
}

//! A province office's own settings over its definition: the fee, the upload limit and the 须知
//! text, each empty for the definition's; and the limit a batch copies when it is created, so a
//! later change never reaches a batch under way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::a;

/// Creates `province_settings`; adds `batches.scan_max_bytes`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000014_province_settings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("province_settings"))
                .col(string_len(a("province"), 32).primary_key())
                .col(big_integer_null(a("fee_fen")))
                .col(big_integer_null(a("scan_max_bytes")))
                .col(text_null(a("notice")))
                .col(big_integer_null(a("updated_by")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        // NULL for batches created before: they read their province's definition.
        m.alter_table(
            Table::alter()
                .table(a("batches"))
                .add_column(
                    ColumnDef::new(a("scan_max_bytes"))
                        .big_integer()
                        .null()
                        .to_owned(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("batches"))
                .drop_column(a("scan_max_bytes"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(a("province_settings")).to_owned())
            .await
    }
}

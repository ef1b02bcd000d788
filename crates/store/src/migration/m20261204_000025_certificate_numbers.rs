//! 毕业证书编号 for the 学信网 electronic-registration package: the province's five-digit code of
//! the issuing body beside its other settings, and one number per finally approved application,
//! assigned once and never changed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Adds `province_settings.cert_org_code` and creates `certificate_numbers`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000025_certificate_numbers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Null until the office sets it: no number can be made before then.
        m.alter_table(
            Table::alter()
                .table(a("province_settings"))
                .add_column(
                    ColumnDef::new(a("cert_org_code"))
                        .string_len(5)
                        .null()
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("certificate_numbers"))
                // The application as key: a second assignment of one application is a key
                // violation, whatever the locks did.
                .col(big_integer(a("application_id")).primary_key())
                .col(big_integer(a("batch_id")))
                .col(string_len(a("province"), 20))
                // The first twelve digits (code, 办学类型, year, level) and the sequence after
                // them, kept apart so the next sequence is a MAX over one prefix.
                .col(string_len(a("prefix"), 12))
                .col(integer(a("sequence")))
                .col(string_len(a("certificate_no"), 18))
                .col(big_integer_null(a("assigned_by")))
                .col(timestamp_with_time_zone(a("assigned_at")))
                .foreign_key(&mut fk(
                    "certificate_numbers",
                    "application_id",
                    "graduation_applications",
                ))
                .foreign_key(&mut fk("certificate_numbers", "batch_id", "batches"))
                .to_owned(),
        )
        .await?;
        // One number never goes to two applications.
        index(m, "certificate_numbers", &["certificate_no"], true).await?;
        index(m, "certificate_numbers", &["prefix", "sequence"], true).await?;
        index(m, "certificate_numbers", &["batch_id"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("certificate_numbers")).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(a("province_settings"))
                .drop_column(a("cert_org_code"))
                .to_owned(),
        )
        .await
    }
}

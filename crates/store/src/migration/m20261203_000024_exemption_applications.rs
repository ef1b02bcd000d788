//! Exemptions (免考) beyond the demo: the office imports the offline ones with the ground they
//! were granted on, and candidates apply online to their district agency, which decides.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Adds `exemptions.basis` and creates `exemption_applications`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000024_exemption_applications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // 免考依据, e.g. 国家开放大学专科毕业证书; exemptions recorded before it have none.
        m.alter_table(
            Table::alter()
                .table(a("exemptions"))
                .add_column(ColumnDef::new(a("basis")).string_len(400).null().to_owned())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("exemption_applications"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len(a("course_code"), 10))
                .col(string_len(a("basis"), 400))
                // The district agency that decides, fixed when filed so that its queue is a plain
                // equality and a later move of the candidate does not orphan the request.
                .col(big_integer(a("handler_org_id")))
                .col(string_len(a("scan_key"), 200))
                .col(string_len(a("scan_name"), 255))
                .col(string_len(a("scan_type"), 100))
                .col(string_len(a("scan_sha256"), 64))
                .col(big_integer(a("scan_size")))
                .col(string_len(a("status"), 20))
                .col(text_null(a("decision_reason")))
                .col(big_integer_null(a("decided_by")))
                .col(timestamp_with_time_zone_null(a("decided_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "exemption_applications",
                    "candidate_id",
                    "candidates",
                ))
                .foreign_key(&mut fk(
                    "exemption_applications",
                    "handler_org_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "exemption_applications", &["candidate_id"], false).await?;
        index(
            m,
            "exemption_applications",
            &["handler_org_id", "status"],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("exemption_applications")).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(a("exemptions"))
                .drop_column(a("basis"))
                .to_owned(),
        )
        .await
    }
}

//! Requests to correct a candidate's 姓名 or 身份证号 (考籍更正), reviewed by the district
//! examination agency; the old value is kept with the request so the change stays traceable.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::a;

/// Creates `record_corrections`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000003_record_corrections"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("record_corrections"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len(a("field"), 20))
                .col(string_len(a("old_value"), 60))
                .col(string_len(a("new_value"), 60))
                .col(text(a("reason")))
                .col(string_len(a("status"), 20))
                .col(big_integer_null(a("decided_by")))
                .col(text_null(a("decision_reason")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("decided_at")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_record_corrections_candidate_id")
                        .from(a("record_corrections"), a("candidate_id"))
                        .to(a("candidates"), a("id")),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_record_corrections_decided_by")
                        .from(a("record_corrections"), a("decided_by"))
                        .to(a("staff"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        for col in ["candidate_id", "status"] {
            m.create_index(
                Index::create()
                    .name(format!("ix_record_corrections_{col}"))
                    .table(a("record_corrections"))
                    .col(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("record_corrections")).to_owned())
            .await
    }
}

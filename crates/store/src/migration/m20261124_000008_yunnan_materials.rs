//! Yunnan's materials and its prior-education review (seed 003): the batch's ID-validity cutoff,
//! the validity typed on the application, the reviewers' seal confirmation of the practical
//! notice, the organisation that checked prior-education originals, and which course an
//! uploaded exemption form belongs to.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds the columns; each `ALTER TABLE` adds one column, as SQLite requires.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000008_yunnan_materials"
    }
}

/// The columns added, as (table, column, definition).
fn columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        // Seed 003: "身份证有效期在2024年6月30日之后"; empty where the province sets no cutoff.
        (
            "batches",
            ColumnDef::new(a("id_valid_after")).date().null().to_owned(),
        ),
        // "YYYY-MM-DD" or "长期", as typed and checked.
        (
            "graduation_applications",
            ColumnDef::new(a("id_valid_until"))
                .string_len(16)
                .null()
                .to_owned(),
        ),
        (
            "graduation_applications",
            ColumnDef::new(a("seal_confirmed_at"))
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        (
            "graduation_applications",
            ColumnDef::new(a("seal_confirmed_org_id"))
                .big_integer()
                .null()
                .to_owned(),
        ),
        // The confirmation point or university that checked the prior-education originals.
        (
            "graduation_applications",
            ColumnDef::new(a("prior_originals_org_id"))
                .big_integer()
                .null()
                .to_owned(),
        ),
        (
            "graduation_applications",
            ColumnDef::new(a("prior_originals_checked_at"))
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        // Why the office sent the prior-education review back, shown to the candidate.
        (
            "graduation_applications",
            ColumnDef::new(a("prior_review_reason"))
                .text()
                .null()
                .to_owned(),
        ),
        (
            "application_files",
            ColumnDef::new(a("course_code"))
                .string_len(16)
                .null()
                .to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut col) in columns() {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, col) in columns().into_iter().rev() {
            let name = col.get_column_name();
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .drop_column(a(&name))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

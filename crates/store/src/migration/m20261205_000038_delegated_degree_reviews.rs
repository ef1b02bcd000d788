//! 工作委托 for the degree and 学位外语 reviews: a decision taken by a colleague standing in for a
//! reviewer away names on whose behalf it was taken, as `review_events.on_behalf_of` does for the
//! graduation review. These applications keep their latest review on the row rather than in an
//! event table, so the columns go beside `reviewed_by`; the 学位授予结果 gets who recorded it too,
//! so that its line can name both.
//!
//! Rows already there are left NULL: they were decided by the reviewers' own roles.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds `degree_applications.reviewed_on_behalf_of`, `.award_recorded_by` and
/// `.award_on_behalf_of`, and `language_applications.reviewed_on_behalf_of`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000038_delegated_degree_reviews"
    }
}

const COLUMNS: [(&str, &str); 4] = [
    ("degree_applications", "reviewed_on_behalf_of"),
    ("degree_applications", "award_recorded_by"),
    ("degree_applications", "award_on_behalf_of"),
    ("language_applications", "reviewed_on_behalf_of"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for (table, column) in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(ColumnDef::new(a(column)).big_integer().null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS.iter().rev() {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .drop_column(a(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

//! 本科入学年月 of a student, as the school's register gives it: the degree application form (seed
//! 002 step 7) asks for it, so it is offered there from the record instead of typed again.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds the nullable `entry_month` (`YYYYMM`) to `students`: students imported before it, and
/// sheets without the column, have none.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000021_student_entry_month"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("students"))
                .add_column(
                    ColumnDef::new(a("entry_month"))
                        .string_len(6)
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
                .table(a("students"))
                .drop_column(a("entry_month"))
                .to_owned(),
        )
        .await
    }
}

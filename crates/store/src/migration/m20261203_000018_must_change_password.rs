//! A password someone else set (a first admin's, one reset by staff or `biye reset-password`)
//! must be changed at the next sign-in before anything else.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds `must_change_password` to `staff`, `candidates` and `students`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000018_must_change_password"
    }
}

const TABLES: [&str; 3] = ["staff", "candidates", "students"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            m.alter_table(
                Table::alter()
                    .table(a(t))
                    .add_column(
                        ColumnDef::new(a("must_change_password"))
                            .boolean()
                            .not_null()
                            .default(false)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            m.alter_table(
                Table::alter()
                    .table(a(t))
                    .drop_column(a("must_change_password"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

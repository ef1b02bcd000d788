//! A staff member's mobile number (手机号), typed by the admin who creates the account or given in
//! a bulk staff import, so that colleagues can be reached; nothing signs in or recovers with it.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds the nullable `phone` (11 digits, as candidates' and students' are stored) to `staff`:
/// accounts created before it, and created without one, have none.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000022_staff_phone"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("staff"))
                .add_column(ColumnDef::new(a("phone")).string_len(20).null().to_owned())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("staff"))
                .drop_column(a("phone"))
                .to_owned(),
        )
        .await
    }
}

//! The address a session was signed in from, for the list of live sessions on 我的账号.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds `sessions.ip`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000017_session_origin"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("sessions"))
                .add_column(ColumnDef::new(a("ip")).string_len(64).null().to_owned())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("sessions"))
                .drop_column(a("ip"))
                .to_owned(),
        )
        .await
    }
}

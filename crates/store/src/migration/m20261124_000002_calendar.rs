//! The holiday table behind working-day arithmetic (earliest certificate pickup), seeded with the
//! State Council schedules so that a fresh installation counts working days correctly; admins
//! maintain it as new notices are published.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates and seeds `special_days`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000002_calendar"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("special_days"))
                .col(date(Alias::new("day")).primary_key())
                .col(string_len(Alias::new("kind"), 30))
                .col(string_len(Alias::new("name"), 40))
                .to_owned(),
        )
        .await?;
        let mut insert = Query::insert();
        insert.into_table(Alias::new("special_days")).columns([
            Alias::new("day"),
            Alias::new("kind"),
            Alias::new("name"),
        ]);
        for d in domain::calendar::seeded_special_days() {
            insert.values_panic([d.date.into(), d.kind.code().into(), d.name.into()]);
        }
        m.exec_stmt(insert).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Alias::new("special_days")).to_owned())
            .await
    }
}

//! An index of the score rows that did not pass, by candidate, on SQLite.
//!
//! The batch audit reads every score row of a province in candidate order. The unique index on
//! (candidate, course, date, source) already holds all of a row the audit needs but whether it
//! passed; with this partial index beside it, the audit on SQLite reads the two indexes alone
//! and never steps into the table (before, each row cost a step through the index and a lookup
//! in the table: twice the work of a plain scan of the table). Only rows that did not pass are
//! in it, so an import pays for it on those rows alone. PostgreSQL and MySQL do not have it:
//! MySQL reads the rows by the unique index and `passed` from the table, as before, and
//! PostgreSQL, since migration 41, from the unique index alone, which includes `passed`.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// Creates `ix_score_records_failed` on SQLite.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000040_failed_scores"
    }
}

/// The index's name.
pub const INDEX: &str = "ix_score_records_failed";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        if conn.get_database_backend() == DbBackend::Sqlite {
            // The condition is written as the audit's query writes it: SQLite uses a partial
            // index only for a query whose WHERE names the index's condition term for term.
            conn.execute_unprepared(&format!(
                "CREATE INDEX {INDEX} ON score_records (candidate_id) WHERE passed = 0"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        if conn.get_database_backend() == DbBackend::Sqlite {
            conn.execute_unprepared(&format!("DROP INDEX IF EXISTS {INDEX}"))
                .await?;
        }
        Ok(())
    }
}

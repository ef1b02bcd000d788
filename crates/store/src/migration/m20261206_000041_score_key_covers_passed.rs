//! On PostgreSQL, the unique index of `score_records` carries `passed` as well.
//!
//! The batch audit reads every score row of a province in candidate order: candidate, course,
//! source and whether it passed. The unique index on (candidate, course, date, source) held all
//! of that but `passed`, so each row cost a step through the index and a visit to the table,
//! and the audit's read of a province took longer than a plain scan of the whole table. With
//! `passed` among the index's included columns, PostgreSQL answers the read from the index
//! alone wherever the table's pages are marked all-visible (by VACUUM, which autovacuum runs
//! after large imports). The key, and so what the index keeps unique, is unchanged. SQLite has
//! its own partial index for this (migration 40); MySQL keeps the index as it was.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

/// Rebuilds the unique index of `score_records` with `passed` included, on PostgreSQL.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000041_score_key_covers_passed"
    }
}

/// The unique index's name, as the first migration made it.
const INDEX: &str = "ix_score_records_candidate_id_course_code_exam_date_source";
/// The new index's name while both exist.
const BUILDING: &str = "ix_score_records_key_building";
const KEY: &str = "candidate_id, course_code, exam_date, source";

async fn rebuild(m: &SchemaManager<'_>, include: &str) -> Result<(), DbErr> {
    let conn = m.get_connection();
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    // Built beside the old index and swapped in by name, so uniqueness is enforced throughout.
    for sql in [
        format!("CREATE UNIQUE INDEX {BUILDING} ON score_records ({KEY}){include}"),
        format!("DROP INDEX {INDEX}"),
        format!("ALTER INDEX {BUILDING} RENAME TO {INDEX}"),
    ] {
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, " INCLUDE (passed)").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        rebuild(m, "").await
    }
}

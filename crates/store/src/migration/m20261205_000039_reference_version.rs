//! A version number of the reference data (courses, majors and their plans, batches with their
//! stages and 公告, organisations, the offices' settings), raised by the database in the
//! transaction of every change to those tables, whichever code path (an admin page, an import,
//! an operator's SQL) makes it.
//!
//! Each instance keeps the reference data its pages read in memory and reads this one number
//! with the session on every request: a change committed through any instance is seen by the
//! next request on every instance, and until then the pages need not read the tables again.
//! Writes to these tables wait for each other on the one row until the first commits; they are
//! an office's occasional edits and imports, never a candidate's request.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer;

use super::schema::a;

/// Creates `reference_versions` with its one row and the triggers that raise it.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000039_reference_version"
    }
}

/// The tables whose rows the pages keep in memory.
pub const TABLES: [&str; 9] = [
    "courses",
    "majors",
    "plan_courses",
    "plan_substitutions",
    "batches",
    "batch_stages",
    "batch_announcements",
    "organisations",
    "province_settings",
];

const EVENTS: [&str; 3] = ["INSERT", "UPDATE", "DELETE"];

const BUMP: &str = "UPDATE reference_versions SET version = version + 1 WHERE id = 1";

/// The PostgreSQL function every table's trigger calls.
const FUNCTION: &str = "bump_reference_version";

fn trigger_name(table: &str, event: &str) -> String {
    format!("refver_{table}_{}", event.to_ascii_lowercase())
}

/// The statements creating the triggers (and, on PostgreSQL, their function).
fn up_statements(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    match backend {
        DbBackend::Postgres => {
            // OR REPLACE: a `fresh` reset drops the tables but leaves functions behind.
            out.push(format!(
                "CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN {BUMP}; RETURN NULL; END $$"
            ));
            // Once per statement: a bulk import raises the number once, not once per row.
            for table in TABLES {
                out.push(format!(
                    "CREATE TRIGGER refver_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
                     ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                ));
            }
        }
        // SQLite and MariaDB have row triggers only.
        _ => {
            for table in TABLES {
                for event in EVENTS {
                    let name = trigger_name(table, event);
                    out.push(format!(
                        "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW \
                         BEGIN {BUMP}; END"
                    ));
                }
            }
        }
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("reference_versions"))
                .col(
                    ColumnDef::new(a("id"))
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(big_integer(a("version")))
                .to_owned(),
        )
        .await?;
        let conn = m.get_connection();
        conn.execute_unprepared("INSERT INTO reference_versions (id, version) VALUES (1, 1)")
            .await?;
        for sql in up_statements(m.get_database_backend()) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        let conn = m.get_connection();
        for table in TABLES {
            if backend == DbBackend::Postgres {
                conn.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS refver_{table} ON {table}"
                ))
                .await?;
            } else {
                for event in EVENTS {
                    let name = trigger_name(table, event);
                    conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}"))
                        .await?;
                }
            }
        }
        if backend == DbBackend::Postgres {
            conn.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {FUNCTION}()"))
                .await?;
        }
        m.drop_table(Table::drop().table(a("reference_versions")).to_owned())
            .await?;
        Ok(())
    }
}

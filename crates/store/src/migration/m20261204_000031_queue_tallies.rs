//! Counts and the 已审核 list of the reviewers' queues, kept by the database as applications
//! move, so that over a province's million applications each is one short index range:
//!
//! - `application_tallies`: how many applications stand at each (batch, organisation, major,
//!   stage, status). The counts above a queue and a batch's counts per status add up a few
//!   dozen of these rows instead of counting a million index entries.
//! - `review_decided`: one row per organisation and application it has approved or rejected
//!   at some point, carrying the queue's filters (batch, major) and its order (提交时间), so the
//!   已审核 list is read in order from an index like the 待审核 one.
//! - `review_decided_tallies`: the 已审核 list's counts per (organisation, batch, major).
//!
//! Triggers keep all three, in the transaction of the change that moves an application,
//! whichever code path (or bulk seeder, or operator's SQL) makes it. A tally row is changed
//! in place, so two transactions moving applications of one major wait for each other on it
//! for the few milliseconds until the first commits.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, string_len, timestamp_with_time_zone};

use super::schema::{a, index};

/// Creates the three tables, fills them from the rows there are, and adds the triggers.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000031_queue_tallies"
    }
}

/// `org_id` of an application with no current organisation (a draft, a closed one): tally keys
/// are never NULL, since a NULL never conflicts in a unique key and would add rows instead.
const NO_ORG: i64 = 0;
/// `stage` of an application outside the pipeline's stages.
const NO_STAGE: i32 = -1;

/// The tally key's columns, in the primary key's order.
const TALLY_KEY: &str = "batch_id, org_id, major_id, stage, status";
/// The 已审核 tally key's columns.
const DECIDED_KEY: &str = "org_id, batch_id, major_id";
/// Actions that count as a decision of the organisation that took them (as the queue reads).
const DECISIONS: &str = "('approved', 'rejected')";

/// One upsert adding `delta` to the tally of the application row `r` (`NEW` or `OLD`).
fn tally_upsert(backend: DbBackend, r: &str, delta: i32) -> String {
    let values = format!(
        "({r}.batch_id, COALESCE({r}.current_org_id, {NO_ORG}), {r}.major_id, \
         COALESCE({r}.stage, {NO_STAGE}), {r}.status, {delta})"
    );
    upsert(backend, "application_tallies", TALLY_KEY, &values)
}

/// One upsert adding `delta` to the 已审核 tally of the `review_decided` row `r`.
fn decided_upsert(backend: DbBackend, r: &str, delta: i32) -> String {
    let values = format!("({r}.org_id, {r}.batch_id, {r}.major_id, {delta})");
    upsert(backend, "review_decided_tallies", DECIDED_KEY, &values)
}

fn upsert(backend: DbBackend, table: &str, key: &str, values: &str) -> String {
    match backend {
        DbBackend::MySql => format!(
            "INSERT INTO {table} ({key}, n) VALUES {values} ON DUPLICATE KEY UPDATE n = n + VALUES(n)"
        ),
        _ => format!(
            "INSERT INTO {table} ({key}, n) VALUES {values} \
             ON CONFLICT ({key}) DO UPDATE SET n = {table}.n + excluded.n"
        ),
    }
}

/// Whether the update moved the application in any tally key.
fn tally_moved(backend: DbBackend) -> String {
    let cols = ["batch_id", "current_org_id", "major_id", "stage", "status"];
    distinct_any(backend, &cols)
}

/// Whether the update changed what `review_decided` copies of the application.
fn decided_moved(backend: DbBackend) -> String {
    distinct_any(backend, &["batch_id", "major_id", "submitted_at"])
}

fn distinct_any(backend: DbBackend, cols: &[&str]) -> String {
    cols.iter()
        .map(|c| match backend {
            DbBackend::Sqlite => format!("OLD.{c} IS NOT NEW.{c}"),
            DbBackend::Postgres => format!("OLD.{c} IS DISTINCT FROM NEW.{c}"),
            _ => format!("NOT (OLD.{c} <=> NEW.{c})"),
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The decision's copy of its application, for a `review_events` row `NEW`.
fn decided_insert(backend: DbBackend) -> String {
    let ignore = match backend {
        DbBackend::MySql => "INSERT IGNORE",
        _ => "INSERT",
    };
    let conflict = match backend {
        DbBackend::MySql => "",
        _ => " ON CONFLICT (org_id, application_id) DO NOTHING",
    };
    format!(
        "{ignore} INTO review_decided (org_id, application_id, batch_id, major_id, submitted_at) \
         SELECT NEW.org_id, g.id, g.batch_id, g.major_id, COALESCE(g.submitted_at, NEW.at) \
         FROM graduation_applications g WHERE g.id = NEW.application_id{conflict}"
    )
}

/// `review_decided` follows its application's batch, major and 提交时间 (a resubmission).
const DECIDED_FOLLOW: &str = "UPDATE review_decided SET batch_id = NEW.batch_id, \
     major_id = NEW.major_id, submitted_at = COALESCE(NEW.submitted_at, submitted_at) \
     WHERE application_id = NEW.id";

/// One trigger: after `event` on `table`, when `condition` holds, run `body` for the row.
struct Trigger {
    name: &'static str,
    event: &'static str,
    table: &'static str,
    condition: Option<String>,
    body: Vec<String>,
}

/// Every trigger, its conditions and statements in `backend`'s dialect.
fn triggers(backend: DbBackend) -> Vec<Trigger> {
    let moved = tally_moved(backend);
    let decided_changed = decided_moved(backend);
    let is_decision = format!("NEW.action IN {DECISIONS} AND NEW.org_id IS NOT NULL");
    let decided_row_moved = distinct_any(backend, &["batch_id", "major_id"]);
    let t = |name, event, table, condition, body| Trigger {
        name,
        event,
        table,
        condition,
        body,
    };
    vec![
        t(
            "tally_application_insert",
            "INSERT",
            "graduation_applications",
            None,
            vec![tally_upsert(backend, "NEW", 1)],
        ),
        t(
            "tally_application_update",
            "UPDATE",
            "graduation_applications",
            Some(moved),
            vec![
                tally_upsert(backend, "OLD", -1),
                tally_upsert(backend, "NEW", 1),
            ],
        ),
        t(
            "tally_application_delete",
            "DELETE",
            "graduation_applications",
            None,
            vec![
                tally_upsert(backend, "OLD", -1),
                "DELETE FROM review_decided WHERE application_id = OLD.id".to_owned(),
            ],
        ),
        t(
            "decided_follow_application",
            "UPDATE",
            "graduation_applications",
            Some(decided_changed),
            vec![DECIDED_FOLLOW.to_owned()],
        ),
        t(
            "decided_on_event",
            "INSERT",
            "review_events",
            Some(is_decision),
            vec![decided_insert(backend)],
        ),
        t(
            "tally_decided_insert",
            "INSERT",
            "review_decided",
            None,
            vec![decided_upsert(backend, "NEW", 1)],
        ),
        t(
            "tally_decided_update",
            "UPDATE",
            "review_decided",
            Some(decided_row_moved),
            vec![
                decided_upsert(backend, "OLD", -1),
                decided_upsert(backend, "NEW", 1),
            ],
        ),
        t(
            "tally_decided_delete",
            "DELETE",
            "review_decided",
            None,
            vec![decided_upsert(backend, "OLD", -1)],
        ),
    ]
}

/// The statements creating every trigger (and, on PostgreSQL, its function).
fn up_statements(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    for Trigger {
        name,
        event,
        table,
        condition,
        body,
    } in triggers(backend)
    {
        match backend {
            DbBackend::Sqlite => {
                let when = condition.map(|c| format!(" WHEN {c}")).unwrap_or_default();
                let body: String = body.iter().map(|s| format!("{s}; ")).collect();
                out.push(format!(
                    "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} \
                     BEGIN {body}END"
                ));
            }
            DbBackend::Postgres => {
                let row = if event == "DELETE" { "OLD" } else { "NEW" };
                let body: String = body.iter().map(|s| format!("{s}; ")).collect();
                // OR REPLACE: a `fresh` reset drops the tables but leaves functions behind.
                out.push(format!(
                    "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN {body}RETURN {row}; END $$"
                ));
                let when = condition
                    .map(|c| format!(" WHEN ({c})"))
                    .unwrap_or_default();
                out.push(format!(
                    "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when} \
                     EXECUTE FUNCTION {name}()"
                ));
            }
            _ => {
                let body: String = body.iter().map(|s| format!("{s}; ")).collect();
                let body = match condition {
                    Some(c) => format!("IF {c} THEN {body}END IF; "),
                    None => body,
                };
                out.push(format!(
                    "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW \
                     BEGIN {body}END"
                ));
            }
        }
    }
    out
}

/// Fills the tables from the applications and decisions already there.
fn backfill() -> Vec<String> {
    vec![
        format!(
            "INSERT INTO application_tallies ({TALLY_KEY}, n) \
             SELECT batch_id, COALESCE(current_org_id, {NO_ORG}), major_id, \
             COALESCE(stage, {NO_STAGE}), status, COUNT(*) FROM graduation_applications \
             GROUP BY batch_id, COALESCE(current_org_id, {NO_ORG}), major_id, \
             COALESCE(stage, {NO_STAGE}), status"
        ),
        format!(
            "INSERT INTO review_decided (org_id, application_id, batch_id, major_id, submitted_at) \
             SELECT e.org_id, g.id, g.batch_id, g.major_id, COALESCE(g.submitted_at, MIN(e.at)) \
             FROM review_events e JOIN graduation_applications g ON g.id = e.application_id \
             WHERE e.action IN {DECISIONS} AND e.org_id IS NOT NULL \
             GROUP BY e.org_id, g.id, g.batch_id, g.major_id, g.submitted_at"
        ),
        format!(
            "INSERT INTO review_decided_tallies ({DECIDED_KEY}, n) \
             SELECT {DECIDED_KEY}, COUNT(*) FROM review_decided GROUP BY {DECIDED_KEY}"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("application_tallies"))
                .col(big_integer(a("batch_id")))
                .col(big_integer(a("org_id")))
                .col(big_integer(a("major_id")))
                .col(integer(a("stage")))
                .col(string_len(a("status"), 20))
                .col(big_integer(a("n")))
                .primary_key(
                    Index::create()
                        .col(a("batch_id"))
                        .col(a("org_id"))
                        .col(a("major_id"))
                        .col(a("stage"))
                        .col(a("status")),
                )
                .to_owned(),
        )
        .await?;
        // The counts above a queue ask by organisation and status first.
        index(
            m,
            "application_tallies",
            &["org_id", "status", "batch_id", "major_id"],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("review_decided"))
                .col(big_integer(a("org_id")))
                .col(big_integer(a("application_id")))
                .col(big_integer(a("batch_id")))
                .col(big_integer(a("major_id")))
                .col(timestamp_with_time_zone(a("submitted_at")))
                .primary_key(Index::create().col(a("org_id")).col(a("application_id")))
                .to_owned(),
        )
        .await?;
        for (name, columns) in [
            (
                "ix_decided_queue",
                &["org_id", "submitted_at", "application_id"][..],
            ),
            (
                "ix_decided_queue_batch",
                &["org_id", "batch_id", "submitted_at", "application_id"][..],
            ),
            (
                "ix_decided_queue_major",
                &["org_id", "major_id", "submitted_at", "application_id"][..],
            ),
        ] {
            let mut stmt = Index::create();
            stmt.name(name).table(a("review_decided"));
            for c in columns {
                stmt.col(a(c));
            }
            m.create_index(stmt).await?;
        }
        index(m, "review_decided", &["application_id"], false).await?;
        m.create_table(
            Table::create()
                .table(a("review_decided_tallies"))
                .col(big_integer(a("org_id")))
                .col(big_integer(a("batch_id")))
                .col(big_integer(a("major_id")))
                .col(big_integer(a("n")))
                .primary_key(
                    Index::create()
                        .col(a("org_id"))
                        .col(a("batch_id"))
                        .col(a("major_id")),
                )
                .to_owned(),
        )
        .await?;
        let conn = m.get_connection();
        for sql in backfill() {
            conn.execute_unprepared(&sql).await?;
        }
        for sql in up_statements(m.get_database_backend()) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let backend = m.get_database_backend();
        let conn = m.get_connection();
        for Trigger { name, table, .. } in triggers(backend) {
            let sql = match backend {
                DbBackend::Postgres => format!("DROP TRIGGER IF EXISTS {name} ON {table}"),
                _ => format!("DROP TRIGGER IF EXISTS {name}"),
            };
            conn.execute_unprepared(&sql).await?;
            if backend == DbBackend::Postgres {
                conn.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {name}()"))
                    .await?;
            }
        }
        for table in [
            "review_decided_tallies",
            "review_decided",
            "application_tallies",
        ] {
            m.drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

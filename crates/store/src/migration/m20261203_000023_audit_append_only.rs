//! The audit log becomes append-only in the database itself: nothing the application does, and
//! no one with the application's credentials, can rewrite or remove what it records. The code
//! never updated or deleted an audit row; from here on the database refuses it too.
//!
//! Also an index on `(at, id)`, the order the 审计日志 page reads in (newest first, keyset paged),
//! and one on `(actor_kind, actor_id)`, the filter every admin's view applies.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

use super::schema::index;

/// Why a change is refused, as each backend reports it.
const REFUSAL: &str = "审计日志只能追加，不能修改或删除";

/// Triggers refusing UPDATE and DELETE on `audit_log` (and TRUNCATE on PostgreSQL); MySQL
/// fires no trigger on TRUNCATE, which needs the DROP privilege the application does not need.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000023_audit_append_only"
    }
}

fn up_statements(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Sqlite => ["UPDATE", "DELETE"]
            .iter()
            .map(|op| {
                format!(
                    "CREATE TRIGGER IF NOT EXISTS audit_log_no_{} BEFORE {op} ON audit_log \
                     BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
                    op.to_lowercase()
                )
            })
            .collect(),
        DbBackend::Postgres => vec![
            // OR REPLACE: a `fresh` reset drops the tables but leaves functions behind.
            format!(
                "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'insufficient_privilege'; \
                 END $$"
            ),
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()"
                .to_owned(),
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
             FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()"
                .to_owned(),
        ],
        _ => ["UPDATE", "DELETE"]
            .iter()
            .map(|op| {
                format!(
                    "CREATE TRIGGER audit_log_no_{} BEFORE {op} ON audit_log FOR EACH ROW \
                     SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSAL}'",
                    op.to_lowercase()
                )
            })
            .collect(),
    }
}

fn down_statements(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => vec![
            "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log".to_owned(),
            "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log".to_owned(),
            "DROP FUNCTION IF EXISTS audit_log_refuse_change()".to_owned(),
        ],
        _ => vec![
            "DROP TRIGGER IF EXISTS audit_log_no_update".to_owned(),
            "DROP TRIGGER IF EXISTS audit_log_no_delete".to_owned(),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        index(m, "audit_log", &["at", "id"], false).await?;
        index(m, "audit_log", &["actor_kind", "actor_id"], false).await?;
        let conn = m.get_connection();
        for sql in up_statements(m.get_database_backend()) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for sql in down_statements(m.get_database_backend()) {
            conn.execute_unprepared(&sql).await?;
        }
        for name in ["ix_audit_log_actor_kind_actor_id", "ix_audit_log_at_id"] {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(Alias::new("audit_log"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

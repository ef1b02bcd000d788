//! Indexes for the reviewers' queues (毕业审核) over a province-sized batch: each filter the
//! page offers (待审核 with or without a batch or a major) is one index range read in the
//! queue's order (提交时间, id), so the first page and a page reached deep by keyset cursor
//! read about twenty rows, never the whole queue followed by a sort; and the 已审核 list's
//! "decided by this organisation" is answered from one index without reading event rows.

use sea_orm_migration::prelude::*;

use super::schema::{a, index};

/// Replaces `graduation_applications (current_org_id, status)` with queue-ordered indexes and
/// adds `review_events (org_id, action, application_id)`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000029_queue_indexes"
    }
}

/// (name, table, columns) of the indexes added; named by purpose, since names built from
/// these columns pass MySQL's 64 characters.
const ADDED: &[(&str, &str, &[&str])] = &[
    (
        "ix_queue_pending",
        "graduation_applications",
        &["current_org_id", "status", "submitted_at", "id"],
    ),
    (
        "ix_queue_pending_major",
        "graduation_applications",
        &["current_org_id", "status", "major_id", "submitted_at", "id"],
    ),
    (
        "ix_queue_pending_batch",
        "graduation_applications",
        &["current_org_id", "status", "batch_id", "submitted_at", "id"],
    ),
    (
        "ix_queue_decided",
        "review_events",
        &["org_id", "action", "application_id"],
    ),
];

/// The index the first of [`ADDED`] makes redundant (it is that one's prefix).
const REPLACED: (&str, &[&str]) = ("graduation_applications", &["current_org_id", "status"]);

fn name(table: &str, columns: &[&str]) -> String {
    format!("ix_{table}_{}", columns.join("_"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in ADDED {
            let mut stmt = Index::create();
            stmt.name(*name).table(a(table));
            for c in *columns {
                stmt.col(a(c));
            }
            m.create_index(stmt).await?;
        }
        let (table, columns) = REPLACED;
        m.drop_index(
            Index::drop()
                .name(name(table, columns))
                .table(a(table))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let (table, columns) = REPLACED;
        index(m, table, columns, false).await?;
        for (name, table, _) in ADDED {
            m.drop_index(Index::drop().name(*name).table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! 陈述申辩 / 复核: a student's appeal against a decision (学位授予结果“不授予”, 学位外语“不合格”),
//! its files, and the period each batch allows for it.
//!
//! The period is a column of `batches` rather than of `school_degree_rules`: it is set per batch
//! (a batch may allow more days than another, e.g. over a holiday), every kind of batch has one,
//! and a decision is always made in one batch, so the period that applies is read from the row
//! the decision belongs to. Existing batches take the default of 15 days.
//!
//! One appeal per decision is kept by the database: a decision is its application and the
//! instant it was recorded, so two filings at once cannot both land, and a decision taken again
//! after a revoked one may be appealed again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Adds `batches.appeal_days` and creates `appeals` and `appeal_files`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000036_appeals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("batches"))
                .add_column(
                    ColumnDef::new(a("appeal_days"))
                        .integer()
                        .not_null()
                        .default(15),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("appeals"))
                .col(big_pk_auto(a("id")))
                // `degree_award` or `language`, and the id of the application decided.
                .col(string_len(a("kind"), 16))
                .col(big_integer(a("subject_id")))
                // Who appealed: `student` (or `candidate`), and the account's id.
                .col(string_len(a("appellant_kind"), 16))
                .col(big_integer(a("appellant_id")))
                .col(big_integer(a("batch_id")))
                // The organisation that decided, and decides the appeal; the stage that decided
                // (its index in the batch's stages, and its name as shown then).
                .col(big_integer(a("org_id")))
                .col(integer_null(a("stage")))
                .col(string_len(a("stage_name"), 40))
                // The decision appealed (`not_awarded`, `unqualified`) and when it was recorded;
                // the first instant after the period, as computed when the appeal was filed.
                .col(string_len(a("decision"), 32))
                .col(timestamp_with_time_zone(a("decided_at")))
                .col(timestamp_with_time_zone(a("closes_at")))
                // The decision's own words (a 审核意见) as they stood when it was appealed: a
                // revoked decision clears them from the application, the history keeps them.
                .col(text_null(a("decision_note")))
                .col(text(a("statement")))
                // `pending`, `upheld` or `revoked`, with the reasons, who and when.
                .col(string_len(a("status"), 16))
                .col(text_null(a("outcome_reason")))
                .col(big_integer_null(a("decided_by")))
                .col(timestamp_with_time_zone_null(a("outcome_at")))
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("filed_at")))
                .to_owned(),
        )
        .await?;
        index(m, "appeals", &["kind", "subject_id", "decided_at"], true).await?;
        // The school's list: its pending appeals, oldest first.
        index(m, "appeals", &["org_id", "status", "filed_at", "id"], false).await?;
        index(
            m,
            "appeals",
            &["appellant_kind", "appellant_id", "id"],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("appeal_files"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("appeal_id")))
                .col(integer(a("position")))
                .col(string_len(a("object_key"), 200))
                .col(string_len(a("original_name"), 255))
                .col(string_len(a("content_type"), 100))
                .col(big_integer(a("size_bytes")))
                .col(string_len(a("sha256"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "appeal_files", &["appeal_id", "position"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["appeal_files", "appeals"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(a("batches"))
                .drop_column(a("appeal_days"))
                .to_owned(),
        )
        .await
    }
}

//! Degree rules and the 学位外语成绩认定 (seed 002, step 1).
//!
//! A school's thresholds live in `school_degree_rules` and are copied into each language or
//! degree batch when the batch is created (`batches.min_average_tenths`, `min_core_tenths`): a
//! student is judged by the rules announced with their batch, and a later change of the school's
//! rules does not move the goalposts of a batch already open.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `school_degree_rules`, `language_applications`, `language_files` and adds the
/// thresholds to `batches`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000011_degree_language"
    }
}

/// The batch columns, one `ALTER TABLE` each as SQLite requires; NULL on graduation batches.
fn batch_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(a("min_average_tenths"))
            .integer()
            .null()
            .to_owned(),
        ColumnDef::new(a("min_core_tenths"))
            .integer()
            .null()
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("school_degree_rules"))
                .col(big_pk_auto(a("id")))
                .col(big_integer_uniq(a("school_org_id")))
                .col(integer(a("language_min_average_tenths")))
                .col(integer(a("degree_min_average_tenths")))
                .col(integer(a("degree_min_core_tenths")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "school_degree_rules",
                    "school_org_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        for mut col in batch_columns() {
            m.alter_table(
                Table::alter()
                    .table(a("batches"))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(a("language_applications"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("student_id")))
                .col(big_integer(a("batch_id")))
                // The batch again while the application is active (not withdrawn), NULL once
                // withdrawn: the unique index over (student_id, active_batch_id) allows one active
                // application per student and batch on all three backends (NULLs are distinct in
                // a unique index), while withdrawn ones pile up freely.
                .col(big_integer_null(a("active_batch_id")))
                .col(string_len(a("subject"), 30))
                .col(string_len(a("certificate_type"), 30))
                .col(string_len(a("exam_kind"), 30))
                .col(string_len_null(a("exam_level"), 30))
                .col(string_len(a("language"), 20))
                .col(date(a("obtained_on")))
                .col(string_len(a("transcript_no"), 40))
                .col(string_len(a("score"), 20))
                .col(string_len(a("score_status"), 20))
                // The average the entry condition was judged on when applying, in hundredths.
                .col(integer(a("average_hundredths")))
                .col(string_len(a("status"), 20))
                .col(text_null(a("review_opinion")))
                .col(string_len_null(a("qualification"), 20))
                .col(big_integer_null(a("reviewed_by")))
                .col(timestamp_with_time_zone_null(a("reviewed_at")))
                .col(timestamp_with_time_zone_null(a("withdrawn_at")))
                // Bumped by every change, so a decision taken on what a reviewer saw applies only
                // if nothing changed since.
                .col(integer(a("version")).default(1))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("language_applications", "student_id", "students"))
                .foreign_key(&mut fk("language_applications", "batch_id", "batches"))
                .foreign_key(&mut fk("language_applications", "reviewed_by", "staff"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "language_applications",
            &["student_id", "active_batch_id"],
            true,
        )
        .await?;
        index(m, "language_applications", &["batch_id", "status"], false).await?;

        // Objects under generated keys; the student's own file name is kept for display.
        m.create_table(
            Table::create()
                .table(a("language_files"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("application_id")))
                .col(integer(a("position")))
                .col(string_len(a("object_key"), 200))
                .col(string_len(a("original_name"), 255))
                .col(string_len(a("content_type"), 40))
                .col(big_integer(a("size_bytes")))
                .col(string_len(a("sha256"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "language_files",
                    "application_id",
                    "language_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "language_files", &["application_id"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["language_files", "language_applications"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        for col in batch_columns().into_iter().rev() {
            let name = col.get_column_name();
            m.alter_table(
                Table::alter()
                    .table(a("batches"))
                    .drop_column(a(&name))
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(a("school_degree_rules")).to_owned())
            .await?;
        Ok(())
    }
}

//! Yunnan's 成绩补录 (seed 003 §(一)) and the scores kept under older 13-character admission
//! numbers (13位准考证查询): only results present in the platform count for graduation, so paper
//! results are requested into it and the old numbers' results are brought over when linked.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `score_backfills` and `legacy_scores`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000009_score_backfills"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("score_backfills"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len(a("source"), 30))
                .col(string_len(a("course_code"), 10))
                // The course again while the request is pending, NULL once decided: a unique
                // index over (candidate_id, pending_course) then allows one pending request per
                // course on all three backends (each treats NULLs in a unique index as distinct),
                // while decided requests pile up freely.
                .col(string_len_null(a("pending_course"), 10))
                .col(integer_null(a("score_tenths")))
                .col(boolean(a("passed")))
                .col(date(a("obtained_on")))
                .col(string_len(a("document_no"), 160))
                // The organisation that verifies it, fixed when filed (the confirmation point the
                // candidate registered with, or the chief university of the major whose plan
                // holds the course) so the queue is a plain equality.
                .col(big_integer(a("handler_org_id")))
                .col(big_integer(a("major_id")))
                .col(string_len(a("scan_key"), 200))
                .col(string_len(a("scan_name"), 255))
                .col(string_len(a("scan_sha256"), 64))
                .col(big_integer(a("scan_size")))
                .col(string_len(a("status"), 20))
                .col(boolean(a("original_kept")).default(false))
                .col(text_null(a("decision_reason")))
                .col(big_integer_null(a("decided_by")))
                .col(timestamp_with_time_zone_null(a("decided_at")))
                .col(big_integer_null(a("score_record_id")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("score_backfills", "candidate_id", "candidates"))
                .foreign_key(&mut fk(
                    "score_backfills",
                    "handler_org_id",
                    "organisations",
                ))
                .foreign_key(&mut fk("score_backfills", "major_id", "majors"))
                .foreign_key(&mut fk("score_backfills", "decided_by", "staff"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "score_backfills",
            &["candidate_id", "pending_course"],
            true,
        )
        .await?;
        index(m, "score_backfills", &["handler_org_id", "status"], false).await?;

        // Results as the old registers hold them: keyed by the 13-character number, with the
        // name and ID number recorded then, which is what a link is checked against.
        m.create_table(
            Table::create()
                .table(a("legacy_scores"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("legacy_no"), 13))
                .col(string_len(a("name"), 40))
                .col(string_len(a("id_card_no"), 18))
                .col(string_len(a("course_code"), 10))
                .col(integer_null(a("score_tenths")))
                .col(boolean(a("passed")))
                .col(date(a("exam_date")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "legacy_scores",
            &["legacy_no", "course_code", "exam_date"],
            true,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["legacy_scores", "score_backfills"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

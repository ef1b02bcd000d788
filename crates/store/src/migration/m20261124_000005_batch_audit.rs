//! The batch eligibility audit of a graduation batch: one verdict per candidate and enrolled
//! major, and one row per run with its counts.
//!
//! Verdicts keep only the failure mask (bit per condition a–f), not the explanations: a province
//! has millions of candidates, and the explaining audit recomputes the words for one candidate
//! on demand. The primary key leads with the batch and candidate so that a run can replace one
//! candidate range at a time; the (batch, eligible) index serves "who may apply" lists.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::a;

/// Creates `batch_audit_results` and `batch_audit_runs`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000005_batch_audit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign keys on the results: only the batch run writes them, with ids it has just
        // read from those tables, and each of its millions of inserts would otherwise be checked
        // against three of them.
        m.create_table(
            Table::create()
                .table(a("batch_audit_results"))
                .col(big_integer(a("batch_id")))
                .col(big_integer(a("candidate_id")))
                .col(big_integer(a("major_id")))
                .col(boolean(a("eligible")))
                .col(small_integer(a("failing_mask")))
                .col(timestamp_with_time_zone(a("audited_at")))
                .primary_key(
                    Index::create()
                        .col(a("batch_id"))
                        .col(a("candidate_id"))
                        .col(a("major_id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_batch_audit_results_batch_id_eligible")
                .table(a("batch_audit_results"))
                .col(a("batch_id"))
                .col(a("eligible"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("batch_audit_runs"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("batch_id")))
                .col(timestamp_with_time_zone(a("started_at")))
                // Empty while the run is under way, and for ever if it failed part-way.
                .col(timestamp_with_time_zone_null(a("finished_at")))
                .col(big_integer(a("candidates")))
                .col(big_integer(a("results")))
                .col(big_integer(a("rows_audited")))
                .col(big_integer(a("eligible_count")))
                .col(big_integer(a("failing_a")))
                .col(big_integer(a("failing_b")))
                .col(big_integer(a("failing_c")))
                .col(big_integer(a("failing_d")))
                .col(big_integer(a("failing_e")))
                .col(big_integer(a("failing_f")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_batch_audit_runs_batch_id")
                        .from(a("batch_audit_runs"), a("batch_id"))
                        .to(a("batches"), a("id")),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_batch_audit_runs_batch_id")
                .table(a("batch_audit_runs"))
                .col(a("batch_id"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["batch_audit_runs", "batch_audit_results"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

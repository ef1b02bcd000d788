//! Graduation applications (毕业申请) and everything around them: the review
//! pipeline copied onto each batch, uploaded files, the append-only review
//! history, fee orders and refunds, the inbox, the registry of verified
//! diplomas behind the local credential service.
//!
//! An application carries its current stage and a `version` so that a
//! reviewer's decision is one conditional UPDATE: two reviewers acting at once
//! leave one result without needing a read lock (which SQLite's deferred
//! transactions cannot take).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates the graduation application tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000004_graduation_applications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A batch's own copy of its province's pipeline: changing the preset later must not
        // change what applications already submitted pass through.
        m.create_table(
            Table::create()
                .table(a("batch_stages"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("batch_id")))
                .col(integer(a("seq")))
                .col(string_len(a("name"), 60))
                .col(string_len(a("kind"), 20))
                .col(string_len_null(a("reviewer_rule"), 40))
                .col(big_integer_null(a("amount_fen")))
                .foreign_key(&mut fk("batch_stages", "batch_id", "batches"))
                .to_owned(),
        )
        .await?;
        index(m, "batch_stages", &["batch_id", "seq"], true).await?;

        m.create_table(
            Table::create()
                .table(a("graduation_applications"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(big_integer(a("batch_id")))
                .col(big_integer(a("major_id")))
                .col(big_integer(a("chief_university_id")))
                .col(string_len(a("status"), 20))
                .col(integer_null(a("stage")))
                // The organisation that must act now; the queue of a reviewer is one indexed lookup.
                .col(big_integer_null(a("current_org_id")))
                .col(integer(a("version")))
                .col(timestamp_with_time_zone(a("acknowledged_at")))
                .col(timestamp_with_time_zone_null(a("major_confirmed_at")))
                .col(string_len(a("prior_check"), 20))
                .col(text_null(a("prior_check_message")))
                .col(string_len_null(a("prior_name"), 60))
                .col(string_len_null(a("prior_id_card_no"), 18))
                .col(string_len_null(a("prior_cert_no"), 40))
                .col(string_len_null(a("prior_school"), 100))
                .col(date_null(a("prior_graduation_date")))
                .col(text_null(a("resume")))
                .col(text_null(a("self_appraisal")))
                .col(text_null(a("statement")))
                .col(text_null(a("rejection_reason")))
                .col(timestamp_with_time_zone_null(a("wrong_major_requested_at")))
                .col(timestamp_with_time_zone_null(a("submitted_at")))
                .col(timestamp_with_time_zone_null(a("approved_at")))
                .col(date_null(a("pickup_from")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "graduation_applications",
                    "candidate_id",
                    "candidates",
                ))
                .foreign_key(&mut fk("graduation_applications", "batch_id", "batches"))
                .foreign_key(&mut fk("graduation_applications", "major_id", "majors"))
                .foreign_key(&mut fk(
                    "graduation_applications",
                    "chief_university_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "graduation_applications",
            &["candidate_id", "batch_id"],
            true,
        )
        .await?;
        index(
            m,
            "graduation_applications",
            &["current_org_id", "status"],
            false,
        )
        .await?;
        index(m, "graduation_applications", &["batch_id", "status"], false).await?;

        // Files live in the object store under generated keys; the original name is only shown.
        m.create_table(
            Table::create()
                .table(a("application_files"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("application_id")))
                .col(string_len(a("slot"), 40))
                .col(string_len(a("object_key"), 200))
                .col(string_len(a("sha256"), 64))
                .col(big_integer(a("size_bytes")))
                .col(string_len(a("content_type"), 60))
                .col(string_len(a("original_name"), 255))
                .col(integer_null(a("width")))
                .col(integer_null(a("height")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "application_files",
                    "application_id",
                    "graduation_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "application_files", &["application_id", "slot"], false).await?;

        // Append-only: the progress page and the audit of who decided what are read from here.
        m.create_table(
            Table::create()
                .table(a("review_events"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("application_id")))
                .col(integer_null(a("stage")))
                .col(string_len(a("stage_name"), 60))
                .col(string_len(a("action"), 30))
                .col(big_integer_null(a("org_id")))
                .col(string_len(a("actor_kind"), 20))
                .col(big_integer_null(a("actor_id")))
                .col(text_null(a("reason")))
                .col(timestamp_with_time_zone(a("at")))
                .foreign_key(&mut fk(
                    "review_events",
                    "application_id",
                    "graduation_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "review_events", &["application_id"], false).await?;
        index(m, "review_events", &["org_id", "at"], false).await?;

        m.create_table(
            Table::create()
                .table(a("payment_orders"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("order_no"), 40))
                .col(big_integer(a("application_id")))
                .col(integer(a("stage")))
                .col(big_integer(a("amount_fen")))
                .col(string_len(a("status"), 20))
                .col(string_len_null(a("gateway_txn_no"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("paid_at")))
                .foreign_key(&mut fk(
                    "payment_orders",
                    "application_id",
                    "graduation_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "payment_orders", &["order_no"], true).await?;
        index(m, "payment_orders", &["application_id"], false).await?;
        index(m, "payment_orders", &["status"], false).await?;

        m.create_table(
            Table::create()
                .table(a("refunds"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("refund_no"), 40))
                .col(big_integer(a("order_id")))
                .col(big_integer(a("amount_fen")))
                .col(string_len(a("status"), 20))
                .col(text(a("reason")))
                .col(string_len_null(a("gateway_refund_no"), 64))
                .col(timestamp_with_time_zone(a("queued_at")))
                .col(timestamp_with_time_zone_null(a("executed_at")))
                .foreign_key(&mut fk("refunds", "order_id", "payment_orders"))
                .to_owned(),
        )
        .await?;
        index(m, "refunds", &["refund_no"], true).await?;
        // One refund per order: queuing twice must not pay back twice.
        index(m, "refunds", &["order_id"], true).await?;

        m.create_table(
            Table::create()
                .table(a("inbox_messages"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("recipient_kind"), 20))
                .col(big_integer(a("recipient_id")))
                .col(string_len(a("title"), 200))
                .col(text(a("body")))
                .col(string_len_null(a("link"), 255))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("read_at")))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "inbox_messages",
            &["recipient_kind", "recipient_id"],
            false,
        )
        .await?;

        // The local credential service's registry of verified diplomas, imported by an admin.
        m.create_table(
            Table::create()
                .table(a("credential_records"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("id_card_no"), 18))
                .col(string_len(a("name"), 60))
                .col(string_len(a("cert_no"), 40))
                .col(string_len(a("school"), 100))
                .col(string_len(a("level"), 20))
                .col(date(a("graduation_date")))
                .col(timestamp_with_time_zone(a("imported_at")))
                .to_owned(),
        )
        .await?;
        index(m, "credential_records", &["id_card_no"], false).await?;
        index(m, "credential_records", &["cert_no"], true).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "credential_records",
            "inbox_messages",
            "refunds",
            "payment_orders",
            "review_events",
            "application_files",
            "graduation_applications",
            "batch_stages",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

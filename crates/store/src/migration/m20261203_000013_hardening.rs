//! What several instances under attack and load need: a form-signing secret shared through the
//! database (no anonymous session rows), a per-address attempt schedule for sign-ins, leases so
//! that one instance runs each periodic job, and refunds of a second charge on a paid order.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Creates `app_secrets` and `job_leases`; adds `login_throttle.next_attempt_at`,
/// `refunds.charge_txn_no` / `due_at`, the local gateway's extra charges and their refunds.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000013_hardening"
    }
}

fn added_columns() -> Vec<(&'static str, ColumnDef)> {
    vec![
        // When the next sign-in attempt from an address may be checked: the address limit
        // spaces attempts out instead of refusing everybody behind one address.
        (
            "login_throttle",
            ColumnDef::new(a("next_attempt_at"))
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        // Which charge a refund gives back: '' for the order's booked charge, else the gateway
        // transaction of a second charge of the same order.
        (
            "refunds",
            ColumnDef::new(a("charge_txn_no"))
                .string_len(64)
                .not_null()
                .default("")
                .to_owned(),
        ),
        // When a refund may be executed: NULL for "after the batch closes" (a final-review
        // rejection), a time for money that was never owed (a second charge).
        (
            "refunds",
            ColumnDef::new(a("due_at"))
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        (
            "local_gateway_refunds",
            ColumnDef::new(a("txn_no")).string_len(64).null().to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Created once by whichever instance needs it first; every instance then signs and
        // checks anonymous forms with the same key.
        m.create_table(
            Table::create()
                .table(a("app_secrets"))
                .col(string_len(a("name"), 40).primary_key())
                .col(string_len(a("value"), 128))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;

        // A periodic job runs on the instance that holds its lease; `expires_at` doubles as the
        // time the job is next due.
        m.create_table(
            Table::create()
                .table(a("job_leases"))
                .col(string_len(a("name"), 60).primary_key())
                .col(string_len(a("holder"), 80))
                .col(timestamp_with_time_zone(a("expires_at")))
                .to_owned(),
        )
        .await?;

        for (table, mut col) in added_columns() {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        // One refund per charge instead of one per order. The new index leads with order_id, so
        // MySQL keeps an index for the foreign key when the old one goes.
        index(m, "refunds", &["order_id", "charge_txn_no"], true).await?;
        m.drop_index(
            Index::drop()
                .name("ix_refunds_order_id")
                .table(a("refunds"))
                .to_owned(),
        )
        .await?;

        // The local gateway's record of an order charged a second time (a payer who paid from
        // two devices): a real gateway reports such a charge with a transaction of its own.
        m.create_table(
            Table::create()
                .table(a("local_gateway_charges"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("order_no"), 40))
                .col(string_len(a("txn_no"), 64))
                .col(big_integer(a("amount_fen")))
                .col(timestamp_with_time_zone(a("paid_at")))
                .to_owned(),
        )
        .await?;
        index(m, "local_gateway_charges", &["txn_no"], true).await?;
        index(m, "local_gateway_charges", &["order_no"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("local_gateway_charges")).to_owned())
            .await?;
        index(m, "refunds", &["order_id"], true).await?;
        m.drop_index(
            Index::drop()
                .name("ix_refunds_order_id_charge_txn_no")
                .table(a("refunds"))
                .to_owned(),
        )
        .await?;
        for (table, col) in added_columns().into_iter().rev() {
            let name = col.get_column_name();
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .drop_column(a(&name))
                    .to_owned(),
            )
            .await?;
        }
        for t in ["job_leases", "app_secrets"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

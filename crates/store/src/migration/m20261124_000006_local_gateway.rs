//! The local payment gateway's own tables. The gateway is a separate system that happens to be
//! served by our web server in development and tests; it keeps what it knows in tables of its
//! own (never reading ours), so several server instances see the same payments and refunds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::a;

/// Creates `local_gateway_payments` and `local_gateway_refunds`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000006_local_gateway"
    }
}

async fn unique(m: &SchemaManager<'_>, table: &str, column: &str) -> Result<(), DbErr> {
    m.create_index(
        Index::create()
            .name(format!("ix_{table}_{column}"))
            .table(a(table))
            .col(a(column))
            .unique()
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Where to notify and where to send the browser are stored with the payment, as a real
        // gateway keeps them from the order request: the pay page and the notifier may run on
        // another instance than the one that started the order.
        m.create_table(
            Table::create()
                .table(a("local_gateway_payments"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("order_no"), 40))
                .col(string_len(a("subject"), 100))
                .col(big_integer(a("amount_fen")))
                .col(string_len(a("return_url"), 255))
                .col(string_len(a("notify_url"), 255))
                .col(string_len(a("status"), 20))
                .col(string_len_null(a("txn_no"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("paid_at")))
                .to_owned(),
        )
        .await?;
        unique(m, "local_gateway_payments", "order_no").await?;

        // A refund number is accepted once: asking again returns the same refund.
        m.create_table(
            Table::create()
                .table(a("local_gateway_refunds"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("refund_no"), 40))
                .col(string_len(a("order_no"), 40))
                .col(big_integer(a("amount_fen")))
                .col(string_len(a("gateway_refund_no"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        unique(m, "local_gateway_refunds", "refund_no").await?;
        m.create_index(
            Index::create()
                .name("ix_local_gateway_refunds_order_no")
                .table(a("local_gateway_refunds"))
                .col(a("order_no"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["local_gateway_refunds", "local_gateway_payments"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

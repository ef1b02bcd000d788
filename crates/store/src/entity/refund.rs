//! A refund (退费) of a paid order to the original account, executed after the batch closes.

use sea_orm::entity::prelude::*;

/// A refund (退费) of a paid order to the original account, executed after the batch closes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub refund_no: String,
    pub order_id: i64,
    pub amount_fen: i64,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub gateway_refund_no: Option<String>,
    pub queued_at: DateTimeUtc,
    pub executed_at: Option<DateTimeUtc>,
    /// The gateway transaction given back: "" for the order's booked charge, else a second
    /// charge of the same order.
    pub charge_txn_no: String,
    /// When the refund may be executed; `None` for "after the batch closes".
    pub due_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

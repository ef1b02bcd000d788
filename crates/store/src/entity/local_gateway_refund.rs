//! A refund as the local gateway records it, one per refund number.

use sea_orm::entity::prelude::*;

/// A refund as the local gateway records it, one per refund number; amounts in fen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_gateway_refunds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub refund_no: String,
    pub order_no: String,
    pub amount_fen: i64,
    pub gateway_refund_no: String,
    /// The charge given back, when it is not the order's first one.
    pub txn_no: Option<String>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

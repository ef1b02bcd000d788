//! A second charge of an order as the local gateway records it.

use sea_orm::entity::prelude::*;

/// A charge of an order beyond its first (a payer who paid twice); amounts in fen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_gateway_charges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_no: String,
    pub txn_no: String,
    pub amount_fen: i64,
    pub paid_at: DateTimeUtc,
}

/// No declared relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

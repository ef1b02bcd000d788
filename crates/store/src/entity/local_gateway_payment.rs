//! A payment as the local gateway records it (模拟支付平台); not one of our tables in spirit.

use sea_orm::entity::prelude::*;

/// A payment as the local gateway records it (模拟支付平台); amounts in fen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_gateway_payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_no: String,
    pub subject: String,
    pub amount_fen: i64,
    pub return_url: String,
    pub notify_url: String,
    pub status: String,
    pub txn_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

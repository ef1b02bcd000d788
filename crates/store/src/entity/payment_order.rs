//! A fee order (交费) for an application's payment stage; amounts in fen.

use sea_orm::entity::prelude::*;

/// A fee order (交费) for an application's payment stage; amounts in fen.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_no: String,
    pub application_id: i64,
    pub stage: i32,
    pub amount_fen: i64,
    pub status: String,
    pub gateway_txn_no: Option<String>,
    pub created_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An authorisation request as the local credential service records it; not one of our tables
//! in spirit.

use sea_orm::entity::prelude::*;

/// An authorisation request as the local credential service (本地学信网) records it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "local_xuexin_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub auth_no: String,
    pub name: String,
    pub id_card_no: String,
    pub notify_url: String,
    pub return_url: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub authorised_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

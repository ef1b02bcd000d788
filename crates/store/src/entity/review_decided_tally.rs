//! How many applications an organisation has decided in one batch and major (its 已审核 list);
//! kept by triggers on `review_decided`, never written by the application.

use sea_orm::entity::prelude::*;

/// How many applications an organisation has decided in one batch and major.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_decided_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub major_id: i64,
    /// How many.
    pub n: i64,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

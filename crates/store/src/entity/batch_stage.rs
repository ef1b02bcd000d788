//! A stage of a batch's review pipeline, copied from the province preset when the batch is created.

use sea_orm::entity::prelude::*;

/// A stage of a batch's review pipeline, copied from the province preset when the batch is created.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_stages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub batch_id: i64,
    pub seq: i32,
    pub name: String,
    pub kind: String,
    pub reviewer_rule: Option<String>,
    pub amount_fen: Option<i64>,
    /// 办理时限 of a review stage in working days; `None`: no due date at this stage.
    pub limit_working_days: Option<i32>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

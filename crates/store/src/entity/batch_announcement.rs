//! A chief university's 公告 for one graduation batch.

use sea_orm::entity::prelude::*;

/// A chief university's 公告 for one graduation batch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_announcements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub batch_id: i64,
    pub org_id: i64,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub updated_by: i64,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A file (申辩材料) attached to an appeal.

use sea_orm::entity::prelude::*;

/// A file (申辩材料) attached to an appeal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appeal_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub appeal_id: i64,
    pub position: i32,
    pub object_key: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

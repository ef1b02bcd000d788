//! An organisation: office, agency, confirmation point, university or school.

use sea_orm::entity::prelude::*;

/// An organisation: office, agency, confirmation point, university or school.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub kind: String,
    pub province: Option<String>,
    pub code: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub announcement: String,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

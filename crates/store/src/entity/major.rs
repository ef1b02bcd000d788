//! A major (专业) with its exam plan; `level` is a `domain::Level` code.

use sea_orm::entity::prelude::*;

/// A major (专业) with its exam plan; `level` is a `domain::Level` code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "majors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub province: Option<String>,
    pub code: String,
    pub name: String,
    pub level: String,
    pub chief_university_id: i64,
    pub requires_prior_education: bool,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

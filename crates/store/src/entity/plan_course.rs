//! A course of a major's exam plan (考试计划).

use sea_orm::entity::prelude::*;

/// A course of a major's exam plan (考试计划).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_courses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub major_id: i64,
    pub course_code: String,
    pub credits: i32,
    pub kind: String,
    pub degree_core: bool,
    pub position: i32,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

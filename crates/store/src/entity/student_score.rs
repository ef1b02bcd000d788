//! One course result of a continuing-education student.

use sea_orm::entity::prelude::*;

/// One course result of a continuing-education student.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "student_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i64,
    pub course_code: String,
    pub score_tenths: Option<i32>,
    pub passed: bool,
    pub exam_date: Date,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

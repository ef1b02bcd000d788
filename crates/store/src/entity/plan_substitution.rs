//! An allowed substitution (课程替换): `substitute_code` may stand for `course_code`.

use sea_orm::entity::prelude::*;

/// An allowed substitution (课程替换): `substitute_code` may stand for `course_code`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_substitutions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub major_id: i64,
    pub course_code: String,
    pub substitute_code: String,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A candidate's enrolled major (在籍专业).

use sea_orm::entity::prelude::*;

/// A candidate's enrolled major (在籍专业).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrolled_majors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub major_id: i64,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

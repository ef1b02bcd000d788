//! One result recorded under an older 13-character admission number.

use sea_orm::entity::prelude::*;

/// One result recorded under an older 13-character admission number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legacy_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub legacy_no: String,
    pub name: String,
    pub id_card_no: String,
    pub course_code: String,
    pub score_tenths: Option<i32>,
    pub passed: bool,
    pub exam_date: Date,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An older 13-character admission number linked to a candidate.

use sea_orm::entity::prelude::*;

/// An older 13-character admission number linked to a candidate.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legacy_admission_nos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub legacy_no: String,
    pub linked_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

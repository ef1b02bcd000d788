//! One role a staff account holds; a reviewer's may be limited to one named review stage.

use sea_orm::entity::prelude::*;

/// One role a staff account holds; a reviewer's may be limited to one named review stage.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub staff_id: i64,
    /// A [`domain::StaffRole`] code.
    pub role: String,
    /// The review stage's name, or empty for every stage.
    pub stage: String,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A request to correct a candidate's 姓名 or 身份证号 (考籍更正).

use sea_orm::entity::prelude::*;

/// A request to correct a candidate's 姓名 or 身份证号 (考籍更正).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_corrections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub status: String,
    pub decided_by: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

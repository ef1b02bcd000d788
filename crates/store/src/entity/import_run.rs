//! One import of a file, with its report.

use sea_orm::entity::prelude::*;

/// One import of a file, with its report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub staff_id: Option<i64>,
    pub status: String,
    pub rows: i64,
    pub error_count: i64,
    #[sea_orm(column_type = "Text")]
    pub report: String,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

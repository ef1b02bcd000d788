//! A message in a candidate's or student's 收件箱.

use sea_orm::entity::prelude::*;

/// A message in a candidate's or student's 收件箱.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient_kind: String,
    pub recipient_id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

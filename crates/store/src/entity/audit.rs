//! An append-only record of who did what to which subject, when and from where.

use sea_orm::entity::prelude::*;

/// An append-only record of who did what to which subject, when and from where.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub ip: Option<String>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

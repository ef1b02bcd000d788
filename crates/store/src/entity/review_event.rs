//! One step in an application's history (submitted, approved, rejected, paid, closed, refunded); never updated.

use sea_orm::entity::prelude::*;

/// One step in an application's history (submitted, approved, rejected, paid, closed, refunded); never updated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub stage: Option<i32>,
    pub stage_name: String,
    pub action: String,
    pub org_id: Option<i64>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub at: DateTimeUtc,
    /// The reviewer whose stage the actor decided under a delegation (工作委托).
    pub on_behalf_of: Option<i64>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

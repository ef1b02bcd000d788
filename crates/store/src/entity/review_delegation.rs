//! A review delegation (工作委托): one reviewer's stages handed to a colleague for a period.

use sea_orm::entity::prelude::*;

/// A review delegation (工作委托).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_delegations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    /// The reviewer away (委托人).
    pub from_staff_id: i64,
    /// The colleague who decides for them (受托人).
    pub to_staff_id: i64,
    pub starts_at: DateTimeUtc,
    /// First instant it is no longer in force.
    pub ends_at: DateTimeUtc,
    pub reason: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by: Option<i64>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

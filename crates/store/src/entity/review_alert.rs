//! A review deadline alert sent: to an organisation's reviewers the working day before its
//! applications are due, or to the organisation above on the due date.

use sea_orm::entity::prelude::*;

/// A review deadline alert sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The organisation whose applications are due.
    pub org_id: i64,
    /// `reminder` or `escalation`.
    pub kind: String,
    /// The Beijing date they are due.
    pub due_date: Date,
    /// Applications listed.
    pub applications: i32,
    /// Staff told.
    pub recipients: i32,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

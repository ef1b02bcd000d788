//! A 陈述申辩 of a student against a decision on one of their applications.

use sea_orm::entity::prelude::*;

/// A 陈述申辩 of a student against a decision on one of their applications.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appeals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// [`domain::appeal::AppealKind`] code.
    pub kind: String,
    /// The application decided.
    pub subject_id: i64,
    pub appellant_kind: String,
    pub appellant_id: i64,
    pub batch_id: i64,
    /// The organisation that decided, and decides the appeal.
    pub org_id: i64,
    /// The stage that decided, an index into its batch's stages.
    pub stage: Option<i32>,
    pub stage_name: String,
    /// The decision appealed, as its application records it (`not_awarded`, `unqualified`).
    pub decision: String,
    pub decided_at: DateTimeUtc,
    /// The first instant after the appeal period.
    pub closes_at: DateTimeUtc,
    /// The decision's 审核意见 when it was appealed, if it had one.
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub statement: String,
    /// [`domain::appeal::AppealStatus`] code.
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub outcome_at: Option<DateTimeUtc>,
    pub version: i32,
    pub filed_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

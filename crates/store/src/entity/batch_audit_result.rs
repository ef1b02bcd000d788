//! One verdict of a batch audit: a candidate against one enrolled major, in one graduation batch.

use sea_orm::entity::prelude::*;

/// One verdict of a batch audit: a candidate against one enrolled major, in one graduation batch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_audit_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub major_id: i64,
    pub eligible: bool,
    /// Failing conditions, one bit per condition a–f (`domain::graduation::ConditionKey::bit`).
    pub failing_mask: i16,
    pub audited_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

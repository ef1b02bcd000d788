//! An application an organisation has approved or rejected at some point, with the 已审核
//! list's filters and order copied from it; kept by triggers, never written by the application.

use sea_orm::entity::prelude::*;

/// An application an organisation has approved or rejected at some point.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_decided")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: i64,
    pub batch_id: i64,
    pub major_id: i64,
    /// The application's 提交时间 (its latest submission).
    pub submitted_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A candidate's online application for an exemption (免考申请), decided by their district agency.

use sea_orm::entity::prelude::*;

/// A candidate's online application for an exemption (免考申请).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exemption_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub course_code: String,
    pub basis: String,
    pub handler_org_id: i64,
    pub scan_key: String,
    pub scan_name: String,
    pub scan_type: String,
    pub scan_sha256: String,
    pub scan_size: i64,
    pub status: String,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

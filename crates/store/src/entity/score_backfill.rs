//! A 成绩补录 request: a paper result the candidate asks to have entered into the platform.

use sea_orm::entity::prelude::*;

/// A 成绩补录 request: a paper result the candidate asks to have entered into the platform.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "score_backfills")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub source: String,
    pub course_code: String,
    pub pending_course: Option<String>,
    pub score_tenths: Option<i32>,
    pub passed: bool,
    pub obtained_on: Date,
    pub document_no: String,
    pub handler_org_id: i64,
    pub major_id: i64,
    pub scan_key: String,
    pub scan_name: String,
    pub scan_sha256: String,
    pub scan_size: i64,
    pub status: String,
    pub original_kept: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub score_record_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

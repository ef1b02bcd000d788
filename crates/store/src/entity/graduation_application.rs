//! A graduation application (毕业申请) of one candidate in one batch.

use sea_orm::entity::prelude::*;

/// A graduation application (毕业申请) of one candidate in one batch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "graduation_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub batch_id: i64,
    pub major_id: i64,
    pub chief_university_id: i64,
    pub status: String,
    pub stage: Option<i32>,
    pub current_org_id: Option<i64>,
    pub version: i32,
    pub acknowledged_at: DateTimeUtc,
    pub major_confirmed_at: Option<DateTimeUtc>,
    pub prior_check: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub prior_check_message: Option<String>,
    pub prior_name: Option<String>,
    pub prior_id_card_no: Option<String>,
    pub prior_cert_no: Option<String>,
    pub prior_school: Option<String>,
    pub prior_graduation_date: Option<Date>,
    #[sea_orm(column_type = "Text", nullable)]
    pub resume: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub self_appraisal: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub statement: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    pub wrong_major_requested_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub approved_at: Option<DateTimeUtc>,
    pub pickup_from: Option<Date>,
    /// 身份证有效期截止日期, "YYYY-MM-DD" or "长期", where the province's form asks.
    pub id_valid_until: Option<String>,
    /// When a reviewer confirmed the practical notice carries the right college's seal.
    pub seal_confirmed_at: Option<DateTimeUtc>,
    /// Which organisation confirmed the seal.
    pub seal_confirmed_org_id: Option<i64>,
    /// The organisation that checked the prior-education originals (the manual review).
    pub prior_originals_org_id: Option<i64>,
    /// When it did.
    pub prior_originals_checked_at: Option<DateTimeUtc>,
    /// The office's reason for sending the prior-education review back.
    #[sea_orm(column_type = "Text", nullable)]
    pub prior_review_reason: Option<String>,
    /// When the application arrived at the review stage it is at; `None` outside review.
    pub stage_arrived_at: Option<DateTimeUtc>,
    /// When the stage's 办理时限 ends ([`domain::review::deadline::due_at`]: 24:00 Beijing time of
    /// the last working day, overdue from then on); `None` outside review or at a stage without
    /// a limit (无时限).
    pub due_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

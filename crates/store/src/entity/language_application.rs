//! A 学位外语成绩认定 application of a student in a language batch.

use sea_orm::entity::prelude::*;

/// A 学位外语成绩认定 application of a student in a language batch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "language_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i64,
    pub batch_id: i64,
    pub active_batch_id: Option<i64>,
    pub subject: String,
    pub certificate_type: String,
    pub exam_kind: String,
    pub exam_level: Option<String>,
    pub language: String,
    pub obtained_on: Date,
    pub transcript_no: String,
    pub score: String,
    pub score_status: String,
    pub average_hundredths: i32,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub review_opinion: Option<String>,
    pub qualification: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub version: i32,
    /// The review stage it waits at (or was rejected at), an index into its batch's stages.
    pub stage: Option<i32>,
    pub created_at: DateTimeUtc,
    /// The reviewer the latest review was taken for under a 工作委托 (`reviewed_by` stood in).
    pub reviewed_on_behalf_of: Option<i64>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

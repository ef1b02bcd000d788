//! A degree application (学位申请) of a continuing-education student.

use sea_orm::entity::prelude::*;

/// A degree application (学位申请) of a continuing-education student.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "degree_applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i64,
    pub batch_id: i64,
    pub status: String,
    pub review_status: Option<String>,
    pub review_opinion: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub award: Option<String>,
    pub award_recorded_at: Option<DateTimeUtc>,
    pub name: String,
    pub name_pinyin: String,
    pub gender: String,
    pub birth_date: Date,
    pub ethnicity: String,
    pub political_status: String,
    pub id_type: String,
    pub id_card_no: String,
    pub entry_month: String,
    pub graduation_month: String,
    pub country: String,
    pub second_degree: bool,
    pub major_minor: bool,
    pub minor: bool,
    pub double_bachelor: bool,
    pub joint_degree: bool,
    pub joint_unit: String,
    pub email: String,
    pub qq: String,
    pub wechat: String,
    pub other_info: String,
    pub thesis_title: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    /// The review stage it waits at (or was rejected at), an index into its batch's stages.
    pub stage: Option<i32>,
    /// The reviewer the latest review was taken for under a 工作委托 (`reviewed_by` stood in).
    pub reviewed_on_behalf_of: Option<i64>,
    /// Who recorded the 学位授予结果.
    pub award_recorded_by: Option<i64>,
    /// The reviewer the 学位授予结果 was recorded for under a 工作委托.
    pub award_on_behalf_of: Option<i64>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

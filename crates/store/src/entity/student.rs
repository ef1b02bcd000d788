//! A continuing-education student (学生).

use sea_orm::entity::prelude::*;

/// A continuing-education student (学生).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "students")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_no: String,
    pub exam_reg_no: String,
    pub name: String,
    pub id_card_no: String,
    pub gender: String,
    pub birth_date: Date,
    pub ethnicity: String,
    pub political_status: String,
    pub phone: Option<String>,
    pub study_level: String,
    pub major_id: i64,
    pub grade: String,
    pub enrolment_status: String,
    pub learning_centre: String,
    pub school_org_id: i64,
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    /// The password was set by someone else and must be changed before anything else.
    pub must_change_password: bool,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

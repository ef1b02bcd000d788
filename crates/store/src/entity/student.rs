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
    /// 层次 as shown, a `domain::StudyLevel` label (专升本): the register's own word, which every
    /// page prints as it is.
    pub study_level: String,
    pub major_id: i64,
    /// 年级 as shown, `2022级` (`domain::Grade::label`).
    pub grade: String,
    /// 学籍状态 as shown, a `domain::EnrolmentStatus` label (在籍).
    pub enrolment_status: String,
    pub learning_centre: String,
    pub school_org_id: i64,
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    /// The password was set by someone else and must be changed before anything else.
    pub must_change_password: bool,
    /// 本科入学年月, `YYYYMM`, when the school's register gave it.
    pub entry_month: Option<String>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

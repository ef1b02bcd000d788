//! One course result of a candidate; `score_tenths` is empty for pass/fail marks.

use sea_orm::entity::prelude::*;

/// The columns a bulk writer (an import, the demo's seeder) fills, every one but `id`, in the
/// order its multi-row INSERT gives their values.
pub(crate) const WRITTEN_COLUMNS: &[&str] = &[
    "candidate_id",
    "course_code",
    "score_tenths",
    "passed",
    "exam_date",
    "source",
    "created_at",
];

/// One course result of a candidate; `score_tenths` is empty for pass/fail marks.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "score_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub course_code: String,
    pub score_tenths: Option<i32>,
    pub passed: bool,
    pub exam_date: Date,
    pub source: String,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! One run of the batch audit over a graduation batch, with its counts.

use sea_orm::entity::prelude::*;

/// One run of the batch audit over a graduation batch, with its counts; `finished_at` is empty
/// while the run is under way or if it stopped part-way.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_audit_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub batch_id: i64,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// Candidates of the batch's province read.
    pub candidates: i64,
    /// Verdicts written (candidate × enrolled major).
    pub results: i64,
    /// Score rows read.
    pub rows_audited: i64,
    pub eligible_count: i64,
    /// Verdicts failing condition a (courses), and so on to f (legal bar).
    pub failing_a: i64,
    pub failing_b: i64,
    pub failing_c: i64,
    pub failing_d: i64,
    pub failing_e: i64,
    pub failing_f: i64,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

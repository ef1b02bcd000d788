//! A batch (批次) with its application window; `kind` is graduation, language or degree.

use sea_orm::entity::prelude::*;

/// A batch (批次) with its application window; `kind` is graduation, language or degree.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub province: Option<String>,
    pub org_id: Option<i64>,
    pub name: String,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    /// The ID card must be valid after this day (seed 003), where the province sets one.
    pub id_valid_after: Option<Date>,
    /// Language batches: the entry average; degree batches: the all-course average. Tenths,
    /// copied from the school's rules when the batch was created.
    pub min_average_tenths: Option<i32>,
    /// Degree batches: the lowest score of every degree core course, in tenths.
    pub min_core_tenths: Option<i32>,
    pub created_at: DateTimeUtc,
    /// Graduation batches: the largest picture accepted, copied from the province's settings
    /// when the batch was created; `None` for batches created before, which read the definition.
    pub scan_max_bytes: Option<i64>,
    /// The days a decision of this batch may be appealed (陈述申辩) after the day it was made.
    pub appeal_days: i32,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

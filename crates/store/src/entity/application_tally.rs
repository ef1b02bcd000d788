//! How many graduation applications stand at one (batch, organisation, major, stage, status);
//! kept by triggers on `graduation_applications`, never written by the application.

use sea_orm::entity::prelude::*;

/// How many graduation applications stand at one (batch, organisation, major, stage, status).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_tallies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: i64,
    /// The current organisation, or 0 for none.
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub major_id: i64,
    /// The pipeline stage, or -1 for none.
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub status: String,
    /// How many; 0 once all have moved on.
    pub n: i64,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

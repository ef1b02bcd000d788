//! A school's current degree thresholds, copied into each language or degree batch it creates.

use sea_orm::entity::prelude::*;

/// A school's current degree thresholds (tenths of a point).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "school_degree_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub school_org_id: i64,
    pub language_min_average_tenths: i32,
    pub degree_min_average_tenths: i32,
    pub degree_min_core_tenths: i32,
    pub updated_at: DateTimeUtc,
    /// 学位外语 review stages, one name per line; `None` for the single default stage.
    pub language_stages: Option<String>,
    /// 学位申请 review stages, one name per line; `None` for the single default stage.
    pub degree_stages: Option<String>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

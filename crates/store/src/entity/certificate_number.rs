//! A 毕业证书编号 assigned to a finally approved graduation application.

use sea_orm::entity::prelude::*;

/// A 毕业证书编号 assigned to a finally approved graduation application, once and for good.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_numbers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub application_id: i64,
    pub batch_id: i64,
    pub province: String,
    /// The first twelve digits: code, 办学类型, year and level.
    pub prefix: String,
    /// The last six digits as a number.
    pub sequence: i32,
    pub certificate_no: String,
    pub assigned_by: Option<i64>,
    pub assigned_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

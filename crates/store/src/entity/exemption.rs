//! An exemption (免考) granted online or offline.

use sea_orm::entity::prelude::*;

/// An exemption (免考) granted online or offline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exemptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub candidate_id: i64,
    pub course_code: String,
    pub mode: String,
    pub approved_on: Date,
    pub form_file_key: Option<String>,
    /// 免考依据, e.g. 国家开放大学专科毕业证书; none for exemptions recorded before it was kept.
    pub basis: Option<String>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A 学信网 authorisation code shown to a candidate, and the service's pushed answer.

use sea_orm::entity::prelude::*;

/// A 学信网 authorisation code shown to a candidate, and the service's pushed answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credential_authorisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub auth_no: String,
    pub application_id: i64,
    pub candidate_id: i64,
    pub status: String,
    pub message: Option<String>,
    pub cert_no: Option<String>,
    pub school: Option<String>,
    pub graduation_date: Option<Date>,
    pub created_at: DateTimeUtc,
    pub pushed_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

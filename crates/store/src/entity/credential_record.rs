//! A verified diploma in the local credential service's registry (学信网 stand-in).

use sea_orm::entity::prelude::*;

/// A verified diploma in the local credential service's registry (学信网 stand-in).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credential_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub id_card_no: String,
    pub name: String,
    pub cert_no: String,
    pub school: String,
    pub level: String,
    pub graduation_date: Date,
    pub imported_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A self-study examination candidate (考生).

use sea_orm::entity::prelude::*;

/// A self-study examination candidate (考生).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub admission_no: String,
    pub name: String,
    pub id_card_no: String,
    pub gender: String,
    pub birth_date: Date,
    pub ethnicity: String,
    pub political_status: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub candidate_type: String,
    pub province: String,
    pub registration_org_id: i64,
    pub password_hash: String,
    pub legal_block: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The password was set by someone else and must be changed before anything else.
    pub must_change_password: bool,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

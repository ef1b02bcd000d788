//! A text-message code (短信验证码) sent, or answered as if sent, for one purpose.

use sea_orm::entity::prelude::*;

/// A text-message code (短信验证码) sent, or answered as if sent, for one purpose.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub phone: String,
    pub purpose: String,
    /// The account it is for; `None` when the details matched nobody.
    pub subject_id: Option<i64>,
    pub code_sha256: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Wrong entries so far.
    pub wrong: i32,
    pub used_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

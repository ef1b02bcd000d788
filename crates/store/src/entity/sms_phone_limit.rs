//! Codes sent to one phone: when the last went out and how many today (Beijing time).

use sea_orm::entity::prelude::*;

/// Codes sent to one phone: when the last went out and how many today (Beijing time).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_phone_limits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone: String,
    pub last_sent_at: DateTimeUtc,
    pub day: Date,
    pub day_count: i32,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

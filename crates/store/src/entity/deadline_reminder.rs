//! A reminder sent before a graduation batch's deadline (截止提醒).

use sea_orm::entity::prelude::*;

/// A reminder sent to the candidate of one application before its batch's deadline; at most one
/// per application and kind (unique key), written with the 收件箱 message it stands for.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_reminders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    /// A [`domain::graduation::deadline_reminder::DeadlineReminder`] code.
    pub kind: String,
    pub sent_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

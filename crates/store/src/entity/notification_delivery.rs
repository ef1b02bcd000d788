//! One 收件箱 message going out by one channel: what, to where, and how it went.

use sea_orm::entity::prelude::*;

/// One 收件箱 message going out by one channel.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The 收件箱 message.
    pub message_id: i64,
    pub recipient_kind: String,
    pub recipient_id: i64,
    /// `sms` or `email`.
    pub channel: String,
    /// The phone or address when the message was queued.
    pub address: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub link: Option<String>,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

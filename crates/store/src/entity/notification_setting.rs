//! The channels a candidate or student chose for their 收件箱 messages, and an e-mail address
//! being confirmed.

use sea_orm::entity::prelude::*;

/// The channels a candidate or student chose for their 收件箱 messages.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient_kind: String,
    pub recipient_id: i64,
    /// Messages also go by text message to the account's phone.
    pub sms: bool,
    /// Messages also go by e-mail to `email_address`.
    pub email: bool,
    /// The confirmed address.
    pub email_address: Option<String>,
    /// An address waiting for its code.
    pub pending_address: Option<String>,
    pub code_sha256: Option<String>,
    pub code_sent_at: Option<DateTimeUtc>,
    pub code_expires_at: Option<DateTimeUtc>,
    /// Wrong entries of the pending code.
    pub code_wrong: i32,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

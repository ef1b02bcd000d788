//! A staff account's authenticator secret for two-factor sign-in (两步验证).

use sea_orm::entity::prelude::*;

/// A staff account's authenticator secret for two-factor sign-in (两步验证).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_totp")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_id: i64,
    /// The sealed secret in use; `None` until the first enrolment is confirmed.
    pub secret: Option<String>,
    /// A sealed secret waiting for its first code (a first enrolment or a new phone).
    pub pending_secret: Option<String>,
    /// When two-factor sign-in was switched on (by confirming a first code).
    pub enabled_at: Option<DateTimeUtc>,
    /// The last time step whose code was accepted; only a later one is.
    pub last_step: i64,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! An organisation whose staff, and the staff of every organisation below it, must sign in with
//! two factors.

use sea_orm::entity::prelude::*;

/// An organisation whose staff, and the staff of every organisation below it, must sign in with
/// two factors.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "org_totp_requirements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: i64,
    /// The admin who switched it on.
    pub required_by: Option<i64>,
    pub required_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

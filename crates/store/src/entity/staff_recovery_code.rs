//! One recovery code (恢复码) of a staff account's two-factor sign-in, kept as a hash.

use sea_orm::entity::prelude::*;

/// One recovery code (恢复码) of a staff account's two-factor sign-in, kept as a hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_recovery_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub staff_id: i64,
    /// SHA-256 (hex) of the account id and the code's canonical form.
    pub code_sha256: String,
    pub created_at: DateTimeUtc,
    /// When it was used; a used code is spent.
    pub used_at: Option<DateTimeUtc>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A staff account, scoped to one organisation; its roles are in `staff_roles`.

use sea_orm::entity::prelude::*;

/// A staff account, scoped to one organisation; its roles are in `staff_roles`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    /// The password was set by someone else and must be changed before anything else.
    pub must_change_password: bool,
    /// 手机号, 11 digits, when the admin gave one; shown masked.
    pub phone: Option<String>,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

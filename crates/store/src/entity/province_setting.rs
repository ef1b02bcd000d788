//! A province office's settings over its definition; a `None` reads the definition's value.

use sea_orm::entity::prelude::*;

/// A province office's settings over its definition; a `None` reads the definition's value.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "province_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub province: String,
    /// The fee of the payment stage, in fen.
    pub fee_fen: Option<i64>,
    /// The largest picture accepted, in bytes.
    pub scan_max_bytes: Option<i64>,
    /// 毕业申请须知, one item per line.
    pub notice: Option<String>,
    /// The five-digit code that starts its 毕业证书编号 (`domain::graduation::certificate_no`).
    pub cert_org_code: Option<String>,
    pub updated_by: Option<i64>,
    pub updated_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

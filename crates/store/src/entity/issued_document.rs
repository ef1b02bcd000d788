//! A PDF issued with a verification code (验证码), for the public 验证 page.

use sea_orm::entity::prelude::*;

/// A PDF issued with a verification code: what it is, for whom, by whom, when, and its SHA-256.
/// Never changed after it is written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issued_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Ten Crockford base32 characters, without the hyphen it is printed with.
    pub code: String,
    /// A [`domain::verification::DocumentKind`] code.
    pub kind: String,
    /// `candidate` or `student`.
    pub subject_kind: String,
    pub subject_id: i64,
    /// The holder's name as the public page shows it (张*三).
    pub holder_masked: String,
    pub issuer_org_id: Option<i64>,
    pub issuer_name: String,
    pub issued_at: DateTimeUtc,
    /// Lower-case hex of the SHA-256 of the PDF as issued.
    pub sha256: String,
    pub size_bytes: i64,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

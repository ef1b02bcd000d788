//! A file uploaded to an application, stored in the object store under a generated key.

use sea_orm::entity::prelude::*;

/// A file uploaded to an application, stored in the object store under a generated key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub application_id: i64,
    pub slot: String,
    pub object_key: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub original_name: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// The exempted course an exemption form belongs to.
    pub course_code: Option<String>,
    pub created_at: DateTimeUtc,
}

/// No declared relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

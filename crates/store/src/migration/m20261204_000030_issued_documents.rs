//! Verifiable printouts: one row per PDF issued with a verification code, read by the public
//! 验证 page. Rows are never changed: whether an issue is still current is read from whether a
//! later issue of the same kind for the same person exists, so two issues at once on different
//! instances cannot both be left current, and no row has to be locked to supersede another.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, index};

/// Creates `issued_documents`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000030_issued_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("issued_documents"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("code"), 16))
                .col(string_len(a("kind"), 32))
                // The person the document is about: `candidate` or `student`, and the id. No
                // foreign key: the record of an issue outlives any change to the account.
                .col(string_len(a("subject_kind"), 16))
                .col(big_integer(a("subject_id")))
                // Copied at issue: the page shows what was printed then, and nothing more.
                .col(string_len(a("holder_masked"), 64))
                .col(big_integer_null(a("issuer_org_id")))
                .col(string_len(a("issuer_name"), 128))
                .col(timestamp_with_time_zone(a("issued_at")))
                .col(string_len(a("sha256"), 64))
                .col(big_integer(a("size_bytes")))
                .to_owned(),
        )
        .await?;
        index(m, "issued_documents", &["code"], true).await?;
        // The newer issues of one document are found by this index alone.
        index(
            m,
            "issued_documents",
            &["subject_kind", "subject_id", "kind", "id"],
            false,
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("issued_documents")).to_owned())
            .await
    }
}

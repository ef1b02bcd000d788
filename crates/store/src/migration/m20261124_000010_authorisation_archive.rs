//! The 学信网 authorisation of prior education (seed 003 §(二)1) and the 毕业生电子档案 produced
//! on final approval.
//!
//! `credential_authorisations` is ours: one row per code a candidate was shown, answered by the
//! service's signed push. `local_xuexin_grants` belongs to the local credential service, a
//! separate system served by our web server in development (like the local payment gateway): it
//! keeps what it was asked in a table of its own, so any instance can serve its page.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `credential_authorisations`, `local_xuexin_grants` and `graduate_archives`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000010_authorisation_archive"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Tied to one application: a prior-education result is valid for that application only.
        m.create_table(
            Table::create()
                .table(a("credential_authorisations"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("auth_no"), 40))
                .col(big_integer(a("application_id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len(a("status"), 20))
                .col(text_null(a("message")))
                .col(string_len_null(a("cert_no"), 64))
                .col(string_len_null(a("school"), 100))
                .col(date_null(a("graduation_date")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("pushed_at")))
                .foreign_key(&mut fk(
                    "credential_authorisations",
                    "application_id",
                    "graduation_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "credential_authorisations", &["auth_no"], true).await?;
        index(m, "credential_authorisations", &["application_id"], false).await?;

        m.create_table(
            Table::create()
                .table(a("local_xuexin_grants"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("auth_no"), 40))
                .col(string_len(a("name"), 50))
                .col(string_len(a("id_card_no"), 18))
                .col(string_len(a("notify_url"), 255))
                .col(string_len(a("return_url"), 255))
                .col(string_len(a("status"), 20))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("authorised_at")))
                .to_owned(),
        )
        .await?;
        index(m, "local_xuexin_grants", &["auth_no"], true).await?;

        // Queued in the transaction of the final approval; the document is rendered and stored
        // right after, or on first access if that failed (e.g. no font yet).
        m.create_table(
            Table::create()
                .table(a("graduate_archives"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("application_id")))
                .col(string_len(a("status"), 20))
                .col(string_len_null(a("object_key"), 200))
                .col(string_len_null(a("sha256"), 64))
                .col(big_integer_null(a("size_bytes")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("built_at")))
                .foreign_key(&mut fk(
                    "graduate_archives",
                    "application_id",
                    "graduation_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "graduate_archives", &["application_id"], true).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "graduate_archives",
            "local_xuexin_grants",
            "credential_authorisations",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

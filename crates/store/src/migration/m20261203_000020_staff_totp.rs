//! Two-factor sign-in for staff (两步验证): each account's authenticator secret with the last time
//! step accepted (a code works once), its recovery codes, and the organisations that require
//! every member of staff below them to use it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `staff_totp`, `staff_recovery_codes` and `org_totp_requirements`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000020_staff_totp"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("staff_totp"))
                .col(big_integer(a("staff_id")).primary_key())
                // Secrets are sealed (ChaCha20-Poly1305, a key from `app_secrets`, bound to the
                // account): a copy of this table alone yields no codes. Text, for the nonce, the
                // ciphertext and the tag in base64.
                .col(string_len_null(a("secret"), 200))
                // An enrolment waiting for its first code: the account keeps `secret` (if any)
                // until the new one is confirmed, so changing phones never locks anyone out.
                .col(string_len_null(a("pending_secret"), 200))
                .col(timestamp_with_time_zone_null(a("enabled_at")))
                // The last accepted step. A code is accepted only for a later step, by one
                // conditional update, so that a code (or two requests with it) works once.
                .col(big_integer(a("last_step")).default(0))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk("staff_totp", "staff_id", "staff"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("staff_recovery_codes"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("staff_id")))
                // SHA-256 over the account and the code: each code carries 80 random bits, so a
                // slow password hash would add nothing but the cost of checking ten of them.
                .col(string_len(a("code_sha256"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone_null(a("used_at")))
                .foreign_key(&mut fk("staff_recovery_codes", "staff_id", "staff"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "staff_recovery_codes",
            &["staff_id", "code_sha256"],
            true,
        )
        .await?;
        // A row is the requirement: "all staff of this organisation and below it sign in with two
        // factors". Switching it off deletes the row; the audit log keeps who and when.
        m.create_table(
            Table::create()
                .table(a("org_totp_requirements"))
                .col(big_integer(a("org_id")).primary_key())
                .col(big_integer_null(a("required_by")))
                .col(timestamp_with_time_zone(a("required_at")))
                .foreign_key(&mut fk("org_totp_requirements", "org_id", "organisations"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "org_totp_requirements",
            "staff_recovery_codes",
            "staff_totp",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

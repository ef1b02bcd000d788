//! Schema migrations: one set for SQLite, PostgreSQL and MySQL, written with the portable builder.

use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_calendar;
mod m20261124_000003_record_corrections;
mod m20261124_000004_graduation_applications;
mod m20261124_000005_batch_audit;
mod m20261124_000006_local_gateway;
mod m20261124_000008_yunnan_materials;
mod m20261124_000009_score_backfills;
mod m20261124_000010_authorisation_archive;
mod m20261124_000011_degree_language;
mod m20261124_000012_degree_applications;
mod m20261203_000013_hardening;
mod m20261203_000014_province_settings;
mod m20261203_000015_school_stages;
mod m20261203_000016_sms_codes;
mod m20261203_000017_session_origin;
mod m20261203_000018_must_change_password;
mod m20261203_000019_staff_roles;
mod m20261203_000020_staff_totp;
mod m20261203_000021_student_entry_month;
mod m20261203_000022_staff_phone;
mod m20261203_000023_audit_append_only;
mod m20261203_000024_exemption_applications;
mod m20261204_000025_certificate_numbers;
mod m20261204_000026_batch_stats;
mod m20261204_000028_batch_announcements;
mod m20261204_000029_queue_indexes;
mod m20261204_000030_issued_documents;
mod m20261204_000031_queue_tallies;
mod m20261204_000032_review_due;
mod m20261204_000033_notifications;
mod m20261204_000034_review_alerts;
mod m20261204_000035_deadline_reminders;
mod m20261204_000036_appeals;
mod m20261205_000037_review_delegations;
mod m20261205_000038_delegated_degree_reviews;
mod m20261205_000039_reference_version;
mod m20261206_000040_failed_scores;
mod m20261206_000041_score_key_covers_passed;
mod schema;

/// Every migration of the schema, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_calendar::Migration),
            Box::new(m20261124_000003_record_corrections::Migration),
            Box::new(m20261124_000004_graduation_applications::Migration),
            Box::new(m20261124_000005_batch_audit::Migration),
            Box::new(m20261124_000006_local_gateway::Migration),
            Box::new(m20261124_000008_yunnan_materials::Migration),
            Box::new(m20261124_000009_score_backfills::Migration),
            Box::new(m20261124_000010_authorisation_archive::Migration),
            Box::new(m20261124_000011_degree_language::Migration),
            Box::new(m20261124_000012_degree_applications::Migration),
            Box::new(m20261203_000013_hardening::Migration),
            Box::new(m20261203_000014_province_settings::Migration),
            Box::new(m20261203_000015_school_stages::Migration),
            Box::new(m20261203_000016_sms_codes::Migration),
            Box::new(m20261203_000017_session_origin::Migration),
            Box::new(m20261203_000018_must_change_password::Migration),
            Box::new(m20261203_000019_staff_roles::Migration),
            Box::new(m20261203_000020_staff_totp::Migration),
            Box::new(m20261203_000021_student_entry_month::Migration),
            Box::new(m20261203_000022_staff_phone::Migration),
            Box::new(m20261203_000023_audit_append_only::Migration),
            Box::new(m20261203_000024_exemption_applications::Migration),
            Box::new(m20261204_000025_certificate_numbers::Migration),
            Box::new(m20261204_000026_batch_stats::Migration),
            Box::new(m20261204_000028_batch_announcements::Migration),
            Box::new(m20261204_000029_queue_indexes::Migration),
            Box::new(m20261204_000030_issued_documents::Migration),
            Box::new(m20261204_000031_queue_tallies::Migration),
            Box::new(m20261204_000032_review_due::Migration),
            Box::new(m20261204_000033_notifications::Migration),
            Box::new(m20261204_000034_review_alerts::Migration),
            Box::new(m20261204_000035_deadline_reminders::Migration),
            Box::new(m20261204_000036_appeals::Migration),
            Box::new(m20261205_000037_review_delegations::Migration),
            Box::new(m20261205_000038_delegated_degree_reviews::Migration),
            Box::new(m20261205_000039_reference_version::Migration),
            Box::new(m20261206_000040_failed_scores::Migration),
            Box::new(m20261206_000041_score_key_covers_passed::Migration),
        ]
    }
}

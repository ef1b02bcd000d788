//! The foundation schema: organisations, accounts, reference data, scores, sessions, throttling, audit.
//!
//! Ids are 64-bit because a province holds millions of candidates and tens of millions of score rows.
//! Times are stored in UTC. Codes (kinds, sources, levels) are stable English strings so that the
//! Chinese labels can change without a migration.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates every table of the foundation.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000001_foundation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Organisation tree; `path` ("/1/4/9/") lets a scope query take a whole subtree with one LIKE.
        m.create_table(
            Table::create()
                .table(a("organisations"))
                .col(big_pk_auto(a("id")))
                .col(big_integer_null(a("parent_id")))
                .col(string_len(a("path"), 255))
                .col(string_len(a("kind"), 40))
                .col(string_len_null(a("province"), 20))
                .col(string_len_uniq(a("code"), 40))
                .col(string_len(a("name"), 100))
                .col(text(a("announcement")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("organisations", "parent_id", "organisations"))
                .to_owned(),
        )
        .await?;
        index(m, "organisations", &["path"], false).await?;

        m.create_table(
            Table::create()
                .table(a("staff"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("org_id")))
                .col(string_len_uniq(a("username"), 64))
                .col(string_len(a("display_name"), 60))
                .col(string_len(a("role"), 20))
                .col(string_len(a("password_hash"), 200))
                .col(boolean(a("disabled")).default(false))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("staff", "org_id", "organisations"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("courses"))
                .col(big_pk_auto(a("id")))
                .col(string_len_uniq(a("code"), 10))
                .col(string_len(a("name"), 100))
                .to_owned(),
        )
        .await?;

        // 专业 with its 考试计划; prior education is a property of the plan (本科 requires it).
        m.create_table(
            Table::create()
                .table(a("majors"))
                .col(big_pk_auto(a("id")))
                .col(string_len_null(a("province"), 20))
                .col(string_len(a("code"), 20))
                .col(string_len(a("name"), 100))
                .col(string_len(a("level"), 20))
                .col(big_integer(a("chief_university_id")))
                .col(boolean(a("requires_prior_education")))
                .foreign_key(&mut fk("majors", "chief_university_id", "organisations"))
                .to_owned(),
        )
        .await?;
        index(m, "majors", &["chief_university_id", "code"], true).await?;

        m.create_table(
            Table::create()
                .table(a("plan_courses"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("major_id")))
                .col(string_len(a("course_code"), 10))
                .col(integer(a("credits")))
                .col(string_len(a("kind"), 20))
                .col(boolean(a("degree_core")))
                .col(integer(a("position")))
                .foreign_key(&mut fk("plan_courses", "major_id", "majors"))
                .to_owned(),
        )
        .await?;
        index(m, "plan_courses", &["major_id", "course_code"], true).await?;

        m.create_table(
            Table::create()
                .table(a("plan_substitutions"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("major_id")))
                .col(string_len(a("course_code"), 10))
                .col(string_len(a("substitute_code"), 10))
                .foreign_key(&mut fk("plan_substitutions", "major_id", "majors"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "plan_substitutions",
            &["major_id", "course_code", "substitute_code"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("candidates"))
                .col(big_pk_auto(a("id")))
                .col(string_len_uniq(a("admission_no"), 12))
                .col(string_len(a("name"), 40))
                .col(string_len(a("id_card_no"), 18))
                .col(string_len(a("gender"), 10))
                .col(date(a("birth_date")))
                .col(string_len(a("ethnicity"), 20))
                .col(string_len(a("political_status"), 20))
                .col(string_len_null(a("phone"), 20))
                .col(string_len_null(a("address"), 200))
                .col(string_len(a("candidate_type"), 30))
                .col(string_len(a("province"), 20))
                .col(big_integer(a("registration_org_id")))
                .col(string_len(a("password_hash"), 200))
                .col(boolean(a("legal_block")).default(false))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .foreign_key(&mut fk(
                    "candidates",
                    "registration_org_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "candidates", &["id_card_no"], false).await?;
        index(m, "candidates", &["registration_org_id"], false).await?;

        m.create_table(
            Table::create()
                .table(a("legacy_admission_nos"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len_uniq(a("legacy_no"), 13))
                .col(timestamp_with_time_zone(a("linked_at")))
                .foreign_key(&mut fk(
                    "legacy_admission_nos",
                    "candidate_id",
                    "candidates",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("enrolled_majors"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(big_integer(a("major_id")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("enrolled_majors", "candidate_id", "candidates"))
                .foreign_key(&mut fk("enrolled_majors", "major_id", "majors"))
                .to_owned(),
        )
        .await?;
        index(m, "enrolled_majors", &["candidate_id", "major_id"], true).await?;

        // One row per result; the unique key is what "duplicate" means for an import.
        m.create_table(
            Table::create()
                .table(a("score_records"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len(a("course_code"), 10))
                .col(integer_null(a("score_tenths")))
                .col(boolean(a("passed")))
                .col(date(a("exam_date")))
                .col(string_len(a("source"), 20))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("score_records", "candidate_id", "candidates"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "score_records",
            &["candidate_id", "course_code", "exam_date", "source"],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("exemptions"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("candidate_id")))
                .col(string_len(a("course_code"), 10))
                .col(string_len(a("mode"), 20))
                .col(date(a("approved_on")))
                .col(string_len_null(a("form_file_key"), 200))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("exemptions", "candidate_id", "candidates"))
                .to_owned(),
        )
        .await?;
        index(m, "exemptions", &["candidate_id", "course_code"], true).await?;

        // Continuing-education students (学生); their plan is a major of the school.
        m.create_table(
            Table::create()
                .table(a("students"))
                .col(big_pk_auto(a("id")))
                .col(string_len_uniq(a("student_no"), 20))
                .col(string_len(a("exam_reg_no"), 20))
                .col(string_len(a("name"), 40))
                .col(string_len(a("id_card_no"), 18))
                .col(string_len(a("gender"), 10))
                .col(date(a("birth_date")))
                .col(string_len(a("ethnicity"), 20))
                .col(string_len(a("political_status"), 20))
                .col(string_len_null(a("phone"), 20))
                .col(string_len(a("study_level"), 20))
                .col(big_integer(a("major_id")))
                .col(string_len(a("grade"), 20))
                .col(string_len(a("enrolment_status"), 20))
                .col(string_len(a("learning_centre"), 100))
                .col(big_integer(a("school_org_id")))
                .col(string_len(a("password_hash"), 200))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("students", "major_id", "majors"))
                .foreign_key(&mut fk("students", "school_org_id", "organisations"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("student_scores"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("student_id")))
                .col(string_len(a("course_code"), 10))
                .col(integer_null(a("score_tenths")))
                .col(boolean(a("passed")))
                .col(date(a("exam_date")))
                .foreign_key(&mut fk("student_scores", "student_id", "students"))
                .to_owned(),
        )
        .await?;
        index(m, "student_scores", &["student_id", "course_code"], true).await?;

        m.create_table(
            Table::create()
                .table(a("batches"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("kind"), 20))
                .col(string_len_null(a("province"), 20))
                .col(big_integer_null(a("org_id")))
                .col(string_len(a("name"), 100))
                .col(timestamp_with_time_zone(a("opens_at")))
                .col(timestamp_with_time_zone(a("closes_at")))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk("batches", "org_id", "organisations"))
                .to_owned(),
        )
        .await?;

        // Sessions live here so that any instance can serve any request; only the token's hash is kept.
        m.create_table(
            Table::create()
                .table(a("sessions"))
                .col(string_len(a("id"), 64).primary_key())
                .col(string_len(a("user_kind"), 20))
                .col(big_integer_null(a("user_id")))
                .col(string_len(a("csrf_token"), 64))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("last_seen_at")))
                .col(timestamp_with_time_zone(a("expires_at")))
                .to_owned(),
        )
        .await?;
        index(m, "sessions", &["expires_at"], false).await?;
        index(m, "sessions", &["user_kind", "user_id"], false).await?;

        m.create_table(
            Table::create()
                .table(a("login_throttle"))
                .col(string_len(a("key"), 120).primary_key())
                .col(integer(a("failures")))
                .col(timestamp_with_time_zone(a("window_start")))
                .col(timestamp_with_time_zone_null(a("locked_until")))
                .to_owned(),
        )
        .await?;

        // Append-only: nothing in the code updates or deletes audit rows.
        m.create_table(
            Table::create()
                .table(a("audit_log"))
                .col(big_pk_auto(a("id")))
                .col(timestamp_with_time_zone(a("at")))
                .col(string_len(a("actor_kind"), 20))
                .col(big_integer_null(a("actor_id")))
                .col(string_len(a("action"), 60))
                .col(string_len(a("subject_kind"), 40))
                .col(big_integer_null(a("subject_id")))
                .col(text(a("detail")))
                .col(string_len_null(a("ip"), 64))
                .to_owned(),
        )
        .await?;
        index(m, "audit_log", &["subject_kind", "subject_id"], false).await?;

        m.create_table(
            Table::create()
                .table(a("import_runs"))
                .col(big_pk_auto(a("id")))
                .col(string_len(a("kind"), 20))
                .col(string_len(a("file_name"), 255))
                .col(big_integer_null(a("staff_id")))
                .col(string_len(a("status"), 20))
                .col(big_integer(a("rows")))
                .col(big_integer(a("error_count")))
                .col(text(a("report")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "import_runs",
            "audit_log",
            "login_throttle",
            "sessions",
            "batches",
            "student_scores",
            "students",
            "exemptions",
            "score_records",
            "enrolled_majors",
            "legacy_admission_nos",
            "candidates",
            "plan_substitutions",
            "plan_courses",
            "majors",
            "courses",
            "staff",
            "organisations",
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

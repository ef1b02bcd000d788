//! The degree application (学位申请, seed 002 step 2): one per student and degree batch, with the
//! form's own copy of the identity data (students may correct it here, the school checks it),
//! the review and the 学位授予结果 recorded per batch; and its two uploads.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `degree_applications` and `degree_files`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261124_000012_degree_applications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("degree_applications"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("student_id")))
                .col(big_integer(a("batch_id")))
                // draft → submitted; review_status pending → approved | rejected (a rejected one
                // may be corrected and submitted again while the batch is open).
                .col(string_len(a("status"), 20))
                .col(string_len_null(a("review_status"), 20))
                .col(text_null(a("review_opinion")))
                .col(big_integer_null(a("reviewed_by")))
                .col(timestamp_with_time_zone_null(a("reviewed_at")))
                // awarded | not_awarded, only for approved applications.
                .col(string_len_null(a("award"), 20))
                .col(timestamp_with_time_zone_null(a("award_recorded_at")))
                .col(string_len(a("name"), 40))
                .col(string_len(a("name_pinyin"), 60))
                .col(string_len(a("gender"), 10))
                .col(date(a("birth_date")))
                .col(string_len(a("ethnicity"), 20))
                .col(string_len(a("political_status"), 20))
                .col(string_len(a("id_type"), 30))
                .col(string_len(a("id_card_no"), 18))
                .col(string_len(a("entry_month"), 6))
                .col(string_len(a("graduation_month"), 6))
                .col(string_len(a("country"), 40))
                .col(boolean(a("second_degree")))
                .col(boolean(a("major_minor")))
                .col(boolean(a("minor")))
                .col(boolean(a("double_bachelor")))
                .col(boolean(a("joint_degree")))
                .col(string_len(a("joint_unit"), 100))
                .col(string_len(a("email"), 100))
                .col(string_len(a("qq"), 11))
                .col(string_len(a("wechat"), 20))
                .col(string_len(a("other_info"), 200))
                .col(string_len(a("thesis_title"), 100))
                .col(integer(a("version")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .col(timestamp_with_time_zone_null(a("submitted_at")))
                .foreign_key(&mut fk("degree_applications", "student_id", "students"))
                .foreign_key(&mut fk("degree_applications", "batch_id", "batches"))
                .to_owned(),
        )
        .await?;
        index(m, "degree_applications", &["student_id", "batch_id"], true).await?;
        index(
            m,
            "degree_applications",
            &["batch_id", "review_status"],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("degree_files"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("application_id")))
                // thesis (毕业论文定稿) | form (学位申请表)
                .col(string_len(a("slot"), 20))
                .col(string_len(a("object_key"), 200))
                .col(string_len(a("sha256"), 64))
                .col(big_integer(a("size_bytes")))
                .col(string_len(a("content_type"), 100))
                // What it is offered back as: the thesis is named 学号+姓名+论文题目.
                .col(string_len(a("file_name"), 255))
                .col(timestamp_with_time_zone(a("created_at")))
                .foreign_key(&mut fk(
                    "degree_files",
                    "application_id",
                    "degree_applications",
                ))
                .to_owned(),
        )
        .await?;
        index(m, "degree_files", &["application_id", "slot"], true).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["degree_files", "degree_applications"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}

//! Roles become data: an account holds any number of roles (审核员, 管理员, 数据导入, 财务, 只读),
//! and a reviewer's may be limited to one named review stage. The single `staff.role` column could
//! say neither, so each account's roles move to `staff_roles` and the column goes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::schema::{a, fk, index};

/// Creates `staff_roles` from `staff.role` and drops the column.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000019_staff_roles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("staff_roles"))
                .col(big_pk_auto(a("id")))
                .col(big_integer(a("staff_id")))
                .col(string_len(a("role"), 20))
                // Empty for every stage (and for roles that have no stage): NULL would not take
                // part in the unique index alike on every backend.
                .col(string_len(a("stage"), 40).default(""))
                .foreign_key(&mut fk("staff_roles", "staff_id", "staff"))
                .to_owned(),
        )
        .await?;
        index(m, "staff_roles", &["staff_id", "role", "stage"], true).await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO staff_roles (staff_id, role, stage) SELECT id, role, '' FROM staff",
            )
            .await?;
        m.alter_table(
            Table::alter()
                .table(a("staff"))
                .drop_column(a("role"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(a("staff"))
                .add_column(string_len(a("role"), 20).default("reviewer"))
                .to_owned(),
        )
        .await?;
        // The strongest role each account held; stage limits have no column to go back to.
        m.get_connection()
            .execute_unprepared(
                "UPDATE staff SET role = 'admin' WHERE id IN \
                 (SELECT staff_id FROM staff_roles WHERE role = 'admin')",
            )
            .await?;
        m.drop_table(Table::drop().table(a("staff_roles")).to_owned())
            .await
    }
}

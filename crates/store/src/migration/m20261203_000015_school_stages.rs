//! A school's review stages for its 学位外语 and 学位申请 batches: listed with its degree rules,
//! copied into each batch's `batch_stages` when the batch is created, and the stage each
//! application waits at. Batches and applications from before get the one stage they had.

use sea_orm_migration::prelude::*;

use super::schema::a;

/// Adds the stage lists and the application `stage` columns; gives existing school batches
/// their single stage.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000015_school_stages"
    }
}

const COLUMNS: [(&str, &str, bool); 4] = [
    ("school_degree_rules", "language_stages", true),
    ("school_degree_rules", "degree_stages", true),
    ("degree_applications", "stage", false),
    ("language_applications", "stage", false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for (table, column, text) in COLUMNS {
            let mut col = ColumnDef::new(a(column));
            if text {
                col.text();
            } else {
                col.integer();
            }
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .add_column(col.null().to_owned())
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "INSERT INTO batch_stages (batch_id, seq, name, kind, reviewer_rule) \
             SELECT id, 0, '学校审核', 'review', 'school' FROM batches \
             WHERE kind IN ('language', 'degree')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE degree_applications SET stage = 0 \
             WHERE status = 'submitted' AND review_status IN ('pending', 'rejected')",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE language_applications SET stage = 0 \
             WHERE status IN ('pending', 'rejected')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "DELETE FROM batch_stages WHERE batch_id IN \
                 (SELECT id FROM batches WHERE kind IN ('language', 'degree'))",
            )
            .await?;
        for (table, column, _) in COLUMNS.iter().rev() {
            m.alter_table(
                Table::alter()
                    .table(a(table))
                    .drop_column(a(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

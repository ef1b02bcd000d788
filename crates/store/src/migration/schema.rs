//! Small builders shared by the migrations: they only shorten the portable schema statements.

use sea_orm_migration::prelude::*;

/// A table or column name.
pub(super) fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// A foreign key `table.column → to.id`, named `fk_{table}_{column}`.
pub(super) fn fk(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(a(table), a(column))
        .to(a(to), a("id"))
        .to_owned()
}

/// An index `ix_{table}_{columns}` (unique when asked).
pub(super) async fn index(
    m: &SchemaManager<'_>,
    table: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(format!("ix_{table}_{}", columns.join("_")))
        .table(a(table));
    for c in columns {
        stmt.col(a(c));
    }
    if unique {
        stmt.unique();
    }
    m.create_index(stmt).await
}

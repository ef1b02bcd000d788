//! Multi-row INSERTs for bulk writers (demo bulk, batch audit results): thousands of rows per
//! statement, under every backend's limit of bound variables.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// SQLite's default limit of bound variables per statement; the other backends allow more.
pub(crate) const MAX_VARIABLES: usize = 32_766;

/// Rows per statement: a power of two, at most what the variable limit allows.
///
/// Every distinct statement text is prepared and cached per connection, and a multi-row INSERT's
/// compiled program runs to megabytes; sizes from a fixed power-of-two ladder keep the number of
/// distinct texts (and so that memory) bounded however many chunks are written.
pub(crate) fn statement_rows(remaining: usize, columns: usize) -> usize {
    let limit = (MAX_VARIABLES / columns.max(1)).max(1);
    let largest = 1usize << limit.ilog2();
    if remaining >= largest {
        largest
    } else {
        1usize << remaining.max(1).ilog2()
    }
}

/// Inserts `rows` into `table` with multi-row statements under the variable limit; `push`
/// appends one row's values in the order of `columns`.
pub(crate) async fn insert_rows<C: ConnectionTrait, T>(
    conn: &C,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = T, IntoIter: ExactSizeIterator>,
    push: impl Fn(T, &mut Vec<Value>),
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let mut rows = rows.into_iter();
    let mut remaining = rows.len();
    let mut texts: Vec<(usize, String)> = Vec::new();
    while remaining > 0 {
        let n = statement_rows(remaining, columns.len());
        let mut values = Vec::with_capacity(n * columns.len());
        for row in rows.by_ref().take(n) {
            push(row, &mut values);
        }
        remaining -= n;
        let sql = match texts.iter().find(|(k, _)| *k == n) {
            Some((_, sql)) => sql.clone(),
            None => {
                let sql = insert_sql(backend, table, columns, n);
                texts.push((n, sql.clone()));
                sql
            }
        };
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// `INSERT INTO t (a, b) VALUES (?, ?), (?, ?)…` with the backend's placeholders.
pub(crate) fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(64 + rows * columns.len() * 7);
    let _ = write!(sql, "INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0usize;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            if backend == DbBackend::Postgres {
                let _ = write!(sql, "${n}");
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stay_under_the_variable_limit() {
        for cols in [2, 6, 7, 17] {
            for remaining in [1, 2, 3, 1000, 4095, 4096, 50_000] {
                let n = statement_rows(remaining, cols);
                assert!(n.is_power_of_two() && n <= remaining);
                assert!(n * cols <= MAX_VARIABLES);
            }
        }
        assert_eq!(statement_rows(100_000, 17), 1024);
        assert_eq!(statement_rows(100_000, 7), 4096);
        assert_eq!(statement_rows(100_000, 6), 4096);
        assert_eq!(statement_rows(1_000, 7), 512);
        let sql = insert_sql(DbBackend::Postgres, "t", &["a", "b"], 2);
        assert_eq!(sql, "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)");
        let sql = insert_sql(DbBackend::Sqlite, "t", &["a"], 2);
        assert_eq!(sql, "INSERT INTO t (a) VALUES (?),(?)");
    }
}

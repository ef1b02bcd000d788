//! Statements whose text is built once.
//!
//! A page's reads are the same few selects with a person's id in them. sea-query builds each
//! one's text again on every request, from a tree of expressions it builds first: about a twentieth
//! of a short page's time (README's profile). A [`Prepared`] keeps the text each backend's builder
//! made the first time and sends it again with the new values.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::sea_query::Value;
use sea_orm::{DbBackend, Statement};

/// Statements built again because their text could not be kept (see [`Prepared`]).
static UNKEPT: AtomicU64 = AtomicU64::new(0);

/// How many statements of a [`Prepared`] were built again because the values given did not
/// match the builder's: each such use is a mistake to fix, and the tests look for it.
pub fn unkept_builds() -> u64 {
    UNKEPT.load(Ordering::Relaxed)
}

/// The text of one statement, built once per backend (see the module's documentation).
///
/// It is kept only when the values the builder bound are exactly the values given, in their
/// order: then every placeholder stands for one of them, and the same text with other values of
/// the same kinds is the same statement. A builder that binds anything else (a constant, a list
/// whose length varies) is never kept, and its statement is built every time as before.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Per backend: `Some(text)` once kept, `None` once found not to be keepable.
    sql: [OnceLock<Option<String>>; 3],
}

impl Prepared {
    /// Nothing built yet.
    pub const fn new() -> Self {
        Prepared {
            sql: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }
    }

    /// The statement `build` makes for `backend` with `values` bound, in the order its
    /// placeholders take them; `build` runs only while the text is not kept.
    pub fn statement(
        &self,
        backend: DbBackend,
        values: Vec<Value>,
        build: impl FnOnce(DbBackend) -> Statement,
    ) -> Statement {
        let slot = &self.sql[match backend {
            DbBackend::Sqlite => 0,
            DbBackend::Postgres => 1,
            _ => 2,
        }];
        if let Some(kept) = slot.get() {
            return match kept {
                Some(sql) => Statement::from_sql_and_values(backend, sql.clone(), values),
                None => {
                    UNKEPT.fetch_add(1, Ordering::Relaxed);
                    build(backend)
                }
            };
        }
        let built = build(backend);
        let same = built.values.as_ref().map(|v| v.0.as_slice()) == Some(values.as_slice());
        if !same {
            UNKEPT.fetch_add(1, Ordering::Relaxed);
        }
        let _ = slot.set(same.then(|| built.sql.clone()));
        built
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SqliteQueryBuilder};

    use super::*;

    fn by_id(backend: DbBackend, id: i64, extra: bool) -> Statement {
        let mut q = Query::select();
        q.column(Alias::new("name"))
            .from(Alias::new("t"))
            .and_where(Expr::col(Alias::new("id")).eq(id));
        if extra {
            q.and_where(Expr::col(Alias::new("kind")).eq("x"));
        }
        let (sql, values) = q.build(SqliteQueryBuilder);
        Statement::from_sql_and_values(backend, sql, values)
    }

    #[test]
    fn the_text_is_built_once_and_sent_again_with_the_new_values() {
        let p = Prepared::new();
        let mut built = 0;
        let first = p.statement(DbBackend::Sqlite, vec![7i64.into()], |b| {
            built += 1;
            by_id(b, 7, false)
        });
        let second = p.statement(DbBackend::Sqlite, vec![8i64.into()], |b| {
            built += 1;
            by_id(b, 8, false)
        });
        assert_eq!(built, 1);
        assert_eq!(second.sql, first.sql);
        assert_eq!(second.values, by_id(DbBackend::Sqlite, 8, false).values);
        // Another backend builds its own text.
        p.statement(DbBackend::Postgres, vec![9i64.into()], |b| {
            built += 1;
            by_id(b, 9, false)
        });
        assert_eq!(built, 2);
    }

    #[test]
    fn a_builder_that_binds_more_than_it_was_given_is_built_every_time() {
        let p = Prepared::new();
        let before = unkept_builds();
        let mut built = 0;
        for id in [1i64, 2] {
            let stmt = p.statement(DbBackend::Sqlite, vec![id.into()], |b| {
                built += 1;
                by_id(b, id, true)
            });
            assert_eq!(stmt.values, by_id(DbBackend::Sqlite, id, true).values);
        }
        assert_eq!(built, 2);
        assert!(unkept_builds() >= before + 2);
    }
}

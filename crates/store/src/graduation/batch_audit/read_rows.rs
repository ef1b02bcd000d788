//! Reading a chunk row by row, on PostgreSQL and MySQL: the candidates in id order, then their
//! enrolled majors, score rows and exemptions, each streamed in candidate order and reduced to a
//! few bytes a row as it arrives, so a chunk costs memory in proportion to its size and never
//! the province's. On PostgreSQL the score rows come one row per candidate, aggregated by the
//! server from the unique index alone ([`pg_scores`]).

use std::ops::Range;

use domain::{ExemptionMode, ScoreSource};
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, StreamTrait, Value};
use sqlx::Row;
use sqlx::postgres::PgPool;

use super::chunk::{Chunk, ExemptionRow, Filer, Plans, ScoreRow, Slot, statement};
use crate::reader::query_err;
use crate::repo::RepoError;

/// A chunk's score rows in candidate order.
const SCORES: &str = "SELECT candidate_id, course_code, passed, source FROM score_records \
                      WHERE candidate_id > ? AND candidate_id <= ? ORDER BY candidate_id";
/// The same on PostgreSQL, one row per candidate with the scores' columns as arrays. The unique
/// index on (candidate, course, date, source) carries `passed` as well (migration 41), so where
/// the table's pages are marked all-visible (VACUUM) the rows come from the index alone.
const SCORES_PG: &str = "SELECT candidate_id, array_agg(course_code), array_agg(passed), \
                         array_agg(source) FROM score_records \
                         WHERE candidate_id > $1 AND candidate_id <= $2 \
                         GROUP BY candidate_id ORDER BY candidate_id";

/// Reads the chunks of one province in order.
pub(super) struct Reader {
    db: crate::Db,
    province: String,
    size: u32,
    /// Where the next chunk begins; `None` after the last.
    next_after: Option<i64>,
}

impl Reader {
    /// Reads the candidates of `province` in chunks of `size`.
    pub fn new(db: &crate::Db, province: &str, size: u32) -> Self {
        Self {
            db: db.clone(),
            province: province.to_owned(),
            size,
            next_after: Some(i64::MIN),
        }
    }

    /// The next chunk, its records interned with `plans`; `None` after the last.
    pub async fn next(&mut self, plans: &mut Plans) -> Result<Option<Chunk>, RepoError> {
        let Some(after) = self.next_after else {
            return Ok(None);
        };
        let chunk = chunk(&self.db, &self.province, after, self.size, plans).await?;
        self.next_after = (!chunk.is_last()).then_some(chunk.through);
        Ok(Some(chunk))
    }
}

/// Reads the next `size` candidates of `province` after id `after`, with their records.
async fn chunk(
    conn: &crate::Db,
    province: &str,
    after: i64,
    size: u32,
    plans: &mut Plans,
) -> Result<Chunk, RepoError> {
    let backend = conn.get_database_backend();
    let form_required = crate::graduation::offline_form_required(province);
    let rows = conn
        .query_all_raw(statement(
            backend,
            &format!(
                "SELECT id, legal_block FROM candidates \
                 WHERE province = ? AND id > ? ORDER BY id LIMIT {size}"
            ),
            vec![province.into(), after.into()],
        ))
        .await?;
    let mut candidates = Vec::with_capacity(rows.len());
    for row in &rows {
        candidates.push(Slot {
            id: row.try_get_by_index(0)?,
            legal_block: row.try_get_by_index(1)?,
            majors: 0..0,
            scores: 0..0,
            exemptions: 0..0,
        });
    }
    drop(rows);
    let through = match candidates.last() {
        Some(last) if candidates.len() == size as usize => last.id,
        _ => i64::MAX,
    };
    let mut chunk = Chunk {
        after,
        through,
        candidates,
        majors: Vec::new(),
        scores: Vec::new(),
        exemptions: Vec::new(),
        rows_read: 0,
    };
    if chunk.candidates.is_empty() {
        return Ok(chunk);
    }
    let range = || vec![Value::from(after), Value::from(through)];

    // Other provinces' candidates may sit in the id range; the merge below skips their rows.
    attach(
        conn,
        statement(
            backend,
            "SELECT candidate_id, major_id FROM enrolled_majors \
             WHERE candidate_id > ? AND candidate_id <= ? ORDER BY candidate_id, major_id",
            range(),
        ),
        &mut chunk.candidates,
        |s| &mut s.majors,
        &mut chunk.majors,
        |row| Ok((row.try_get_by_index(0)?, Some(row.try_get_by_index(1)?))),
    )
    .await?;
    // Plans are compiled before the scores are read, so that every code that matters is interned.
    for &major in &chunk.majors {
        plans.ensure(conn, major).await?;
    }

    let plans_ref = &*plans;
    chunk.rows_read = if backend == DbBackend::Postgres {
        pg_scores(
            conn.get_postgres_connection_pool(),
            (after, through),
            &mut chunk.candidates,
            &mut chunk.scores,
            plans_ref,
        )
        .await?
    } else {
        attach(
            conn,
            statement(backend, SCORES, range()),
            &mut chunk.candidates,
            |s| &mut s.scores,
            &mut chunk.scores,
            |row| {
                let candidate = row.try_get_by_index(0)?;
                let code: String = row.try_get_by_index(1)?;
                let source: String = row.try_get_by_index(3)?;
                let passed = row.try_get_by_index(2)?;
                Ok((candidate, score_row(plans_ref, &code, passed, &source)))
            },
        )
        .await?
    };

    attach(
        conn,
        statement(
            backend,
            "SELECT candidate_id, course_code, mode, form_file_key FROM exemptions \
             WHERE candidate_id > ? AND candidate_id <= ? ORDER BY candidate_id",
            range(),
        ),
        &mut chunk.candidates,
        |s| &mut s.exemptions,
        &mut chunk.exemptions,
        |row| {
            let candidate = row.try_get_by_index(0)?;
            let code: String = row.try_get_by_index(1)?;
            let mode: String = row.try_get_by_index(2)?;
            let (Some(code), Some(mode)) = (plans_ref.id(&code), ExemptionMode::from_code(&mode))
            else {
                return Ok((candidate, None));
            };
            let form: Option<String> = row.try_get_by_index(3)?;
            Ok((
                candidate,
                Some(ExemptionRow {
                    code,
                    mode,
                    form_present: form.is_some() || !form_required,
                }),
            ))
        },
    )
    .await?;
    Ok(chunk)
}

/// The audit's reduction of a score row; unknown sources are left out exactly as `records_of`
/// leaves them out, and so are courses no compiled plan names.
fn score_row(plans: &Plans, code: &str, passed: bool, source: &str) -> Option<ScoreRow> {
    Some(ScoreRow {
        code: plans.id(code)?,
        passed,
        source: ScoreSource::from_code(source)?,
    })
}

/// A chunk's score rows on PostgreSQL, its two halves read over two connections at once.
///
/// Streamed one row per score, the rows cost more to take apart here than the server spent
/// finding them; aggregated per candidate (one row each, the scores as arrays read in place
/// from the row's buffer) they cost little here and the server's aggregation is what a chunk
/// waits for, so two server processes share it.
async fn pg_scores(
    pool: &PgPool,
    (after, through): (i64, i64),
    candidates: &mut [Slot],
    out: &mut Vec<ScoreRow>,
    plans: &Plans,
) -> Result<u64, RepoError> {
    let half = candidates.len() / 2;
    let Some(mid) = half
        .checked_sub(1)
        .and_then(|i| candidates.get(i))
        .map(|s| s.id)
    else {
        return pg_score_range(pool, (after, through), candidates, out, plans).await;
    };
    let (low, high) = candidates.split_at_mut(half);
    let mut upper = Vec::new();
    let (a, b) = futures_util::try_join!(
        pg_score_range(pool, (after, mid), low, out, plans),
        pg_score_range(pool, (mid, through), high, &mut upper, plans),
    )?;
    // The upper half's ranges point into `upper`, which now follows the lower half's rows.
    let offset = u32::try_from(out.len())
        .map_err(|_| RepoError::Invalid("一个批次块的记录过多".to_owned()))?;
    for slot in high {
        slot.scores = slot.scores.start + offset..slot.scores.end + offset;
    }
    out.append(&mut upper);
    Ok(a + b)
}

/// The score rows of candidates in `(after, through]`, filed under `candidates`.
async fn pg_score_range(
    pool: &PgPool,
    (after, through): (i64, i64),
    candidates: &mut [Slot],
    out: &mut Vec<ScoreRow>,
    plans: &Plans,
) -> Result<u64, RepoError> {
    let mut rows = sqlx::query(SCORES_PG).bind(after).bind(through).fetch(pool);
    let mut filer = Filer::new(candidates, |s| &mut s.scores, out);
    while let Some(row) = rows.try_next().await.map_err(query_err)? {
        let candidate: i64 = row.try_get(0).map_err(query_err)?;
        let column = |i: usize| -> Result<PgArray<'_>, DbErr> {
            let raw = row.try_get_raw(i).map_err(query_err)?;
            let bytes = raw
                .as_bytes()
                .map_err(|e| DbErr::Type(format!("score_records 第{i}列：{e}")))?;
            PgArray::new(bytes)
        };
        let (mut codes, mut passed, mut sources) = (column(1)?, column(2)?, column(3)?);
        loop {
            let (code, pass, source) = match (codes.next()?, passed.next()?, sources.next()?) {
                (Some(c), Some(p), Some(s)) => (c, p, s),
                (None, None, None) => break,
                _ => return Err(DbErr::Type("score_records 的聚合列长度不一".to_owned()).into()),
            };
            // The columns are NOT NULL text and boolean; anything else is a failed read, never
            // a row left out (a passed course left out would fail a candidate).
            let (Some(code), Some(&[pass]), Some(source)) = (code, pass, source) else {
                return Err(
                    DbErr::Type("score_records 的聚合列含有空值或无效值".to_owned()).into(),
                );
            };
            let (code, source) = (utf8(code)?, utf8(source)?);
            filer.file(candidate, score_row(plans, code, pass != 0, source))?;
        }
    }
    Ok(filer.belonging)
}

/// A text element of a score array, borrowed.
fn utf8(bytes: &[u8]) -> Result<&str, DbErr> {
    std::str::from_utf8(bytes)
        .map_err(|e| DbErr::Type(format!("score_records 的文本不是 UTF-8：{e}")))
}

/// The elements of a one-dimensional array in PostgreSQL's binary format (`array_send`: the
/// number of dimensions, a has-nulls flag, the element type, each dimension's length and lower
/// bound, then each element as a length, -1 for NULL, and its bytes), borrowed from the row.
struct PgArray<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> PgArray<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, DbErr> {
        let bad = || DbErr::Type("无法解析 PostgreSQL 数组".to_owned());
        let word = |at: usize| -> Result<i32, DbErr> {
            let b = bytes.get(at..at + 4).ok_or_else(bad)?;
            Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        match word(0)? {
            // An empty array has no dimensions.
            0 => Ok(Self { rest: &[], left: 0 }),
            1 => Ok(Self {
                rest: bytes.get(20..).ok_or_else(bad)?,
                left: usize::try_from(word(12)?).map_err(|_| bad())?,
            }),
            _ => Err(bad()),
        }
    }

    /// The next element (`Some(None)` for NULL); `None` after the last.
    fn next(&mut self) -> Result<Option<Option<&'a [u8]>>, DbErr> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let bad = || DbErr::Type("PostgreSQL 数组的元素不完整".to_owned());
        let (len, rest) = self.rest.split_at_checked(4).ok_or_else(bad)?;
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        let Ok(len) = usize::try_from(len) else {
            self.rest = rest;
            return Ok(Some(None));
        };
        let (element, rest) = rest.split_at_checked(len).ok_or_else(bad)?;
        self.rest = rest;
        Ok(Some(Some(element)))
    }
}

/// Streams `sql` to its end, taking each row's four columns as [`chunk`] takes a score row's
/// (on PostgreSQL through sqlx as [`pg_scores`] does); returns the rows.
pub(super) async fn scan(conn: &crate::Db, sql: &'static str) -> Result<u64, RepoError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        let mut rows = sqlx::query(sql).fetch(conn.get_postgres_connection_pool());
        let (mut n, mut bytes) = (0u64, 0usize);
        while let Some(row) = rows.try_next().await.map_err(query_err)? {
            let _: i64 = row.try_get(0).map_err(query_err)?;
            let code: &str = row.try_get(1).map_err(query_err)?;
            let _: bool = row.try_get(2).map_err(query_err)?;
            let source: &str = row.try_get(3).map_err(query_err)?;
            bytes += code.len() + source.len();
            n += 1;
        }
        std::hint::black_box(bytes);
        return Ok(n);
    }
    let mut stream = conn
        .stream_raw(statement(conn.get_database_backend(), sql, Vec::new()))
        .await?;
    let (mut n, mut bytes) = (0u64, 0usize);
    while let Some(row) = stream.next().await {
        let row = row?;
        let _: i64 = row.try_get_by_index(0)?;
        let code: String = row.try_get_by_index(1)?;
        let _: bool = row.try_get_by_index(2)?;
        let source: String = row.try_get_by_index(3)?;
        bytes += code.len() + source.len();
        n += 1;
    }
    std::hint::black_box(bytes);
    Ok(n)
}

/// Streams `stmt`, whose rows come in candidate order, and files each decoded item under its
/// candidate (see [`Filer`]). Returns the rows that belong to the chunk's candidates.
async fn attach<T>(
    conn: &crate::Db,
    stmt: Statement,
    candidates: &mut [Slot],
    field: fn(&mut Slot) -> &mut Range<u32>,
    out: &mut Vec<T>,
    mut decode: impl FnMut(&QueryResult) -> Result<(i64, Option<T>), DbErr>,
) -> Result<u64, RepoError> {
    let mut stream = conn.stream_raw(stmt).await?;
    let mut filer = Filer::new(candidates, field, out);
    while let Some(row) = stream.next().await {
        let (candidate, item) = decode(&row?)?;
        filer.file(candidate, item)?;
    }
    Ok(filer.belonging)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};

    use super::SCORES_PG;
    use crate::testkit::{Backend, TestDb, app_backends};

    /// The plan PostgreSQL makes for a chunk's score read when only an index-only scan is
    /// allowed without penalty.
    async fn plan(txn: &DatabaseTransaction) -> String {
        let sql = SCORES_PG.replace("$1", "0").replace("$2", "32768");
        txn.query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("EXPLAIN {sql}"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
    }

    #[tokio::test]
    async fn on_postgresql_a_chunks_score_read_is_answered_by_the_unique_index_alone() {
        for b in app_backends() {
            if !matches!(b, Backend::Postgres(_)) {
                continue;
            }
            let t = TestDb::create(&b).await.unwrap();
            let txn = t.db.begin().await.unwrap();
            for off in ["seqscan", "bitmapscan", "indexscan"] {
                txn.execute_unprepared(&format!("SET LOCAL enable_{off} = off"))
                    .await
                    .unwrap();
            }
            let index = "ix_score_records_candidate_id_course_code_exam_date_source";
            let covered = plan(&txn).await;
            assert!(
                covered.contains(&format!("Index Only Scan using {index}")),
                "{covered}"
            );
            // The unique index as the first migration made it, without `passed`, cannot answer
            // the read: the check above is what would catch its loss.
            txn.execute_unprepared(&format!(
                "DROP INDEX {index}; CREATE UNIQUE INDEX {index} ON score_records \
                 (candidate_id, course_code, exam_date, source)"
            ))
            .await
            .unwrap();
            let uncovered = plan(&txn).await;
            assert!(!uncovered.contains("Index Only Scan"), "{uncovered}");
            txn.rollback().await.unwrap();
        }
    }
}

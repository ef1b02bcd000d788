//! Reading a province from a SQLite file: each chunk read on a blocking thread of its own over
//! a connection of its own, start to finish, several chunks at once.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every row from there to the
//! reading task, each hand-over a possible thread wake-up: over a province of 2,000,000
//! candidates and 28 million score rows, reading row by row that way took 145 s. Folding a
//! chunk into one string with `group_concat` (one hand-over a chunk) brought it to 13 s, most of
//! it SQLite building and the reader taking apart the strings. Here the rows are read where
//! they are decoded, with nothing in between, and from two indexes alone: the unique index of
//! `score_records` holds all of a row the audit needs but whether it passed, and the partial
//! index of the rows that did not pass answers that (see [`SCORES`] and [`NOT_PASSED`]). A step
//! into the table for each row's `passed` had cost as much again as the index walk.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use domain::{ExemptionMode, ScoreSource};
use rustc_hash::FxBuildHasher;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use tokio::task::JoinHandle;

use super::chunk::{Chunk, CodeId, ExemptionRow, Filer, Plans, ScoreRow, Slot};
use crate::reader::{open_for_reading, sqlite_query_err};
use crate::repo::RepoError;

/// Chunks read at once, each on a thread and a connection of its own.
const READERS: usize = 2;

/// A chunk's score rows in candidate order, from the unique index alone (`id` is the rowid,
/// which every index entry carries).
const SCORES: &str = "SELECT candidate_id, course_code, source, id FROM score_records \
                      WHERE candidate_id > ?1 AND candidate_id <= ?2 ORDER BY candidate_id";

/// The chunk's rows that did not pass, from the partial index `ix_score_records_failed` alone;
/// `passed = 0` is its condition, written the same way.
const NOT_PASSED: &str = "SELECT candidate_id, id FROM score_records \
                          WHERE passed = 0 AND candidate_id > ?1 AND candidate_id <= ?2 \
                          ORDER BY candidate_id, id";

/// A chunk as read, its courses numbered in the order the chunk met them.
struct Read {
    chunk: Chunk,
    /// The chunk's course codes, by the number its rows carry.
    codes: Vec<Box<[u8]>>,
}

/// Reads the chunks of one province in order, the next ones already under way.
pub(super) struct Reader {
    db: crate::Db,
    file: PathBuf,
    province: String,
    size: u32,
    /// Where the next chunk to start begins; `None` once the last one has started.
    next_after: Option<i64>,
    reading: VecDeque<JoinHandle<Result<Read, RepoError>>>,
}

impl Reader {
    /// Reads the candidates of `province` in chunks of `size` from `file`, the SQLite file `db`
    /// is connected to.
    pub fn new(db: &crate::Db, file: PathBuf, province: &str, size: u32) -> Self {
        Self {
            db: db.clone(),
            file,
            province: province.to_owned(),
            size,
            next_after: Some(i64::MIN),
            reading: VecDeque::new(),
        }
    }

    /// The next chunk, its records interned with `plans`; `None` after the last.
    pub async fn next(&mut self, plans: &mut Plans) -> Result<Option<Chunk>, RepoError> {
        while self.reading.len() < READERS
            && let Some(after) = self.next_after
        {
            let through = self.boundary(after).await?;
            let (file, province) = (self.file.clone(), self.province.clone());
            self.reading.push_back(tokio::task::spawn_blocking(move || {
                read(&file, &province, after, through)
            }));
            self.next_after = (through != i64::MAX).then_some(through);
        }
        let Some(reading) = self.reading.pop_front() else {
            return Ok(None);
        };
        let read = reading
            .await
            .map_err(|e| DbErr::Custom(format!("读取考生的任务中断：{e}")))??;
        // Compiled before the codes are translated, so that every code that matters is interned.
        for &major in &read.chunk.majors {
            plans.ensure(&self.db, major).await?;
        }
        translate(read, plans).map(Some)
    }

    /// The id of the `size`-th candidate after `after`, which closes the chunk; `i64::MAX` when
    /// fewer are left, so the last chunk also answers for any ids beyond the province's.
    async fn boundary(&self, after: i64) -> Result<i64, RepoError> {
        let row = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                format!(
                    "SELECT id FROM candidates WHERE province = ? AND id > ? \
                     ORDER BY id LIMIT 1 OFFSET {}",
                    self.size.saturating_sub(1)
                ),
                [Value::from(self.province.as_str()), after.into()],
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get_by_index(0)?,
            None => i64::MAX,
        })
    }
}

/// A chunk's course codes, each numbered once, taken as the bytes SQLite holds: a code is
/// checked as UTF-8 once, when the run's plans look it up, not on every row.
#[derive(Default)]
struct Codes {
    ids: HashMap<Box<[u8]>, CodeId, FxBuildHasher>,
    list: Vec<Box<[u8]>>,
}

impl Codes {
    fn number(&mut self, code: &[u8]) -> CodeId {
        if let Some(&id) = self.ids.get(code) {
            return id;
        }
        // A chunk holds a few hundred distinct courses, far from the limit of the type.
        let id = CodeId::try_from(self.list.len()).unwrap_or(CodeId::MAX);
        self.ids.insert(code.into(), id);
        self.list.push(code.into());
        id
    }
}

/// The few sources a score row may name, each parsed once per chunk.
#[derive(Default)]
struct Sources(Vec<(Box<[u8]>, Option<ScoreSource>)>);

impl Sources {
    fn parse(&mut self, raw: &[u8]) -> Option<ScoreSource> {
        if let Some((_, source)) = self.0.iter().find(|(s, _)| **s == *raw) {
            return *source;
        }
        let source = std::str::from_utf8(raw)
            .ok()
            .and_then(ScoreSource::from_code);
        self.0.push((raw.into(), source));
        source
    }
}

/// Reads the candidates of `province` with ids in `(after, through]` and their records, in one
/// read transaction, on the calling thread.
fn read(file: &Path, province: &str, after: i64, through: i64) -> Result<Read, RepoError> {
    let form_required = crate::graduation::offline_form_required(province);
    let conn = open_for_reading(file, crate::db::BUSY_LIMIT)?;
    // The chunk's four reads see one state of the database.
    conn.execute_batch("BEGIN").map_err(failed)?;
    let mut chunk = Chunk {
        after,
        through,
        candidates: Vec::new(),
        majors: Vec::new(),
        scores: Vec::new(),
        exemptions: Vec::new(),
        rows_read: 0,
    };
    let mut codes = Codes::default();
    let mut sources = Sources::default();
    {
        let mut stmt = conn
            .prepare(
                "SELECT id, legal_block FROM candidates \
                 WHERE province = ?1 AND id > ?2 AND id <= ?3 ORDER BY id",
            )
            .map_err(failed)?;
        let mut rows = stmt.query((province, after, through)).map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            chunk.candidates.push(Slot {
                id: row.get(0).map_err(failed)?,
                legal_block: row.get(1).map_err(failed)?,
                majors: 0..0,
                scores: 0..0,
                exemptions: 0..0,
            });
        }
    }
    if chunk.candidates.is_empty() {
        return Ok(Read {
            chunk,
            codes: codes.list,
        });
    }

    // Other provinces' candidates may sit in the id range; the filer skips their rows.
    attach(
        &conn,
        "SELECT candidate_id, major_id FROM enrolled_majors \
         WHERE candidate_id > ?1 AND candidate_id <= ?2 ORDER BY candidate_id, major_id",
        (after, through),
        Filer::new(&mut chunk.candidates, |s| &mut s.majors, &mut chunk.majors),
        |row| Ok((row.get(0)?, Some(row.get(1)?))),
    )?;
    // Whether a row passed, from the partial index of the rows that did not: both reads walk
    // an index alone (see the migration `m20261206_000040_failed_scores`).
    let not_passed = failed_rows(&conn, (after, through))?;
    let mut failed_at = 0usize;
    chunk.rows_read = attach(
        &conn,
        SCORES,
        (after, through),
        Filer::new(&mut chunk.candidates, |s| &mut s.scores, &mut chunk.scores),
        |row| {
            let candidate = row.get(0)?;
            // Unknown sources are left out exactly as `records_of` leaves them out.
            let Some(source) = sources.parse(row.get_ref(2)?.as_bytes()?) else {
                return Ok((candidate, None));
            };
            let id: i64 = row.get(3)?;
            while not_passed
                .get(failed_at)
                .is_some_and(|&(c, _)| c < candidate)
            {
                failed_at += 1;
            }
            let passed = !not_passed
                .get(failed_at..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&(c, _)| c == candidate)
                .any(|&(_, f)| f == id);
            Ok((
                candidate,
                Some(ScoreRow {
                    code: codes.number(row.get_ref(1)?.as_bytes()?),
                    passed,
                    source,
                }),
            ))
        },
    )?;
    attach(
        &conn,
        "SELECT candidate_id, course_code, mode, form_file_key IS NOT NULL FROM exemptions \
         WHERE candidate_id > ?1 AND candidate_id <= ?2 ORDER BY candidate_id",
        (after, through),
        Filer::new(
            &mut chunk.candidates,
            |s| &mut s.exemptions,
            &mut chunk.exemptions,
        ),
        |row| {
            let candidate = row.get(0)?;
            let Some(mode) = ExemptionMode::from_code(row.get_ref(2)?.as_str()?) else {
                return Ok((candidate, None));
            };
            Ok((
                candidate,
                Some(ExemptionRow {
                    code: codes.number(row.get_ref(1)?.as_bytes()?),
                    mode,
                    form_present: row.get::<_, bool>(3)? || !form_required,
                }),
            ))
        },
    )?;
    conn.execute_batch("COMMIT").map_err(failed)?;
    Ok(Read {
        chunk,
        codes: codes.list,
    })
}

/// The score rows of the id range `(after, through]` that did not pass, as (candidate, row id)
/// in that order.
fn failed_rows(
    conn: &rusqlite::Connection,
    (after, through): (i64, i64),
) -> Result<Vec<(i64, i64)>, RepoError> {
    let mut stmt = conn.prepare(NOT_PASSED).map_err(failed)?;
    let rows = stmt
        .query_map((after, through), |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(failed)?;
    rows.collect::<Result<_, _>>().map_err(failed)
}

/// Runs `sql` over the id range `(after, through]`; its rows come in candidate order, and each
/// decoded item is filed under its candidate. Returns the rows that belong to the chunk's
/// candidates.
fn attach<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    range: (i64, i64),
    mut filer: Filer<'_, T>,
    mut decode: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, Option<T>)>,
) -> Result<u64, RepoError> {
    let mut stmt = conn.prepare(sql).map_err(failed)?;
    let mut rows = stmt.query(range).map_err(failed)?;
    while let Some(row) = rows.next().map_err(failed)? {
        let (candidate, item) = decode(row).map_err(failed)?;
        filer.file(candidate, item)?;
    }
    Ok(filer.belonging)
}

/// Runs `sql` to its end on a connection of its own on the calling thread, taking each row's
/// four columns as the reader takes a score row's; returns the rows.
pub(super) fn scan(file: &Path, sql: &str) -> Result<u64, RepoError> {
    let conn = open_for_reading(file, crate::db::BUSY_LIMIT)?;
    let mut stmt = conn.prepare(sql).map_err(failed)?;
    let mut rows = stmt.query([]).map_err(failed)?;
    let (mut n, mut bytes) = (0u64, 0usize);
    while let Some(row) = rows.next().map_err(failed)? {
        let _: i64 = row.get(0).map_err(failed)?;
        let code = row
            .get_ref(1)
            .and_then(|v| Ok(v.as_str()?))
            .map_err(failed)?;
        let _: bool = row.get(2).map_err(failed)?;
        let source = row
            .get_ref(3)
            .and_then(|v| Ok(v.as_str()?))
            .map_err(failed)?;
        bytes += code.len() + source.len();
        n += 1;
    }
    std::hint::black_box(bytes);
    Ok(n)
}

/// The chunk with its rows' courses in the run's numbering; rows of courses no compiled plan
/// names are dropped, since they cannot change any verdict.
fn translate(read: Read, plans: &Plans) -> Result<Chunk, RepoError> {
    let Read { mut chunk, codes } = read;
    let run_id: Vec<Option<CodeId>> = codes
        .iter()
        .map(|c| std::str::from_utf8(c).ok().and_then(|c| plans.id(c)))
        .collect();
    let known = |code: CodeId| run_id.get(code as usize).copied().flatten();
    let mut scores = Vec::with_capacity(chunk.scores.len());
    let mut exemptions = Vec::with_capacity(chunk.exemptions.len());
    for slot in &mut chunk.candidates {
        let read = chunk.scores.get(span(&slot.scores)).unwrap_or_default();
        let start = index(scores.len())?;
        scores.extend(read.iter().filter_map(|s| {
            Some(ScoreRow {
                code: known(s.code)?,
                ..*s
            })
        }));
        slot.scores = start..index(scores.len())?;

        let read = chunk
            .exemptions
            .get(span(&slot.exemptions))
            .unwrap_or_default();
        let start = index(exemptions.len())?;
        exemptions.extend(read.iter().filter_map(|e| {
            Some(ExemptionRow {
                code: known(e.code)?,
                ..*e
            })
        }));
        slot.exemptions = start..index(exemptions.len())?;
    }
    chunk.scores = scores;
    chunk.exemptions = exemptions;
    Ok(chunk)
}

fn span(r: &std::ops::Range<u32>) -> std::ops::Range<usize> {
    r.start as usize..r.end as usize
}

fn index(n: usize) -> Result<u32, RepoError> {
    u32::try_from(n).map_err(|_| RepoError::Invalid("一个批次块的记录过多".to_owned()))
}

fn failed(e: rusqlite::Error) -> RepoError {
    RepoError::Db(sqlite_query_err(e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{NOT_PASSED, SCORES};
    use crate::testkit::{Backend, TestDb};

    /// The cursors a statement's program reads columns through, named by the table or index
    /// each was opened on.
    fn column_reads(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
        let roots: Vec<(i64, String)> = conn
            .prepare("SELECT rootpage, name FROM sqlite_master WHERE tbl_name = 'score_records'")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let program: Vec<(String, i64, i64)> = conn
            .prepare(&format!("EXPLAIN {sql}"))
            .unwrap()
            .query_map((0i64, 0i64), |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut opened = std::collections::HashMap::new();
        let mut reads = Vec::new();
        for (op, p1, p2) in program {
            match op.as_str() {
                "OpenRead" => {
                    let name = roots.iter().find(|(root, _)| *root == p2).unwrap();
                    opened.insert(p1, name.1.clone());
                }
                // A cursor opened otherwise is a sorter's or a temporary table's.
                "Column" => reads.push(
                    opened
                        .get(&p1)
                        .cloned()
                        .unwrap_or_else(|| "(temporary)".to_owned()),
                ),
                _ => {}
            }
        }
        reads
    }

    #[tokio::test]
    async fn the_audit_reads_scores_from_the_two_indexes_and_never_from_the_table() {
        let t = TestDb::create(&Backend::Sqlite).await.unwrap();
        let file = crate::reader::sqlite_file(&t.db).unwrap();
        let conn = rusqlite::Connection::open(file).unwrap();
        let scores = column_reads(&conn, SCORES);
        assert!(!scores.is_empty());
        assert!(
            scores
                .iter()
                .all(|n| n == "ix_score_records_candidate_id_course_code_exam_date_source"),
            "{scores:?}"
        );
        let not_passed = column_reads(&conn, NOT_PASSED);
        assert!(!not_passed.is_empty());
        assert!(
            not_passed.iter().all(|n| n == "ix_score_records_failed"),
            "{not_passed:?}"
        );
        // Without the partial index the same statement reads `passed` from the table, which
        // is what the check above would catch.
        conn.execute_batch("DROP INDEX ix_score_records_failed")
            .unwrap();
        assert!(
            column_reads(&conn, NOT_PASSED)
                .iter()
                .any(|n| n == "score_records"),
        );
    }
}

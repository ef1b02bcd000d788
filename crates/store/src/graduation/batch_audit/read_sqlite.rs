//! Reading a province on SQLite: a whole chunk of candidates folded by `group_concat` into one
//! string, several chunks read at once.
//!
//! sqlx hands every SQLite row from the connection's worker thread to the reading task on its
//! own, and each hand-over may wake a sleeping thread. Over a province of 2,000,000 candidates
//! and 28 million score rows, reading row by row took 145 s and 115 s of CPU, half of it in the
//! kernel; one row per candidate, 44 s of CPU with 760,000 context switches; one row per chunk,
//! 29 s of CPU with 25,000. What is left is mostly SQLite's own work on each connection's worker
//! thread, and reading [`READERS`] chunks at once puts more than one core to it.

use std::collections::VecDeque;

use domain::{ExemptionMode, ScoreSource};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use tokio::task::JoinHandle;

use super::chunk::{Chunk, ExemptionRow, Plans, ScoreRow, Slot};
use crate::repo::RepoError;

/// Chunks read at once, each on a connection of its own.
const READERS: usize = 2;

// The folding, with ASCII's information separators, which no code or number contains:
// candidates are separated by FS, a candidate's fields (id, legal block, majors, score rows) by
// GS, the majors and score rows by RS, and a score row's fields (code, passed, source) by US.
const CANDIDATE: char = '\u{1c}';
const FIELD: char = '\u{1d}';
const RECORD: char = '\u{1e}';
const UNIT: char = '\u{1f}';

/// An exemption as read; exemptions are few, so they come as ordinary rows.
struct RawExemption {
    candidate_id: i64,
    code: String,
    mode: String,
    form_present: bool,
}

/// A chunk as read, before parsing.
struct RawChunk {
    after: i64,
    through: i64,
    /// The candidates, folded; `None` when there are none.
    candidates: Option<String>,
    exemptions: Vec<RawExemption>,
}

/// Reads the chunks of one province in order, the next ones already under way.
pub(super) struct Reader {
    db: crate::Db,
    province: String,
    size: u32,
    /// Where the next chunk to start begins; `None` once the last one has started.
    next_after: Option<i64>,
    reading: VecDeque<JoinHandle<Result<RawChunk, RepoError>>>,
}

impl Reader {
    /// Reads the candidates of `province` in chunks of `size`.
    pub fn new(db: &crate::Db, province: &str, size: u32) -> Self {
        Self {
            db: db.clone(),
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
            self.reading.push_back(tokio::spawn(read(
                self.db.clone(),
                self.province.clone(),
                after,
                through,
            )));
            self.next_after = (through != i64::MAX).then_some(through);
        }
        let Some(reading) = self.reading.pop_front() else {
            return Ok(None);
        };
        let raw = reading
            .await
            .map_err(|e| DbErr::Custom(format!("读取考生的任务中断：{e}")))??;
        parse(&self.db, raw, plans).await.map(Some)
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

/// Reads the candidates of `province` with ids in `(after, through]` and their records.
async fn read(
    db: crate::Db,
    province: String,
    after: i64,
    through: i64,
) -> Result<RawChunk, RepoError> {
    let form_required = crate::graduation::offline_form_required(&province);
    // Each subquery walks the candidate's stretch of an index on candidate_id. The order in
    // which the candidates are folded does not matter: parsing sorts them.
    let sql = "SELECT group_concat(\
           c.id || char(29) || c.legal_block || char(29) \
           || ifnull((SELECT group_concat(e.major_id, char(30)) FROM enrolled_majors e \
                       WHERE e.candidate_id = c.id), '') \
           || char(29) \
           || ifnull((SELECT group_concat(s.course_code || char(31) || s.passed || char(31) \
                                          || s.source, char(30)) \
                        FROM score_records s WHERE s.candidate_id = c.id), ''), \
           char(28)) \
         FROM candidates c WHERE c.province = ? AND c.id > ? AND c.id <= ?";
    let range = [after.into(), through.into()];
    let candidates = match db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            [Value::from(province.as_str()), after.into(), through.into()],
        ))
        .await?
    {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    let mut exemptions = Vec::new();
    // Other provinces' candidates in the range are dropped when parsing.
    for row in db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT candidate_id, course_code, mode, form_file_key IS NOT NULL FROM exemptions \
             WHERE candidate_id > ? AND candidate_id <= ? ORDER BY candidate_id",
            range,
        ))
        .await?
    {
        exemptions.push(RawExemption {
            candidate_id: row.try_get_by_index(0)?,
            code: row.try_get_by_index(1)?,
            mode: row.try_get_by_index(2)?,
            form_present: row.try_get_by_index::<bool>(3)? || !form_required,
        });
    }
    Ok(RawChunk {
        after,
        through,
        candidates,
        exemptions,
    })
}

/// Interns a chunk as read, compiling the plans of majors met for the first time.
async fn parse(db: &crate::Db, raw: RawChunk, plans: &mut Plans) -> Result<Chunk, RepoError> {
    let mut chunk = Chunk {
        after: raw.after,
        through: raw.through,
        candidates: Vec::new(),
        majors: Vec::new(),
        scores: Vec::new(),
        exemptions: Vec::new(),
        rows_read: 0,
    };
    let folded = raw.candidates.unwrap_or_default();
    for candidate in folded.split(CANDIDATE).filter(|c| !c.is_empty()) {
        let mut fields = candidate.split(FIELD);
        let (Some(id), Some(legal_block), Some(majors), Some(scores)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(malformed(candidate));
        };
        let id: i64 = id.parse().map_err(|_| malformed(candidate))?;

        let start = chunk.majors.len();
        for m in majors.split(RECORD).filter(|m| !m.is_empty()) {
            let major = m.parse::<i64>().map_err(|_| malformed(candidate))?;
            // Compiled before the scores are parsed, so that every code that matters is interned.
            plans.ensure(db, major).await?;
            chunk.majors.push(major);
        }
        if let Some(mine) = chunk.majors.get_mut(start..) {
            mine.sort_unstable();
        }
        let majors = index(start)?..index(chunk.majors.len())?;

        let start = chunk.scores.len();
        for rec in scores.split(RECORD).filter(|r| !r.is_empty()) {
            chunk.rows_read += 1;
            let mut f = rec.split(UNIT);
            let (Some(code), Some(passed), Some(source)) = (f.next(), f.next(), f.next()) else {
                return Err(malformed(candidate));
            };
            // Unknown sources are left out exactly as `records_of` leaves them out.
            let (Some(code), Some(source)) = (plans.id(code), ScoreSource::from_code(source))
            else {
                continue;
            };
            chunk.scores.push(ScoreRow {
                code,
                passed: passed != "0",
                source,
            });
        }
        let scores = index(start)?..index(chunk.scores.len())?;

        chunk.candidates.push(Slot {
            id,
            legal_block: legal_block != "0",
            majors,
            scores,
            exemptions: 0..0,
        });
    }
    chunk.candidates.sort_unstable_by_key(|s| s.id);

    let mut pending = raw.exemptions.into_iter().peekable();
    for slot in &mut chunk.candidates {
        while pending.next_if(|e| e.candidate_id < slot.id).is_some() {}
        let start = chunk.exemptions.len();
        while let Some(e) = pending.next_if(|e| e.candidate_id == slot.id) {
            let (Some(code), Some(mode)) = (plans.id(&e.code), ExemptionMode::from_code(&e.mode))
            else {
                continue;
            };
            chunk.exemptions.push(ExemptionRow {
                code,
                mode,
                form_present: e.form_present,
            });
        }
        slot.exemptions = index(start)?..index(chunk.exemptions.len())?;
    }
    Ok(chunk)
}

/// A folded candidate that does not read back; only a change to the query could cause it.
fn malformed(candidate: &str) -> RepoError {
    let head: String = candidate.chars().take(40).collect();
    RepoError::Db(DbErr::Custom(format!(
        "批量审核读取的考生记录格式有误：{head}"
    )))
}

fn index(n: usize) -> Result<u32, RepoError> {
    u32::try_from(n).map_err(|_| RepoError::Invalid("一个批次块的记录过多".to_owned()))
}

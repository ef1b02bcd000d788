//! Reading a chunk row by row, on PostgreSQL and MySQL: the candidates in id order, then their
//! enrolled majors, score rows and exemptions, each streamed in candidate order and reduced to a
//! few bytes a row as it arrives, so a chunk costs memory in proportion to its size and never
//! the province's.

use std::ops::Range;

use domain::{ExemptionMode, ScoreSource};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, StreamTrait, Value};

use super::chunk::{Chunk, ExemptionRow, Filer, Plans, ScoreRow, Slot, statement};
use crate::repo::RepoError;

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
    chunk.rows_read = attach(
        conn,
        statement(
            backend,
            "SELECT candidate_id, course_code, passed, source FROM score_records \
             WHERE candidate_id > ? AND candidate_id <= ? ORDER BY candidate_id",
            range(),
        ),
        &mut chunk.candidates,
        |s| &mut s.scores,
        &mut chunk.scores,
        |row| {
            let candidate = row.try_get_by_index(0)?;
            let code: String = row.try_get_by_index(1)?;
            let source: String = row.try_get_by_index(3)?;
            // Unknown sources are left out exactly as `records_of` leaves them out.
            let (Some(code), Some(source)) = (plans_ref.id(&code), ScoreSource::from_code(&source))
            else {
                return Ok((candidate, None));
            };
            let passed = row.try_get_by_index(2)?;
            Ok((
                candidate,
                Some(ScoreRow {
                    code,
                    passed,
                    source,
                }),
            ))
        },
    )
    .await?;

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

/// Streams `sql` to its end, taking each row's four columns as [`chunk`] takes a score row's;
/// returns the rows.
pub(super) async fn scan(conn: &crate::Db, sql: &str) -> Result<u64, RepoError> {
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

//! Reading a chunk row by row, on PostgreSQL and MySQL: the candidates in id order, then their
//! enrolled majors, score rows and exemptions, each streamed in candidate order and reduced to a
//! few bytes a row as it arrives, so a chunk costs memory in proportion to its size and never
//! the province's. PostgreSQL sends the score rows, by far the most, as `COPY` text instead.

use std::ops::Range;

use domain::{ExemptionMode, ScoreSource};
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, StreamTrait, Value};

use super::chunk::{Chunk, ExemptionRow, Plans, ScoreRow, Slot, statement};
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

    chunk.rows_read = if backend == DbBackend::Postgres {
        copy_scores(conn, after, through, &mut chunk, plans).await?
    } else {
        let plans_ref = &*plans;
        attach(
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
                let passed = row.try_get_by_index(2)?;
                Ok((candidate, score_row(plans_ref, &code, passed, &source)))
            },
        )
        .await?
    };

    let plans_ref = &*plans;
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

/// Streams `stmt`, whose rows come in candidate order, and files each decoded item under its
/// candidate: one merge pass over the rows and the chunk's candidates. Rows of candidates not in
/// the chunk (other provinces' candidates within its id range) are dropped, and so are the ones
/// `decode` has no item for. Returns the rows that belong to the chunk's candidates.
async fn attach<T>(
    conn: &crate::Db,
    stmt: Statement,
    candidates: &mut [Slot],
    field: impl Fn(&mut Slot) -> &mut Range<u32>,
    out: &mut Vec<T>,
    mut decode: impl FnMut(&QueryResult) -> Result<(i64, Option<T>), DbErr>,
) -> Result<u64, RepoError> {
    let mut stream = conn.stream_raw(stmt).await?;
    let mut filer = Filer::default();
    while let Some(row) = stream.next().await {
        let (candidate, item) = decode(&row?)?;
        filer.file(candidates, &field, out, candidate, item)?;
    }
    Ok(filer.belonging)
}

/// The merge of rows in candidate order into a chunk's candidates (see [`attach`]).
#[derive(Default)]
struct Filer {
    /// The candidate the last row belonged to, or the first one after it.
    k: usize,
    /// Rows that belonged to the chunk's candidates so far.
    belonging: u64,
}

impl Filer {
    /// Files `item`, a row of `candidate`, under that candidate's `field` range of `out`.
    fn file<T>(
        &mut self,
        candidates: &mut [Slot],
        field: &impl Fn(&mut Slot) -> &mut Range<u32>,
        out: &mut Vec<T>,
        candidate: i64,
        item: Option<T>,
    ) -> Result<(), RepoError> {
        while candidates.get(self.k).is_some_and(|s| s.id < candidate) {
            self.k += 1;
        }
        let Some(slot) = candidates.get_mut(self.k).filter(|s| s.id == candidate) else {
            return Ok(());
        };
        self.belonging += 1;
        let Some(item) = item else {
            return Ok(());
        };
        let at = u32::try_from(out.len())
            .map_err(|_| RepoError::Invalid("一个批次块的记录过多".to_owned()))?;
        let range = field(slot);
        // A candidate's rows are contiguous, so a range only ever grows at its end.
        if range.end != at {
            range.start = at;
        }
        range.end = at + 1;
        out.push(item);
        Ok(())
    }
}

/// A score row as the audit holds it; `None` for a course in no compiled plan or an unknown
/// source, which `records_of` leaves out as well.
fn score_row(plans: &Plans, code: &str, passed: bool, source: &str) -> Option<ScoreRow> {
    Some(ScoreRow {
        code: plans.id(code)?,
        passed,
        source: ScoreSource::from_code(source)?,
    })
}

/// PostgreSQL: the chunk's score rows through `COPY … TO STDOUT` in its text format, which the
/// server writes and this parses without a value decoded or a string allocated per row; read as
/// rows, decoding them was about half of this process's time in an audit. Returns the rows of
/// the chunk's candidates.
async fn copy_scores(
    conn: &crate::Db,
    after: i64,
    through: i64,
    chunk: &mut Chunk,
    plans: &Plans,
) -> Result<u64, RepoError> {
    use sqlx::postgres::PgPoolCopyExt;
    let pool = conn.get_postgres_connection_pool();
    // Both bounds are integers formatted here, never text from outside; COPY takes no parameters.
    let sql = format!(
        "COPY (SELECT candidate_id, course_code, passed, source FROM score_records \
         WHERE candidate_id > '{after}'::int8 AND candidate_id <= '{through}'::int8 \
         ORDER BY candidate_id) TO STDOUT"
    );
    let copy_err = |e: sqlx::Error| RepoError::Db(DbErr::Custom(format!("COPY 读取成绩失败：{e}")));
    let mut stream = pool.copy_out_raw(&sql).await.map_err(copy_err)?;
    let mut filer = Filer::default();
    let mut pending: Vec<u8> = Vec::new();
    while let Some(bytes) = stream.next().await {
        let bytes = bytes.map_err(copy_err)?;
        pending.extend_from_slice(&bytes);
        let mut start = 0;
        while let Some(len) = pending[start..].iter().position(|&b| b == b'\n') {
            let line = &pending[start..start + len];
            start += len + 1;
            let (candidate, item) = score_line(plans, line)?;
            filer.file(
                &mut chunk.candidates,
                &|s| &mut s.scores,
                &mut chunk.scores,
                candidate,
                item,
            )?;
        }
        pending.drain(..start);
    }
    if !pending.is_empty() {
        return Err(bad_copy("最后一行不完整"));
    }
    Ok(filer.belonging)
}

/// One line of the COPY text: candidate id, course code, passed (`t`/`f`), source.
fn score_line(plans: &Plans, line: &[u8]) -> Result<(i64, Option<ScoreRow>), RepoError> {
    let mut fields = line.split(|&b| b == b'\t');
    let mut next = || {
        fields
            .next()
            .map(copy_text)
            .ok_or_else(|| bad_copy("列数不足"))
    };
    let candidate = next()?;
    let candidate: i64 = std::str::from_utf8(&candidate)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad_copy("考生编号不是整数"))?;
    let code = next()?;
    let passed = match &*next()? {
        b"t" => true,
        b"f" => false,
        _ => return Err(bad_copy("是否合格不是 t 或 f")),
    };
    let source = next()?;
    let (Ok(code), Ok(source)) = (std::str::from_utf8(&code), std::str::from_utf8(&source)) else {
        return Err(bad_copy("文本不是 UTF-8"));
    };
    Ok((candidate, score_row(plans, code, passed, source)))
}

/// A field of COPY's text format with its backslash escapes undone (`\N`, NULL, never occurs in
/// these NOT NULL columns and would read as the letter N).
fn copy_text(field: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if !field.contains(&b'\\') {
        return std::borrow::Cow::Borrowed(field);
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        i += 1;
        if b != b'\\' || i == field.len() {
            out.push(b);
            continue;
        }
        let e = field[i];
        i += 1;
        match e {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match field.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            b'x' if field.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u8;
                for _ in 0..2 {
                    match field.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d as u8;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(v);
            }
            other => out.push(other),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A COPY answer this reader does not understand: the server's text format changed under it.
fn bad_copy(what: &str) -> RepoError {
    RepoError::Db(DbErr::Custom(format!("COPY 成绩数据格式不符：{what}")))
}

#[cfg(test)]
mod tests {
    use super::copy_text;

    #[test]
    fn copy_text_undoes_the_escapes_of_postgresqls_text_format() {
        assert_eq!(&*copy_text(b"00015"), b"00015");
        assert_eq!(&*copy_text(b"a\\tb\\\\c"), b"a\tb\\c");
        assert_eq!(&*copy_text(b"\\n\\r\\b\\f\\v"), b"\n\r\x08\x0c\x0b");
        assert_eq!(&*copy_text(b"\\101\\x42\\7"), b"AB\x07");
        assert_eq!(&*copy_text(b"\\q"), b"q");
        assert_eq!(&*copy_text("考\\t试".as_bytes()), "考\t试".as_bytes());
    }
}

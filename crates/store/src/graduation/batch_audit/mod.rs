//! The batch eligibility audit of a graduation batch (毕业批次): every candidate of the batch's
//! province against each of their enrolled majors, with the compiled fast path.
//!
//! The province is read in chunks of consecutive candidate ids (from a SQLite file by blocking
//! threads of their own, several chunks at once; streamed row by row elsewhere);
//! each chunk is audited and its verdicts replace the previous ones for the same id range in one
//! transaction (multi-row INSERTs; `COPY` on PostgreSQL), written while the next chunk is read.
//! So memory stays flat however large the province is, other writers get their turn between
//! chunks, and a run that stops part-way leaves every range either as the old run or the new one
//! wrote it, with the run row unfinished.

mod chunk;
mod read_rows;
mod read_sqlite;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::graduation::{
    CompactExemption, CompactScore, CompactStanding, ConditionKey, Verdict, moral_state,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, Set, Value};

use crate::entity::{batch, batch_audit_run};
use crate::multirow::insert_rows;
use crate::repo::RepoError;

/// How the province is read: from a SQLite file by blocking threads over connections of their
/// own, as streamed rows elsewhere (and from an in-memory SQLite database, which no other
/// connection can open).
enum Reader {
    Sqlite(read_sqlite::Reader),
    Rows(read_rows::Reader),
}

/// Candidates per chunk: with one enrolled major and ~15 score rows each, about half a million
/// rows read and thirty thousand verdicts written per transaction.
const CHUNK_CANDIDATES: u32 = 32 * 1024;

/// Page cache of the connection writing a chunk, in KiB: room for the chunk's new index pages.
const SQLITE_CACHE_KIB: u32 = 64 * 1024;

const RESULT_COLUMNS: &[&str] = &[
    "batch_id",
    "candidate_id",
    "major_id",
    "eligible",
    "failing_mask",
    "audited_at",
];

/// What a run found, and how fast.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchAuditSummary {
    /// The `batch_audit_runs` row of this run.
    pub run_id: i64,
    /// The batch audited.
    pub batch_id: i64,
    /// Its province code.
    pub province: String,
    /// Candidates of the province read.
    pub candidates: u64,
    /// Verdicts written: one per candidate and enrolled major.
    pub results: u64,
    /// Score rows read.
    pub rows_audited: u64,
    /// Verdicts that found the candidate eligible.
    pub eligible: u64,
    /// Verdicts failing each condition, a to f.
    pub failing: [u64; 6],
    /// Wall-clock time of the whole run, writing included.
    pub elapsed: Duration,
}

impl BatchAuditSummary {
    /// Score rows read per second.
    pub fn rows_per_sec(&self) -> f64 {
        // Precision beyond 2^53 rows is irrelevant for a rate.
        #[allow(clippy::cast_precision_loss)]
        let rows = self.rows_audited as f64;
        rows / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }
}

/// How far a run has got, reported after every chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Candidates audited so far.
    pub candidates: u64,
    /// Verdicts written so far.
    pub results: u64,
    /// Score rows read so far.
    pub rows_audited: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    candidates: u64,
    results: u64,
    rows: u64,
    eligible: u64,
    failing: [u64; 6],
}

impl Tally {
    fn count(&mut self, v: Verdict) {
        self.results += 1;
        self.eligible += u64::from(v.eligible);
        for (n, key) in self.failing.iter_mut().zip(ConditionKey::ALL) {
            *n += u64::from(v.fails(key));
        }
    }
}

/// One verdict to write.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    candidate_id: i64,
    major_id: i64,
    verdict: Verdict,
}

/// Audits every candidate of batch `batch_id`'s province against each enrolled major and
/// replaces the batch's previous verdicts; `progress` hears after every chunk.
///
/// Conditions c, e and f come from the same sources as the candidate's self-check and the
/// application: [`moral_state`] of the province (or the commitment letter the application
/// holds, where the province has it uploaded there), the prior-education result stored on the
/// application, and the `legal_block` flag. `now` stamps the run and the verdicts.
pub async fn run(
    db: &crate::Db,
    batch_id: i64,
    now: DateTime<Utc>,
    progress: impl FnMut(&Progress),
) -> Result<BatchAuditSummary, RepoError> {
    run_in_chunks(db, batch_id, now, CHUNK_CANDIDATES, progress).await
}

/// [`run`] with `chunk_candidates` candidates per chunk (and so per transaction) instead of the
/// tuned default; tests use small chunks to cross many chunk boundaries.
pub async fn run_in_chunks(
    db: &crate::Db,
    batch_id: i64,
    now: DateTime<Utc>,
    chunk_candidates: u32,
    mut progress: impl FnMut(&Progress),
) -> Result<BatchAuditSummary, RepoError> {
    let chunk_candidates = chunk_candidates.max(1);
    let started = Instant::now();
    let batch = batch::Entity::find_by_id(batch_id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if batch.kind != "graduation" {
        return Err(RepoError::Invalid(format!(
            "批次“{}”不是毕业批次，不能进行毕业审核",
            batch.name
        )));
    }
    let province = batch
        .province
        .clone()
        .ok_or_else(|| RepoError::Invalid(format!("批次“{}”未指定省份", batch.name)))?;
    let run = batch_audit_run::ActiveModel {
        batch_id: Set(batch_id),
        started_at: Set(now),
        finished_at: Set(None),
        candidates: Set(0),
        results: Set(0),
        rows_audited: Set(0),
        eligible_count: Set(0),
        failing_a: Set(0),
        failing_b: Set(0),
        failing_c: Set(0),
        failing_d: Set(0),
        failing_e: Set(0),
        failing_f: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await?;

    // The province decides condition c for all its candidates until they apply; the batch's
    // applications carry what they settled.
    let moral_passed = moral_state(&province).is_ok();
    let settled = crate::graduation::settled_in_batch(db, batch_id).await?;
    let mut reader = reader_of(db, &province, chunk_candidates);
    let mut plans = chunk::Plans::default();
    let mut tally = Tally::default();
    let mut writing: Option<tokio::task::JoinHandle<Result<(), RepoError>>> = None;
    loop {
        let Some(chunk) = reader.next(&mut plans).await? else {
            break;
        };
        let outcomes = audit_chunk(&chunk, &mut plans, moral_passed, &settled, &mut tally);
        // One chunk is written while the next is read: the two share nothing but the pool.
        if let Some(previous) = writing.take() {
            finish(previous).await?;
        }
        writing = Some(tokio::spawn(write(
            db.clone(),
            batch_id,
            (chunk.after, chunk.through),
            outcomes,
            now,
        )));
        progress(&Progress {
            candidates: tally.candidates,
            results: tally.results,
            rows_audited: tally.rows,
            elapsed: started.elapsed(),
        });
    }
    if let Some(last) = writing {
        finish(last).await?;
    }

    let elapsed = started.elapsed();
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let [a, b, c, d, e, f] = tally.failing.map(count);
    batch_audit_run::ActiveModel {
        id: Set(run.id),
        finished_at: Set(Some(
            now + chrono::Duration::from_std(elapsed).unwrap_or_default(),
        )),
        candidates: Set(count(tally.candidates)),
        results: Set(count(tally.results)),
        rows_audited: Set(count(tally.rows)),
        eligible_count: Set(count(tally.eligible)),
        failing_a: Set(a),
        failing_b: Set(b),
        failing_c: Set(c),
        failing_d: Set(d),
        failing_e: Set(e),
        failing_f: Set(f),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(BatchAuditSummary {
        run_id: run.id,
        batch_id,
        province,
        candidates: tally.candidates,
        results: tally.results,
        rows_audited: tally.rows,
        eligible: tally.eligible,
        failing: tally.failing,
        elapsed,
    })
}

/// What a read of the province's score rows took, for the benchmark that compares the audit's
/// reading with a plain scan of the score table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadSummary {
    /// Score rows read.
    pub rows: u64,
    /// Wall-clock time of the read.
    pub elapsed: Duration,
}

/// Reads batch `batch_id`'s province exactly as [`run`] does, chunk by chunk with the same
/// readers, and neither audits nor writes anything.
pub async fn read_only(db: &crate::Db, batch_id: i64) -> Result<ReadSummary, RepoError> {
    let started = Instant::now();
    let batch = batch::Entity::find_by_id(batch_id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let province = batch
        .province
        .ok_or_else(|| RepoError::Invalid(format!("批次“{}”未指定省份", batch.name)))?;
    let mut reader = reader_of(db, &province, CHUNK_CANDIDATES);
    let mut plans = chunk::Plans::default();
    let mut rows = 0;
    while let Some(chunk) = reader.next(&mut plans).await? {
        rows += chunk.rows_read;
    }
    Ok(ReadSummary {
        rows,
        elapsed: started.elapsed(),
    })
}

/// Reads the columns the audit reads (candidate, course, passed, source) of every row of the
/// score table in the table's own order, one statement over one connection as the audit's
/// readers use them (on a SQLite file, on a blocking thread; on PostgreSQL through sqlx, the
/// texts borrowed from the row), decoding each row and keeping nothing: what the audit's reading
/// is measured against.
pub async fn plain_scan(db: &crate::Db) -> Result<ReadSummary, RepoError> {
    const SQL: &str = "SELECT candidate_id, course_code, passed, source FROM score_records";
    let started = Instant::now();
    let rows = match crate::reader::sqlite_file(db) {
        Some(file) => tokio::task::spawn_blocking(move || read_sqlite::scan(&file, SQL))
            .await
            .map_err(|e| DbErr::Custom(format!("读取成绩的任务中断：{e}")))??,
        None => read_rows::scan(db, SQL).await?,
    };
    Ok(ReadSummary {
        rows,
        elapsed: started.elapsed(),
    })
}

fn reader_of(db: &crate::Db, province: &str, chunk_candidates: u32) -> Reader {
    match crate::reader::sqlite_file(db) {
        Some(file) => Reader::Sqlite(read_sqlite::Reader::new(
            db,
            file,
            province,
            chunk_candidates,
        )),
        None => Reader::Rows(read_rows::Reader::new(db, province, chunk_candidates)),
    }
}

impl Reader {
    async fn next(&mut self, plans: &mut chunk::Plans) -> Result<Option<chunk::Chunk>, RepoError> {
        match self {
            Reader::Sqlite(r) => r.next(plans).await,
            Reader::Rows(r) => r.next(plans).await,
        }
    }
}

/// Checks every candidate of `chunk` against each enrolled major.
fn audit_chunk(
    chunk: &chunk::Chunk,
    plans: &mut chunk::Plans,
    moral_passed: bool,
    settled: &crate::graduation::Settled,
    tally: &mut Tally,
) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(chunk.candidates.len());
    // Reused for every candidate: the rows in one plan's interning.
    let mut rows: Vec<CompactScore> = Vec::new();
    let mut exemptions: Vec<CompactExemption> = Vec::new();
    let slice = |r: &std::ops::Range<u32>| r.start as usize..r.end as usize;
    for slot in &chunk.candidates {
        tally.candidates += 1;
        let standing = CompactStanding {
            moral_passed: moral_passed || settled.commitment_letter.contains(&slot.id),
            prior_education_verified: settled.prior_verified.contains(&slot.id),
            legally_blocked: slot.legal_block,
        };
        let majors = chunk.majors.get(slice(&slot.majors)).unwrap_or_default();
        let scores = chunk.scores.get(slice(&slot.scores)).unwrap_or_default();
        let exempted = chunk
            .exemptions
            .get(slice(&slot.exemptions))
            .unwrap_or_default();
        for &major_id in majors {
            // Compiled while reading the chunk; a plan missing here would be a bug in reading.
            let Some(plan) = plans.get(major_id) else {
                continue;
            };
            let local = |code: chunk::CodeId| {
                plan.local
                    .get(code as usize)
                    .copied()
                    .unwrap_or(domain::graduation::NOT_IN_PLAN)
            };
            rows.clear();
            rows.extend(scores.iter().map(|s| CompactScore {
                course: local(s.code),
                passed: s.passed,
                source: s.source,
            }));
            exemptions.clear();
            exemptions.extend(exempted.iter().map(|e| CompactExemption {
                course: local(e.code),
                mode: e.mode,
                form_present: e.form_present,
            }));
            let verdict = plan.compiled.check(&rows, &exemptions, standing);
            tally.count(verdict);
            outcomes.push(Outcome {
                candidate_id: slot.id,
                major_id,
                verdict,
            });
        }
    }
    tally.rows += chunk.rows_read;
    outcomes
}

/// Waits for a chunk's write.
async fn finish(writing: tokio::task::JoinHandle<Result<(), RepoError>>) -> Result<(), RepoError> {
    writing
        .await
        .map_err(|e| RepoError::Db(DbErr::Custom(format!("写入审核结果的任务中断：{e}"))))?
}

/// Replaces the verdicts of the candidate id range `(after, through]` in one transaction.
async fn write(
    db: crate::Db,
    batch_id: i64,
    (after, through): (i64, i64),
    outcomes: Vec<Outcome>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        return write_pg(&db, batch_id, (after, through), &outcomes, now).await;
    }
    let txn = crate::write::begin_write(&db).await?;
    if backend == DbBackend::Sqlite {
        // The chunk's new index pages outgrow SQLite's default 2 MiB cache, which would spill
        // them to the WAL and read them back for every insert.
        txn.execute_unprepared(&format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
            .await?;
    }
    txn.execute_raw(chunk::statement(
        backend,
        "DELETE FROM batch_audit_results \
         WHERE batch_id = ? AND candidate_id > ? AND candidate_id <= ?",
        vec![batch_id.into(), after.into(), through.into()],
    ))
    .await?;
    insert_rows(
        &txn,
        "batch_audit_results",
        RESULT_COLUMNS,
        outcomes,
        |o, v| {
            v.extend([
                Value::BigInt(Some(batch_id)),
                Value::BigInt(Some(o.candidate_id)),
                Value::BigInt(Some(o.major_id)),
                Value::Bool(Some(o.verdict.eligible)),
                Value::SmallInt(Some(i16::from(o.verdict.failing))),
                Value::ChronoDateTimeUtc(Some(now)),
            ]);
        },
    )
    .await?;
    if backend == DbBackend::Sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -2000").await?;
    }
    txn.commit().await?;
    Ok(())
}

/// [`write`] on PostgreSQL: the verdicts go in by `COPY`, which the server loads several times
/// faster than multi-row INSERTs of the same rows (no statement of tens of thousands of
/// parameters to parse and plan for every chunk), in one transaction with the DELETE.
async fn write_pg(
    db: &crate::Db,
    batch_id: i64,
    (after, through): (i64, i64),
    outcomes: &[Outcome],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    use std::io::Write;

    use crate::reader::query_err;

    let mut data = Vec::with_capacity(outcomes.len() * 48);
    let stamp = now.format("%Y-%m-%d %H:%M:%S%.6f+00");
    for o in outcomes {
        let eligible = if o.verdict.eligible { 't' } else { 'f' };
        writeln!(
            data,
            "{batch_id}\t{}\t{}\t{eligible}\t{}\t{stamp}",
            o.candidate_id, o.major_id, o.verdict.failing
        )
        .map_err(|e| DbErr::Custom(format!("审核结果：{e}")))?;
    }
    let mut txn = db
        .get_postgres_connection_pool()
        .begin()
        .await
        .map_err(query_err)?;
    sqlx::query(
        "DELETE FROM batch_audit_results \
         WHERE batch_id = $1 AND candidate_id > $2 AND candidate_id <= $3",
    )
    .bind(batch_id)
    .bind(after)
    .bind(through)
    .execute(&mut *txn)
    .await
    .map_err(query_err)?;
    let mut copy = txn
        .copy_in_raw(&format!(
            "COPY batch_audit_results ({}) FROM STDIN",
            RESULT_COLUMNS.join(", ")
        ))
        .await
        .map_err(query_err)?;
    if let Err(e) = copy.send(data).await {
        // The connection must leave the copy before it can roll the transaction back.
        let _ = copy.abort("审核结果未能写入").await;
        return Err(query_err(e).into());
    }
    copy.finish().await.map_err(query_err)?;
    txn.commit().await.map_err(query_err)?;
    Ok(())
}

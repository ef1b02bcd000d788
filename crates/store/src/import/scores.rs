//! 成绩 imports: one score record per row, keyed like `score_records`' unique index
//! (candidate, course, exam date, source).
//!
//! Built for a province's full score sheet: rows arrive in chunks; each chunk resolves its
//! admission numbers with one query, checks the database for duplicates with one more, and is
//! written with a few multi-row inserts.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use domain::ScoreSource;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Value,
};
use tabular::Table;

use super::report::ErrorLog;
use super::score_rows::{Columns, Key, Parsed, REQUIRED, Ready, SOURCE, parse};
use super::source::{Chunks, Item, optional, required};
use super::values::admission_key;
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::{candidate, course, score_record};
use crate::multirow::insert_rows;

/// Rows validated and written together.
const CHUNK_ROWS: usize = 5000;

/// Everything that lives for the whole file.
struct State {
    cols: Columns,
    today: NaiveDate,
    courses: HashSet<String>,
    /// Admission number → candidate id (`None`: not in the database), filled chunk by chunk.
    candidates: HashMap<u64, Option<i64>>,
    /// Keys seen so far, with the row that had them first.
    seen: HashMap<Key, u64>,
    errors: ErrorLog,
    /// The importer's tree path: candidates registered elsewhere count as unknown.
    scope: Option<String>,
}

/// Validates a score file chunk by chunk inside `txn`, writing while no error has been found.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let headers = table.headers();
    let [admission, course, score, date] = required(headers, REQUIRED)?;
    let cols = Columns {
        admission,
        course,
        score,
        date,
        source: optional(headers, SOURCE),
    };
    let courses = course::Entity::find()
        .select_only()
        .column(course::Column::Code)
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let mut state = State {
        cols,
        today: req.today(),
        courses,
        candidates: HashMap::new(),
        seen: HashMap::new(),
        errors: ErrorLog::default(),
        scope: req.scope.map(str::to_owned),
    };

    let (mut rows, mut imported) = (0u64, 0u64);
    let mut chunks = Chunks::start(table, CHUNK_ROWS);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        rows += chunk.len() as u64;
        let ready = check_chunk(txn, &mut state, chunk).await?;
        state.errors.flush_chunk();
        // After the first error the transaction is rolled back anyway; writing would be waste.
        if state.errors.is_clean() {
            imported += insert(txn, &ready, req).await?;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated: 0,
        errors: state.errors,
    })
}

async fn check_chunk(
    txn: &DatabaseTransaction,
    state: &mut State,
    chunk: Vec<Item>,
) -> Result<Vec<Ready>, ImportError> {
    let mut parsed = Vec::with_capacity(chunk.len());
    for item in chunk {
        match item {
            Item::Row(row) => parsed.push(parse(
                &row,
                &state.cols,
                &state.courses,
                state.today,
                &mut state.errors,
            )),
            Item::Unreadable { line, reason } => state.errors.push(line, "", "", reason),
        }
    }
    resolve_candidates(txn, state, &parsed).await?;

    let mut ready = Vec::with_capacity(parsed.len());
    for p in parsed {
        let Some(admission) = p.admission else {
            continue;
        };
        let Some(candidate) = state.candidates.get(&admission).copied().flatten() else {
            let header = &state.cols.admission.header;
            state.errors.push(
                p.line,
                header,
                format!("{admission:012}"),
                if state.scope.is_some() {
                    "准考证号不存在，或该考生不在本机构管辖范围内"
                } else {
                    "准考证号不存在"
                },
            );
            continue;
        };
        let (Some(course), Some(value), Some(date), Some(source)) =
            (p.course, p.value, p.date, p.source)
        else {
            continue;
        };
        let key = Key::new(candidate, &course, date, source);
        match state.seen.entry(key) {
            Entry::Occupied(first) => {
                let reason = format!(
                    "与第{}行重复（准考证号、课程代码、考试日期和来源均相同）",
                    first.get()
                );
                state
                    .errors
                    .push(p.line, &state.cols.course.header, course, reason);
            }
            Entry::Vacant(slot) => {
                slot.insert(p.line);
                ready.push(Ready {
                    line: p.line,
                    key,
                    course,
                    value,
                    date,
                    source,
                });
            }
        }
    }
    let existing = existing_keys(txn, &ready).await?;
    if existing.is_empty() {
        return Ok(ready);
    }
    let mut fresh = Vec::with_capacity(ready.len());
    for r in ready {
        if existing.contains(&r.key) {
            state.errors.push(
                r.line,
                &state.cols.course.header,
                r.course,
                "该成绩已存在（同一准考证号、课程代码、考试日期和来源）",
            );
        } else {
            fresh.push(r);
        }
    }
    Ok(fresh)
}

/// Looks up, in one query, the admission numbers of the chunk not seen in earlier chunks.
async fn resolve_candidates(
    txn: &DatabaseTransaction,
    state: &mut State,
    parsed: &[Parsed],
) -> Result<(), ImportError> {
    let mut wanted: Vec<u64> = parsed
        .iter()
        .filter_map(|p| p.admission)
        .filter(|a| !state.candidates.contains_key(a))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut query = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::AdmissionNo)
        .column(candidate::Column::Id)
        .filter(candidate::Column::AdmissionNo.is_in(wanted.iter().map(|a| format!("{a:012}"))));
    if let Some(scope) = &state.scope {
        query = query.filter(crate::repo::candidate::scope_condition_for_path(scope));
    }
    let found = query.into_tuple::<(String, i64)>().all(txn).await?;
    for a in wanted {
        state.candidates.insert(a, None);
    }
    for (no, id) in found {
        state.candidates.insert(admission_key(&no), Some(id));
    }
    Ok(())
}

/// Keys of `ready` already in the database: one query narrowed by candidates, courses and the
/// date range of the chunk; the exact match is done here because row-value `IN` lists are not
/// portable to SQLite.
async fn existing_keys<C: ConnectionTrait>(
    conn: &C,
    ready: &[Ready],
) -> Result<HashSet<Key>, ImportError> {
    let (Some(min), Some(max)) = (
        ready.iter().map(|r| r.date).min(),
        ready.iter().map(|r| r.date).max(),
    ) else {
        return Ok(HashSet::new());
    };
    let mut ids: Vec<i64> = ready.iter().map(|r| r.key.candidate).collect();
    ids.sort_unstable();
    ids.dedup();
    let codes: HashSet<&str> = ready.iter().map(|r| r.course.as_str()).collect();
    let rows = score_record::Entity::find()
        .select_only()
        .column(score_record::Column::CandidateId)
        .column(score_record::Column::CourseCode)
        .column(score_record::Column::ExamDate)
        .column(score_record::Column::Source)
        .filter(score_record::Column::CandidateId.is_in(ids))
        .filter(score_record::Column::CourseCode.is_in(codes))
        .filter(score_record::Column::ExamDate.between(min, max))
        .into_tuple::<(i64, String, NaiveDate, String)>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(candidate, code, date, source)| {
            let source = ScoreSource::from_code(&source)?;
            Some(Key::new(
                candidate,
                &code.to_ascii_uppercase(),
                date,
                source,
            ))
        })
        .collect())
}

async fn insert(
    txn: &DatabaseTransaction,
    ready: &[Ready],
    req: &ImportRequest<'_>,
) -> Result<u64, ImportError> {
    // Plain values into multi-row statements whose texts are built once per size: building an
    // active model and its statement for each row was several per cent of the import in the
    // profile.
    insert_rows(
        txn,
        "score_records",
        score_record::WRITTEN_COLUMNS,
        ready.iter(),
        |r, v| {
            let (tenths, passed) = r.value.to_db();
            v.extend([
                Value::BigInt(Some(r.key.candidate)),
                Value::String(Some(r.course.clone())),
                Value::Int(tenths),
                Value::Bool(Some(passed)),
                Value::ChronoDate(Some(r.date)),
                Value::String(Some(r.source.code().to_owned())),
                Value::ChronoDateTimeUtc(Some(req.now)),
            ]);
        },
    )
    .await?;
    Ok(ready.len() as u64)
}

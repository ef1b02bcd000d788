//! 考生 imports: one candidate per row, registered at an organisation named by its code.
//!
//! Imported candidates cannot sign in until a password is set: hashing a password per row
//! with argon2 would make a province-wide import take hours.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use domain::{OrgKind, Province};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};
use tabular::Table;

use super::candidate_rows::{Columns, OPTIONAL, Org, REQUIRED, parse};
use super::report::ErrorLog;
use super::source::{Chunks, Item, optional, required};
use super::values::admission_key;
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::{candidate, organisation};
use crate::repo::candidate::NewCandidate;

/// Rows validated and written together.
const CHUNK_ROWS: usize = 5000;
/// Rows per INSERT: 16 columns × 1,000 = 16,000 bound values, under SQLite's limit of 32,766.
const INSERT_ROWS: usize = 1000;
/// The password hash of an imported account: no argon2 hash equals it, so nobody can sign in
/// with any password until one is set.
const NO_PASSWORD: &str = "!";

struct State {
    cols: Columns,
    today: NaiveDate,
    /// Organisations by lowercased code: a few hundred rows, loaded once.
    orgs: HashMap<String, Org>,
    /// Admission numbers seen so far, with the row that had them first.
    seen: HashMap<u64, u64>,
    errors: ErrorLog,
}

/// Validates a candidate file chunk by chunk inside `txn`, writing while no error has been found.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let headers = table.headers();
    let [admission, name, id_card, kind, org] = required(headers, REQUIRED)?;
    let [ethnicity, political, phone, address] = OPTIONAL.map(|s| optional(headers, s));
    let cols = Columns {
        admission,
        name,
        id_card,
        kind,
        org,
        ethnicity,
        political,
        phone,
        address,
    };
    let orgs = organisation::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|o| {
            let org = Org {
                id: o.id,
                kind: OrgKind::from_code(&o.kind),
                province: o.province.as_deref().and_then(Province::from_code),
                in_scope: req.in_scope(&o.path),
                name: o.name,
                code: o.code,
            };
            (org.code.to_lowercase(), org)
        })
        .collect();
    let mut state = State {
        cols,
        today: req.today(),
        orgs,
        seen: HashMap::new(),
        errors: ErrorLog::default(),
    };

    let (mut rows, mut imported) = (0u64, 0u64);
    let mut chunks = Chunks::start(table, CHUNK_ROWS);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        rows += chunk.len() as u64;
        let ready = check_chunk(txn, &mut state, chunk).await?;
        state.errors.flush_chunk();
        if state.errors.is_clean() {
            imported += ready.len() as u64;
            for batch in ready.chunks(INSERT_ROWS) {
                let models = batch
                    .iter()
                    .map(|(_, c)| c.clone().into_active(NO_PASSWORD.to_owned(), req.now));
                candidate::Entity::insert_many(models)
                    .exec_without_returning(txn)
                    .await?;
            }
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated: 0,
        errors: state.errors,
    })
}

/// Validates a chunk; returns the candidates to write with their row numbers.
async fn check_chunk(
    txn: &DatabaseTransaction,
    state: &mut State,
    chunk: Vec<Item>,
) -> Result<Vec<(u64, NewCandidate)>, ImportError> {
    let mut parsed = Vec::with_capacity(chunk.len());
    for item in chunk {
        let line = item.line();
        match item {
            Item::Row(row) => {
                let (admission, new) = parse(
                    &row,
                    &state.cols,
                    &state.orgs,
                    state.today,
                    &mut state.errors,
                );
                let Some(admission) = admission else {
                    continue;
                };
                let key = admission_key(admission.as_str());
                match state.seen.entry(key) {
                    Entry::Occupied(first) => {
                        let reason = format!("与第{}行重复", first.get());
                        let header = &state.cols.admission.header;
                        state.errors.push(line, header, admission.as_str(), reason);
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(line);
                        parsed.push((line, admission, new));
                    }
                }
            }
            Item::Unreadable { line, reason } => state.errors.push(line, "", "", reason),
        }
    }
    if parsed.is_empty() {
        return Ok(Vec::new());
    }

    let existing: Vec<String> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::AdmissionNo)
        .filter(candidate::Column::AdmissionNo.is_in(parsed.iter().map(|(_, a, _)| a.as_str())))
        .into_tuple::<String>()
        .all(txn)
        .await?;
    let existing: std::collections::HashSet<String> = existing.into_iter().collect();
    let mut ready = Vec::with_capacity(parsed.len());
    for (line, admission, new) in parsed {
        if existing.contains(admission.as_str()) {
            let header = &state.cols.admission.header;
            state
                .errors
                .push(line, header, admission.as_str(), "准考证号已存在");
        } else if let Some(new) = new {
            ready.push((line, new));
        }
    }
    Ok(ready)
}

//! 免考 imports: the offline exemptions the office granted at its counter, one per row
//! (准考证号, 课程代码, 免考依据, 办理日期). Importing the same candidate and course again updates
//! the exemption; an exemption granted online is not turned into an offline one.

use std::collections::{HashMap, HashSet};

use domain::{AdmissionNo, ExemptionMode, validate_course_code};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};
use tabular::Table;

use super::report::ErrorLog;
use super::source::{Chunks, ColumnSpec, Item, required};
use super::values::parse_exam_date;
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::{candidate, course, exemption};
use crate::exemptions::{self, Recorded, validate_basis};
use crate::repo::audit;

const REQUIRED: [ColumnSpec; 4] = [
    ColumnSpec::new("准考证号", "admission_no"),
    ColumnSpec::new("课程代码", "course_code"),
    ColumnSpec::new("免考依据", "basis"),
    ColumnSpec::new("办理日期", "approved_on"),
];

/// Exemption files are a district's counter work, not a province's score sheet: small chunks do.
const CHUNK_ROWS: usize = 1000;

/// A row whose cells all parsed.
struct Parsed {
    line: u64,
    admission: String,
    course: String,
    basis: String,
    date: chrono::NaiveDate,
}

/// Validates an exemption file inside `txn`, writing while no error has been found.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let [admission_col, course_col, basis_col, date_col] = required(table.headers(), REQUIRED)?;
    let courses: HashSet<String> = course::Entity::find()
        .select_only()
        .column(course::Column::Code)
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let today = req.today();
    let mut errors = ErrorLog::default();
    let mut seen: HashMap<(i64, String), u64> = HashMap::new();
    let (mut rows, mut imported, mut updated) = (0u64, 0u64, 0u64);
    let mut chunks = Chunks::start(table, CHUNK_ROWS);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        rows += chunk.len() as u64;
        let mut parsed = Vec::with_capacity(chunk.len());
        for item in chunk {
            let row = match item {
                Item::Row(row) => row,
                Item::Unreadable { line, reason } => {
                    errors.push(line, "", "", reason);
                    continue;
                }
            };
            let line = row.line;
            let admission = AdmissionNo::parse(admission_col.cell(&row))
                .map(|n| n.as_str().to_owned())
                .map_err(|e| {
                    errors.push(line, &admission_col.header, admission_col.cell(&row), e.0)
                })
                .ok();
            let course = match validate_course_code(course_col.cell(&row)) {
                Ok(code) if courses.contains(&code) => Some(code),
                Ok(code) => {
                    errors.push(
                        line,
                        &course_col.header,
                        course_col.cell(&row),
                        format!("课程代码不存在：{code}"),
                    );
                    None
                }
                Err(e) => {
                    errors.push(line, &course_col.header, course_col.cell(&row), e.0);
                    None
                }
            };
            let basis = validate_basis(basis_col.cell(&row))
                .map_err(|reason| {
                    let shown: String = basis_col.cell(&row).chars().take(120).collect();
                    errors.push(line, &basis_col.header, shown, reason);
                })
                .ok();
            // The shared date parser speaks of exam dates; this column is the day it was granted.
            let date = parse_exam_date(date_col.cell(&row), today)
                .map_err(|reason| {
                    errors.push(
                        line,
                        &date_col.header,
                        date_col.cell(&row),
                        reason.replace("考试日期", "办理日期"),
                    );
                })
                .ok();
            if let (Some(admission), Some(course), Some(basis), Some(date)) =
                (admission, course, basis, date)
            {
                parsed.push(Parsed {
                    line,
                    admission,
                    course,
                    basis,
                    date,
                });
            }
        }
        let ids = candidates_of(txn, req, &parsed).await?;
        let mut ready = Vec::with_capacity(parsed.len());
        for p in parsed {
            let Some(&id) = ids.get(&p.admission) else {
                errors.push(
                    p.line,
                    &admission_col.header,
                    &p.admission,
                    if req.scope.is_some() {
                        "准考证号不存在，或该考生不在本机构管辖范围内"
                    } else {
                        "准考证号不存在"
                    },
                );
                continue;
            };
            if let Some(first) = seen.get(&(id, p.course.clone())) {
                errors.push(
                    p.line,
                    &course_col.header,
                    &p.course,
                    format!("与第{first}行重复（同一准考证号和课程代码）"),
                );
                continue;
            }
            seen.insert((id, p.course.clone()), p.line);
            ready.push((id, p));
        }
        let online = online_exemptions(txn, &ready).await?;
        for (id, p) in &ready {
            if online.contains(&(*id, p.course.clone())) {
                errors.push(
                    p.line,
                    &course_col.header,
                    &p.course,
                    "该课程已线上办理免考，不能再以线下免考导入",
                );
            }
        }
        errors.flush_chunk();
        if !errors.is_clean() {
            continue;
        }
        for (id, p) in ready {
            let recorded = exemptions::record(
                txn,
                id,
                &p.course,
                ExemptionMode::Offline,
                p.date,
                &p.basis,
                req.now,
            )
            .await
            .map_err(|e| match e {
                crate::repo::RepoError::Db(db) => ImportError::Db(db),
                other => ImportError::Refused(other.to_string()),
            })?;
            if matches!(recorded, Recorded::Updated(_)) {
                updated += 1;
            }
            imported += 1;
            audit::record(
                txn,
                req.now,
                req.actor,
                "exemption.imported",
                ("exemption", Some(recorded.id())),
                &format!(
                    "{} {} 线下免考 {} 依据：{}",
                    p.admission, p.course, p.date, p.basis
                ),
                req.ip,
            )
            .await?;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated,
        errors,
    })
}

/// Admission number → candidate id for the chunk's rows, within the importer's scope.
async fn candidates_of(
    txn: &DatabaseTransaction,
    req: &ImportRequest<'_>,
    parsed: &[Parsed],
) -> Result<HashMap<String, i64>, ImportError> {
    let mut wanted: Vec<&str> = parsed.iter().map(|p| p.admission.as_str()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut query = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::AdmissionNo)
        .column(candidate::Column::Id)
        .filter(candidate::Column::AdmissionNo.is_in(wanted));
    if let Some(scope) = req.scope {
        query = query.filter(crate::repo::candidate::scope_condition_for_path(scope));
    }
    Ok(query
        .into_tuple::<(String, i64)>()
        .all(txn)
        .await?
        .into_iter()
        .collect())
}

/// The (candidate, course) pairs among `ready` already exempted online.
async fn online_exemptions(
    txn: &DatabaseTransaction,
    ready: &[(i64, Parsed)],
) -> Result<HashSet<(i64, String)>, ImportError> {
    let ids: Vec<i64> = ready.iter().map(|(id, _)| *id).collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(exemption::Entity::find()
        .select_only()
        .column(exemption::Column::CandidateId)
        .column(exemption::Column::CourseCode)
        .filter(exemption::Column::CandidateId.is_in(ids))
        .filter(exemption::Column::Mode.eq(ExemptionMode::Online.code()))
        .into_tuple::<(i64, String)>()
        .all(txn)
        .await?
        .into_iter()
        .collect())
}

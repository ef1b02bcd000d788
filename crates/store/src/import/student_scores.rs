//! 学生成绩 imports: one course result of a continuing-education student per row.
//!
//! A student holds one result per course (the `student_scores` unique index), which is what the
//! degree conditions average: a row for a course the student already has a result in replaces
//! that result and its date, so a corrected sheet is simply imported again. The course must be in
//! the plan of the student's major (or stand for one of its courses as a 可替换课程), since only
//! plan courses count towards the degree.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use domain::ScoreValue;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set};
use tabular::Table;

use super::report::ErrorLog;
use super::source::{Chunks, Item, required};
use super::student_score_rows::{Columns, Parsed, REQUIRED, parse};
use super::students::school_of;
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::{course, major, plan_course, plan_substitution, student, student_score};

/// Rows validated and written together.
const CHUNK_ROWS: usize = 5000;
/// Rows per INSERT: 5 columns × 2,500 = 12,500 bound values, under SQLite's limit of 32,766.
const INSERT_ROWS: usize = 2500;

/// The courses a major's students may hold results in.
struct Plan {
    code: String,
    name: String,
    courses: HashSet<String>,
}

/// A row ready to be written.
struct Ready {
    student: i64,
    course: String,
    value: ScoreValue,
    date: NaiveDate,
}

struct State {
    cols: Columns,
    today: NaiveDate,
    courses: HashSet<String>,
    /// Only this school's students, when the request names one.
    school: Option<i64>,
    /// Lowercased 学号 → (student id, major id); `None`: not found.
    students: HashMap<String, Option<(i64, i64)>>,
    plans: HashMap<i64, Plan>,
    /// (student, course) seen so far, with the row that had it first.
    seen: HashMap<(i64, String), u64>,
    errors: ErrorLog,
}

/// Validates a student score file chunk by chunk inside `txn`, writing while no error has been found.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    // The staff page always names the importer's school; the command line may leave it open.
    let school = match req.school {
        Some(_) => Some(school_of(txn, req).await?.id),
        None => None,
    };
    let [student_no, course, score, date] = required(table.headers(), REQUIRED)?;
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
        cols: Columns {
            student_no,
            course,
            score,
            date,
        },
        today: req.today(),
        courses,
        school,
        students: HashMap::new(),
        plans: HashMap::new(),
        seen: HashMap::new(),
        errors: ErrorLog::default(),
    };

    let (mut rows, mut imported, mut updated) = (0u64, 0u64, 0u64);
    let mut chunks = Chunks::start(table, CHUNK_ROWS);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        rows += chunk.len() as u64;
        let ready = check_chunk(txn, &mut state, chunk).await?;
        state.errors.flush_chunk();
        if state.errors.is_clean() && !ready.is_empty() {
            imported += ready.len() as u64;
            updated += already_held(txn, &ready).await?;
            write(txn, &ready).await?;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated,
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
    resolve_students(txn, state, &parsed).await?;
    load_plans(txn, state).await?;

    let mut ready = Vec::with_capacity(parsed.len());
    for p in parsed {
        let Some(no) = p.student_no else {
            continue;
        };
        let Some((student, major)) = state
            .students
            .get(&no.as_str().to_ascii_lowercase())
            .copied()
            .flatten()
        else {
            let reason = if state.school.is_some() {
                "学号不存在，或该学生不属于本学院"
            } else {
                "学号不存在"
            };
            let header = &state.cols.student_no.header;
            state.errors.push(p.line, header, no.as_str(), reason);
            continue;
        };
        let (Some(course), Some(value), Some(date)) = (p.course, p.value, p.date) else {
            continue;
        };
        let header = &state.cols.course.header;
        if let Some(plan) = state.plans.get(&major)
            && !plan.courses.contains(&course)
        {
            let reason = format!(
                "课程{course}不在该学生所学专业“{}”（{}）的教学计划中，也不是其中课程的可替换课程",
                plan.name, plan.code
            );
            state.errors.push(p.line, header, course, reason);
            continue;
        }
        match state.seen.entry((student, course.clone())) {
            Entry::Occupied(first) => {
                let reason = format!(
                    "与第{}行重复：每名学生每门课程只记一个成绩（学号和课程代码均相同）",
                    first.get()
                );
                state.errors.push(p.line, header, course, reason);
            }
            Entry::Vacant(slot) => {
                slot.insert(p.line);
                ready.push(Ready {
                    student,
                    course,
                    value,
                    date,
                });
            }
        }
    }
    Ok(ready)
}

/// Looks up, in one query, the 学号 of the chunk not seen in earlier chunks.
async fn resolve_students(
    txn: &DatabaseTransaction,
    state: &mut State,
    parsed: &[Parsed],
) -> Result<(), ImportError> {
    let mut wanted: Vec<&str> = parsed
        .iter()
        .filter_map(|p| p.student_no.as_ref().map(|n| n.as_str()))
        .filter(|n| !state.students.contains_key(&n.to_ascii_lowercase()))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut query = student::Entity::find()
        .select_only()
        .column(student::Column::StudentNo)
        .column(student::Column::Id)
        .column(student::Column::MajorId)
        .filter(student::Column::StudentNo.is_in(wanted.iter().copied()));
    if let Some(school) = state.school {
        query = query.filter(student::Column::SchoolOrgId.eq(school));
    }
    let found = query.into_tuple::<(String, i64, i64)>().all(txn).await?;
    for no in wanted {
        state.students.insert(no.to_ascii_lowercase(), None);
    }
    for (no, id, major) in found {
        state
            .students
            .insert(no.to_ascii_lowercase(), Some((id, major)));
    }
    Ok(())
}

/// Loads the plans (courses and their substitutes) of majors not loaded yet.
async fn load_plans(txn: &DatabaseTransaction, state: &mut State) -> Result<(), ImportError> {
    let mut wanted: Vec<i64> = state
        .students
        .values()
        .flatten()
        .map(|(_, major)| *major)
        .filter(|m| !state.plans.contains_key(m))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    for m in major::Entity::find()
        .filter(major::Column::Id.is_in(wanted.iter().copied()))
        .all(txn)
        .await?
    {
        state.plans.insert(
            m.id,
            Plan {
                code: m.code,
                name: m.name,
                courses: HashSet::new(),
            },
        );
    }
    let listed = plan_course::Entity::find()
        .select_only()
        .column(plan_course::Column::MajorId)
        .column(plan_course::Column::CourseCode)
        .filter(plan_course::Column::MajorId.is_in(wanted.iter().copied()))
        .into_tuple::<(i64, String)>()
        .all(txn)
        .await?;
    let substitutes = plan_substitution::Entity::find()
        .select_only()
        .column(plan_substitution::Column::MajorId)
        .column(plan_substitution::Column::SubstituteCode)
        .filter(plan_substitution::Column::MajorId.is_in(wanted))
        .into_tuple::<(i64, String)>()
        .all(txn)
        .await?;
    for (major, code) in listed.into_iter().chain(substitutes) {
        if let Some(plan) = state.plans.get_mut(&major) {
            plan.courses.insert(code.to_ascii_uppercase());
        }
    }
    Ok(())
}

/// How many of `ready` replace a result the student already holds.
async fn already_held(txn: &DatabaseTransaction, ready: &[Ready]) -> Result<u64, ImportError> {
    let mut ids: Vec<i64> = ready.iter().map(|r| r.student).collect();
    ids.sort_unstable();
    ids.dedup();
    let held: HashSet<(i64, String)> = student_score::Entity::find()
        .select_only()
        .column(student_score::Column::StudentId)
        .column(student_score::Column::CourseCode)
        .filter(student_score::Column::StudentId.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(txn)
        .await?
        .into_iter()
        .map(|(s, c)| (s, c.to_ascii_uppercase()))
        .collect();
    Ok(ready
        .iter()
        .filter(|r| held.contains(&(r.student, r.course.clone())))
        .count() as u64)
}

async fn write(txn: &DatabaseTransaction, ready: &[Ready]) -> Result<(), ImportError> {
    for batch in ready.chunks(INSERT_ROWS) {
        let models = batch.iter().map(|r| {
            let (tenths, passed) = r.value.to_db();
            student_score::ActiveModel {
                student_id: Set(r.student),
                course_code: Set(r.course.clone()),
                score_tenths: Set(tenths),
                passed: Set(passed),
                exam_date: Set(r.date),
                ..Default::default()
            }
        });
        student_score::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([
                    student_score::Column::StudentId,
                    student_score::Column::CourseCode,
                ])
                .update_columns([
                    student_score::Column::ScoreTenths,
                    student_score::Column::Passed,
                    student_score::Column::ExamDate,
                ])
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

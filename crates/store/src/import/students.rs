//! 学生 imports: one continuing-education student of the importing school per row, following a
//! major of the school's own plans.
//!
//! A 学号 already registered at the school is updated, not added again: the register is the
//! school's, and a corrected sheet is imported as a whole. What belongs to the student rather than
//! to the register is never touched by a re-import: the password (an imported student has none
//! and activates at /student/activate), the phone (the one confirmed at activation, used for
//! 找回密码) and, once the account is activated, the 身份证号 that proved who activated it.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use domain::OrgKind;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use tabular::Table;

use super::report::{ErrorLog, mask_id_card};
use super::source::{Chunks, Item, optional, required};
use super::student_rows::{Columns, OPTIONAL, REQUIRED, SchoolMajors, StudentLine, parse};
use super::{ImportError, ImportRequest, Outcome};
use crate::accounts::NO_PASSWORD;
use crate::entity::{major, organisation, student};

/// Rows validated and written together.
const CHUNK_ROWS: usize = 2000;
/// Rows per INSERT: 20 columns × 1,000 = 20,000 bound values, under SQLite's limit of 32,766.
const INSERT_ROWS: usize = 1000;
/// What a new student is registered with when the file leaves the cell empty.
const DEFAULT_ETHNICITY: &str = "汉族";
const DEFAULT_POLITICAL_STATUS: &str = "群众";

struct State {
    cols: Columns,
    today: NaiveDate,
    school: organisation::Model,
    majors: SchoolMajors,
    /// Lowercased 学号 seen so far (MySQL compares them without case), with their first row.
    seen: HashMap<String, u64>,
    errors: ErrorLog,
}

/// The school of continuing education the request names, refused when it is none.
pub(super) async fn school_of(
    txn: &DatabaseTransaction,
    req: &ImportRequest<'_>,
) -> Result<organisation::Model, ImportError> {
    let what = req.kind.label();
    let id = req.school.ok_or_else(|| {
        ImportError::Refused(format!(
            "导入{what}须指定学生所属的继续教育学院（命令行用 --school 机构代码或名称）"
        ))
    })?;
    let org = organisation::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| ImportError::Refused(format!("导入{what}所指定的机构不存在")))?;
    let kind = OrgKind::from_code(&org.kind);
    if kind != Some(OrgKind::ContinuingEdSchool) {
        let is = kind.map_or("该类机构", |k| k.label());
        return Err(ImportError::Refused(format!(
            "“{}”（{}）是{is}，{what}只能导入到继续教育学院",
            org.name, org.code
        )));
    }
    if !req.in_scope(&org.path) {
        return Err(ImportError::Refused(format!(
            "“{}”（{}）不在本机构管辖范围内，不能为其导入{what}",
            org.name, org.code
        )));
    }
    Ok(org)
}

/// Validates a student file chunk by chunk inside `txn`, writing while no error has been found.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let school = school_of(txn, req).await?;
    let headers = table.headers();
    let [student_no, name, id_card, level, major, grade, status] = required(headers, REQUIRED)?;
    let [
        centre,
        exam_reg_no,
        entry_month,
        ethnicity,
        political,
        phone,
    ] = OPTIONAL.map(|s| optional(headers, s));
    let cols = Columns {
        student_no,
        name,
        id_card,
        level,
        major,
        grade,
        status,
        centre,
        exam_reg_no,
        entry_month,
        ethnicity,
        political,
        phone,
    };
    let majors = major::Entity::find()
        .filter(major::Column::ChiefUniversityId.eq(school.id))
        .all(txn)
        .await?;
    let mut state = State {
        cols,
        today: req.today(),
        school,
        majors: SchoolMajors::new(majors),
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
        // After the first error the transaction is rolled back anyway; writing would be waste.
        if state.errors.is_clean() {
            imported += ready.len() as u64;
            updated += ready.iter().filter(|(_, was)| was.is_some()).count() as u64;
            write(txn, &ready, &state.school, req).await?;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated,
        errors: state.errors,
    })
}

/// Validates a chunk; returns the students to write, each with its record when already there.
async fn check_chunk(
    txn: &DatabaseTransaction,
    state: &mut State,
    chunk: Vec<Item>,
) -> Result<Vec<(StudentLine, Option<student::Model>)>, ImportError> {
    let mut parsed = Vec::with_capacity(chunk.len());
    for item in chunk {
        let line = item.line();
        match item {
            Item::Row(row) => {
                let (no, new) = parse(
                    &row,
                    &state.cols,
                    &state.majors,
                    state.today,
                    &mut state.errors,
                );
                let Some(no) = no else {
                    continue;
                };
                match state.seen.entry(no.as_str().to_ascii_lowercase()) {
                    Entry::Occupied(first) => {
                        let reason =
                            format!("与第{}行重复：同一学号在文件中只能出现一次", first.get());
                        let header = &state.cols.student_no.header;
                        state.errors.push(line, header, no.as_str(), reason);
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(line);
                        parsed.extend(new);
                    }
                }
            }
            Item::Unreadable { line, reason } => state.errors.push(line, "", "", reason),
        }
    }
    if parsed.is_empty() {
        return Ok(Vec::new());
    }

    let existing: HashMap<String, student::Model> = student::Entity::find()
        .filter(student::Column::StudentNo.is_in(parsed.iter().map(|p| p.student_no.as_str())))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.student_no.to_ascii_lowercase(), s))
        .collect();
    let mut ready = Vec::with_capacity(parsed.len());
    for new in parsed {
        let was = existing.get(&new.student_no.as_str().to_ascii_lowercase());
        if let Some(was) = was
            && was.school_org_id != state.school.id
        {
            state.errors.push(
                new.line,
                &state.cols.student_no.header,
                new.student_no.as_str(),
                "该学号已登记为其他学校的学生，不能导入到本学院",
            );
        } else if let Some(was) = was
            && was.password_hash != NO_PASSWORD
            && !was.id_card_no.eq_ignore_ascii_case(new.id_card.as_str())
        {
            state.errors.push(
                new.line,
                &state.cols.id_card.header,
                mask_id_card(new.id_card.as_str()),
                format!(
                    "学号{}的账号已由身份证号为{}的学生激活，导入不能更换已激活账号的身份证号",
                    new.student_no.as_str(),
                    mask_id_card(&was.id_card_no)
                ),
            );
        } else {
            ready.push((new, was.cloned()));
        }
    }
    Ok(ready)
}

/// Inserts the new students and updates the registered ones, a statement per thousand rows.
async fn write(
    txn: &DatabaseTransaction,
    ready: &[(StudentLine, Option<student::Model>)],
    school: &organisation::Model,
    req: &ImportRequest<'_>,
) -> Result<(), ImportError> {
    for batch in ready.chunks(INSERT_ROWS) {
        let models = batch.iter().map(|(s, was)| {
            // An empty optional cell keeps what the register holds, or gives a new student the
            // default.
            let keep = |given: &Option<String>, old: Option<&String>, default: &str| {
                given
                    .clone()
                    .or_else(|| old.cloned())
                    .unwrap_or_else(|| default.to_owned())
            };
            let was = was.as_ref();
            student::ActiveModel {
                student_no: Set(s.student_no.as_str().to_owned()),
                exam_reg_no: Set(keep(&s.exam_reg_no, was.map(|w| &w.exam_reg_no), "")),
                name: Set(s.name.clone()),
                id_card_no: Set(s.id_card.as_str().to_owned()),
                gender: Set(s.id_card.gender().code().to_owned()),
                birth_date: Set(s.id_card.birth_date()),
                ethnicity: Set(keep(
                    &s.ethnicity,
                    was.map(|w| &w.ethnicity),
                    DEFAULT_ETHNICITY,
                )),
                political_status: Set(keep(
                    &s.political,
                    was.map(|w| &w.political_status),
                    DEFAULT_POLITICAL_STATUS,
                )),
                phone: Set(s.phone.clone()),
                study_level: Set(s.level.label().to_owned()),
                major_id: Set(s.major_id),
                grade: Set(s.grade.label()),
                enrolment_status: Set(s.status.label().to_owned()),
                learning_centre: Set(keep(
                    &s.centre,
                    was.map(|w| &w.learning_centre),
                    &school.name,
                )),
                school_org_id: Set(school.id),
                password_hash: Set(NO_PASSWORD.to_owned()),
                created_at: Set(req.now),
                must_change_password: Set(false),
                entry_month: Set(s
                    .entry_month
                    .map(|m| m.yyyymm())
                    .or_else(|| was.and_then(|w| w.entry_month.clone()))),
                ..Default::default()
            }
        });
        student::Entity::insert_many(models)
            .on_conflict(
                // Phone, password and creation time stay as they are: see the module documentation.
                OnConflict::column(student::Column::StudentNo)
                    .update_columns([
                        student::Column::ExamRegNo,
                        student::Column::Name,
                        student::Column::IdCardNo,
                        student::Column::Gender,
                        student::Column::BirthDate,
                        student::Column::Ethnicity,
                        student::Column::PoliticalStatus,
                        student::Column::StudyLevel,
                        student::Column::MajorId,
                        student::Column::Grade,
                        student::Column::EnrolmentStatus,
                        student::Column::LearningCentre,
                        student::Column::EntryMonth,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

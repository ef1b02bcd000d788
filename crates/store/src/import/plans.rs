//! 考试计划 imports: one row per course of a major's plan. Courses are added to the catalogue
//! (or renamed), missing majors are created, and the plan of every major in the file is
//! replaced by the file's rows for it.
//!
//! A plan file has hundreds of rows, not millions, so it is read whole: a plan can only be
//! replaced once all of its rows are known.

use std::collections::{HashMap, HashSet};

use domain::Level;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};
use tabular::Table;

use super::plan_rows::{Cols, MajorKey, PlanLine, parse};
use super::plan_write::{create_major, replace_plan, upsert_courses};
use super::report::ErrorLog;
use super::source::{Chunks, Item};
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::{course, major};

/// One major of the file with its rows in file order.
pub(super) struct MajorPlan {
    first_line: u64,
    pub(super) name: String,
    pub(super) level: Level,
    pub(super) province: Option<String>,
    pub(super) lines: Vec<PlanLine>,
    /// Course code → the row that listed it first in this major.
    courses: HashMap<String, u64>,
}

/// Reads a whole plan file inside `txn`, then writes it if no row failed.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let cols = Cols::resolve(table.headers(), txn, req).await?;
    let mut errors = ErrorLog::default();
    let mut majors: Vec<(MajorKey, MajorPlan)> = Vec::new();
    let mut major_index: HashMap<MajorKey, usize> = HashMap::new();
    // Course code → (name, first row), so one course is not given two names.
    let mut course_names: HashMap<String, (String, u64)> = HashMap::new();
    let mut rows = 0u64;

    let mut chunks = Chunks::start(table, 1000);
    while let Some(chunk) = chunks.next().await {
        for item in chunk? {
            rows += 1;
            let row = match item {
                Item::Row(row) => row,
                Item::Unreadable { line, reason } => {
                    errors.push(line, "", "", reason);
                    continue;
                }
            };
            let Some((key, line)) = parse(&row, &cols, &mut errors) else {
                continue;
            };
            match course_names.get(&line.course.course_code) {
                Some((name, first)) if *name != line.course_name => errors.push(
                    line.line,
                    &cols.course_name.header,
                    line.course_name.as_str(),
                    format!("与第{first}行的课程名称“{name}”不一致：同一课程代码只能有一个名称"),
                ),
                Some(_) => {}
                None => {
                    course_names.insert(
                        line.course.course_code.clone(),
                        (line.course_name.clone(), line.line),
                    );
                }
            }
            let idx = *major_index.entry(key.clone()).or_insert_with(|| {
                majors.push((
                    key.clone(),
                    MajorPlan {
                        first_line: line.line,
                        name: line.major_name.clone(),
                        level: line.level,
                        province: line.province.clone(),
                        lines: Vec::new(),
                        courses: HashMap::new(),
                    },
                ));
                majors.len() - 1
            });
            let Some((_, plan)) = majors.get_mut(idx) else {
                continue;
            };
            add_line(plan, line, &cols, &mut errors);
        }
        errors.flush_chunk();
    }

    check_substitutes(txn, &majors, &course_names, &cols, &mut errors).await?;
    let existing = existing_majors(txn, &majors).await?;
    for (key, plan) in &majors {
        if let Some(found) = existing.get(key)
            && found.level != plan.level.code()
        {
            let was = Level::from_code(&found.level).map_or(found.level.as_str(), |l| l.label());
            errors.push(
                plan.first_line,
                &cols.level.header,
                plan.level.label(),
                format!("与已有专业的层次不一致：专业{}已登记为{was}", key.code),
            );
        }
    }
    errors.flush_chunk();

    let mut imported = 0;
    if errors.is_clean() {
        upsert_courses(txn, &course_names).await?;
        for (key, plan) in &majors {
            let major_id = match existing.get(key) {
                Some(found) => {
                    if found.name != plan.name {
                        let mut am: major::ActiveModel = found.clone().into();
                        am.name = Set(plan.name.clone());
                        am.update(txn).await?;
                    }
                    found.id
                }
                None => create_major(txn, key, plan).await?,
            };
            replace_plan(txn, major_id, plan).await?;
            imported += plan.lines.len() as u64;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated: 0,
        errors,
    })
}

/// Adds a row to its major, rejecting a second name or level for the major and a course listed twice.
fn add_line(plan: &mut MajorPlan, line: PlanLine, cols: &Cols, errors: &mut ErrorLog) {
    let first = plan.first_line;
    if line.major_name != plan.name {
        let reason = format!("与第{first}行的专业名称“{}”不一致", plan.name);
        errors.push(line.line, &cols.major_name.header, line.major_name, reason);
        return;
    }
    if line.level != plan.level {
        let reason = format!("与第{first}行的层次“{}”不一致", plan.level.label());
        errors.push(line.line, &cols.level.header, line.level.label(), reason);
        return;
    }
    if let Some(earlier) = plan.courses.get(&line.course.course_code) {
        let reason = format!("与第{earlier}行重复：同一专业的考试计划中每门课程只能出现一次");
        errors.push(
            line.line,
            &cols.course_code.header,
            line.course.course_code,
            reason,
        );
        return;
    }
    plan.courses
        .insert(line.course.course_code.clone(), line.line);
    plan.lines.push(line);
}

/// A substitute must be a course the catalogue will hold after this import.
async fn check_substitutes(
    txn: &DatabaseTransaction,
    majors: &[(MajorKey, MajorPlan)],
    file_courses: &HashMap<String, (String, u64)>,
    cols: &Cols,
    errors: &mut ErrorLog,
) -> Result<(), ImportError> {
    let Some(sub_col) = &cols.substitutes else {
        return Ok(());
    };
    let catalogue: HashSet<String> = course::Entity::find()
        .select_only()
        .column(course::Column::Code)
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.to_ascii_uppercase())
        .collect();
    for line in majors.iter().flat_map(|(_, p)| &p.lines) {
        for sub in &line.substitutes {
            if !catalogue.contains(sub) && !file_courses.contains_key(sub) {
                errors.push(
                    line.line,
                    &sub_col.header,
                    sub.as_str(),
                    format!("可替换课程代码不存在：{sub}（既不在课程库中，也不在本文件中）"),
                );
            }
        }
    }
    Ok(())
}

/// The file's majors that already exist, by (university, code).
async fn existing_majors(
    txn: &DatabaseTransaction,
    majors: &[(MajorKey, MajorPlan)],
) -> Result<HashMap<MajorKey, major::Model>, ImportError> {
    let universities: HashSet<i64> = majors.iter().map(|(k, _)| k.university_id).collect();
    if universities.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: HashSet<&MajorKey> = majors.iter().map(|(k, _)| k).collect();
    Ok(major::Entity::find()
        .filter(major::Column::ChiefUniversityId.is_in(universities))
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|m| {
            let key = MajorKey {
                university_id: m.chief_university_id,
                code: m.code.clone(),
            };
            wanted.contains(&key).then_some((key, m))
        })
        .collect())
}

//! 13位准考证成绩 imports: results held under older 13-character admission numbers, with the name
//! and ID number recorded then, so a candidate can later link the number to their account
//! (13位准考证查询). One result per row; a province's old register runs to thousands of rows per
//! file, so the file is read whole.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::{IdCardNo, LegacyAdmissionNo, ScoreValue, validate_course_code};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use tabular::Table;

use super::report::ErrorLog;
use super::source::{Chunks, ColumnSpec, Item, required};
use super::values::parse_exam_date;
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::legacy_score;

const REQUIRED: [ColumnSpec; 6] = [
    ColumnSpec::new("13位准考证号", "legacy_no"),
    ColumnSpec::new("姓名", "name"),
    ColumnSpec::new("身份证号", "id_card_no"),
    ColumnSpec::new("课程代码", "course_code"),
    ColumnSpec::new("成绩", "score"),
    ColumnSpec::new("考试日期", "exam_date"),
];

struct Line {
    line: u64,
    legacy_no: String,
    name: String,
    id_card_no: String,
    course_code: String,
    value: ScoreValue,
    exam_date: NaiveDate,
}

/// Validates every row; refuses a result already in the file or the table, and a number whose rows
/// (in the file or already stored) carry different ID numbers, since a link is checked against
/// that ID number. Writes all rows only if none failed.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let [no_col, name_col, id_col, course_col, score_col, date_col] =
        required(table.headers(), REQUIRED)?;
    let today = req.today();
    let mut errors = ErrorLog::default();
    let mut lines: Vec<Line> = Vec::new();
    let mut seen: HashMap<(String, String, NaiveDate), u64> = HashMap::new();
    let mut owner: HashMap<String, (String, u64)> = HashMap::new();
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
            let line = row.line;
            let no = LegacyAdmissionNo::parse(no_col.cell(&row))
                .map_err(|e| errors.push(line, &no_col.header, no_col.cell(&row), e.0))
                .ok();
            let name = domain::validate_person_name(name_col.cell(&row))
                .map_err(|e| errors.push(line, &name_col.header, name_col.cell(&row), e.0))
                .ok();
            let id = match IdCardNo::parse(id_col.cell(&row)) {
                Ok(v) => Some(v),
                Err(e) => {
                    let shown = super::report::mask_id_card(id_col.cell(&row));
                    errors.push(line, &id_col.header, shown, e.0);
                    None
                }
            };
            let course = validate_course_code(course_col.cell(&row))
                .map_err(|e| errors.push(line, &course_col.header, course_col.cell(&row), e.0))
                .ok();
            let value = ScoreValue::parse(score_col.cell(&row))
                .map_err(|e| errors.push(line, &score_col.header, score_col.cell(&row), e.0))
                .ok();
            let date = parse_exam_date(date_col.cell(&row), today)
                .map_err(|e| errors.push(line, &date_col.header, date_col.cell(&row), e))
                .ok();
            let (Some(no), Some(name), Some(id), Some(course), Some(value), Some(date)) =
                (no, name, id, course, value, date)
            else {
                continue;
            };
            let key = (no.as_str().to_owned(), course.clone(), date);
            if let Some(first) = seen.get(&key) {
                errors.push(
                    line,
                    &course_col.header,
                    course.as_str(),
                    format!("与第{first}行的准考证号、课程和考试日期相同，同一成绩只能导入一次"),
                );
                continue;
            }
            seen.insert(key, line);
            match owner.get(no.as_str()) {
                Some((other, first)) if other != id.as_str() => {
                    errors.push(
                        line,
                        &id_col.header,
                        super::report::mask_id_card(id.as_str()),
                        format!("与第{first}行同一13位准考证号的身份证号不一致"),
                    );
                    continue;
                }
                Some(_) => {}
                None => {
                    owner.insert(no.as_str().to_owned(), (id.as_str().to_owned(), line));
                }
            }
            lines.push(Line {
                line,
                legacy_no: no.as_str().to_owned(),
                name,
                id_card_no: id.as_str().to_owned(),
                course_code: course,
                value,
                exam_date: date,
            });
        }
        errors.flush_chunk();
    }
    // Against what is stored: the same result again, or the number under another ID number.
    let numbers: Vec<String> = owner.keys().cloned().collect();
    for part in numbers.chunks(500) {
        let stored = legacy_score::Entity::find()
            .filter(legacy_score::Column::LegacyNo.is_in(part.iter().cloned()))
            .all(txn)
            .await?;
        for s in stored {
            for l in lines.iter().filter(|l| l.legacy_no == s.legacy_no) {
                if l.id_card_no != s.id_card_no {
                    errors.push(
                        l.line,
                        &id_col.header,
                        super::report::mask_id_card(&l.id_card_no),
                        "该13位准考证号已导入的成绩登记了另一身份证号",
                    );
                } else if l.course_code == s.course_code && l.exam_date == s.exam_date {
                    errors.push(
                        l.line,
                        &course_col.header,
                        l.course_code.as_str(),
                        "该13位准考证号此课程此考试日期的成绩已导入",
                    );
                }
            }
        }
    }
    errors.flush_chunk();
    let mut imported = 0;
    if errors.is_clean() {
        for l in &lines {
            let (tenths, passed) = l.value.to_db();
            legacy_score::ActiveModel {
                legacy_no: Set(l.legacy_no.clone()),
                name: Set(l.name.clone()),
                id_card_no: Set(l.id_card_no.clone()),
                course_code: Set(l.course_code.clone()),
                score_tenths: Set(tenths),
                passed: Set(passed),
                exam_date: Set(l.exam_date),
                created_at: Set(req.now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            imported += 1;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated: 0,
        errors,
    })
}

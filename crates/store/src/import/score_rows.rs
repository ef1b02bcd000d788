//! The cells of one 成绩 row, and the compact key that finds duplicates among millions.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use domain::{AdmissionNo, ScoreSource, ScoreValue, validate_course_code};
use tabular::Row;

use super::report::ErrorLog;
use super::source::{Column, ColumnSpec};
use super::values::{admission_key, course_key, parse_exam_date};

pub(super) const REQUIRED: [ColumnSpec; 4] = [
    ColumnSpec::new("准考证号", "admission_no"),
    ColumnSpec::new("课程代码", "course_code"),
    ColumnSpec::new("成绩", "score"),
    ColumnSpec::new("考试日期", "exam_date"),
];
pub(super) const SOURCE: ColumnSpec = ColumnSpec::new("来源", "source");

/// The columns of a score file.
pub(super) struct Columns {
    pub(super) admission: Column,
    pub(super) course: Column,
    pub(super) score: Column,
    pub(super) date: Column,
    pub(super) source: Option<Column>,
}

/// The uniqueness key of a score record in 16 bytes: candidate id, then course code (32 bits),
/// day number (24 bits) and source (8 bits) packed together. A million of them fit in ~30 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) candidate: i64,
    packed: u64,
}

impl Key {
    pub(super) fn new(candidate: i64, course: &str, date: NaiveDate, source: ScoreSource) -> Key {
        let day = u64::from(date.num_days_from_ce().unsigned_abs()) & 0xFF_FFFF;
        let source = ScoreSource::ALL
            .iter()
            .position(|s| *s == source)
            .unwrap_or(0) as u64;
        Key {
            candidate,
            packed: (u64::from(course_key(course)) << 32) | (day << 8) | source,
        }
    }
}

/// A row whose cells parsed; `None` marks a cell already reported.
pub(super) struct Parsed {
    pub(super) line: u64,
    pub(super) admission: Option<u64>,
    pub(super) course: Option<String>,
    pub(super) value: Option<ScoreValue>,
    pub(super) date: Option<NaiveDate>,
    pub(super) source: Option<ScoreSource>,
}

/// A row ready to be written.
pub(super) struct Ready {
    pub(super) line: u64,
    pub(super) key: Key,
    pub(super) course: String,
    pub(super) value: ScoreValue,
    pub(super) date: NaiveDate,
    pub(super) source: ScoreSource,
}

/// Checks every cell on its own, so one report lists every problem of the row.
pub(super) fn parse(
    row: &Row,
    cols: &Columns,
    courses: &HashSet<String>,
    today: NaiveDate,
    errors: &mut ErrorLog,
) -> Parsed {
    let line = row.line;
    let mut fail = |col: &Column, reason: String| {
        errors.push(line, &col.header, col.cell(row), reason);
    };

    let admission = match AdmissionNo::parse(cols.admission.cell(row)) {
        Ok(no) => Some(admission_key(no.as_str())),
        Err(e) => {
            fail(&cols.admission, e.0);
            None
        }
    };
    let course = match validate_course_code(cols.course.cell(row)) {
        Ok(code) if courses.contains(&code) => Some(code),
        Ok(code) => {
            fail(&cols.course, format!("课程代码不存在：{code}"));
            None
        }
        Err(e) => {
            fail(&cols.course, e.0);
            None
        }
    };
    let value = ScoreValue::parse(cols.score.cell(row))
        .map_err(|e| fail(&cols.score, e.0))
        .ok();
    let date = parse_exam_date(cols.date.cell(row), today)
        .map_err(|reason| fail(&cols.date, reason))
        .ok();
    let source = match &cols.source {
        Some(col) if !col.cell(row).is_empty() => ScoreSource::parse_label_or_code(col.cell(row))
            .map_err(|e| fail(col, e.0))
            .ok(),
        _ => Some(ScoreSource::Exam),
    };
    Parsed {
        line,
        admission,
        course,
        value,
        date,
        source,
    }
}

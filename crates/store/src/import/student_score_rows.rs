//! The cells of one 学生成绩 row.

use std::collections::HashSet;

use chrono::NaiveDate;
use domain::{ScoreValue, StudentNo, validate_course_code};
use tabular::Row;

use super::report::ErrorLog;
use super::source::{Column, ColumnSpec};
use super::values::parse_course_date;

pub(super) const REQUIRED: [ColumnSpec; 4] = [
    ColumnSpec::new("学号", "student_no"),
    ColumnSpec::new("课程代码", "course_code"),
    ColumnSpec::new("成绩", "score"),
    ColumnSpec::new("考试日期", "exam_date"),
];

/// The columns of a student score file.
pub(super) struct Columns {
    pub(super) student_no: Column,
    pub(super) course: Column,
    pub(super) score: Column,
    pub(super) date: Column,
}

/// A row whose cells were checked; `None` marks a cell already reported.
pub(super) struct Parsed {
    pub(super) line: u64,
    pub(super) student_no: Option<StudentNo>,
    pub(super) course: Option<String>,
    pub(super) value: Option<ScoreValue>,
    pub(super) date: Option<NaiveDate>,
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
    let student_no = StudentNo::parse(cols.student_no.cell(row))
        .map_err(|e| fail(&cols.student_no, e.0))
        .ok();
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
    let date = parse_course_date(cols.date.cell(row), today)
        .map_err(|reason| fail(&cols.date, reason))
        .ok();
    Parsed {
        line,
        student_no,
        course,
        value,
        date,
    }
}

//! The cells of one 学生 row, and the school's majors its 专业 must name.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::{
    EnrolmentStatus, EntryMonth, Grade, IdCardNo, Level, Phone, StudentNo, StudyLevel,
    validate_ethnicity, validate_person_name, validate_political_status,
};
use tabular::Row;

use super::report::{ErrorLog, mask_id_card, mask_phone};
use super::source::{Column, ColumnSpec};
use crate::entity::major;

pub(super) const REQUIRED: [ColumnSpec; 7] = [
    ColumnSpec::new("学号", "student_no"),
    ColumnSpec::new("姓名", "name"),
    ColumnSpec::new("身份证号", "id_card_no"),
    ColumnSpec::new("层次", "study_level"),
    ColumnSpec::new("专业", "major"),
    ColumnSpec::new("年级", "grade"),
    ColumnSpec::new("学籍状态", "enrolment_status"),
];
pub(super) const OPTIONAL: [ColumnSpec; 6] = [
    ColumnSpec::new("学习中心", "learning_centre"),
    ColumnSpec::new("考生号", "exam_reg_no"),
    ColumnSpec::new("本科入学年月", "entry_month"),
    ColumnSpec::new("民族", "ethnicity"),
    ColumnSpec::new("政治面貌", "political_status"),
    ColumnSpec::new("手机号", "phone"),
];
/// Longest 学习中心 the schema holds.
const CENTRE_MAX: usize = 100;
/// Longest 考生号 the schema holds (成人高考 numbers have 14 digits).
const EXAM_REG_MAX: usize = 20;
/// Majors named in a "not found" message; a school with more is told how many.
const MAJORS_LISTED: usize = 6;

/// The columns of a student file.
pub(super) struct Columns {
    pub(super) student_no: Column,
    pub(super) name: Column,
    pub(super) id_card: Column,
    pub(super) level: Column,
    pub(super) major: Column,
    pub(super) grade: Column,
    pub(super) status: Column,
    pub(super) centre: Option<Column>,
    pub(super) exam_reg_no: Option<Column>,
    pub(super) entry_month: Option<Column>,
    pub(super) ethnicity: Option<Column>,
    pub(super) political: Option<Column>,
    pub(super) phone: Option<Column>,
}

/// One valid row. The optional cells are `None` when the column is absent or the cell empty: a
/// student already registered keeps what they had, a new one gets the default.
pub(super) struct StudentLine {
    pub(super) line: u64,
    pub(super) student_no: StudentNo,
    pub(super) name: String,
    pub(super) id_card: IdCardNo,
    pub(super) level: StudyLevel,
    pub(super) major_id: i64,
    pub(super) grade: Grade,
    pub(super) status: EnrolmentStatus,
    pub(super) centre: Option<String>,
    pub(super) exam_reg_no: Option<String>,
    pub(super) entry_month: Option<EntryMonth>,
    pub(super) ethnicity: Option<String>,
    pub(super) political: Option<String>,
    pub(super) phone: Option<String>,
}

/// The majors of the importing school, which own the plans its students follow.
pub(super) struct SchoolMajors {
    majors: Vec<major::Model>,
    /// Uppercased code → index.
    by_code: HashMap<String, usize>,
}

/// Full-width parentheses as ASCII ones, so that 法学（专升本） and 法学(专升本) are one name.
fn normalise(name: &str) -> String {
    name.trim().replace('（', "(").replace('）', ")")
}

impl SchoolMajors {
    /// The school's majors (plans imported with the school as 主考学校).
    pub(super) fn new(majors: Vec<major::Model>) -> Self {
        let by_code = majors
            .iter()
            .enumerate()
            .map(|(i, m)| (m.code.to_ascii_uppercase(), i))
            .collect();
        Self { majors, by_code }
    }

    /// The major a 专业 cell names: by code, else by full name, else by the name without its
    /// parenthesised level (视觉传达设计 for 视觉传达设计（专升本）) when that is unambiguous.
    fn find(&self, raw: &str) -> Result<&major::Model, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("专业不能为空".to_owned());
        }
        if let Some(&i) = self.by_code.get(&text.to_ascii_uppercase())
            && let Some(m) = self.majors.get(i)
        {
            return Ok(m);
        }
        let wanted = normalise(text);
        let exact: Vec<&major::Model> = self
            .majors
            .iter()
            .filter(|m| normalise(&m.name) == wanted)
            .collect();
        let found = if exact.is_empty() {
            self.majors
                .iter()
                .filter(|m| normalise(&m.name).split('(').next() == Some(wanted.as_str()))
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(self.unknown(text)),
            many => {
                let codes: Vec<&str> = many.iter().map(|m| m.code.as_str()).collect();
                Err(format!(
                    "专业名称“{text}”对应多个专业（代码 {}），请填写专业代码",
                    codes.join("、")
                ))
            }
        }
    }

    fn unknown(&self, text: &str) -> String {
        if self.majors.is_empty() {
            return format!(
                "专业不存在：{text}。本学院尚无专业，请先以本学院为主考学校导入考试计划"
            );
        }
        let listed: Vec<String> = self
            .majors
            .iter()
            .take(MAJORS_LISTED)
            .map(|m| format!("{} {}", m.code, m.name))
            .collect();
        let more = if self.majors.len() > MAJORS_LISTED {
            format!("等 {} 个", self.majors.len())
        } else {
            String::new()
        };
        format!(
            "专业不存在：{text}（按专业代码或名称查找本学院的专业：{}{more}）",
            listed.join("、")
        )
    }
}

/// Checks every cell on its own, so one report lists every problem of the row; the line is
/// `None` when any cell failed. The 学号 comes back whenever it parsed, for duplicate checks.
pub(super) fn parse(
    row: &Row,
    cols: &Columns,
    majors: &SchoolMajors,
    today: NaiveDate,
    errors: &mut ErrorLog,
) -> (Option<StudentNo>, Option<StudentLine>) {
    let line = row.line;
    let mut fail = |col: &Column, value: String, reason: String| {
        errors.push(line, &col.header, value, reason);
    };
    let cell = |col: &Column| col.cell(row).to_owned();
    // An optional column that is absent or empty in this row.
    let given = |col: &Option<Column>| col.clone().filter(|c| !c.cell(row).is_empty());

    let student_no = StudentNo::parse(cols.student_no.cell(row))
        .map_err(|e| fail(&cols.student_no, cell(&cols.student_no), e.0))
        .ok();
    let name = validate_person_name(cols.name.cell(row))
        .map_err(|e| fail(&cols.name, cell(&cols.name), e.0))
        .ok();
    let id_card = IdCardNo::parse(cols.id_card.cell(row))
        .and_then(|id| id.check_not_future(today).map(|()| id))
        .map_err(|e| fail(&cols.id_card, mask_id_card(cols.id_card.cell(row)), e.0))
        .ok();
    let level = StudyLevel::parse(cols.level.cell(row))
        .map_err(|e| fail(&cols.level, cell(&cols.level), e.0))
        .ok();
    let major = majors
        .find(cols.major.cell(row))
        .map_err(|reason| fail(&cols.major, cell(&cols.major), reason))
        .ok();
    let grade = Grade::parse(cols.grade.cell(row), today)
        .map_err(|e| fail(&cols.grade, cell(&cols.grade), e.0))
        .ok();
    let status = EnrolmentStatus::parse_label_or_code(cols.status.cell(row))
        .map_err(|e| fail(&cols.status, cell(&cols.status), e.0))
        .ok();
    let centre = match given(&cols.centre) {
        Some(col) => learning_centre(col.cell(row))
            .map(Some)
            .map_err(|reason| fail(&col, cell(&col), reason))
            .ok(),
        None => Some(None),
    };
    let exam_reg_no = match given(&cols.exam_reg_no) {
        Some(col) => exam_reg_no(col.cell(row))
            .map(Some)
            .map_err(|reason| fail(&col, cell(&col), reason))
            .ok(),
        None => Some(None),
    };
    let entry_month = match given(&cols.entry_month) {
        Some(col) => EntryMonth::parse(col.cell(row), today)
            .map(Some)
            .map_err(|e| fail(&col, cell(&col), e.0))
            .ok(),
        None => Some(None),
    };
    let ethnicity = match given(&cols.ethnicity) {
        Some(col) => validate_ethnicity(col.cell(row))
            .map(Some)
            .map_err(|e| fail(&col, cell(&col), e.0))
            .ok(),
        None => Some(None),
    };
    let political = match given(&cols.political) {
        Some(col) => validate_political_status(col.cell(row))
            .map(Some)
            .map_err(|e| fail(&col, cell(&col), e.0))
            .ok(),
        None => Some(None),
    };
    let phone = match given(&cols.phone) {
        Some(col) => Phone::parse(col.cell(row))
            .map(|p| Some(p.as_str().to_owned()))
            .map_err(|e| fail(&col, mask_phone(col.cell(row)), e.0))
            .ok(),
        None => Some(None),
    };
    // The programme's level must be the major's: a 专升本 student follows a 本科 plan.
    let level = match (level, major) {
        (Some(level), Some(m)) if Level::from_code(&m.level) != Some(level.leads_to()) => {
            let has = Level::from_code(&m.level).map_or(m.level.as_str(), |l| l.label());
            fail(
                &cols.level,
                cell(&cols.level),
                format!(
                    "层次“{}”应对应{}专业，而专业“{}”（{}）为{has}专业",
                    level.label(),
                    level.leads_to().label(),
                    m.name,
                    m.code
                ),
            );
            None
        }
        (level, _) => level,
    };

    let new = match (
        student_no.clone(),
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
    ) {
        (
            Some(student_no),
            Some(name),
            Some(id_card),
            Some(level),
            Some(major),
            Some(grade),
            Some(status),
            Some(centre),
            Some(exam_reg_no),
            Some(entry_month),
            Some(ethnicity),
            Some(political),
            Some(phone),
        ) => Some(StudentLine {
            line,
            student_no,
            name,
            id_card,
            level,
            major_id: major.id,
            grade,
            status,
            centre,
            exam_reg_no,
            entry_month,
            ethnicity,
            political,
            phone,
        }),
        _ => None,
    };
    (student_no, new)
}

fn learning_centre(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    let len = text.chars().count();
    if len > CENTRE_MAX {
        return Err(format!("学习中心最长{CENTRE_MAX}个字符，实际为{len}个字符"));
    }
    Ok(text.to_owned())
}

fn exam_reg_no(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if let Some((i, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
    {
        return Err(format!("考生号只能包含字母和数字，第{}位为“{c}”", i + 1));
    }
    if text.len() > EXAM_REG_MAX {
        return Err(format!(
            "考生号最长{EXAM_REG_MAX}位，实际为{}位",
            text.len()
        ));
    }
    Ok(text.to_owned())
}

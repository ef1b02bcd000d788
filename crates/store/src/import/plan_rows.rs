//! The cells of one 考试计划 row.

use std::collections::HashMap;

use domain::{CourseKind, Level, OrgKind, validate_course_code};
use sea_orm::{DatabaseTransaction, EntityTrait};
use tabular::Row;

use super::ImportError;
use super::report::ErrorLog;
use super::source::{Column, ColumnSpec, optional, required};
use super::values::{parse_credits, parse_yes_no};
use crate::entity::organisation;
use crate::repo::reference::PlanCourseInput;

const REQUIRED: [ColumnSpec; 8] = [
    ColumnSpec::new("专业代码", "major_code"),
    ColumnSpec::new("专业名称", "major_name"),
    ColumnSpec::new("层次", "level"),
    ColumnSpec::new("主考学校", "chief_university"),
    ColumnSpec::new("课程代码", "course_code"),
    ColumnSpec::new("课程名称", "course_name"),
    ColumnSpec::new("学分", "credits"),
    ColumnSpec::new("课程类型", "course_kind"),
];
const DEGREE_CORE: ColumnSpec = ColumnSpec::new("学位主干课", "degree_core");
const SUBSTITUTES: ColumnSpec = ColumnSpec::new("可替换课程", "substitutes");
/// Longest major code the schema holds.
const MAJOR_CODE_MAX: usize = 20;
/// Longest major or course name the schema holds.
const NAME_MAX: usize = 100;

/// An organisation that may own plans.
struct University {
    id: i64,
    province: Option<String>,
}

/// The columns of a plan file and the organisations its 主考学校 codes may name.
pub(crate) struct Cols {
    pub(crate) major_code: Column,
    pub(crate) major_name: Column,
    pub(crate) level: Column,
    pub(crate) university: Column,
    pub(crate) course_code: Column,
    pub(crate) course_name: Column,
    pub(crate) credits: Column,
    pub(crate) kind: Column,
    pub(crate) degree_core: Option<Column>,
    pub(crate) substitutes: Option<Column>,
    /// Every organisation by lowercased code: `Err` holds why it cannot own a plan.
    orgs: HashMap<String, Result<University, String>>,
}

impl Cols {
    /// Finds the columns and loads the organisations (a few hundred rows).
    pub(crate) async fn resolve(
        headers: &[String],
        txn: &DatabaseTransaction,
        req: &super::ImportRequest<'_>,
    ) -> Result<Cols, ImportError> {
        let [
            major_code,
            major_name,
            level,
            university,
            course_code,
            course_name,
            credits,
            kind,
        ] = required(headers, REQUIRED)?;
        let orgs = organisation::Entity::find()
            .all(txn)
            .await?
            .into_iter()
            .map(|o| {
                let owns_plans = matches!(
                    OrgKind::from_code(&o.kind),
                    Some(OrgKind::ChiefUniversity | OrgKind::ContinuingEdSchool)
                );
                let entry = if !req.in_scope(&o.path) {
                    Err(format!(
                        "主考学校“{}”（{}）不在本机构管辖范围内，不能为其导入考试计划",
                        o.name, o.code
                    ))
                } else if owns_plans {
                    Ok(University {
                        id: o.id,
                        province: o.province,
                    })
                } else {
                    Err(format!(
                        "“{}”（{}）不是主考学校或继续教育学院，不能拥有考试计划",
                        o.name, o.code
                    ))
                };
                (o.code.to_lowercase(), entry)
            })
            .collect();
        Ok(Cols {
            major_code,
            major_name,
            level,
            university,
            course_code,
            course_name,
            credits,
            kind,
            degree_core: optional(headers, DEGREE_CORE),
            substitutes: optional(headers, SUBSTITUTES),
            orgs,
        })
    }
}

/// A major is identified by its university and code, as in the `majors` unique index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct MajorKey {
    pub(crate) university_id: i64,
    pub(crate) code: String,
}

/// One valid plan row.
pub(crate) struct PlanLine {
    pub(crate) line: u64,
    pub(crate) major_name: String,
    pub(crate) level: Level,
    /// Province code of the university, the province of a new major.
    pub(crate) province: Option<String>,
    pub(crate) course: PlanCourseInput,
    pub(crate) course_name: String,
    /// Codes allowed to stand for the course, without repeats.
    pub(crate) substitutes: Vec<String>,
}

/// Checks every cell of a row on its own; `None` when any failed.
pub(crate) fn parse(row: &Row, cols: &Cols, errors: &mut ErrorLog) -> Option<(MajorKey, PlanLine)> {
    let line = row.line;
    let mut fail = |col: &Column, reason: String| {
        errors.push(line, &col.header, col.cell(row), reason);
    };
    let major_code = major_code(cols.major_code.cell(row))
        .map_err(|r| fail(&cols.major_code, r))
        .ok();
    let major_name = name(cols.major_name.cell(row), "专业名称")
        .map_err(|r| fail(&cols.major_name, r))
        .ok();
    let level = Level::parse_label_or_code(cols.level.cell(row))
        .map_err(|e| fail(&cols.level, e.0))
        .ok();
    let university = university(&cols.orgs, cols.university.cell(row))
        .map_err(|r| fail(&cols.university, r))
        .ok();
    let course_code = validate_course_code(cols.course_code.cell(row))
        .map_err(|e| fail(&cols.course_code, e.0))
        .ok();
    let course_name = name(cols.course_name.cell(row), "课程名称")
        .map_err(|r| fail(&cols.course_name, r))
        .ok();
    let credits = parse_credits(cols.credits.cell(row))
        .map_err(|r| fail(&cols.credits, r))
        .ok();
    let kind = course_kind(cols.kind.cell(row))
        .map_err(|e| fail(&cols.kind, e))
        .ok();
    let degree_core = match &cols.degree_core {
        Some(col) => parse_yes_no(col.cell(row), "学位主干课")
            .map_err(|r| fail(col, r))
            .ok(),
        None => Some(false),
    };
    let substitutes = match &cols.substitutes {
        Some(col) => substitutes(col.cell(row), course_code.as_deref())
            .map_err(|r| fail(col, r))
            .ok(),
        None => Some(Vec::new()),
    };

    let university = university?;
    let key = MajorKey {
        university_id: university.id,
        code: major_code?,
    };
    let course_code = course_code?;
    Some((
        key,
        PlanLine {
            line,
            major_name: major_name?,
            level: level?,
            province: university.province.clone(),
            course: PlanCourseInput {
                course_code,
                credits: credits?,
                kind: kind?,
                degree_core: degree_core?,
            },
            course_name: course_name?,
            substitutes: substitutes?,
        },
    ))
}

fn major_code(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err("专业代码不能为空".to_owned());
    }
    if let Some((i, c)) = code
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
    {
        return Err(format!("专业代码只能包含字母和数字，第{}位为“{c}”", i + 1));
    }
    if code.len() > MAJOR_CODE_MAX {
        return Err(format!(
            "专业代码最长{MAJOR_CODE_MAX}位，实际为{}位",
            code.len()
        ));
    }
    Ok(code)
}

fn name(raw: &str, noun: &str) -> Result<String, String> {
    let text = raw.trim();
    let len = text.chars().count();
    if len == 0 {
        return Err(format!("{noun}不能为空"));
    }
    if len > NAME_MAX {
        return Err(format!("{noun}最长{NAME_MAX}个字符，实际为{len}个字符"));
    }
    Ok(text.to_owned())
}

fn university<'a>(
    orgs: &'a HashMap<String, Result<University, String>>,
    code: &str,
) -> Result<&'a University, String> {
    if code.is_empty() {
        return Err("主考学校不能为空".to_owned());
    }
    match orgs.get(&code.to_lowercase()) {
        Some(Ok(u)) => Ok(u),
        Some(Err(reason)) => Err(reason.clone()),
        None => Err(format!("主考学校代码不存在：{code}")),
    }
}

/// The kind by label or code, plus the everyday names plan sheets use for it.
fn course_kind(raw: &str) -> Result<CourseKind, String> {
    match raw.trim() {
        "毕业论文" | "毕业设计" | "毕业论文（设计）" | "论文" => {
            Ok(CourseKind::Thesis)
        }
        "实践性环节" | "实践环节" | "实践课" => Ok(CourseKind::Practical),
        "理论课" => Ok(CourseKind::Theory),
        other => CourseKind::parse_label_or_code(other).map_err(|e| e.0),
    }
}

/// Splits `00015/00016` or `00015；00016` (also `;`, `,`, `，`, `、` and spaces) into codes.
fn substitutes(raw: &str, course: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let parts = raw
        .split(['/', '／', '；', ';', ',', '，', '、', ' ', '\u{3000}'])
        .filter(|p| !p.trim().is_empty());
    for part in parts {
        let code =
            validate_course_code(part).map_err(|e| format!("可替换课程“{part}”：{}", e.0))?;
        if Some(code.as_str()) == course {
            return Err(format!("可替换课程不能是课程本身：{code}"));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

//! The 毕业生电子档案 (graduate's electronic archive) produced when an application passes its
//! final review, with one 免考课程审核单 per course exempted online (seed 003: for online
//! exemptions since 2021 the system generates the sheet itself and files it in the archive).

use chrono::{DateTime, NaiveDate, Utc};
use domain::person::{Gender, Level};
use serde::Serialize;

use crate::TranscriptCourse;
use crate::data::{Fonts, chinese_date};

/// Everything filed in the archive.
#[derive(Debug, Clone)]
pub struct ArchiveData {
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: Gender,
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// 身份证号 (the archive is an official record: printed in full).
    pub id_card_no: String,
    /// 准考证号.
    pub admission_no: String,
    /// 专业代码.
    pub major_code: String,
    /// 专业名称.
    pub major: String,
    /// 层次.
    pub level: Level,
    /// 主考学校.
    pub school: String,
    /// 批次.
    pub batch: String,
    /// 终审通过日期.
    pub approved_on: NaiveDate,
    /// 前置学历, one line (school, certificate number, date) or empty for 专科.
    pub prior_education: String,
    /// The certificate photo as JPEG bytes.
    pub photo: Option<Vec<u8>>,
    /// The courses of the plan with how each was passed.
    pub courses: Vec<TranscriptCourse>,
    /// The materials on file: (what, original name, uploaded at).
    pub materials: Vec<(String, String, DateTime<Utc>)>,
    /// The review history: (stage, organisation, result, when).
    pub history: Vec<(String, String, String, DateTime<Utc>)>,
    /// One sheet per course exempted online.
    pub exemption_sheets: Vec<ExemptionSheet>,
    /// The sheets' title, from the province's definition.
    pub exemption_sheet_title: String,
}

/// A 免考课程审核单 for one course exempted online.
#[derive(Debug, Clone)]
pub struct ExemptionSheet {
    /// 课程代码.
    pub code: String,
    /// 课程名称.
    pub name: String,
    /// 学分.
    pub credits: u8,
    /// The day the exemption was approved.
    pub approved_on: NaiveDate,
}

#[derive(Serialize)]
pub(crate) struct ArchiveView<'a> {
    fonts: Fonts<'a>,
    name: &'a str,
    gender: &'static str,
    birth_date: String,
    id_card_no: &'a str,
    admission_no: &'a str,
    major_code: &'a str,
    major: &'a str,
    level: &'static str,
    school: &'a str,
    batch: &'a str,
    approved_on: String,
    prior_education: &'a str,
    has_photo: bool,
    courses: Vec<[String; 6]>,
    total_credits: u32,
    materials: Vec<[String; 3]>,
    history: Vec<[String; 4]>,
    sheets: Vec<SheetView>,
    sheet_title: &'a str,
}

#[derive(Serialize)]
struct SheetView {
    code: String,
    name: String,
    credits: u8,
    approved_on: String,
}

fn beijing(t: DateTime<Utc>) -> String {
    domain::calendar::beijing_minute(t)
}

impl<'a> ArchiveView<'a> {
    pub(crate) fn new(d: &'a ArchiveData, fonts: Fonts<'a>) -> Self {
        Self {
            fonts,
            name: &d.name,
            gender: d.gender.label(),
            birth_date: chinese_date(d.birth_date),
            id_card_no: &d.id_card_no,
            admission_no: &d.admission_no,
            major_code: &d.major_code,
            major: &d.major,
            level: d.level.label(),
            school: &d.school,
            batch: &d.batch,
            approved_on: chinese_date(d.approved_on),
            prior_education: &d.prior_education,
            has_photo: d.photo.is_some(),
            courses: d
                .courses
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    [
                        (i + 1).to_string(),
                        c.code.clone(),
                        c.name.clone(),
                        c.credits.to_string(),
                        c.score.display(),
                        c.source.label().to_owned(),
                    ]
                })
                .collect(),
            total_credits: d.courses.iter().map(|c| u32::from(c.credits)).sum(),
            materials: d
                .materials
                .iter()
                .map(|(what, file, at)| [what.clone(), file.clone(), beijing(*at)])
                .collect(),
            history: d
                .history
                .iter()
                .map(|(stage, org, result, at)| {
                    [stage.clone(), org.clone(), result.clone(), beijing(*at)]
                })
                .collect(),
            sheet_title: &d.exemption_sheet_title,
            sheets: d
                .exemption_sheets
                .iter()
                .map(|s| SheetView {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    credits: s.credits,
                    approved_on: chinese_date(s.approved_on),
                })
                .collect(),
        }
    }
}

//! What goes on the printouts, and the JSON the templates read it from.
//!
//! The public structs hold domain values; the `*View` structs are what the
//! templates see: every label resolved, every date formatted, so the typst
//! side only lays out strings and never decides anything.

use chrono::{Datelike, NaiveDate};
use domain::person::{Gender, Level};
use domain::score::{ScoreSource, ScoreValue};
use serde::Serialize;

/// Everything printed on the 毕业生登记表 (graduate registration form).
#[derive(Debug, Clone)]
pub struct RegisterData {
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: Gender,
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// 民族, e.g. `汉族`.
    pub ethnicity: String,
    /// 政治面貌, e.g. `共青团员`.
    pub political_status: String,
    /// 身份证号.
    pub id_card_no: String,
    /// 准考证号.
    pub admission_no: String,
    /// 专业名称.
    pub major: String,
    /// 层次: 专科 or 本科.
    pub level: Level,
    /// 主考学校.
    pub school: String,
    /// 批次, the graduation round, e.g. `2026年上半年`.
    pub batch: String,
    /// The ID photo as JPEG bytes; without one the form shows an empty
    /// box marked 照片 for a paper photo to be glued in.
    pub photo: Option<Vec<u8>>,
    /// 本人简历, oldest first.
    pub resume: Vec<ResumeEntry>,
    /// 自我鉴定; blank lines or line breaks separate paragraphs.
    pub self_appraisal: String,
    /// 本人签名 as JPEG bytes; without one a blank line is left to sign by hand.
    pub signature: Option<Vec<u8>>,
    /// The date beside the signature; without one it is left to write by hand.
    pub signed_on: Option<NaiveDate>,
}

/// One line of 本人简历 (study and work history).
#[derive(Debug, Clone)]
pub struct ResumeEntry {
    /// Start, `YYYY-MM`.
    pub from: String,
    /// End, `YYYY-MM`; `None` prints 至今 (to date).
    pub to: Option<String>,
    /// 在何单位学习或工作: the school or employer.
    pub unit: String,
    /// 任何职务: the position held; may be empty.
    pub role: String,
}

/// Everything printed on the transcript page (成绩页) that goes into the file
/// with the registration form.
#[derive(Debug, Clone)]
pub struct TranscriptData {
    /// 姓名.
    pub name: String,
    /// 准考证号.
    pub admission_no: String,
    /// 专业名称.
    pub major: String,
    /// 层次.
    pub level: Level,
    /// 主考学校.
    pub school: String,
    /// The courses of the plan in the order they should be listed.
    pub courses: Vec<TranscriptCourse>,
    /// 毕业生自我鉴定; blank lines or line breaks separate paragraphs.
    pub self_appraisal: String,
    /// 本人签名 as JPEG bytes.
    pub signature: Option<Vec<u8>>,
    /// The date beside the signature.
    pub signed_on: Option<NaiveDate>,
}

/// One course on the transcript.
#[derive(Debug, Clone)]
pub struct TranscriptCourse {
    /// 课程代码.
    pub code: String,
    /// 课程名称.
    pub name: String,
    /// 学分.
    pub credits: u8,
    /// 成绩: points or 合格.
    pub score: ScoreValue,
    /// 取得方式: 考试, 免考, 补录 ….
    pub source: ScoreSource,
}

impl ResumeEntry {
    fn period(&self) -> String {
        format!("{}—{}", self.from, self.to.as_deref().unwrap_or("至今"))
    }
}

#[derive(Serialize)]
pub(crate) struct Fonts<'a> {
    pub(crate) serif: &'a [String],
    pub(crate) sans: &'a [String],
}

#[derive(Serialize)]
pub(crate) struct RegisterView<'a> {
    fonts: Fonts<'a>,
    name: &'a str,
    gender: &'static str,
    birth_date: String,
    ethnicity: &'a str,
    political_status: &'a str,
    id_card_no: &'a str,
    admission_no: &'a str,
    major: &'a str,
    level: &'static str,
    school: &'a str,
    batch: &'a str,
    has_photo: bool,
    resume: Vec<ResumeLine<'a>>,
    self_appraisal: Vec<&'a str>,
    has_signature: bool,
    signed_on: String,
}

#[derive(Serialize)]
struct ResumeLine<'a> {
    period: String,
    unit: &'a str,
    role: &'a str,
}

impl<'a> RegisterView<'a> {
    pub(crate) fn new(data: &'a RegisterData, fonts: Fonts<'a>) -> Self {
        Self {
            fonts,
            name: &data.name,
            gender: data.gender.label(),
            birth_date: chinese_date(data.birth_date),
            ethnicity: &data.ethnicity,
            political_status: &data.political_status,
            id_card_no: &data.id_card_no,
            admission_no: &data.admission_no,
            major: &data.major,
            level: data.level.label(),
            school: &data.school,
            batch: &data.batch,
            has_photo: data.photo.is_some(),
            resume: data
                .resume
                .iter()
                .map(|e| ResumeLine {
                    period: e.period(),
                    unit: &e.unit,
                    role: &e.role,
                })
                .collect(),
            self_appraisal: paragraphs(&data.self_appraisal),
            has_signature: data.signature.is_some(),
            signed_on: date_line(data.signed_on),
        }
    }
}

#[derive(Serialize)]
pub(crate) struct TranscriptView<'a> {
    fonts: Fonts<'a>,
    name: &'a str,
    admission_no: &'a str,
    major: &'a str,
    level: &'static str,
    school: &'a str,
    courses: Vec<CourseLine<'a>>,
    total_credits: u32,
    self_appraisal: Vec<&'a str>,
    has_signature: bool,
    signed_on: String,
}

#[derive(Serialize)]
struct CourseLine<'a> {
    code: &'a str,
    name: &'a str,
    credits: u8,
    score: String,
    source: &'static str,
}

impl<'a> TranscriptView<'a> {
    pub(crate) fn new(data: &'a TranscriptData, fonts: Fonts<'a>) -> Self {
        Self {
            fonts,
            name: &data.name,
            admission_no: &data.admission_no,
            major: &data.major,
            level: data.level.label(),
            school: &data.school,
            courses: data
                .courses
                .iter()
                .map(|c| CourseLine {
                    code: &c.code,
                    name: &c.name,
                    credits: c.credits,
                    score: c.score.display(),
                    source: c.source.label(),
                })
                .collect(),
            total_credits: data.courses.iter().map(|c| u32::from(c.credits)).sum(),
            self_appraisal: paragraphs(&data.self_appraisal),
            has_signature: data.signature.is_some(),
            signed_on: date_line(data.signed_on),
        }
    }
}

/// Candidates type the appraisal in a textarea; each non-blank line becomes
/// a paragraph so the template can give it the customary two-character indent.
fn paragraphs(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

pub(crate) fn chinese_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Full-width spaces keep room to write the date by hand when none is given.
fn date_line(date: Option<NaiveDate>) -> String {
    match date {
        Some(date) => chinese_date(date),
        None => "　　　　年　　月　　日".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appraisal_lines_become_paragraphs_without_blank_ones() {
        assert_eq!(
            paragraphs("  第一段。\r\n\r\n第二段。\n   \n"),
            vec!["第一段。", "第二段。"]
        );
    }

    #[test]
    fn open_ended_resume_entry_reads_to_date() {
        let entry = ResumeEntry {
            from: "2020-09".into(),
            to: None,
            unit: "重庆某公司".into(),
            role: "职员".into(),
        };
        assert_eq!(entry.period(), "2020-09—至今");
    }
}

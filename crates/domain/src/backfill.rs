//! 成绩补录 score backfill (seed 003 §(一)): a course result held on paper but not found in
//! the management platform must be entered into it before it can count for graduation, because
//! "凡管理平台不能查询到的成绩不能用于申请……毕业证书"; which papers a province accepts, and until
//! when, is its definition's `[[backfill]]`.
//!
//! Three kinds of paper prove such a result, each handled by a different organisation:
//! - 课程合格证书 obtained before 1995: the confirmation point verifies it, enters the result and
//!   keeps the original for the record;
//! - 转入考籍档案证明信 obtained before 2016: likewise at the confirmation point;
//! - 实习(实验)考核合格成绩通知单: the chief university verifies it.
//!
//! This module holds the rules only; who the confirmation point or university is, is the store's
//! business.

use chrono::{Datelike, NaiveDate};

use crate::province::BackfillPaper;
use crate::{ScoreValue, ValueError, validate_course_code};

coded_enum! {
    /// The paper a backfill request rests on (补录依据).
    pub enum BackfillSource("补录依据") {
        /// 自学考试课程合格证书.
        CourseCertificate => ("course_certificate", "课程合格证书"),
        /// 转入考籍档案证明信.
        TransferLetter => ("transfer_letter", "转入考籍档案证明信"),
        /// 实习(实验)考核合格成绩通知单.
        PracticalNotice => ("practical_result_notice", "实习(实验)考核合格成绩通知单"),
    }
}

coded_enum! {
    /// Where a backfill request stands.
    pub enum BackfillStatus("补录状态") {
        /// Waiting for the handling organisation.
        Pending => ("pending", "待审核"),
        /// Verified; the result is now in the platform.
        Approved => ("approved", "已补录"),
        /// Refused with a reason; the candidate may file again.
        Rejected => ("rejected", "已驳回"),
    }
}

/// Which kind of organisation verifies a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackfillHandler {
    /// 确认点: the candidate's registration organisation.
    ConfirmationPoint,
    /// 主考学校 of the major whose plan holds the course.
    ChiefUniversity,
}

impl BackfillSource {
    /// Who verifies and enters the result.
    pub fn handler(self) -> BackfillHandler {
        match self {
            Self::CourseCertificate | Self::TransferLetter => BackfillHandler::ConfirmationPoint,
            Self::PracticalNotice => BackfillHandler::ChiefUniversity,
        }
    }

    /// Whether the handler takes the original and keeps it ("收取原件存档备查"), so approving
    /// requires staff to confirm they did.
    pub fn keeps_original(self) -> bool {
        self.handler() == BackfillHandler::ConfirmationPoint
    }

    /// What the number field is called for this paper.
    pub fn number_label(self) -> &'static str {
        match self {
            Self::CourseCertificate => "证书编号",
            Self::TransferLetter => "证明信编号",
            Self::PracticalNotice => "通知单编号",
        }
    }
}

/// The first year self-study examinations were held; a result dated earlier is a typing error.
const FIRST_EXAM_YEAR: i32 = 1981;

/// Longest certificate or letter number accepted.
pub const DOCUMENT_NO_MAX: usize = 40;

/// A backfill request as typed on the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillInput {
    /// [`BackfillSource`] code or label.
    pub source: String,
    /// Course code.
    pub course_code: String,
    /// Score ("85", "85.5") or "合格".
    pub score: String,
    /// Date obtained, "YYYY-MM-DD".
    pub obtained_on: String,
    /// Certificate, letter or notice number.
    pub document_no: String,
}

/// A request whose fields each passed their rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBackfill {
    /// The paper.
    pub source: BackfillSource,
    /// Course code, uppercased.
    pub course_code: String,
    /// A passing result.
    pub value: ScoreValue,
    /// When the result was obtained.
    pub obtained_on: NaiveDate,
    /// The paper's number, trimmed.
    pub document_no: String,
}

/// Checks the date a paper was obtained against the province's cutoff for its kind: with a
/// cutoff of 1995-01-01, 1994-12-31 is accepted and 1995-01-01 is not.
pub fn check_obtained_on(paper: &BackfillPaper, date: NaiveDate) -> Result<(), ValueError> {
    let source = paper.source;
    if let Some(before) = paper.obtained_before
        && date >= before
    {
        let last = before.pred_opt().unwrap_or(before);
        return Err(ValueError(format!(
            "只有{}年{}月{}日以前取得的{}可以办理成绩补录（最晚{}），实际取得日期为{}；此后取得的成绩应已在管理平台中，请在“成绩查询”中查看，如查询不到请联系确认点",
            before.year(),
            before.month(),
            before.day(),
            source.label(),
            last,
            date
        )));
    }
    Ok(())
}

/// Validates every field against the province's `papers`, collecting one message per failing
/// field as (field, message) so the form can show them all at once.
pub fn validate(
    input: &BackfillInput,
    today: NaiveDate,
    papers: &[BackfillPaper],
) -> Result<ValidBackfill, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let paper = match BackfillSource::parse_label_or_code(&input.source) {
        Ok(s) => match papers.iter().find(|p| p.source == s) {
            Some(p) => Some(p),
            None => {
                let allowed: Vec<&str> = papers.iter().map(|p| p.source.label()).collect();
                errors.push((
                    "source",
                    format!(
                        "本省成绩补录不受理“{}”，可用的补录依据为：{}",
                        s.label(),
                        allowed.join("、")
                    ),
                ));
                None
            }
        },
        Err(e) => {
            errors.push(("source", e.0));
            None
        }
    };
    let source = paper.map(|p| p.source);
    let course_code = validate_course_code(&input.course_code)
        .map_err(|e| errors.push(("course_code", e.0)))
        .ok();
    let value = match ScoreValue::parse(&input.score) {
        Ok(v) if v.is_pass() => Some(v),
        Ok(v) => {
            errors.push((
                "score",
                format!(
                    "只能补录合格成绩（60分及以上或“合格”），填写的成绩为“{}”",
                    v.display()
                ),
            ));
            None
        }
        Err(e) => {
            errors.push(("score", e.0));
            None
        }
    };
    let obtained_on = match parse_date(&input.obtained_on, today) {
        Ok(d) => match paper.map(|p| check_obtained_on(p, d)) {
            Some(Err(e)) => {
                errors.push(("obtained_on", e.0));
                None
            }
            _ => Some(d),
        },
        Err(e) => {
            errors.push(("obtained_on", e.0));
            None
        }
    };
    let document_no = input.document_no.trim().to_owned();
    let label = source.map_or("证书（证明信、通知单）编号", BackfillSource::number_label);
    let len = document_no.chars().count();
    if document_no.is_empty() {
        errors.push(("document_no", format!("请填写{label}")));
    } else if len > DOCUMENT_NO_MAX {
        errors.push((
            "document_no",
            format!("{label}最多{DOCUMENT_NO_MAX}个字符，实际为{len}个"),
        ));
    } else if document_no.chars().any(char::is_control) {
        errors.push(("document_no", format!("{label}不能包含换行等控制字符")));
    }
    match (source, course_code, value, obtained_on) {
        (Some(source), Some(course_code), Some(value), Some(obtained_on)) if errors.is_empty() => {
            Ok(ValidBackfill {
                source,
                course_code,
                value,
                obtained_on,
                document_no,
            })
        }
        _ => Err(errors),
    }
}

fn parse_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValueError::new("请填写取得日期"));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ValueError(format!(
            "取得日期应为“年-月-日”格式，如 1993-06-30，实际为“{s}”"
        ))
    })?;
    if d.year() < FIRST_EXAM_YEAR {
        return Err(ValueError(format!(
            "取得日期{d}早于{FIRST_EXAM_YEAR}年首次自学考试，请核对"
        )));
    }
    if d > today {
        return Err(ValueError(format!("取得日期{d}晚于今天{today}，请核对")));
    }
    Ok(d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn input(source: BackfillSource, date: &str) -> BackfillInput {
        BackfillInput {
            source: source.code().to_owned(),
            course_code: "00009".to_owned(),
            score: "72".to_owned(),
            obtained_on: date.to_owned(),
            document_no: "云自考9301234".to_owned(),
        }
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 24);

    fn papers() -> &'static [BackfillPaper] {
        crate::Province::from_code("yunnan")
            .unwrap()
            .backfill_papers()
    }

    fn paper(source: BackfillSource) -> BackfillPaper {
        *papers().iter().find(|p| p.source == source).unwrap()
    }

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn certificate_of_1994_12_31_is_accepted_and_of_1995_01_01_refused_naming_the_rule() {
        let ok = validate(
            &input(BackfillSource::CourseCertificate, "1994-12-31"),
            today(),
            papers(),
        )
        .unwrap();
        assert_eq!(ok.obtained_on, d(1994, 12, 31));
        let errors = validate(
            &input(BackfillSource::CourseCertificate, "1995-01-01"),
            today(),
            papers(),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "obtained_on");
        assert!(
            errors[0]
                .1
                .starts_with("只有1995年1月1日以前取得的课程合格证书可以办理成绩补录（最晚1994-12-31），实际取得日期为1995-01-01"),
            "{}",
            errors[0].1
        );
    }

    #[test]
    fn transfer_letter_of_2015_12_31_is_accepted_and_of_2016_01_01_refused() {
        assert!(check_obtained_on(&paper(BackfillSource::TransferLetter), d(2015, 12, 31)).is_ok());
        let e =
            check_obtained_on(&paper(BackfillSource::TransferLetter), d(2016, 1, 1)).unwrap_err();
        assert!(
            e.0.contains("2016年1月1日以前取得的转入考籍档案证明信") && e.0.contains("2016-01-01"),
            "{e}"
        );
    }

    #[test]
    fn practical_notice_has_no_date_limit() {
        assert!(check_obtained_on(&paper(BackfillSource::PracticalNotice), d(2024, 6, 30)).is_ok());
        assert!(
            validate(
                &input(BackfillSource::PracticalNotice, "2024-06-30"),
                today(),
                papers()
            )
            .is_ok()
        );
    }

    #[test]
    fn certificate_and_letter_go_to_the_confirmation_point_and_the_notice_to_the_university() {
        assert_eq!(
            BackfillSource::CourseCertificate.handler(),
            BackfillHandler::ConfirmationPoint
        );
        assert_eq!(
            BackfillSource::TransferLetter.handler(),
            BackfillHandler::ConfirmationPoint
        );
        assert_eq!(
            BackfillSource::PracticalNotice.handler(),
            BackfillHandler::ChiefUniversity
        );
        assert!(BackfillSource::CourseCertificate.keeps_original());
        assert!(BackfillSource::TransferLetter.keeps_original());
        assert!(!BackfillSource::PracticalNotice.keeps_original());
    }

    #[test]
    fn score_is_parsed_as_points_or_pass_and_must_be_a_pass() {
        let mut i = input(BackfillSource::CourseCertificate, "1993-06-30");
        i.score = "85.5".to_owned();
        assert_eq!(
            validate(&i, today(), papers()).unwrap().value,
            ScoreValue::parse("85.5").unwrap()
        );
        i.score = "合格".to_owned();
        assert_eq!(
            validate(&i, today(), papers()).unwrap().value,
            ScoreValue::Pass
        );
        i.score = "59.5".to_owned();
        let e = validate(&i, today(), papers()).unwrap_err();
        assert_eq!(
            e,
            vec![(
                "score",
                "只能补录合格成绩（60分及以上或“合格”），填写的成绩为“59.5”".to_owned()
            )]
        );
        i.score = "abc".to_owned();
        assert_eq!(validate(&i, today(), papers()).unwrap_err()[0].0, "score");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let e = validate(
            &BackfillInput {
                source: "毕业证".to_owned(),
                course_code: "15".to_owned(),
                score: "".to_owned(),
                obtained_on: "1993/06/30".to_owned(),
                document_no: " ".to_owned(),
            },
            today(),
            papers(),
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "source",
                "course_code",
                "score",
                "obtained_on",
                "document_no"
            ]
        );
    }

    #[test]
    fn dates_before_the_first_exams_or_in_the_future_are_refused() {
        let e = validate(
            &input(BackfillSource::CourseCertificate, "1980-12-31"),
            today(),
            papers(),
        )
        .unwrap_err();
        assert!(e[0].1.contains("早于1981年"), "{e:?}");
        let e = validate(
            &input(BackfillSource::PracticalNotice, "2026-11-25"),
            today(),
            papers(),
        )
        .unwrap_err();
        assert!(e[0].1.contains("晚于今天"), "{e:?}");
    }

    #[test]
    fn source_and_status_round_trip_code_and_label() {
        for v in BackfillSource::ALL {
            assert_eq!(BackfillSource::from_code(v.code()), Some(*v));
            assert_eq!(BackfillSource::parse_label_or_code(v.label()).unwrap(), *v);
        }
        for v in BackfillStatus::ALL {
            assert_eq!(BackfillStatus::from_code(v.code()), Some(*v));
        }
        // The notice's label has half-width parentheses; typed with full-width ones it still parses.
        assert_eq!(
            BackfillSource::parse_label_or_code("实习（实验）考核合格成绩通知单").unwrap(),
            BackfillSource::PracticalNotice
        );
    }
}

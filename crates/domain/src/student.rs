//! The register of a continuing-education student (学生): 层次, 年级, 学籍状态 and 本科入学年月,
//! as a school's student sheet and seed 002's profile header show them.

use chrono::{Datelike, NaiveDate};

use crate::{Level, ValueError};

coded_enum! {
    /// 层次 of a continuing-education programme: where the student started and what it leads to.
    pub enum StudyLevel("层次") {
        /// 专科起点本科: a 专科 graduate studying for a 本科 (the seed's sample student).
        UpgradeToBachelor => ("upgrade_to_bachelor", "专升本"),
        /// 高中起点本科.
        HighSchoolToBachelor => ("high_school_to_bachelor", "高起本"),
        /// 高中起点专科.
        HighSchoolToAssociate => ("high_school_to_associate", "高起专"),
    }
}

impl StudyLevel {
    /// The short label or its spelled-out name (专科起点本科, 高中起点本科, 高中起点专科), as
    /// student sheets write either.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        match s.trim() {
            "专科起点本科" | "专科起点升本科" => Ok(Self::UpgradeToBachelor),
            "高中起点本科" | "高中起点升本科" => Ok(Self::HighSchoolToBachelor),
            "高中起点专科" => Ok(Self::HighSchoolToAssociate),
            other => Self::parse_label_or_code(other),
        }
    }

    /// The level of the qualification the programme leads to, which its major must have.
    pub fn leads_to(&self) -> Level {
        match self {
            Self::UpgradeToBachelor | Self::HighSchoolToBachelor => Level::Bachelor,
            Self::HighSchoolToAssociate => Level::Associate,
        }
    }
}

coded_enum! {
    /// 学籍状态 of a continuing-education student.
    pub enum EnrolmentStatus("学籍状态") {
        /// 在籍: studying.
        Enrolled => ("enrolled", "在籍"),
        /// 休学: studies suspended for a time.
        Suspended => ("suspended", "休学"),
        /// 退学: left before the end.
        Withdrawn => ("withdrawn", "退学"),
        /// 结业: finished without meeting the graduation requirements.
        Completed => ("completed", "结业"),
        /// 毕业.
        Graduated => ("graduated", "毕业"),
    }
}

/// The earliest 年级 (and 本科入学年月) accepted: continuing-education registers kept online
/// begin well after it, so an earlier year is a typing error.
pub const FIRST_GRADE_YEAR: i32 = 1980;

/// 年级: the year a class enrolled, written `2022级` as on seed 002's profile header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grade(i32);

impl Grade {
    /// `2022级`, `2022`, `2022年` or `2022 级`: a year from [`FIRST_GRADE_YEAR`] to next year (a
    /// spring class is registered in the autumn before it starts).
    pub fn parse(s: &str, today: NaiveDate) -> Result<Self, ValueError> {
        let text = s.trim();
        if text.is_empty() {
            return Err(ValueError::new("年级不能为空"));
        }
        let digits = text
            .trim_end_matches(['级', '年'])
            .trim_end()
            .trim_end_matches(".0");
        let year = (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<i32>().ok())
            .flatten()
            .ok_or_else(|| {
                ValueError(format!("年级应为四位年份加“级”，如 2022级，实际为“{text}”"))
            })?;
        let latest = today.year() + 1;
        if !(FIRST_GRADE_YEAR..=latest).contains(&year) {
            return Err(ValueError(format!(
                "年级应在 {FIRST_GRADE_YEAR}级 至 {latest}级 之间，实际为 {year}级"
            )));
        }
        Ok(Self(year))
    }

    /// The enrolment year.
    pub fn year(&self) -> i32 {
        self.0
    }

    /// `2022级`, as stored and shown.
    pub fn label(&self) -> String {
        format!("{}级", self.0)
    }
}

/// 本科入学年月: the month the student began the 本科 programme, stored as `YYYYMM` (the form of
/// seed 002 step 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryMonth {
    year: i32,
    month: u32,
}

impl EntryMonth {
    /// `202203`, `2022-03`, `2022/3`, `2022.03` or `2022年3月`; not before [`FIRST_GRADE_YEAR`]
    /// and not after the current month.
    pub fn parse(s: &str, today: NaiveDate) -> Result<Self, ValueError> {
        let text = s.trim();
        if text.is_empty() {
            return Err(ValueError::new("本科入学年月不能为空"));
        }
        let bad = || {
            ValueError(format!(
                "本科入学年月应为“年年年年月月”，如 202203 或 2022-03，实际为“{text}”"
            ))
        };
        let normalized: String = text
            .chars()
            .map(|c| match c {
                '年' | '/' | '.' => '-',
                c => c,
            })
            .filter(|&c| c != '月')
            .collect();
        let (y, m) = match normalized.split_once('-') {
            Some((y, m)) => (y, m),
            None if normalized.len() == 6 => normalized.split_at(4),
            None => return Err(bad()),
        };
        let number = |p: &str, len: std::ops::RangeInclusive<usize>| {
            (len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        };
        let (Some(year), Some(month)) = (number(y, 4..=4), number(m, 1..=2)) else {
            return Err(bad());
        };
        if !(1..=12).contains(&month) {
            return Err(ValueError(format!(
                "本科入学年月的月份应为 01–12，实际为 {month:02}"
            )));
        }
        let year = i32::try_from(year).map_err(|_| bad())?;
        let entry = Self { year, month };
        let now = Self {
            year: today.year(),
            month: today.month(),
        };
        if year < FIRST_GRADE_YEAR {
            return Err(ValueError(format!(
                "本科入学年月 {} 早于 {FIRST_GRADE_YEAR} 年",
                entry.yyyymm()
            )));
        }
        if entry > now {
            return Err(ValueError(format!(
                "本科入学年月 {} 晚于本月（{}）",
                entry.yyyymm(),
                now.yyyymm()
            )));
        }
        Ok(entry)
    }

    /// `202203`, as stored and as the degree form takes it.
    pub fn yyyymm(&self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 20).unwrap()
    }

    #[test]
    fn study_levels_by_short_or_spelled_out_name() {
        assert_eq!(
            StudyLevel::parse("专升本").unwrap(),
            StudyLevel::UpgradeToBachelor
        );
        assert_eq!(
            StudyLevel::parse(" 专科起点本科 ").unwrap(),
            StudyLevel::UpgradeToBachelor
        );
        assert_eq!(
            StudyLevel::parse("高中起点专科").unwrap().leads_to(),
            Level::Associate
        );
        let e = StudyLevel::parse("本科").unwrap_err().0;
        assert!(e.contains("专升本、高起本、高起专"), "{e}");
    }

    #[test]
    fn enrolment_status_is_one_of_the_register_words() {
        assert_eq!(
            EnrolmentStatus::parse_label_or_code("在籍").unwrap(),
            EnrolmentStatus::Enrolled
        );
        assert!(
            EnrolmentStatus::parse_label_or_code("在读")
                .unwrap_err()
                .0
                .contains("学籍状态应为以下之一")
        );
    }

    #[test]
    fn grades_in_the_shapes_sheets_use() {
        for raw in ["2022级", "2022", "2022 级", "2022年", "2022.0"] {
            assert_eq!(
                Grade::parse(raw, today()).unwrap().label(),
                "2022级",
                "{raw}"
            );
        }
        assert!(
            Grade::parse("2028级", today())
                .unwrap_err()
                .0
                .contains("2027级")
        );
        assert!(
            Grade::parse("1979", today())
                .unwrap_err()
                .0
                .contains("1980级")
        );
        assert!(
            Grade::parse("22级", today())
                .unwrap_err()
                .0
                .contains("四位年份")
        );
        assert!(
            Grade::parse("", today())
                .unwrap_err()
                .0
                .contains("不能为空")
        );
    }

    #[test]
    fn entry_months_in_the_shapes_sheets_use() {
        for raw in ["202203", "2022-03", "2022/3", "2022.03", "2022年3月"] {
            assert_eq!(
                EntryMonth::parse(raw, today()).unwrap().yyyymm(),
                "202203",
                "{raw}"
            );
        }
        assert_eq!(
            EntryMonth::parse("202605", today()).unwrap().yyyymm(),
            "202605"
        );
        assert!(
            EntryMonth::parse("202606", today())
                .unwrap_err()
                .0
                .contains("晚于本月")
        );
        assert!(
            EntryMonth::parse("202213", today())
                .unwrap_err()
                .0
                .contains("01–12")
        );
        assert!(
            EntryMonth::parse("2022-3-1", today())
                .unwrap_err()
                .0
                .contains("年年年年月月")
        );
        assert!(
            EntryMonth::parse("197909", today())
                .unwrap_err()
                .0
                .contains("1980")
        );
    }
}

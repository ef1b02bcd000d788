//! Course scores and the vocabulary describing where a score came from.

use crate::{ValueError, first_bad_char, show_char};

/// Lowest passing score, in tenths of a point (60.0).
pub const PASS_MARK_TENTHS: u16 = 600;

/// Highest possible score, in tenths of a point (100.0).
const MAX_TENTHS: u16 = 1000;

/// A numeric score from 0 to 100 with one decimal place, held as an integer
/// number of tenths so comparisons and sums are exact.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u16", into = "u16")]
pub struct Score(u16);

impl Score {
    /// `None` when `t` exceeds 1000 (100.0 points).
    pub fn from_tenths(t: u16) -> Option<Self> {
        (t <= MAX_TENTHS).then_some(Self(t))
    }

    /// The score in tenths of a point.
    pub fn tenths(&self) -> u16 {
        self.0
    }

    /// Parses `"85"`, `"85.5"`, `"100.0"`; trailing zeros beyond the first
    /// decimal (`"85.50"`, common in spreadsheet exports) are accepted because
    /// they do not change the value. Full-width digits are accepted too.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let raw = s.trim();
        if raw.is_empty() {
            return Err(ValueError::new("成绩不能为空"));
        }
        let not_number = || {
            ValueError(format!(
                "成绩应为0至100的数字或“合格”/“不合格”，实际为“{raw}”"
            ))
        };
        let out_of_range = || ValueError(format!("成绩超出范围：{raw}，应在0至100之间"));

        let ascii: String = raw.chars().map(to_ascii_digit_or_dot).collect();
        let (negative, body) = match ascii.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, ascii.strip_prefix('+').unwrap_or(&ascii)),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, "0"),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int_part) || !all_digits(frac_part) {
            return Err(not_number());
        }

        let int_digits = int_part.trim_start_matches('0');
        // Five or more significant digits is ≥ 10000 and cannot fit anyway.
        if int_digits.len() > 4 {
            return Err(out_of_range());
        }
        let whole: u16 = int_digits.parse().unwrap_or(0);
        let tenth = u16::from(frac_part.as_bytes()[0] - b'0');
        let beyond_tenths_nonzero = frac_part[1..].bytes().any(|b| b != b'0');
        let tenths = whole * 10 + tenth;

        let is_zero = tenths == 0 && !beyond_tenths_nonzero;
        let above_max = tenths > MAX_TENTHS || (tenths == MAX_TENTHS && beyond_tenths_nonzero);
        if (negative && !is_zero) || above_max {
            return Err(out_of_range());
        }
        if beyond_tenths_nonzero {
            return Err(ValueError(format!("成绩最多保留一位小数，实际为“{raw}”")));
        }
        Ok(Self(tenths))
    }

    /// `"85"` for whole points, `"85.5"` otherwise.
    pub fn display(&self) -> String {
        if self.0.is_multiple_of(10) {
            format!("{}", self.0 / 10)
        } else {
            format!("{}.{}", self.0 / 10, self.0 % 10)
        }
    }
}

impl TryFrom<u16> for Score {
    type Error = ValueError;
    fn try_from(t: u16) -> Result<Self, Self::Error> {
        Self::from_tenths(t)
            .ok_or_else(|| ValueError(format!("成绩超出范围：{t}（十分之一分），应在0至1000之间")))
    }
}

impl From<Score> for u16 {
    fn from(s: Score) -> u16 {
        s.0
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

fn to_ascii_digit_or_dot(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '－' => '-',
        c => c,
    }
}

/// A course result: either points, or a bare pass/fail mark for courses
/// (often practical ones) that are graded 合格/不合格 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ScoreValue {
    /// A numeric score.
    Points(Score),
    /// 合格.
    Pass,
    /// 不合格.
    Fail,
}

impl ScoreValue {
    /// Numbers as [`Score::parse`]; `合格`/`及格`/`通过` give `Pass`;
    /// `不合格`/`不及格`/`不通过` give `Fail`.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        match s.trim() {
            "合格" | "及格" | "通过" => Ok(Self::Pass),
            "不合格" | "不及格" | "不通过" => Ok(Self::Fail),
            other => Score::parse(other).map(Self::Points),
        }
    }

    /// Points pass at 60.0 and above.
    pub fn is_pass(&self) -> bool {
        match self {
            Self::Points(s) => s.tenths() >= PASS_MARK_TENTHS,
            Self::Pass => true,
            Self::Fail => false,
        }
    }

    /// `"85.5"`, `"合格"` or `"不合格"`.
    pub fn display(&self) -> String {
        match self {
            Self::Points(s) => s.display(),
            Self::Pass => "合格".to_string(),
            Self::Fail => "不合格".to_string(),
        }
    }

    /// Column pair for storage: score in tenths (absent for pass/fail marks)
    /// and whether it passed, stored so queries need not know the pass mark.
    pub fn to_db(&self) -> (Option<i32>, bool) {
        match self {
            Self::Points(s) => (Some(i32::from(s.tenths())), self.is_pass()),
            Self::Pass | Self::Fail => (None, self.is_pass()),
        }
    }

    /// Inverse of [`ScoreValue::to_db`]. When a score is present it is
    /// authoritative and `passed` is ignored, since `passed` is derived from
    /// it. `None` when the stored tenths are outside 0..=1000.
    pub fn from_db(tenths: Option<i32>, passed: bool) -> Option<Self> {
        match tenths {
            Some(t) => u16::try_from(t)
                .ok()
                .and_then(Score::from_tenths)
                .map(Self::Points),
            None if passed => Some(Self::Pass),
            None => Some(Self::Fail),
        }
    }
}

impl std::fmt::Display for ScoreValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

coded_enum! {
    /// How a course result was obtained.
    pub enum ScoreSource("成绩来源") {
        /// Sat the national or provincial exam.
        Exam => ("exam", "考试"),
        /// Exempted on the basis of other qualifications.
        Exemption => ("exemption", "免考"),
        /// Entered later by staff from paper records.
        Backfill => ("backfill", "补录"),
        /// Transferred in from another province.
        Transfer => ("transfer", "转入"),
        /// Assessed by a practical examination.
        Practical => ("practical", "实践考核"),
        /// Recorded under an older 13-character admission number and brought over when the
        /// candidate linked that number (13位准考证查询).
        Legacy => ("legacy", "13位准考证"),
    }
}

coded_enum! {
    /// Kind of course in a programme's plan.
    pub enum CourseKind("课程类型") {
        /// Written theory course.
        Theory => ("theory", "理论"),
        /// Practical (lab or field) course.
        Practical => ("practical", "实践"),
        /// Graduation thesis or design.
        Thesis => ("thesis", "毕业论文(设计)"),
    }
}

coded_enum! {
    /// Channel through which an exemption was applied for.
    pub enum ExemptionMode("免考方式") {
        /// Applied online.
        Online => ("online", "线上"),
        /// Applied in person.
        Offline => ("offline", "线下"),
    }
}

/// Validates a course code: national codes are 5 digits (`00015`,
/// `03708`), some provinces use 6 characters. Accepts 5 or 6 ASCII letters or
/// digits and returns it trimmed and uppercased so lookups are case-blind.
pub fn validate_course_code(s: &str) -> Result<String, ValueError> {
    let code = s.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(ValueError::new("课程代码不能为空"));
    }
    if let Some((pos, c)) = first_bad_char(&code, |c| c.is_ascii_alphanumeric()) {
        return Err(ValueError(format!(
            "课程代码只能包含字母和数字，第{pos}位为{}",
            show_char(c)
        )));
    }
    let len = code.len();
    if len == 5 || len == 6 {
        return Ok(code);
    }
    // Spreadsheets turn "00015" into the number 15; say so, since the cause
    // is otherwise baffling to the person importing.
    let hint = if len < 5 && code.bytes().all(|b| b.is_ascii_digit()) {
        "（可能是表格软件去掉了前导0，如“00015”被显示为“15”）"
    } else {
        ""
    };
    Err(ValueError(format!(
        "课程代码应为5位或6位字母或数字，实际为{len}位{hint}"
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tenths(s: &str) -> u16 {
        Score::parse(s).unwrap().tenths()
    }

    #[test]
    fn hundred_with_or_without_decimal_is_the_maximum() {
        assert_eq!(tenths("100"), 1000);
        assert_eq!(tenths("100.0"), 1000);
        assert_eq!(tenths("0"), 0);
        assert_eq!(tenths("85.5"), 855);
        assert_eq!(tenths("85.50"), 855);
        assert_eq!(tenths("０８５．５"), 855);
    }

    #[test]
    fn just_outside_the_range_is_rejected_with_the_value() {
        assert_eq!(
            Score::parse("100.1").unwrap_err().0,
            "成绩超出范围：100.1，应在0至100之间"
        );
        assert_eq!(
            Score::parse("100.5").unwrap_err().0,
            "成绩超出范围：100.5，应在0至100之间"
        );
        assert_eq!(
            Score::parse("100.01").unwrap_err().0,
            "成绩超出范围：100.01，应在0至100之间"
        );
        assert_eq!(
            Score::parse("-0.1").unwrap_err().0,
            "成绩超出范围：-0.1，应在0至100之间"
        );
        assert_eq!(
            Score::parse("-1").unwrap_err().0,
            "成绩超出范围：-1，应在0至100之间"
        );
        assert_eq!(
            Score::parse("99999999999").unwrap_err().0,
            "成绩超出范围：99999999999，应在0至100之间"
        );
    }

    #[test]
    fn text_and_malformed_numbers_are_not_scores() {
        let msg = "成绩应为0至100的数字或“合格”/“不合格”，实际为“abc”";
        assert_eq!(Score::parse("abc").unwrap_err().0, msg);
        for bad in ["85.", ".5", "8 5", "1e2", "--1", "合格"] {
            assert!(Score::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Score::parse("85.55").unwrap_err().0,
            "成绩最多保留一位小数，实际为“85.55”"
        );
    }

    #[test]
    fn sixty_passes_and_fifty_nine_point_nine_fails() {
        assert!(ScoreValue::parse("60").unwrap().is_pass());
        assert!(!ScoreValue::parse("59.9").unwrap().is_pass());
    }

    #[test]
    fn pass_fail_words_are_recognised() {
        for w in ["合格", "及格", "通过", " 合格 "] {
            assert_eq!(ScoreValue::parse(w).unwrap(), ScoreValue::Pass, "{w}");
        }
        for w in ["不合格", "不及格", "不通过"] {
            assert_eq!(ScoreValue::parse(w).unwrap(), ScoreValue::Fail, "{w}");
        }
        assert_eq!(ScoreValue::Fail.display(), "不合格");
    }

    #[test]
    fn db_round_trip_keeps_points_and_marks() {
        for v in [
            ScoreValue::Pass,
            ScoreValue::Fail,
            ScoreValue::parse("72.5").unwrap(),
            ScoreValue::parse("12").unwrap(),
        ] {
            let (t, passed) = v.to_db();
            assert_eq!(ScoreValue::from_db(t, passed), Some(v));
        }
        assert_eq!(ScoreValue::parse("60").unwrap().to_db(), (Some(600), true));
        assert_eq!(ScoreValue::from_db(Some(1001), true), None);
        assert_eq!(ScoreValue::from_db(Some(-1), false), None);
    }

    #[test]
    fn source_kind_and_mode_round_trip_code_and_label() {
        for v in ScoreSource::ALL {
            assert_eq!(ScoreSource::from_code(v.code()), Some(*v));
            assert_eq!(ScoreSource::parse_label_or_code(v.label()).unwrap(), *v);
        }
        for v in CourseKind::ALL {
            assert_eq!(CourseKind::from_code(v.code()), Some(*v));
            assert_eq!(CourseKind::parse_label_or_code(v.label()).unwrap(), *v);
        }
        for v in ExemptionMode::ALL {
            assert_eq!(ExemptionMode::from_code(v.code()), Some(*v));
            assert_eq!(ExemptionMode::parse_label_or_code(v.label()).unwrap(), *v);
        }
    }

    #[test]
    fn thesis_label_accepts_full_width_parentheses() {
        assert_eq!(
            CourseKind::parse_label_or_code("毕业论文（设计）").unwrap(),
            CourseKind::Thesis
        );
    }

    #[test]
    fn course_codes_are_five_or_six_alphanumerics() {
        assert_eq!(validate_course_code(" 00015 ").unwrap(), "00015");
        assert_eq!(validate_course_code("a03708").unwrap(), "A03708");
        assert_eq!(
            validate_course_code("0370812").unwrap_err().0,
            "课程代码应为5位或6位字母或数字，实际为7位"
        );
        assert_eq!(
            validate_course_code("15").unwrap_err().0,
            "课程代码应为5位或6位字母或数字，实际为2位（可能是表格软件去掉了前导0，如“00015”被显示为“15”）"
        );
        assert_eq!(
            validate_course_code("000-15").unwrap_err().0,
            "课程代码只能包含字母和数字，第4位为“-”"
        );
    }

    #[test]
    fn all_1001_scores_display_and_parse_back_exhaustively() {
        for t in 0..=MAX_TENTHS {
            let s = Score::from_tenths(t).unwrap();
            assert_eq!(Score::parse(&s.display()).unwrap(), s);
        }
        assert_eq!(Score::from_tenths(855).unwrap().display(), "85.5");
        assert_eq!(Score::from_tenths(850).unwrap().display(), "85");
    }

    proptest! {
        #[test]
        fn every_score_displays_and_parses_back_to_itself(t in 0u16..=1000) {
            let s = Score::from_tenths(t).unwrap();
            prop_assert_eq!(Score::parse(&s.display()).unwrap(), s);
        }

        #[test]
        fn tenths_above_one_thousand_are_not_scores(t in 1001u16..) {
            prop_assert_eq!(Score::from_tenths(t), None);
        }
    }
}

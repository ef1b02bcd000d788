//! 学位 degree rules of seed 002: the entry condition of the degree foreign-language recognition
//! (学位外语成绩认定) and the degree application (学位申请): its conditions, form, uploads and the
//! 姓名拼音 offered from the name.
//!
//! Scores are integer tenths of a point and averages are compared exactly, as the sum of tenths
//! against the threshold times the number of courses, so 69.99 never rounds up to 70.
//!
//! Which courses enter the average (our reading of “教学计划规定的考试课程的平均成绩”):
//! - theory and practical courses of the plan that carry a numeric score;
//! - a course graded 合格/不合格 only has no number to average, so it does not enter;
//! - the graduation thesis or design (毕业论文(设计)) is not an examination course and does not
//!   enter either, the same choice the seed's step 2 makes explicitly (“不包含毕业课程”);
//! - a plan course without any result yet does not enter: it has not been examined.

pub mod conditions;
pub mod files;
pub mod form;
pub mod language;
pub mod pinyin;
pub mod stages;

use crate::{CourseKind, ScoreValue, ValueError};

coded_enum! {
    /// 审核状态 of a degree application.
    pub enum DegreeReview("审核状态") {
        /// Submitted, not decided yet.
        Pending => ("pending", "待审核"),
        /// The school approved it.
        Approved => ("approved", "审核通过"),
        /// The school sent it back with its opinion.
        Rejected => ("rejected", "审核不通过"),
    }
}

coded_enum! {
    /// 学位授予结果, recorded for approved applications.
    pub enum DegreeAward("学位授予结果") {
        /// 授予.
        Awarded => ("awarded", "授予"),
        /// 不授予.
        NotAwarded => ("not_awarded", "不授予"),
    }
}

/// The default threshold of every degree condition, in tenths (70.0), used for a school that has
/// not set its own rules.
pub const DEFAULT_THRESHOLD_TENTHS: i32 = 700;

/// One course of the plan with the student's result, as the average needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanResult {
    /// Theory, practical or thesis.
    pub kind: CourseKind,
    /// The result, `None` when the course has not been examined yet.
    pub result: Option<ScoreValue>,
}

/// An exact average: a sum of tenths over a number of courses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Average {
    /// Sum of the scores in tenths.
    pub sum_tenths: u64,
    /// How many courses entered the sum.
    pub count: u64,
}

impl Average {
    /// Whether the average reaches `threshold_tenths`, compared exactly. An average of no course
    /// reaches nothing.
    pub fn reaches(&self, threshold_tenths: i32) -> bool {
        let Ok(t) = u64::try_from(threshold_tenths) else {
            // A negative threshold is always met.
            return self.count > 0;
        };
        self.count > 0 && self.sum_tenths >= t * self.count
    }

    /// The average in hundredths of a point, rounded down, so an average below a threshold is
    /// never displayed as reaching it (69.995 shows as 69.99).
    pub fn hundredths(&self) -> u64 {
        (self.sum_tenths * 10).checked_div(self.count).unwrap_or(0)
    }

    /// Two decimals, as the seed shows it: "91.95", "70.00".
    pub fn display(&self) -> String {
        let h = self.hundredths();
        format!("{}.{:02}", h / 100, h % 100)
    }
}

/// The average of the plan's examination courses; see the module documentation for which
/// courses enter.
pub fn exam_course_average(lines: &[PlanResult]) -> Average {
    lines
        .iter()
        .filter(|l| l.kind != CourseKind::Thesis)
        .filter_map(|l| match l.result {
            Some(ScoreValue::Points(s)) => Some(u64::from(s.tenths())),
            _ => None,
        })
        .fold(Average::default(), |a, t| Average {
            sum_tenths: a.sum_tenths + t,
            count: a.count + 1,
        })
}

/// Shows a threshold in tenths as points: 700 → "70", 655 → "65.5".
pub fn threshold_display(tenths: i32) -> String {
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    }
}

/// Parses a threshold typed by a school admin: 0 to 100 with at most one decimal, in tenths.
/// `field` names the setting in the message.
pub fn parse_threshold(field: &str, s: &str) -> Result<i32, ValueError> {
    let raw = s.trim();
    if raw.is_empty() {
        return Err(ValueError(format!(
            "{field}不能为空，请填写0至100之间的分数"
        )));
    }
    crate::Score::parse(raw)
        .map(|v| i32::from(v.tenths()))
        .map_err(|e| ValueError(format!("{field}：{}", e.0)))
}

/// The entry condition of a batch judged for one student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryCondition {
    /// The student's average of the examination courses.
    pub average: Average,
    /// The batch's threshold in tenths.
    pub threshold_tenths: i32,
}

impl EntryCondition {
    /// Judges `lines` against `threshold_tenths`.
    pub fn judge(lines: &[PlanResult], threshold_tenths: i32) -> Self {
        Self {
            average: exam_course_average(lines),
            threshold_tenths,
        }
    }

    /// Whether the condition is met (达标).
    pub fn met(&self) -> bool {
        self.average.reaches(self.threshold_tenths)
    }

    /// The condition as the 查看 column shows it.
    pub fn rule(&self) -> String {
        format!(
            "教学计划规定的考试课程（不含毕业论文(设计)及只记合格/不合格的课程）平均成绩不低于{}分",
            threshold_display(self.threshold_tenths)
        )
    }

    /// The student's figure: "您的平均成绩：91.95（12门课程）".
    pub fn actual(&self) -> String {
        if self.average.count == 0 {
            "您暂无可计入平均成绩的考试课程成绩".to_owned()
        } else {
            format!(
                "您的平均成绩：{}（{}门课程）",
                self.average.display(),
                self.average.count
            )
        }
    }

    /// Why applying is refused, `None` when the condition is met.
    pub fn refusal(&self) -> Option<String> {
        if self.met() {
            return None;
        }
        Some(if self.average.count == 0 {
            format!(
                "未达到申请条件：{}；您暂无可计入平均成绩的考试课程成绩",
                self.rule()
            )
        } else {
            let short_by = u64::try_from(self.threshold_tenths)
                .unwrap_or(0)
                .saturating_mul(10)
                .saturating_sub(self.average.hundredths());
            format!(
                "未达到申请条件：{}，您的平均成绩为{}，还差{}.{:02}分",
                self.rule(),
                self.average.display(),
                short_by / 100,
                short_by % 100
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Score;

    fn points(t: u16) -> PlanResult {
        PlanResult {
            kind: CourseKind::Theory,
            result: Some(ScoreValue::Points(Score::from_tenths(t).unwrap())),
        }
    }

    /// Nine courses at 70.0 and one at `last` tenths: averages 69.99, 70.00, 70.01.
    fn ten_courses(last: u16) -> Vec<PlanResult> {
        let mut v = vec![points(700); 9];
        v.push(points(last));
        v
    }

    #[test]
    fn average_of_69_99_is_below_70() {
        let c = EntryCondition::judge(&ten_courses(699), 700);
        assert_eq!(c.average.display(), "69.99");
        assert!(!c.met());
        let msg = c.refusal().unwrap();
        assert!(msg.contains("不低于70分"), "{msg}");
        assert!(msg.contains("您的平均成绩为69.99"), "{msg}");
        assert!(msg.contains("还差0.01分"), "{msg}");
    }

    #[test]
    fn average_of_exactly_70_00_meets_70() {
        let c = EntryCondition::judge(&ten_courses(700), 700);
        assert_eq!(c.average.display(), "70.00");
        assert!(c.met());
        assert_eq!(c.refusal(), None);
    }

    #[test]
    fn average_of_70_01_meets_70() {
        let c = EntryCondition::judge(&ten_courses(701), 700);
        assert_eq!(c.average.display(), "70.01");
        assert!(c.met());
    }

    #[test]
    fn a_repeating_average_just_below_is_not_rounded_up() {
        // 2099 / 3 = 699.67 tenths: 69.96 shown, and below 70.
        let c = EntryCondition::judge(&[points(700), points(700), points(699)], 700);
        assert_eq!(c.average.display(), "69.96");
        assert!(!c.met());
    }

    #[test]
    fn the_thesis_does_not_enter_the_average() {
        let mut lines = ten_courses(700);
        lines.push(PlanResult {
            kind: CourseKind::Thesis,
            result: Some(ScoreValue::Points(Score::from_tenths(400).unwrap())),
        });
        let a = exam_course_average(&lines);
        assert_eq!(a.count, 10);
        assert_eq!(a.display(), "70.00");
    }

    #[test]
    fn a_pass_only_course_does_not_enter_the_average() {
        let mut lines = ten_courses(699);
        lines.push(PlanResult {
            kind: CourseKind::Practical,
            result: Some(ScoreValue::Pass),
        });
        lines.push(PlanResult {
            kind: CourseKind::Practical,
            result: Some(ScoreValue::Fail),
        });
        lines.push(PlanResult {
            kind: CourseKind::Theory,
            result: None,
        });
        let a = exam_course_average(&lines);
        assert_eq!(a.count, 10);
        assert_eq!(a.display(), "69.99");
    }

    #[test]
    fn a_practical_course_with_a_score_enters_the_average() {
        let lines = [
            points(800),
            PlanResult {
                kind: CourseKind::Practical,
                result: Some(ScoreValue::Points(Score::from_tenths(600).unwrap())),
            },
        ];
        assert_eq!(exam_course_average(&lines).display(), "70.00");
    }

    #[test]
    fn the_seed_sample_shows_two_decimals() {
        let a = Average {
            sum_tenths: 11034,
            count: 12,
        };
        assert_eq!(a.display(), "91.95");
    }

    #[test]
    fn no_examined_course_meets_nothing() {
        let c = EntryCondition::judge(&[], 0);
        assert!(!c.met());
        assert!(c.refusal().unwrap().contains("暂无"));
    }

    #[test]
    fn thresholds_parse_with_one_decimal_and_name_the_field() {
        assert_eq!(parse_threshold("平均成绩", "70").unwrap(), 700);
        assert_eq!(parse_threshold("平均成绩", "65.5").unwrap(), 655);
        assert_eq!(parse_threshold("平均成绩", "100").unwrap(), 1000);
        let e = parse_threshold("平均成绩", "100.1").unwrap_err().0;
        assert!(e.starts_with("平均成绩：") && e.contains("0至100"), "{e}");
        let e = parse_threshold("平均成绩", "70.25").unwrap_err().0;
        assert!(e.contains("一位小数"), "{e}");
        assert!(
            parse_threshold("平均成绩", " ")
                .unwrap_err()
                .0
                .contains("不能为空")
        );
        assert_eq!(threshold_display(700), "70");
        assert_eq!(threshold_display(655), "65.5");
    }
}

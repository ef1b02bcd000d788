//! 学位审核条件 (seed 002 step 5, SPEC §5): the three conditions of a degree application, each
//! with the student's current value and whether it is met. The thresholds come from the degree
//! batch (the school's rules when the batch was created), so other schools' 65 or 75 work alike.
//!
//! Scores are integer tenths: averages are compared exactly (sum against threshold × count) and
//! shown to two decimals rounded down, as the seed's 91.95 ([`super::Average`]).

use super::Average;
use crate::score::{CourseKind, ScoreValue};

/// One plan course with the student's best result in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseResult {
    /// 课程代码.
    pub code: String,
    /// 课程名称.
    pub name: String,
    /// Theory, practical or the graduation thesis (毕业课程).
    pub kind: CourseKind,
    /// 学位主干课.
    pub degree_core: bool,
    /// The best result, if any.
    pub score: Option<ScoreValue>,
}

/// The thresholds of a degree batch, in tenths of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Lowest average of all plan courses, graduation courses excluded.
    pub min_average_tenths: u16,
    /// Lowest score of every degree core course.
    pub min_core_tenths: u16,
}

/// Where the student's 学位外语 recognition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LanguageState {
    /// No application in any batch.
    NotApplied,
    /// Applied, not reviewed yet.
    Pending,
    /// Reviewed 合格.
    Qualified,
    /// Reviewed 不合格.
    NotQualified,
}

impl LanguageState {
    fn label(self) -> &'static str {
        match self {
            LanguageState::NotApplied => "未申请",
            LanguageState::Pending => "待审核",
            LanguageState::Qualified => "合格",
            LanguageState::NotQualified => "不合格",
        }
    }
}

/// A threshold or score as people write it: "70", "72.5".
pub fn points(tenths: u16) -> String {
    super::threshold_display(i32::from(tenths))
}

/// The average of all plan courses with a numeric score, graduation courses (the thesis)
/// excluded. Courses graded only 合格 have no number to average and are left out too.
pub fn plan_average(courses: &[CourseResult]) -> Average {
    let lines: Vec<super::PlanResult> = courses
        .iter()
        .map(|c| super::PlanResult {
            kind: c.kind,
            result: c.score,
        })
        .collect();
    super::exam_course_average(&lines)
}

/// One row of the 学位审核条件 table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// 条件, e.g. "教学计划下所有课程平均成绩 (不包含毕业课程) : 70 及70以上".
    pub rule: String,
    /// 当前状态, e.g. "教学计划下所有课程平均成绩 (不包含毕业课程) : 91.95".
    pub current: String,
    /// 是否合格.
    pub passed: bool,
}

/// The three conditions, in the seed's order and words.
pub fn evaluate(
    courses: &[CourseResult],
    thresholds: Thresholds,
    language: LanguageState,
) -> Vec<Condition> {
    const AVERAGE: &str = "教学计划下所有课程平均成绩 (不包含毕业课程)";
    const CORE: &str = "每门学位主干课 最低成绩";
    let avg = plan_average(courses);
    let min_avg = points(thresholds.min_average_tenths);
    let core: Vec<&CourseResult> = courses.iter().filter(|c| c.degree_core).collect();
    let missing_core: Vec<&str> = core
        .iter()
        .filter(|c| !matches!(c.score, Some(ScoreValue::Points(_))))
        .map(|c| c.name.as_str())
        .collect();
    let lowest = core
        .iter()
        .filter_map(|c| match c.score {
            Some(ScoreValue::Points(s)) => Some((s.tenths(), c.name.as_str())),
            _ => None,
        })
        .min();
    let min_core = points(thresholds.min_core_tenths);
    let (core_current, core_passed) = if !missing_core.is_empty() {
        (
            format!("{CORE}: 无（{}尚无成绩）", missing_core.join("、")),
            false,
        )
    } else {
        match lowest {
            Some((t, name)) => (
                if t < thresholds.min_core_tenths {
                    format!("{CORE}: {}（{name}）", points(t))
                } else {
                    format!("{CORE}: {}", points(t))
                },
                t >= thresholds.min_core_tenths,
            ),
            // A plan without core courses has nothing to fall short of.
            None => (format!("{CORE}: 无学位主干课"), true),
        }
    };
    vec![
        Condition {
            rule: format!("{AVERAGE} : {min_avg} 及{min_avg}以上"),
            current: format!("{AVERAGE} : {}", avg.display()),
            passed: avg.reaches(i32::from(thresholds.min_average_tenths)),
        },
        Condition {
            rule: "学位外语成绩: 合格".to_owned(),
            current: format!("学位外语成绩: {}", language.label()),
            passed: language == LanguageState::Qualified,
        },
        Condition {
            rule: format!("{CORE}: {min_core} 及{min_core}以上"),
            current: core_current,
            passed: core_passed,
        },
    ]
}

/// Why applying is refused, naming every failing condition; `None` when all are met.
pub fn refusal(conditions: &[Condition]) -> Option<String> {
    let failing: Vec<String> = conditions
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("{}（要求 {}）", c.current, c.rule))
        .collect();
    (!failing.is_empty())
        .then(|| format!("未达到学位申请条件，不能申请学位：{}", failing.join("；")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::score::Score;

    fn course(code: &str, kind: CourseKind, core: bool, tenths: Option<u16>) -> CourseResult {
        CourseResult {
            code: code.into(),
            name: format!("课程{code}"),
            kind,
            degree_core: core,
            score: tenths.map(|t| ScoreValue::Points(Score::from_tenths(t).unwrap())),
        }
    }

    fn seventy() -> Thresholds {
        Thresholds {
            min_average_tenths: 700,
            min_core_tenths: 700,
        }
    }

    /// Ten courses whose scores sum to `sum` tenths, plus a thesis at 95 that must not count.
    fn ten_summing(sum: u16) -> Vec<CourseResult> {
        let mut cs: Vec<CourseResult> = (0..9)
            .map(|i| course(&format!("0{i}"), CourseKind::Theory, false, Some(700)))
            .collect();
        cs.push(course("09", CourseKind::Theory, false, Some(sum - 6300)));
        cs.push(course("TH", CourseKind::Thesis, false, Some(950)));
        cs
    }

    #[test]
    fn the_seed_average_shows_two_decimals() {
        assert_eq!(
            Average {
                sum_tenths: 11034,
                count: 12
            }
            .display(),
            "91.95"
        );
        assert_eq!(
            Average {
                sum_tenths: 1400,
                count: 2
            }
            .display(),
            "70.00"
        );
        // 20999 / 30 tenths is 69.9966…: shown as 69.99, never as a 70.00 that is not reached.
        let just_below = Average {
            sum_tenths: 20999,
            count: 30,
        };
        assert_eq!(just_below.display(), "69.99");
        assert!(!just_below.reaches(700));
    }

    #[test]
    fn average_at_69_99_70_and_70_01() {
        // 6999/10 = 699.9 tenths = 69.99 points.
        let below = plan_average(&ten_summing(6999));
        assert_eq!(below.display(), "69.99");
        assert!(!below.reaches(700));
        let at = plan_average(&ten_summing(7000));
        assert_eq!(at.display(), "70.00");
        assert!(at.reaches(700));
        let above = plan_average(&ten_summing(7001));
        assert_eq!(above.display(), "70.01");
        assert!(above.reaches(700));
    }

    #[test]
    fn the_graduation_course_and_pass_only_courses_are_not_averaged() {
        let mut cs = vec![
            course("A", CourseKind::Theory, false, Some(800)),
            course("T", CourseKind::Thesis, false, Some(500)),
        ];
        cs.push(CourseResult {
            score: Some(ScoreValue::Pass),
            ..course("P", CourseKind::Practical, false, None)
        });
        assert_eq!(
            plan_average(&cs),
            Average {
                sum_tenths: 800,
                count: 1
            }
        );
    }

    #[test]
    fn the_lowest_core_course_is_shown_and_must_reach_the_threshold() {
        let cs = vec![
            course("A", CourseKind::Theory, true, Some(770)),
            course("B", CourseKind::Theory, true, Some(900)),
            course("C", CourseKind::Theory, false, Some(600)),
        ];
        let rows = evaluate(&cs, seventy(), LanguageState::Qualified);
        assert_eq!(rows[2].current, "每门学位主干课 最低成绩: 77");
        assert!(rows[2].passed);
        let cs = vec![
            course("A", CourseKind::Theory, true, Some(699)),
            course("B", CourseKind::Theory, true, Some(900)),
        ];
        let rows = evaluate(&cs, seventy(), LanguageState::Qualified);
        assert_eq!(rows[2].current, "每门学位主干课 最低成绩: 69.9（课程A）");
        assert!(!rows[2].passed);
        let missing = vec![course("A", CourseKind::Theory, true, None)];
        let rows = evaluate(&missing, seventy(), LanguageState::Qualified);
        assert!(!rows[2].passed && rows[2].current.contains("课程A尚无成绩"));
    }

    #[test]
    fn language_must_be_qualified_pending_is_not_enough() {
        let cs = vec![course("A", CourseKind::Theory, true, Some(800))];
        for (state, label, ok) in [
            (LanguageState::Qualified, "合格", true),
            (LanguageState::Pending, "待审核", false),
            (LanguageState::NotQualified, "不合格", false),
            (LanguageState::NotApplied, "未申请", false),
        ] {
            let rows = evaluate(&cs, seventy(), state);
            assert_eq!(rows[1].current, format!("学位外语成绩: {label}"));
            assert_eq!(rows[1].passed, ok, "{label}");
        }
    }

    #[test]
    fn other_schools_thresholds_are_written_into_the_rules() {
        let cs = vec![course("A", CourseKind::Theory, true, Some(700))];
        let t = Thresholds {
            min_average_tenths: 650,
            min_core_tenths: 750,
        };
        let rows = evaluate(&cs, t, LanguageState::Qualified);
        assert_eq!(
            rows[0].rule,
            "教学计划下所有课程平均成绩 (不包含毕业课程) : 65 及65以上"
        );
        assert!(rows[0].passed);
        assert_eq!(rows[2].rule, "每门学位主干课 最低成绩: 75 及75以上");
        assert!(!rows[2].passed);
        let why = refusal(&rows).unwrap();
        assert!(
            why.contains("最低成绩: 70（课程A）") && why.contains("75 及75以上"),
            "{why}"
        );
        assert_eq!(
            refusal(&evaluate(&cs, seventy(), LanguageState::Qualified)),
            None
        );
    }
}

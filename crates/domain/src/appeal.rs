//! 陈述申辩 / 复核 appeals: after a refusal of a degree (学位授予结果“不授予”) or a 学位外语
//! recognition found 不合格, the student may state their case within a period the batch sets
//! (15 days unless the school set another), with a statement and files. The organisation that
//! decided (its reviewers of the stage that decided) then 维持 or 撤销原决定, with reasons; a revoked
//! decision reopens the application at that stage.
//!
//! The 学位法 (in force 2025-01-01) gives candidates the right to state their case before a degree
//! is refused; this module holds the rules of the appeal itself: which decisions may be appealed,
//! how long the period runs, and the limits of what is written.
//!
//! The period is counted as Chinese law counts periods in days (民法典 第二百零一条): the day of the
//! decision does not count, the period starts the next day and ends at the end of its last day,
//! Beijing time. A decision of 12月4日 with 15 days may be appealed until 12月19日 23:59:59.

use chrono::{DateTime, Days, NaiveTime, Utc};

use crate::ValueError;
use crate::calendar::{beijing, beijing_date, beijing_minute, from_beijing};

coded_enum! {
    /// Which decision an appeal is about.
    pub enum AppealKind("申辩事项") {
        /// 学位授予结果“不授予”.
        DegreeAward => ("degree_award", "学位授予结果“不授予”"),
        /// 学位外语成绩认定“不合格”.
        Language => ("language", "学位外语成绩认定“不合格”"),
        /// 毕业申请“本次不予办理”: rejected, and still rejected when its batch closed.
        Graduation => ("graduation", "毕业申请“本次不予办理”"),
    }
}

coded_enum! {
    /// Where an appeal stands; the last two are the outcomes a reviewer records.
    pub enum AppealStatus("申辩处理结果") {
        /// Filed, not decided yet.
        Pending => ("pending", "待处理"),
        /// 维持原决定: the decision stands.
        Upheld => ("upheld", "维持原决定"),
        /// 撤销原决定: the application is reopened at the stage that decided.
        Revoked => ("revoked", "撤销原决定"),
    }
}

impl AppealStatus {
    /// The outcome a reviewer chose, from its code: only 维持 or 撤销.
    pub fn parse_outcome(code: &str) -> Result<AppealStatus, ValueError> {
        match AppealStatus::from_code(code.trim()) {
            Some(s @ (AppealStatus::Upheld | AppealStatus::Revoked)) => Ok(s),
            _ => Err(ValueError::new(
                "请选择处理结果：“维持原决定”或“撤销原决定”",
            )),
        }
    }
}

/// The period of a batch that has not set its own, in days.
pub const DEFAULT_PERIOD_DAYS: u32 = 15;

/// The longest period a school may set, in days.
pub const MAX_PERIOD_DAYS: u32 = 90;

/// Longest 申辩陈述, in characters.
pub const STATEMENT_MAX: usize = 2000;

/// Longest 处理理由, in characters.
pub const REASON_MAX: usize = 1000;

/// Most files an appeal may carry.
pub const MAX_FILES: usize = 5;

/// The appeal period of one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// When the decision was recorded.
    pub decided_at: DateTime<Utc>,
    /// The batch's period, in days.
    pub days: u32,
}

impl Period {
    /// The period of a decision recorded at `decided_at` in a batch whose period is `days`; a
    /// stored value out of range reads as the default.
    pub fn new(decided_at: DateTime<Utc>, days: i32) -> Period {
        let days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_PERIOD_DAYS).contains(d))
            .unwrap_or(DEFAULT_PERIOD_DAYS);
        Period { decided_at, days }
    }

    /// The first instant after the period: 00:00 Beijing time of the day after its last day.
    pub fn closes_at(&self) -> DateTime<Utc> {
        let after = beijing_date(self.decided_at)
            .checked_add_days(Days::new(u64::from(self.days) + 1))
            .unwrap_or(chrono::NaiveDate::MAX);
        from_beijing(after.and_time(NaiveTime::MIN))
    }

    /// The last instant an appeal is accepted.
    pub fn last_instant(&self) -> DateTime<Utc> {
        self.closes_at() - chrono::Duration::seconds(1)
    }

    /// The deadline as people read it: "2026-12-19 23:59:59（北京时间）".
    pub fn deadline_label(&self) -> String {
        format!(
            "{}（北京时间）",
            beijing(self.last_instant()).format("%Y-%m-%d %H:%M:%S")
        )
    }

    /// Whether an appeal filed at `now` is in time.
    pub fn open_at(&self, now: DateTime<Utc>) -> bool {
        now < self.closes_at()
    }

    /// Refuses a filing at `now` after the period, naming the period, the decision's time and
    /// the deadline.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), ValueError> {
        if self.open_at(now) {
            return Ok(());
        }
        Err(ValueError(format!(
            "已超过申辩期限，不能再提出申辩：本批次的申辩期限为决定作出之日起{}日（自次日起算），原决定于 {}（北京时间）作出，申辩截止时间为 {}",
            self.days,
            beijing_minute(self.decided_at),
            self.deadline_label()
        )))
    }
}

/// Reads the period a school admin typed: whole days from 1 to [`MAX_PERIOD_DAYS`].
pub fn parse_period_days(s: &str) -> Result<u32, ValueError> {
    let raw = s.trim();
    if raw.is_empty() {
        return Err(ValueError::new(format!(
            "申辩期限不能为空，请填写1至{MAX_PERIOD_DAYS}之间的整数天数"
        )));
    }
    match raw.parse::<u32>() {
        Ok(d) if (1..=MAX_PERIOD_DAYS).contains(&d) => Ok(d),
        _ => Err(ValueError(format!(
            "申辩期限应为1至{MAX_PERIOD_DAYS}之间的整数天数，实际填写为“{raw}”"
        ))),
    }
}

/// Checks a text against its limit and returns it trimmed; `what` names it, `empty` says what
/// to write when nothing was.
fn bounded(text: &str, what: &str, max: usize, empty: &str) -> Result<String, ValueError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ValueError::new(empty));
    }
    let n = t.chars().count();
    if n > max {
        return Err(ValueError(format!(
            "{what}最多{max}字，实际为{n}字，多了{}字",
            n - max
        )));
    }
    Ok(t.to_owned())
}

/// The 申辩陈述: required, at most [`STATEMENT_MAX`] characters; returned trimmed.
pub fn check_statement(text: &str) -> Result<String, ValueError> {
    bounded(
        text,
        "申辩陈述",
        STATEMENT_MAX,
        "请填写申辩陈述：写明对原决定有异议的事实和理由",
    )
}

/// The 处理理由 of an outcome: required, at most [`REASON_MAX`] characters; returned trimmed.
pub fn check_reason(text: &str) -> Result<String, ValueError> {
    bounded(
        text,
        "处理理由",
        REASON_MAX,
        "请填写处理理由：学生将在收件箱和办理记录中看到该理由",
    )
}

/// Refuses more than [`MAX_FILES`] files.
pub fn check_file_count(n: usize) -> Result<(), ValueError> {
    if n > MAX_FILES {
        return Err(ValueError(format!(
            "申辩材料最多可上传{MAX_FILES}个文件，本次共{n}个，多了{}个",
            n - MAX_FILES
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// 2026-12-04 10:05 in Beijing.
    fn decided() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 2, 5, 0).unwrap()
    }

    #[test]
    fn the_period_starts_the_next_day_and_ends_at_the_end_of_its_last_day() {
        let p = Period::new(decided(), 15);
        assert_eq!(p.deadline_label(), "2026-12-19 23:59:59（北京时间）");
        // 2026-12-19 23:59:59 in Beijing is 15:59:59 UTC.
        let last = Utc.with_ymd_and_hms(2026, 12, 19, 15, 59, 59).unwrap();
        assert_eq!(p.last_instant(), last);
        assert!(p.check(last).is_ok());
        let late = p.check(last + chrono::Duration::seconds(1)).unwrap_err().0;
        assert!(late.contains("决定作出之日起15日"), "{late}");
        assert!(late.contains("2026-12-04 10:05（北京时间）作出"), "{late}");
        assert!(late.contains("2026-12-19 23:59:59（北京时间）"), "{late}");
    }

    #[test]
    fn a_decision_late_in_the_beijing_day_counts_from_the_beijing_date() {
        // 2026-12-04 23:30 in Beijing: the 4th, the period's first day is the 5th.
        let p = Period::new(Utc.with_ymd_and_hms(2026, 12, 4, 15, 30, 0).unwrap(), 1);
        assert_eq!(p.deadline_label(), "2026-12-05 23:59:59（北京时间）");
        // 2026-12-05 00:30 in Beijing is the 4th in UTC: the period follows Beijing.
        let p = Period::new(Utc.with_ymd_and_hms(2026, 12, 4, 16, 30, 0).unwrap(), 1);
        assert_eq!(p.deadline_label(), "2026-12-06 23:59:59（北京时间）");
    }

    #[test]
    fn a_stored_period_out_of_range_reads_as_the_default() {
        assert_eq!(Period::new(decided(), 0).days, DEFAULT_PERIOD_DAYS);
        assert_eq!(Period::new(decided(), -3).days, DEFAULT_PERIOD_DAYS);
        assert_eq!(Period::new(decided(), 91).days, DEFAULT_PERIOD_DAYS);
        assert_eq!(Period::new(decided(), 90).days, 90);
        assert_eq!(parse_period_days(" 30 ").unwrap(), 30);
        assert!(parse_period_days("0").unwrap_err().0.contains("1至90"));
        assert!(parse_period_days("").unwrap_err().0.contains("不能为空"));
        assert!(parse_period_days("十五").unwrap_err().0.contains("“十五”"));
    }

    #[test]
    fn texts_are_required_and_bounded_with_the_excess_named() {
        assert!(
            check_statement("  ")
                .unwrap_err()
                .0
                .contains("请填写申辩陈述")
        );
        let at = "申".repeat(STATEMENT_MAX);
        assert_eq!(check_statement(&format!(" {at} ")).unwrap(), at);
        let over = check_statement(&format!("{at}辩辩")).unwrap_err().0;
        assert_eq!(over, "申辩陈述最多2000字，实际为2002字，多了2字");
        assert!(check_reason("").unwrap_err().0.contains("请填写处理理由"));
        let over = check_reason(&"理".repeat(REASON_MAX + 1)).unwrap_err().0;
        assert_eq!(over, "处理理由最多1000字，实际为1001字，多了1字");
        assert!(check_file_count(MAX_FILES).is_ok());
        assert_eq!(
            check_file_count(6).unwrap_err().0,
            "申辩材料最多可上传5个文件，本次共6个，多了1个"
        );
    }

    #[test]
    fn only_an_outcome_is_an_outcome() {
        assert_eq!(
            AppealStatus::parse_outcome("revoked").unwrap(),
            AppealStatus::Revoked
        );
        assert_eq!(
            AppealStatus::parse_outcome("upheld").unwrap(),
            AppealStatus::Upheld
        );
        assert!(AppealStatus::parse_outcome("pending").is_err());
        assert!(AppealStatus::parse_outcome("").is_err());
    }
}

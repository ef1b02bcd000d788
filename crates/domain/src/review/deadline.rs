//! Review deadlines (办理时限): how long an organisation has for a review stage, in working days
//! of the holiday calendar, and where an application stands against it.
//!
//! The rule, in Beijing time: an application that arrives at a stage on day D has until the end
//! of the Nth working day after D, D itself never counted, whatever the hour of arrival and
//! whether or not D is a working day. So an arrival at 23:59 on a Monday counts from Tuesday and
//! one at 00:01 on Tuesday from Wednesday: the limit is a number of whole working days, and a
//! day already begun is not one of them. "Due" is the instant that day ends, 24:00 Beijing time
//! (00:00 of the next day), which is stored; the application is overdue from that instant on.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::calendar::{WorkingCalendar, beijing_date, from_beijing};

/// The longest limit a definition may give a stage: a quarter of a year of working days.
pub const MAX_LIMIT_WORKING_DAYS: u32 = 60;

/// The instant an application arriving at `arrived` is due at a stage with a limit of
/// `working_days`: the end (24:00 Beijing time) of the `working_days`-th working day after the
/// Beijing date of arrival. Overdue from this instant on.
pub fn due_at(cal: &WorkingCalendar, arrived: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
    let last = cal.add_working_days(beijing_date(arrived), working_days);
    end_of(last)
}

/// The instant the Beijing day `d` ends (00:00 of the next day).
fn end_of(d: NaiveDate) -> DateTime<Utc> {
    let next = d.succ_opt().unwrap_or(d);
    from_beijing(next.and_time(chrono::NaiveTime::MIN))
}

/// The last Beijing day on which an application due at `due` is still in time: the 截止日期 shown.
pub fn due_date(due: DateTime<Utc>) -> NaiveDate {
    beijing_date(due - Duration::seconds(1))
}

/// The bound of "due soon" (即将到期) at `now`: applications due after `now` and no later than
/// this are due today or on the next working day.
pub fn soon_until(cal: &WorkingCalendar, now: DateTime<Utc>) -> DateTime<Utc> {
    due_at(cal, now, 1)
}

/// Where an application stands against its stage's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The stage has no limit (无时限).
    NoLimit,
    /// Due later than the next working day.
    InTime,
    /// Due today or on the next working day (即将到期).
    DueSoon,
    /// Past the due instant, by this many working days after the due date (逾期 N 个工作日;
    /// zero on the days off right after it).
    Overdue(u32),
}

/// The standing at `now` of an application due at `due` (none: no limit).
pub fn standing(cal: &WorkingCalendar, due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Standing {
    match due {
        None => Standing::NoLimit,
        Some(due) if now >= due => {
            Standing::Overdue(cal.working_days_between(due_date(due), beijing_date(now)))
        }
        Some(due) if due <= soon_until(cal, now) => Standing::DueSoon,
        Some(_) => Standing::InTime,
    }
}

impl Standing {
    /// How the queue shows it, as text (never colour alone).
    pub fn label(&self) -> String {
        match self {
            Standing::NoLimit => "无时限".to_owned(),
            Standing::InTime => String::new(),
            Standing::DueSoon => "即将到期".to_owned(),
            Standing::Overdue(0) => "已逾期".to_owned(),
            Standing::Overdue(n) => format!("逾期 {n} 个工作日"),
        }
    }

    /// A stable code for the API: `none`, `in_time`, `due_soon`, `overdue`.
    pub fn code(&self) -> &'static str {
        match self {
            Standing::NoLimit => "none",
            Standing::InTime => "in_time",
            Standing::DueSoon => "due_soon",
            Standing::Overdue(_) => "overdue",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDateTime, Weekday};

    fn bj(s: &str) -> DateTime<Utc> {
        from_beijing(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn five_days_from_the_working_day_before_national_day_2024() {
        // Mon 2024-09-30 is the last working day before 国庆 (10-01..07 off); Sat 10-12 is a
        // 调休 working day. 1 Tue 10-08, 2 Wed 10-09, 3 Thu 10-10, 4 Fri 10-11, 5 Sat 10-12.
        let cal = WorkingCalendar::seeded();
        let arrived = bj("2024-09-30 10:00");
        let due = due_at(&cal, arrived, 5);
        assert_eq!(due_date(due), date(2024, 10, 12));
        assert_eq!(date(2024, 10, 12).weekday(), Weekday::Sat);
        assert_eq!(due, bj("2024-10-13 00:00"));
        // Without the 调休 Saturday it would be Mon 10-14: the calendar is what decides.
        let plain = WorkingCalendar::new(
            crate::calendar::seeded_special_days()
                .into_iter()
                .filter(|s| s.date != date(2024, 10, 12))
                .map(|s| (s.date, s.kind)),
        );
        assert_eq!(due_date(due_at(&plain, arrived, 5)), date(2024, 10, 14));
    }

    #[test]
    fn arrival_at_23_59_counts_from_the_next_day_and_00_01_from_the_day_after() {
        let cal = WorkingCalendar::seeded();
        // Mon 2024-11-18 23:59 → counted from Tue: 1 working day is due end of Tue.
        assert_eq!(
            due_date(due_at(&cal, bj("2024-11-18 23:59"), 1)),
            date(2024, 11, 19)
        );
        // Tue 2024-11-19 00:01 → a new Beijing day: due end of Wed.
        assert_eq!(
            due_date(due_at(&cal, bj("2024-11-19 00:01"), 1)),
            date(2024, 11, 20)
        );
        // 23:59 Beijing is 15:59 UTC: the Beijing date decides, not the UTC one.
        assert_eq!(
            due_at(&cal, bj("2024-11-18 23:59"), 1),
            "2024-11-19T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn arrival_on_a_holiday_counts_from_the_first_working_day_after() {
        let cal = WorkingCalendar::seeded();
        assert_eq!(
            due_date(due_at(&cal, bj("2024-10-03 09:00"), 1)),
            date(2024, 10, 8)
        );
    }

    #[test]
    fn standing_changes_at_the_due_instant() {
        let cal = WorkingCalendar::seeded();
        let due = due_at(&cal, bj("2024-11-18 10:00"), 2); // end of Wed 11-20
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-18 12:00")),
            Standing::InTime
        );
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-19 08:00")),
            Standing::DueSoon
        );
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-20 23:59")),
            Standing::DueSoon
        );
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-21 00:00")),
            Standing::Overdue(1)
        );
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-25 09:00")),
            Standing::Overdue(3)
        );
        assert_eq!(Standing::Overdue(3).label(), "逾期 3 个工作日");
        assert_eq!(
            standing(&cal, None, bj("2024-11-25 09:00")).label(),
            "无时限"
        );
    }

    #[test]
    fn due_on_a_friday_is_soon_on_the_thursday_and_overdue_but_zero_days_on_saturday() {
        let cal = WorkingCalendar::seeded();
        let due = bj("2024-11-23 00:00"); // end of Fri 11-22
        assert_eq!(due_date(due), date(2024, 11, 22));
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-21 09:00")),
            Standing::DueSoon
        );
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-20 09:00")),
            Standing::InTime
        );
        assert_eq!(
            standing(&cal, Some(due), bj("2024-11-23 09:00")),
            Standing::Overdue(0)
        );
        assert_eq!(Standing::Overdue(0).label(), "已逾期");
    }
}

//! Working days: public holidays and adjusted working days (调休).
//!
//! After the municipal office's final approval a graduate may collect the
//! certificate no earlier than [`PICKUP_WORKING_DAYS`] working days later.
//! Which days count is decided by the State Council's yearly holiday notice,
//! not by the weekday alone: weekdays inside a holiday block are days off and
//! some weekend days are declared working days to make the blocks longer.
//! Admins maintain that table; [`seeded_special_days`] is its starting content.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

/// Beijing time is UTC+8 all year (China keeps no daylight saving); this is the one place the
/// offset is written.
const BEIJING_OFFSET_HOURS: i64 = 8;

/// The instant as Beijing wall-clock time.
pub fn beijing(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(BEIJING_OFFSET_HOURS)
}

/// The Beijing date of the instant: "today" for people in the provinces served.
pub fn beijing_date(t: DateTime<Utc>) -> NaiveDate {
    beijing(t).date()
}

/// The instant as people read it, to the minute: "2026-11-24 14:05".
pub fn beijing_minute(t: DateTime<Utc>) -> String {
    beijing(t).format("%Y-%m-%d %H:%M").to_string()
}

/// The instant of a Beijing wall-clock time.
pub fn from_beijing(local: NaiveDateTime) -> DateTime<Utc> {
    (local - Duration::hours(BEIJING_OFFSET_HOURS)).and_utc()
}

coded_enum! {
    /// How a date departs from the ordinary Monday–Friday working week.
    pub enum DayKind("日期类型") {
        /// 法定节假日: a day off, including the weekend days inside a holiday block.
        Holiday => ("holiday", "节假日"),
        /// 调休上班: a Saturday or Sunday declared a working day.
        AdjustedWorkingDay => ("adjusted_working_day", "调休上班"),
    }
}

/// One entry of the holiday table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SpecialDay {
    /// The calendar date.
    pub date: NaiveDate,
    /// Whether it is a day off or an adjusted working day.
    pub kind: DayKind,
    /// The festival the entry belongs to, e.g. "春节"; adjusted working days
    /// carry the name of the holiday block they make up for.
    pub name: &'static str,
}

/// Number of working days between final approval and the earliest pickup.
pub const PICKUP_WORKING_DAYS: u32 = 30;

const H: DayKind = DayKind::Holiday;
const W: DayKind = DayKind::AdjustedWorkingDay;

/// An inclusive run of dates `(first, last, kind, name)`, with dates as
/// `(year, month, day)` so the table reads like the notices it copies.
type Run = ((i32, u32, u32), (i32, u32, u32), DayKind, &'static str);

/// 国办发明电〔2023〕7号, 〔2024〕12号 and 〔2025〕7号, for 2024, 2025 and 2026.
const PUBLISHED: &[Run] = &[
    // 2024. The New Year block also covered 2023-12-30/31, a weekend of the
    // previous year, so nothing is lost by starting at 1 January.
    ((2024, 1, 1), (2024, 1, 1), H, "元旦"),
    ((2024, 2, 4), (2024, 2, 4), W, "春节"),
    ((2024, 2, 10), (2024, 2, 17), H, "春节"),
    ((2024, 2, 18), (2024, 2, 18), W, "春节"),
    ((2024, 4, 4), (2024, 4, 6), H, "清明节"),
    ((2024, 4, 7), (2024, 4, 7), W, "清明节"),
    ((2024, 4, 28), (2024, 4, 28), W, "劳动节"),
    ((2024, 5, 1), (2024, 5, 5), H, "劳动节"),
    ((2024, 5, 11), (2024, 5, 11), W, "劳动节"),
    ((2024, 6, 8), (2024, 6, 10), H, "端午节"),
    ((2024, 9, 14), (2024, 9, 14), W, "中秋节"),
    ((2024, 9, 15), (2024, 9, 17), H, "中秋节"),
    ((2024, 9, 29), (2024, 9, 29), W, "国庆节"),
    ((2024, 10, 1), (2024, 10, 7), H, "国庆节"),
    ((2024, 10, 12), (2024, 10, 12), W, "国庆节"),
    // 2025: first year with the extra 春节 and 劳动节 days.
    ((2025, 1, 1), (2025, 1, 1), H, "元旦"),
    ((2025, 1, 26), (2025, 1, 26), W, "春节"),
    ((2025, 1, 28), (2025, 2, 4), H, "春节"),
    ((2025, 2, 8), (2025, 2, 8), W, "春节"),
    ((2025, 4, 4), (2025, 4, 6), H, "清明节"),
    ((2025, 4, 27), (2025, 4, 27), W, "劳动节"),
    ((2025, 5, 1), (2025, 5, 5), H, "劳动节"),
    ((2025, 5, 31), (2025, 6, 2), H, "端午节"),
    ((2025, 9, 28), (2025, 9, 28), W, "国庆节、中秋节"),
    ((2025, 10, 1), (2025, 10, 8), H, "国庆节、中秋节"),
    ((2025, 10, 11), (2025, 10, 11), W, "国庆节、中秋节"),
    // 2026
    ((2026, 1, 1), (2026, 1, 3), H, "元旦"),
    ((2026, 1, 4), (2026, 1, 4), W, "元旦"),
    ((2026, 2, 14), (2026, 2, 14), W, "春节"),
    ((2026, 2, 15), (2026, 2, 23), H, "春节"),
    ((2026, 2, 28), (2026, 2, 28), W, "春节"),
    ((2026, 4, 4), (2026, 4, 6), H, "清明节"),
    ((2026, 5, 1), (2026, 5, 5), H, "劳动节"),
    ((2026, 5, 9), (2026, 5, 9), W, "劳动节"),
    ((2026, 6, 19), (2026, 6, 21), H, "端午节"),
    ((2026, 9, 20), (2026, 9, 20), W, "国庆节"),
    ((2026, 9, 25), (2026, 9, 27), H, "中秋节"),
    ((2026, 10, 1), (2026, 10, 7), H, "国庆节"),
    ((2026, 10, 10), (2026, 10, 10), W, "国庆节"),
];

/// Provisional 2027 entries: the statutory holidays themselves (全国年节及纪念日
/// 放假办法 as revised in 2024) on their calendar dates, with no adjusted
/// working days. The real notice will move days around; admins replace these
/// entries once it is published.
const PROVISIONAL_2027: &[Run] = &[
    ((2027, 1, 1), (2027, 1, 1), H, "元旦"),
    // 除夕 (腊月二十九) to 正月初三.
    ((2027, 2, 5), (2027, 2, 8), H, "春节"),
    ((2027, 4, 5), (2027, 4, 5), H, "清明节"),
    ((2027, 5, 1), (2027, 5, 2), H, "劳动节"),
    // 五月初五.
    ((2027, 6, 9), (2027, 6, 9), H, "端午节"),
    // 八月十五.
    ((2027, 9, 15), (2027, 9, 15), H, "中秋节"),
    ((2027, 10, 1), (2027, 10, 3), H, "国庆节"),
];

/// The holiday table for 2024–2027 that a new installation starts with.
///
/// 2024, 2025 and 2026 follow the State Council's published notices
/// (国务院办公厅关于…年部分节假日安排的通知): every day off, including the
/// weekend days inside a holiday block, and every adjusted working day.
///
/// 2027 is provisional: its notice was not available, so only the statutory
/// holidays are listed on their own dates (元旦 1 January; 春节 除夕 to 初三,
/// 5–8 February; 清明 5 April; 劳动节 1–2 May; 端午 9 June; 中秋 15 September;
/// 国庆 1–3 October) and there are no adjusted working days. Admins correct
/// the table when the notice is published.
pub fn seeded_special_days() -> Vec<SpecialDay> {
    PUBLISHED
        .iter()
        .chain(PROVISIONAL_2027)
        .flat_map(|&(first, last, kind, name)| {
            // The table is constant and a test checks every run expands, so
            // an invalid date cannot slip through unnoticed.
            ymd(first)
                .zip(ymd(last))
                .into_iter()
                .flat_map(|(first, last)| first.iter_days().take_while(move |d| *d <= last))
                .map(move |date| SpecialDay { date, kind, name })
        })
        .collect()
}

fn ymd((y, m, d): (i32, u32, u32)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Decides which dates are working days: Monday to Friday unless listed as a
/// holiday, Saturday and Sunday only when listed as an adjusted working day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    special: BTreeMap<NaiveDate, DayKind>,
}

impl WorkingCalendar {
    /// Builds a calendar from the special days; if a date appears more than
    /// once, the last entry wins.
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            special: days.into_iter().collect(),
        }
    }

    /// A calendar built from [`seeded_special_days`].
    pub fn seeded() -> Self {
        Self::new(seeded_special_days().into_iter().map(|s| (s.date, s.kind)))
    }

    /// Whether people work on `d`.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.special.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::AdjustedWorkingDay) => true,
            None => !is_weekend(d),
        }
    }

    /// The date that is `n` working days after `start` (start itself not
    /// counted): approval on a Friday + 1 working day is the next Monday,
    /// unless that Monday is a holiday. `n == 0` returns `start` unchanged,
    /// whatever kind of day it is.
    ///
    /// Should the count run past the last date representable, that last date
    /// is returned rather than panicking.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            let Some(next) = day.succ_opt() else {
                return day;
            };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Number of working days in `(from, to]`: `from` excluded, `to`
    /// included, so it is the inverse of [`Self::add_working_days`]. Zero
    /// when `to <= from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        // Counting weekdays arithmetically and then correcting for the
        // listed days keeps this independent of the span's length.
        let mut count = weekdays_through(to) - weekdays_through(from);
        for (d, kind) in self.special.range((Excluded(from), Included(to))) {
            match (kind, is_weekend(*d)) {
                (DayKind::Holiday, false) => count -= 1,
                (DayKind::AdjustedWorkingDay, true) => count += 1,
                // A holiday on a weekend or an "adjusted" weekday changes
                // nothing: the day was already off or already working.
                _ => {}
            }
        }
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }
}

/// The earliest date the certificate may be collected: `approved_on` +
/// [`PICKUP_WORKING_DAYS`] working days.
pub fn earliest_pickup(cal: &WorkingCalendar, approved_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(approved_on, PICKUP_WORKING_DAYS)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday days from an arbitrary fixed origin up to and including
/// `d`; only differences between two values are meaningful.
fn weekdays_through(d: NaiveDate) -> i64 {
    // Day 1 of the proleptic Gregorian count (0001-01-01) is a Monday, so
    // day `k` is a weekday exactly when `k mod 7` is 1 to 5.
    let k = i64::from(d.num_days_from_ce());
    5 * k.div_euclid(7) + k.rem_euclid(7).min(5)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::seeded()
    }

    #[test]
    fn approval_before_national_day_2024() {
        // Approved Fri 2024-09-27. Sat 09-28 off.
        //  1 Sun 09-29 (调休), 2 Mon 09-30; 10-01..07 国庆;
        //  3–6 Tue 10-08 .. Fri 10-11, 7 Sat 10-12 (调休);
        //  8–12 10-14..18, 13–17 10-21..25, 18–22 10-28..11-01,
        // 23–27 11-04..08, 28 Mon 11-11, 29 Tue 11-12, 30 Wed 11-13.
        let approved = date(2024, 9, 27);
        assert_eq!(approved.weekday(), Weekday::Fri);
        let pickup = earliest_pickup(&cal(), approved);
        assert_eq!(pickup, date(2024, 11, 13));
        assert_eq!(cal().working_days_between(approved, pickup), 30);
    }

    #[test]
    fn span_across_spring_festival_2025() {
        // Approved Mon 2025-01-20.
        //  1–4 Tue 01-21 .. Fri 01-24, 5 Sun 01-26 (调休), 6 Mon 01-27;
        //  01-28..02-04 春节; 7–9 Wed 02-05 .. Fri 02-07, 10 Sat 02-08 (调休);
        // 11–15 02-10..14, 16–20 02-17..21, 21–25 02-24..28,
        // 26–30 03-03..07.
        let approved = date(2025, 1, 20);
        assert_eq!(approved.weekday(), Weekday::Mon);
        assert_eq!(earliest_pickup(&cal(), approved), date(2025, 3, 7));
        // Across the whole block only the day after it counts.
        assert_eq!(
            cal().working_days_between(date(2025, 1, 27), date(2025, 2, 5)),
            1
        );
    }

    #[test]
    fn spring_festival_2026_nine_days() {
        // Fri 2026-02-13 + 1: 02-14 is an adjusted Saturday.
        assert_eq!(
            cal().add_working_days(date(2026, 2, 13), 1),
            date(2026, 2, 14)
        );
        // Sat 02-14 + 1: 02-15..23 off, so Tue 02-24.
        assert_eq!(
            cal().add_working_days(date(2026, 2, 14), 1),
            date(2026, 2, 24)
        );
    }

    #[test]
    fn adding_zero_days_returns_the_start_even_on_a_holiday() {
        let c = cal();
        for d in [date(2024, 10, 1), date(2024, 10, 5), date(2024, 11, 13)] {
            assert_eq!(c.add_working_days(d, 0), d);
        }
    }

    #[test]
    fn friday_plus_one_is_monday() {
        let friday = date(2024, 11, 15);
        assert_eq!(friday.weekday(), Weekday::Fri);
        assert_eq!(cal().add_working_days(friday, 1), date(2024, 11, 18));
    }

    #[test]
    fn adjusted_saturday_counts() {
        let c = cal();
        let sat = date(2024, 10, 12);
        assert_eq!(sat.weekday(), Weekday::Sat);
        assert!(c.is_working_day(sat));
        assert_eq!(c.add_working_days(date(2024, 10, 11), 1), sat);
        // An ordinary Saturday does not.
        assert!(!c.is_working_day(date(2024, 10, 19)));
    }

    #[test]
    fn holiday_weekday_does_not_count() {
        let c = cal();
        let tue = date(2024, 10, 1);
        assert_eq!(tue.weekday(), Weekday::Tue);
        assert!(!c.is_working_day(tue));
        assert_eq!(c.add_working_days(date(2024, 9, 30), 1), date(2024, 10, 8));
    }

    #[test]
    fn empty_calendar_is_the_plain_working_week() {
        let c = WorkingCalendar::default();
        assert!(c.is_working_day(date(2024, 10, 1)));
        assert!(!c.is_working_day(date(2024, 9, 29)));
        // Two full weeks from a Wednesday.
        assert_eq!(c.add_working_days(date(2024, 1, 3), 10), date(2024, 1, 17));
        assert_eq!(
            c.working_days_between(date(2024, 1, 3), date(2024, 1, 17)),
            10
        );
    }

    #[test]
    fn later_entries_override_earlier_ones() {
        let d = date(2024, 10, 1);
        let c = WorkingCalendar::new([(d, DayKind::Holiday), (d, DayKind::AdjustedWorkingDay)]);
        assert!(c.is_working_day(d));
    }

    #[test]
    fn between_is_zero_unless_to_is_after_from() {
        let c = cal();
        let d = date(2024, 9, 27);
        assert_eq!(c.working_days_between(d, d), 0);
        assert_eq!(c.working_days_between(d, date(2024, 9, 1)), 0);
        assert_eq!(c.working_days_between(d, date(2024, 9, 28)), 0);
        assert_eq!(c.working_days_between(d, date(2024, 9, 29)), 1);
    }

    #[test]
    fn saturates_at_the_end_of_the_representable_range() {
        let c = WorkingCalendar::default();
        assert_eq!(c.add_working_days(NaiveDate::MAX, 3), NaiveDate::MAX);
    }

    #[test]
    fn seeded_table_has_no_date_twice() {
        let days = seeded_special_days();
        let unique: HashSet<NaiveDate> = days.iter().map(|s| s.date).collect();
        assert_eq!(unique.len(), days.len());
    }

    #[test]
    fn seeded_adjusted_working_days_are_weekends() {
        for s in seeded_special_days() {
            if s.kind == DayKind::AdjustedWorkingDay {
                assert!(is_weekend(s.date), "{} {} is not a weekend", s.date, s.name);
            }
        }
    }

    #[test]
    fn seeded_runs_are_all_valid_and_ordered() {
        for &(first, last, _, name) in PUBLISHED.iter().chain(PROVISIONAL_2027) {
            let (first, last) = (ymd(first).unwrap(), ymd(last).unwrap());
            assert!(first <= last, "{name} {first}..{last}");
        }
    }

    #[test]
    fn seeded_years_have_the_published_number_of_days_off() {
        // Totals of the notices' "共N天" per block, including weekend days
        // inside blocks; 2027 is the provisional statutory list.
        let days = seeded_special_days();
        for (year, holidays, adjusted) in
            [(2024, 30, 8), (2025, 28, 5), (2026, 33, 6), (2027, 13, 0)]
        {
            let count = |kind| {
                days.iter()
                    .filter(|s| s.date.year() == year && s.kind == kind)
                    .count()
            };
            assert_eq!(count(DayKind::Holiday), holidays, "{year} holidays");
            assert_eq!(
                count(DayKind::AdjustedWorkingDay),
                adjusted,
                "{year} adjusted"
            );
        }
    }

    #[test]
    fn provisional_2027_spring_festival_starts_on_new_years_eve() {
        let c = cal();
        assert!(c.is_working_day(date(2027, 2, 4)));
        assert!(!c.is_working_day(date(2027, 2, 5)));
        assert!(!c.is_working_day(date(2027, 2, 8)));
        assert!(c.is_working_day(date(2027, 2, 9)));
    }

    #[test]
    fn day_kind_codes_and_labels() {
        assert_eq!(DayKind::Holiday.code(), "holiday");
        assert_eq!(DayKind::Holiday.label(), "节假日");
        assert_eq!(DayKind::AdjustedWorkingDay.code(), "adjusted_working_day");
        assert_eq!(DayKind::AdjustedWorkingDay.label(), "调休上班");
        assert_eq!(
            DayKind::from_code("adjusted_working_day"),
            Some(DayKind::AdjustedWorkingDay)
        );
    }

    proptest! {
        #[test]
        fn between_inverts_add(offset in 0u64..1461, n in 0u32..400) {
            let c = cal();
            let start = date(2024, 1, 1) + chrono::Days::new(offset);
            let end = c.add_working_days(start, n);
            prop_assert_eq!(c.working_days_between(start, end), n);
            if n > 0 {
                prop_assert!(c.is_working_day(end));
                // The day before the result is still short of n.
                let before = end.pred_opt().unwrap();
                prop_assert_eq!(c.working_days_between(start, before), n - 1);
            }
        }
    }
}

//! Cell parsers the domain crate has no type for (dates in the shapes offices export, 是/否,
//! credits) and compact keys that keep duplicate detection over millions of rows small.

use chrono::{Datelike, NaiveDate};

/// The first self-study examinations were held in 1981; an earlier date is a typing error.
const FIRST_EXAM_YEAR: i32 = 1981;

/// Parses an exam date: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, `YYYY年M月D日`, or a
/// month alone (`YYYY-MM`, `YYYY/MM`, `YYYYMM`, `YYYY年M月`), which means the first of that month
/// because many score sheets only name the exam session. A time after the date (Excel date-time
/// cells) is ignored. The date must lie between 1981 and `today`.
pub(crate) fn parse_exam_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    parse_date(raw, today, FIRST_EXAM_YEAR, "自学考试此前尚未开考")
}

/// Parses the date of a continuing-education student's course result in the same shapes as
/// [`parse_exam_date`]; it must lie between [`domain::student::FIRST_GRADE_YEAR`] and `today`.
pub(crate) fn parse_course_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    parse_date(
        raw,
        today,
        domain::student::FIRST_GRADE_YEAR,
        "早于可导入的最早年级",
    )
}

fn parse_date(
    raw: &str,
    today: NaiveDate,
    first_year: i32,
    too_early: &str,
) -> Result<NaiveDate, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("考试日期不能为空".to_owned());
    }
    let bad_format = || {
        format!(
            "考试日期格式无效：“{text}”，应为 YYYY-MM-DD、YYYY/MM/DD、YYYYMMDD、YYYY-MM 或 YYYYMM"
        )
    };
    let date_part = match text.split_once(' ') {
        Some((d, time)) if time.trim().bytes().all(|b| b.is_ascii_digit() || b == b':') => d,
        Some(_) => return Err(bad_format()),
        None => text,
    };
    let normalized: String = date_part
        .chars()
        .filter(|&c| c != '日')
        .map(|c| match c {
            '年' | '月' | '/' | '.' => '-',
            c => c,
        })
        .collect();
    let normalized = normalized.trim_end_matches('-');
    let parts: Vec<&str> = if normalized.contains('-') {
        normalized.split('-').collect()
    } else if normalized.len() == 8 {
        vec![&normalized[..4], &normalized[4..6], &normalized[6..]]
    } else if normalized.len() == 6 {
        vec![&normalized[..4], &normalized[4..]]
    } else {
        return Err(bad_format());
    };
    let digits = |p: &str, max_len: usize| {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let (year, month, day) = match parts.as_slice() {
        [y, m] if y.len() == 4 => (digits(y, 4), digits(m, 2), Some(1)),
        [y, m, d] if y.len() == 4 => (digits(y, 4), digits(m, 2), digits(d, 2)),
        _ => return Err(bad_format()),
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(bad_format());
    };
    let year = i32::try_from(year).map_err(|_| bad_format())?;
    let date = NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| format!("考试日期无效：“{text}”不是真实存在的日期"))?;
    if date.year() < first_year {
        return Err(format!(
            "考试日期{}早于{first_year}年，{too_early}",
            date.format("%Y-%m-%d")
        ));
    }
    if date > today {
        return Err(format!(
            "考试日期{}晚于今天（{}）",
            date.format("%Y-%m-%d"),
            today.format("%Y-%m-%d")
        ));
    }
    Ok(date)
}

/// Parses 是/否 (and the usual spreadsheet spellings); an empty cell means 否.
pub(crate) fn parse_yes_no(raw: &str, noun: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "否" | "n" | "no" | "false" | "0" | "×" => Ok(false),
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" => Ok(true),
        _ => Err(format!("{noun}应为“是”或“否”，实际为“{}”", raw.trim())),
    }
}

/// Parses credits: a whole number from 1 to 20 (`4.0` from a number cell counts as 4).
pub(crate) fn parse_credits(raw: &str) -> Result<i32, String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err("学分不能为空".to_owned());
    }
    let whole = text
        .strip_suffix(".0")
        .or_else(|| text.strip_suffix(".00"))
        .unwrap_or(text);
    match whole.parse::<i32>() {
        Ok(c) if (1..=20).contains(&c) => Ok(c),
        Ok(c) => Err(format!("学分超出范围：{c}，应为1至20的整数")),
        Err(_) => Err(format!("学分应为1至20的整数，实际为“{text}”")),
    }
}

/// Packs a validated course code (5–6 ASCII letters or digits, uppercased) into 32 bits, base 37
/// with 0 as padding, so that per-row keys of a million-row file stay small.
pub(crate) fn course_key(code: &str) -> u32 {
    code.bytes().take(6).fold(0u32, |acc, b| {
        let digit = match b {
            b'0'..=b'9' => u32::from(b - b'0') + 1,
            b'A'..=b'Z' => u32::from(b - b'A') + 11,
            _ => 0,
        };
        acc.wrapping_mul(37).wrapping_add(digit)
    })
}

/// A validated 12-digit admission number as an integer key.
pub(crate) fn admission_key(no: &str) -> u64 {
    no.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(10)
            .wrapping_add(u64::from(b.wrapping_sub(b'0')))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn exam_dates_in_every_exported_shape() {
        let today = d(2025, 6, 1);
        for (raw, want) in [
            ("2024-04-13", d(2024, 4, 13)),
            ("2024/4/13", d(2024, 4, 13)),
            ("20240413", d(2024, 4, 13)),
            ("2024-04", d(2024, 4, 1)),
            ("202410", d(2024, 10, 1)),
            ("2024年10月", d(2024, 10, 1)),
            ("2024年4月13日", d(2024, 4, 13)),
            ("2024-04-13 00:00", d(2024, 4, 13)),
        ] {
            assert_eq!(parse_exam_date(raw, today), Ok(want), "{raw}");
        }
        assert!(
            parse_exam_date("2024-02-30", today)
                .unwrap_err()
                .contains("不是真实存在")
        );
        assert!(
            parse_exam_date("13/04/2024", today)
                .unwrap_err()
                .contains("格式无效")
        );
        assert!(
            parse_exam_date("2026-01-01", today)
                .unwrap_err()
                .contains("晚于今天")
        );
        assert!(
            parse_exam_date("1975-04", today)
                .unwrap_err()
                .contains("1981")
        );
        assert!(parse_exam_date("", today).unwrap_err().contains("不能为空"));
    }

    #[test]
    fn credits_and_yes_no() {
        assert_eq!(parse_credits("4"), Ok(4));
        assert_eq!(parse_credits("4.0"), Ok(4));
        assert!(parse_credits("21").unwrap_err().contains("超出范围"));
        assert!(parse_credits("4.5").unwrap_err().contains("整数"));
        assert_eq!(parse_yes_no("", "学位主干课"), Ok(false));
        assert_eq!(parse_yes_no("是", "学位主干课"), Ok(true));
        assert!(parse_yes_no("也许", "学位主干课").is_err());
    }

    #[test]
    fn keys_are_distinct_for_distinct_codes() {
        assert_ne!(course_key("00015"), course_key("000150"));
        assert_ne!(course_key("0001A"), course_key("00010"));
        assert_eq!(admission_key("012345678901"), 12_345_678_901);
    }
}

//! 居民身份证号 per GB 11643-1999.

use chrono::{Datelike, NaiveDate};

use crate::{Gender, ValueError, first_bad_char, show_char};

/// GB 11643-1999 weights for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by the weighted sum mod 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// Province-level codes (GB/T 2260) that can start a valid number.
const PROVINCE_CODES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];
/// Residence permits for Taiwan compatriots use 83; accepted alongside the provinces.
const EXTRA_REGION_CODES: [&str; 1] = ["83"];
/// Earliest birth year accepted; older dates are typing errors in this domain.
const MIN_BIRTH_YEAR: i32 = 1900;

/// Returns the GB 11643 check character for exactly 17 ASCII digits, or
/// `None` for anything else.
pub fn check_digit(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// A structurally valid 18-character 身份证号; a trailing `x` is stored as `X`.
///
/// `Debug` shows only the masked form so that IDs do not end up in logs.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdCardNo(String);

impl IdCardNo {
    /// Checks, in order: length 18, first 17 digits, 18th digit or X,
    /// province code and non-zero city/county code, real birth date from
    /// 1900 on, and the check character. Whether the birth date lies in the
    /// future is left to [`IdCardNo::check_not_future`], which needs `today`.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(ValueError::new("身份证号不能为空"));
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(ValueError(format!("身份证号应为18位，实际为{len}位")));
        }
        // Length is 18 chars; confirm they are ASCII before byte slicing.
        if let Some((pos, c)) =
            first_bad_char(&s, |c| c.is_ascii_digit()).filter(|&(pos, _)| pos <= 17)
        {
            return Err(ValueError(format!(
                "身份证号前17位应为数字，第{pos}位为{}",
                show_char(c)
            )));
        }
        let last = s.chars().last().unwrap_or_default();
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(ValueError(format!(
                "身份证号第18位应为数字或X，实际为{}",
                show_char(last)
            )));
        }

        let province = &s[..2];
        if !PROVINCE_CODES.contains(&province) && !EXTRA_REGION_CODES.contains(&province) {
            return Err(ValueError(format!(
                "身份证号地区码无效：前两位“{province}”不是有效的省级行政区代码"
            )));
        }
        if &s[2..6] == "0000" {
            return Err(ValueError(format!(
                "身份证号地区码无效：“{}”只到省级，第3至6位不能为“0000”",
                &s[..6]
            )));
        }

        let raw_date = &s[6..14];
        let date = parse_yyyymmdd(raw_date).ok_or_else(|| {
            ValueError(format!(
                "身份证号出生日期无效：{raw_date}不是真实存在的日期"
            ))
        })?;
        if date.year() < MIN_BIRTH_YEAR {
            return Err(ValueError(format!(
                "身份证号出生日期无效：出生年份{}早于{MIN_BIRTH_YEAR}年",
                date.year()
            )));
        }

        let expected = check_digit(&s[..17]).unwrap_or_default();
        if expected != last {
            return Err(ValueError(format!(
                "身份证号校验位错误：应为{expected}，实际为{last}"
            )));
        }
        Ok(Self(s))
    }

    /// Rejects a birth date after `today`, which `parse` cannot know about.
    pub fn check_not_future(&self, today: NaiveDate) -> Result<(), ValueError> {
        let birth = self.birth_date();
        if birth > today {
            return Err(ValueError(format!(
                "身份证号出生日期{}晚于今天（{}）",
                birth.format("%Y-%m-%d"),
                today.format("%Y-%m-%d")
            )));
        }
        Ok(())
    }

    /// The 18 characters, check character uppercased.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Validated in `parse`; the fallback is unreachable for constructed values.
        parse_yyyymmdd(&self.0[6..14]).unwrap_or_default()
    }

    /// Sex encoded by the parity of the 17th digit (odd means male).
    pub fn gender(&self) -> Gender {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// First 6 and last 4 characters, e.g. `500103********001X`, for display
    /// wherever the full number is not needed.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The 6-digit administrative division code of the issuing place.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }
}
string_newtype_impls!(IdCardNo);

impl std::fmt::Debug for IdCardNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdCardNo").field(&self.masked()).finish()
    }
}

fn parse_yyyymmdd(s: &str) -> Option<NaiveDate> {
    let y: i32 = s.get(..4)?.parse().ok()?;
    let m: u32 = s.get(4..6)?.parse().ok()?;
    let d: u32 = s.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The worked example printed in GB 11643-1999.
    const STANDARD_EXAMPLE: &str = "11010519491231002X";

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_digit(first17).unwrap())
    }

    fn err(s: &str) -> String {
        IdCardNo::parse(s).unwrap_err().0
    }

    #[test]
    fn standard_example_parses_and_derives_birth_date_and_gender() {
        let id = IdCardNo::parse(STANDARD_EXAMPLE).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.region_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn odd_seventeenth_digit_means_male() {
        let id = IdCardNo::parse(&with_check("50010319900101001")).unwrap();
        assert_eq!(id.gender(), Gender::Male);
    }

    #[test]
    fn lowercase_x_is_accepted_and_stored_uppercase() {
        let id = IdCardNo::parse(" 11010519491231002x ").unwrap();
        assert_eq!(id.as_str(), STANDARD_EXAMPLE);
    }

    #[test]
    fn wrong_check_digit_names_expected_and_actual() {
        assert_eq!(
            err("110105194912310023"),
            "身份证号校验位错误：应为X，实际为3"
        );
    }

    #[test]
    fn length_seventeen_and_nineteen_report_actual_length() {
        assert_eq!(err("11010519491231002"), "身份证号应为18位，实际为17位");
        assert_eq!(err("11010519491231002X1"), "身份证号应为18位，实际为19位");
    }

    #[test]
    fn february_thirtieth_is_not_a_birth_date() {
        assert_eq!(
            err(&with_check("50010319990230001")),
            "身份证号出生日期无效：19990230不是真实存在的日期"
        );
    }

    #[test]
    fn births_before_1900_are_rejected() {
        // The second example in the standard itself, born 1880.
        assert_eq!(
            err("440524188001010014"),
            "身份证号出生日期无效：出生年份1880早于1900年"
        );
    }

    #[test]
    fn unknown_province_and_province_only_region_are_rejected() {
        assert_eq!(
            err(&with_check("99010519491231002")),
            "身份证号地区码无效：前两位“99”不是有效的省级行政区代码"
        );
        assert_eq!(
            err(&with_check("50000019900101001")),
            "身份证号地区码无效：“500000”只到省级，第3至6位不能为“0000”"
        );
    }

    #[test]
    fn letters_in_first_seventeen_or_bad_last_character_are_located() {
        assert_eq!(
            err("1101051949123100AX"),
            "身份证号前17位应为数字，第17位为“A”"
        );
        assert_eq!(
            err("11010519491231002Y"),
            "身份证号第18位应为数字或X，实际为“Y”"
        );
    }

    #[test]
    fn birth_date_after_today_is_rejected_only_by_check_not_future() {
        let id = IdCardNo::parse(&with_check("50010320300101001")).unwrap();
        let today = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert_eq!(
            id.check_not_future(today).unwrap_err().0,
            "身份证号出生日期2030-01-01晚于今天（2025-06-01）"
        );
        assert!(
            id.check_not_future(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn debug_output_is_masked() {
        let id = IdCardNo::parse(STANDARD_EXAMPLE).unwrap();
        assert_eq!(format!("{id:?}"), "IdCardNo(\"110105********002X\")");
    }

    #[test]
    fn check_digit_rejects_non_digit_or_wrong_length_input() {
        assert_eq!(check_digit("1101051949123100"), None);
        assert_eq!(check_digit("1101051949123100A"), None);
        assert_eq!(check_digit("11010519491231002"), Some('X'));
    }

    fn valid_first17() -> impl Strategy<Value = String> {
        let region = (prop::sample::select(PROVINCE_CODES.to_vec()), 1u32..=9999);
        let min = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let birth = (0i64..73_000).prop_map(move |d| min + chrono::Duration::days(d));
        (region, birth, 0u32..=999).prop_map(|((p, area), birth, seq)| {
            format!("{p}{area:04}{}{seq:03}", birth.format("%Y%m%d"))
        })
    }

    proptest! {
        #[test]
        fn any_valid_region_and_date_with_computed_check_digit_parses(first17 in valid_first17()) {
            let id = IdCardNo::parse(&with_check(&first17)).unwrap();
            prop_assert_eq!(&id.as_str()[..17], first17.as_str());
            let expected_birth = parse_yyyymmdd(&first17[6..14]).unwrap();
            prop_assert_eq!(id.birth_date(), expected_birth);
            let male = (first17.as_bytes()[16] - b'0') % 2 == 1;
            prop_assert_eq!(id.gender() == Gender::Male, male);
        }

        #[test]
        fn any_other_check_character_is_rejected(first17 in valid_first17(), other in any::<char>()) {
            let correct = check_digit(&first17).unwrap();
            prop_assume!(other.to_ascii_uppercase() != correct);
            let input = format!("{first17}{other}");
            prop_assert!(IdCardNo::parse(&input).is_err());
        }

        #[test]
        fn any_other_valid_looking_check_character_reports_expected(first17 in valid_first17(), idx in 0usize..11) {
            let correct = check_digit(&first17).unwrap();
            let other = CHECK_CHARS[idx];
            prop_assume!(other != correct);
            let msg = IdCardNo::parse(&format!("{first17}{other}")).unwrap_err().0;
            prop_assert_eq!(msg, format!("身份证号校验位错误：应为{correct}，实际为{other}"));
        }
    }
}

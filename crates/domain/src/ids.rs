//! Identifiers and personal details that arrive as free text (forms, Excel
//! imports) and must be validated once before anything else trusts them.

mod id_card;
mod text;

pub use id_card::{IdCardNo, check_digit};
pub use text::{clause, mask_name, validate_address, validate_person_name};

use crate::{ValueError, first_bad_char, show_char};

/// 准考证号 (admission number) in the current 12-digit format.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct AdmissionNo(String);

impl AdmissionNo {
    /// Required length; also used in messages.
    pub const LEN: usize = 12;

    /// Accepts exactly 12 ASCII digits after trimming surrounding whitespace.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValueError::new("准考证号不能为空"));
        }
        let len = s.chars().count();
        if len != Self::LEN {
            // A 13-character value is almost always an old-format number
            // pasted into the wrong field, so say so.
            let hint = if len == LegacyAdmissionNo::LEN {
                "（13位为旧版准考证号）"
            } else {
                ""
            };
            return Err(ValueError(format!(
                "准考证号应为12位数字，实际为{len}位{hint}"
            )));
        }
        if let Some((pos, c)) = first_bad_char(s, |c| c.is_ascii_digit()) {
            return Err(ValueError(format!(
                "准考证号只能包含数字，第{pos}位为{}",
                show_char(c)
            )));
        }
        Ok(Self(s.to_string()))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_impls!(AdmissionNo);

/// Older 13-character 准考证号 still carried by long-standing candidates:
/// digits and uppercase letters with at least one letter.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct LegacyAdmissionNo(String);

impl LegacyAdmissionNo {
    /// Required length; also used in messages.
    pub const LEN: usize = 13;

    /// Trims, uppercases (old certificates are often retyped in lowercase),
    /// then requires 13 ASCII digits/letters including at least one letter.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(ValueError::new("旧版准考证号不能为空"));
        }
        let len = s.chars().count();
        if len != Self::LEN {
            return Err(ValueError(format!("旧版准考证号应为13位，实际为{len}位")));
        }
        if let Some((pos, c)) = first_bad_char(&s, |c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return Err(ValueError(format!(
                "旧版准考证号只能包含数字和字母，第{pos}位为{}",
                show_char(c)
            )));
        }
        if !s.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(ValueError::new(
                "旧版准考证号应至少包含一个字母，实际全为数字",
            ));
        }
        Ok(Self(s))
    }

    /// The 13 characters, letters uppercased.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_impls!(LegacyAdmissionNo);

/// Mainland China mobile number, stored as 11 bare digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Strips spaces and dashes and an optional `+86`, `0086` or `86`
    /// country prefix (spreadsheets drop the `+`), then requires 11 digits
    /// starting with 1 and a second digit 3–9.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '－' | '—'))
            .collect();
        if compact.is_empty() {
            return Err(ValueError::new("手机号不能为空"));
        }
        let digits = if let Some(rest) = compact.strip_prefix("+86") {
            rest
        } else if let Some(rest) = compact.strip_prefix("0086") {
            rest
        } else if compact.len() == 13 && compact.starts_with("861") {
            &compact[2..]
        } else {
            compact.as_str()
        };
        if let Some((pos, c)) = first_bad_char(digits, |c| c.is_ascii_digit()) {
            return Err(ValueError(format!(
                "手机号只能包含数字，第{pos}位为{}",
                show_char(c)
            )));
        }
        let len = digits.len();
        if len != 11 {
            return Err(ValueError(format!("手机号应为11位数字，实际为{len}位")));
        }
        let bytes = digits.as_bytes();
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(ValueError(format!(
                "手机号号段无效：应以13至19开头，实际以{}开头",
                &digits[..2]
            )));
        }
        Ok(Self(digits.to_string()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 3 and last 4 digits, e.g. `138****5678`, for lists and logs.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}
string_newtype_impls!(Phone);

/// Masked so that a stray `{:?}` in a log line does not leak the number.
impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

/// 学号 issued by an assisted-learning unit or university; formats vary by
/// school, so only the common envelope is enforced.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct StudentNo(String);

impl StudentNo {
    /// Trims, then requires 4–20 ASCII letters or digits (case preserved,
    /// since some schools distinguish it).
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValueError::new("学号不能为空"));
        }
        if let Some((pos, c)) = first_bad_char(s, |c| c.is_ascii_alphanumeric()) {
            return Err(ValueError(format!(
                "学号只能包含字母和数字，第{pos}位为{}",
                show_char(c)
            )));
        }
        let len = s.len();
        if !(4..=20).contains(&len) {
            return Err(ValueError(format!(
                "学号应为4至20位字母或数字，实际为{len}位"
            )));
        }
        Ok(Self(s.to_string()))
    }

    /// The number as entered, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
string_newtype_impls!(StudentNo);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err<T: std::fmt::Debug>(r: Result<T, ValueError>) -> String {
        r.unwrap_err().0
    }

    #[test]
    fn admission_number_accepts_exactly_twelve_digits_and_trims() {
        assert_eq!(
            AdmissionNo::parse(" 012345678901\t").unwrap().as_str(),
            "012345678901"
        );
    }

    #[test]
    fn admission_number_reports_actual_length_when_eleven_or_thirteen() {
        assert_eq!(
            err(AdmissionNo::parse("01234567890")),
            "准考证号应为12位数字，实际为11位"
        );
        assert_eq!(
            err(AdmissionNo::parse("0123456789012")),
            "准考证号应为12位数字，实际为13位（13位为旧版准考证号）"
        );
    }

    #[test]
    fn admission_number_points_at_first_non_digit() {
        assert_eq!(
            err(AdmissionNo::parse("01234567890A")),
            "准考证号只能包含数字，第12位为“A”"
        );
        assert_eq!(
            err(AdmissionNo::parse("0123 5678901")),
            "准考证号只能包含数字，第5位为空格"
        );
        assert_eq!(err(AdmissionNo::parse("   ")), "准考证号不能为空");
    }

    #[test]
    fn legacy_admission_number_uppercases_and_needs_a_letter() {
        assert_eq!(
            LegacyAdmissionNo::parse("01234567890ab").unwrap().as_str(),
            "01234567890AB"
        );
        assert_eq!(
            err(LegacyAdmissionNo::parse("0123456789012")),
            "旧版准考证号应至少包含一个字母，实际全为数字"
        );
        assert_eq!(
            err(LegacyAdmissionNo::parse("0123456789AB")),
            "旧版准考证号应为13位，实际为12位"
        );
        assert_eq!(
            err(LegacyAdmissionNo::parse("012345678-ABC")),
            "旧版准考证号只能包含数字和字母，第10位为“-”"
        );
    }

    #[test]
    fn phone_strips_separators_and_country_prefix() {
        for input in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "008613812345678",
            "8613812345678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "13812345678",
                "{input}"
            );
        }
    }

    #[test]
    fn phone_rejects_wrong_length_prefix_and_letters() {
        assert_eq!(
            err(Phone::parse("1381234567")),
            "手机号应为11位数字，实际为10位"
        );
        assert_eq!(
            err(Phone::parse("12812345678")),
            "手机号号段无效：应以13至19开头，实际以12开头"
        );
        assert_eq!(
            err(Phone::parse("23812345678")),
            "手机号号段无效：应以13至19开头，实际以23开头"
        );
        assert_eq!(
            err(Phone::parse("1381234567a")),
            "手机号只能包含数字，第11位为“a”"
        );
    }

    #[test]
    fn phone_masks_middle_four_digits_including_in_debug_output() {
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(format!("{p:?}"), "Phone(\"138****5678\")");
    }

    #[test]
    fn student_number_length_bounds_are_four_and_twenty() {
        assert!(StudentNo::parse("A123").is_ok());
        assert!(StudentNo::parse(&"9".repeat(20)).is_ok());
        assert_eq!(
            err(StudentNo::parse("A12")),
            "学号应为4至20位字母或数字，实际为3位"
        );
        assert_eq!(
            err(StudentNo::parse(&"9".repeat(21))),
            "学号应为4至20位字母或数字，实际为21位"
        );
        assert_eq!(
            err(StudentNo::parse("2021_01")),
            "学号只能包含字母和数字，第5位为“_”"
        );
    }

    proptest! {
        #[test]
        fn any_twelve_digits_parse_as_admission_number(s in "[0-9]{12}") {
            let parsed = AdmissionNo::parse(&s).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn any_valid_mobile_survives_formatting_noise(rest in "[3-9][0-9]{9}") {
            let n = format!("1{rest}");
            let noisy = format!("+86 {}-{}-{}", &n[..3], &n[3..7], &n[7..]);
            let parsed = Phone::parse(&noisy).unwrap();
            prop_assert_eq!(parsed.as_str(), n.as_str());
        }
    }
}

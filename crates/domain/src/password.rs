//! Password policy for new or changed passwords. Hashing lives elsewhere;
//! this only decides whether a chosen password is acceptable.

use crate::ValueError;

/// Minimum length in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Maximum length in characters; bounds hashing cost for hostile input.
pub const PASSWORD_MAX_CHARS: usize = 64;

/// Requires 8–64 characters including at least one ASCII letter and one
/// ASCII digit. The password is not trimmed: spaces are the user's choice.
pub fn validate_new_password(pw: &str) -> Result<(), ValueError> {
    let len = pw.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&len) {
        return Err(ValueError(format!(
            "密码长度应为{PASSWORD_MIN_CHARS}至{PASSWORD_MAX_CHARS}个字符，实际为{len}个字符"
        )));
    }
    // Letters are ASCII only: a Chinese character typed through an IME does
    // not give the variety the rule is meant to enforce.
    let has_letter = pw.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = pw.chars().any(|c| c.is_ascii_digit());
    let missing = match (has_letter, has_digit) {
        (true, true) => return Ok(()),
        (false, false) => "字母和数字",
        (false, true) => "字母",
        (true, false) => "数字",
    };
    Err(ValueError(format!(
        "密码须至少包含一个英文字母和一个数字，当前密码（{len}个字符）缺少{missing}"
    )))
}

/// The common passwords shipped with the binary (lower case; `#` lines are comments).
const COMMON: &str = include_str!("common_passwords.txt");

/// Whether `pw` is one of the shipped common passwords, compared without regard to case.
pub fn is_common(pw: &str) -> bool {
    let lower = pw.to_lowercase();
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower)
}

/// The rule for a password a person sets for their own account: [`validate_new_password`], not
/// one of the account's identifiers (`identifiers`: label and value, e.g. 准考证号, 身份证号),
/// not a common password. The message names the rule broken.
pub fn validate_account_password(pw: &str, identifiers: &[(&str, &str)]) -> Result<(), ValueError> {
    validate_new_password(pw)?;
    for (label, value) in identifiers {
        let v = value.trim();
        if !v.is_empty() && pw.trim().eq_ignore_ascii_case(v) {
            return Err(ValueError(format!(
                "密码不能与{label}相同，请换一个别人猜不到的密码"
            )));
        }
    }
    if is_common(pw) {
        return Err(ValueError(
            "该密码是常见密码（如 abc12345、1qaz2wsx、woaini1314），容易被猜中，请换一个"
                .to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_common_passwords_are_refused_by_name() {
        let ids = [
            ("准考证号", "532400000004"),
            ("身份证号", "53250119900101123X"),
        ];
        assert!(validate_account_password("Kunming2026!", &ids).is_ok());
        assert_eq!(
            validate_account_password("53250119900101123x", &ids)
                .unwrap_err()
                .0,
            "密码不能与身份证号相同，请换一个别人猜不到的密码"
        );
        assert!(
            validate_account_password("Abcd1234", &ids)
                .unwrap_err()
                .0
                .contains("常见密码")
        );
        assert!(is_common("WOAINI1314"));
        assert!(!is_common("# Passwords that pass"));
        // The length rule comes first.
        assert!(
            validate_account_password("a1", &ids)
                .unwrap_err()
                .0
                .contains("8至64")
        );
    }

    #[test]
    fn eight_and_sixty_four_characters_are_the_length_limits() {
        assert!(validate_new_password("abcdef12").is_ok());
        assert!(validate_new_password(&format!("a1{}", "x".repeat(62))).is_ok());
        assert_eq!(
            validate_new_password("abcde12").unwrap_err().0,
            "密码长度应为8至64个字符，实际为7个字符"
        );
        assert_eq!(
            validate_new_password(&format!("a1{}", "x".repeat(63)))
                .unwrap_err()
                .0,
            "密码长度应为8至64个字符，实际为65个字符"
        );
    }

    #[test]
    fn letter_and_digit_are_both_required() {
        assert_eq!(
            validate_new_password("12345678").unwrap_err().0,
            "密码须至少包含一个英文字母和一个数字，当前密码（8个字符）缺少字母"
        );
        assert_eq!(
            validate_new_password("abcdefgh").unwrap_err().0,
            "密码须至少包含一个英文字母和一个数字，当前密码（8个字符）缺少数字"
        );
        assert_eq!(
            validate_new_password("!@#$%^&*").unwrap_err().0,
            "密码须至少包含一个英文字母和一个数字，当前密码（8个字符）缺少字母和数字"
        );
    }

    #[test]
    fn chinese_characters_count_as_one_character_each_but_not_as_letters() {
        assert!(validate_new_password("密码密码密码密码1").is_err());
        assert!(validate_new_password("密码密码密码a1").is_ok());
    }
}

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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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

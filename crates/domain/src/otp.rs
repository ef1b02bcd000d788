//! One-time codes sent by text message (短信验证码) for account activation and password recovery:
//! their limits, and the phone numbers they may go to. Counting and checking live in the store,
//! which keeps them in the database so that every instance counts the same.

use chrono::Duration;

use crate::ValueError;

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

/// How long a code is valid.
pub const VALID_FOR: Duration = Duration::minutes(5);

/// The shortest interval between two codes to one phone.
pub const INTERVAL: Duration = Duration::seconds(60);

/// The most codes one phone receives in a day (Beijing time).
pub const DAILY_MAX: i32 = 10;

/// Wrong entries after which a code is void.
pub const MAX_WRONG: i32 = 5;

coded_enum! {
    /// What a code is for; a code of one purpose does nothing for another.
    pub enum Purpose("验证码用途") {
        /// A candidate's first sign-in (账号激活).
        ActivateCandidate => ("activate_candidate", "考生账号激活"),
        /// A student's first sign-in.
        ActivateStudent => ("activate_student", "学生账号激活"),
        /// A candidate's forgotten password (找回密码).
        ResetCandidate => ("reset_candidate", "考生找回密码"),
        /// A student's forgotten password.
        ResetStudent => ("reset_student", "学生找回密码"),
        /// A candidate confirming a new phone (更换手机号).
        ChangePhoneCandidate => ("change_phone_candidate", "考生更换手机号"),
        /// A student confirming a new phone.
        ChangePhoneStudent => ("change_phone_student", "学生更换手机号"),
    }
}

/// A mainland mobile number: eleven digits starting with 1, spaces and dashes ignored.
pub fn parse_phone(raw: &str) -> Result<String, ValueError> {
    let digits: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    let n = digits.chars().count();
    if n != 11 || !digits.starts_with('1') || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ValueError(format!(
            "手机号应为以1开头的11位数字，实际填写了“{}”（{n}个字符）",
            raw.trim()
        )));
    }
    Ok(digits)
}

/// A typed code: six digits, surrounding spaces ignored.
pub fn parse_code(raw: &str) -> Result<String, ValueError> {
    let t = raw.trim();
    if t.chars().count() != CODE_DIGITS || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(ValueError(format!("验证码应为短信中的{CODE_DIGITS}位数字")));
    }
    Ok(t.to_owned())
}

/// A phone shown in logs and pages: 138****8000.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_eleven_digits_starting_with_one() {
        assert_eq!(parse_phone("138 0013-8000").unwrap(), "13800138000");
        assert!(
            parse_phone("1380013800")
                .unwrap_err()
                .0
                .contains("10个字符")
        );
        assert!(parse_phone("138001380001").is_err());
        assert!(parse_phone("23800138000").is_err());
        assert_eq!(mask_phone("13800138000"), "138****8000");
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(parse_code(" 042917 ").unwrap(), "042917");
        assert!(parse_code("42917").is_err());
        assert!(parse_code("0429170").is_err());
        assert!(parse_code("04291a").is_err());
    }
}

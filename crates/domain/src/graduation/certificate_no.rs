//! 毕业证书编号 (the certificate's registration number) under the national layout of 学历证书编号.
//!
//! The layout is the one of 教育部's rules for 学历证书电子注册 as public notices quote them
//! (e.g. <http://076958.com/662515864.html>, <https://www.kaoyys.com/post/2791.html>):
//! 18 digits, "前5位为学校或其他教育机构的国标代码；第6位为办学类型代码；第7至10位为年份；
//! 第11至12位为培养层次代码；第13位起为…序号", with the 办学类型 of 高等教育自学考试 = 6 and the
//! 培养层次 codes 本科 05, 专科(含高职) 06. That leaves six digits of sequence. The older 17-digit
//! layout that some provinces' 自考委 still print (办学类型, 层次, 省市县代码, 年度, 考次,
//! 准考证序号, 校验位) needs a check digit fixed when the 准考证 was issued, which we do not hold,
//! so the 18-digit layout is the one generated here; what varies by province is the five-digit
//! code of the issuing body, set by the office (毕业办理设置).

use crate::{Level, ValueError};

/// The digits of the issuing body's code (学校或其他教育机构的国标代码).
pub const ORG_CODE_DIGITS: usize = 5;
/// 办学类型代码 of 高等教育自学考试.
pub const SELF_STUDY_TYPE: char = '6';
/// The digits of the sequence within one body, year and level.
pub const SEQUENCE_DIGITS: usize = 6;
/// The highest sequence number the layout holds.
pub const SEQUENCE_MAX: u32 = 999_999;
/// The length of a certificate number.
pub const LENGTH: usize = 18;

/// The rule as the office states it, named in every refusal.
pub const RULE_TEXT: &str = "毕业证书编号共 18 位：机构代码 5 位 + 办学类型 1 位（自学考试为 6）+ 年份 4 位 + 层次 2 位（本科 05、专科 06）+ 序号 6 位";

/// A province's rule: the five-digit code of the body that issues its certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRule {
    org_code: String,
}

impl CertificateRule {
    /// Parses the code as typed on the settings page: exactly five digits, spaces trimmed.
    pub fn parse(input: &str) -> Result<CertificateRule, ValueError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ValueError(format!(
                "请填写毕业证书编号的机构代码（{ORG_CODE_DIGITS} 位数字）。{RULE_TEXT}"
            )));
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(ValueError(format!(
                "机构代码只能是数字，实际为“{s}”。{RULE_TEXT}"
            )));
        }
        let n = s.chars().count();
        if n != ORG_CODE_DIGITS {
            return Err(ValueError(format!(
                "机构代码应为 {ORG_CODE_DIGITS} 位数字，实际为 {n} 位。{RULE_TEXT}"
            )));
        }
        Ok(CertificateRule {
            org_code: s.to_owned(),
        })
    }

    /// The five-digit code.
    pub fn org_code(&self) -> &str {
        &self.org_code
    }

    /// The first twelve digits shared by every certificate of `level` in `year`: code, type,
    /// year and level; the sequence follows.
    pub fn prefix(&self, year: i32, level: Level) -> String {
        format!(
            "{}{SELF_STUDY_TYPE}{year:04}{}",
            self.org_code,
            level_code(level)
        )
    }

    /// The number with `sequence` (1 to [`SEQUENCE_MAX`]) after [`Self::prefix`].
    pub fn number(&self, year: i32, level: Level, sequence: u32) -> Result<String, ValueError> {
        if sequence == 0 || sequence > SEQUENCE_MAX {
            return Err(ValueError(format!(
                "{year} 年{}毕业证书编号的序号已用完（最多 {SEQUENCE_MAX} 个）。{RULE_TEXT}",
                level.label()
            )));
        }
        Ok(format!("{}{sequence:06}", self.prefix(year, level)))
    }
}

/// 培养层次代码: 本科 05, 专科 06.
pub fn level_code(level: Level) -> &'static str {
    match level {
        Level::Bachelor => "05",
        Level::Associate => "06",
    }
}

/// The sequence of a number made under `prefix`, if it is one.
pub fn sequence_of(number: &str, prefix: &str) -> Option<u32> {
    let rest = number.strip_prefix(prefix)?;
    if rest.len() != SEQUENCE_DIGITS {
        return None;
    }
    rest.parse().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_five_digit_code_is_the_rule_and_four_or_six_digits_are_refused() {
        let r = CertificateRule::parse(" 50001 ").unwrap();
        assert_eq!(r.org_code(), "50001");
        let six = CertificateRule::parse("500012").unwrap_err().0;
        assert!(six.contains("应为 5 位数字，实际为 6 位"), "{six}");
        assert!(six.contains("共 18 位"));
        let four = CertificateRule::parse("5000").unwrap_err().0;
        assert!(four.contains("实际为 4 位"), "{four}");
        assert!(
            CertificateRule::parse("5000a")
                .unwrap_err()
                .0
                .contains("只能是数字")
        );
        assert!(CertificateRule::parse("").is_err());
    }

    #[test]
    fn numbers_have_eighteen_digits_and_the_sequence_ends_at_its_limit() {
        let r = CertificateRule::parse("50001").unwrap();
        let n = r.number(2027, Level::Associate, 1).unwrap();
        assert_eq!(n, "500016202706000001");
        assert_eq!(n.len(), LENGTH);
        let last = r.number(2027, Level::Bachelor, SEQUENCE_MAX).unwrap();
        assert_eq!(last, "500016202705999999");
        assert_eq!(
            sequence_of(&last, &r.prefix(2027, Level::Bachelor)),
            Some(SEQUENCE_MAX)
        );
        let past = r
            .number(2027, Level::Bachelor, SEQUENCE_MAX + 1)
            .unwrap_err()
            .0;
        assert!(past.contains("已用完（最多 999999 个）"), "{past}");
    }
}

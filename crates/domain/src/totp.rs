//! Two-factor sign-in for staff (两步验证): a time-based one-time password (TOTP, RFC 6238) from an
//! authenticator app, and the recovery codes (恢复码) that each stand in for the phone once.
//!
//! The parameters are the ones every authenticator app reads from the enrolment QR code without
//! asking: HMAC-SHA1, six digits, a 30-second step, and one step of clock drift accepted either
//! way. Remembering which step was last accepted, so that a code works once, is the store's.

use chrono::{DateTime, Utc};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::ValueError;

/// The issuer the authenticator app shows beside the account.
pub const ISSUER: &str = "biye";

/// Digits of a code.
pub const DIGITS: usize = 6;

/// Seconds of one time step: a code changes this often.
pub const STEP_SECONDS: i64 = 30;

/// Steps of clock drift accepted either way of the current one.
pub const SKEW_STEPS: i64 = 1;

/// Bytes of a new secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;

/// Recovery codes issued at once.
pub const RECOVERY_CODES: usize = 10;

/// Random bytes behind one recovery code: 80 bits, written as 16 characters.
pub const RECOVERY_CODE_BYTES: usize = 10;

/// Characters of a recovery code (without its dashes).
pub const RECOVERY_CODE_CHARS: usize = 16;

/// Crockford's base32 alphabet in lower case: no i, l, o or u, so that what is read off paper
/// is typed back without guessing; a typed o, i or l is read as 0 or 1.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// The time step `at` falls in.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, ValueError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_skew(SKEW_STEPS as u16)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| ValueError(format!("两步验证密钥无效：{e}")))
}

fn unix_seconds(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp()).unwrap_or(0)
}

/// The code an authenticator app shows for `secret` during `step`.
pub fn code_for_step(secret: &[u8], step: i64) -> Result<String, ValueError> {
    let at = u64::try_from(step.saturating_mul(STEP_SECONDS)).unwrap_or(0);
    Ok(totp(secret, "")?.generate(at).to_string())
}

/// The code an authenticator app shows for `secret` at `at`.
pub fn code_at(secret: &[u8], at: DateTime<Utc>) -> Result<String, ValueError> {
    code_for_step(secret, step_at(at))
}

/// The step whose code `typed` is, within [`SKEW_STEPS`] of `now`'s step; `None` for a wrong
/// code. The comparison takes the same time whatever the digits.
pub fn matching_step(secret: &[u8], typed: &str, now: DateTime<Utc>) -> Option<i64> {
    let t = totp(secret, "").ok()?;
    t.check(typed, unix_seconds(now))
        .and_then(|s| i64::try_from(s).ok())
}

/// The `otpauth://` address the enrolment QR code carries: issuer, account, secret, and the
/// parameters left at the defaults every app assumes.
pub fn otpauth_url(secret: &[u8], account: &str) -> Result<String, ValueError> {
    totp(secret, account)?
        .to_url()
        .map_err(|e| ValueError(format!("无法生成两步验证二维码地址：{e}")))
}

/// The secret as the base32 text typed into an app by hand (no padding).
pub fn secret_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// A secret from its base32 text (spaces ignored, either case).
pub fn parse_secret(base32: &str) -> Result<Vec<u8>, ValueError> {
    let cleaned: String = base32
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = Secret::try_from_base32(&cleaned)
        .map_err(|_| ValueError("两步验证密钥应为 base32 文本（A–Z 与 2–7）".to_owned()))?;
    if bytes.len() < 16 {
        return Err(ValueError(format!(
            "两步验证密钥至少应有128位（16字节），收到{}字节",
            bytes.len()
        )));
    }
    Ok(bytes.to_vec())
}

/// A recovery code from [`RECOVERY_CODE_BYTES`] random bytes: 16 characters in groups of four,
/// e.g. `7k2m-xq9p-0c4d-hv8t`.
pub fn recovery_code(random: &[u8; RECOVERY_CODE_BYTES]) -> String {
    let mut bits: u128 = 0;
    for b in random {
        bits = (bits << 8) | u128::from(*b);
    }
    let mut out = String::with_capacity(RECOVERY_CODE_CHARS + 3);
    for i in 0..RECOVERY_CODE_CHARS {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let shift = 5 * (RECOVERY_CODE_CHARS - 1 - i);
        let index = ((bits >> shift) & 0x1f) as usize;
        out.push(char::from(RECOVERY_ALPHABET[index]));
    }
    out
}

/// What was typed on the second sign-in page: a code from the app or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Six digits.
    Code(String),
    /// A recovery code in its canonical form (16 characters, lower case, no dashes).
    Recovery(String),
}

/// Reads what was typed: six digits are a code; 16 characters of the recovery alphabet (dashes,
/// spaces and case ignored, o read as 0, i and l as 1) a recovery code. Anything else is refused
/// with what was expected.
pub fn parse_entry(typed: &str) -> Result<Entry, ValueError> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if compact.is_empty() {
        return Err(ValueError(
            "请输入验证器App中当前显示的6位数字验证码，或一个恢复码".to_owned(),
        ));
    }
    if compact.chars().all(|c| c.is_ascii_digit()) && compact.chars().count() != RECOVERY_CODE_CHARS
    {
        if compact.len() == DIGITS {
            return Ok(Entry::Code(compact));
        }
        return Err(ValueError(format!(
            "验证码应为{DIGITS}位数字，收到{}位",
            compact.chars().count()
        )));
    }
    let canonical: String = compact
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    if canonical.chars().count() == RECOVERY_CODE_CHARS
        && canonical.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
    {
        return Ok(Entry::Recovery(canonical));
    }
    Err(ValueError(format!(
        "请输入验证器App中当前显示的{DIGITS}位数字验证码，或一个{RECOVERY_CODE_CHARS}位恢复码（形如 7k2m-xq9p-0c4d-hv8t）"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 appendix B's SHA-1 secret.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(seconds, 0).single().unwrap_or_default()
    }

    #[test]
    fn codes_are_the_last_six_digits_of_the_rfc_6238_vectors() {
        for (seconds, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(
                code_at(RFC_SECRET, at(seconds)).ok().as_deref(),
                Some(&eight[2..])
            );
        }
    }

    #[test]
    fn a_code_matches_its_own_step_and_one_either_side() {
        let now = at(1_234_567_890);
        let step = step_at(now);
        for s in [step - 1, step, step + 1] {
            let code = code_for_step(RFC_SECRET, s).unwrap_or_default();
            assert_eq!(matching_step(RFC_SECRET, &code, now), Some(s));
        }
        let old = code_for_step(RFC_SECRET, step - 2).unwrap_or_default();
        assert_eq!(matching_step(RFC_SECRET, &old, now), None);
        assert_eq!(matching_step(RFC_SECRET, "12345", now), None);
        assert_eq!(matching_step(RFC_SECRET, "+12345", now), None);
    }

    #[test]
    fn the_enrolment_address_names_issuer_and_account() {
        let url = otpauth_url(RFC_SECRET, "cq-office-admin").unwrap_or_default();
        assert_eq!(
            url,
            "otpauth://totp/biye:cq-office-admin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=biye"
        );
        assert_eq!(
            parse_secret("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").ok(),
            Some(RFC_SECRET.to_vec())
        );
        assert!(parse_secret("GEZDGNBV").is_err(), "too short");
        assert!(parse_secret("not base32!").is_err());
    }

    #[test]
    fn recovery_codes_read_back_however_they_are_typed() {
        let code = recovery_code(&[0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        let canonical: String = code.chars().filter(|c| *c != '-').collect();
        assert_eq!(
            parse_entry(&code).ok(),
            Some(Entry::Recovery(canonical.clone()))
        );
        assert_eq!(
            parse_entry(&format!(" {} ", code.to_uppercase().replace('-', " "))).ok(),
            Some(Entry::Recovery(canonical))
        );
        assert_eq!(
            parse_entry("OIL0-0000-0000-0000").ok(),
            Some(Entry::Recovery("0110000000000000".to_owned()))
        );
        assert_eq!(recovery_code(&[0; 10]), "0000-0000-0000-0000");
    }

    #[test]
    fn six_digits_are_a_code_and_other_input_says_what_was_expected() {
        assert_eq!(
            parse_entry(" 123 456 ").ok(),
            Some(Entry::Code("123456".to_owned()))
        );
        assert_eq!(
            parse_entry("12345").err().map(|e| e.0),
            Some("验证码应为6位数字，收到5位".to_owned())
        );
        assert!(parse_entry("").is_err());
        assert!(
            parse_entry("hello")
                .err()
                .is_some_and(|e| e.0.contains("恢复码"))
        );
    }
}

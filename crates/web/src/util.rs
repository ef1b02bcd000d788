//! Small helpers shared by views and the API.

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

/// A UTC instant as Beijing time, "2026-11-24 14:05".
pub fn beijing(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Beijing wall-clock time only, "14:05".
pub fn beijing_hm(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).format("%H:%M").to_string()
}

/// Masks an ID number for lists ("500103********001X"); malformed values are masked whole.
pub fn mask_id(id: &str) -> String {
    domain::IdCardNo::parse(id)
        .map(|i| i.masked())
        .unwrap_or_else(|_| "*".repeat(id.chars().count()))
}

/// Masks a phone number for lists ("138****5678").
pub fn mask_phone(p: Option<&str>) -> String {
    match p {
        Some(p) => domain::Phone::parse(p)
            .map(|p| p.masked())
            .unwrap_or_else(|_| "*".repeat(p.chars().count())),
        None => "未填写".to_owned(),
    }
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

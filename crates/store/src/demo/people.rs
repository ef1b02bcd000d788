//! Synthetic people: a small deterministic random source, names, ID numbers, phones, addresses and
//! the exam calendar their results are dated on.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

use super::catalog;

/// splitmix64: tiny, fast and good enough for demo data. A fixed seed keeps every demo database
/// identical, so a bug report against "the demo data" can be reproduced.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is irrelevant at these sizes.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform index into a slice of length `len`.
    pub(super) fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + u32::try_from(self.below(span)).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Picks from `(weight, value)` pairs.
    pub(super) fn weighted<T: Copy>(&mut self, table: &[(u32, T)]) -> T {
        let total: u64 = table.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut r = self.below(total);
        for (w, v) in table {
            let w = u64::from(*w);
            if r < w {
                return *v;
            }
            r -= w;
        }
        // Only reached through rounding at the very end of the table.
        table[table.len() - 1].1
    }
}

/// A plausible name: surnames near the top of the pool (the common ones) come up far more often,
/// as in a real register.
pub(super) fn person_name(rng: &mut Rng) -> String {
    let pool = catalog::SURNAMES;
    let u = rng.below(1 << 16) as f64 / f64::from(1u32 << 16);
    let idx = ((u * u) * pool.len() as f64) as usize;
    let mut name = String::with_capacity(12);
    name.push_str(pool.get(idx).copied().unwrap_or("王"));
    let given = catalog::GIVEN_CHARS;
    name.push_str(given[rng.index(given.len())]);
    if rng.chance(70) {
        name.push_str(given[rng.index(given.len())]);
    }
    name
}

/// An 18-character ID number valid by GB 11643: region, birth date, three-digit sequence (odd for
/// men), check character.
pub(super) fn id_card_no(region: &str, birth: NaiveDate, seq: u16) -> String {
    let mut s = format!("{region}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    let check = domain::check_digit(&s).unwrap_or('0');
    s.push(check);
    s
}

/// A mobile number whose prefix (13x–19x) passes `domain::Phone`.
pub(super) fn phone(rng: &mut Rng) -> String {
    const SECOND: [u32; 5] = [3, 5, 7, 8, 9];
    let second = SECOND[rng.index(SECOND.len())];
    format!("1{second}{:09}", rng.below(1_000_000_000))
}

/// A street address from the province's pool with a flat number, so that two people rarely share one.
pub(super) fn address(rng: &mut Rng, pool: &[&str]) -> String {
    let street = pool.get(rng.index(pool.len())).copied().unwrap_or("");
    format!(
        "{street}{}栋{}单元{}{:02}室",
        rng.range(1, 12),
        rng.range(1, 4),
        rng.range(1, 28),
        rng.range(1, 4)
    )
}

/// Ethnicities with rough shares for each province (Chongqing: 土家族 and 苗族 in the south-east;
/// Yunnan: the largest of its many minorities).
pub(super) const CQ_ETHNICITIES: &[(u32, &str)] = &[(93, "汉族"), (5, "土家族"), (2, "苗族")];
pub(super) const YN_ETHNICITIES: &[(u32, &str)] = &[
    (78, "汉族"),
    (7, "彝族"),
    (4, "白族"),
    (3, "哈尼族"),
    (3, "傣族"),
    (2, "壮族"),
    (2, "苗族"),
    (1, "纳西族"),
];
pub(super) const POLITICAL: &[(u32, &str)] = &[
    (58, "群众"),
    (31, "共青团员"),
    (9, "中共党员"),
    (2, "中共预备党员"),
];

/// The `n`-th (1-based) given weekday of a month.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
}

/// The national self-study sittings (second weekend of April, fourth weekend of October) from four
/// years before `now` up to the last one whose results are out (about six weeks after the sitting).
pub(super) fn sittings(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let today = now.date_naive();
    let earliest = today.checked_sub_days(Days::new(4 * 365)).unwrap_or(today);
    let published = today.checked_sub_days(Days::new(45)).unwrap_or(today);
    let mut out = Vec::new();
    for year in (today.year() - 5)..=today.year() {
        for d in [
            nth_weekday(year, 4, Weekday::Sat, 2),
            nth_weekday(year, 10, Weekday::Sat, 4),
        ]
        .into_iter()
        .flatten()
        {
            if d >= earliest && d <= published {
                out.push(d);
            }
        }
    }
    out
}

/// Practical components and theses are assessed by the chief university some weeks after a sitting.
pub(super) fn practical_date(sitting: NaiveDate) -> NaiveDate {
    sitting.checked_add_days(Days::new(35)).unwrap_or(sitting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_id_numbers_parse() {
        let mut rng = Rng::new(7);
        for i in 0..500u16 {
            let region = catalog::YN_REGION_CODES[rng.index(catalog::YN_REGION_CODES.len())];
            let birth =
                NaiveDate::from_ymd_opt(1980 + i32::from(i % 25), 1 + u32::from(i % 12), 28)
                    .unwrap_or_default();
            let s = id_card_no(region, birth, i);
            let parsed = domain::IdCardNo::parse(&s);
            assert!(parsed.is_ok(), "{s}: {parsed:?}");
        }
    }

    #[test]
    fn phones_and_names_pass_domain_rules() {
        let mut rng = Rng::new(11);
        for _ in 0..500 {
            let p = phone(&mut rng);
            assert!(domain::Phone::parse(&p).is_ok(), "{p}");
            let n = person_name(&mut rng);
            assert!(domain::validate_person_name(&n).is_ok(), "{n}");
            let a = address(&mut rng, catalog::CQ_ADDRESS_PARTS);
            assert!(domain::validate_address(&a).is_ok(), "{a}");
        }
    }

    #[test]
    fn sittings_lie_in_april_or_october_of_the_last_four_years() {
        let now = DateTime::parse_from_rfc3339("2026-11-20T02:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let s = sittings(now);
        assert!((7..=9).contains(&s.len()), "{s:?}");
        assert!(s.iter().all(|d| matches!(d.month(), 4 | 10)));
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert!(s.last().is_some_and(|d| *d < now.date_naive()));
    }
}

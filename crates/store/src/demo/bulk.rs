//! A province-sized bulk of synthetic candidates: each with an enrolled major and one result per
//! plan course, written with multi-row INSERTs in transactions of about 50,000 rows and generated
//! chunk by chunk, so two million candidates need no more memory than a few thousand.

use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::{CandidateType, Province, ScoreSource};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::catalog::{self, CourseSeed};
use super::people::{self, Rng};
use super::{DemoOptions, Refs};
use crate::multirow::insert_rows;

/// The largest bulk [`super::seed`] accepts.
pub(super) const MAX_EXTRA: u64 = 2_000_000;

/// Candidates per transaction: with an enrolled major and ~14 results each, about 50,000 rows;
/// a multiple of the rows per candidate statement, so that those are all full.
const CANDIDATES_PER_TXN: u64 = 3 * 1024;

/// Page cache of the connection writing a chunk, in KiB.
const SQLITE_CACHE_KIB: u32 = 64 * 1024;

/// Share of results that are passes.
const PASS_PERCENT: u64 = 85;

/// Constant seed: the same bulk every time.
const SEED: u64 = 0x00B1_7E00_DE70_5EED;

/// Earliest birth date of a synthetic candidate; with [`BIRTH_DAYS`] it spans 1975–2004.
fn first_birth() -> NaiveDate {
    NaiveDate::from_ymd_opt(1975, 1, 1).unwrap_or_default()
}
const BIRTH_DAYS: u64 = 10_958;
/// ID sequence numbers 100–999; the named candidates use lower ones, so no number repeats.
const SEQ_FIRST: u64 = 100;
const SEQ_COUNT: u64 = 900;

/// Everything that differs between the two provinces.
struct ProvinceMix {
    province: Province,
    /// First two digits of the admission number.
    admission_prefix: &'static str,
    registration_orgs: Vec<i64>,
    majors: Vec<(i64, &'static [CourseSeed])>,
    regions: &'static [&'static str],
    addresses: &'static [&'static str],
    ethnicities: &'static [(u32, &'static str)],
    types: &'static [(u32, CandidateType)],
    /// Synthetic candidates of this province so far; numbers admission and ID numbers.
    count: u64,
    ids: IdPermutation,
}

/// Spreads the k-th candidate's ID number over regions, birth dates and sequence numbers by an
/// affine permutation of that space: distinct for distinct k, yet looking random.
struct IdPermutation {
    space: u64,
    mul: u64,
    add: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl IdPermutation {
    fn new(regions: usize) -> Self {
        let space = regions as u64 * BIRTH_DAYS * SEQ_COUNT;
        let mut mul = 2_654_435_761 % space;
        while gcd(mul, space) != 1 {
            mul += 1;
        }
        Self {
            space,
            mul,
            add: space / 3,
        }
    }

    /// (region index, days after [`first_birth`], sequence number) of the k-th candidate.
    fn nth(&self, k: u64) -> (usize, u64, u16) {
        let x = ((u128::from(k % self.space) * u128::from(self.mul) + u128::from(self.add))
            % u128::from(self.space)) as u64;
        let regions = self.space / (BIRTH_DAYS * SEQ_COUNT);
        let region = (x % regions) as usize;
        let rest = x / regions;
        let day = rest % BIRTH_DAYS;
        let seq = SEQ_FIRST + (rest / BIRTH_DAYS) % SEQ_COUNT;
        (region, day, seq as u16)
    }
}

struct CandidateRow {
    id: i64,
    admission_no: String,
    name: String,
    id_card_no: String,
    gender: &'static str,
    birth_date: NaiveDate,
    ethnicity: &'static str,
    political_status: &'static str,
    phone: String,
    address: String,
    candidate_type: &'static str,
    province: &'static str,
    registration_org_id: i64,
}

struct ScoreRow {
    candidate_id: i64,
    course_code: &'static str,
    score_tenths: Option<i32>,
    passed: bool,
    exam_date: NaiveDate,
    source: &'static str,
}

const CANDIDATE_COLUMNS: &[&str] = &[
    "id",
    "admission_no",
    "name",
    "id_card_no",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "phone",
    "address",
    "candidate_type",
    "province",
    "registration_org_id",
    "password_hash",
    "legal_block",
    "created_at",
    "updated_at",
];
const ENROLLED_COLUMNS: &[&str] = &["candidate_id", "major_id", "created_at"];
const SCORE_COLUMNS: &[&str] = crate::entity::score_record::WRITTEN_COLUMNS;

fn province_mixes(refs: &Refs) -> anyhow::Result<[ProvinceMix; 2]> {
    let orgs_of = |province: &str, kind: &str| -> Vec<i64> {
        catalog::orgs()
            .iter()
            .filter(|o| o.province == Some(province) && o.kind == kind)
            .filter_map(|o| refs.orgs.get(o.key).copied())
            .collect()
    };
    let majors_of = |province: &str| -> Vec<(i64, &'static [CourseSeed])> {
        refs.majors
            .iter()
            .filter(|(m, _)| m.province == Some(province))
            .map(|(m, id)| (*id, m.courses))
            .collect()
    };
    let of = |code: &str| Province::of(code).map_err(|e| anyhow::anyhow!("{e}"));
    let cq = ProvinceMix {
        province: of("chongqing")?,
        admission_prefix: "50",
        registration_orgs: orgs_of("chongqing", "district_agency"),
        majors: majors_of("chongqing"),
        regions: catalog::CQ_REGION_CODES,
        addresses: catalog::CQ_ADDRESS_PARTS,
        ethnicities: people::CQ_ETHNICITIES,
        types: &[
            (80, CandidateType::SelfStudy),
            (20, CandidateType::Assisted),
        ],
        count: 0,
        ids: IdPermutation::new(catalog::CQ_REGION_CODES.len()),
    };
    let yn = ProvinceMix {
        province: of("yunnan")?,
        admission_prefix: "53",
        registration_orgs: orgs_of("yunnan", "confirmation_point"),
        majors: majors_of("yunnan"),
        regions: catalog::YN_REGION_CODES,
        addresses: catalog::YN_ADDRESS_PARTS,
        ethnicities: people::YN_ETHNICITIES,
        types: &[
            (74, CandidateType::SelfStudy),
            (19, CandidateType::Assisted),
            (7, CandidateType::CreditRecognition),
        ],
        count: 0,
        ids: IdPermutation::new(catalog::YN_REGION_CODES.len()),
    };
    for p in [&cq, &yn] {
        anyhow::ensure!(
            !p.registration_orgs.is_empty() && !p.majors.is_empty() && !p.regions.is_empty(),
            "the catalogue lacks registration organisations, majors or regions for {}",
            p.province.code()
        );
    }
    Ok([cq, yn])
}

/// Generates one candidate with enrolled major and results, appending to the chunk's rows.
fn generate(rng: &mut Rng, p: &mut ProvinceMix, id: i64, sittings: &[NaiveDate], out: &mut Chunk) {
    let k = p.count;
    p.count += 1;
    // Registration year 18–24 cycles fastest so that each year's numbers stay dense.
    let admission_no = format!(
        "{}{}{:08}",
        p.admission_prefix,
        18 + k % 7,
        10_000_000 + k / 7
    );
    let (region, day, seq) = p.ids.nth(k);
    let birth_date = first_birth()
        .checked_add_days(Days::new(day))
        .unwrap_or_else(first_birth);
    let id_card_no = people::id_card_no(p.regions[region], birth_date, seq);
    let gender = if seq % 2 == 1 { "male" } else { "female" };
    out.candidates.push(CandidateRow {
        id,
        admission_no,
        name: people::person_name(rng),
        id_card_no,
        gender,
        birth_date,
        ethnicity: rng.weighted(p.ethnicities),
        political_status: rng.weighted(people::POLITICAL),
        phone: people::phone(rng),
        address: people::address(rng, p.addresses),
        candidate_type: rng.weighted(p.types).code(),
        province: p.province.code(),
        registration_org_id: p.registration_orgs[rng.index(p.registration_orgs.len())],
    });
    let (major_id, plan) = p.majors[rng.index(p.majors.len())];
    out.enrolled.push((id, major_id));
    for c in plan {
        let passed = rng.chance(PASS_PERCENT);
        let sitting = sittings[rng.index(sittings.len())];
        let (score_tenths, source, exam_date) = match c.kind {
            "practical" => (
                None,
                ScoreSource::Practical,
                people::practical_date(sitting),
            ),
            "thesis" => {
                let pts = if passed {
                    rng.range(65, 90)
                } else {
                    rng.range(40, 59)
                };
                (
                    Some(pts as i32 * 10),
                    ScoreSource::Practical,
                    people::practical_date(sitting),
                )
            }
            _ => {
                let pts = if passed {
                    rng.range(60, 95)
                } else {
                    rng.range(25, 59)
                };
                let source = match rng.below(100) {
                    0..=2 => ScoreSource::Backfill,
                    3..=4 => ScoreSource::Transfer,
                    _ => ScoreSource::Exam,
                };
                (Some(pts as i32 * 10), source, sitting)
            }
        };
        out.scores.push(ScoreRow {
            candidate_id: id,
            course_code: c.code,
            score_tenths,
            passed,
            exam_date,
            source: source.code(),
        });
    }
}

#[derive(Default)]
struct Chunk {
    candidates: Vec<CandidateRow>,
    enrolled: Vec<(i64, i64)>,
    scores: Vec<ScoreRow>,
}

/// Adds `opts.extra_candidates` synthetic candidates; returns (candidates, score records) created.
pub(super) async fn seed(
    db: &crate::Db,
    refs: &Refs,
    opts: &DemoOptions,
) -> anyhow::Result<(u64, u64)> {
    let total = opts.extra_candidates;
    let now = opts.now;
    let backend = db.get_database_backend();
    let sittings = people::sittings(now);
    anyhow::ensure!(!sittings.is_empty(), "no exam sitting before now");
    let mut mixes = province_mixes(refs)?;
    let mut rng = Rng::new(SEED);
    // Ids are handed out here rather than by the database so that results can name their
    // candidate without reading ids back.
    let mut next_id = max_id(db, "candidates").await? + 1;
    let mut done = 0u64;
    let mut score_rows = 0u64;
    while done < total {
        let n = CANDIDATES_PER_TXN.min(total - done);
        let mut chunk = Chunk {
            candidates: Vec::with_capacity(n as usize),
            enrolled: Vec::with_capacity(n as usize),
            scores: Vec::with_capacity(n as usize * 16),
        };
        for _ in 0..n {
            let p = match opts.bulk_province {
                Some(p) if p == mixes[0].province => &mut mixes[0],
                Some(p) if p == mixes[1].province => &mut mixes[1],
                Some(p) => anyhow::bail!(
                    "演示数据只有{}和{}的考生，--province 不能是{}",
                    mixes[0].province.label(),
                    mixes[1].province.label(),
                    p.label()
                ),
                // Chongqing somewhat larger than Yunnan, as in the real registers.
                None if rng.chance(55) => &mut mixes[0],
                None => &mut mixes[1],
            };
            generate(&mut rng, p, next_id, &sittings, &mut chunk);
            next_id += 1;
        }
        score_rows += chunk.scores.len() as u64;
        let txn = crate::write::begin_write(db).await?;
        if backend == DbBackend::Sqlite {
            // A chunk's new pages outgrow SQLite's default 2 MiB cache, which then spills them to
            // the WAL and reads them back for every index insert; give this one connection room
            // for the chunk, and hand it back to the pool with the default again.
            txn.execute_unprepared(&format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
                .await?;
        }
        write_chunk(&txn, chunk, &opts.password_hash, now).await?;
        if backend == DbBackend::Sqlite {
            txn.execute_unprepared("PRAGMA cache_size = -2000").await?;
        }
        txn.commit().await?;
        done += n;
    }
    if backend == DbBackend::Postgres {
        // Explicit ids do not advance PostgreSQL's sequence; later inserts would collide.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('candidates', 'id'), \
             (SELECT MAX(id) FROM candidates))",
        )
        .await?;
    }
    if backend != DbBackend::Sqlite && total > 0 {
        // Without statistics on the millions of rows just loaded, PostgreSQL plans the batch
        // audit's range reads of a score table it believes small as bitmap scans sorted on disk,
        // 2–3 times slower than the index scan it picks once it knows; autovacuum would get there
        // only later. On PostgreSQL, VACUUM also marks the new pages all-visible, without which
        // the audit's read cannot come from the score index alone (migration 41).
        let sql = match backend {
            DbBackend::MySql => "ANALYZE TABLE candidates, enrolled_majors, score_records",
            _ => "VACUUM (ANALYZE) candidates, enrolled_majors, score_records",
        };
        db.execute_unprepared(sql).await?;
    }
    Ok((total, score_rows))
}

async fn write_chunk<C: ConnectionTrait>(
    conn: &C,
    chunk: Chunk,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let created = || Value::ChronoDateTimeUtc(Some(now));
    insert_rows(
        conn,
        "candidates",
        CANDIDATE_COLUMNS,
        chunk.candidates,
        |c, v| {
            v.extend([
                Value::BigInt(Some(c.id)),
                Value::String(Some(c.admission_no)),
                Value::String(Some(c.name)),
                Value::String(Some(c.id_card_no)),
                Value::String(Some(c.gender.to_owned())),
                Value::ChronoDate(Some(c.birth_date)),
                Value::String(Some(c.ethnicity.to_owned())),
                Value::String(Some(c.political_status.to_owned())),
                Value::String(Some(c.phone)),
                Value::String(Some(c.address)),
                Value::String(Some(c.candidate_type.to_owned())),
                Value::String(Some(c.province.to_owned())),
                Value::BigInt(Some(c.registration_org_id)),
                Value::String(Some(password_hash.to_owned())),
                Value::Bool(Some(false)),
                created(),
                created(),
            ]);
        },
    )
    .await
    .context("bulk insert into candidates")?;
    insert_rows(
        conn,
        "enrolled_majors",
        ENROLLED_COLUMNS,
        chunk.enrolled,
        |(candidate_id, major_id), v| {
            v.extend([
                Value::BigInt(Some(candidate_id)),
                Value::BigInt(Some(major_id)),
                created(),
            ]);
        },
    )
    .await
    .context("bulk insert into enrolled_majors")?;
    insert_rows(
        conn,
        "score_records",
        SCORE_COLUMNS,
        chunk.scores,
        |s, v| {
            v.extend([
                Value::BigInt(Some(s.candidate_id)),
                Value::String(Some(s.course_code.to_owned())),
                Value::Int(s.score_tenths),
                Value::Bool(Some(s.passed)),
                Value::ChronoDate(Some(s.exam_date)),
                Value::String(Some(s.source.to_owned())),
                created(),
            ]);
        },
    )
    .await
    .context("bulk insert into score_records")?;
    Ok(())
}

async fn max_id<C: ConnectionTrait>(conn: &C, table: &str) -> anyhow::Result<i64> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT MAX(id) AS m FROM {table}"),
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<i64>>("", "m")?.unwrap_or(0),
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn id_permutation_gives_distinct_valid_numbers() {
        let p = IdPermutation::new(catalog::CQ_REGION_CODES.len());
        let mut seen = HashSet::new();
        for k in 0..20_000 {
            let (region, day, seq) = p.nth(k);
            assert!((100..1000).contains(&seq));
            let birth = first_birth()
                .checked_add_days(Days::new(day))
                .unwrap_or_default();
            let s = people::id_card_no(catalog::CQ_REGION_CODES[region], birth, seq);
            assert!(domain::IdCardNo::parse(&s).is_ok(), "{s}");
            assert!(seen.insert(s));
        }
    }
}

//! Deterministic bulk data for measuring imports: a score sheet of any size and the candidates
//! and courses it refers to.

use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};
use domain::{AdmissionNo, CandidateType, IdCardNo, Province};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::entity::{candidate, course};
use crate::repo::RepoError;
use crate::repo::candidate::NewCandidate;
use crate::repo::org::{self, NewOrg};

/// The first exam day used; later rows move on by one day per full round of candidates × courses.
const FIRST_DAY: (i32, u32, u32) = (2001, 1, 1);
/// Exam days available (about 22 years), which keeps every date in the past.
const DAYS: u64 = 8000;
/// Courses created by [`seed_for_bench`].
const BENCH_COURSES: u64 = 30;
/// Candidates per INSERT: 16 columns × 1,000 stays under SQLite's bound-value limit.
const INSERT_ROWS: usize = 1000;

/// Writes a UTF-8 score CSV with Chinese headers and `rows` data rows. Row `i` belongs to
/// candidate `i mod n`, course `(i / n) mod m` and exam day `i / (n·m)`, so every
/// (candidate, course, date) key is unique; scores are pseudo-random but fixed, with a 合格
/// mark now and then.
pub fn write_scores_csv(
    path: &Path,
    rows: u64,
    admission_nos: &[String],
    course_codes: &[String],
) -> std::io::Result<()> {
    let (n, m) = (admission_nos.len() as u64, course_codes.len() as u64);
    if rows > 0 && (n == 0 || m == 0) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "need at least one admission number and one course code",
        ));
    }
    if rows > n.saturating_mul(m).saturating_mul(DAYS) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "too many rows for unique keys: add candidates or courses",
        ));
    }
    let first = NaiveDate::from_ymd_opt(FIRST_DAY.0, FIRST_DAY.1, FIRST_DAY.2).unwrap_or_default();
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all("准考证号,课程代码,成绩,考试日期,来源\n".as_bytes())?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rows {
        let admission = &admission_nos[(i % n) as usize];
        let course = &course_codes[((i / n) % m) as usize];
        let day = first + Duration::days(i64::try_from(i / (n * m)).unwrap_or(0));
        // xorshift: cheap, fixed sequence.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let tenths = state % 1001;
        if state.is_multiple_of(17) {
            writeln!(
                out,
                "{admission},{course},合格,{},考试",
                day.format("%Y-%m-%d")
            )?;
        } else if tenths.is_multiple_of(10) {
            writeln!(
                out,
                "{admission},{course},{},{},考试",
                tenths / 10,
                day.format("%Y-%m-%d")
            )?;
        } else {
            writeln!(
                out,
                "{admission},{course},{}.{},{},考试",
                tenths / 10,
                tenths % 10,
                day.format("%Y-%m-%d")
            )?;
        }
    }
    out.flush()
}

/// Creates one district agency, 30 courses and `candidates` candidates (who cannot sign in),
/// using multi-row inserts; returns their admission numbers and the course codes.
pub async fn seed_for_bench<C: ConnectionTrait>(
    db: &C,
    candidates: u64,
) -> Result<(Vec<String>, Vec<String>), RepoError> {
    let now = Utc::now();
    // Any defined province will do: the bench measures the audit, not a province's rules.
    let province = Province::all()
        .first()
        .copied()
        .ok_or_else(|| RepoError::Invalid("没有任何省份定义".to_owned()))?;
    let agency = org::create(
        db,
        NewOrg {
            parent_id: None,
            kind: province.office().code(),
            province: Some(province.code()),
            code: "bench-district",
            name: "基准测试考试机构",
            announcement: "",
        },
        now,
    )
    .await?;

    let codes: Vec<String> = (0..BENCH_COURSES)
        .map(|i| format!("{:05}", 1000 + i))
        .collect();
    course::Entity::insert_many(codes.iter().map(|c| course::ActiveModel {
        code: Set(c.clone()),
        name: Set(format!("基准课程{c}")),
        ..Default::default()
    }))
    .on_conflict(
        OnConflict::column(course::Column::Code)
            .update_column(course::Column::Name)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;

    let admission_nos: Vec<String> = (0..candidates)
        .map(|i| format!("{:012}", 360_000_000_000u64 + i))
        .collect();
    for (batch_no, batch) in admission_nos.chunks(INSERT_ROWS).enumerate() {
        let mut models = Vec::with_capacity(batch.len());
        for (j, no) in batch.iter().enumerate() {
            let i = (batch_no * INSERT_ROWS + j) as u64;
            let new = NewCandidate {
                admission_no: AdmissionNo::parse(no).map_err(|e| RepoError::Invalid(e.0))?,
                name: bench_name(i),
                id_card_no: bench_id_card(i)?,
                ethnicity: "汉族".to_owned(),
                political_status: "群众".to_owned(),
                phone: None,
                address: None,
                candidate_type: CandidateType::SelfStudy,
                province,
                registration_org_id: agency.id,
            };
            models.push(new.into_active("!".to_owned(), now));
        }
        candidate::Entity::insert_many(models)
            .exec_without_returning(db)
            .await?;
    }
    Ok((admission_nos, codes))
}

/// Two or three Chinese characters, so the names look like the real thing.
fn bench_name(i: u64) -> String {
    const SURNAMES: [char; 10] = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
    const GIVEN: [char; 10] = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋'];
    let mut name = String::new();
    name.push(SURNAMES[(i % 10) as usize]);
    name.push(GIVEN[((i / 10) % 10) as usize]);
    if i >= 100 {
        name.push(GIVEN[((i / 100) % 10) as usize]);
    }
    name
}

/// A valid 身份证号 from 渝中区 with a birth date in the 1990s and a distinct sequence number.
fn bench_id_card(i: u64) -> Result<IdCardNo, RepoError> {
    let birth = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default()
        + Duration::days(i64::try_from(i % 3650).unwrap_or(0));
    let first17 = format!("500103{}{:03}", birth.format("%Y%m%d"), i % 1000);
    let check = domain::check_digit(&first17).unwrap_or('0');
    IdCardNo::parse(&format!("{first17}{check}")).map_err(|e| RepoError::Invalid(e.0))
}

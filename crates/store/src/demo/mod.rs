//! The demo data set: the real organisation trees of Chongqing and Yunnan with their majors and exam
//! plans, one staff account per kind of organisation, named candidates and students in every
//! situation the rules distinguish, open batches, and — on request — a province-sized bulk of
//! synthetic candidates for load and paging.
//!
//! Every person is synthetic: names come from the pools in [`catalog`], ID numbers are valid by
//! GB 11643 but built from region codes, made-up birth dates and sequence numbers. Everything is
//! derived from fixed seeds and `now`, so two demo databases seeded at the same moment are equal.

mod applications;
mod bulk;
pub mod catalog;
mod named;
mod people;

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use domain::{CourseKind, Level, OrgKind, StaffRole};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::repo::{candidate, org, reference, staff};
pub use applications::{
    SEEDED_ACTION as APPLICATIONS_SEEDED_ACTION, SeededApplications, seed_applications,
};
use catalog::MajorSeed;

/// What to seed.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// One password hash shared by every demo account (hashing is deliberately slow, so it is done once).
    pub password_hash: String,
    /// How many synthetic candidates to add on top of the named ones (0 by default, up to 2,000,000).
    pub extra_candidates: u64,
    /// Put every synthetic candidate in this province, for measurements over one province-sized
    /// register; `None` (the default) spreads them over both, Chongqing somewhat larger.
    pub bulk_province: Option<domain::Province>,
    /// The moment batches, exam dates and timestamps are arranged around.
    pub now: DateTime<Utc>,
}

impl DemoOptions {
    /// Options without bulk candidates.
    pub fn new(password_hash: String, now: DateTime<Utc>) -> Self {
        Self {
            password_hash,
            extra_candidates: 0,
            bulk_province: None,
            now,
        }
    }
}

/// One account to try the demo with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// Who this is and what situation they are in, in Chinese, e.g. "主考学校审核员（重庆师范大学）".
    pub who: String,
    /// `"candidate"`, `"student"` or `"staff"`: which sign-in page to use.
    pub portal: &'static str,
    /// 准考证号, 学号 or staff username.
    pub username: String,
}

/// What [`seed`] created.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Every named account, candidates first, then students, then staff.
    pub logins: Vec<DemoLogin>,
    /// Candidates created, named and synthetic.
    pub candidates: u64,
    /// Score records created for those candidates.
    pub score_records: u64,
}

/// Usernames of the named demo accounts, for tests and documentation.
pub mod accounts {
    /// Chongqing 专科 candidate who passed every plan course (exam and practical results, one retake).
    pub const CQ_ELIGIBLE_ASSOCIATE: &str = "502400000001";
    /// Chongqing 专科 candidate whose only attempt at one plan course scored 52.
    pub const CQ_ONE_COURSE_SHORT: &str = "502400000002";
    /// Chongqing 专科 candidate with an online exemption (免考) and a substitution (课程替换).
    pub const CQ_EXEMPTION_USED: &str = "502400000003";
    /// Chongqing 本科 candidate with every course passed whose prior education must be checked.
    pub const CQ_BACHELOR_PRIOR_EDU: &str = "502400000004";
    /// Chongqing candidate without phone, address or enrolled major, with a few results.
    pub const CQ_PROFILE_INCOMPLETE: &str = "502400000005";
    /// Yunnan 专科 candidate who passed every plan course, with a backfilled result and a linked
    /// 13-character admission number.
    pub const YN_ELIGIBLE_ASSOCIATE: &str = "532400000001";
    /// Yunnan 本科 candidate with every course passed whose prior education must be checked.
    pub const YN_BACHELOR_PRIOR_EDU: &str = "532400000002";
    /// Yunnan 学分互认在校生 (credit recognition) with every course passed.
    pub const YN_CREDIT_RECOGNITION: &str = "532400000003";
    /// Yunnan 专科 candidate with two plan courses missing from the platform: one held on a 1994
    /// 课程合格证书 (a 成绩补录 request can be filed), one under the unlinked 13-character number
    /// [`YN_UNLINKED_LEGACY_NO`].
    pub const YN_BACKFILL_NEEDED: &str = "532400000004";
    /// The 13-character admission number of [`YN_BACKFILL_NEEDED`]'s older results, not yet linked.
    pub const YN_UNLINKED_LEGACY_NO: &str = "530302B940615";
    /// The course [`YN_BACKFILL_NEEDED`] holds a 1994 课程合格证书 for (政治经济学（财经类）).
    pub const YN_BACKFILL_COURSE: &str = "00009";
    /// Continuing-education student above the degree thresholds (average 91.95, lowest core 77).
    pub const STUDENT_ABOVE_THRESHOLDS: &str = "2022130502001";
    /// Continuing-education student below them (a degree core course at 65).
    pub const STUDENT_BELOW_THRESHOLDS: &str = "2022130502002";
    /// Continuing-education student whose average is exactly 70.00.
    pub const STUDENT_AT_THRESHOLD: &str = "2022030101001";
    /// Admin of the Chongqing municipal office (市自考办).
    pub const STAFF_CQ_OFFICE_ADMIN: &str = "cq-office-admin";
    /// Reviewer of the Chongqing municipal office (final review).
    pub const STAFF_CQ_OFFICE_REVIEWER: &str = "cq-office";
    /// Reviewer of 重庆师范大学, chief university of the named Chongqing 专科 candidates.
    pub const STAFF_CQ_UNIVERSITY: &str = "cq-cqnu";
    /// Reviewer of 重庆大学, chief university of the named Chongqing 本科 candidate.
    pub const STAFF_CQ_BACHELOR_UNIVERSITY: &str = "cq-cqu";
    /// Reviewer of 沙坪坝区招生办公室, where the named Chongqing candidates registered.
    pub const STAFF_CQ_DISTRICT: &str = "cq-spb";
    /// Reviewer of the Chongqing assisted-learning unit.
    pub const STAFF_CQ_ASSISTED_LEARNING: &str = "cq-alu-gszy";
    /// Admin of 云南省招生考试院.
    pub const STAFF_YN_OFFICE_ADMIN: &str = "yn-office-admin";
    /// Reviewer of 云南省招生考试院 (final review).
    pub const STAFF_YN_OFFICE_REVIEWER: &str = "yn-office";
    /// Reviewer of 曲靖市招生考试院 (re-review).
    pub const STAFF_YN_PREFECTURE: &str = "yn-qj";
    /// Reviewer of 麒麟区自考确认点, where the named Yunnan candidates registered.
    pub const STAFF_YN_CONFIRMATION_POINT: &str = "yn-qj-ql";
    /// Reviewer of 云南财经大学, chief university of the named Yunnan candidates.
    pub const STAFF_YN_UNIVERSITY: &str = "yn-ynufe";
    /// Reviewer of the Yunnan assisted-learning unit.
    pub const STAFF_YN_ASSISTED_LEARNING: &str = "yn-alu-ynjg";
    /// Admin of the school of continuing education.
    pub const STAFF_CE_SCHOOL_ADMIN: &str = "ce-school-admin";
    /// Reviewer of the school of continuing education.
    pub const STAFF_CE_SCHOOL_REVIEWER: &str = "ce-school";
}

/// The audit action recorded when the demo data set is seeded; it tells a demo database from
/// one holding real data.
pub const SEEDED_ACTION: &str = "demo.seeded";

/// What a database holds already, as far as seeding the demo into it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Holdings {
    /// Organisations (a province preset, or the demo's).
    pub organisations: u64,
    /// Courses of the catalogue.
    pub courses: u64,
    /// Staff accounts.
    pub staff: u64,
    /// Self-study candidates.
    pub candidates: u64,
    /// Continuing-education students.
    pub students: u64,
    /// Whether the demo data set was seeded into it (its audit trail says so).
    pub demo_seeded: bool,
}

impl Holdings {
    /// Nothing that seeding would mix with.
    pub fn is_empty(&self) -> bool {
        *self == Holdings::default()
    }

    /// In words, e.g. "40 个机构、2 个工作人员账号、12 名考生".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.organisations, "个机构"),
            (self.courses, "门课程"),
            (self.staff, "个工作人员账号"),
            (self.candidates, "名考生"),
            (self.students, "名学生"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "演示数据的记录".to_owned()
        } else {
            parts.join("、")
        }
    }
}

/// Counts what `db` (migrated) holds already.
pub async fn holdings(db: &crate::Db) -> Result<Holdings, sea_orm::DbErr> {
    use crate::entity::{audit, candidate, course, organisation, staff, student};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    Ok(Holdings {
        organisations: organisation::Entity::find().count(db).await?,
        courses: course::Entity::find().count(db).await?,
        staff: staff::Entity::find().count(db).await?,
        candidates: candidate::Entity::find().count(db).await?,
        students: student::Entity::find().count(db).await?,
        demo_seeded: audit::Entity::find()
            .filter(audit::Column::Action.eq(SEEDED_ACTION))
            .count(db)
            .await?
            > 0,
    })
}

/// Ids of the reference rows, by catalogue key.
struct Refs {
    orgs: HashMap<&'static str, i64>,
    majors: Vec<(&'static MajorSeed, i64)>,
}

impl Refs {
    fn org(&self, key: &str) -> anyhow::Result<i64> {
        self.orgs
            .get(key)
            .copied()
            .with_context(|| format!("demo organisation {key} is not in the catalogue"))
    }

    fn major(&self, chief: &str, code: &str) -> anyhow::Result<(&'static MajorSeed, i64)> {
        self.majors
            .iter()
            .find(|(m, _)| m.chief_university == chief && m.code == code)
            .copied()
            .with_context(|| format!("demo major {code} of {chief} is not in the catalogue"))
    }
}

/// Seeds the demo data set into an empty, migrated database.
///
/// The reference data, staff, named people and batches go in one transaction; the bulk candidates
/// follow in transactions of their own so that memory stays flat however many are asked for.
pub async fn seed(db: &crate::Db, opts: &DemoOptions) -> Result<DemoSummary, anyhow::Error> {
    anyhow::ensure!(
        opts.extra_candidates <= bulk::MAX_EXTRA,
        "extra_candidates is at most {}",
        bulk::MAX_EXTRA
    );
    if let Some(first) = catalog::orgs().first()
        && org::by_code(db, first.code).await?.is_some()
    {
        anyhow::bail!(
            "the database already holds the demo organisations (code {}); seed an empty database",
            first.code
        );
    }
    let mut logins = Vec::new();
    let txn = crate::write::begin_write(db).await?;
    let refs = reference_data(&txn, opts.now).await?;
    let (mut candidates, mut score_records) =
        named::candidates(&txn, &refs, opts, &mut logins).await?;
    named::students(&txn, &refs, opts, &mut logins).await?;
    staff_accounts(&txn, &refs, opts, &mut logins).await?;
    batches(&txn, &refs, opts.now).await?;
    diplomas(&txn, opts.now).await?;
    legacy_register(&txn, opts.now).await?;
    crate::repo::audit::record(
        &txn,
        opts.now,
        crate::repo::audit::Actor::SYSTEM,
        SEEDED_ACTION,
        ("database", None),
        "演示数据已生成",
        None,
    )
    .await?;
    txn.commit().await?;

    if opts.extra_candidates > 0 {
        let (c, s) = bulk::seed(db, &refs, opts).await?;
        candidates += c;
        score_records += s;
    }
    Ok(DemoSummary {
        logins,
        candidates,
        score_records,
    })
}

/// The local credential registry: the Chongqing 本科 candidate's 专科 diploma is on record, so
/// their automatic prior-education check passes; the Yunnan one's is not, so they take the manual
/// path.
async fn diplomas<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> anyhow::Result<()> {
    let Some(c) = candidate::by_admission_no(conn, accounts::CQ_BACHELOR_PRIOR_EDU).await? else {
        anyhow::bail!("demo candidate {} missing", accounts::CQ_BACHELOR_PRIOR_EDU);
    };
    crate::credential::add(
        conn,
        crate::credential::NewCredential {
            id_card_no: &c.id_card_no,
            name: &c.name,
            cert_no: "106371201505002187",
            school: "重庆师范大学",
            level: domain::Level::Associate.code(),
            graduation_date: NaiveDate::from_ymd_opt(2015, 6, 30).unwrap_or_default(),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The old 13-character register: [`accounts::YN_UNLINKED_LEGACY_NO`] holds 经济法概论 passed in 1994
/// and an earlier failed 英语（一）, under the ID number of [`accounts::YN_BACKFILL_NEEDED`], who
/// has not linked it yet.
async fn legacy_register<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> anyhow::Result<()> {
    let Some(c) = candidate::by_admission_no(conn, accounts::YN_BACKFILL_NEEDED).await? else {
        anyhow::bail!("demo candidate {} missing", accounts::YN_BACKFILL_NEEDED);
    };
    for (course, tenths, passed, (y, m, d)) in [
        ("00043", Some(720), true, (1994, 4, 16)),
        ("00012", Some(480), false, (1993, 10, 23)),
    ] {
        crate::entity::legacy_score::ActiveModel {
            legacy_no: Set(accounts::YN_UNLINKED_LEGACY_NO.to_owned()),
            name: Set(c.name.clone()),
            id_card_no: Set(c.id_card_no.clone()),
            course_code: Set(course.to_owned()),
            score_tenths: Set(tenths),
            passed: Set(passed),
            exam_date: Set(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Organisations (parents before children), the course catalogue, majors, plans and substitutions.
async fn reference_data<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> anyhow::Result<Refs> {
    let mut orgs = HashMap::new();
    // The catalogue lists parents first, but a pass per tree level keeps that from being a rule.
    let mut pending: Vec<_> = catalog::orgs().iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut later = Vec::new();
        for o in pending {
            let parent_id = match o.parent {
                None => None,
                Some(p) => match orgs.get(p) {
                    Some(id) => Some(*id),
                    None => {
                        later.push(o);
                        continue;
                    }
                },
            };
            anyhow::ensure!(
                OrgKind::from_code(o.kind).is_some(),
                "unknown organisation kind {}",
                o.kind
            );
            let row = org::create(
                conn,
                org::NewOrg {
                    parent_id,
                    kind: o.kind,
                    province: o.province,
                    code: o.code,
                    name: o.name,
                    announcement: o.announcement,
                },
                now,
            )
            .await?;
            orgs.insert(o.key, row.id);
        }
        anyhow::ensure!(
            later.len() < before,
            "demo organisations with unknown parents"
        );
        pending = later;
    }

    for (code, name) in course_catalogue() {
        reference::upsert_course(conn, code, name).await?;
    }

    let mut majors = Vec::with_capacity(catalog::MAJORS.len());
    for m in catalog::MAJORS {
        let level = Level::from_code(m.level)
            .with_context(|| format!("unknown level {} of {}", m.level, m.name))?;
        let chief = *orgs
            .get(m.chief_university)
            .with_context(|| format!("unknown chief university {}", m.chief_university))?;
        let row = reference::create_major(
            conn,
            reference::NewMajor {
                province: m.province,
                code: m.code,
                name: m.name,
                level,
                chief_university_id: chief,
            },
        )
        .await?;
        let mut plan = Vec::with_capacity(m.courses.len());
        for c in m.courses {
            plan.push(reference::PlanCourseInput {
                course_code: c.code.to_owned(),
                credits: i32::from(c.credits),
                kind: CourseKind::from_code(c.kind)
                    .with_context(|| format!("unknown course kind {}", c.kind))?,
                degree_core: c.degree_core,
            });
        }
        reference::replace_plan(conn, row.id, &plan).await?;
        for (plan_code, substitute) in m.substitutions {
            reference::add_substitution(conn, row.id, plan_code, substitute).await?;
        }
        majors.push((m, row.id));
    }
    Ok(Refs { orgs, majors })
}

/// Every course code with one name. A code used under slightly different names in different plans
/// (06999 毕业论文 / 毕业设计) gets the most common one, so the catalogue reads naturally.
fn course_catalogue() -> Vec<(&'static str, &'static str)> {
    let mut counts: Vec<(&'static str, &'static str, usize)> = Vec::new();
    let names = catalog::MAJORS
        .iter()
        .flat_map(|m| m.courses.iter().map(|c| (c.code, c.name)))
        .chain(catalog::SUBSTITUTE_ONLY_COURSES.iter().copied());
    for (code, name) in names {
        match counts.iter_mut().find(|(c, n, _)| *c == code && *n == name) {
            Some(entry) => entry.2 += 1,
            None => counts.push((code, name, 1)),
        }
    }
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    let mut best: HashMap<&'static str, usize> = HashMap::new();
    for (code, name, n) in counts {
        match best.get(code) {
            Some(&seen) if seen >= n => {}
            _ => {
                best.insert(code, n);
                match out.iter_mut().find(|(c, _)| *c == code) {
                    Some(entry) => entry.1 = name,
                    None => out.push((code, name)),
                }
            }
        }
    }
    out
}

/// One staff account: username, organisation key, role.
const STAFF: &[(&str, &str, StaffRole)] = &[
    (
        accounts::STAFF_CQ_OFFICE_ADMIN,
        "cq-office",
        StaffRole::Admin,
    ),
    (
        accounts::STAFF_CQ_OFFICE_REVIEWER,
        "cq-office",
        StaffRole::Reviewer,
    ),
    (accounts::STAFF_CQ_DISTRICT, "cq-spb", StaffRole::Reviewer),
    (
        accounts::STAFF_CQ_UNIVERSITY,
        "cq-cqnu",
        StaffRole::Reviewer,
    ),
    (
        accounts::STAFF_CQ_BACHELOR_UNIVERSITY,
        "cq-cqu",
        StaffRole::Reviewer,
    ),
    (
        accounts::STAFF_CQ_ASSISTED_LEARNING,
        "cq-alu-gszy",
        StaffRole::Reviewer,
    ),
    (
        accounts::STAFF_YN_OFFICE_ADMIN,
        "yn-office",
        StaffRole::Admin,
    ),
    (
        accounts::STAFF_YN_OFFICE_REVIEWER,
        "yn-office",
        StaffRole::Reviewer,
    ),
    (accounts::STAFF_YN_PREFECTURE, "yn-qj", StaffRole::Reviewer),
    (
        accounts::STAFF_YN_CONFIRMATION_POINT,
        "yn-qj-ql",
        StaffRole::Reviewer,
    ),
    (
        accounts::STAFF_YN_UNIVERSITY,
        "yn-ynufe",
        StaffRole::Reviewer,
    ),
    (
        accounts::STAFF_YN_ASSISTED_LEARNING,
        "yn-alu-ynjg",
        StaffRole::Reviewer,
    ),
    (
        accounts::STAFF_CE_SCHOOL_ADMIN,
        "ce-school",
        StaffRole::Admin,
    ),
    (
        accounts::STAFF_CE_SCHOOL_REVIEWER,
        "ce-school",
        StaffRole::Reviewer,
    ),
];

/// An organisation's name without a parenthesised alias, e.g. "重庆市教育考试院".
fn short_name(name: &str) -> &str {
    name.split('（').next().unwrap_or(name)
}

async fn staff_accounts<C: ConnectionTrait>(
    conn: &C,
    refs: &Refs,
    opts: &DemoOptions,
    logins: &mut Vec<DemoLogin>,
) -> anyhow::Result<()> {
    for (username, org_key, role) in STAFF {
        let seed = catalog::orgs()
            .iter()
            .find(|o| o.key == *org_key)
            .with_context(|| format!("unknown organisation {org_key}"))?;
        let kind = OrgKind::from_code(seed.kind)
            .with_context(|| format!("unknown organisation kind {}", seed.kind))?;
        let name = short_name(seed.name);
        staff::create(
            conn,
            refs.org(org_key)?,
            username,
            &format!("{name}{}", role.label()),
            &domain::Roles::new([domain::Grant::of(*role)]),
            opts.password_hash.clone(),
            opts.now,
        )
        .await?;
        logins.push(DemoLogin {
            who: format!("{}{}（{name}）", kind.label(), role.label()),
            portal: "staff",
            username: (*username).to_owned(),
        });
    }
    Ok(())
}

/// Switches two-factor sign-in on for every demo admin (admins must sign in with two factors),
/// all with one `secret`: `biye demo` prints it with the logins and the tests compute its codes.
/// Returns the usernames enrolled.
pub async fn enrol_admins(
    db: &crate::Db,
    secret: &[u8],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<&'static str>> {
    let txn = crate::write::begin_write(db).await?;
    let mut enrolled = Vec::new();
    for (username, _, role) in STAFF {
        if !matches!(role, StaffRole::Admin) {
            continue;
        }
        let Some(account) = staff::by_username(&txn, username).await? else {
            anyhow::bail!("demo admin {username} missing: seed the demo first");
        };
        crate::accounts::totp::enrol_with_secret(&txn, account.id, secret, now).await?;
        enrolled.push(*username);
    }
    txn.commit().await?;
    Ok(enrolled)
}

/// China Standard Time: windows open and close at office hours in Beijing time.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `days` after (or before, if negative) today in Beijing, at `hour`:00 Beijing time, in UTC.
fn at_office_hour(now: DateTime<Utc>, days: i64, hour: u32) -> DateTime<Utc> {
    let today = now.with_timezone(&cst()).date_naive();
    let day = if days >= 0 {
        today.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        today.checked_sub_days(Days::new(days.unsigned_abs()))
    }
    .unwrap_or(today);
    let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
    cst()
        .from_local_datetime(&day.and_time(time))
        .single()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// Graduation batches of both provinces (Chongqing's previous one closed, for history), and the
/// school's language recognition and degree batches, all open now.
async fn batches<C: ConnectionTrait>(
    conn: &C,
    refs: &Refs,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let local = now.with_timezone(&cst());
    let year = local.year();
    let first_half = local.month() <= 6;
    let half = |first: bool| if first { "上" } else { "下" };
    let (prev_year, prev_first) = if first_half {
        (year - 1, false)
    } else {
        (year, true)
    };
    let school = refs.org("ce-school")?;
    // The school's rules row (the seed's 70/70/70) before its batches, which copy it.
    crate::degree::rules::set_for_school(
        conn,
        school,
        crate::degree::rules::DegreeRules::default(),
        now,
    )
    .await?;
    let season = if first_half { "春季" } else { "秋季" };
    let rows = [
        (
            "graduation",
            Some("chongqing"),
            refs.org("cq-office")?,
            format!("{prev_year}年{}半年毕业申请", half(prev_first)),
            at_office_hour(now, -190, 9),
            at_office_hour(now, -160, 17),
        ),
        (
            "graduation",
            Some("chongqing"),
            refs.org("cq-office")?,
            format!("{year}年{}半年毕业申请", half(first_half)),
            at_office_hour(now, -5, 9),
            at_office_hour(now, 25, 17),
        ),
        (
            "graduation",
            Some("yunnan"),
            refs.org("yn-office")?,
            format!("{year}年{}半年毕业申请", half(first_half)),
            at_office_hour(now, -3, 9),
            at_office_hour(now, 27, 17),
        ),
        (
            "language",
            None,
            school,
            format!("{year}批次"),
            at_office_hour(now, -10, 9),
            at_office_hour(now, 20, 17),
        ),
        (
            "degree",
            None,
            school,
            format!("{year}{season}学位申请"),
            at_office_hour(now, -7, 9),
            at_office_hour(now, 60, 17),
        ),
    ];
    for (kind, province, org_id, name, opens_at, closes_at) in rows {
        reference::create_batch(
            conn,
            reference::NewBatch {
                kind,
                province,
                org_id: Some(org_id),
                name: &name,
                opens_at,
                closes_at,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_course_has_one_name_and_thesis_reads_as_most_plans_call_it() {
        let cat = course_catalogue();
        let mut codes: Vec<_> = cat.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(before, codes.len());
        assert!(cat.contains(&("06999", "毕业论文")));
        for m in catalog::MAJORS {
            for (_, sub) in m.substitutions {
                assert!(codes.contains(sub), "substitute {sub} has no name");
            }
        }
    }

    #[test]
    fn staff_cover_every_org_kind_of_each_province() {
        for o in catalog::orgs() {
            let covered = STAFF.iter().any(|(_, key, _)| {
                catalog::orgs()
                    .iter()
                    .any(|x| x.key == *key && x.kind == o.kind && x.province == o.province)
            });
            assert!(covered, "no staff for {} in {:?}", o.kind, o.province);
        }
    }

    #[test]
    fn batch_windows_are_around_now() {
        let now = Utc::now();
        assert!(at_office_hour(now, -5, 9) < now);
        assert!(at_office_hour(now, 25, 17) > now);
    }
}

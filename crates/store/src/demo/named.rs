//! The named demo people: one candidate or student per situation the platform has to handle, so
//! that every screen and every rule can be tried by signing in as the right person.

use anyhow::Context;
use chrono::{Days, NaiveDate};
use domain::{
    AdmissionNo, CandidateType, ExemptionMode, IdCardNo, Phone, Province, Score, ScoreSource,
    ScoreValue,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::catalog::CourseSeed;
use super::people::{self, Rng};
use super::{DemoLogin, DemoOptions, Refs, accounts};
use crate::entity::{legacy_admission_no, student, student_score};
use crate::repo::{candidate, reference};

/// What is special about a named candidate's results; everything not named here is passed once.
#[derive(Default)]
struct Twists {
    /// The course and score (tenths) of the only attempt at a course that was failed.
    fail_only: Option<(&'static str, u16)>,
    /// A course failed once at the first sitting and passed later.
    retake: Option<&'static str>,
    /// A course passed by an online exemption (免考).
    exempt: Option<&'static str>,
    /// (plan course, substitute): the substitute was passed instead of the plan course.
    substitute: Option<(&'static str, &'static str)>,
    /// Courses whose results were entered by staff afterwards (成绩补录).
    backfill: &'static [&'static str],
    /// Only the first this-many plan courses were attempted.
    only_first: Option<usize>,
    /// Plan courses with no result in the platform at all (held on paper or under an older
    /// 13-character number instead).
    missing: &'static [&'static str],
}

struct NamedCandidate {
    admission_no: &'static str,
    who: &'static str,
    name: &'static str,
    region: &'static str,
    birth: (i32, u32, u32),
    /// Three-digit sequence of the ID number; odd for men.
    seq: u16,
    ethnicity: &'static str,
    political_status: &'static str,
    /// Province code.
    province: &'static str,
    registration_org: &'static str,
    candidate_type: CandidateType,
    /// Phone and address; `None` leaves the profile incomplete.
    contact: Option<(&'static str, &'static str)>,
    /// (chief university key, major code) of the enrolled major, if any.
    major: Option<(&'static str, &'static str)>,
    /// Plan whose courses the results are for when there is no enrolled major.
    plan_without_major: Option<(&'static str, &'static str)>,
    /// How many of the most recent sittings the results are spread over.
    span: usize,
    twists: Twists,
    legacy_no: Option<&'static str>,
}

const CANDIDATES: &[NamedCandidate] = &[
    NamedCandidate {
        admission_no: accounts::CQ_ELIGIBLE_ASSOCIATE,
        who: "考生（重庆）：专科，符合毕业条件（计算机应用技术，重庆师范大学）",
        name: "陈思雨",
        region: "500106",
        birth: (1998, 3, 14),
        seq: 24,
        ethnicity: "汉族",
        political_status: "共青团员",
        province: "chongqing",
        registration_org: "cq-spb",
        candidate_type: CandidateType::SelfStudy,
        contact: Some(("13883451276", "重庆市沙坪坝区天星桥正街17号3栋2单元1502室")),
        major: Some(("cq-cqnu", "610201")),
        plan_without_major: None,
        span: 6,
        twists: Twists {
            fail_only: None,
            retake: Some("00022"),
            exempt: None,
            substitute: None,
            backfill: &[],
            only_first: None,
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::CQ_ONE_COURSE_SHORT,
        who: "考生（重庆）：专科，差一门课程未合格（高等数学（工专）52分）",
        name: "刘浩然",
        region: "500107",
        birth: (1996, 11, 2),
        seq: 37,
        ethnicity: "汉族",
        political_status: "群众",
        province: "chongqing",
        registration_org: "cq-spb",
        candidate_type: CandidateType::SelfStudy,
        contact: Some(("15923087714", "重庆市九龙坡区杨家坪正街72号8栋1单元903室")),
        major: Some(("cq-cqnu", "610201")),
        plan_without_major: None,
        span: 5,
        twists: Twists {
            fail_only: Some(("00022", 520)),
            retake: None,
            exempt: None,
            substitute: None,
            backfill: &[],
            only_first: None,
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::CQ_EXEMPTION_USED,
        who: "考生（重庆）：专科，助学考生，英语（一）线上免考，毛概以旧课程03707顶替",
        name: "黄晓燕",
        region: "500108",
        birth: (1995, 7, 21),
        seq: 52,
        ethnicity: "土家族",
        political_status: "群众",
        province: "chongqing",
        registration_org: "cq-spb",
        candidate_type: CandidateType::Assisted,
        contact: Some(("18725036618", "重庆市南岸区南坪西路88号2栋3单元704室")),
        major: Some(("cq-cqnu", "610201")),
        plan_without_major: None,
        span: 7,
        twists: Twists {
            fail_only: None,
            retake: None,
            exempt: Some("00012"),
            substitute: Some(("12656", "03707")),
            backfill: &[],
            only_first: None,
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::CQ_BACHELOR_PRIOR_EDU,
        who: "考生（重庆）：本科，课程全部合格，需核验前置学历（计算机科学与技术，重庆大学）",
        name: "周俊杰",
        region: "500112",
        birth: (1993, 5, 9),
        seq: 71,
        ethnicity: "汉族",
        political_status: "中共党员",
        province: "chongqing",
        registration_org: "cq-spb",
        candidate_type: CandidateType::SelfStudy,
        contact: Some(("13368290451", "重庆市渝北区新南路216号5栋2单元1103室")),
        major: Some(("cq-cqu", "080901")),
        plan_without_major: None,
        span: 8,
        twists: Twists {
            fail_only: None,
            retake: None,
            exempt: None,
            substitute: None,
            backfill: &[],
            only_first: None,
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::CQ_PROFILE_INCOMPLETE,
        who: "考生（重庆）：个人信息不完整（无手机号、地址），未添加在籍专业",
        name: "谭欣悦",
        region: "500103",
        birth: (2001, 9, 30),
        seq: 8,
        ethnicity: "汉族",
        political_status: "共青团员",
        province: "chongqing",
        registration_org: "cq-spb",
        candidate_type: CandidateType::SelfStudy,
        contact: None,
        major: None,
        plan_without_major: Some(("cq-cqu", "080901")),
        span: 2,
        twists: Twists {
            fail_only: Some(("00015", 480)),
            retake: None,
            exempt: None,
            substitute: None,
            backfill: &[],
            only_first: Some(4),
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::YN_ELIGIBLE_ASSOCIATE,
        who: "考生（云南）：专科，符合毕业条件，含补录成绩和已关联的13位旧准考证号（会计，云南财经大学）",
        name: "李春梅",
        region: "530302",
        birth: (1997, 12, 5),
        seq: 46,
        ethnicity: "彝族",
        political_status: "群众",
        province: "yunnan",
        registration_org: "yn-qj-ql",
        candidate_type: CandidateType::SelfStudy,
        contact: Some((
            "15087452391",
            "云南省曲靖市麒麟区南宁北路108号6栋1单元402室",
        )),
        major: Some(("yn-ynufe", "630302")),
        plan_without_major: None,
        span: 7,
        twists: Twists {
            fail_only: None,
            retake: Some("00020"),
            exempt: None,
            substitute: None,
            backfill: &["00009"],
            only_first: None,
            missing: &[],
        },
        legacy_no: Some("530302A180421"),
    },
    NamedCandidate {
        admission_no: accounts::YN_BACHELOR_PRIOR_EDU,
        who: "考生（云南）：本科，课程全部合格，需核验前置学历（会计学，云南财经大学）",
        name: "段志成",
        region: "530381",
        birth: (1992, 4, 17),
        seq: 93,
        ethnicity: "汉族",
        political_status: "群众",
        province: "yunnan",
        registration_org: "yn-qj-ql",
        candidate_type: CandidateType::SelfStudy,
        contact: Some(("13988127305", "云南省曲靖市宣威市建设路76号3栋2单元601室")),
        major: Some(("yn-ynufe", "120203K")),
        plan_without_major: None,
        span: 8,
        twists: Twists {
            fail_only: None,
            retake: None,
            exempt: None,
            substitute: None,
            backfill: &[],
            only_first: None,
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::YN_CREDIT_RECOGNITION,
        who: "考生（云南）：学分互认在校生，专科，课程全部合格（初审由主考学校负责）",
        name: "杨晓琳",
        region: "530102",
        birth: (2004, 2, 11),
        seq: 62,
        ethnicity: "白族",
        political_status: "共青团员",
        province: "yunnan",
        registration_org: "yn-qj-ql",
        candidate_type: CandidateType::CreditRecognition,
        contact: Some(("18287316540", "云南省曲靖市麒麟区麒麟西路47号1栋4单元305室")),
        major: Some(("yn-ynufe", "630302")),
        plan_without_major: None,
        span: 4,
        twists: Twists {
            fail_only: None,
            retake: None,
            exempt: None,
            substitute: None,
            backfill: &["00041", "00155", "00157", "00051"],
            only_first: None,
            missing: &[],
        },
        legacy_no: None,
    },
    NamedCandidate {
        admission_no: accounts::YN_BACKFILL_NEEDED,
        who: "考生（云南）：专科，两门成绩不在管理平台：政治经济学持1994年课程合格证书待补录，经济法概论在未关联的13位准考证号530302B940615下（会计，云南财经大学）",
        name: "王丽华",
        region: "530302",
        birth: (1972, 8, 19),
        seq: 84,
        ethnicity: "回族",
        political_status: "群众",
        province: "yunnan",
        registration_org: "yn-qj-ql",
        candidate_type: CandidateType::SelfStudy,
        contact: Some(("13887461205", "云南省曲靖市麒麟区寥廓南路35号2栋1单元201室")),
        major: Some(("yn-ynufe", "630302")),
        plan_without_major: None,
        span: 5,
        twists: Twists {
            fail_only: None,
            retake: None,
            exempt: None,
            substitute: None,
            backfill: &[],
            only_first: None,
            missing: &["00009", "00043"],
        },
        legacy_no: None,
    },
];

/// One result to record.
struct ScoreRow {
    code: &'static str,
    value: ScoreValue,
    date: NaiveDate,
    source: ScoreSource,
}

fn points(whole: u32) -> ScoreValue {
    Score::from_tenths(u16::try_from(whole.min(100) * 10).unwrap_or(600))
        .map_or(ScoreValue::Pass, ScoreValue::Points)
}

fn tenths(t: u16) -> ScoreValue {
    Score::from_tenths(t).map_or(ScoreValue::Fail, ScoreValue::Points)
}

/// The results of one named candidate: plan courses in plan order over the most recent `span`
/// sittings, each passed once unless a twist says otherwise.
fn plan_rows(
    plan: &'static [CourseSeed],
    sittings: &[NaiveDate],
    span: usize,
    t: &Twists,
    rng: &mut Rng,
) -> anyhow::Result<(Vec<ScoreRow>, Option<NaiveDate>)> {
    let recent = &sittings[sittings.len().saturating_sub(span.max(2))..];
    anyhow::ensure!(recent.len() >= 2, "too few exam sittings before now");
    let courses = &plan[..t.only_first.unwrap_or(plan.len()).min(plan.len())];
    let n = courses.len().max(1);
    let mut rows = Vec::with_capacity(courses.len() + 2);
    let mut exemption_date = None;
    for (i, c) in courses.iter().enumerate() {
        if t.missing.contains(&c.code) {
            continue;
        }
        let slot = i * recent.len() / n;
        let sitting = recent[slot];
        if t.exempt == Some(c.code) {
            let approved = recent[0]
                .checked_sub_days(Days::new(30))
                .unwrap_or(recent[0]);
            exemption_date = Some(approved);
            rows.push(ScoreRow {
                code: c.code,
                value: ScoreValue::Pass,
                date: approved,
                source: ScoreSource::Exemption,
            });
            continue;
        }
        if let Some((plan_code, substitute)) = t.substitute
            && plan_code == c.code
        {
            rows.push(ScoreRow {
                code: substitute,
                value: points(rng.range(66, 84)),
                date: recent[0],
                source: ScoreSource::Exam,
            });
            continue;
        }
        if let Some((code, failed)) = t.fail_only
            && code == c.code
        {
            rows.push(ScoreRow {
                code: c.code,
                value: tenths(failed),
                date: sitting,
                source: ScoreSource::Exam,
            });
            continue;
        }
        let mut date = sitting;
        if t.retake == Some(c.code) {
            rows.push(ScoreRow {
                code: c.code,
                value: points(rng.range(50, 58)),
                date: recent[0],
                source: ScoreSource::Exam,
            });
            date = recent[slot.max(1)];
        }
        let (value, source, date) = match c.kind {
            "practical" => (
                ScoreValue::Pass,
                ScoreSource::Practical,
                people::practical_date(date),
            ),
            "thesis" => (
                points(rng.range(72, 88)),
                ScoreSource::Practical,
                people::practical_date(date),
            ),
            _ if t.backfill.contains(&c.code) => {
                (points(rng.range(62, 90)), ScoreSource::Backfill, date)
            }
            _ => (points(rng.range(60, 95)), ScoreSource::Exam, date),
        };
        rows.push(ScoreRow {
            code: c.code,
            value,
            date,
            source,
        });
    }
    Ok((rows, exemption_date))
}

fn ymd(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).with_context(|| format!("bad date {y}-{m}-{d}"))
}

/// Creates the named candidates; returns (candidates, score records) created.
pub(super) async fn candidates<C: ConnectionTrait>(
    conn: &C,
    refs: &Refs,
    opts: &DemoOptions,
    logins: &mut Vec<DemoLogin>,
) -> anyhow::Result<(u64, u64)> {
    let now = opts.now;
    let sittings = people::sittings(now);
    let mut score_count = 0u64;
    for (i, nc) in CANDIDATES.iter().enumerate() {
        let (y, m, d) = nc.birth;
        let id_card = IdCardNo::parse(&people::id_card_no(nc.region, ymd(y, m, d)?, nc.seq))
            .with_context(|| format!("ID number of {}", nc.admission_no))?;
        let (phone, address) = match nc.contact {
            Some((p, a)) => (Some(Phone::parse(p)?), Some(a.to_owned())),
            None => (None, None),
        };
        let new = candidate::NewCandidate {
            admission_no: AdmissionNo::parse(nc.admission_no)?,
            name: nc.name.to_owned(),
            id_card_no: id_card,
            ethnicity: nc.ethnicity.to_owned(),
            political_status: nc.political_status.to_owned(),
            phone,
            address,
            candidate_type: nc.candidate_type,
            province: Province::of(nc.province).map_err(|e| anyhow::anyhow!("{e}"))?,
            registration_org_id: refs.org(nc.registration_org)?,
        };
        let row = candidate::insert(conn, new, opts.password_hash.clone(), now).await?;
        let mut plan_of = nc.plan_without_major;
        if let Some((chief, code)) = nc.major {
            let (_, major_id) = refs.major(chief, code)?;
            reference::add_enrolled_major(conn, row.id, nc.province, major_id, now).await?;
            plan_of = Some((chief, code));
        }
        if let Some((chief, code)) = plan_of {
            let (seed, _) = refs.major(chief, code)?;
            let mut rng = Rng::new(0xC0FF_EE00 + i as u64);
            let (rows, exemption) =
                plan_rows(seed.courses, &sittings, nc.span, &nc.twists, &mut rng)?;
            for r in &rows {
                reference::insert_score(conn, row.id, r.code, r.value, r.date, r.source, now)
                    .await?;
            }
            score_count += rows.len() as u64;
            if let (Some(code), Some(date)) = (nc.twists.exempt, exemption) {
                reference::insert_exemption(conn, row.id, code, ExemptionMode::Online, date, now)
                    .await?;
            }
        }
        if let Some(legacy) = nc.legacy_no {
            let legacy = domain::LegacyAdmissionNo::parse(legacy)?;
            legacy_admission_no::ActiveModel {
                candidate_id: Set(row.id),
                legacy_no: Set(legacy.as_str().to_owned()),
                linked_at: Set(now - chrono::Duration::days(200)),
                ..Default::default()
            }
            .insert(conn)
            .await?;
        }
        logins.push(DemoLogin {
            who: nc.who.to_owned(),
            portal: "candidate",
            username: nc.admission_no.to_owned(),
        });
    }
    Ok((CANDIDATES.len() as u64, score_count))
}

struct NamedStudent {
    student_no: &'static str,
    exam_reg_no: &'static str,
    who: &'static str,
    name: &'static str,
    region: &'static str,
    birth: (i32, u32, u32),
    seq: u16,
    ethnicity: &'static str,
    political_status: &'static str,
    phone: &'static str,
    /// Major code of the school's plan.
    major: &'static str,
    /// Score in tenths for every plan course, in plan order.
    scores: &'static [(&'static str, u16)],
}

/// The seed's sample (视觉传达设计, 2022级): average 91.95 over the twelve non-thesis courses
/// (11034 tenths / 12), lowest degree core course 77.
const ABOVE: &[(&str, u16)] = &[
    ("03709", 905),
    ("13000", 887),
    ("00504", 962),
    ("00688", 770),
    ("09234", 975),
    ("09237", 968),
    ("09239", 942),
    ("09240", 951),
    ("09241", 947),
    ("09242", 936),
    ("09243", 921),
    ("09244", 870),
    ("09299", 880),
];

/// Average about 76.8, but degree core course 包装设计 at 65.
const BELOW: &[(&str, u16)] = &[
    ("03709", 780),
    ("13000", 712),
    ("00504", 805),
    ("00688", 748),
    ("09234", 820),
    ("09237", 776),
    ("09239", 731),
    ("09240", 650),
    ("09241", 792),
    ("09242", 768),
    ("09243", 801),
    ("09244", 835),
    ("09299", 750),
];

/// Exactly 70.00 over the twelve non-thesis courses (8400 tenths), lowest core course 70.0: both
/// thresholds are met with nothing to spare.
const AT_THRESHOLD: &[(&str, u16)] = &[
    ("03709", 680),
    ("13000", 615),
    ("00242", 720),
    ("00243", 655),
    ("00245", 705),
    ("00261", 690),
    ("00227", 740),
    ("00246", 700),
    ("00249", 725),
    ("00167", 710),
    ("00169", 742),
    ("00258", 718),
    ("06999", 780),
];

const STUDENTS: &[NamedStudent] = &[
    NamedStudent {
        student_no: accounts::STUDENT_ABOVE_THRESHOLDS,
        exam_reg_no: "22530103150211",
        who: "学生：视觉传达设计（专升本），学位条件达标（平均成绩91.95，学位主干课最低77）",
        name: "赵梓涵",
        region: "530103",
        birth: (1999, 6, 18),
        seq: 28,
        ethnicity: "汉族",
        political_status: "共青团员",
        phone: "13708716254",
        major: "130502",
        scores: ABOVE,
    },
    NamedStudent {
        student_no: accounts::STUDENT_BELOW_THRESHOLDS,
        exam_reg_no: "22530111150347",
        who: "学生：视觉传达设计（专升本），学位条件不达标（学位主干课包装设计65分）",
        name: "马嘉欣",
        region: "530111",
        birth: (2000, 1, 25),
        seq: 66,
        ethnicity: "回族",
        political_status: "群众",
        phone: "15808851932",
        major: "130502",
        scores: BELOW,
    },
    NamedStudent {
        student_no: accounts::STUDENT_AT_THRESHOLD,
        exam_reg_no: "22530302150128",
        who: "学生：法学（专升本），平均成绩恰为70.00，学位主干课最低70",
        name: "罗文博",
        region: "530302",
        birth: (1998, 8, 8),
        seq: 15,
        ethnicity: "汉族",
        political_status: "群众",
        phone: "18388204715",
        major: "030101K",
        scores: AT_THRESHOLD,
    },
];

/// Grade of the named students, as on the seed's sample screen.
const GRADE: &str = "2022级";
/// 本科入学年月 of that class, as on the seed's sample form.
const ENTRY_MONTH: &str = "202203";

/// End-of-term exam dates of a 2022级 专升本 class (enrolled March 2022), thesis defence last.
fn term_dates() -> anyhow::Result<([NaiveDate; 4], NaiveDate)> {
    Ok((
        [
            ymd(2022, 7, 8)?,
            ymd(2023, 1, 13)?,
            ymd(2023, 7, 7)?,
            ymd(2024, 1, 12)?,
        ],
        ymd(2024, 5, 24)?,
    ))
}

/// Creates the named continuing-education students; returns how many.
pub(super) async fn students<C: ConnectionTrait>(
    conn: &C,
    refs: &Refs,
    opts: &DemoOptions,
    logins: &mut Vec<DemoLogin>,
) -> anyhow::Result<u64> {
    let school = refs.org("ce-school")?;
    let (terms, defence) = term_dates()?;
    for ns in STUDENTS {
        let (seed, major_id) = refs.major("ce-school", ns.major)?;
        let (y, m, d) = ns.birth;
        let id_card = IdCardNo::parse(&people::id_card_no(ns.region, ymd(y, m, d)?, ns.seq))?;
        let phone = Phone::parse(ns.phone)?;
        let no = domain::StudentNo::parse(ns.student_no)?;
        let row = student::ActiveModel {
            student_no: Set(no.as_str().to_owned()),
            exam_reg_no: Set(ns.exam_reg_no.to_owned()),
            name: Set(ns.name.to_owned()),
            gender: Set(id_card.gender().code().to_owned()),
            birth_date: Set(id_card.birth_date()),
            id_card_no: Set(id_card.as_str().to_owned()),
            ethnicity: Set(ns.ethnicity.to_owned()),
            political_status: Set(ns.political_status.to_owned()),
            phone: Set(Some(phone.as_str().to_owned())),
            study_level: Set("专升本".to_owned()),
            major_id: Set(major_id),
            grade: Set(GRADE.to_owned()),
            enrolment_status: Set("在籍".to_owned()),
            learning_centre: Set("继续教育学院".to_owned()),
            school_org_id: Set(school),
            entry_month: Set(Some(ENTRY_MONTH.to_owned())),
            password_hash: Set(opts.password_hash.clone()),
            created_at: Set(opts.now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let n = seed.courses.len().max(1);
        let mut scores = Vec::with_capacity(ns.scores.len());
        for (pos, course) in seed.courses.iter().enumerate() {
            let t = ns
                .scores
                .iter()
                .find(|(code, _)| *code == course.code)
                .map(|(_, t)| *t)
                .with_context(|| format!("no score for {} of {}", course.code, ns.student_no))?;
            let date = if course.kind == "thesis" {
                defence
            } else {
                terms[(pos * terms.len() / n).min(terms.len() - 1)]
            };
            scores.push(student_score::ActiveModel {
                student_id: Set(row.id),
                course_code: Set(course.code.to_owned()),
                score_tenths: Set(Some(i32::from(t))),
                passed: Set(t >= domain::PASS_MARK_TENTHS),
                exam_date: Set(date),
                ..Default::default()
            });
        }
        student_score::Entity::insert_many(scores)
            .exec_without_returning(conn)
            .await?;
        logins.push(DemoLogin {
            who: ns.who.to_owned(),
            portal: "student",
            username: ns.student_no.to_owned(),
        });
    }
    Ok(STUDENTS.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::catalog::MAJORS;

    fn plan(code: &str) -> &'static [CourseSeed] {
        MAJORS
            .iter()
            .find(|m| m.chief_university == "ce-school" && m.code == code)
            .map(|m| m.courses)
            .unwrap_or(&[])
    }

    /// (average of non-thesis courses in tenths ×100 / count, lowest degree core in tenths)
    fn degree_figures(s: &NamedStudent) -> (u64, u16) {
        let courses = plan(s.major);
        let mut sum = 0u64;
        let mut count = 0u64;
        let mut core_min = u16::MAX;
        for c in courses {
            let t = s
                .scores
                .iter()
                .find(|(code, _)| *code == c.code)
                .map(|(_, t)| *t)
                .unwrap_or(0);
            if c.kind != "thesis" {
                sum += u64::from(t);
                count += 1;
            }
            if c.degree_core {
                core_min = core_min.min(t);
            }
        }
        (sum * 10 / count.max(1), core_min)
    }

    #[test]
    fn every_student_has_one_score_per_plan_course() {
        for s in STUDENTS {
            let courses = plan(s.major);
            assert_eq!(courses.len(), s.scores.len(), "{}", s.student_no);
            for c in courses {
                assert!(
                    s.scores.iter().any(|(code, _)| *code == c.code),
                    "{} lacks {}",
                    s.student_no,
                    c.code
                );
            }
        }
    }

    #[test]
    fn student_scores_hit_the_designed_degree_figures() {
        let fig = |no: &str| {
            STUDENTS
                .iter()
                .find(|s| s.student_no == no)
                .map(degree_figures)
                .unwrap_or((0, 0))
        };
        // Averages in hundredths of a point.
        assert_eq!(fig(accounts::STUDENT_ABOVE_THRESHOLDS), (9195, 770));
        assert_eq!(fig(accounts::STUDENT_AT_THRESHOLD), (7000, 700));
        let (avg, core) = fig(accounts::STUDENT_BELOW_THRESHOLDS);
        assert!(avg >= 7000 && core == 650, "{avg} {core}");
    }
}

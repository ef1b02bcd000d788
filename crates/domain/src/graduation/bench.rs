//! Measuring the batch audit: a deterministic synthetic province held in
//! compact form, and timed runs over it on one or several threads.
//!
//! The only place in this crate that reads a clock; the measurements are the
//! point of the module and nothing else depends on them.

use std::ops::Range;
use std::time::{Duration, Instant};

use super::audit::{
    ConditionKey, ExemptionFact, Facts, Plan, PlanCourse, PriorEducation, ScoreFact, audit,
};
use super::compiled::{CompactExemption, CompactScore, CompactStanding, CompiledPlan, NOT_IN_PLAN};
use crate::{CourseKind, ExemptionMode, Level, ScoreSource};

/// Code given to score rows outside the plan when they are turned back into
/// [`ScoreFact`]s; any code the plan does not name would do.
const OUTSIDE_CODE: &str = "99999";

/// Many candidates' rows in one flat, compact store, with the plan they are
/// audited against.
#[derive(Debug, Clone)]
pub struct SyntheticProvince {
    /// The plan, for the explaining audit.
    pub plan: Plan,
    /// The same plan compiled for the batch audit.
    pub compiled: CompiledPlan,
    rows: Vec<CompactScore>,
    /// Candidate `i`'s rows are `rows[row_starts[i]..row_starts[i + 1]]`.
    row_starts: Vec<usize>,
    exemptions: Vec<CompactExemption>,
    exemption_starts: Vec<usize>,
    standings: Vec<CompactStanding>,
}

/// One candidate of a synthetic province in the explaining audit's terms.
#[derive(Debug, Clone)]
pub struct CandidateFacts {
    /// Score records.
    pub scores: Vec<ScoreFact>,
    /// Exemptions.
    pub exemptions: Vec<ExemptionFact>,
    /// Conditions c, e and f.
    pub standing: CompactStanding,
}

impl CandidateFacts {
    /// Borrows these as audit input; a failed moral check reads as the
    /// Commitment letter missing, unverified prior education as pending.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            scores: &self.scores,
            exemptions: &self.exemptions,
            moral: if self.standing.moral_passed {
                Ok(())
            } else {
                Err("未上传思想品德合格承诺书".to_owned())
            },
            prior_education: if self.standing.prior_education_verified {
                PriorEducation::Verified
            } else {
                PriorEducation::Pending
            },
            legally_blocked: self.standing.legally_blocked,
        }
    }
}

impl SyntheticProvince {
    /// Number of candidates.
    pub fn candidates(&self) -> usize {
        self.standings.len()
    }

    /// Number of score rows over all candidates.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Candidate `i`'s rows, exemptions and flags.
    pub fn candidate(
        &self,
        i: usize,
    ) -> Option<(&[CompactScore], &[CompactExemption], CompactStanding)> {
        let rows = self
            .rows
            .get(*self.row_starts.get(i)?..*self.row_starts.get(i + 1)?)?;
        let exemptions = self
            .exemptions
            .get(*self.exemption_starts.get(i)?..*self.exemption_starts.get(i + 1)?)?;
        Some((rows, exemptions, *self.standings.get(i)?))
    }

    /// Candidate `i` with the interned codes turned back into course codes.
    pub fn facts_of(&self, i: usize) -> Option<CandidateFacts> {
        let (rows, exemptions, standing) = self.candidate(i)?;
        let code = |index: u16| self.compiled.code(index).unwrap_or(OUTSIDE_CODE).to_owned();
        Some(CandidateFacts {
            scores: rows
                .iter()
                .map(|r| ScoreFact {
                    course_code: code(r.course),
                    passed: r.passed,
                    source: r.source,
                })
                .collect(),
            exemptions: exemptions
                .iter()
                .map(|e| ExemptionFact {
                    course_code: code(e.course),
                    mode: e.mode,
                    form_present: e.form_present,
                })
                .collect(),
            standing,
        })
    }

    fn tally(&self, candidates: Range<usize>) -> Tally {
        let mut tally = Tally::default();
        for i in candidates {
            let Some((rows, exemptions, standing)) = self.candidate(i) else {
                continue;
            };
            let verdict = self.compiled.check(rows, exemptions, standing);
            tally.eligible += usize::from(verdict.eligible);
            for (count, key) in tally.failing.iter_mut().zip(ConditionKey::ALL) {
                *count += usize::from(verdict.fails(key));
            }
        }
        tally
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    eligible: usize,
    failing: [usize; 6],
}

/// The outcome and speed of one batch run.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchFigures {
    /// Candidates audited.
    pub candidates: usize,
    /// Score rows read.
    pub rows: usize,
    /// Candidates found eligible.
    pub eligible: usize,
    /// Candidates failing each condition, a to f.
    pub failing: [usize; 6],
    /// Threads used.
    pub threads: usize,
    /// Wall-clock time of the audit alone, not of building the province.
    pub elapsed: Duration,
    /// `rows / elapsed`.
    pub rows_per_sec: f64,
}

fn figures(p: &SyntheticProvince, tally: Tally, threads: usize, elapsed: Duration) -> BenchFigures {
    let rows = p.rows();
    BenchFigures {
        candidates: p.candidates(),
        rows,
        eligible: tally.eligible,
        failing: tally.failing,
        threads,
        elapsed,
        // Precision beyond 2^53 rows is irrelevant for a rate.
        #[allow(clippy::cast_precision_loss)]
        rows_per_sec: rows as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE),
    }
}

/// Audits every candidate of `p` on the calling thread.
pub fn run(p: &SyntheticProvince) -> BenchFigures {
    let start = Instant::now();
    let tally = p.tally(0..p.candidates());
    figures(p, tally, 1, start.elapsed())
}

/// Audits every candidate of `p` on `threads` threads, each taking one
/// contiguous share of the candidates.
pub fn run_parallel(p: &SyntheticProvince, threads: usize) -> BenchFigures {
    let threads = threads.max(1);
    let n = p.candidates();
    let share = n.div_ceil(threads);
    let start = Instant::now();
    let tally = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let range = (t * share).min(n)..((t + 1) * share).min(n);
                scope.spawn(move || p.tally(range))
            })
            .collect();
        let mut total = Tally::default();
        for worker in workers {
            let part = match worker.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            total.eligible += part.eligible;
            for (sum, count) in total.failing.iter_mut().zip(part.failing) {
                *sum += count;
            }
        }
        total
    });
    figures(p, tally, threads, start.elapsed())
}

/// Latency of the explaining audit over a sample of candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedFigures {
    /// Audits timed.
    pub samples: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

/// Times [`audit`] on `samples` candidates spread evenly over `p`. Turning
/// compact rows back into facts happens before each timing starts, as a
/// caller would have loaded the facts already.
pub fn explained_latency(p: &SyntheticProvince, samples: usize) -> ExplainedFigures {
    let n = p.candidates();
    let mut times: Vec<Duration> = (0..samples)
        .filter_map(|s| p.facts_of(s * n / samples.max(1)))
        .map(|candidate| {
            let facts = candidate.facts();
            let start = Instant::now();
            let result = audit(&p.plan, &facts, &[]);
            let took = start.elapsed();
            std::hint::black_box(result);
            took
        })
        .collect();
    times.sort_unstable();
    let at = |q: usize| {
        let rank = (times.len() * q).div_ceil(100).saturating_sub(1);
        times.get(rank).copied().unwrap_or_default()
    };
    ExplainedFigures {
        samples: times.len(),
        p50: at(50),
        p99: at(99),
        max: times.last().copied().unwrap_or_default(),
    }
}

/// SplitMix64: tiny, fast and fully determined by the seed, which is all a
/// synthetic data set needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by the multiply-high method.
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        ((u128::from(self.next()) * u128::from(n)) >> 64) as usize
    }

    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }
}

/// A 本科 plan shaped like 汉语言文学: 15 theory courses (two with an
/// allowed substitute), two practical components and the thesis. Codes and
/// names are illustrative.
fn synthetic_plan() -> Plan {
    let theory = [
        ("00015", "英语（二）", &["00840"][..]),
        ("03708", "中国近现代史纲要", &[]),
        ("03709", "马克思主义基本原理概论", &[]),
        ("00037", "美学", &[]),
        ("00529", "文学概论（一）", &[]),
        ("00538", "中国古代文学史（一）", &[]),
        ("00539", "中国古代文学史（二）", &[]),
        ("00540", "外国文学史", &[]),
        ("00541", "语言学概论", &[]),
        ("00537", "中国现代文学史", &[]),
        ("00321", "中国文化概论", &["00034"]),
        ("00812", "中国现当代作家作品专题研究", &[]),
        ("00813", "外国作家作品专题研究", &[]),
        ("00536", "古代汉语", &[]),
        ("00506", "写作（一）", &[]),
    ];
    let other = [
        ("10001", "汉语言文学实践（一）", CourseKind::Practical),
        ("10002", "汉语言文学实践（二）", CourseKind::Practical),
        ("10003", "毕业论文", CourseKind::Thesis),
    ];
    let course = |code: &str, name: &str, kind, subs: &[&str]| PlanCourse {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        credits: if kind == CourseKind::Theory { 4 } else { 2 },
        degree_core: false,
        substitutes: subs.iter().map(|s| (*s).to_owned()).collect(),
    };
    Plan {
        major_name: "汉语言文学（合成）".to_owned(),
        level: Level::Bachelor,
        courses: theory
            .iter()
            .map(|(code, name, subs)| course(code, name, CourseKind::Theory, subs))
            .chain(
                other
                    .iter()
                    .map(|(code, name, kind)| course(code, name, *kind, &[])),
            )
            .collect(),
    }
}

/// What is wrong with a synthetic candidate, drawn per candidate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Eligible,
    OneCourseShort,
    BadExemption,
    PracticalMissing,
    PriorEducationPending,
    MoralMissing,
    LegallyBlocked,
    Several,
}

impl Profile {
    /// About 70% eligible; the rest spread over the ways candidates fall
    /// short in practice, most often by a course.
    fn draw(rng: &mut Rng) -> Self {
        match rng.below(1000) {
            0..700 => Self::Eligible,
            700..800 => Self::OneCourseShort,
            800..850 => Self::BadExemption,
            850..910 => Self::PracticalMissing,
            910..945 => Self::PriorEducationPending,
            945..965 => Self::MoralMissing,
            965..970 => Self::LegallyBlocked,
            _ => Self::Several,
        }
    }
}

/// Builds `candidates` candidates of `rows_per_candidate` score rows each
/// against a fixed 本科 plan of 18 courses, the same for the same `seed`.
/// About 70% are eligible; the others miss a course, lean on an undocumented
/// exemption, lack a practical component, wait for prior education, lack the
/// commitment letter, are legally blocked, or several of these. Rows beyond
/// the plan are failed attempts and courses outside the plan, in random
/// order; with fewer rows than plan courses, candidates fall short.
pub fn synthetic_province(
    candidates: usize,
    rows_per_candidate: usize,
    seed: u64,
) -> SyntheticProvince {
    let plan = synthetic_plan();
    let compiled = match CompiledPlan::new(&plan) {
        Ok(compiled) => compiled,
        // 18 courses and 2 substitutes are far below the limit.
        Err(e) => unreachable!("{e}"),
    };
    let theory: Vec<(u16, Vec<u16>)> = plan
        .courses
        .iter()
        .filter(|c| c.kind == CourseKind::Theory)
        .map(|c| {
            let subs = c.substitutes.iter().map(|s| compiled.index_of(s)).collect();
            (compiled.index_of(&c.code), subs)
        })
        .collect();
    let practical: Vec<u16> = plan
        .courses
        .iter()
        .filter(|c| c.kind != CourseKind::Theory)
        .map(|c| compiled.index_of(&c.code))
        .collect();

    let mut rng = Rng(seed);
    let mut province = SyntheticProvince {
        rows: Vec::with_capacity(candidates * rows_per_candidate),
        row_starts: Vec::with_capacity(candidates + 1),
        exemptions: Vec::new(),
        exemption_starts: Vec::with_capacity(candidates + 1),
        standings: Vec::with_capacity(candidates),
        plan,
        compiled,
    };
    province.row_starts.push(0);
    province.exemption_starts.push(0);
    let mut own: Vec<CompactScore> = Vec::with_capacity(rows_per_candidate.max(32));
    let score = |course, passed, source| CompactScore {
        course,
        passed,
        source,
    };

    for _ in 0..candidates {
        let profile = Profile::draw(&mut rng);
        own.clear();
        let short = matches!(profile, Profile::OneCourseShort | Profile::Several)
            .then(|| rng.below(theory.len()));
        let badly_exempted = (profile == Profile::BadExemption).then(|| rng.below(theory.len()));
        let well_exempted = rng.chance(120).then(|| rng.below(theory.len()));

        for (t, (course, subs)) in theory.iter().enumerate() {
            if short == Some(t) {
                own.push(score(*course, false, ScoreSource::Exam));
            } else if badly_exempted == Some(t) {
                own.push(score(*course, true, ScoreSource::Exemption));
                if rng.chance(500) {
                    province.exemptions.push(CompactExemption {
                        course: *course,
                        mode: ExemptionMode::Offline,
                        form_present: false,
                    });
                }
            } else if well_exempted == Some(t) {
                own.push(score(*course, true, ScoreSource::Exemption));
                let online = rng.chance(600);
                province.exemptions.push(CompactExemption {
                    course: *course,
                    mode: if online {
                        ExemptionMode::Online
                    } else {
                        ExemptionMode::Offline
                    },
                    form_present: !online,
                });
            } else if let Some(&sub) = subs.first().filter(|_| rng.chance(80)) {
                own.push(score(sub, true, ScoreSource::Exam));
            } else {
                let source = if rng.chance(30) {
                    ScoreSource::Transfer
                } else {
                    ScoreSource::Exam
                };
                own.push(score(*course, true, source));
            }
        }
        let missing_practical = matches!(profile, Profile::PracticalMissing | Profile::Several)
            .then(|| rng.below(practical.len()));
        for (k, course) in practical.iter().enumerate() {
            if missing_practical == Some(k) {
                // Transferred-in results do not count at the chief university.
                let transferred = rng.chance(300);
                own.push(score(*course, transferred, ScoreSource::Transfer));
            } else {
                own.push(score(*course, true, ScoreSource::Practical));
            }
        }
        while own.len() < rows_per_candidate {
            if rng.chance(600) {
                let (course, _) = theory[rng.below(theory.len())];
                own.push(score(course, false, ScoreSource::Exam));
            } else {
                let passed = rng.chance(700);
                own.push(score(NOT_IN_PLAN, passed, ScoreSource::Exam));
            }
        }
        for i in (1..own.len()).rev() {
            own.swap(i, rng.below(i + 1));
        }
        own.truncate(rows_per_candidate);

        province.rows.extend_from_slice(&own);
        province.row_starts.push(province.rows.len());
        province.exemption_starts.push(province.exemptions.len());
        province.standings.push(CompactStanding {
            moral_passed: profile != Profile::MoralMissing,
            prior_education_verified: !matches!(
                profile,
                Profile::PriorEducationPending | Profile::Several
            ),
            legally_blocked: profile == Profile::LegallyBlocked,
        });
    }
    province
}

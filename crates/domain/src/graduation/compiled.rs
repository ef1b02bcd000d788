//! The batch path of the eligibility audit: a plan compiled once into small
//! integers and bit sets, then checked against compact score rows without
//! allocating. It answers only "eligible?" and "which conditions fail"; the
//! explanation comes from [`super::audit::audit`], whose verdict it must equal.

use std::collections::HashMap;

use super::audit::{ConditionKey, ExemptionFact, Facts, Plan, PriorEducation, ScoreFact};
use crate::{CourseKind, ExemptionMode, Level, ScoreSource, ValueError};

/// Words of the per-candidate bit sets; four keep them on the stack and cover
/// far more courses than any plan and its substitutes have.
const WORDS: usize = 4;

/// Most distinct course codes (plan courses plus substitutes) a compiled plan holds.
pub const MAX_CODES: usize = WORDS * 64;

/// Index of a course outside the plan and its substitutes.
pub const NOT_IN_PLAN: u16 = u16::MAX;

/// One score row in four bytes, the course interned by [`CompiledPlan::index_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactScore {
    /// Interned course, or [`NOT_IN_PLAN`].
    pub course: u16,
    /// Whether the result is a pass.
    pub passed: bool,
    /// How the result was obtained.
    pub source: ScoreSource,
}

/// One exemption in four bytes, the course interned by [`CompiledPlan::index_of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactExemption {
    /// Interned course, or [`NOT_IN_PLAN`].
    pub course: u16,
    /// Online or offline.
    pub mode: ExemptionMode,
    /// Whether the offline registration form scan is on file.
    pub form_present: bool,
}

// A province's rows are held in memory by the tens of millions; growing a
// row would show straight away in the batch's footprint.
const _: () = assert!(std::mem::size_of::<CompactScore>() == 4);
const _: () = assert!(std::mem::size_of::<CompactExemption>() == 4);

/// Conditions c, e and f of one candidate, reduced to flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompactStanding {
    /// Moral character assessment passed.
    pub moral_passed: bool,
    /// Prior education verified for this application.
    pub prior_education_verified: bool,
    /// An admin has flagged a legal disqualification.
    pub legally_blocked: bool,
}

impl CompactStanding {
    /// The flags of `facts`.
    pub fn of(facts: &Facts) -> Self {
        Self {
            moral_passed: facts.moral.is_ok(),
            prior_education_verified: facts.prior_education == PriorEducation::Verified,
            legally_blocked: facts.legally_blocked,
        }
    }
}

/// The fast path's answer for one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether every condition holds.
    pub eligible: bool,
    /// Failing conditions as a mask of [`ConditionKey::bit`].
    pub failing: u8,
}

impl Verdict {
    fn from_mask(failing: u8) -> Self {
        Self {
            eligible: failing == 0,
            failing,
        }
    }

    /// Whether the condition `key` fails.
    pub fn fails(&self, key: ConditionKey) -> bool {
        self.failing & key.bit() != 0
    }

    /// The failing conditions' letters in order, e.g. `"ad"`.
    pub fn letters(&self) -> String {
        ConditionKey::ALL
            .iter()
            .filter(|k| self.fails(**k))
            .map(ConditionKey::letter)
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Bits([u64; WORDS]);

impl Bits {
    fn set(&mut self, index: u16) {
        if let Some(word) = self.0.get_mut(usize::from(index) >> 6) {
            *word |= 1 << (index & 63);
        }
    }

    fn has(&self, index: u16) -> bool {
        self.0
            .get(usize::from(index) >> 6)
            .is_some_and(|w| w & (1 << (index & 63)) != 0)
    }

    /// Whether some bit of `self` is missing from `have` and present in `also`.
    fn missing_from_and_in(&self, have: &Bits, also: &Bits) -> bool {
        (0..WORDS).any(|i| self.0[i] & !have.0[i] & also.0[i] != 0)
    }
}

const ALL_ONES: Bits = Bits([u64::MAX; WORDS]);

// What a passed result of a source counts for, as bit flags, so the row loop
// reads a table instead of branching on the source.
const FOR_THEORY: u8 = 1;
const FOR_CHIEF_UNIVERSITY: u8 = 2;
const IS_EXEMPTION: u8 = 4;

const fn source_flags(source: ScoreSource) -> u8 {
    match source {
        ScoreSource::Exam
        | ScoreSource::Backfill
        | ScoreSource::Practical
        | ScoreSource::Legacy => FOR_THEORY | FOR_CHIEF_UNIVERSITY,
        ScoreSource::Transfer => FOR_THEORY,
        ScoreSource::Exemption => IS_EXEMPTION,
    }
}

/// All ones when `flag` is set in `flags`, else zero.
fn mask(flags: u8, flag: u8) -> u64 {
    0u64.wrapping_sub(u64::from(flags & flag != 0))
}

/// A plan course whose substitutes make a single bit test insufficient.
#[derive(Debug, Clone)]
struct Alternatives {
    /// Range into [`CompiledPlan::options`]: own code first, then substitutes.
    start: usize,
    end: usize,
}

/// A plan compiled for the batch audit: course codes interned to small
/// integers, courses without substitutes as bit sets of required courses,
/// courses with substitutes as index lists.
#[derive(Debug, Clone)]
pub struct CompiledPlan {
    level: Level,
    codes: Vec<String>,
    index: HashMap<String, u16>,
    theory_required: Bits,
    chief_required: Bits,
    theory_alternatives: Vec<Alternatives>,
    chief_alternatives: Vec<Alternatives>,
    options: Vec<u16>,
}

impl CompiledPlan {
    /// Compiles `plan`. Plan courses take the first indices, in plan order,
    /// then substitutes not in the plan. Fails only when the plan and its
    /// substitutes name more than [`MAX_CODES`] distinct courses.
    pub fn new(plan: &Plan) -> Result<Self, ValueError> {
        let mut codes: Vec<String> = Vec::new();
        let mut index: HashMap<String, u16> = HashMap::new();
        let mut intern = |code: &str| -> Option<u16> {
            if let Some(&i) = index.get(code) {
                return Some(i);
            }
            let i = u16::try_from(codes.len())
                .ok()
                .filter(|&i| usize::from(i) < MAX_CODES)?;
            codes.push(code.to_owned());
            index.insert(code.to_owned(), i);
            Some(i)
        };
        let too_many = || {
            let mut distinct: Vec<&str> = plan
                .courses
                .iter()
                .flat_map(|c| std::iter::once(&c.code).chain(&c.substitutes))
                .map(String::as_str)
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            ValueError(format!(
                "考试计划课程及可替换课程共 {} 门，超过批量审核支持的 {MAX_CODES} 门",
                distinct.len()
            ))
        };
        for course in &plan.courses {
            intern(&course.code).ok_or_else(too_many)?;
        }
        let mut compiled = Self {
            level: plan.level,
            codes: Vec::new(),
            index: HashMap::new(),
            theory_required: Bits::default(),
            chief_required: Bits::default(),
            theory_alternatives: Vec::new(),
            chief_alternatives: Vec::new(),
            options: Vec::new(),
        };
        for course in &plan.courses {
            let own = intern(&course.code).ok_or_else(too_many)?;
            let theory = course.kind == CourseKind::Theory;
            if course.substitutes.is_empty() {
                if theory {
                    compiled.theory_required.set(own);
                } else {
                    compiled.chief_required.set(own);
                }
                continue;
            }
            let start = compiled.options.len();
            compiled.options.push(own);
            for sub in &course.substitutes {
                compiled.options.push(intern(sub).ok_or_else(too_many)?);
            }
            let alternatives = Alternatives {
                start,
                end: compiled.options.len(),
            };
            if theory {
                compiled.theory_alternatives.push(alternatives);
            } else {
                compiled.chief_alternatives.push(alternatives);
            }
        }
        compiled.codes = codes;
        compiled.index = index;
        Ok(compiled)
    }

    /// The interned index of `code`, or [`NOT_IN_PLAN`].
    pub fn index_of(&self, code: &str) -> u16 {
        self.index.get(code).copied().unwrap_or(NOT_IN_PLAN)
    }

    /// The code behind an interned index.
    pub fn code(&self, index: u16) -> Option<&str> {
        self.codes.get(usize::from(index)).map(String::as_str)
    }

    /// The plan's level.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Interns a candidate's score records.
    pub fn compact_scores(&self, scores: &[ScoreFact]) -> Vec<CompactScore> {
        scores
            .iter()
            .map(|s| CompactScore {
                course: self.index_of(&s.course_code),
                passed: s.passed,
                source: s.source,
            })
            .collect()
    }

    /// Interns a candidate's exemptions.
    pub fn compact_exemptions(&self, exemptions: &[ExemptionFact]) -> Vec<CompactExemption> {
        exemptions
            .iter()
            .map(|e| CompactExemption {
                course: self.index_of(&e.course_code),
                mode: e.mode,
                form_present: e.form_present,
            })
            .collect()
    }

    fn any_option(&self, alternatives: &Alternatives, bits: &Bits) -> bool {
        self.options
            .get(alternatives.start..alternatives.end)
            .is_some_and(|o| o.iter().any(|&i| bits.has(i)))
    }

    /// Checks one candidate: same rules and same verdict as
    /// [`super::audit::audit`], without explanations. A what-if is answered
    /// by appending passed exam rows for the hoped-for courses to `rows`.
    pub fn check(
        &self,
        rows: &[CompactScore],
        exemptions: &[CompactExemption],
        standing: CompactStanding,
    ) -> Verdict {
        let mut documented = Bits::default();
        for e in exemptions {
            if e.mode == ExemptionMode::Online || e.form_present {
                documented.set(e.course);
            }
        }

        // Per passed row in the plan: counts for theory (directly, or as a
        // documented exemption), for the chief university, or is an
        // undocumented exemption. Branch-free, as rows arrive in no useful order.
        let mut theory = Bits::default();
        let mut chief = Bits::default();
        let mut undocumented = Bits::default();
        for row in rows {
            let course = usize::from(row.course);
            let keep = 0u64.wrapping_sub(u64::from(row.passed & (course < MAX_CODES)));
            let word = (course >> 6) & (WORDS - 1);
            let bit = (1u64 << (course & 63)) & keep;
            let flags = source_flags(row.source);
            let exemption = mask(flags, IS_EXEMPTION);
            theory.0[word] |= bit & (mask(flags, FOR_THEORY) | (exemption & documented.0[word]));
            chief.0[word] |= bit & mask(flags, FOR_CHIEF_UNIVERSITY);
            undocumented.0[word] |= bit & exemption & !documented.0[word];
        }

        let mut a = self.theory_required.missing_from_and_in(&theory, &ALL_ONES);
        // An undocumented exemption is only "used" for a course not passed otherwise.
        let mut d = self
            .theory_required
            .missing_from_and_in(&theory, &undocumented);
        for alt in &self.theory_alternatives {
            if !self.any_option(alt, &theory) {
                a = true;
                d |= self.any_option(alt, &undocumented);
            }
        }
        let b = self.chief_required.missing_from_and_in(&chief, &ALL_ONES)
            || self
                .chief_alternatives
                .iter()
                .any(|alt| !self.any_option(alt, &chief));
        let c = !standing.moral_passed;
        let e = self.level == Level::Bachelor && !standing.prior_education_verified;
        let f = standing.legally_blocked;

        let mut failing = 0;
        for (fails, key) in [a, b, c, d, e, f].into_iter().zip(ConditionKey::ALL) {
            if fails {
                failing |= key.bit();
            }
        }
        Verdict::from_mask(failing)
    }
}

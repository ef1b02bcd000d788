//! The explaining eligibility audit: every condition of the graduation notice
//! (seed 001, conditions a–f) with pass/fail, the value found, the threshold
//! and, for each failure, what is missing, in the words a candidate reads.
//!
//! This path favours clear messages over speed; batch runs over a whole
//! province use [`super::compiled::CompiledPlan::check`], which must reach the
//! same verdict (a property test holds the two together).

use crate::{CourseKind, ExemptionMode, Level, ScoreSource};

/// One course line of a major's exam plan (考试计划).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanCourse {
    /// Course code as validated by [`crate::validate_course_code`].
    pub code: String,
    /// Course name, used in the messages.
    pub name: String,
    /// Theory courses count for condition a, practical components and the
    /// thesis/design for condition b.
    pub kind: CourseKind,
    /// Credits.
    pub credits: u8,
    /// 学位主干课; carried for the degree audit, not used here.
    pub degree_core: bool,
    /// Codes of the courses allowed to stand for this one (课程替换).
    pub substitutes: Vec<String>,
}

/// A major's exam plan as the audit needs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    /// Major name, for messages.
    pub major_name: String,
    /// 本科 plans require verified prior education (condition e); 专科 plans do not.
    pub level: Level,
    /// The courses in plan order; messages follow this order.
    pub courses: Vec<PlanCourse>,
}

/// One score record of the candidate, as present in the platform (seed 003:
/// results that are not in the platform do not count).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScoreFact {
    /// Code of the course the result is for.
    pub course_code: String,
    /// Whether the result is a pass.
    pub passed: bool,
    /// How the result was obtained.
    pub source: ScoreSource,
}

/// One exemption (免考) granted to the candidate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExemptionFact {
    /// Code of the exempted course.
    pub course_code: String,
    /// Online exemptions carry the system-generated 免考课程审核单 and need nothing more.
    pub mode: ExemptionMode,
    /// Whether the scan of the offline 免考课程登记表 is on file.
    pub form_present: bool,
}

impl ExemptionFact {
    /// An exemption backs a score only with its paperwork: online ones always
    /// have it, offline ones need the registration form scan.
    pub fn is_documented(&self) -> bool {
        self.mode == ExemptionMode::Online || self.form_present
    }
}

/// 前置学历 prior education: the state of the check for this application.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PriorEducation {
    /// No check has been started (the usual state for 专科 candidates).
    NotChecked,
    /// Submitted for manual review, no result yet.
    Pending,
    /// Verified through the credential service or by manual review.
    Verified,
    /// The check failed; the reason is shown to the candidate.
    Failed(String),
}

/// Everything about one candidate that the audit looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// Every score record of the candidate, passed or not, any course.
    pub scores: &'a [ScoreFact],
    /// Every exemption of the candidate.
    pub exemptions: &'a [ExemptionFact],
    /// Moral character assessment; the error is a Chinese description of what
    /// is missing, e.g. "未上传思想品德合格承诺书".
    pub moral: Result<(), String>,
    /// State of the prior-education check.
    pub prior_education: PriorEducation,
    /// Set by an admin when the law bars this candidate from the certificate.
    pub legally_blocked: bool,
}

/// Condition c as it stands before the candidate applies, from the province's definition: where
/// the signed commitment letter (承诺书) is part of the application, it is missing until then;
/// where the chief university assesses moral character during review, nothing is missing yet.
/// `province` is the stored province code; an undefined one is named rather than passed.
pub fn moral_state(province: &str) -> Result<(), String> {
    match crate::Province::from_code(province).map(|p| p.moral()) {
        Some(crate::province::MoralRule::AssessedInReview) => Ok(()),
        Some(crate::province::MoralRule::CommitmentLetter) => {
            Err(COMMITMENT_LETTER_PENDING.to_owned())
        }
        None => Err(format!(
            "省份“{province}”没有定义，无法判断思想品德考核要求"
        )),
    }
}

/// Condition c before applying where the commitment letter is uploaded in the application.
pub const COMMITMENT_LETTER_PENDING: &str =
    "尚未上传《毕业办证申请暨思想品德合格承诺书》（在毕业申请中上传）";

/// Whether condition c is met by the application itself in this province, so that its being
/// open before applying does not stop the candidate from applying.
pub fn moral_met_in_application(province: &str) -> bool {
    crate::Province::from_code(province)
        .is_some_and(|p| p.moral() == crate::province::MoralRule::CommitmentLetter)
}

/// Condition d's words for an offline exemption whose 免考课程登记表 scan is not on file.
pub const OFFLINE_FORM_MISSING: &str = "线下免考未上传免考课程登记表";

/// Condition a's words for a course passed only by an exemption that does not count yet.
pub const EXEMPTION_NOT_COMPLIANT: &str = "无合格成绩（免考成绩不合规，见条件d）";

/// What a condition waits for when [`only_exemption_forms_missing`] holds.
pub const EXEMPTION_FORM_PENDING: &str = "申请时上传免考课程登记表";

/// Whether condition a or d fails only because offline exemptions lack their 免考课程登记表
/// scan. Where the application form asks for those scans, uploading them there settles the
/// condition, so it must not stop the candidate from applying (seed 003: the form is submitted
/// with the application). Other conditions, and any other shortfall, are never settled so.
pub fn only_exemption_forms_missing(key: ConditionKey, missing: &[String]) -> bool {
    let suffix = match key {
        ConditionKey::AllCourses => EXEMPTION_NOT_COMPLIANT,
        ConditionKey::Compliance => OFFLINE_FORM_MISSING,
        _ => return false,
    };
    !missing.is_empty() && missing.iter().all(|m| m.ends_with(suffix))
}

/// The six conditions of the graduation notice, in the notice's order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ConditionKey {
    /// a. every theory course of the plan passed.
    AllCourses,
    /// b. practical components and thesis/design passed at the chief university.
    PracticalAndThesis,
    /// c. moral character assessment passed.
    Moral,
    /// d. exemptions and substitutions compliant.
    Compliance,
    /// e. 本科 only: prior education verified.
    PriorEducation,
    /// f. no legal disqualification.
    NoLegalBar,
}

impl ConditionKey {
    /// All six in the notice's order.
    pub const ALL: [Self; 6] = [
        Self::AllCourses,
        Self::PracticalAndThesis,
        Self::Moral,
        Self::Compliance,
        Self::PriorEducation,
        Self::NoLegalBar,
    ];

    /// The notice's letter, `'a'` to `'f'`.
    pub fn letter(&self) -> char {
        match self {
            Self::AllCourses => 'a',
            Self::PracticalAndThesis => 'b',
            Self::Moral => 'c',
            Self::Compliance => 'd',
            Self::PriorEducation => 'e',
            Self::NoLegalBar => 'f',
        }
    }

    /// The condition in the notice's own words (seed 001), so a candidate
    /// recognises it from the provincial guide.
    pub fn label(&self) -> &'static str {
        match self {
            Self::AllCourses => "考完专业考试计划规定的全部课程，并取得合格成绩",
            Self::PracticalAndThesis => {
                "在申请毕业的主考学校完成了专业全部实践性环节和毕业考核(包括毕业设计、毕业论文等)，并取得合格成绩"
            }
            Self::Moral => "思想品德考核合格",
            Self::Compliance => "课程免考、课程替换符合规定",
            Self::PriorEducation => "申请本科毕业的考生，前置学历符合规定",
            Self::NoLegalBar => "没有违反国家法律规定的不能取得毕业证书的行为",
        }
    }

    /// This condition's bit in a failure mask: a is bit 0, f is bit 5.
    pub fn bit(&self) -> u8 {
        1 << (*self as u8)
    }
}

/// One condition's outcome.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Condition {
    /// Which condition.
    pub key: ConditionKey,
    /// Whether it holds.
    pub passed: bool,
    /// What was found, e.g. "已合格 13/15 门".
    pub found: String,
    /// What is required, e.g. "全部 15 门".
    pub threshold: String,
    /// One line per thing missing, e.g. "03709 马克思主义基本原理概论：无合格成绩";
    /// empty when the condition holds.
    pub missing: Vec<String>,
    /// True when the hypothetical passes of a what-if changed this condition's
    /// outcome, value found or missing list; always false without a what-if.
    pub changed: bool,
}

/// The audit of one candidate against one plan: always all six conditions, a to f.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Audit {
    /// The six conditions in order a–f.
    pub conditions: Vec<Condition>,
    /// The hypothetical passes this audit assumed, normalised; empty for a
    /// plain audit.
    pub what_if: Vec<String>,
}

impl Audit {
    /// Whether every condition holds.
    pub fn eligible(&self) -> bool {
        self.conditions.iter().all(|c| c.passed)
    }

    /// Bit mask of the failing conditions ([`ConditionKey::bit`]), comparable
    /// with [`super::compiled::Verdict::failing`].
    pub fn failing_mask(&self) -> u8 {
        self.conditions
            .iter()
            .filter(|c| !c.passed)
            .fold(0, |m, c| m | c.key.bit())
    }

    /// The condition with this key.
    pub fn condition(&self, key: ConditionKey) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.key == key)
    }

    /// One Chinese sentence naming every failing condition, shown when
    /// 申请毕业 is refused; `None` when the candidate is eligible.
    pub fn refusal(&self) -> Option<String> {
        let failing: Vec<String> = self
            .conditions
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{}. {}", c.key.letter(), c.key.label()))
            .collect();
        (!failing.is_empty())
            .then(|| format!("不能申请毕业，未满足以下条件：{}。", failing.join("；")))
    }
}

/// Turns "if I pass these in the next sitting" into passed exam results.
/// Codes are trimmed and uppercased like [`crate::validate_course_code`] so a
/// hand-typed `a03708` still matches. Batch callers append these rows to a
/// candidate's compact rows to ask the same question of the fast path.
pub fn what_if_scores(what_if: &[&str]) -> Vec<ScoreFact> {
    what_if
        .iter()
        .map(|code| ScoreFact {
            course_code: code.trim().to_ascii_uppercase(),
            passed: true,
            source: ScoreSource::Exam,
        })
        .collect()
}

/// Audits one candidate against one plan and explains every condition.
///
/// `what_if` lists course codes the candidate hopes to pass; they are treated
/// as passed exam results on top of `facts` (which are not changed), and each
/// condition whose outcome differs from the audit without them is marked
/// [`Condition::changed`].
pub fn audit(plan: &Plan, facts: &Facts, what_if: &[&str]) -> Audit {
    if what_if.is_empty() {
        return Audit {
            conditions: conditions(plan, facts, &[]),
            what_if: Vec::new(),
        };
    }
    let extra = what_if_scores(what_if);
    let before = conditions(plan, facts, &[]);
    let mut after = conditions(plan, facts, &extra);
    for (now, was) in after.iter_mut().zip(&before) {
        now.changed =
            now.passed != was.passed || now.found != was.found || now.missing != was.missing;
    }
    Audit {
        conditions: after,
        what_if: extra.into_iter().map(|s| s.course_code).collect(),
    }
}

/// The candidate's records plus any hypothetical ones, without copying either.
#[derive(Clone, Copy)]
struct Records<'a> {
    real: &'a [ScoreFact],
    hypothetical: &'a [ScoreFact],
    exemptions: &'a [ExemptionFact],
}

impl<'a> Records<'a> {
    fn passes(&self, code: &'a str) -> impl Iterator<Item = &'a ScoreFact> + 'a {
        self.real
            .iter()
            .chain(self.hypothetical)
            .filter(move |s| s.passed && s.course_code == code)
    }

    /// Why an exemption-sourced pass of `code` does not count, if it does not.
    fn exemption_problem(&self, code: &str) -> Option<&'static str> {
        let mut any = false;
        for e in self.exemptions.iter().filter(|e| e.course_code == code) {
            if e.is_documented() {
                return None;
            }
            any = true;
        }
        Some(if any {
            OFFLINE_FORM_MISSING
        } else {
            "免考成绩无免考记录"
        })
    }
}

/// How a theory course of the plan is (or is not) satisfied.
enum TheoryRoute<'a> {
    Direct,
    Exempted,
    Substituted,
    /// Not satisfied; the exemption-sourced passes that were rejected, with why.
    Missing(Vec<(&'a str, &'static str)>),
}

fn theory_route<'a>(course: &'a PlanCourse, records: Records<'a>) -> TheoryRoute<'a> {
    let options =
        std::iter::once(course.code.as_str()).chain(course.substitutes.iter().map(String::as_str));
    let mut rejected = Vec::new();
    for (i, code) in options.enumerate() {
        let mut exempted = false;
        for s in records.passes(code) {
            if s.source != ScoreSource::Exemption {
                return if i == 0 {
                    TheoryRoute::Direct
                } else {
                    TheoryRoute::Substituted
                };
            }
            exempted = true;
        }
        if exempted {
            match records.exemption_problem(code) {
                None if i == 0 => return TheoryRoute::Exempted,
                None => return TheoryRoute::Substituted,
                // A plan may list a course among its own substitutes; name it once.
                Some(problem) if !rejected.iter().any(|&(c, _)| c == code) => {
                    rejected.push((code, problem));
                }
                Some(_) => {}
            }
        }
    }
    TheoryRoute::Missing(rejected)
}

/// Only the chief university's own assessment counts for practical
/// components and the thesis; a transferred-in or exempted result does not
/// show the work was done there. A result under an older 13-character number
/// was assessed in the province the same way, only recorded under that number.
fn counts_at_chief_university(source: ScoreSource) -> bool {
    matches!(
        source,
        ScoreSource::Exam | ScoreSource::Practical | ScoreSource::Backfill | ScoreSource::Legacy
    )
}

fn course_line(course: &PlanCourse, why: &str) -> String {
    format!("{} {}：{}", course.code, course.name, why)
}

fn conditions(plan: &Plan, facts: &Facts, hypothetical: &[ScoreFact]) -> Vec<Condition> {
    let records = Records {
        real: facts.scores,
        hypothetical,
        exemptions: facts.exemptions,
    };
    let (a, d) = courses_and_compliance(plan, records);
    vec![
        a,
        practical_and_thesis(plan, records),
        moral(&facts.moral),
        d,
        prior_education(plan.level, &facts.prior_education),
        legal(facts.legally_blocked),
    ]
}

fn condition(
    key: ConditionKey,
    found: String,
    threshold: String,
    missing: Vec<String>,
) -> Condition {
    Condition {
        key,
        passed: missing.is_empty(),
        found,
        threshold,
        missing,
        changed: false,
    }
}

/// Conditions a and d come from the same walk over the theory courses: an
/// exemption is only "used" for a course the candidate has not passed
/// otherwise, so its compliance depends on how the course is satisfied.
fn courses_and_compliance(plan: &Plan, records: Records) -> (Condition, Condition) {
    let theory: Vec<&PlanCourse> = plan
        .courses
        .iter()
        .filter(|c| c.kind == CourseKind::Theory)
        .collect();
    let (mut met, mut exempted, mut substituted) = (0usize, 0usize, 0usize);
    let mut missing_courses = Vec::new();
    let mut non_compliant = Vec::new();
    for course in &theory {
        match theory_route(course, records) {
            TheoryRoute::Direct => met += 1,
            TheoryRoute::Exempted => {
                met += 1;
                exempted += 1;
            }
            TheoryRoute::Substituted => {
                met += 1;
                substituted += 1;
            }
            TheoryRoute::Missing(rejected) if rejected.is_empty() => {
                missing_courses.push(course_line(course, "无合格成绩"));
            }
            TheoryRoute::Missing(rejected) => {
                missing_courses.push(course_line(course, EXEMPTION_NOT_COMPLIANT));
                for (code, problem) in rejected {
                    let line = if code == course.code {
                        course_line(course, problem)
                    } else {
                        format!(
                            "{} {}（以 {} 替换）：{}",
                            course.code, course.name, code, problem
                        )
                    };
                    non_compliant.push(line);
                }
            }
        }
    }
    let n = theory.len();
    let a = condition(
        ConditionKey::AllCourses,
        format!("已合格 {met}/{n} 门"),
        format!("全部 {n} 门"),
        missing_courses,
    );
    let found = if exempted + substituted + non_compliant.len() == 0 {
        "未使用免考或课程替换".to_owned()
    } else {
        format!(
            "免考 {exempted} 门、课程替换 {substituted} 门，不合规 {} 项",
            non_compliant.len()
        )
    };
    let d = condition(
        ConditionKey::Compliance,
        found,
        "免考须有免考记录，线下免考须上传免考课程登记表；替换须为考试计划允许的课程".to_owned(),
        non_compliant,
    );
    (a, d)
}

fn practical_and_thesis(plan: &Plan, records: Records) -> Condition {
    let courses: Vec<&PlanCourse> = plan
        .courses
        .iter()
        .filter(|c| c.kind != CourseKind::Theory)
        .collect();
    if courses.is_empty() {
        return condition(
            ConditionKey::PracticalAndThesis,
            "考试计划未设实践性环节和毕业考核".to_owned(),
            "无".to_owned(),
            Vec::new(),
        );
    }
    let mut missing = Vec::new();
    for course in &courses {
        let options = std::iter::once(course.code.as_str())
            .chain(course.substitutes.iter().map(String::as_str));
        let mut other_source = None;
        let mut met = false;
        for code in options {
            for s in records.passes(code) {
                if counts_at_chief_university(s.source) {
                    met = true;
                } else {
                    other_source.get_or_insert(s.source);
                }
            }
        }
        if !met {
            let why = match other_source {
                Some(source) => format!("{}成绩不计，须在主考学校考核合格", source.label()),
                None => "无合格成绩".to_owned(),
            };
            missing.push(course_line(course, &why));
        }
    }
    let n = courses.len();
    condition(
        ConditionKey::PracticalAndThesis,
        format!("已合格 {}/{n} 项", n - missing.len()),
        format!("全部 {n} 项"),
        missing,
    )
}

fn moral(moral: &Result<(), String>) -> Condition {
    let (found, missing) = match moral {
        Ok(()) => ("合格".to_owned(), Vec::new()),
        Err(what) => ("未通过".to_owned(), vec![what.clone()]),
    };
    condition(
        ConditionKey::Moral,
        found,
        "思想品德考核合格".to_owned(),
        missing,
    )
}

fn prior_education(level: Level, prior: &PriorEducation) -> Condition {
    if level == Level::Associate {
        return condition(
            ConditionKey::PriorEducation,
            "不适用".to_owned(),
            "不适用（专科无前置学历要求）".to_owned(),
            Vec::new(),
        );
    }
    let (found, missing) = match prior {
        PriorEducation::Verified => ("已核验".to_owned(), None),
        PriorEducation::NotChecked => ("未核验".to_owned(), Some("前置学历未核验".to_owned())),
        PriorEducation::Pending => (
            "核验中".to_owned(),
            Some("前置学历核验中，尚无结果".to_owned()),
        ),
        PriorEducation::Failed(reason) => (
            "核验未通过".to_owned(),
            Some(format!("前置学历核验未通过：{reason}")),
        ),
    };
    condition(
        ConditionKey::PriorEducation,
        found,
        "专科或以上学历，核验通过".to_owned(),
        missing.into_iter().collect(),
    )
}

fn legal(blocked: bool) -> Condition {
    let (found, missing) = if blocked {
        (
            "有".to_owned(),
            vec!["存在违反国家法律规定不能取得毕业证书的行为".to_owned()],
        )
    } else {
        ("无".to_owned(), Vec::new())
    };
    condition(ConditionKey::NoLegalBar, found, "无".to_owned(), missing)
}

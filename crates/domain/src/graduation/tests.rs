#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::bench;
use super::*;
use crate::{CourseKind, ExemptionMode, Level, ScoreSource};

fn course(code: &str, name: &str, kind: CourseKind, substitutes: &[&str]) -> PlanCourse {
    PlanCourse {
        code: code.to_owned(),
        name: name.to_owned(),
        kind,
        credits: 4,
        degree_core: false,
        substitutes: substitutes.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn bachelor_plan() -> Plan {
    Plan {
        major_name: "汉语言文学".to_owned(),
        level: Level::Bachelor,
        courses: vec![
            course("03708", "中国近现代史纲要", CourseKind::Theory, &[]),
            course("03709", "马克思主义基本原理概论", CourseKind::Theory, &[]),
            course("00015", "英语（二）", CourseKind::Theory, &["00840"]),
            course("00037", "美学", CourseKind::Theory, &[]),
            course("10001", "汉语言文学实践", CourseKind::Practical, &[]),
            course("10003", "毕业论文", CourseKind::Thesis, &[]),
        ],
    }
}

fn associate_plan() -> Plan {
    Plan {
        level: Level::Associate,
        ..bachelor_plan()
    }
}

fn row(code: &str, passed: bool, source: ScoreSource) -> ScoreFact {
    ScoreFact {
        course_code: code.to_owned(),
        passed,
        source,
    }
}

/// An owned candidate, so tests can tweak one fact and borrow the rest.
#[derive(Debug, Clone)]
struct Candidate {
    scores: Vec<ScoreFact>,
    exemptions: Vec<ExemptionFact>,
    moral: Result<(), String>,
    prior_education: PriorEducation,
    legally_blocked: bool,
}

impl Candidate {
    /// Passed everything in `plan` by exam (practical components by
    /// practical assessment), with prior education verified.
    fn passing(plan: &Plan) -> Self {
        let scores = plan
            .courses
            .iter()
            .map(|c| {
                let source = if c.kind == CourseKind::Theory {
                    ScoreSource::Exam
                } else {
                    ScoreSource::Practical
                };
                row(&c.code, true, source)
            })
            .collect();
        Self {
            scores,
            exemptions: Vec::new(),
            moral: Ok(()),
            prior_education: PriorEducation::Verified,
            legally_blocked: false,
        }
    }

    fn without(mut self, code: &str) -> Self {
        self.scores.retain(|s| s.course_code != code);
        self
    }

    fn with(mut self, code: &str, passed: bool, source: ScoreSource) -> Self {
        self.scores.push(row(code, passed, source));
        self
    }

    fn exempted(mut self, code: &str, mode: ExemptionMode, form_present: bool) -> Self {
        self.exemptions.push(ExemptionFact {
            course_code: code.to_owned(),
            mode,
            form_present,
        });
        self
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            scores: &self.scores,
            exemptions: &self.exemptions,
            moral: self.moral.clone(),
            prior_education: self.prior_education.clone(),
            legally_blocked: self.legally_blocked,
        }
    }

    fn audit(&self, plan: &Plan) -> Audit {
        audit(plan, &self.facts(), &[])
    }
}

fn get(audit: &Audit, key: ConditionKey) -> &Condition {
    audit.condition(key).unwrap()
}

fn failing_letters(audit: &Audit) -> String {
    audit
        .conditions
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.key.letter())
        .collect()
}

/// The fast path's verdict for the same candidate, what-if passes appended as rows.
fn check(plan: &Plan, facts: &Facts, what_if: &[&str]) -> Verdict {
    let compiled = CompiledPlan::new(plan).unwrap();
    let mut rows = compiled.compact_scores(facts.scores);
    rows.extend(compiled.compact_scores(&what_if_scores(what_if)));
    compiled.check(
        &rows,
        &compiled.compact_exemptions(facts.exemptions),
        CompactStanding::of(facts),
    )
}

#[test]
fn candidate_with_everything_passed_is_eligible_and_not_refused() {
    let plan = bachelor_plan();
    let result = Candidate::passing(&plan).audit(&plan);
    assert!(result.eligible(), "{result:#?}");
    assert_eq!(result.refusal(), None);
    let a = get(&result, ConditionKey::AllCourses);
    assert_eq!(
        (a.found.as_str(), a.threshold.as_str()),
        ("已合格 4/4 门", "全部 4 门")
    );
    assert_eq!(
        get(&result, ConditionKey::PracticalAndThesis).found,
        "已合格 2/2 项"
    );
    assert_eq!(
        get(&result, ConditionKey::Compliance).found,
        "未使用免考或课程替换"
    );
}

#[test]
fn candidate_with_one_failed_course_is_not_eligible_and_the_course_is_named() {
    let plan = bachelor_plan();
    let candidate =
        Candidate::passing(&plan)
            .without("03709")
            .with("03709", false, ScoreSource::Exam);
    let result = candidate.audit(&plan);
    assert!(!result.eligible());
    assert_eq!(failing_letters(&result), "a");
    let a = get(&result, ConditionKey::AllCourses);
    assert_eq!(a.found, "已合格 3/4 门");
    assert_eq!(a.threshold, "全部 4 门");
    assert_eq!(a.missing, vec!["03709 马克思主义基本原理概论：无合格成绩"]);
    assert_eq!(
        result.refusal().unwrap(),
        "不能申请毕业，未满足以下条件：a. 考完专业考试计划规定的全部课程，并取得合格成绩。"
    );
}

#[test]
fn exemption_without_record_is_non_compliant() {
    let plan = bachelor_plan();
    let candidate =
        Candidate::passing(&plan)
            .without("00037")
            .with("00037", true, ScoreSource::Exemption);
    let result = candidate.audit(&plan);
    assert_eq!(failing_letters(&result), "ad");
    let d = get(&result, ConditionKey::Compliance);
    assert_eq!(d.missing, vec!["00037 美学：免考成绩无免考记录"]);
    assert_eq!(d.found, "免考 0 门、课程替换 0 门，不合规 1 项");
    assert_eq!(
        get(&result, ConditionKey::AllCourses).missing,
        vec!["00037 美学：无合格成绩（免考成绩不合规，见条件d）"]
    );

    let documented = candidate.exempted("00037", ExemptionMode::Online, false);
    let result = documented.audit(&plan);
    assert!(result.eligible(), "{result:#?}");
    assert_eq!(
        get(&result, ConditionKey::Compliance).found,
        "免考 1 门、课程替换 0 门，不合规 0 项"
    );
}

#[test]
fn offline_exemption_without_form_is_non_compliant() {
    let plan = bachelor_plan();
    let candidate =
        Candidate::passing(&plan)
            .without("03708")
            .with("03708", true, ScoreSource::Exemption);
    let result = candidate
        .clone()
        .exempted("03708", ExemptionMode::Offline, false)
        .audit(&plan);
    assert_eq!(failing_letters(&result), "ad");
    assert_eq!(
        get(&result, ConditionKey::Compliance).missing,
        vec!["03708 中国近现代史纲要：线下免考未上传免考课程登记表"]
    );

    let with_form = candidate.exempted("03708", ExemptionMode::Offline, true);
    assert!(with_form.audit(&plan).eligible());
}

#[test]
fn undocumented_exemption_is_not_used_when_the_course_was_passed_by_exam() {
    let plan = bachelor_plan();
    let candidate = Candidate::passing(&plan).with("00037", true, ScoreSource::Exemption);
    assert!(candidate.audit(&plan).eligible());
}

#[test]
fn substitute_course_satisfies_plan_course() {
    let plan = bachelor_plan();
    let candidate = Candidate::passing(&plan).without("00015");

    let not_allowed = candidate.clone().with("00841", true, ScoreSource::Exam);
    assert_eq!(
        get(&not_allowed.audit(&plan), ConditionKey::AllCourses).missing,
        vec!["00015 英语（二）：无合格成绩"]
    );

    let substituted = candidate.with("00840", true, ScoreSource::Exam);
    let result = substituted.audit(&plan);
    assert!(result.eligible(), "{result:#?}");
    assert_eq!(
        get(&result, ConditionKey::AllCourses).found,
        "已合格 4/4 门"
    );
    assert_eq!(
        get(&result, ConditionKey::Compliance).found,
        "免考 0 门、课程替换 1 门，不合规 0 项"
    );
}

#[test]
fn undocumented_exemption_of_a_substitute_names_both_courses() {
    let plan = bachelor_plan();
    let candidate =
        Candidate::passing(&plan)
            .without("00015")
            .with("00840", true, ScoreSource::Exemption);
    assert_eq!(
        get(&candidate.audit(&plan), ConditionKey::Compliance).missing,
        vec!["00015 英语（二）（以 00840 替换）：免考成绩无免考记录"]
    );
}

#[test]
fn bachelor_needs_verified_prior_education() {
    let plan = bachelor_plan();
    let cases = [
        (PriorEducation::NotChecked, "未核验", "前置学历未核验"),
        (
            PriorEducation::Pending,
            "核验中",
            "前置学历核验中，尚无结果",
        ),
        (
            PriorEducation::Failed("学信网无此学历".to_owned()),
            "核验未通过",
            "前置学历核验未通过：学信网无此学历",
        ),
    ];
    for (prior, found, missing) in cases {
        let mut candidate = Candidate::passing(&plan);
        candidate.prior_education = prior;
        let result = candidate.audit(&plan);
        assert_eq!(failing_letters(&result), "e");
        let e = get(&result, ConditionKey::PriorEducation);
        assert_eq!(e.found, found);
        assert_eq!(e.missing, vec![missing]);
    }
    assert!(Candidate::passing(&plan).audit(&plan).eligible());
}

#[test]
fn associate_prior_education_not_applicable() {
    let plan = associate_plan();
    let mut candidate = Candidate::passing(&plan);
    candidate.prior_education = PriorEducation::NotChecked;
    let result = candidate.audit(&plan);
    assert!(result.eligible());
    let e = get(&result, ConditionKey::PriorEducation);
    assert!(e.passed);
    assert_eq!(e.found, "不适用");
}

#[test]
fn what_if_pass_makes_eligible_without_changing_facts() {
    let plan = bachelor_plan();
    let candidate =
        Candidate::passing(&plan)
            .without("03709")
            .with("03709", false, ScoreSource::Exam);
    let before = candidate.scores.clone();
    let facts = candidate.facts();

    let hoped = audit(&plan, &facts, &[" 03709 "]);
    assert!(hoped.eligible(), "{hoped:#?}");
    assert_eq!(hoped.what_if, vec!["03709"]);
    let changed: String = hoped
        .conditions
        .iter()
        .filter(|c| c.changed)
        .map(|c| c.key.letter())
        .collect();
    assert_eq!(changed, "a");
    assert!(check(&plan, &facts, &["03709"]).eligible);

    assert_eq!(candidate.scores, before);
    let plain = audit(&plan, &facts, &[]);
    assert!(!plain.eligible());
    assert!(plain.conditions.iter().all(|c| !c.changed));
}

#[test]
fn what_if_that_is_not_enough_still_marks_the_progress() {
    let plan = bachelor_plan();
    let candidate = Candidate::passing(&plan).without("03709").without("03708");
    let hoped = audit(&plan, &candidate.facts(), &["03708"]);
    let a = get(&hoped, ConditionKey::AllCourses);
    assert!(!a.passed);
    assert!(a.changed);
    assert_eq!(a.found, "已合格 3/4 门");
}

#[test]
fn practical_missing_fails_b_not_a() {
    let plan = bachelor_plan();
    let candidate = Candidate::passing(&plan).without("10001");
    let result = candidate.audit(&plan);
    assert_eq!(failing_letters(&result), "b");
    let b = get(&result, ConditionKey::PracticalAndThesis);
    assert_eq!(b.found, "已合格 1/2 项");
    assert_eq!(b.missing, vec!["10001 汉语言文学实践：无合格成绩"]);

    let transferred = candidate.with("10001", true, ScoreSource::Transfer);
    assert_eq!(
        get(&transferred.audit(&plan), ConditionKey::PracticalAndThesis).missing,
        vec!["10001 汉语言文学实践：转入成绩不计，须在主考学校考核合格"]
    );
}

#[test]
fn missing_commitment_letter_fails_c_with_its_description() {
    let plan = bachelor_plan();
    let mut candidate = Candidate::passing(&plan);
    candidate.moral = Err("未上传思想品德合格承诺书".to_owned());
    let result = candidate.audit(&plan);
    assert_eq!(failing_letters(&result), "c");
    assert_eq!(
        get(&result, ConditionKey::Moral).missing,
        vec!["未上传思想品德合格承诺书"]
    );
}

#[test]
fn legal_block_fails_f() {
    let plan = bachelor_plan();
    let mut candidate = Candidate::passing(&plan);
    candidate.legally_blocked = true;
    let result = candidate.audit(&plan);
    assert_eq!(failing_letters(&result), "f");
    assert_eq!(check(&plan, &candidate.facts(), &[]).letters(), "f");
}

#[test]
fn refusal_names_every_failing_condition_in_order() {
    let plan = bachelor_plan();
    let mut candidate = Candidate::passing(&plan).without("10003");
    candidate.legally_blocked = true;
    assert_eq!(
        candidate.audit(&plan).refusal().unwrap(),
        "不能申请毕业，未满足以下条件：b. 在申请毕业的主考学校完成了专业全部实践性环节和毕业考核(包括毕业设计、毕业论文等)，并取得合格成绩；f. 没有违反国家法律规定的不能取得毕业证书的行为。"
    );
}

#[test]
fn every_condition_is_always_reported() {
    let plan = bachelor_plan();
    let empty = Candidate {
        scores: Vec::new(),
        exemptions: Vec::new(),
        moral: Err("思想品德考核未通过".to_owned()),
        prior_education: PriorEducation::NotChecked,
        legally_blocked: true,
    };
    for (plan, candidate) in [
        (&plan, Candidate::passing(&plan)),
        (&plan, empty.clone()),
        (&associate_plan(), empty),
    ] {
        let result = candidate.audit(plan);
        let letters: String = result.conditions.iter().map(|c| c.key.letter()).collect();
        assert_eq!(letters, "abcdef");
        for c in &result.conditions {
            assert!(!c.found.is_empty() && !c.threshold.is_empty(), "{c:?}");
            assert_eq!(c.passed, c.missing.is_empty(), "{c:?}");
        }
    }
}

#[test]
fn plan_with_more_codes_than_the_batch_limit_is_refused() {
    let plan = Plan {
        major_name: "超大计划".to_owned(),
        level: Level::Associate,
        courses: (0..300)
            .map(|i| course(&format!("{i:05}"), "课程", CourseKind::Theory, &[]))
            .collect(),
    };
    assert_eq!(
        CompiledPlan::new(&plan).unwrap_err().0,
        "考试计划课程及可替换课程共 300 门，超过批量审核支持的 256 门"
    );
}

#[test]
fn synthetic_province_is_deterministic_and_mostly_eligible() {
    let province = bench::synthetic_province(20_000, 30, 7);
    assert_eq!(province.rows(), 600_000);
    let one = bench::run(&province);
    let again = bench::run(&bench::synthetic_province(20_000, 30, 7));
    assert_eq!((one.eligible, one.failing), (again.eligible, again.failing));
    let share = one.eligible as f64 / one.candidates as f64;
    assert!((0.67..0.73).contains(&share), "{share}");
    assert!(one.failing.iter().all(|&n| n > 0), "{:?}", one.failing);

    let two = bench::run_parallel(&province, 3);
    assert_eq!((two.eligible, two.failing), (one.eligible, one.failing));
}

#[test]
fn explained_audit_agrees_with_check_on_synthetic_candidates() {
    let province = bench::synthetic_province(3_000, 30, 11);
    for i in 0..province.candidates() {
        let (rows, exemptions, standing) = province.candidate(i).unwrap();
        let verdict = province.compiled.check(rows, exemptions, standing);
        let candidate = province.facts_of(i).unwrap();
        let explained = audit(&province.plan, &candidate.facts(), &[]);
        assert_eq!(explained.failing_mask(), verdict.failing, "candidate {i}");
    }
    let latency = bench::explained_latency(&province, 100);
    assert_eq!(latency.samples, 100);
    assert!(latency.p50 <= latency.p99 && latency.p99 <= latency.max);
}

/// A small pool so random plans and records collide often: codes in plans,
/// substitutes, scores and exemptions overlap, and one code is never planned.
const POOL: [&str; 7] = [
    "00001", "00002", "00003", "00004", "00005", "00006", "99999",
];

fn arb_plan() -> impl Strategy<Value = Plan> {
    let course = (
        0..6usize,
        prop::sample::select(CourseKind::ALL.to_vec()),
        prop::collection::vec(0..7usize, 0..3),
    )
        .prop_map(|(code, kind, subs)| PlanCourse {
            code: POOL[code].to_owned(),
            name: format!("课程{code}"),
            kind,
            credits: 4,
            degree_core: false,
            substitutes: subs.into_iter().map(|s| POOL[s].to_owned()).collect(),
        });
    (
        prop::sample::select(Level::ALL.to_vec()),
        prop::collection::vec(course, 0..7),
    )
        .prop_map(|(level, courses)| Plan {
            major_name: "随机专业".to_owned(),
            level,
            courses,
        })
}

fn arb_candidate() -> impl Strategy<Value = Candidate> {
    let score = (
        0..7usize,
        any::<bool>(),
        prop::sample::select(ScoreSource::ALL.to_vec()),
    )
        .prop_map(|(c, passed, source)| row(POOL[c], passed, source));
    let exemption = (
        0..7usize,
        prop::sample::select(ExemptionMode::ALL.to_vec()),
        any::<bool>(),
    )
        .prop_map(|(c, mode, form_present)| ExemptionFact {
            course_code: POOL[c].to_owned(),
            mode,
            form_present,
        });
    let prior = prop_oneof![
        Just(PriorEducation::NotChecked),
        Just(PriorEducation::Pending),
        Just(PriorEducation::Verified),
        Just(PriorEducation::Failed("不符".to_owned())),
    ];
    (
        prop::collection::vec(score, 0..16),
        prop::collection::vec(exemption, 0..5),
        any::<bool>(),
        prior,
        any::<bool>(),
    )
        .prop_map(
            |(scores, exemptions, moral, prior_education, legally_blocked)| Candidate {
                scores,
                exemptions,
                moral: if moral {
                    Ok(())
                } else {
                    Err("未通过".to_owned())
                },
                prior_education,
                legally_blocked,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn explaining_audit_and_compiled_check_agree(
        plan in arb_plan(),
        candidate in arb_candidate(),
        what_if in prop::collection::vec(prop::sample::select(POOL.to_vec()), 0..3),
    ) {
        let facts = candidate.facts();
        let explained = audit(&plan, &facts, &what_if);
        let verdict = check(&plan, &facts, &what_if);
        prop_assert_eq!(explained.eligible(), verdict.eligible);
        prop_assert_eq!(explained.failing_mask(), verdict.failing);
        prop_assert_eq!(failing_letters(&explained), verdict.letters());
    }

    #[test]
    fn hoped_for_passes_never_break_a_condition(
        plan in arb_plan(),
        candidate in arb_candidate(),
        what_if in prop::collection::vec(prop::sample::select(POOL.to_vec()), 1..3),
    ) {
        let facts = candidate.facts();
        let plain = audit(&plan, &facts, &[]);
        let hoped = audit(&plan, &facts, &what_if);
        for (was, now) in plain.conditions.iter().zip(&hoped.conditions) {
            prop_assert!(!was.passed || now.passed, "{:?} → {:?}", was, now);
            let differs = (was.passed, &was.found, &was.missing) != (now.passed, &now.found, &now.missing);
            prop_assert_eq!(now.changed, differs);
        }
    }
}

#[test]
fn yunnan_candidates_lack_the_commitment_letter_until_they_apply() {
    let yunnan = moral_state("yunnan").unwrap_err();
    assert!(yunnan.contains("承诺书"), "{yunnan}");
    assert_eq!(moral_state("chongqing"), Ok(()));
}

#[test]
fn an_undefined_province_is_named_in_condition_c() {
    let e = moral_state("atlantis").unwrap_err();
    assert!(e.contains("atlantis") && e.contains("没有定义"), "{e}");
    assert!(!moral_met_in_application("atlantis"));
    assert!(moral_met_in_application("yunnan"));
    assert!(!moral_met_in_application("chongqing"));
}

//! A review pipeline as data: the ordered stages an application passes,
//! attached to a province preset and copied onto each batch so a later change
//! to the preset never rewrites a batch already under way.

use crate::{CandidateType, OrgKind};

coded_enum! {
    /// Who reviews a stage, resolved per application when the stage opens.
    pub enum ReviewerRule("审核机构") {
        /// The chief university (主考学校) of the major applied for.
        ChiefUniversity => ("chief_university", "主考学校"),
        /// The province's office (市自考办 / 省招生考试院).
        Office => ("office", "省市考试机构"),
        /// The candidate's confirmation point (确认点); for 学分互认在校生 the
        /// chief university, which enrolled them.
        ConfirmationPointOrUniversity => ("confirmation_point_or_university", "确认点（学分互认在校生为主考学校）"),
        /// The candidate's prefecture agency (州市招生考试机构); for 学分互认在校生
        /// the chief university.
        PrefectureOrUniversity => ("prefecture_or_university", "州市招生考试机构或主考学校"),
        /// The school that runs the batch (学位外语 and 学位申请 batches); not used in a
        /// province's graduation pipeline, whose batches belong to no school.
        School => ("school", "本校"),
    }
}

/// Where a reviewer organisation is found for one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewerTarget {
    /// The chief university recorded on the application.
    ChiefUniversity,
    /// The nearest organisation of this kind above (or at) the candidate's
    /// registration organisation.
    Ancestor(OrgKind),
    /// The organisation that runs the batch.
    BatchSchool,
}

impl ReviewerRule {
    /// Resolves the rule for a candidate of this type in a province whose office is of kind
    /// `office`.
    pub fn target(&self, office: OrgKind, candidate_type: CandidateType) -> ReviewerTarget {
        let credit = candidate_type == CandidateType::CreditRecognition;
        match self {
            Self::ChiefUniversity => ReviewerTarget::ChiefUniversity,
            Self::Office => ReviewerTarget::Ancestor(office),
            Self::ConfirmationPointOrUniversity if credit => ReviewerTarget::ChiefUniversity,
            Self::ConfirmationPointOrUniversity => {
                ReviewerTarget::Ancestor(OrgKind::ConfirmationPoint)
            }
            Self::PrefectureOrUniversity if credit => ReviewerTarget::ChiefUniversity,
            Self::PrefectureOrUniversity => ReviewerTarget::Ancestor(OrgKind::PrefectureAgency),
            Self::School => ReviewerTarget::BatchSchool,
        }
    }

    /// Whether an organisation of kind `kind` can be the one that reviews at a stage with this
    /// rule, for some candidate, in a province whose office is of kind `office`.
    pub fn may_fall_to(&self, office: OrgKind, kind: OrgKind) -> bool {
        CandidateType::ALL
            .iter()
            .any(|t| match self.target(office, *t) {
                ReviewerTarget::ChiefUniversity => kind == OrgKind::ChiefUniversity,
                ReviewerTarget::Ancestor(k) => k == kind,
                ReviewerTarget::BatchSchool => kind == OrgKind::ContinuingEdSchool,
            })
    }
}

/// What happens at a stage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StageKind {
    /// An organisation approves or rejects.
    Review(ReviewerRule),
    /// The candidate pays a fee, in fen (分).
    Payment {
        /// The fee in fen.
        amount_fen: i64,
    },
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stage {
    /// The stage as candidates see it, e.g. "主考学校初审".
    pub name: String,
    /// Review or payment.
    pub kind: StageKind,
    /// 办理时限: working days the reviewing organisation has, for a review stage that has a
    /// limit ([`crate::review::deadline`]); `None`: no due date at this stage.
    #[serde(default)]
    pub limit_working_days: Option<u32>,
}

impl Stage {
    /// A review stage.
    pub fn review(name: &str, rule: ReviewerRule) -> Self {
        Self {
            name: name.to_string(),
            kind: StageKind::Review(rule),
            limit_working_days: None,
        }
    }

    /// Whether this stage is a payment.
    pub fn is_payment(&self) -> bool {
        matches!(self.kind, StageKind::Payment { .. })
    }
}

/// The stage after which an application counts as succeeded for this batch
/// ("初审通过并完成网上交费后即为申请成功"): the payment stage where there is one,
/// otherwise the first review.
pub fn success_stage(stages: &[Stage]) -> usize {
    stages.iter().position(Stage::is_payment).unwrap_or(0)
}

/// Formats fen as yuan with two decimals, e.g. 4000 → "40.00".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Province;

    fn preset(code: &str) -> Vec<Stage> {
        Province::from_code(code).unwrap().stages()
    }

    #[test]
    fn a_stage_falls_to_the_kinds_its_rule_can_resolve_to() {
        let yn = OrgKind::ProvincialOffice;
        let second = ReviewerRule::PrefectureOrUniversity;
        assert!(second.may_fall_to(yn, OrgKind::PrefectureAgency));
        assert!(second.may_fall_to(yn, OrgKind::ChiefUniversity));
        assert!(!second.may_fall_to(yn, OrgKind::ConfirmationPoint));
        assert!(ReviewerRule::Office.may_fall_to(yn, yn));
        assert!(!ReviewerRule::Office.may_fall_to(yn, OrgKind::MunicipalOffice));
        assert!(ReviewerRule::School.may_fall_to(yn, OrgKind::ContinuingEdSchool));
    }

    #[test]
    fn chongqing_pipeline_is_initial_review_fee_then_office() {
        let p = preset("chongqing");
        let names: Vec<&str> = p.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["主考学校初审", "缴纳毕业审定费", "市自考办审核"]);
        assert_eq!(success_stage(&p), 1);
    }

    #[test]
    fn yunnan_credit_recognition_students_are_reviewed_by_their_university_first() {
        let p = preset("yunnan");
        let StageKind::Review(rule) = p[0].kind.clone() else {
            panic!("first Yunnan stage must be a review");
        };
        assert_eq!(
            rule.target(OrgKind::ProvincialOffice, CandidateType::CreditRecognition),
            ReviewerTarget::ChiefUniversity
        );
        assert_eq!(
            rule.target(OrgKind::ProvincialOffice, CandidateType::SelfStudy),
            ReviewerTarget::Ancestor(OrgKind::ConfirmationPoint)
        );
        assert_eq!(success_stage(&p), 0);
    }

    #[test]
    fn fen_print_as_yuan() {
        assert_eq!(yuan(4000), "40.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-1234), "-12.34");
    }
}

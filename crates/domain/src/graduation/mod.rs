//! Graduation (毕业申请): the eligibility audit.
//!
//! [`audit::audit`] explains one candidate's standing on every condition of
//! the graduation notice; [`compiled::CompiledPlan::check`] gives the same
//! verdict for millions of candidates without explanations; [`mod@bench`] builds
//! a synthetic province to measure the latter.

pub mod audit;
pub mod bench;
pub mod certificate_no;
pub mod compiled;
pub mod deadline_reminder;
pub mod form;
pub mod materials;

pub use audit::{
    Audit, Condition, ConditionKey, EXEMPTION_FORM_PENDING, ExemptionFact, Facts,
    OFFLINE_FORM_MISSING, Plan, PlanCourse, PriorEducation, ScoreFact, audit,
    moral_met_in_application, moral_state, only_exemption_forms_missing, what_if_scores,
};
pub use compiled::{
    CompactExemption, CompactScore, CompactStanding, CompiledPlan, NOT_IN_PLAN, Verdict,
};

#[cfg(test)]
mod tests;

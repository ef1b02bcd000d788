//! Review (审核): pipelines of stages as data, the state machine of an
//! application moving through them, and the catalogue of rejection reasons.

pub mod deadline;
pub mod events;
pub mod pipeline;
pub mod reasons;
pub mod state;

pub use events::EventAction;
pub use pipeline::{ReviewerRule, ReviewerTarget, Stage, StageKind, success_stage, yuan};
pub use reasons::{CommonReason, REASON_TEXT_MAX, compose_reason};
pub use state::{Action, Refusal, State, Status, Window, transition};

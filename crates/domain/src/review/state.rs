//! The state machine of an application passing a pipeline: which action is
//! allowed in which state, and what the refusal says when it is not.
//!
//! Pure: the window and the time are parameters, and the store applies the
//! resulting state with a conditional write so two reviewers acting at once
//! leave one result.

use chrono::{DateTime, Utc};

use super::pipeline::{Stage, StageKind, success_stage};

coded_enum! {
    /// Where an application stands.
    pub enum Status("申请状态") {
        /// Being filled in; every section can be edited.
        Draft => ("draft", "填写中"),
        /// Waiting for the review stage [`State::stage`].
        InReview => ("in_review", "审核中"),
        /// Waiting for the candidate to pay at stage [`State::stage`].
        AwaitingPayment => ("awaiting_payment", "待交费"),
        /// Rejected at stage [`State::stage`]; open for editing and resubmission.
        Rejected => ("rejected", "已驳回"),
        /// Every stage passed.
        Approved => ("approved", "审核通过"),
        /// Not succeeded by the batch deadline: 本次不予办理.
        Closed => ("closed", "本次不予办理"),
    }
}

/// An application's position: its status and, while in the pipeline or after a
/// rejection, the stage concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    /// The status.
    pub status: Status,
    /// Index into the batch's stages; `None` while a draft, approved or closed.
    pub stage: Option<usize>,
}

impl State {
    /// A fresh application.
    pub const DRAFT: State = State {
        status: Status::Draft,
        stage: None,
    };

    /// Whether the candidate may change the application's data.
    pub fn editable(&self) -> bool {
        matches!(self.status, Status::Draft | Status::Rejected)
    }
}

/// A batch's application window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First instant applications are accepted.
    pub opens_at: DateTime<Utc>,
    /// First instant they are no longer accepted.
    pub closes_at: DateTime<Utc>,
}

impl Window {
    /// Whether `now` lies in the window.
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

/// Something someone wants to do to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The candidate changes a section.
    Edit,
    /// The candidate submits (提交初审) with the sections still missing, if any.
    Submit {
        /// One line per required section not yet filled; empty when complete.
        missing: Vec<String>,
    },
    /// The reviewer of stage `stage` approves.
    Approve {
        /// The stage the reviewer acted on (what their page showed).
        stage: usize,
    },
    /// The reviewer of stage `stage` rejects with a reason.
    Reject {
        /// The stage the reviewer acted on.
        stage: usize,
        /// Why; shown to the candidate.
        reason: String,
    },
    /// The candidate starts paying.
    StartPayment,
    /// The payment of stage `stage` settled.
    PaymentSettled {
        /// The payment stage the order was for.
        stage: usize,
    },
    /// The batch deadline passed.
    Close,
}

/// Why an action is not allowed now, in words for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(msg.into()))
}

/// Why data cannot change in a state that is not editable.
fn locked_message(state: State) -> String {
    match state.status {
        Status::InReview | Status::AwaitingPayment => {
            "申请已提交审核，资料不能修改；如被驳回，可按驳回原因修改后重新提交".to_string()
        }
        Status::Approved => "申请已审核通过，资料不能再修改".to_string(),
        Status::Closed => {
            "本次毕业申请已不予办理，资料不能再修改，请在下次批次重新申请".to_string()
        }
        Status::Draft | Status::Rejected => String::new(),
    }
}

/// The state after the stage at `index` is done: the next stage, a payment to
/// make, or approval when none is left.
fn after(stages: &[Stage], index: usize) -> State {
    match stages.get(index + 1) {
        None => State {
            status: Status::Approved,
            stage: None,
        },
        Some(next) => State {
            status: if next.is_payment() {
                Status::AwaitingPayment
            } else {
                Status::InReview
            },
            stage: Some(index + 1),
        },
    }
}

/// Applies `action` to an application in `state` on a batch with `stages` and
/// `window` at `now`; the next state, or why not.
pub fn transition(
    stages: &[Stage],
    window: Window,
    state: State,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<State, Refusal> {
    let stage_name = |i: usize| stages.get(i).map(|s| s.name.as_str()).unwrap_or("该环节");
    match action {
        Action::Edit => {
            if !state.editable() {
                return refuse(locked_message(state));
            }
            if !window.contains(now) {
                return refuse(outside_window(window, now));
            }
            Ok(state)
        }
        Action::Submit { missing } => {
            if !state.editable() {
                return refuse(locked_message(state));
            }
            if !window.contains(now) {
                return refuse(outside_window(window, now));
            }
            if !missing.is_empty() {
                return refuse(format!("还有以下内容未完成：{}", missing.join("；")));
            }
            if stages.is_empty() {
                return refuse("该批次未配置审核流程，请联系考试机构");
            }
            Ok(if stages[0].is_payment() {
                State {
                    status: Status::AwaitingPayment,
                    stage: Some(0),
                }
            } else {
                State {
                    status: Status::InReview,
                    stage: Some(0),
                }
            })
        }
        Action::Approve { stage } | Action::Reject { stage, .. } => {
            let Some(s) = stages.get(*stage) else {
                return refuse("审核环节不存在");
            };
            if !matches!(s.kind, StageKind::Review(_)) {
                return refuse(format!("“{}”不是审核环节", s.name));
            }
            if state.status != Status::InReview || state.stage != Some(*stage) {
                return refuse(match (state.status, state.stage) {
                    (Status::InReview | Status::AwaitingPayment, Some(cur)) if cur < *stage => {
                        format!(
                            "该申请尚在“{}”环节，“{}”不能提前审核",
                            stage_name(cur),
                            s.name
                        )
                    }
                    (Status::Draft, _) | (Status::Rejected, _) => {
                        "该申请未提交或已被驳回，等待考生提交后才能审核".to_string()
                    }
                    (Status::Closed, _) => "该申请已本次不予办理，不能再审核".to_string(),
                    _ => format!("“{}”环节已处理过该申请，不能重复审核", s.name),
                });
            }
            if let Action::Reject { reason, .. } = action {
                if reason.trim().is_empty() {
                    return refuse("驳回时必须填写驳回原因");
                }
                return Ok(State {
                    status: Status::Rejected,
                    stage: Some(*stage),
                });
            }
            Ok(after(stages, *stage))
        }
        Action::StartPayment => match state.status {
            Status::AwaitingPayment => {
                if !window.contains(now) {
                    return refuse(outside_window(window, now));
                }
                Ok(state)
            }
            Status::Draft | Status::Rejected => refuse("初审通过后才能交费"),
            Status::InReview => match (state.stage, stages.iter().position(Stage::is_payment)) {
                (Some(cur), Some(pay)) if cur < pay => refuse("初审通过后才能交费"),
                _ => refuse("已交费，无需重复交费"),
            },
            Status::Approved => refuse("已交费，无需重复交费"),
            Status::Closed => refuse("本次毕业申请已不予办理，不能交费"),
        },
        Action::PaymentSettled { stage } => {
            if state.status == Status::AwaitingPayment && state.stage == Some(*stage) {
                Ok(after(stages, *stage))
            } else {
                refuse("该订单对应的交费环节已处理，不重复入账")
            }
        }
        Action::Close => {
            let success = success_stage(stages);
            let open = match state.status {
                Status::Draft | Status::Rejected => true,
                Status::InReview | Status::AwaitingPayment => {
                    state.stage.is_none_or(|cur| cur <= success)
                }
                Status::Approved | Status::Closed => false,
            };
            if !open {
                return refuse("申请已成功或已关闭，不能再关闭");
            }
            if now < window.closes_at {
                return refuse("批次尚未截止，不能关闭申请");
            }
            Ok(State {
                status: Status::Closed,
                stage: None,
            })
        }
    }
}

fn outside_window(window: Window, now: DateTime<Utc>) -> String {
    let fmt = |t: DateTime<Utc>| crate::calendar::beijing_minute(t);
    if now < window.opens_at {
        format!(
            "本批次申请时间为 {} 至 {}（北京时间），尚未开始",
            fmt(window.opens_at),
            fmt(window.closes_at)
        )
    } else {
        format!(
            "本批次申请时间为 {} 至 {}（北京时间），已经截止",
            fmt(window.opens_at),
            fmt(window.closes_at)
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Province;
    use chrono::TimeZone;

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 2, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn window() -> Window {
        Window {
            opens_at: t(1),
            closes_at: t(20),
        }
    }

    fn cq() -> Vec<Stage> {
        Province::from_code("chongqing").unwrap().stages()
    }

    fn run(state: State, action: Action) -> Result<State, Refusal> {
        transition(&cq(), window(), state, &action, t(10))
    }

    fn submitted() -> State {
        run(State::DRAFT, Action::Submit { missing: vec![] }).unwrap_or(State::DRAFT)
    }

    #[test]
    fn chongqing_happy_path_reaches_approval() {
        let s = submitted();
        assert_eq!(
            s,
            State {
                status: Status::InReview,
                stage: Some(0)
            }
        );
        let s = run(s, Action::Approve { stage: 0 });
        assert_eq!(
            s,
            Ok(State {
                status: Status::AwaitingPayment,
                stage: Some(1)
            })
        );
        let s = run(s.unwrap_or(State::DRAFT), Action::StartPayment);
        assert!(s.is_ok());
        let s = run(
            s.unwrap_or(State::DRAFT),
            Action::PaymentSettled { stage: 1 },
        );
        assert_eq!(
            s,
            Ok(State {
                status: Status::InReview,
                stage: Some(2)
            })
        );
        let s = run(s.unwrap_or(State::DRAFT), Action::Approve { stage: 2 });
        assert_eq!(
            s,
            Ok(State {
                status: Status::Approved,
                stage: None
            })
        );
    }

    #[test]
    fn submitted_application_cannot_be_edited() {
        let err = run(submitted(), Action::Edit);
        assert!(err.is_err_and(|r| r.0.contains("不能修改")));
    }

    #[test]
    fn incomplete_application_cannot_be_submitted_and_says_what_is_missing() {
        let err = run(
            State::DRAFT,
            Action::Submit {
                missing: vec!["身份证正面（人像面）".into(), "自我鉴定".into()],
            },
        );
        assert_eq!(
            err,
            Err(Refusal(
                "还有以下内容未完成：身份证正面（人像面）；自我鉴定".into()
            ))
        );
    }

    #[test]
    fn office_cannot_approve_before_initial_review() {
        let err = run(submitted(), Action::Approve { stage: 2 });
        assert!(err.is_err_and(|r| r.0.contains("尚在“主考学校初审”环节")));
    }

    #[test]
    fn approving_twice_is_refused() {
        let s = run(submitted(), Action::Approve { stage: 0 }).unwrap_or(State::DRAFT);
        assert!(run(s, Action::Approve { stage: 0 }).is_err_and(|r| r.0.contains("不能重复审核")));
    }

    #[test]
    fn payment_stage_cannot_be_approved_by_a_reviewer() {
        let s = run(submitted(), Action::Approve { stage: 0 }).unwrap_or(State::DRAFT);
        assert!(run(s, Action::Approve { stage: 1 }).is_err_and(|r| r.0.contains("不是审核环节")));
    }

    #[test]
    fn paying_before_initial_approval_is_refused() {
        assert_eq!(
            run(submitted(), Action::StartPayment),
            Err(Refusal("初审通过后才能交费".into()))
        );
        assert_eq!(
            run(State::DRAFT, Action::StartPayment),
            Err(Refusal("初审通过后才能交费".into()))
        );
    }

    #[test]
    fn paying_twice_is_refused() {
        let s = run(submitted(), Action::Approve { stage: 0 }).unwrap_or(State::DRAFT);
        let s = run(s, Action::PaymentSettled { stage: 1 }).unwrap_or(State::DRAFT);
        assert_eq!(
            run(s, Action::StartPayment),
            Err(Refusal("已交费，无需重复交费".into()))
        );
        assert!(run(s, Action::PaymentSettled { stage: 1 }).is_err());
    }

    #[test]
    fn rejection_needs_a_reason_and_reopens_for_editing() {
        assert!(
            run(
                submitted(),
                Action::Reject {
                    stage: 0,
                    reason: " ".into()
                }
            )
            .is_err()
        );
        let s = run(
            submitted(),
            Action::Reject {
                stage: 0,
                reason: "身份证照片不清晰".into(),
            },
        );
        let s = s.unwrap_or(State::DRAFT);
        assert_eq!(
            s,
            State {
                status: Status::Rejected,
                stage: Some(0)
            }
        );
        assert!(s.editable());
        assert_eq!(run(s, Action::Edit), Ok(s));
        let again = run(s, Action::Submit { missing: vec![] });
        assert_eq!(
            again,
            Ok(State {
                status: Status::InReview,
                stage: Some(0)
            })
        );
    }

    #[test]
    fn nothing_is_submitted_outside_the_window() {
        for when in [t(0), t(20), t(25)] {
            let r = transition(
                &cq(),
                window(),
                State::DRAFT,
                &Action::Submit { missing: vec![] },
                when,
            );
            assert!(r.is_err_and(|r| r.0.contains("本批次申请时间为")), "{when}");
        }
        let edit = transition(&cq(), window(), State::DRAFT, &Action::Edit, t(21));
        assert!(edit.is_err_and(|r| r.0.contains("已经截止")));
    }

    #[test]
    fn deadline_closes_only_applications_not_yet_succeeded() {
        let at = t(21);
        let close = |s: State| transition(&cq(), window(), s, &Action::Close, at);
        let closed = State {
            status: Status::Closed,
            stage: None,
        };
        assert_eq!(close(State::DRAFT), Ok(closed));
        assert_eq!(close(submitted()), Ok(closed));
        let awaiting = State {
            status: Status::AwaitingPayment,
            stage: Some(1),
        };
        assert_eq!(close(awaiting), Ok(closed));
        let paid = State {
            status: Status::InReview,
            stage: Some(2),
        };
        assert!(close(paid).is_err());
        assert!(
            close(State {
                status: Status::Approved,
                stage: None
            })
            .is_err()
        );
        assert!(transition(&cq(), window(), State::DRAFT, &Action::Close, t(10)).is_err());
    }

    #[test]
    fn closed_application_refuses_everything_but_says_why() {
        let closed = State {
            status: Status::Closed,
            stage: None,
        };
        assert!(run(closed, Action::Edit).is_err_and(|r| r.0.contains("不予办理")));
        assert!(run(closed, Action::Approve { stage: 0 }).is_err_and(|r| r.0.contains("不予办理")));
        assert!(run(closed, Action::StartPayment).is_err_and(|r| r.0.contains("不予办理")));
    }
}

//! 毕业审核: the staff of each review stage work through their organisation's queue of
//! graduation applications, look at everything a candidate submitted beside the registry data,
//! and approve or reject — one application at a time or several at once.
//!
//! Every decision goes through [`application::decide`], whose conditional update makes two
//! reviewers acting at once leave one result; the stage a page showed is posted back, so a stale
//! page is refused instead of acting on a later stage.

mod detail;
mod queue;

pub(crate) use detail::event_action;
pub use detail::{decide, detail, file};
pub use queue::{QueueLine, QueuePage, QueueQuery, bulk, load_queue, queue};

use domain::review::{CommonReason, Stage, Status, compose_reason};
use domain::{OrgKind, Province};
use serde::Deserialize;
use store::entity::{graduation_application as app, organisation};
use store::graduation::application::{self, Decision};
use store::repo::RepoError;

use super::Layout;
use super::staff::who;
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;

/// Applications per queue page.
pub const PER_PAGE: u64 = 20;

/// Most applications one bulk decision may cover: a few pages' worth, so one request stays short.
pub const BULK_MAX: usize = 100;

/// What an application outside the organisation's remit looks like: the same as a missing one,
/// so ids cannot be probed.
pub const NOT_FOUND_MESSAGE: &str = "未找到该毕业申请，或该申请不由本机构审核。";

/// The staff frame with 毕业审核 marked as the current menu entry.
fn layout(me: &CurrentStaff, title: &str) -> Layout {
    Layout::staff(title, who(me), &me.ctx, "/staff/reviews", me.is_admin())
}

/// A status code in words; an unknown code is shown as it is rather than hidden.
fn status_label(code: &str) -> String {
    Status::from_code(code)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// Whether the organisation reviews at some stage of its province's pipeline, and if not, why
/// its staff see no queue.
pub fn review_remit(org: &organisation::Model) -> Result<(), String> {
    let kind = OrgKind::from_code(&org.kind);
    let province = org.province.as_deref().and_then(Province::from_code);
    let label = kind.map(|k| k.label()).unwrap_or("本机构");
    match (kind, province) {
        (Some(k), Some(p)) if application::reviewing_kinds(p).contains(&k) => Ok(()),
        (_, Some(p)) => {
            let stages: Vec<String> = p.stages().into_iter().map(|s| s.name).collect();
            Err(format!(
                "本机构（{label}）不承担毕业申请的审核。{}的毕业申请依次经过：{}。",
                p.label(),
                stages.join(" → ")
            ))
        }
        _ => Err(format!(
            "本机构（{label}）不承担自学考试毕业申请的审核，毕业申请由主考学校和各省考试机构审核。"
        )),
    }
}

/// An option of a select.
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Shown text.
    pub label: String,
    /// Currently chosen.
    pub selected: bool,
}

/// The catalogue as select options, with `chosen` selected.
fn reason_choices(chosen: &str) -> Vec<Choice> {
    CommonReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().to_owned(),
            label: r.label().to_owned(),
            selected: r.code() == chosen,
        })
        .collect()
}

/// A decision as a reviewer filled it in, kept to show again when it was refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionInput {
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: String,
    /// Code of a [`CommonReason`], or empty.
    #[serde(default)]
    pub reason_code: String,
    /// 补充说明.
    #[serde(default)]
    pub reason_text: String,
}

impl DecisionInput {
    /// The decision it asks for: 通过, or 驳回 with the reason composed from the catalogue and
    /// the free text.
    pub fn decision(&self) -> Result<Decision, String> {
        match self.decision.trim() {
            "approve" => Ok(Decision::Approve),
            "reject" => compose_reason(&self.reason_code, &self.reason_text)
                .map(Decision::Reject)
                .map_err(|e| e.0),
            _ => Err("请选择“通过”或“驳回”".to_owned()),
        }
    }
}

/// Runs one decision for the signed-in staff member's organisation; refusals come back in words
/// saying that nothing was changed.
/// `seal_confirmed` records, before approving, that the reviewer checked the practical notice's
/// seal (seed 003); approving an application with a notice is refused until someone did.
pub async fn decide_one(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    stage: usize,
    decision: Decision,
    seal_confirmed: bool,
) -> Result<app::Model, AppError> {
    if seal_confirmed && decision == Decision::Approve {
        let a = visible_application(state, me, id).await?;
        if a.current_org_id == Some(me.org.id) {
            store::graduation::materials::confirm_seal(&state.db, &a, me.org.id, state.now())
                .await?;
        }
    }
    let outcome = application::decide(
        &state.db,
        &me.org,
        me.staff.id,
        id,
        stage,
        decision,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await;
    match outcome {
        Ok(a) => {
            if a.status == domain::review::Status::Approved.code() {
                crate::views::archive::build_after_approval(state, &a).await;
            }
            Ok(a)
        }
        Err(RepoError::NotFound) => {
            tracing::warn!(
                staff = me.staff.id,
                org = me.org.id,
                application = id,
                "request denied: graduation application outside the organisation's remit or missing"
            );
            Err(AppError::NotFound(NOT_FOUND_MESSAGE.to_owned()))
        }
        Err(RepoError::Conflict(m)) => Err(AppError::Conflict(format!(
            "未能完成审核：{m}。本次操作未做任何更改。"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Loads an application only if the organisation may see it; anything else is the same 404.
async fn visible_application(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<app::Model, AppError> {
    let found = match application::get(&state.db, id).await {
        Ok(a) => Some(a),
        Err(RepoError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    match found {
        Some(a) if application::visible_to(&state.db, &me.org, &a).await? => Ok(a),
        _ => {
            tracing::warn!(
                staff = me.staff.id,
                org = me.org.id,
                application = id,
                "request denied: graduation application outside the organisation's remit or missing"
            );
            Err(AppError::NotFound(NOT_FOUND_MESSAGE.to_owned()))
        }
    }
}

/// 当前环节 as shown: the stage name with the status, or the status when no stage applies.
fn current_stage(a: &app::Model, stages: &[Stage]) -> String {
    let status = status_label(&a.status);
    match a
        .stage
        .and_then(|s| usize::try_from(s).ok())
        .and_then(|i| stages.get(i))
    {
        Some(s) => format!("{}（{status}）", s.name),
        None => status,
    }
}

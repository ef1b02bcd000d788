//! 毕业审核: the staff of each review stage work through their organisation's queue of
//! graduation applications, look at everything a candidate submitted beside the registry data,
//! and approve or reject — one application at a time or several at once.
//!
//! Every decision goes through [`application::decide`], whose conditional update makes two
//! reviewers acting at once leave one result; the stage a page showed is posted back, so a stale
//! page is refused instead of acting on a later stage. The confirmation point's review of prior
//! education (前置学历人工审核) is here too (`prior`).

mod detail;
pub mod prior;
mod queue;

pub use detail::{decide, detail, file};
pub use queue::{bulk, queue};

pub(crate) use crate::services::review::{
    DecisionInput, current_stage, decide_one, status_label, visible_application,
};

use axum::Router;
use axum::routing::{get, post};
use domain::review::CommonReason;
use domain::{OrgKind, Province};
use store::entity::organisation;
use store::graduation::application::{self};

use crate::AppState;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::views::accounts::staff::who;

/// The staff frame with 毕业审核 marked as the current menu entry.
fn layout(me: &CurrentStaff, title: &str) -> Layout {
    Layout::staff(title, who(me), &me.ctx, "/staff/reviews", &me.roles)
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

/// The routes of this area, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new()
        // 毕业审核, reviewer side (its JSON counterparts are in `api::router`).
        .route("/staff/prior-reviews", get(prior::page))
        .route("/staff/prior-reviews/export.xlsx", get(prior::export))
        .route(
            "/staff/prior-reviews/{id}/stamped",
            post(prior::upload_stamped),
        )
        .route(
            "/staff/prior-reviews/{id}/originals-checked",
            post(prior::originals_checked),
        )
        .route("/staff/prior-reviews/{id}/decide", post(prior::decide))
        .route("/staff/reviews", get(queue))
        .route("/staff/reviews/export.xlsx", get(queue::export))
        .route("/staff/reviews/bulk", post(bulk))
        .route("/staff/reviews/{id}", get(detail))
        .route("/staff/reviews/{id}/decide", post(decide))
        .route("/staff/reviews/{id}/files/{file_id}", get(file))
}

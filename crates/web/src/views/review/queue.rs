//! The queue of one organisation (待审核 / 已审核) with filters, counts and paging, and bulk
//! decisions on the applications ticked in it.

use askama::Template;
use axum::extract::{Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use domain::OrgKind;
use domain::review::{REASON_TEXT_MAX, Status};
use serde::Deserialize;
use store::graduation::application::{self, Decision, QueueFilter};
use store::keyset::PageAt;
use store::repo::{RepoError, candidate as candidates};

use super::{Choice, DecisionInput, layout, reason_choices, review_remit};
use crate::AppState;
use crate::error::AppError;
use crate::services::review::{QueuePage, QueueQuery, load_queue};
use crate::session::CurrentStaff;
use crate::views::Layout;

/// The status counts shown above the queue.
pub struct CountsView {
    /// The batch counted.
    pub batch: String,
    /// (status label, number) in the state machine's order.
    pub by_status: Vec<(&'static str, i64)>,
    /// Waiting for this organisation in that batch.
    pub pending_here: u64,
    /// Decided by this organisation in that batch.
    pub decided_here: u64,
}

/// Outcome of a bulk decision.
pub struct BulkReport {
    /// 通过 or 驳回.
    pub verb: &'static str,
    /// How many were decided.
    pub succeeded: usize,
    /// (which application, why not) for the others.
    pub failures: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff/review_queue.html")]
struct QueueView {
    layout: Layout,
    remit: Option<String>,
    batches: Vec<Choice>,
    majors: Vec<Choice>,
    decided: bool,
    q: QueueQuery,
    counts: Option<CountsView>,
    list: QueuePage,
    /// Some listed application can be decided now, so the bulk form is offered.
    bulk_possible: bool,
    prev: Option<String>,
    next: Option<String>,
    reasons: Vec<Choice>,
    input: DecisionInput,
    reason_max: usize,
    per_page: u64,
    done: Option<&'static str>,
    error: Option<String>,
    bulk: Option<BulkReport>,
}

async fn render_queue(
    state: &AppState,
    me: &CurrentStaff,
    q: QueueQuery,
    extra: QueueExtras,
) -> Result<String, AppError> {
    let remit = review_remit(&me.org).err();
    let province = me.org.province.clone().unwrap_or_default();
    let seen = me.ctx.seen;
    let db = me.ctx.reader(state);
    let batch_rows = state.refs.batches_of_province(&db, seen, &province).await?;
    let chosen_batch = q.batch_id();
    let batches = batch_rows
        .iter()
        .map(|b| Choice {
            value: b.id.to_string(),
            label: b.name.clone(),
            selected: Some(b.id) == chosen_batch,
        })
        .collect();
    let is_university = me.org.kind == OrgKind::ChiefUniversity.code();
    let chosen_major = q.major_id();
    let majors = state
        .refs
        .majors_of_province(&db, seen, &province)
        .await?
        .iter()
        .filter(|m| !is_university || m.major.chief_university_id == me.org.id)
        .map(|m| Choice {
            value: m.major.id.to_string(),
            label: format!("{} {}", m.major.code, m.major.name),
            selected: Some(m.major.id) == chosen_major,
        })
        .collect();
    // Counts are for the batch chosen, or the newest when all are listed.
    let counted = chosen_batch
        .and_then(|id| batch_rows.iter().find(|b| b.id == id))
        .or(batch_rows.first());
    let counts = match counted {
        Some(b) if remit.is_none() => {
            let tallies = application::batch_counts(&db, b.id, Some(me.org.id)).await?;
            let rows = &tallies.by_status;
            let by_status = Status::ALL
                .iter()
                .map(|s| {
                    let n = rows
                        .iter()
                        .find(|(code, _)| code == s.code())
                        .map_or(0, |(_, n)| *n);
                    (s.label(), n)
                })
                .collect();
            let decided = QueueFilter {
                batch_id: Some(b.id),
                decided: true,
                ..Default::default()
            };
            let pending_here = tallies.pending_at_org;
            let decided_here = application::queue_count(&db, &me.org, &decided).await?;
            Some(CountsView {
                batch: b.name.clone(),
                by_status,
                pending_here,
                decided_here,
            })
        }
        _ => None,
    };
    let list = if remit.is_none() {
        load_queue(state, &db, seen, &me.org, &q).await?
    } else {
        QueuePage {
            lines: Vec::new(),
            total: 0,
            prev: None,
            next: None,
        }
    };
    let prev = list.prev.map(|c| q.link(PageAt::Before(c)));
    let next = list.next.map(|c| q.link(PageAt::After(c)));
    let bulk_possible = list.lines.iter().any(|l| l.actionable);
    Ok(QueueView {
        layout: layout(me, "毕业审核"),
        bulk_possible,
        remit,
        batches,
        majors,
        decided: q.decided(),
        counts,
        list,
        prev,
        next,
        reasons: reason_choices(&extra.input.reason_code),
        input: extra.input,
        reason_max: REASON_TEXT_MAX,
        per_page: crate::services::review::PER_PAGE,
        done: extra.done,
        error: extra.error,
        bulk: extra.bulk,
        q,
    }
    .render()?)
}

/// What a queue page shows besides the queue itself.
#[derive(Default)]
struct QueueExtras {
    input: DecisionInput,
    done: Option<&'static str>,
    error: Option<String>,
    bulk: Option<BulkReport>,
}

/// The queue's query: filters plus the flag set after a decision.
#[derive(Debug, Default, Deserialize)]
pub struct QueuePageQuery {
    #[serde(flatten)]
    filters: QueueQuery,
    #[serde(default)]
    done: Option<String>,
}

/// GET /staff/reviews (毕业审核): the organisation's queue with filters, counts and paging.
pub async fn queue(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueuePageQuery>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let done = match q.done.as_deref() {
        Some("approved") => Some("已通过该毕业申请。"),
        Some("rejected") => Some("已驳回该毕业申请，考生将在收件箱和审核进度中看到驳回原因。"),
        _ => None,
    };
    let extras = QueueExtras {
        done,
        ..Default::default()
    };
    Ok(Html(render_queue(&state, &me, q.filters, extras).await?))
}

/// GET /staff/reviews/export.xlsx (导出): the queue under the same filters, every page of it.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    me.require_read()?;
    if let Err(why) = review_remit(&me.org) {
        return Err(AppError::Forbidden(why));
    }
    let x = crate::services::review::queue_workbook(&state, &me.org, &q).await?;
    let name = format!(
        "毕业审核{}-{}.xlsx",
        if q.decided() {
            "（已审核）"
        } else {
            "（待审核）"
        },
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

/// The bulk form: the ticked applications (`pick` = "id:stage"), one decision and reason for all
/// of them, and the filters to show the queue with again.
#[derive(Debug, Default, Deserialize)]
struct BulkForm {
    #[serde(default)]
    pick: Vec<String>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason_code: String,
    #[serde(default)]
    reason_text: String,
    #[serde(default)]
    batch: String,
    #[serde(default)]
    major: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

fn parse_pick(s: &str) -> Option<(i64, usize)> {
    let (id, stage) = s.trim().split_once(':')?;
    Some((id.parse().ok()?, stage.parse().ok()?))
}

/// POST /staff/reviews/bulk: approves or rejects every ticked application with one reason, each
/// decided on its own, so one already decided by someone else does not stop the others. The
/// queue comes back with how many succeeded and why each other one did not.
pub async fn bulk(
    State(state): State<AppState>,
    me: CurrentStaff,
    RawForm(raw): RawForm,
) -> Result<Response, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    // Repeated `pick` keys: parsed with the form codec that supports them.
    let form: BulkForm = serde_html_form::from_bytes(&raw)
        .map_err(|_| AppError::Invalid(vec![(String::new(), "表单内容无效".to_owned())]))?;
    let q = QueueQuery {
        batch: form.batch.clone(),
        major: form.major.clone(),
        status: form.status.clone(),
        q: form.q.clone(),
        sort: form.sort.clone(),
        due: form.due.clone(),
        after: form.after.clone(),
        before: form.before.clone(),
    };
    let input = DecisionInput {
        decision: form.decision.clone(),
        reason_code: form.reason_code.clone(),
        reason_text: form.reason_text.clone(),
    };
    let refuse = |message: String, input: DecisionInput| QueueExtras {
        input,
        error: Some(message),
        ..Default::default()
    };
    if let Err(m) = review_remit(&me.org) {
        return Err(AppError::Forbidden(m));
    }
    let decision = match input.decision() {
        Ok(d) => d,
        Err(m) => {
            let html = render_queue(&state, &me, q, refuse(m, input)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let mut stale = Vec::new();
    let picks: Vec<(i64, usize)> = form
        .pick
        .iter()
        .filter_map(|p| {
            let parsed = parse_pick(p);
            if parsed.is_none() {
                stale.push(p.clone());
            }
            parsed
        })
        .collect();
    let outcome = if picks.is_empty() && !stale.is_empty() {
        crate::services::review::BulkOutcome::default()
    } else {
        match crate::services::review::decide_many(&state, &me, &picks, &decision).await {
            Ok(o) => o,
            Err(e) => {
                let Some(m) = e.refusal() else {
                    return Err(e);
                };
                let html = render_queue(&state, &me, q, refuse(m, input)).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
            }
        }
    };
    let verb = match decision {
        Decision::Approve => "通过",
        Decision::Reject(_) => "驳回",
    };
    let mut report = BulkReport {
        verb,
        succeeded: outcome.succeeded,
        failures: stale
            .into_iter()
            .map(|p| (p, "页面已失效，请刷新后重新勾选".to_owned()))
            .collect(),
    };
    for (id, why) in outcome.failures {
        // Names are shown only for applications this organisation may see.
        let label = match application::get(&state.db, id).await {
            Ok(a) if application::visible_to(&state.db, &me.org, &a).await? => {
                let c = candidates::get(&state.db, a.candidate_id).await?;
                format!("{} {}", c.admission_no, c.name)
            }
            Ok(_) | Err(RepoError::NotFound) => format!("申请 {id}"),
            Err(e) => return Err(e.into()),
        };
        report.failures.push((label, why));
    }
    let extras = QueueExtras {
        input: DecisionInput::default(),
        bulk: Some(report),
        ..Default::default()
    };
    Ok(Html(render_queue(&state, &me, q, extras).await?).into_response())
}

//! 毕业审核 as one operation for pages and the API: an organisation's queue with its filters and
//! paging, and one decision on one application (visibility, the seal confirmation, the decision
//! through the state machine; a final approval queues the archive for the `build_archives` job).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::calendar::WorkingCalendar;
use domain::review::deadline::{self, Standing};
use domain::review::{Stage, Status, compose_reason};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use store::entity::{graduation_application as app, organisation};
use store::graduation::application::{self, Decision, DueRange, QueueFilter};
use store::keyset::{Cursor, PageAt};
use store::repo::RepoError;

use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::{AppState, util};

/// Applications per queue page.
pub const PER_PAGE: u64 = 20;

/// What an application outside the organisation's remit looks like: the same as a missing one,
/// so ids cannot be probed.
pub const NOT_FOUND_MESSAGE: &str = "未找到该毕业申请，或该申请不由本机构审核。";

/// A status code in words; an unknown code is shown as it is rather than hidden.
pub(crate) fn status_label(code: &str) -> String {
    Status::from_code(code)
        .map(|s| s.label().to_owned())
        .unwrap_or_else(|| code.to_owned())
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

/// Most applications one bulk decision may cover: a few pages' worth, so one request stays short.
pub const BULK_MAX: usize = 100;

/// What a bulk decision did: how many were decided, and why each of the others was not.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    /// Applications decided.
    pub succeeded: usize,
    /// (application id, why not) for each one left as it was.
    pub failures: Vec<(i64, String)>,
}

/// One decision for several applications, each at the stage the reviewer saw, each on its own:
/// one refused (decided by someone else meanwhile, not this organisation's, missing) leaves the
/// others decided. Refused as a whole when nothing or more than [`BULK_MAX`] is picked.
pub async fn decide_many(
    state: &AppState,
    me: &CurrentStaff,
    picks: &[(i64, usize)],
    decision: &Decision,
) -> Result<BulkOutcome, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    if picks.is_empty() {
        return Err(AppError::refused("items", "请先勾选要批量审核的申请"));
    }
    if picks.len() > BULK_MAX {
        return Err(AppError::refused(
            "items",
            format!(
                "一次最多批量审核 {BULK_MAX} 份申请，本次勾选了 {} 份",
                picks.len()
            ),
        ));
    }
    let mut out = BulkOutcome::default();
    for &(id, stage) in picks {
        match decide_one(state, me, id, stage, decision.clone(), false).await {
            Ok(_) => out.succeeded += 1,
            Err(e @ AppError::NotFound(_)) => out.failures.push((id, e.to_string())),
            Err(e) => match e.refusal() {
                Some(why) => out.failures.push((id, why)),
                None => return Err(e),
            },
        }
    }
    Ok(out)
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
    // The decision is taken only at `stage` (the store refuses any other), so the role checked
    // against its name is the one that decides.
    let a = visible_application(state, me, id).await?;
    let pipeline = application::stages(&state.db, a.batch_id).await?;
    let on_behalf_of = match pipeline.get(stage) {
        Some(s) => me.acting_for(&s.name)?,
        None => None,
    };
    if seal_confirmed && decision == Decision::Approve && a.current_org_id == Some(me.org.id) {
        store::graduation::materials::confirm_seal(&state.db, &a, me.org.id, state.now()).await?;
    }
    let outcome = application::decide_for(
        &state.db,
        &me.org,
        me.staff.id,
        on_behalf_of,
        id,
        stage,
        decision,
        state.now(),
        Some(&me.ctx.ip),
    )
    .await;
    match outcome {
        // A final approval queued its archive; the `build_archives` job renders it.
        Ok(a) => Ok(a),
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
pub(crate) async fn visible_application(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
) -> Result<app::Model, AppError> {
    me.require_read()?;
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
pub(crate) fn current_stage(a: &app::Model, stages: &[Stage]) -> String {
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

/// Filters of the queue as they arrive in a query string or a form. Every value is text, since
/// an empty select ("全部") must mean "no filter" rather than a parse error.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueQuery {
    /// 批次 id, or empty for all.
    #[serde(default)]
    pub batch: String,
    /// 专业 id, or empty for all.
    #[serde(default)]
    pub major: String,
    /// `pending` (待审核, the default) or `decided` (已审核).
    #[serde(default)]
    pub status: String,
    /// 准考证号 or 姓名 prefix.
    #[serde(default)]
    pub q: String,
    /// `due` (按截止日期, the 待审核 list only) or empty (按提交时间).
    #[serde(default)]
    pub sort: String,
    /// `overdue` (已逾期) or `soon` (即将到期: due today or on the next working day), the
    /// 待审核 list only, in due order; empty for all.
    #[serde(default)]
    pub due: String,
    /// 下一页: the cursor of the last row seen ([`keyset::Cursor::encode`]), or empty.
    #[serde(default)]
    pub after: String,
    /// 上一页: the cursor of the first row seen, or empty.
    #[serde(default)]
    pub before: String,
}

impl QueueQuery {
    pub(crate) fn batch_id(&self) -> Option<i64> {
        self.batch.trim().parse().ok()
    }

    pub(crate) fn major_id(&self) -> Option<i64> {
        self.major.trim().parse().ok()
    }

    /// Whether the 已审核 list is asked for.
    pub fn decided(&self) -> bool {
        self.status.trim() == "decided"
    }

    /// The page asked for: the first, or the one next to a cursor.
    pub fn page_at(&self) -> PageAt {
        PageAt::from_query(&self.after, &self.before)
    }

    /// The due-date filter asked for, on the 待审核 list: `overdue` or `soon`.
    pub fn due_filter(&self) -> Option<&'static str> {
        if self.decided() {
            return None;
        }
        match self.due.trim() {
            "overdue" => Some("overdue"),
            "soon" => Some("soon"),
            _ => None,
        }
    }

    /// Whether the due-date filter asked for is `which`.
    pub fn due_is(&self, which: &str) -> bool {
        self.due_filter() == Some(which)
    }

    /// Whether the 待审核 list is sorted by due date (asked for, or implied by a due filter).
    pub fn by_due(&self) -> bool {
        !self.decided() && (self.sort.trim() == "due" || self.due_filter().is_some())
    }

    /// The store's filter, with the due range taken at `now`; the calendar is read only for
    /// 即将到期, whose bound is the end of the next working day.
    async fn filter<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<QueueFilter, AppError> {
        let due = match self.due_filter() {
            Some("overdue") => Some(DueRange::overdue(now)),
            Some(_) => {
                let cal = store::repo::calendar::load(db).await?;
                Some(DueRange::due_soon(&cal, now))
            }
            None => None,
        };
        Ok(QueueFilter {
            batch_id: self.batch_id(),
            major_id: self.major_id(),
            decided: self.decided(),
            search: Some(self.q.trim().to_owned()).filter(|s| !s.is_empty()),
            by_due: self.by_due(),
            due,
        })
    }

    /// The queue URL with these filters on the page `at`.
    pub(crate) fn link(&self, at: PageAt) -> String {
        let (after, before) = match at {
            PageAt::First => (String::new(), String::new()),
            PageAt::After(c) => (c.encode(), String::new()),
            PageAt::Before(c) => (String::new(), c.encode()),
        };
        let mut pairs = vec![
            ("batch", self.batch.trim().to_owned()),
            ("major", self.major.trim().to_owned()),
            (
                "status",
                if self.decided() { "decided" } else { "pending" }.to_owned(),
            ),
            ("q", self.q.trim().to_owned()),
        ];
        if self.by_due() {
            pairs.push(("sort", "due".to_owned()));
        }
        if let Some(d) = self.due_filter() {
            pairs.push(("due", d.to_owned()));
        }
        if !after.is_empty() {
            pairs.push(("after", after));
        }
        if !before.is_empty() {
            pairs.push(("before", before));
        }
        let query = serde_html_form::to_string(pairs).unwrap_or_default();
        format!("/staff/reviews?{query}")
    }

    /// 导出 under the same filters (every page).
    pub fn export_link(&self) -> String {
        self.link(PageAt::First)
            .replacen("/staff/reviews?", "/staff/reviews/export.xlsx?", 1)
    }
}

/// One application in a queue, with personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct QueueLine {
    /// Application id.
    pub id: i64,
    /// The stage the application is at (what a decision on it must name).
    pub stage: Option<i32>,
    /// Status code.
    pub status: String,
    /// Status as shown.
    pub status_label: String,
    /// 准考证号.
    pub admission_no: String,
    /// 姓名.
    pub name: String,
    /// 身份证号, masked.
    pub id_card_no: String,
    /// 专业, "610201 计算机应用技术".
    pub major: String,
    /// 批次 name.
    pub batch: String,
    /// 当前环节: the stage name, or the status when none applies.
    pub current_stage: String,
    /// 提交时间.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When the candidate asked the chief university to reject it (专业误选), if they did.
    pub wrong_major_requested_at: Option<DateTime<Utc>>,
    /// Whether this organisation can decide it now.
    pub actionable: bool,
    /// When the stage's 办理时限 ends (overdue from then on), for an application waiting for
    /// this organisation at a stage with a limit.
    pub due_at: Option<DateTime<Utc>>,
    /// 截止日期, the last Beijing day in time ("2026-12-10"); 无时限 for an application waiting
    /// here at a stage without a limit; empty for the others.
    pub due_date: String,
    /// Where it stands against the due date, for one waiting here; `None` for the others.
    #[serde(skip)]
    pub standing: Option<Standing>,
}

impl QueueLine {
    /// 提交时间 in Beijing time.
    pub fn submitted(&self) -> String {
        self.submitted_at.map(util::beijing).unwrap_or_default()
    }

    /// The checkbox value: id and the stage shown, so a bulk decision on a stale page is refused.
    pub fn pick(&self) -> String {
        format!("{}:{}", self.id, self.stage.unwrap_or(-1))
    }

    /// 逾期 N 个工作日 or 即将到期, as text beside the due date; empty otherwise.
    pub fn due_flag(&self) -> String {
        match self.standing {
            Some(s @ (Standing::Overdue(_) | Standing::DueSoon)) => s.label(),
            _ => String::new(),
        }
    }

    /// Whether it is overdue (for the row's class; the text says it too).
    pub fn overdue(&self) -> bool {
        matches!(self.standing, Some(Standing::Overdue(_)))
    }
}

/// One page of a queue.
pub struct QueuePage {
    /// The applications on it.
    pub lines: Vec<QueueLine>,
    /// Applications matching the filters.
    pub total: u64,
    /// 上一页 is the page before this cursor, when there is one.
    pub prev: Option<Cursor>,
    /// 下一页 is the page after this cursor, when there is one.
    pub next: Option<Cursor>,
}

/// The batches' names and stages, taken once per batch for a whole page (from the instance's
/// reference data where the request read its version).
#[derive(Default)]
struct BatchCache {
    seen: Option<store::refcache::Seen>,
    batches: HashMap<i64, (String, Arc<Vec<Stage>>)>,
}

impl BatchCache {
    fn new(seen: Option<store::refcache::Seen>) -> Self {
        BatchCache {
            seen,
            batches: HashMap::new(),
        }
    }

    async fn get<C: ConnectionTrait>(
        &mut self,
        state: &AppState,
        db: &C,
        id: i64,
    ) -> Result<&(String, Arc<Vec<Stage>>), AppError> {
        match self.batches.entry(id) {
            Entry::Occupied(e) => Ok(e.into_mut()),
            Entry::Vacant(e) => {
                let b = state.refs.batch(db, self.seen, id).await?;
                let stages = state.refs.stages(db, self.seen, id).await?;
                Ok(e.insert((b.name.clone(), stages)))
            }
        }
    }
}

/// One page of the organisation's queue with these filters; shared by the page and the API.
pub async fn load_queue<C: store::reader::Reads>(
    state: &AppState,
    db: &C,
    seen: Option<store::refcache::Seen>,
    org: &organisation::Model,
    q: &QueueQuery,
) -> Result<QueuePage, AppError> {
    let now = state.now();
    let filter = q.filter(db, now).await?;
    let at = q.page_at();
    let first = matches!(at, PageAt::First);
    let page = application::queue(db, org, &filter, at, PER_PAGE).await?;
    // A first page with no 下一页 holds the whole list: its length is the count.
    let total = if first && page.next.is_none() {
        u64::try_from(page.rows.len()).unwrap_or(u64::MAX)
    } else {
        application::queue_count(db, org, &filter).await?
    };
    let mut batches = BatchCache::new(seen);
    let mut cal = None;
    let lines = queue_lines(state, db, org, page.rows, &mut batches, &mut cal, now).await?;
    Ok(QueuePage {
        lines,
        total,
        prev: page.prev,
        next: page.next,
    })
}

async fn queue_lines<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    org: &organisation::Model,
    rows: Vec<application::QueueRow>,
    batches: &mut BatchCache,
    cal: &mut Option<WorkingCalendar>,
    now: DateTime<Utc>,
) -> Result<Vec<QueueLine>, AppError> {
    // Overdue working days need the calendar; a page without due dates does not read it.
    if cal.is_none() && rows.iter().any(|r| r.application.due_at.is_some()) {
        *cal = Some(store::repo::calendar::load(db).await?);
    }
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        let a = &r.application;
        let waiting_here = a.current_org_id == Some(org.id) && a.status == Status::InReview.code();
        let standing = match (waiting_here, cal.as_ref()) {
            (true, Some(c)) => Some(deadline::standing(c, a.due_at, now)),
            (true, None) => Some(Standing::NoLimit),
            (false, _) => None,
        };
        let due_at = a.due_at.filter(|_| waiting_here);
        let due_date = match (due_at, standing) {
            (Some(d), _) => deadline::due_date(d).format("%Y-%m-%d").to_string(),
            (None, Some(_)) => Standing::NoLimit.label(),
            (None, None) => String::new(),
        };
        let (batch, stages) = batches.get(state, db, a.batch_id).await?;
        lines.push(QueueLine {
            id: a.id,
            stage: a.stage,
            status: a.status.clone(),
            status_label: status_label(&a.status),
            admission_no: r.candidate.admission_no.clone(),
            name: r.candidate.name.clone(),
            id_card_no: util::mask_id(&r.candidate.id_card_no),
            major: format!("{} {}", r.major.code, r.major.name),
            batch: batch.clone(),
            current_stage: current_stage(a, stages),
            submitted_at: a.submitted_at,
            wrong_major_requested_at: a.wrong_major_requested_at,
            actionable: waiting_here,
            due_at,
            due_date,
            standing,
        });
    }
    Ok(lines)
}

/// 导出 of the queue: every application the filter shows, on every page, with the list's
/// columns (the ID number masked as in the list).
pub async fn queue_workbook(
    state: &AppState,
    org: &organisation::Model,
    q: &QueueQuery,
) -> Result<tabular::export::XlsxExport, AppError> {
    use tabular::export::{Cell, XlsxExport};
    let mut x = XlsxExport::new(
        "毕业审核",
        &[
            "准考证号",
            "姓名",
            "身份证号",
            "专业",
            "批次",
            "当前环节",
            "状态",
            "提交时间",
            "截止日期",
            "时限",
        ],
    )?;
    let now = state.now();
    let filter = q.filter(&state.db, now).await?;
    let mut batches = BatchCache::default();
    let mut cal = None;
    let mut at = PageAt::First;
    let snapshot = crate::export::snapshot(&state.db).await?;
    loop {
        let page = application::queue(&snapshot, org, &filter, at, crate::export::CHUNK).await?;
        for l in queue_lines(
            state,
            &snapshot,
            org,
            page.rows,
            &mut batches,
            &mut cal,
            now,
        )
        .await?
        {
            let submitted = l.submitted();
            let flag = l.due_flag();
            x.push(&[
                Cell::Text(&l.admission_no),
                Cell::Text(&l.name),
                Cell::Text(&l.id_card_no),
                Cell::Text(&l.major),
                Cell::Text(&l.batch),
                Cell::Text(&l.current_stage),
                Cell::Text(&l.status_label),
                Cell::Text(&submitted),
                Cell::Text(&l.due_date),
                Cell::Text(&flag),
            ])?;
        }
        match page.next {
            Some(c) => at = PageAt::After(c),
            None => return Ok(x),
        }
    }
}

/// The reviewers' word for a review event, as the history and the archive show it.
pub(crate) fn event_action(code: &str) -> String {
    match domain::review::EventAction::from_code(code) {
        Some(a) => a.reviewer_label().to_owned(),
        None => code.to_owned(),
    }
}

//! 统计 of one graduation batch: where its applications stand per review stage and per
//! organisation, and what happened per day (submissions, approvals, rejections by reason,
//! payments, refunds), days in Beijing time.
//!
//! Where the applications stand is read from the tallies the database keeps as they move
//! (migration 31); every other number is counted by the database with GROUP BY over the batch's
//! rows (indexes of migration 26 keep the reads inside indexes); what comes back is a few hundred groups at most,
//! never the applications themselves, so a batch of a million costs the server no memory.

pub mod seed;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use domain::review::{CommonReason, EventAction, Status};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryResult, Statement,
};

use crate::entity::{batch_stage, organisation};
use crate::repo::RepoError;

/// The code of rejections whose reason names no catalogue entry.
const OTHER_REASON: &str = "other";

/// Days listed one by one at most; a longer span lists only the days with something in them.
const MAX_FILLED_DAYS: i64 = 400;

/// One review stage of the batch with its applications and decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageRow {
    /// Position in the pipeline, from 0.
    pub seq: i32,
    /// The stage's name (主考学校初审, 缴纳毕业审定费 …).
    pub name: String,
    /// Whether it is the fee stage (its approvals are payments).
    pub payment: bool,
    /// Applications waiting there now (审核中, or 待交费 at the fee stage).
    pub waiting: u64,
    /// Applications rejected there and not resubmitted yet.
    pub rejected_now: u64,
    /// Approvals recorded there (payments at the fee stage).
    pub approvals: u64,
    /// Rejections recorded there.
    pub rejections: u64,
}

/// One organisation that reviews applications of the batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgRow {
    /// The organisation's id.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its kind in words (主考学校, 区县考试机构 …).
    pub kind: String,
    /// Applications waiting for it now.
    pub waiting: u64,
    /// Approvals it recorded.
    pub approvals: u64,
    /// Rejections it recorded.
    pub rejections: u64,
}

/// What happened on one day (Beijing time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayRow {
    /// The day.
    pub date: NaiveDate,
    /// Submissions (提交, resubmissions included).
    pub submitted: u64,
    /// Approvals at any review stage.
    pub approvals: u64,
    /// Rejections at any stage.
    pub rejections: u64,
    /// Fees paid.
    pub payments: u64,
    /// Their amount, in fen.
    pub paid_fen: i64,
    /// Refunds decided (queued).
    pub refunds: u64,
    /// Their amount, in fen.
    pub refund_fen: i64,
}

/// Rejections for one reason of the catalogue (or any other reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonRow {
    /// The catalogue's code, or `"other"`.
    pub code: String,
    /// The reason in words.
    pub label: String,
    /// Rejections for it.
    pub count: u64,
}

/// Rejections for one reason on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReason {
    /// The day (Beijing time).
    pub date: NaiveDate,
    /// The reason in words.
    pub label: String,
    /// Rejections for it that day.
    pub count: u64,
}

/// Everything the 统计 page and its export show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchStats {
    /// Applications in the batch.
    pub applications: u64,
    /// Applications per status, in the order of [`Status::ALL`], zeros included.
    pub statuses: Vec<(Status, u64)>,
    /// The batch's stages in order.
    pub stages: Vec<StageRow>,
    /// The reviewing organisations, by name.
    pub orgs: Vec<OrgRow>,
    /// The days from the first to the last with anything in them.
    pub days: Vec<DayRow>,
    /// Rejections per reason, most frequent first.
    pub reasons: Vec<ReasonRow>,
    /// Rejections per day and reason.
    pub day_reasons: Vec<DayReason>,
}

impl BatchStats {
    /// The sum of a day column over every day.
    pub fn total(&self, f: impl Fn(&DayRow) -> u64) -> u64 {
        self.days.iter().map(f).sum()
    }

    /// Fees paid in the batch, in fen.
    pub fn paid_fen(&self) -> i64 {
        self.days.iter().map(|d| d.paid_fen).sum()
    }

    /// Refunds decided in the batch, in fen.
    pub fn refund_fen(&self) -> i64 {
        self.days.iter().map(|d| d.refund_fen).sum()
    }
}

/// The Beijing date of a timestamp column, as `YYYY-MM-DD` text, in the backend's dialect.
/// Beijing has kept UTC+8 without summer time since 1991, so a fixed offset is exact.
fn day_sql(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("to_char({column} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')")
        }
        DbBackend::MySql => {
            format!("DATE_FORMAT(DATE_ADD({column}, INTERVAL 8 HOUR), '%Y-%m-%d')")
        }
        _ => format!("strftime('%Y-%m-%d', {column}, '+8 hours')"),
    }
}

/// `SUM` of an integer column read back as a 64-bit integer (PostgreSQL and MySQL widen it to
/// a decimal otherwise).
pub(crate) fn sum_sql(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)"),
        DbBackend::MySql => format!("CAST(COALESCE(SUM({column}), 0) AS SIGNED)"),
        _ => format!("COALESCE(SUM({column}), 0)"),
    }
}

/// The placeholder of the one bound value (the batch id).
fn param(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    }
}

/// A CASE that names the catalogue reason a rejection's text starts with (the composed reason
/// is the catalogue's words, then the reviewer's own). The labels are our constants, quoted
/// here rather than bound so that the statement keeps one placeholder on every backend.
fn reason_case(column: &str) -> String {
    let mut sql = String::from("CASE");
    for r in CommonReason::ALL {
        let label = r.label().replace('\'', "''");
        sql.push_str(&format!(
            " WHEN {column} LIKE '{label}%' THEN '{}'",
            r.code()
        ));
    }
    sql.push_str(&format!(" ELSE '{OTHER_REASON}' END"));
    sql
}

fn count(row: &QueryResult, i: usize) -> Result<u64, RepoError> {
    let n: i64 = row.try_get_by_index(i)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn date(row: &QueryResult, i: usize) -> Result<Option<NaiveDate>, RepoError> {
    let s: Option<String> = row.try_get_by_index(i)?;
    Ok(s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()))
}

async fn query<C: ConnectionTrait>(
    conn: &C,
    sql: String,
    batch_id: i64,
) -> Result<Vec<QueryResult>, RepoError> {
    let backend = conn.get_database_backend();
    Ok(conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [batch_id.into()],
        ))
        .await?)
}

/// The label of a reason code (the catalogue's words, or 其他原因).
fn reason_label(code: &str) -> String {
    CommonReason::from_code(code)
        .map(|r| r.label().to_owned())
        .unwrap_or_else(|| "其他原因".to_owned())
}

/// Counts the batch `batch_id` (the caller has checked it is a graduation batch the asker may
/// see). A batch without applications has zeros everywhere.
pub async fn of_batch<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
) -> Result<BatchStats, RepoError> {
    let backend = conn.get_database_backend();
    let p = param(backend);
    let stage_rows = batch_stage::Entity::find()
        .filter(batch_stage::Column::BatchId.eq(batch_id))
        .all(conn)
        .await?;
    let mut stages: Vec<StageRow> = stage_rows
        .iter()
        .map(|s| StageRow {
            seq: s.seq,
            name: s.name.clone(),
            payment: s.kind == "payment",
            ..Default::default()
        })
        .collect();
    stages.sort_by_key(|s| s.seq);
    let mut stats = BatchStats {
        statuses: Status::ALL.iter().map(|s| (*s, 0)).collect(),
        ..Default::default()
    };
    let mut orgs: HashMap<i64, OrgRow> = HashMap::new();

    // Where the applications stand now: the tallies the database keeps (migration 31), one row
    // per major, stage, status and organisation rather than a count of a million rows.
    let now_rows = query(
        conn,
        format!("SELECT stage, status, org_id, n FROM application_tallies WHERE batch_id = {p}"),
        batch_id,
    )
    .await?;
    for row in &now_rows {
        let stage: i32 = row.try_get_by_index(0)?;
        let stage = (stage >= 0).then_some(stage);
        let status: String = row.try_get_by_index(1)?;
        let org: i64 = row.try_get_by_index(2)?;
        let org = (org != 0).then_some(org);
        let n = count(row, 3)?;
        stats.applications += n;
        let status = Status::from_code(&status);
        if let Some(slot) = stats.statuses.iter_mut().find(|(s, _)| Some(*s) == status) {
            slot.1 += n;
        }
        let at_stage = stage.and_then(|seq| stages.iter_mut().find(|s| s.seq == seq));
        match (status, at_stage) {
            (Some(Status::InReview | Status::AwaitingPayment), Some(s)) => s.waiting += n,
            (Some(Status::Rejected), Some(s)) => s.rejected_now += n,
            _ => {}
        }
        if let (Some(Status::InReview), Some(org)) = (status, org) {
            orgs.entry(org).or_default().waiting += n;
        }
    }

    // Decisions and submissions, per day, stage and organisation.
    let mut days: BTreeMap<NaiveDate, DayRow> = BTreeMap::new();
    let events = query(
        conn,
        format!(
            "SELECT {day}, e.action, e.stage, e.org_id, COUNT(*) \
             FROM graduation_applications a \
             JOIN review_events e ON e.application_id = a.id \
             WHERE a.batch_id = {p} AND e.action IN ('{sub}', '{app}', '{rej}', '{paid}') \
             GROUP BY 1, 2, 3, 4",
            day = day_sql(backend, "e.at"),
            sub = EventAction::Submitted.code(),
            app = EventAction::Approved.code(),
            rej = EventAction::Rejected.code(),
            paid = EventAction::Paid.code(),
        ),
        batch_id,
    )
    .await?;
    for row in &events {
        let day = date(row, 0)?;
        let action: String = row.try_get_by_index(1)?;
        let stage: Option<i32> = row.try_get_by_index(2)?;
        let org: Option<i64> = row.try_get_by_index(3)?;
        let n = count(row, 4)?;
        let action = EventAction::from_code(&action);
        let at_stage = stage.and_then(|seq| stages.iter_mut().find(|s| s.seq == seq));
        match action {
            Some(EventAction::Approved | EventAction::Paid) => {
                if let Some(s) = at_stage {
                    s.approvals += n;
                }
            }
            Some(EventAction::Rejected) => {
                if let Some(s) = at_stage {
                    s.rejections += n;
                }
            }
            _ => {}
        }
        if let Some(org) = org {
            match action {
                Some(EventAction::Approved) => orgs.entry(org).or_default().approvals += n,
                Some(EventAction::Rejected) => orgs.entry(org).or_default().rejections += n,
                _ => {}
            }
        }
        let Some(day) = day else { continue };
        let d = days.entry(day).or_default();
        match action {
            Some(EventAction::Submitted) => d.submitted += n,
            Some(EventAction::Approved) => d.approvals += n,
            Some(EventAction::Rejected) => d.rejections += n,
            // Payments are counted from the orders below, with their amounts.
            _ => {}
        }
    }

    // Rejections per day and reason: only the rejected events' rows are read.
    let rejections = query(
        conn,
        format!(
            "SELECT {day}, {reason}, COUNT(*) \
             FROM graduation_applications a \
             JOIN review_events e ON e.application_id = a.id \
             WHERE a.batch_id = {p} AND e.action = '{rej}' \
             GROUP BY 1, 2",
            day = day_sql(backend, "e.at"),
            reason = reason_case("e.reason"),
            rej = EventAction::Rejected.code(),
        ),
        batch_id,
    )
    .await?;
    let mut reasons: HashMap<String, u64> = HashMap::new();
    for row in &rejections {
        let day = date(row, 0)?;
        let code: String = row.try_get_by_index(1)?;
        let n = count(row, 2)?;
        *reasons.entry(code.clone()).or_default() += n;
        if let Some(date) = day {
            stats.day_reasons.push(DayReason {
                date,
                label: reason_label(&code),
                count: n,
            });
        }
    }
    stats.reasons = reasons
        .into_iter()
        .map(|(code, count)| ReasonRow {
            label: reason_label(&code),
            code,
            count,
        })
        .collect();
    stats
        .reasons
        .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    stats
        .day_reasons
        .sort_by(|a, b| a.date.cmp(&b.date).then_with(|| b.count.cmp(&a.count)));

    // Fees paid, per day of payment.
    let paid = query(
        conn,
        format!(
            "SELECT {day}, COUNT(*), {sum} \
             FROM graduation_applications a \
             JOIN payment_orders o ON o.application_id = a.id \
             WHERE a.batch_id = {p} AND o.paid_at IS NOT NULL \
             GROUP BY 1",
            day = day_sql(backend, "o.paid_at"),
            sum = sum_sql(backend, "o.amount_fen"),
        ),
        batch_id,
    )
    .await?;
    for row in &paid {
        if let Some(day) = date(row, 0)? {
            let d = days.entry(day).or_default();
            d.payments += count(row, 1)?;
            d.paid_fen += row.try_get_by_index::<i64>(2)?;
        }
    }

    // Refunds, per day they were decided (queued).
    let refunds = query(
        conn,
        format!(
            "SELECT {day}, COUNT(*), {sum} \
             FROM graduation_applications a \
             JOIN payment_orders o ON o.application_id = a.id \
             JOIN refunds r ON r.order_id = o.id \
             WHERE a.batch_id = {p} AND r.status <> 'cancelled' \
             GROUP BY 1",
            day = day_sql(backend, "r.queued_at"),
            sum = sum_sql(backend, "r.amount_fen"),
        ),
        batch_id,
    )
    .await?;
    for row in &refunds {
        if let Some(day) = date(row, 0)? {
            let d = days.entry(day).or_default();
            d.refunds += count(row, 1)?;
            d.refund_fen += row.try_get_by_index::<i64>(2)?;
        }
    }
    stats.days = fill_days(days);

    // The organisations' names, by id: a handful of rows.
    let ids: Vec<i64> = orgs.keys().copied().collect();
    if !ids.is_empty() {
        for o in organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(ids))
            .all(conn)
            .await?
        {
            if let Some(row) = orgs.get_mut(&o.id) {
                row.name = o.name;
                row.kind = domain::OrgKind::from_code(&o.kind)
                    .map(|k| k.label().to_owned())
                    .unwrap_or_default();
            }
        }
    }
    stats.orgs = orgs
        .into_iter()
        .map(|(id, mut row)| {
            row.org_id = id;
            row
        })
        .collect();
    stats
        .orgs
        .sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.org_id.cmp(&b.org_id)));
    stats.stages = stages;
    Ok(stats)
}

/// The days in order, with the quiet days between the first and the last filled in with zeros
/// (a chart's axis is then time), unless the span is implausibly long.
fn fill_days(days: BTreeMap<NaiveDate, DayRow>) -> Vec<DayRow> {
    let (Some(first), Some(last)) = (
        days.keys().next().copied(),
        days.keys().next_back().copied(),
    ) else {
        return Vec::new();
    };
    let with_dates = |days: BTreeMap<NaiveDate, DayRow>| {
        days.into_iter()
            .map(|(date, mut d)| {
                d.date = date;
                d
            })
            .collect::<Vec<_>>()
    };
    if (last - first).num_days() > MAX_FILLED_DAYS {
        return with_dates(days);
    }
    let mut all = days;
    let mut day = first;
    while day < last {
        all.entry(day).or_default();
        day = day.succ_opt().unwrap_or(last);
    }
    with_dates(all)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quiet_days_between_busy_ones_are_zeros() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut days = BTreeMap::new();
        days.insert(
            d("2026-11-01"),
            DayRow {
                submitted: 2,
                ..Default::default()
            },
        );
        days.insert(
            d("2026-11-04"),
            DayRow {
                approvals: 1,
                ..Default::default()
            },
        );
        let all = fill_days(days);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].date, d("2026-11-01"));
        assert_eq!(all[0].submitted, 2);
        assert_eq!(
            all[2],
            DayRow {
                date: d("2026-11-03"),
                ..Default::default()
            }
        );
        assert_eq!(all[3].approvals, 1);
        assert!(fill_days(BTreeMap::new()).is_empty());
    }

    #[test]
    fn a_reason_is_named_by_the_catalogue_words_it_starts_with() {
        let sql = reason_case("e.reason");
        assert!(sql.contains(
            "WHEN e.reason LIKE '身份证正面（人像面）图片不清晰或不完整%' THEN 'id_front_unclear'"
        ));
        assert!(sql.ends_with("ELSE 'other' END"));
        assert_eq!(reason_label("other"), "其他原因");
        assert_eq!(reason_label("signature"), "签名不清晰或非本人签名");
    }
}

//! Review deadline alerts (办理时限). The working day before applications are due at an
//! organisation, its reviewers are reminded with the list (提醒); on the due date, what is still
//! waiting is reported to the admins of the organisation above (督办), or to the organisation's own
//! admins where there is none above.
//!
//! Each alert is one transaction: a row in `review_alerts` under a unique key (organisation,
//! kind, due date), the 收件箱 messages and the audit row. A second instance running the job at the
//! same moment fails on the key and rolls back, so every alert is sent once.
//!
//! The organisations looked at are those the queue tallies show with applications in review; each
//! is read by the queue's due-date index (organisation, status, due date), so a run costs a few
//! index look-ups per organisation, not a scan of the applications.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::StaffRole;
use domain::calendar::{beijing_date, from_beijing};
use domain::messages::review::{self as texts, DueLine};
use domain::review::deadline;
use domain::review::state::Status;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use crate::entity::{
    application_tally as tally, batch_stage, candidate, graduation_application as app,
    organisation, review_alert, staff, staff_role,
};
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::{RepoError, calendar, is_unique_violation};

/// Which alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// To the organisation's reviewers, the working day before the due date.
    Reminder,
    /// To the admins above, on the due date.
    Escalation,
}

impl AlertKind {
    /// The stored name.
    pub fn code(self) -> &'static str {
        match self {
            AlertKind::Reminder => "reminder",
            AlertKind::Escalation => "escalation",
        }
    }
}

/// What one run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertRun {
    /// Reminders sent (one per organisation and due date).
    pub reminders: u64,
    /// Escalations sent.
    pub escalations: u64,
    /// 收件箱 messages written.
    pub messages: u64,
}

/// The instant the Beijing day `d` ends.
fn end_of(d: NaiveDate) -> DateTime<Utc> {
    from_beijing(d.succ_opt().unwrap_or(d).and_time(chrono::NaiveTime::MIN))
}

/// Sends the alerts due at `now`.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<AlertRun, RepoError> {
    let cal = calendar::load(db).await?;
    let today = beijing_date(now);
    let today_end = end_of(today);
    // Due at the end of the next working day: reminded today, the working day before.
    let next_due = deadline::soon_until(&cal, now);
    let orgs: BTreeSet<i64> = tally::Entity::find()
        .select_only()
        .column(tally::Column::OrgId)
        .filter(tally::Column::Status.eq(Status::InReview.code()))
        .filter(tally::Column::N.gt(0))
        .filter(tally::Column::OrgId.ne(0))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut run = AlertRun::default();
    for org in orgs {
        if next_due > today_end
            && let Some(n) = alert(db, org, AlertKind::Reminder, next_due, now).await?
        {
            run.reminders += 1;
            run.messages += n;
        }
        if let Some(n) = alert(db, org, AlertKind::Escalation, today_end, now).await? {
            run.escalations += 1;
            run.messages += n;
        }
    }
    Ok(run)
}

/// Sends one organisation's alert of `kind` for the applications due at `due`, unless it was
/// sent already or nothing is due; returns the number of messages written.
async fn alert(
    db: &DatabaseConnection,
    org_id: i64,
    kind: AlertKind,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<u64>, RepoError> {
    let due_date = deadline::due_date(due);
    let sent = review_alert::Entity::find()
        .filter(review_alert::Column::OrgId.eq(org_id))
        .filter(review_alert::Column::Kind.eq(kind.code()))
        .filter(review_alert::Column::DueDate.eq(due_date))
        .one(db)
        .await?;
    if sent.is_some() {
        return Ok(None);
    }
    let lines = due_lines(db, org_id, due).await?;
    if lines.is_empty() {
        return Ok(None);
    }
    let Some(org) = organisation::Entity::find_by_id(org_id).one(db).await? else {
        return Ok(None);
    };
    // Who is told, each with the lines that are theirs.
    let recipients: Vec<(i64, Vec<DueLine>)> = match kind {
        AlertKind::Reminder => {
            with_delegates(db, reviewers(db, org_id, &lines).await?, now).await?
        }
        AlertKind::Escalation => {
            let above = org.parent_id.unwrap_or(org.id);
            admins(db, above)
                .await?
                .into_iter()
                .map(|id| (id, lines.clone()))
                .collect()
        }
    };
    let txn = crate::write::begin_write(db).await?;
    let marked = review_alert::ActiveModel {
        org_id: Set(org_id),
        kind: Set(kind.code().to_owned()),
        due_date: Set(due_date),
        applications: Set(i32::try_from(lines.len()).unwrap_or(i32::MAX)),
        recipients: Set(i32::try_from(recipients.len()).unwrap_or(i32::MAX)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    match marked {
        Ok(_) => {}
        // Another instance sent it first: its transaction holds the messages.
        Err(e) if is_unique_violation(&e) => {
            txn.rollback().await?;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    }
    for (staff_id, theirs) in &recipients {
        let (text, link) = match kind {
            AlertKind::Reminder => (
                texts::due_reminder(&org.name, due_date, theirs),
                "/staff/reviews?status=pending&due=soon",
            ),
            AlertKind::Escalation => (texts::due_escalation(&org.name, due_date, theirs), "/staff"),
        };
        inbox::send(
            &txn,
            Recipient::Staff(*staff_id),
            &text.title,
            &text.body,
            Some(link),
            now,
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        Actor::SYSTEM,
        match kind {
            AlertKind::Reminder => "review.due_reminder_sent",
            AlertKind::Escalation => "review.due_escalated",
        },
        ("organisation", Some(org_id)),
        &format!(
            "due={due_date} applications={} recipients={}",
            lines.len(),
            recipients.len()
        ),
        None,
    )
    .await?;
    txn.commit().await?;
    if recipients.is_empty() {
        tracing::warn!(
            org = org_id,
            kind = kind.code(),
            "review deadline alert: nobody to tell (no reviewer or admin account)"
        );
    }
    Ok(Some(recipients.len() as u64))
}

/// The applications waiting at `org_id` and due exactly at `due` (every due instant is the end
/// of a Beijing day), as the messages list them.
async fn due_lines<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    due: DateTime<Utc>,
) -> Result<Vec<DueLine>, RepoError> {
    let rows: Vec<(i64, i64, i64, Option<i32>)> = app::Entity::find()
        .select_only()
        .columns([
            app::Column::Id,
            app::Column::CandidateId,
            app::Column::BatchId,
            app::Column::Stage,
        ])
        .filter(app::Column::CurrentOrgId.eq(org_id))
        .filter(app::Column::Status.eq(Status::InReview.code()))
        .filter(app::Column::DueAt.eq(due))
        .into_tuple()
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<i64, String> = candidate::Entity::find()
        .select_only()
        .columns([candidate::Column::Id, candidate::Column::Name])
        .filter(candidate::Column::Id.is_in(rows.iter().map(|r| r.1).collect::<BTreeSet<_>>()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let stages: HashMap<(i64, i32), String> = batch_stage::Entity::find()
        .filter(
            batch_stage::Column::BatchId.is_in(rows.iter().map(|r| r.2).collect::<BTreeSet<_>>()),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|s| ((s.batch_id, s.seq), s.name))
        .collect();
    let mut lines: Vec<DueLine> = rows
        .into_iter()
        .map(|(id, cand, batch, stage)| DueLine {
            application_id: id,
            masked_name: domain::ids::mask_name(names.get(&cand).map_or("", String::as_str)),
            stage: stage
                .and_then(|s| stages.get(&(batch, s)))
                .cloned()
                .unwrap_or_default(),
        })
        .collect();
    lines.sort_by_key(|l| l.application_id);
    Ok(lines)
}

/// The enabled accounts of `org_id` holding `role`, each with the stages its role rows name
/// (empty: every stage).
async fn holders<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    role: StaffRole,
) -> Result<BTreeMap<i64, Vec<String>>, RepoError> {
    let ids: Vec<i64> = staff::Entity::find()
        .select_only()
        .column(staff::Column::Id)
        .filter(staff::Column::OrgId.eq(org_id))
        .filter(staff::Column::Disabled.eq(false))
        .into_tuple()
        .all(conn)
        .await?;
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in staff_role::Entity::find()
        .filter(staff_role::Column::StaffId.is_in(ids))
        .filter(staff_role::Column::Role.eq(role.code()))
        .all(conn)
        .await?
    {
        out.entry(r.staff_id).or_default().push(r.stage);
    }
    Ok(out)
}

/// The reviewers of `org_id` with the lines of the stages they review; those with none are left
/// out.
async fn reviewers<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    lines: &[DueLine],
) -> Result<Vec<(i64, Vec<DueLine>)>, RepoError> {
    Ok(holders(conn, org_id, StaffRole::Reviewer)
        .await?
        .into_iter()
        .filter_map(|(id, stages)| {
            let every = stages.iter().any(String::is_empty);
            let theirs: Vec<DueLine> = lines
                .iter()
                .filter(|l| every || stages.contains(&l.stage))
                .cloned()
                .collect();
            (!theirs.is_empty()).then_some((id, theirs))
        })
        .collect())
}

/// Adds, for each reviewer away under a delegation in force, the colleague deciding for them,
/// with the away reviewer's lines (merged with the colleague's own).
async fn with_delegates<C: ConnectionTrait>(
    conn: &C,
    mut told: Vec<(i64, Vec<DueLine>)>,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Vec<DueLine>)>, RepoError> {
    use crate::entity::review_delegation as delegation;
    let from: Vec<i64> = told.iter().map(|(id, _)| *id).collect();
    if from.is_empty() {
        return Ok(told);
    }
    let handed = delegation::Entity::find()
        .filter(delegation::Column::FromStaffId.is_in(from))
        .filter(delegation::Column::StartsAt.lte(now))
        .filter(delegation::Column::EndsAt.gt(now))
        .filter(delegation::Column::RevokedAt.is_null())
        .all(conn)
        .await?;
    for d in handed {
        let Some(lines) = told
            .iter()
            .find(|(id, _)| *id == d.from_staff_id)
            .map(|(_, l)| l.clone())
        else {
            continue;
        };
        match told.iter_mut().find(|(id, _)| *id == d.to_staff_id) {
            Some((_, own)) => {
                for l in lines {
                    if !own.contains(&l) {
                        own.push(l);
                    }
                }
                own.sort_by_key(|l| l.application_id);
            }
            None => told.push((d.to_staff_id, lines)),
        }
    }
    Ok(told)
}

/// The admins of `org_id`.
async fn admins<C: ConnectionTrait>(conn: &C, org_id: i64) -> Result<Vec<i64>, RepoError> {
    Ok(holders(conn, org_id, StaffRole::Admin)
        .await?
        .into_keys()
        .collect())
}

/// The alerts sent about `org_id`, newest first (for tests and the operator).
pub async fn sent_for(
    db: &DatabaseConnection,
    org_id: i64,
) -> Result<Vec<review_alert::Model>, RepoError> {
    use sea_orm::QueryOrder;
    Ok(review_alert::Entity::find()
        .filter(review_alert::Column::OrgId.eq(org_id))
        .order_by_desc(review_alert::Column::Id)
        .all(db)
        .await?)
}

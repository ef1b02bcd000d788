//! The append-only audit trail.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::entity::{audit, candidate, organisation, staff, student};

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    /// `candidate`, `student`, `staff` or `system`.
    pub kind: &'static str,
    /// The account id; `None` for the system.
    pub id: Option<i64>,
}

impl Actor {
    /// A staff account.
    pub fn staff(id: i64) -> Actor {
        Actor {
            kind: "staff",
            id: Some(id),
        }
    }

    /// The system itself (imports from the command line, scheduled jobs).
    pub const SYSTEM: Actor = Actor {
        kind: "system",
        id: None,
    };
}

/// Writes one audit row; call it inside the transaction of the change it records.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    actor: Actor,
    action: &str,
    subject: (&str, Option<i64>),
    detail: &str,
    ip: Option<&str>,
) -> Result<(), DbErr> {
    audit::ActiveModel {
        at: Set(now),
        actor_kind: Set(actor.kind.to_owned()),
        actor_id: Set(actor.id),
        action: Set(action.to_owned()),
        subject_kind: Set(subject.0.to_owned()),
        subject_id: Set(subject.1),
        detail: Set(detail.to_owned()),
        ip: Set(ip.map(str::to_owned)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Whose rows an admin may read: those of actors within its organisation's subtree.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The admin's organisation path (`/3/7/`): staff of organisations under it, candidates
    /// registered at one, students of a school under it.
    pub org_path: String,
    /// The organisation is a root (a provincial office or a school): it also reads the rows the
    /// system wrote.
    pub root: bool,
}

/// What the 审计日志 page and `GET /api/v1/audit` narrow the rows to; `None` leaves a field open.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only the rows of actors within this scope; `None` reads every row.
    pub scope: Option<Scope>,
    /// 操作人: a staff username, a 准考证号 or a 学号, matched exactly.
    pub actor: Option<String>,
    /// 操作: the action code, matched exactly.
    pub action: Option<String>,
    /// 对象: the subject kind, matched exactly.
    pub subject_kind: Option<String>,
    /// 对象 id, with or without a kind.
    pub subject_id: Option<i64>,
    /// From this instant on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this instant (exclusive).
    pub until: Option<DateTime<Utc>>,
}

/// A position in the newest-first order: the rows after it are older, or as old with a smaller id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The last row's time.
    pub at: DateTime<Utc>,
    /// The last row's id.
    pub id: i64,
}

impl Cursor {
    /// The cursor after `row`.
    pub fn after(row: &audit::Model) -> Cursor {
        Cursor {
            at: row.at,
            id: row.id,
        }
    }

    /// As carried in a link, `{nanoseconds since 1970}_{id}`: exact, so that a page starts
    /// precisely after the row that ended the previous one.
    pub fn encode(&self) -> String {
        let nanos = self
            .at
            .timestamp_nanos_opt()
            .unwrap_or_else(|| self.at.timestamp().saturating_mul(1_000_000_000));
        format!("{nanos}_{}", self.id)
    }

    /// Reads [`Cursor::encode`]'s form; `None` for anything else.
    pub fn decode(s: &str) -> Option<Cursor> {
        let (nanos, id) = s.trim().split_once('_')?;
        Some(Cursor {
            at: DateTime::from_timestamp_nanos(nanos.parse().ok()?),
            id: id.parse().ok()?,
        })
    }
}

/// Who an actor is, as the 审计日志 shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorName {
    /// A staff account's username.
    Staff(String),
    /// A candidate's 准考证号, unmasked: the caller masks it.
    Candidate(String),
    /// A student's 学号, unmasked: the caller masks it.
    Student(String),
    /// The system, or an account that no longer exists.
    Other,
}

/// One audit row with its actor's name.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The row.
    pub row: audit::Model,
    /// Who acted.
    pub actor: ActorName,
}

/// A page of rows, newest first.
#[derive(Debug, Clone)]
pub struct Page {
    /// The rows.
    pub entries: Vec<Entry>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// The ids of the organisations under `path` (inclusive).
fn orgs_under(path: &str) -> SelectStatement {
    Query::select()
        .column(organisation::Column::Id)
        .from(organisation::Entity)
        .and_where(organisation::Column::Path.starts_with(path))
        .to_owned()
}

/// Rows whose `kind`/`id` columns name a staff account, candidate or student within `path`.
fn accounts_within(kind: audit::Column, id: audit::Column, path: &str) -> Condition {
    Condition::any()
        .add(
            Condition::all().add(kind.eq("staff")).add(
                id.in_subquery(
                    Query::select()
                        .column(staff::Column::Id)
                        .from(staff::Entity)
                        .and_where(staff::Column::OrgId.in_subquery(orgs_under(path)))
                        .to_owned(),
                ),
            ),
        )
        .add(
            Condition::all().add(kind.eq("candidate")).add(
                id.in_subquery(
                    Query::select()
                        .column(candidate::Column::Id)
                        .from(candidate::Entity)
                        .and_where(
                            candidate::Column::RegistrationOrgId.in_subquery(orgs_under(path)),
                        )
                        .to_owned(),
                ),
            ),
        )
        .add(
            Condition::all().add(kind.eq("student")).add(
                id.in_subquery(
                    Query::select()
                        .column(student::Column::Id)
                        .from(student::Entity)
                        .and_where(student::Column::SchoolOrgId.in_subquery(orgs_under(path)))
                        .to_owned(),
                ),
            ),
        )
}

fn condition(f: &Filter) -> Condition {
    let mut c = Condition::all();
    if let Some(s) = &f.scope {
        let mut seen = Condition::any().add(accounts_within(
            audit::Column::ActorKind,
            audit::Column::ActorId,
            &s.org_path,
        ));
        if s.root {
            seen = seen.add(audit::Column::ActorKind.eq(Actor::SYSTEM.kind));
        } else {
            // A failed sign-in is written by the system; the admin of the account tried still
            // needs to see it.
            seen = seen.add(
                Condition::all()
                    .add(audit::Column::ActorKind.eq(Actor::SYSTEM.kind))
                    .add(accounts_within(
                        audit::Column::SubjectKind,
                        audit::Column::SubjectId,
                        &s.org_path,
                    )),
            );
        }
        c = c.add(seen);
    }
    if let Some(name) = &f.actor {
        let by = |table: SelectStatement, kind: &str| {
            Condition::all()
                .add(audit::Column::ActorKind.eq(kind))
                .add(audit::Column::ActorId.in_subquery(table))
        };
        c = c.add(
            Condition::any()
                .add(by(
                    Query::select()
                        .column(staff::Column::Id)
                        .from(staff::Entity)
                        .and_where(staff::Column::Username.eq(name.as_str()))
                        .to_owned(),
                    "staff",
                ))
                .add(by(
                    Query::select()
                        .column(candidate::Column::Id)
                        .from(candidate::Entity)
                        .and_where(candidate::Column::AdmissionNo.eq(name.as_str()))
                        .to_owned(),
                    "candidate",
                ))
                .add(by(
                    Query::select()
                        .column(student::Column::Id)
                        .from(student::Entity)
                        .and_where(student::Column::StudentNo.eq(name.as_str()))
                        .to_owned(),
                    "student",
                )),
        );
    }
    if let Some(a) = &f.action {
        c = c.add(audit::Column::Action.eq(a.as_str()));
    }
    if let Some(k) = &f.subject_kind {
        c = c.add(audit::Column::SubjectKind.eq(k.as_str()));
    }
    if let Some(id) = f.subject_id {
        c = c.add(audit::Column::SubjectId.eq(id));
    }
    if let Some(t) = f.from {
        c = c.add(audit::Column::At.gte(t));
    }
    if let Some(t) = f.until {
        c = c.add(audit::Column::At.lt(t));
    }
    c
}

/// The rows `filter` lets through after `after` (from the newest when `None`), newest first, at
/// most `limit` of them, each with its actor's name. Paged by key, never by offset: a page deep
/// in a long log costs what the first does, and rows written meanwhile shift nothing.
pub async fn search<C: ConnectionTrait>(
    conn: &C,
    filter: &Filter,
    after: Option<Cursor>,
    limit: u64,
) -> Result<Page, DbErr> {
    let mut cond = condition(filter);
    if let Some(k) = after {
        cond = cond.add(
            Condition::any().add(audit::Column::At.lt(k.at)).add(
                Condition::all()
                    .add(audit::Column::At.eq(k.at))
                    .add(audit::Column::Id.lt(k.id)),
            ),
        );
    }
    let mut rows = audit::Entity::find()
        .filter(cond)
        .order_by_desc(audit::Column::At)
        .order_by_desc(audit::Column::Id)
        .limit(limit.saturating_add(1))
        .all(conn)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more {
        rows.last().map(Cursor::after)
    } else {
        None
    };
    let ids = |kind: &str| -> Vec<i64> {
        rows.iter()
            .filter(|r| r.actor_kind == kind)
            .filter_map(|r| r.actor_id)
            .collect()
    };
    let staff_names: HashMap<i64, String> = staff::Entity::find()
        .filter(staff::Column::Id.is_in(ids("staff")))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.username))
        .collect();
    let candidate_nos: HashMap<i64, String> = candidate::Entity::find()
        .filter(candidate::Column::Id.is_in(ids("candidate")))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.admission_no))
        .collect();
    let student_nos: HashMap<i64, String> = student::Entity::find()
        .filter(student::Column::Id.is_in(ids("student")))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.student_no))
        .collect();
    let entries = rows
        .into_iter()
        .map(|row| {
            let id = row.actor_id.unwrap_or_default();
            let actor = match row.actor_kind.as_str() {
                "staff" => staff_names.get(&id).cloned().map(ActorName::Staff),
                "candidate" => candidate_nos.get(&id).cloned().map(ActorName::Candidate),
                "student" => student_nos.get(&id).cloned().map(ActorName::Student),
                _ => None,
            }
            .unwrap_or(ActorName::Other);
            Entry { row, actor }
        })
        .collect();
    Ok(Page { entries, next })
}

/// The action codes the log holds, sorted, for the 操作 filter.
pub async fn actions<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>, DbErr> {
    audit::Entity::find()
        .select_only()
        .column(audit::Column::Action)
        .distinct()
        .order_by_asc(audit::Column::Action)
        .into_tuple::<String>()
        .all(conn)
        .await
}

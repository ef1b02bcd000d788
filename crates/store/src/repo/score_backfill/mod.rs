//! 成绩补录 requests (seed 003 §(一)): the candidate files a paper result with its scan; the
//! confirmation point (课程合格证书, 转入考籍档案证明信 — it also keeps the original) or the chief
//! university (实习(实验)考核合格成绩通知单) verifies it; approval enters the result into
//! `score_records` with source `backfill`, which is what the eligibility audit reads.
//!
//! A decision is a conditional UPDATE on the request's status, written first in its transaction,
//! so two staff members approving at once leave one score; the score, the audit row and the inbox
//! message go in the same transaction.

pub mod legacy;

use chrono::{DateTime, Utc};
use domain::backfill::{BackfillHandler, BackfillSource, BackfillStatus, ValidBackfill};
use domain::messages::inbox as messages;
use domain::{Province, ScoreSource, ScoreValue};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::audit::{self, Actor};
use super::inbox::{self, Recipient};
use super::{RepoError, is_unique_violation, reference};
use crate::entity::{candidate, score_backfill as backfill, score_record};
use crate::keyset;
use crate::objects::Stored;

const PAGE: &str = "/candidate/backfills";

/// A plan course a candidate may ask to have backfilled, with the major it is in.
#[derive(Debug, Clone)]
pub struct CourseChoice {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
    /// The enrolled major whose plan holds it (the first, when several do).
    pub major_id: i64,
    /// Its chief university, who verifies practical notices.
    pub chief_university_id: i64,
    /// Whether the platform already holds a pass for it.
    pub passed: bool,
}

/// The courses of the plans of the candidate's enrolled majors, in plan order, each once.
pub async fn courses_of<C: crate::reader::Reads>(
    conn: &C,
    c: &candidate::Model,
) -> Result<Vec<CourseChoice>, RepoError> {
    let scores = reference::scores_of(conn, c.id).await?;
    let mut out: Vec<CourseChoice> = Vec::new();
    for m in reference::enrolled_majors(conn, c.id).await? {
        for row in reference::plan(conn, m.major.id).await? {
            let code = row.course.course_code;
            if out.iter().any(|o| o.code == code) {
                continue;
            }
            out.push(CourseChoice {
                passed: scores.iter().any(|s| s.passed && s.course_code == code),
                code,
                name: row.name,
                major_id: m.major.id,
                chief_university_id: m.major.chief_university_id,
            });
        }
    }
    Ok(out)
}

/// Where a request would go: the course's plan entry and the handling organisation. Refuses a
/// course outside the candidate's plans, one already passed, and candidates of a province
/// without backfill.
/// Called before the scan is stored, so a refused request leaves no file behind.
pub async fn route<C: crate::reader::Reads>(
    conn: &C,
    c: &candidate::Model,
    v: &ValidBackfill,
) -> Result<(CourseChoice, i64), RepoError> {
    let province = Province::of(&c.province).map_err(|e| RepoError::Invalid(e.0))?;
    if !province.has_backfill() {
        return Err(RepoError::Invalid(format!(
            "{}自学考试不办理成绩补录，无需也不能在此办理",
            province.label()
        )));
    }
    let courses = courses_of(conn, c).await?;
    let Some(course) = courses.into_iter().find(|o| o.code == v.course_code) else {
        return Err(RepoError::Invalid(format!(
            "课程{}不在您在籍专业的考试计划中，不能补录；请先在“在籍专业”中添加该课程所属的专业",
            v.course_code
        )));
    };
    if course.passed {
        return Err(RepoError::Invalid(format!(
            "管理平台中已有课程{} {}的合格成绩，可直接用于申请毕业，无需补录",
            course.code, course.name
        )));
    }
    let handler = match v.source.handler() {
        BackfillHandler::ConfirmationPoint => c.registration_org_id,
        BackfillHandler::ChiefUniversity => course.chief_university_id,
    };
    Ok((course, handler))
}

/// What was stored for the scan.
#[derive(Debug, Clone)]
pub struct Scan<'a> {
    /// The stored object.
    pub stored: Stored,
    /// The name the candidate's file had.
    pub original_name: &'a str,
}

fn conflict(course: &str) -> RepoError {
    RepoError::Conflict(format!(
        "课程{course}已有一份待审核的补录申请，请等待处理结果；驳回后方可重新提交"
    ))
}

/// Files a request; [`route`] decides the handler. A second pending request for the course is
/// refused by the unique index, even when two arrive at once.
pub async fn file(
    db: &DatabaseConnection,
    c: &candidate::Model,
    v: &ValidBackfill,
    scan: Scan<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<backfill::Model, RepoError> {
    let (course, handler) = route(db, c, v).await?;
    let (tenths, passed) = v.value.to_db();
    let txn = crate::write::begin_write(db).await?;
    let saved = backfill::ActiveModel {
        candidate_id: Set(c.id),
        source: Set(v.source.code().to_owned()),
        course_code: Set(v.course_code.clone()),
        pending_course: Set(Some(v.course_code.clone())),
        score_tenths: Set(tenths),
        passed: Set(passed),
        obtained_on: Set(v.obtained_on),
        document_no: Set(v.document_no.clone()),
        handler_org_id: Set(handler),
        major_id: Set(course.major_id),
        scan_key: Set(scan.stored.key.clone()),
        scan_name: Set(scan.original_name.chars().take(255).collect()),
        scan_sha256: Set(scan.stored.sha256.clone()),
        scan_size: Set(i64::try_from(scan.stored.size).unwrap_or(i64::MAX)),
        status: Set(BackfillStatus::Pending.code().to_owned()),
        original_kept: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            conflict(&v.course_code)
        } else {
            RepoError::Db(e)
        }
    })?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: "candidate",
            id: Some(c.id),
        },
        "score_backfill.filed",
        ("score_backfill", Some(saved.id)),
        &format!(
            "source={} course={} handler_org_id={handler}",
            v.source.code(),
            v.course_code
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A candidate's requests, newest first.
pub async fn of_candidate<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<backfill::Model>, RepoError> {
    Ok(backfill::Entity::find()
        .filter(backfill::Column::CandidateId.eq(candidate_id))
        .order_by_desc(backfill::Column::CreatedAt)
        .order_by_desc(backfill::Column::Id)
        .all(conn)
        .await?)
}

/// The requests an organisation handles: pending ones oldest first, or decided ones newest first.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    pending: bool,
) -> Result<Vec<backfill::Model>, RepoError> {
    let q = backfill::Entity::find().filter(backfill::Column::HandlerOrgId.eq(org_id));
    let q = if pending {
        q.filter(backfill::Column::Status.eq(BackfillStatus::Pending.code()))
            .order_by_asc(backfill::Column::CreatedAt)
    } else {
        q.filter(backfill::Column::Status.ne(BackfillStatus::Pending.code()))
            .order_by_desc(backfill::Column::DecidedAt)
    };
    Ok(q.order_by_asc(backfill::Column::Id).all(conn).await?)
}

/// One page of the requests an organisation handles ([`keyset`], at most `per_page`): pending
/// ones oldest first, or decided ones most recently decided first (every decided request has a
/// decision time).
pub async fn queue_page<C: crate::reader::Reads>(
    conn: &C,
    org_id: i64,
    pending: bool,
    at: keyset::PageAt,
    per_page: u64,
) -> Result<keyset::Page<backfill::Model>, RepoError> {
    let q = backfill::Entity::find().filter(backfill::Column::HandlerOrgId.eq(org_id));
    let (q, order) = if pending {
        (
            q.filter(backfill::Column::Status.eq(BackfillStatus::Pending.code())),
            keyset::Order {
                key: Some(backfill::Column::CreatedAt),
                id: backfill::Column::Id,
                descending: false,
            },
        )
    } else {
        (
            q.filter(backfill::Column::Status.ne(BackfillStatus::Pending.code())),
            keyset::Order {
                key: Some(backfill::Column::DecidedAt),
                id: backfill::Column::Id,
                descending: true,
            },
        )
    };
    Ok(
        keyset::fetch(conn, q, &order, at, per_page, |r: &backfill::Model| {
            let at = if pending {
                r.created_at
            } else {
                r.decided_at.unwrap_or(DateTime::UNIX_EPOCH)
            };
            keyset::Cursor::new(at, r.id)
        })
        .await?,
    )
}

/// A request, only for the organisation that handles it (anyone else gets `NotFound`).
pub async fn get_for_handler<C: ConnectionTrait>(
    conn: &C,
    org_id: i64,
    id: i64,
) -> Result<backfill::Model, RepoError> {
    backfill::Entity::find_by_id(id)
        .filter(backfill::Column::HandlerOrgId.eq(org_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A request, only for the candidate who filed it.
pub async fn get_for_candidate<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    id: i64,
) -> Result<backfill::Model, RepoError> {
    backfill::Entity::find_by_id(id)
        .filter(backfill::Column::CandidateId.eq(candidate_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A handler's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// 通过: enter the result; `original_kept` is the 原件已收取存档 tick.
    Approve {
        /// Staff confirm they took the original for the record.
        original_kept: bool,
    },
    /// 驳回 with the reason the candidate sees.
    Reject(String),
}

/// Approves or rejects a pending request as its handling organisation. Approval inserts the
/// backfilled score; a certificate or letter is approved only with the original taken.
pub async fn decide(
    db: &DatabaseConnection,
    id: i64,
    org_id: i64,
    staff_id: i64,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<backfill::Model, RepoError> {
    // Two handlers at once may deadlock on MySQL/MariaDB; the victim runs again and finds the
    // request decided.
    crate::repo::retry_deadlock(|| decide_once(db, id, org_id, staff_id, decision.clone(), now))
        .await
}

async fn decide_once(
    db: &DatabaseConnection,
    id: i64,
    org_id: i64,
    staff_id: i64,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<backfill::Model, RepoError> {
    let r = get_for_handler(db, org_id, id).await?;
    let source = BackfillSource::from_code(&r.source)
        .ok_or_else(|| RepoError::Invalid(format!("未知的补录依据：{}", r.source)))?;
    if r.status != BackfillStatus::Pending.code() {
        return Err(already_decided());
    }
    let (status, reason, kept) = match &decision {
        Decision::Approve { original_kept } => {
            if source.keeps_original() && !original_kept {
                return Err(RepoError::Invalid(format!(
                    "{}的补录须由确认点验证后收取原件存档备查：请收取原件后勾选“原件已收取存档”，再通过",
                    source.label()
                )));
            }
            (BackfillStatus::Approved, None, *original_kept)
        }
        Decision::Reject(reason) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(RepoError::Invalid(
                    "驳回时请填写原因，考生将看到该原因".to_owned(),
                ));
            }
            if reason.chars().count() > 200 {
                return Err(RepoError::Invalid(format!(
                    "驳回原因最多200字，实际为{}字",
                    reason.chars().count()
                )));
            }
            (BackfillStatus::Rejected, Some(reason.to_owned()), false)
        }
    };
    let txn = crate::write::begin_write(db).await?;
    // First statement of the transaction: on SQLite it takes the write lock before any read, so a
    // concurrent decision waits and then finds the status changed.
    let n = backfill::Entity::update_many()
        .col_expr(backfill::Column::Status, Expr::value(status.code()))
        .col_expr(
            backfill::Column::PendingCourse,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            backfill::Column::DecisionReason,
            Expr::value(reason.clone()),
        )
        .col_expr(backfill::Column::OriginalKept, Expr::value(kept))
        .col_expr(backfill::Column::DecidedBy, Expr::value(staff_id))
        .col_expr(backfill::Column::DecidedAt, Expr::value(now))
        .filter(backfill::Column::Id.eq(r.id))
        .filter(backfill::Column::HandlerOrgId.eq(org_id))
        .filter(backfill::Column::Status.eq(BackfillStatus::Pending.code()))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(already_decided());
    }
    let names = reference::course_names(&txn).await?;
    let course_name = names.get(&r.course_code).cloned().unwrap_or_default();
    let course = format!("{} {course_name}", r.course_code);
    let actor = Actor::staff(staff_id);
    let subject = ("score_backfill", Some(r.id));
    match status {
        BackfillStatus::Approved => {
            let value = ScoreValue::from_db(r.score_tenths, r.passed).unwrap_or(ScoreValue::Pass);
            let (tenths, passed) = value.to_db();
            let score = score_record::ActiveModel {
                candidate_id: Set(r.candidate_id),
                course_code: Set(r.course_code.clone()),
                score_tenths: Set(tenths),
                passed: Set(passed),
                exam_date: Set(r.obtained_on),
                source: Set(ScoreSource::Backfill.code().to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    RepoError::Conflict(format!(
                        "管理平台中已有课程{course}同一日期的补录成绩，无需再次补录"
                    ))
                } else {
                    RepoError::Db(e)
                }
            })?;
            backfill::Entity::update_many()
                .col_expr(backfill::Column::ScoreRecordId, Expr::value(score.id))
                .filter(backfill::Column::Id.eq(r.id))
                .exec(&txn)
                .await?;
            audit::record(
                &txn,
                now,
                actor,
                "score_backfill.approved",
                subject,
                &format!(
                    "course={} score_record_id={} original_kept={kept}",
                    r.course_code, score.id
                ),
                None,
            )
            .await?;
            let text = messages::backfill_approved(&r.course_code, &course_name, &value.display());
            inbox::send(
                &txn,
                Recipient::Candidate(r.candidate_id),
                &text.title,
                &text.body,
                Some(PAGE),
                now,
            )
            .await?;
        }
        _ => {
            let reason = reason.unwrap_or_default();
            audit::record(
                &txn,
                now,
                actor,
                "score_backfill.rejected",
                subject,
                &format!("course={} reason={reason}", r.course_code),
                None,
            )
            .await?;
            let text = messages::backfill_rejected(&r.course_code, &course_name, &reason);
            inbox::send(
                &txn,
                Recipient::Candidate(r.candidate_id),
                &text.title,
                &text.body,
                Some(PAGE),
                now,
            )
            .await?;
        }
    }
    let saved = backfill::Entity::find_by_id(r.id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    txn.commit().await?;
    Ok(saved)
}

fn already_decided() -> RepoError {
    RepoError::Conflict("该补录申请已被处理（可能是其他工作人员刚刚处理），请刷新后查看".to_owned())
}

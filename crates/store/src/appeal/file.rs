//! Filing an appeal: the appellant's statement and files against a decision still standing,
//! within its batch's period, once per decision. The appeal, its files, the audit row and the
//! 收件箱 messages (a receipt to the appellant, a notice to those who decide it) are written in one
//! transaction.

use chrono::{DateTime, Utc};
use domain::appeal::{AppealStatus, check_file_count, check_statement};
use domain::messages::inbox as messages;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::{CANDIDATE, Target, already_filed, current_target, deciders, of_decision};
use crate::entity::{appeal, appeal_file, batch, candidate, student};
use crate::objects::Stored;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::{RepoError, is_unique_violation};

/// Where the appellant follows an appeal.
pub fn appellant_page(kind: domain::appeal::AppealKind) -> &'static str {
    match kind {
        domain::appeal::AppealKind::DegreeAward => "/student/degree",
        domain::appeal::AppealKind::Language => "/student/language",
        domain::appeal::AppealKind::Graduation => "/candidate/application/progress",
    }
}

/// The 收件箱 of appellant `id` of kind `kind` ([`super::STUDENT`] or [`CANDIDATE`]).
pub fn appellant_inbox(kind: &str, id: i64) -> Recipient {
    if kind == CANDIDATE {
        Recipient::Candidate(id)
    } else {
        Recipient::Student(id)
    }
}

/// The staff page of application `subject_id`, the subject of an appeal of `kind`.
pub fn staff_page(kind: domain::appeal::AppealKind, subject_id: i64) -> String {
    match kind {
        domain::appeal::AppealKind::DegreeAward => format!("/staff/degree/{subject_id}"),
        domain::appeal::AppealKind::Language => format!("/staff/language/{subject_id}"),
        domain::appeal::AppealKind::Graduation => format!("/staff/reviews/{subject_id}"),
    }
}

/// Tells the colleagues who were told appeal `a` was filed (the deciding organisation's
/// reviewers of its stage and its admins) its `outcome` and `reason`, all but `decided_by`,
/// who knows; call it in the transaction of the outcome.
pub(crate) async fn tell_deciders<C: ConnectionTrait>(
    conn: &C,
    a: &appeal::Model,
    outcome: AppealStatus,
    reason: &str,
    decided_by: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let Some(kind) = domain::appeal::AppealKind::from_code(&a.kind) else {
        return Ok(());
    };
    let colleagues: Vec<i64> = deciders(conn, a.org_id, &a.stage_name)
        .await?
        .into_iter()
        .filter(|id| *id != decided_by)
        .collect();
    if colleagues.is_empty() {
        return Ok(());
    }
    // Numbers, not names: the message may go on by text message and e-mail.
    let appellant = if a.appellant_kind == CANDIDATE {
        let no = candidate::Entity::find_by_id(a.appellant_id)
            .one(conn)
            .await?
            .map(|c| c.admission_no)
            .unwrap_or_default();
        format!("准考证号为 {no} 的考生")
    } else {
        let no = student::Entity::find_by_id(a.appellant_id)
            .one(conn)
            .await?
            .map(|s| s.student_no)
            .unwrap_or_default();
        format!("学号为 {no} 的学生")
    };
    let batch = batch::Entity::find_by_id(a.batch_id)
        .one(conn)
        .await?
        .map(|b| b.name)
        .unwrap_or_default();
    let text = messages::appeal_decided_for_staff(
        kind,
        outcome,
        &appellant,
        &batch,
        a.subject_id,
        a.id,
        reason,
        &a.stage_name,
    );
    let link = staff_page(kind, a.subject_id);
    for staff_id in colleagues {
        inbox::send(
            conn,
            Recipient::Staff(staff_id),
            &text.title,
            &text.body,
            Some(&link),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A file already checked and stored, to be recorded with the appeal.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    /// The stored object.
    pub stored: Stored,
    /// The name the student's file had.
    pub original_name: String,
    /// Its MIME type.
    pub content_type: &'static str,
}

/// Checks everything a filing depends on but its statement and files: the decision is the
/// appellant's (`appellant_id`, a student or the candidate of a graduation application), the
/// period has not run out, no appeal was filed against it. Called before the files are stored,
/// so a refused filing leaves nothing behind.
pub async fn check_can_file<C: sea_orm::ConnectionTrait>(
    conn: &C,
    appellant_id: i64,
    t: &Target,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    if t.appellant_id != appellant_id {
        return Err(RepoError::NotFound);
    }
    if let Some(a) = of_decision(conn, t).await? {
        return Err(already_filed(&a));
    }
    t.period().check(now).map_err(|e| RepoError::Invalid(e.0))?;
    Ok(())
}

/// Files an appeal of `appellant_id` (a student, or the candidate of a graduation application)
/// against decision `t` with `statement` and `files` (at most [`domain::appeal::MAX_FILES`],
/// already checked and stored).
pub async fn file(
    db: &sea_orm::DatabaseConnection,
    appellant_id: i64,
    t: &Target,
    statement: &str,
    files: &[NewEvidence],
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<appeal::Model, RepoError> {
    let statement = check_statement(statement).map_err(|e| RepoError::Invalid(e.0))?;
    check_file_count(files.len()).map_err(|e| RepoError::Invalid(e.0))?;
    check_can_file(db, appellant_id, t, now).await?;
    let org_id = super::handling_org(db, t).await?;
    // Two filings at once may deadlock on MySQL/MariaDB (both wait on the unique index); the
    // victim runs again and then finds the other's appeal.
    crate::repo::retry_deadlock(|| {
        file_once(db, appellant_id, t, &statement, files, org_id, now, ip)
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn file_once(
    db: &sea_orm::DatabaseConnection,
    appellant_id: i64,
    t: &Target,
    statement: &str,
    files: &[NewEvidence],
    org_id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<appeal::Model, RepoError> {
    let txn = crate::write::begin_write(db).await?;
    // The decision may have changed since the page was read (a reviewer recorded another
    // result): an appeal is against the decision that stands.
    let still = current_target(&txn, t.kind, t.subject_id).await?;
    if still.as_ref().is_none_or(|s| s.decided_at != t.decided_at) {
        txn.rollback().await?;
        return Err(RepoError::Conflict(
            "原决定已经变化（可能已被重新审核或更改），本次申辩未提交，请刷新页面后查看最新结果"
                .to_owned(),
        ));
    }
    let inserted = appeal::ActiveModel {
        kind: Set(t.kind.code().to_owned()),
        subject_id: Set(t.subject_id),
        appellant_kind: Set(t.appellant_kind.to_owned()),
        appellant_id: Set(appellant_id),
        batch_id: Set(t.batch.id),
        org_id: Set(org_id),
        stage: Set(i32::try_from(t.stage).ok()),
        stage_name: Set(t.stage_name.chars().take(40).collect()),
        decision: Set(t.decision.to_owned()),
        decided_at: Set(t.decided_at),
        closes_at: Set(t.period().closes_at()),
        decision_note: Set(t.note.clone()),
        statement: Set(statement.to_owned()),
        status: Set(AppealStatus::Pending.code().to_owned()),
        outcome_reason: Set(None),
        decided_by: Set(None),
        outcome_at: Set(None),
        version: Set(1),
        filed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let saved = match inserted {
        Ok(a) => a,
        Err(e) => {
            // Rolled back now: a transaction merely dropped keeps its locks on MySQL until its
            // connection is used again.
            txn.rollback().await?;
            if is_unique_violation(&e) {
                // Another filing against the same decision landed first.
                return Err(match of_decision(db, t).await? {
                    Some(a) => already_filed(&a),
                    None => {
                        RepoError::Conflict("该决定已有一份申辩，每项决定只能申辩一次".to_owned())
                    }
                });
            }
            return Err(RepoError::Db(e));
        }
    };
    if !files.is_empty() {
        let rows = files
            .iter()
            .enumerate()
            .map(|(i, f)| appeal_file::ActiveModel {
                appeal_id: Set(saved.id),
                position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                object_key: Set(f.stored.key.clone()),
                original_name: Set(f.original_name.chars().take(255).collect()),
                content_type: Set(f.content_type.to_owned()),
                size_bytes: Set(i64::try_from(f.stored.size).unwrap_or(i64::MAX)),
                sha256: Set(f.stored.sha256.clone()),
                created_at: Set(now),
                ..Default::default()
            });
        appeal_file::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    audit::record(
        &txn,
        now,
        Actor {
            kind: t.appellant_kind,
            id: Some(appellant_id),
        },
        "appeal.filed",
        ("appeal", Some(saved.id)),
        &format!(
            "kind={} subject_id={} decision={} files={}",
            t.kind.code(),
            t.subject_id,
            t.decision,
            files.len()
        ),
        ip,
    )
    .await?;
    let org = crate::repo::org::get(&txn, org_id).await?;
    let receipt = messages::appeal_filed(t.kind, &org.name, now);
    inbox::send(
        &txn,
        appellant_inbox(t.appellant_kind, appellant_id),
        &receipt.title,
        &receipt.body,
        Some(appellant_page(t.kind)),
        now,
    )
    .await?;
    let notice = if t.appellant_kind == CANDIDATE {
        let admission_no = candidate::Entity::find_by_id(appellant_id)
            .one(&txn)
            .await?
            .map(|c| c.admission_no)
            .unwrap_or_default();
        messages::graduation_appeal_received(&t.batch.name, &t.stage_name, &admission_no, saved.id)
    } else {
        let student_no = student::Entity::find_by_id(appellant_id)
            .one(&txn)
            .await?
            .map(|s| s.student_no)
            .unwrap_or_default();
        messages::appeal_received(t.kind, &t.batch.name, &student_no, saved.id)
    };
    let link = format!("/staff/appeals/{}", saved.id);
    for staff_id in deciders(&txn, org_id, &t.stage_name).await? {
        inbox::send(
            &txn,
            Recipient::Staff(staff_id),
            &notice.title,
            &notice.body,
            Some(&link),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(saved)
}

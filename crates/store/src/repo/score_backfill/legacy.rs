//! 13位准考证查询 (seed 003 §(一)1): results obtained under an older 13-character admission number
//! are looked up by that number after signing in with the 12-digit one. Linking the number to the
//! account copies its results into `score_records` (source `legacy`), because only results present
//! in the platform count for graduation.
//!
//! A number links only to the person it was issued to: the ID number recorded with its results
//! must equal the account's. The link row and the copies go in one transaction; linking again
//! copies nothing twice.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use domain::messages::inbox as messages;
use domain::{LegacyAdmissionNo, ScoreSource};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::{candidate, legacy_admission_no as link, legacy_score, score_record};
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::{RepoError, is_unique_violation};

/// What a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// False when the number was already linked to this account.
    pub newly_linked: bool,
    /// Results copied into the platform by this call.
    pub copied: usize,
}

fn taken() -> RepoError {
    RepoError::Conflict(
        "该13位准考证号已关联到其他账号，不能重复关联；如确属本人，请携带身份证和课程合格证书到确认点办理".to_owned(),
    )
}

/// Links `no` to the candidate and copies its results; see the module documentation.
pub async fn link(
    db: &DatabaseConnection,
    c: &candidate::Model,
    no: &LegacyAdmissionNo,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<Linked, RepoError> {
    let existing = link::Entity::find()
        .filter(link::Column::LegacyNo.eq(no.as_str()))
        .one(db)
        .await?;
    let newly_linked = match &existing {
        Some(l) if l.candidate_id != c.id => return Err(taken()),
        Some(_) => false,
        None => true,
    };
    let rows = scores_of_no(db, no.as_str()).await?;
    if rows.is_empty() && newly_linked {
        return Err(RepoError::Invalid(format!(
            "未查询到13位准考证号{no}的成绩记录，请核对准考证号后重新输入"
        )));
    }
    // Said without naming whose number it is: the records belong to someone else.
    if rows
        .iter()
        .any(|r| !r.id_card_no.eq_ignore_ascii_case(&c.id_card_no))
    {
        return Err(RepoError::Invalid(format!(
            "13位准考证号{no}登记的身份证号与您账号的身份证号不一致，不能关联。如身份证号曾变更或升位，请先申请考籍更正"
        )));
    }
    let txn = crate::write::begin_write(db).await?;
    if newly_linked {
        // First statement of the transaction (SQLite takes its write lock here); the unique index
        // on legacy_no settles two accounts linking the same number at once.
        link::ActiveModel {
            candidate_id: Set(c.id),
            legacy_no: Set(no.as_str().to_owned()),
            linked_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                taken()
            } else {
                RepoError::Db(e)
            }
        })?;
    }
    let have: HashSet<(String, chrono::NaiveDate)> = score_record::Entity::find()
        .filter(score_record::Column::CandidateId.eq(c.id))
        .filter(score_record::Column::Source.eq(ScoreSource::Legacy.code()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.course_code, s.exam_date))
        .collect();
    let mut copied = 0;
    for r in &rows {
        if have.contains(&(r.course_code.clone(), r.exam_date)) {
            continue;
        }
        score_record::ActiveModel {
            candidate_id: Set(c.id),
            course_code: Set(r.course_code.clone()),
            score_tenths: Set(r.score_tenths),
            passed: Set(r.passed),
            exam_date: Set(r.exam_date),
            source: Set(ScoreSource::Legacy.code().to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        copied += 1;
    }
    if newly_linked || copied > 0 {
        audit::record(
            &txn,
            now,
            Actor {
                kind: "candidate",
                id: Some(c.id),
            },
            "legacy_admission_no.linked",
            ("candidate", Some(c.id)),
            &format!("legacy_no={no} copied={copied}"),
            ip,
        )
        .await?;
        let text = messages::legacy_linked(no.as_str(), copied);
        inbox::send(
            &txn,
            Recipient::Candidate(c.id),
            &text.title,
            &text.body,
            Some("/candidate/legacy"),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Linked {
        newly_linked,
        copied,
    })
}

/// The results recorded under one 13-character number, by course then date.
pub async fn scores_of_no<C: ConnectionTrait>(
    conn: &C,
    no: &str,
) -> Result<Vec<legacy_score::Model>, RepoError> {
    Ok(legacy_score::Entity::find()
        .filter(legacy_score::Column::LegacyNo.eq(no))
        .order_by_asc(legacy_score::Column::CourseCode)
        .order_by_asc(legacy_score::Column::ExamDate)
        .all(conn)
        .await?)
}

/// The numbers linked to a candidate, each with its results, oldest link first.
pub async fn linked_of<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<(link::Model, Vec<legacy_score::Model>)>, RepoError> {
    let links = link::Entity::find()
        .filter(link::Column::CandidateId.eq(candidate_id))
        .order_by_asc(link::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(links.len());
    for l in links {
        let rows = scores_of_no(conn, &l.legacy_no).await?;
        out.push((l, rows));
    }
    Ok(out)
}

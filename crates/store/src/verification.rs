//! Issued documents (verifiable printouts): the record of each PDF issued with a verification
//! code, looked up by the public 验证 page, and the limit on those lookups.
//!
//! A record is written once and never changed. An issue is current while no later issue of the
//! same kind exists for the same person; the first later one is what superseded it.

use chrono::{DateTime, Duration, Utc};
use domain::verification::{DocumentKind, VerificationCode, mask_name};
use rand::RngCore;
use rand::rngs::OsRng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use crate::entity::issued_document::{self, Column, Entity};
use crate::repo::audit::{self, Actor};
use crate::repo::throttle::{self, AccountGate, Rule};
use crate::repo::{RepoError, is_unique_violation};

/// The audit action of an issue.
pub const ISSUED_ACTION: &str = "document.issued";

/// Lookups of codes per client address: thirty in ten minutes, then none for ten minutes.
/// Enough for an employer checking a pile of printouts; with 50-bit codes, hopeless for anyone
/// trying codes at random.
pub const LOOKUPS: Rule = Rule {
    max_failures: 30,
    window: Duration::minutes(10),
    lock: Duration::minutes(10),
};

/// A fresh code from the operating system's generator. Unique in practice (50 bits); the
/// unique index has the last word, see [`record`].
pub fn new_code() -> VerificationCode {
    let mut random = [0u8; 7];
    OsRng.fill_bytes(&mut random);
    VerificationCode::from_random(random)
}

/// Whom a document is about.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    /// A self-study candidate (考生), by id.
    Candidate(i64),
    /// A continuing-education student (学生), by id.
    Student(i64),
}

impl Holder {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Holder::Candidate(id) => ("candidate", id),
            Holder::Student(id) => ("student", id),
        }
    }
}

/// What is recorded of one issue besides the PDF itself.
#[derive(Debug, Clone)]
pub struct NewIssue<'a> {
    /// The code printed on the PDF.
    pub code: &'a VerificationCode,
    /// Which document.
    pub kind: DocumentKind,
    /// Whom it is about.
    pub holder: Holder,
    /// The holder's full name; only its masked form is kept.
    pub holder_name: &'a str,
    /// The issuing organisation (the province's examination office), when there is one.
    pub issuer_org_id: Option<i64>,
    /// Its name as the verify page shows it.
    pub issuer_name: &'a str,
}

/// Records that `pdf` was issued, with its SHA-256 and an audit row in the same transaction.
/// A code already taken (twice in 2⁵⁰, or a caller's mistake) is a [`RepoError::Conflict`]:
/// the PDF carries the code, so the caller renders again with a new one.
pub async fn record(
    db: &DatabaseConnection,
    issue: &NewIssue<'_>,
    pdf: &[u8],
    actor: Actor,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<issued_document::Model, RepoError> {
    let (subject_kind, subject_id) = issue.holder.parts();
    let sha256 = hex::encode(Sha256::digest(pdf));
    let txn = crate::write::begin_write(db).await?;
    let inserted = issued_document::ActiveModel {
        code: Set(issue.code.as_str().to_owned()),
        kind: Set(issue.kind.code().to_owned()),
        subject_kind: Set(subject_kind.to_owned()),
        subject_id: Set(subject_id),
        holder_masked: Set(mask_name(issue.holder_name)),
        issuer_org_id: Set(issue.issuer_org_id),
        issuer_name: Set(issue.issuer_name.to_owned()),
        issued_at: Set(now),
        sha256: Set(sha256.clone()),
        size_bytes: Set(i64::try_from(pdf.len()).unwrap_or(i64::MAX)),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(e) if is_unique_violation(&e) => {
            return Err(RepoError::Conflict("验证码已被占用".to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        now,
        actor,
        ISSUED_ACTION,
        (subject_kind, Some(subject_id)),
        &format!(
            "{} 验证码 {} SHA-256 {sha256}",
            issue.kind.label(),
            issue.code
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// An issue as the verify page reports it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The issue the code names.
    pub issue: issued_document::Model,
    /// The first later issue of the same document for the same person: `None` while this one
    /// is current.
    pub superseded_by: Option<issued_document::Model>,
}

impl Verified {
    /// Which document, when the stored code is one this version knows.
    pub fn kind(&self) -> Option<DocumentKind> {
        DocumentKind::from_code(&self.issue.kind)
    }
}

/// The issue with this code and whether it is still current; `None` for a code never issued.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    code: &VerificationCode,
) -> Result<Option<Verified>, DbErr> {
    let Some(issue) = Entity::find()
        .filter(Column::Code.eq(code.as_str()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let superseded_by = Entity::find()
        .filter(Column::SubjectKind.eq(&issue.subject_kind))
        .filter(Column::SubjectId.eq(issue.subject_id))
        .filter(Column::Kind.eq(&issue.kind))
        .filter(Column::Id.gt(issue.id))
        .order_by_asc(Column::Id)
        .one(conn)
        .await?;
    Ok(Some(Verified {
        issue,
        superseded_by,
    }))
}

/// The newest issue of `kind` for `holder`, the one that is current; `None` before the first.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    kind: DocumentKind,
    holder: Holder,
) -> Result<Option<issued_document::Model>, DbErr> {
    let (subject_kind, subject_id) = holder.parts();
    Entity::find()
        .filter(Column::SubjectKind.eq(subject_kind))
        .filter(Column::SubjectId.eq(subject_id))
        .filter(Column::Kind.eq(kind.code()))
        .order_by_desc(Column::Id)
        .one(conn)
        .await
}

/// Counts one lookup from a client address against [`LOOKUPS`]: `None` when it may go on,
/// else until when lookups from the address are refused. Every lookup counts, found or not.
pub async fn reserve_lookup(
    db: &DatabaseConnection,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let key = format!("verify:{client}");
    Ok(
        match throttle::reserve_check(db, &key, LOOKUPS, now).await? {
            AccountGate::Check { .. } => None,
            AccountGate::Locked(until) => Some(until),
        },
    )
}

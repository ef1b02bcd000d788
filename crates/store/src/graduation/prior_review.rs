//! The manual prior-education review of provinces that check prior education before submitting
//! (seed 003 §(二)1): when the credential service cannot
//! confirm the prior diploma, the candidate uploads its scan, the 电子注册备案表 and any legal
//! change proof and submits them for 人工审核; the confirmation point (社会考生) or chief university
//! (学分互认在校生) checks the originals and uploads copies stamped "复印件与原件一致"; the provincial
//! office gives the final review. The result belongs to this application only.
//!
//! Each step is a conditional UPDATE on the application's `prior_check` and `version`, written
//! first in its transaction, so two staff members acting at once leave one result.

use chrono::{DateTime, Utc};
use domain::graduation::form::FileSlot;
use domain::messages::inbox as messages;
use domain::review::{ReviewerRule, Stage, StageKind};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::application::{
    CHANGED_MESSAGE, Decision, NewFile, PRIOR_AWAITING_FINAL, PRIOR_AWAITING_ORIGINALS,
    PRIOR_MANUAL, PRIOR_VERIFIED, files, get, reviewer_of,
};
use crate::entity::{application_file, candidate, graduation_application as app, organisation};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::versioned;

const PROGRESS: &str = "/candidate/application#prior";

/// The organisation a rule points at for this application (the pipeline's own resolution).
async fn org_by_rule<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    rule: ReviewerRule,
) -> Result<Option<i64>, RepoError> {
    let stage = Stage {
        name: String::new(),
        kind: StageKind::Review(rule),
        limit_working_days: None,
    };
    reviewer_of(conn, a, &stage).await
}

/// Moves `prior_check` from `from` to `to` if nobody changed the application since it was read.
async fn claim<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    from: &str,
    to: &str,
    extra: Vec<(app::Column, SimpleExpr)>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut set = vec![
        (app::Column::PriorCheck, Expr::value(to)),
        (app::Column::UpdatedAt, Expr::value(now)),
    ];
    set.extend(extra);
    let guard = Condition::all()
        .add(app::Column::Id.eq(a.id))
        .add(app::Column::PriorCheck.eq(from));
    versioned::claim(
        conn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: Some(a.version),
            guard,
        },
        set,
        CHANGED_MESSAGE,
    )
    .await
}

/// The candidate submits the prior-education section for 人工审核. Refused, naming what is
/// missing, until the details and both required scans are on the form.
pub async fn submit(
    db: &DatabaseConnection,
    a: &app::Model,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    if a.prior_check != PRIOR_MANUAL {
        return Err(RepoError::Invalid(
            "前置学历无需人工审核，或已提交人工审核".to_owned(),
        ));
    }
    let fs = files(db, a.id).await?;
    let mut missing = Vec::new();
    if a.prior_cert_no.is_none() {
        missing.push("前置学历信息".to_owned());
    }
    for slot in [FileSlot::PriorDiploma, FileSlot::PriorRegistration] {
        if !fs.iter().any(|f| f.slot == slot.code()) {
            missing.push(format!("{}扫描件", slot.label()));
        }
    }
    if !missing.is_empty() {
        return Err(RepoError::Invalid(format!(
            "提交人工审核前请先完成：{}",
            missing.join("、")
        )));
    }
    let org = org_by_rule(db, a, ReviewerRule::ConfirmationPointOrUniversity)
        .await?
        .ok_or_else(|| RepoError::Invalid("找不到负责核验原件的确认点或主考学校".to_owned()))?;
    let org_name = crate::repo::org::get(db, org).await?.name;
    let txn = crate::write::begin_write(db).await?;
    claim(
        &txn,
        a,
        PRIOR_MANUAL,
        PRIOR_AWAITING_ORIGINALS,
        vec![
            (app::Column::PriorOriginalsOrgId, Expr::value(org)),
            (
                app::Column::PriorOriginalsCheckedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            ),
        ],
        now,
    )
    .await?;
    let actor = Actor {
        kind: "candidate",
        id: Some(a.candidate_id),
    };
    audit::record(
        &txn,
        now,
        actor,
        "prior_education.submitted_for_manual_review",
        ("graduation_application", Some(a.id)),
        &format!("org_id={org}"),
        ip,
    )
    .await?;
    let text = messages::prior_manual_submitted(&org_name);
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(PROGRESS),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Applications whose prior education waits for this organisation: originals to check (the
/// confirmation point or university named at submission) or the final review (the office).
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
) -> Result<Vec<app::Model>, RepoError> {
    Ok(app::Entity::find()
        .filter(waiting_at(org))
        .order_by_asc(app::Column::UpdatedAt)
        .order_by_asc(app::Column::Id)
        .all(conn)
        .await?)
}

/// One page of [`queue`], longest waiting first (by the time the application last changed,
/// then id), read by key from `at`: no cap, however many wait.
pub async fn queue_page<C: crate::reader::Reads>(
    conn: &C,
    org: &organisation::Model,
    at: crate::keyset::PageAt,
    per_page: u64,
) -> Result<crate::keyset::Page<app::Model>, RepoError> {
    let order = crate::keyset::Order {
        key: Some(app::Column::UpdatedAt),
        id: app::Column::Id,
        descending: false,
    };
    let q = app::Entity::find().filter(waiting_at(org));
    Ok(
        crate::keyset::fetch(conn, q, &order, at, per_page, |a: &app::Model| {
            crate::keyset::Cursor::new(a.updated_at, a.id)
        })
        .await?,
    )
}

/// What waits for `org`: originals to check there, and at the provincial office the final
/// review of its province's candidates.
fn waiting_at(org: &organisation::Model) -> Condition {
    let mut cond = Condition::any().add(
        Condition::all()
            .add(app::Column::PriorCheck.eq(PRIOR_AWAITING_ORIGINALS))
            .add(app::Column::PriorOriginalsOrgId.eq(org.id)),
    );
    if org.kind == domain::OrgKind::ProvincialOffice.code() {
        // The office gives the final review for candidates of its own province, in one query.
        let of_province = sea_orm::sea_query::Query::select()
            .column(candidate::Column::Id)
            .from(candidate::Entity)
            .and_where(candidate::Column::Province.eq(org.province.clone()))
            .to_owned();
        cond = cond.add(
            Condition::all()
                .add(app::Column::PriorCheck.eq(PRIOR_AWAITING_FINAL))
                .add(app::Column::CandidateId.in_subquery(of_province)),
        );
    }
    cond
}

fn staff_actor(staff_id: i64) -> Actor {
    Actor::staff(staff_id)
}

/// The checking organisation uploads a stamped copy ("复印件与原件一致") while originals are
/// being checked.
pub async fn attach_stamped_copy(
    db: &DatabaseConnection,
    a: &app::Model,
    org_id: i64,
    staff_id: i64,
    new: NewFile<'_>,
    now: DateTime<Utc>,
) -> Result<application_file::Model, RepoError> {
    if a.prior_check != PRIOR_AWAITING_ORIGINALS || a.prior_originals_org_id != Some(org_id) {
        return Err(RepoError::NotFound);
    }
    let txn = crate::write::begin_write(db).await?;
    claim(
        &txn,
        a,
        PRIOR_AWAITING_ORIGINALS,
        PRIOR_AWAITING_ORIGINALS,
        vec![],
        now,
    )
    .await?;
    let new = NewFile {
        slot: FileSlot::PriorStampedCopy,
        course_code: None,
        ..new
    };
    let saved = super::application::file_row(a.id, &new, now)
        .insert(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        staff_actor(staff_id),
        "prior_education.stamped_copy_uploaded",
        ("graduation_application", Some(a.id)),
        &format!("sha256={} size={}", new.stored.sha256, new.stored.size),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The checking organisation records that it saw the originals; at least one stamped copy must
/// be uploaded first. The application moves on to the office's final review.
pub async fn record_originals_checked(
    db: &DatabaseConnection,
    a: &app::Model,
    org_id: i64,
    staff_id: i64,
    now: DateTime<Utc>,
) -> Result<app::Model, RepoError> {
    if a.prior_check != PRIOR_AWAITING_ORIGINALS || a.prior_originals_org_id != Some(org_id) {
        return Err(RepoError::NotFound);
    }
    let fs = files(db, a.id).await?;
    if !fs
        .iter()
        .any(|f| f.slot == FileSlot::PriorStampedCopy.code())
    {
        return Err(RepoError::Invalid(
            "请先上传签字盖章确认“复印件与原件一致”的复印件扫描件".to_owned(),
        ));
    }
    let txn = crate::write::begin_write(db).await?;
    claim(
        &txn,
        a,
        PRIOR_AWAITING_ORIGINALS,
        PRIOR_AWAITING_FINAL,
        vec![(app::Column::PriorOriginalsCheckedAt, Expr::value(now))],
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        staff_actor(staff_id),
        "prior_education.originals_checked",
        ("graduation_application", Some(a.id)),
        &format!("org_id={org_id}"),
        None,
    )
    .await?;
    let text = messages::prior_originals_checked();
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(PROGRESS),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// The provincial office's final review. Approval verifies the prior education for this
/// application; rejection sends it back to the candidate with the reason.
pub async fn final_review(
    db: &DatabaseConnection,
    a: &app::Model,
    org_id: i64,
    staff_id: i64,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<app::Model, RepoError> {
    if a.prior_check != PRIOR_AWAITING_FINAL
        || org_by_rule(db, a, ReviewerRule::Office).await? != Some(org_id)
    {
        return Err(RepoError::NotFound);
    }
    let (to, extra, text, action) = match &decision {
        Decision::Approve => (
            PRIOR_VERIFIED,
            vec![(
                app::Column::PriorReviewReason,
                Expr::value(Option::<String>::None),
            )],
            messages::prior_approved(),
            "prior_education.approved",
        ),
        Decision::Reject(reason) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(RepoError::Invalid("驳回时请填写原因".to_owned()));
            }
            (
                PRIOR_MANUAL,
                vec![
                    (
                        app::Column::PriorReviewReason,
                        Expr::value(reason.to_owned()),
                    ),
                    (
                        app::Column::PriorOriginalsCheckedAt,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    ),
                ],
                messages::prior_rejected(reason),
                "prior_education.rejected",
            )
        }
    };
    let txn = crate::write::begin_write(db).await?;
    claim(&txn, a, PRIOR_AWAITING_FINAL, to, extra, now).await?;
    let detail = match &decision {
        Decision::Approve => String::new(),
        Decision::Reject(r) => format!("reason={}", r.trim()),
    };
    audit::record(
        &txn,
        now,
        staff_actor(staff_id),
        action,
        ("graduation_application", Some(a.id)),
        &detail,
        None,
    )
    .await?;
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(PROGRESS),
        now,
    )
    .await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Whether the candidate may still change the prior-education section (not while it is with
/// the confirmation point, university or office, nor once the office approved it).
pub fn prior_locked(a: &app::Model) -> bool {
    matches!(
        a.prior_check.as_str(),
        PRIOR_AWAITING_ORIGINALS | PRIOR_AWAITING_FINAL
    ) || prior_decided(a)
}

/// Whether the manual review has approved the prior education: the originals were checked and
/// the office verified it. Nothing about the section changes any more in this application.
pub fn prior_decided(a: &app::Model) -> bool {
    a.prior_check == PRIOR_VERIFIED && a.prior_originals_checked_at.is_some()
}

/// Why the candidate cannot change the prior-education section now: the review still running,
/// or its approval.
pub fn locked_message(a: &app::Model) -> &'static str {
    if prior_decided(a) {
        super::application::PRIOR_DECIDED
    } else {
        super::application::PRIOR_LOCKED
    }
}

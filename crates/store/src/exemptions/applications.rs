//! 免考申请: a candidate applies online for the exemption of one course of their plan with its
//! ground (免考依据) and one scan; the district agency above their registration organisation
//! approves, which grants an online exemption, or refuses with a reason, after which the candidate
//! may apply again. Each change is audited in its transaction.

use chrono::{DateTime, Utc};
use domain::messages::inbox as messages;
use domain::{ExemptionMode, OrgKind};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::{candidate, exemption, exemption_application as app, organisation};
use crate::keyset;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::{RepoError, org, reference};

/// Where the candidate follows an application: the 免考申请 page.
const PAGE: &str = "/candidate/exemptions";

/// Waiting for the district agency.
pub const PENDING: &str = "pending";
/// Approved: the online exemption exists.
pub const APPROVED: &str = "approved";
/// Refused with a reason; the candidate may apply again.
pub const REJECTED: &str = "rejected";

/// The status in the candidate's and the reviewer's words.
pub fn status_label(code: &str) -> &'static str {
    match code {
        PENDING => "待审核",
        APPROVED => "已通过",
        REJECTED => "未通过",
        _ => "",
    }
}

/// A course the candidate may apply for: in the plan of an enrolled major, neither passed nor
/// exempted, and without an application waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseChoice {
    /// Course code.
    pub code: String,
    /// Course name.
    pub name: String,
}

/// The courses [`file`] accepts for `c`, in plan order.
pub async fn courses_open<C: crate::reader::Reads>(
    conn: &C,
    c: &candidate::Model,
) -> Result<Vec<CourseChoice>, RepoError> {
    let scores = reference::scores_of(conn, c.id).await?;
    let exempted: Vec<String> = reference::exemptions_of(conn, c.id)
        .await?
        .into_iter()
        .map(|e| e.course_code)
        .collect();
    let waiting: Vec<String> = of_candidate(conn, c.id)
        .await?
        .into_iter()
        .filter(|a| a.status == PENDING)
        .map(|a| a.course_code)
        .collect();
    let mut out: Vec<CourseChoice> = Vec::new();
    for m in reference::enrolled_majors(conn, c.id).await? {
        for row in reference::plan(conn, m.major.id).await? {
            let code = row.course.course_code;
            let passed = scores.iter().any(|s| s.passed && s.course_code == code);
            if passed
                || exempted.contains(&code)
                || waiting.contains(&code)
                || out.iter().any(|o| o.code == code)
            {
                continue;
            }
            out.push(CourseChoice {
                code,
                name: row.name,
            });
        }
    }
    Ok(out)
}

/// The district (or prefecture) agency that decides the candidate's exemptions: their
/// registration organisation or its nearest ancestor of that kind.
pub async fn handler_of<C: ConnectionTrait>(
    conn: &C,
    c: &candidate::Model,
) -> Result<organisation::Model, RepoError> {
    let agency = [
        OrgKind::DistrictAgency.code(),
        OrgKind::PrefectureAgency.code(),
    ];
    let mut current = Some(org::get(conn, c.registration_org_id).await?);
    while let Some(o) = current {
        if agency.contains(&o.kind.as_str()) {
            return Ok(o);
        }
        current = match o.parent_id {
            Some(p) => Some(org::get(conn, p).await?),
            None => None,
        };
    }
    Err(RepoError::Invalid(
        "您的报考机构没有上级区县（州市）考试机构，无法在线申请免考，请到报考机构咨询".to_owned(),
    ))
}

/// A checked application, with its scan already stored.
pub struct NewApplication<'a> {
    /// Who applies.
    pub candidate: &'a candidate::Model,
    /// One of [`courses_open`].
    pub course_code: &'a str,
    /// 免考依据, checked by [`super::validate_basis`].
    pub basis: &'a str,
    /// The stored scan.
    pub scan: &'a crate::objects::Stored,
    /// Its original name.
    pub scan_name: &'a str,
    /// Its MIME type.
    pub scan_type: &'a str,
}

/// Checks an application before its scan is stored: the course is open to the candidate and an
/// agency decides it. Returns the agency.
pub async fn check<C: crate::reader::Reads>(
    conn: &C,
    c: &candidate::Model,
    course_code: &str,
) -> Result<organisation::Model, RepoError> {
    if course_code.trim().is_empty() {
        return Err(RepoError::Invalid("请选择申请免考的课程".to_owned()));
    }
    if !courses_open(conn, c)
        .await?
        .iter()
        .any(|o| o.code == course_code)
    {
        return Err(RepoError::Invalid(format!(
            "课程“{course_code}”不能申请免考：须为在籍专业考试计划中尚未合格、尚未免考且没有待审核申请的课程"
        )));
    }
    handler_of(conn, c).await
}

/// Files an application (status 待审核) and audits it as `exemption.applied`.
pub async fn file(
    db: &DatabaseConnection,
    new: NewApplication<'_>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let handler = check(db, new.candidate, new.course_code).await?;
    let txn = crate::write::begin_write(db).await?;
    let saved = app::ActiveModel {
        candidate_id: Set(new.candidate.id),
        course_code: Set(new.course_code.to_owned()),
        basis: Set(new.basis.to_owned()),
        handler_org_id: Set(handler.id),
        scan_key: Set(new.scan.key.clone()),
        scan_name: Set(new.scan_name.chars().take(255).collect()),
        scan_type: Set(new.scan_type.to_owned()),
        scan_sha256: Set(new.scan.sha256.clone()),
        scan_size: Set(i64::try_from(new.scan.size).unwrap_or(i64::MAX)),
        status: Set(PENDING.to_owned()),
        decision_reason: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        Actor {
            kind: "candidate",
            id: Some(new.candidate.id),
        },
        "exemption.applied",
        ("exemption_application", Some(saved.id)),
        &format!(
            "{} 依据：{} sha256={}",
            saved.course_code, saved.basis, saved.scan_sha256
        ),
        ip,
    )
    .await?;
    let text = messages::exemption_submitted(&saved.course_code, now, &handler.name);
    inbox::send(
        &txn,
        Recipient::Candidate(new.candidate.id),
        &text.title,
        &text.body,
        Some(PAGE),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A candidate's applications, newest first.
pub async fn of_candidate<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<app::Model>, RepoError> {
    Ok(app::Entity::find()
        .filter(app::Column::CandidateId.eq(candidate_id))
        .order_by_desc(app::Column::Id)
        .all(conn)
        .await?)
}

/// One of the candidate's own applications; another's is not found.
pub async fn get_for_candidate<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    id: i64,
) -> Result<app::Model, RepoError> {
    app::Entity::find_by_id(id)
        .filter(app::Column::CandidateId.eq(candidate_id))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// The queue's order: newest first, by id.
const QUEUE_ORDER: keyset::Order<app::Column> = keyset::Order {
    key: None,
    id: app::Column::Id,
    descending: true,
};

/// One page of the applications handled within the reviewer's subtree (`org`'s tree path),
/// pending ones or the decided ones, newest first ([`keyset`], at most `per_page`).
pub async fn queue<C: crate::reader::Reads>(
    conn: &C,
    reviewer_org: &organisation::Model,
    pending: bool,
    at: keyset::PageAt,
    per_page: u64,
) -> Result<keyset::Page<app::Model>, RepoError> {
    let status = if pending {
        app::Column::Status.eq(PENDING)
    } else {
        app::Column::Status.ne(PENDING)
    };
    let q = app::Entity::find()
        .filter(in_subtree(reviewer_org))
        .filter(status);
    Ok(
        keyset::fetch(conn, q, &QUEUE_ORDER, at, per_page, |a: &app::Model| {
            keyset::Cursor::by_id(a.id)
        })
        .await?,
    )
}

fn in_subtree(reviewer_org: &organisation::Model) -> sea_orm::Condition {
    let below = Query::select()
        .column(organisation::Column::Id)
        .from(organisation::Entity)
        .and_where(Expr::col(organisation::Column::Path).like(format!("{}%", reviewer_org.path)))
        .to_owned();
    sea_orm::Condition::all().add(app::Column::HandlerOrgId.in_subquery(below))
}

/// One application a reviewer of `reviewer_org` may see; outside its subtree it is not found.
pub async fn get_for_reviewer<C: ConnectionTrait>(
    conn: &C,
    reviewer_org: &organisation::Model,
    id: i64,
) -> Result<app::Model, RepoError> {
    app::Entity::find_by_id(id)
        .filter(in_subtree(reviewer_org))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// 通过 or 不通过, as the reviewer chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 通过: the online exemption is granted today (Beijing time).
    Approve,
    /// 不通过, with a reason.
    Reject,
}

/// Who decides: a staff account and the organisation it is scoped to.
#[derive(Debug, Clone, Copy)]
pub struct Reviewer<'a> {
    /// The reviewer's organisation; only applications handled in its subtree are reached.
    pub org: &'a organisation::Model,
    /// The staff account, recorded on the decision and the audit row.
    pub staff_id: i64,
}

/// Decides a pending application in the reviewer's subtree. Approval records the online
/// exemption and its 免考 result (as [`super::record`] does for every exemption); refusal needs a
/// reason, which the candidate reads. Audited as `exemption.approved` / `exemption.rejected`.
pub async fn decide(
    db: &DatabaseConnection,
    reviewer: Reviewer<'_>,
    id: i64,
    decision: Decision,
    reason: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<app::Model, RepoError> {
    let a = get_for_reviewer(db, reviewer.org, id).await?;
    let staff_id = reviewer.staff_id;
    let reason = reason.trim();
    if decision == Decision::Reject && reason.is_empty() {
        return Err(RepoError::Invalid("不通过时须填写原因".to_owned()));
    }
    if reason.chars().count() > 200 {
        return Err(RepoError::Invalid(format!(
            "原因最多200个字，现有{}个字",
            reason.chars().count()
        )));
    }
    let txn = crate::write::begin_write(db).await?;
    let status = match decision {
        Decision::Approve => APPROVED,
        Decision::Reject => REJECTED,
    };
    // Only a pending application moves: a second reviewer deciding at the same time finds it
    // decided rather than deciding it twice.
    let moved = app::Entity::update_many()
        .col_expr(app::Column::Status, Expr::value(status))
        .col_expr(
            app::Column::DecisionReason,
            Expr::value((!reason.is_empty()).then(|| reason.to_owned())),
        )
        .col_expr(app::Column::DecidedBy, Expr::value(staff_id))
        .col_expr(app::Column::DecidedAt, Expr::value(now))
        .filter(app::Column::Id.eq(a.id))
        .filter(app::Column::Status.eq(PENDING))
        .exec(&txn)
        .await?
        .rows_affected;
    if moved == 0 {
        return Err(RepoError::Conflict("该申请已处理，请刷新后查看".to_owned()));
    }
    let action = if decision == Decision::Approve {
        let already = exemption::Entity::find()
            .filter(exemption::Column::CandidateId.eq(a.candidate_id))
            .filter(exemption::Column::CourseCode.eq(a.course_code.as_str()))
            .one(&txn)
            .await?;
        if already.is_some() {
            return Err(RepoError::Conflict(format!(
                "考生的课程 {} 已有免考记录，无需再次通过",
                a.course_code
            )));
        }
        super::record(
            &txn,
            a.candidate_id,
            &a.course_code,
            ExemptionMode::Online,
            domain::calendar::beijing_date(now),
            &a.basis,
            now,
        )
        .await?;
        "exemption.approved"
    } else {
        "exemption.rejected"
    };
    audit::record(
        &txn,
        now,
        Actor::staff(staff_id),
        action,
        ("exemption_application", Some(a.id)),
        &format!("{} {}", a.course_code, reason),
        ip,
    )
    .await?;
    let text = if decision == Decision::Approve {
        messages::exemption_approved(&a.course_code)
    } else {
        messages::exemption_rejected(&a.course_code, reason)
    };
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some(PAGE),
        now,
    )
    .await?;
    let saved = app::Entity::find_by_id(a.id)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    txn.commit().await?;
    Ok(saved)
}

//! Record corrections (考籍更正): a candidate asks for their 姓名 or 身份证号 to be corrected and
//! the examination agency responsible for them approves or rejects the request.

use chrono::{DateTime, Utc};
use domain::IdCardNo;
use domain::messages::inbox as messages;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::RepoError;
use super::audit::{self, Actor};
use super::inbox::{self, Recipient};
use crate::entity::{candidate, organisation, record_correction};

/// Where the candidate follows a request: the 考籍更正 page.
const PAGE: &str = "/candidate/corrections";

/// Status of a request awaiting review.
pub const PENDING: &str = "pending";
/// Status of an approved request (the change has been applied).
pub const APPROVED: &str = "approved";
/// Status of a rejected request.
pub const REJECTED: &str = "rejected";

/// Message when a request is missing or outside the reviewer's scope; both look the same so that
/// a reviewer cannot probe other organisations' requests.
pub const NOT_FOUND_MESSAGE: &str = "未找到该申请，或不在本机构管辖范围内";
/// Message when a request was already decided.
pub const ALREADY_DECIDED_MESSAGE: &str = "该申请已审核，不能重复处理";

/// Which part of the record a request corrects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// 姓名.
    Name,
    /// 身份证号 (gender and birth date follow from it).
    IdCardNo,
}

impl Field {
    /// Every field a request may correct.
    pub const ALL: [Field; 2] = [Field::Name, Field::IdCardNo];

    /// The stable code stored in the table.
    pub fn code(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdCardNo => "id_card_no",
        }
    }

    /// The label people see.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::IdCardNo => "身份证号",
        }
    }

    /// The field of a stored code.
    pub fn from_code(code: &str) -> Option<Field> {
        match code {
            "name" => Some(Field::Name),
            "id_card_no" => Some(Field::IdCardNo),
            _ => None,
        }
    }
}

/// Label of a stored status: 待审核 / 已通过 / 已驳回.
pub fn status_label(code: &str) -> &'static str {
    match code {
        PENDING => "待审核",
        APPROVED => "已通过",
        REJECTED => "已驳回",
        _ => "未知",
    }
}

/// Checks a requested new value with the domain rules and returns it normalised.
pub fn normalise_new_value(field: Field, raw: &str) -> Result<String, RepoError> {
    match field {
        Field::Name => {
            domain::validate_person_name(raw).map_err(|e| RepoError::Invalid(e.to_string()))
        }
        Field::IdCardNo => IdCardNo::parse(raw)
            .map(|i| i.as_str().to_owned())
            .map_err(|e| RepoError::Invalid(e.to_string())),
    }
}

/// Checks the stated reason: 5 to 200 characters after trimming.
pub fn validate_reason(raw: &str) -> Result<String, RepoError> {
    let reason = raw.trim();
    let len = reason.chars().count();
    if !(5..=200).contains(&len) {
        return Err(RepoError::Invalid(format!(
            "更正原因应为5至200个字，实际为{len}个字"
        )));
    }
    Ok(reason.to_owned())
}

fn current_value(c: &candidate::Model, field: Field) -> &str {
    match field {
        Field::Name => &c.name,
        Field::IdCardNo => &c.id_card_no,
    }
}

/// Files a request for the candidate; `new_value` and `reason` must already be checked with
/// [`normalise_new_value`] and [`validate_reason`]. Refuses a value equal to the current one and a
/// second pending request for the same field. Writes the audit row on `conn`.
pub async fn submit<C: ConnectionTrait>(
    conn: &C,
    cand: &candidate::Model,
    field: Field,
    new_value: &str,
    reason: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<record_correction::Model, RepoError> {
    let old = current_value(cand, field);
    if old == new_value {
        return Err(RepoError::Invalid("与当前内容相同，无需更正".to_owned()));
    }
    let pending = record_correction::Entity::find()
        .filter(record_correction::Column::CandidateId.eq(cand.id))
        .filter(record_correction::Column::Field.eq(field.code()))
        .filter(record_correction::Column::Status.eq(PENDING))
        .one(conn)
        .await?;
    if pending.is_some() {
        return Err(RepoError::Conflict(format!(
            "已有待审核的{}更正申请，请等待审核结果",
            field.label()
        )));
    }
    let row = record_correction::ActiveModel {
        candidate_id: Set(cand.id),
        field: Set(field.code().to_owned()),
        old_value: Set(old.to_owned()),
        new_value: Set(new_value.to_owned()),
        reason: Set(reason.to_owned()),
        status: Set(PENDING.to_owned()),
        decided_by: Set(None),
        decision_reason: Set(None),
        created_at: Set(now),
        decided_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        now,
        Actor {
            kind: "candidate",
            id: Some(cand.id),
        },
        "record_correction.submitted",
        ("record_correction", Some(row.id)),
        &format!("candidate_id={} field={}", cand.id, field.code()),
        ip,
    )
    .await?;
    let text = messages::correction_submitted(field.label(), new_value, now);
    inbox::send(
        conn,
        Recipient::Candidate(cand.id),
        &text.title,
        &text.body,
        Some(PAGE),
        now,
    )
    .await?;
    Ok(row)
}

/// The candidate's own requests, newest first.
pub async fn list_of_candidate<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<record_correction::Model>, RepoError> {
    Ok(record_correction::Entity::find()
        .filter(record_correction::Column::CandidateId.eq(candidate_id))
        .order_by_desc(record_correction::Column::CreatedAt)
        .order_by_desc(record_correction::Column::Id)
        .all(conn)
        .await?)
}

fn in_scope(org: &organisation::Model) -> sea_orm::Condition {
    let candidates = Query::select()
        .column((candidate::Entity, candidate::Column::Id))
        .from(candidate::Entity)
        .cond_where(super::candidate::scope_condition(org))
        .to_owned();
    sea_orm::Condition::all().add(record_correction::Column::CandidateId.in_subquery(candidates))
}

/// The pending requests of candidates in the organisation's scope, oldest first, each with its
/// candidate.
pub async fn pending_in_scope<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
) -> Result<Vec<(record_correction::Model, candidate::Model)>, RepoError> {
    let rows = record_correction::Entity::find()
        .filter(record_correction::Column::Status.eq(PENDING))
        .filter(in_scope(org))
        .order_by_asc(record_correction::Column::CreatedAt)
        .order_by_asc(record_correction::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.candidate_id).collect();
    let people = candidate::Entity::find()
        .filter(candidate::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let c = people.iter().find(|c| c.id == r.candidate_id)?.clone();
            Some((r, c))
        })
        .collect())
}

/// One page of the pending requests in the organisation's scope, oldest first ([`keyset`], at
/// most `per_page`), each with its candidate.
pub async fn pending_page<C: crate::reader::Reads>(
    conn: &C,
    org: &organisation::Model,
    at: crate::keyset::PageAt,
    per_page: u64,
) -> Result<crate::keyset::Page<(record_correction::Model, candidate::Model)>, RepoError> {
    let q = record_correction::Entity::find()
        .filter(record_correction::Column::Status.eq(PENDING))
        .filter(in_scope(org));
    let order = crate::keyset::Order {
        key: Some(record_correction::Column::CreatedAt),
        id: record_correction::Column::Id,
        descending: false,
    };
    let page = crate::keyset::fetch(conn, q, &order, at, per_page, |r| {
        crate::keyset::Cursor::new(r.created_at, r.id)
    })
    .await?;
    let ids: Vec<i64> = page.rows.iter().map(|r| r.candidate_id).collect();
    let people: std::collections::HashMap<i64, candidate::Model> = candidate::Entity::find()
        .filter(candidate::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let rows = page
        .rows
        .into_iter()
        .filter_map(|r| {
            let c = people.get(&r.candidate_id)?.clone();
            Some((r, c))
        })
        .collect();
    Ok(crate::keyset::Page {
        rows,
        prev: page.prev,
        next: page.next,
    })
}

/// What a reviewer decides.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Apply the correction.
    Approve,
    /// Refuse it, with the opinion shown to the candidate.
    Reject(String),
}

/// Decides a pending request in the organisation's scope; on approval the candidate's record is
/// changed. Run it inside a transaction: the status change, the record change and the audit rows
/// must land together. The status is switched with a conditional update so that of two reviewers
/// acting at once only one succeeds; the other gets [`ALREADY_DECIDED_MESSAGE`].
pub async fn decide<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
    staff_id: i64,
    id: i64,
    decision: Decision,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<record_correction::Model, RepoError> {
    let (status, opinion) = match &decision {
        Decision::Approve => (APPROVED, None),
        Decision::Reject(reason) => (REJECTED, Some(reason.clone())),
    };
    // Write first: the conditional update takes the write lock before anything is read, so two
    // reviewers serialise on it (on SQLite a read-then-write transaction could not upgrade its
    // lock and would fail instead of waiting).
    let switched = record_correction::Entity::update_many()
        .col_expr(record_correction::Column::Status, Expr::value(status))
        .col_expr(record_correction::Column::DecidedBy, Expr::value(staff_id))
        .col_expr(
            record_correction::Column::DecisionReason,
            Expr::value(opinion.clone()),
        )
        .col_expr(record_correction::Column::DecidedAt, Expr::value(now))
        .filter(record_correction::Column::Id.eq(id))
        .filter(record_correction::Column::Status.eq(PENDING))
        .filter(in_scope(org))
        .exec(conn)
        .await?
        .rows_affected;
    let req = record_correction::Entity::find_by_id(id)
        .filter(in_scope(org))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    if switched == 0 {
        return Err(RepoError::Conflict(ALREADY_DECIDED_MESSAGE.to_owned()));
    }
    let field = Field::from_code(&req.field)
        .ok_or_else(|| RepoError::Invalid(format!("未知的更正项目：{}", req.field)))?;
    let actor = Actor::staff(staff_id);
    audit::record(
        conn,
        now,
        actor,
        if status == APPROVED {
            "record_correction.approved"
        } else {
            "record_correction.rejected"
        },
        ("record_correction", Some(id)),
        &format!("candidate_id={} field={}", req.candidate_id, req.field),
        ip,
    )
    .await?;
    let text = match &decision {
        Decision::Approve => messages::correction_approved(field.label(), &req.new_value),
        Decision::Reject(reason) => {
            messages::correction_rejected(field.label(), &req.new_value, reason)
        }
    };
    inbox::send(
        conn,
        Recipient::Candidate(req.candidate_id),
        &text.title,
        &text.body,
        Some(PAGE),
        now,
    )
    .await?;
    if let Decision::Approve = decision {
        let cand = super::candidate::get(conn, req.candidate_id).await?;
        let mut am: candidate::ActiveModel = cand.into();
        match field {
            Field::Name => am.name = Set(req.new_value.clone()),
            Field::IdCardNo => {
                let no = IdCardNo::parse(&req.new_value)
                    .map_err(|e| RepoError::Invalid(e.to_string()))?;
                am.gender = Set(no.gender().code().to_owned());
                am.birth_date = Set(no.birth_date());
                am.id_card_no = Set(no.as_str().to_owned());
            }
        }
        am.updated_at = Set(now);
        am.update(conn).await?;
        audit::record(
            conn,
            now,
            actor,
            "candidate.record_corrected",
            ("candidate", Some(req.candidate_id)),
            &format!("field={} correction_id={id}", req.field),
            ip,
        )
        .await?;
    }
    record_correction::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

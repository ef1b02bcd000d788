//! Candidates (考生) and what a staff organisation may see of them.

use chrono::{DateTime, Utc};
use domain::{AdmissionNo, CandidateType, IdCardNo, Phone, Province};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::RepoError;
use crate::entity::{candidate, enrolled_major, major, organisation};

/// A candidate as imported or created; every field already parsed by the domain types.
#[derive(Debug, Clone)]
pub struct NewCandidate {
    /// 准考证号.
    pub admission_no: AdmissionNo,
    /// 姓名.
    pub name: String,
    /// 身份证号; gender and birth date are derived from it.
    pub id_card_no: IdCardNo,
    /// 民族.
    pub ethnicity: String,
    /// 政治面貌.
    pub political_status: String,
    /// 联系电话.
    pub phone: Option<Phone>,
    /// 通讯地址.
    pub address: Option<String>,
    /// 考生类型.
    pub candidate_type: CandidateType,
    /// Province of the examination office.
    pub province: Province,
    /// The district agency or confirmation point where the candidate registered.
    pub registration_org_id: i64,
}

impl NewCandidate {
    /// The row to insert, with a password hash prepared by the caller.
    pub fn into_active(self, password_hash: String, now: DateTime<Utc>) -> candidate::ActiveModel {
        candidate::ActiveModel {
            admission_no: Set(self.admission_no.as_str().to_owned()),
            name: Set(self.name),
            gender: Set(self.id_card_no.gender().code().to_owned()),
            birth_date: Set(self.id_card_no.birth_date()),
            id_card_no: Set(self.id_card_no.as_str().to_owned()),
            ethnicity: Set(self.ethnicity),
            political_status: Set(self.political_status),
            phone: Set(self.phone.map(|p| p.as_str().to_owned())),
            address: Set(self.address),
            candidate_type: Set(self.candidate_type.code().to_owned()),
            province: Set(self.province.code().to_owned()),
            registration_org_id: Set(self.registration_org_id),
            password_hash: Set(password_hash),
            legal_block: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    }
}

/// Inserts one candidate.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewCandidate,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<candidate::Model, RepoError> {
    let no = new.admission_no.as_str().to_owned();
    new.into_active(password_hash, now)
        .insert(conn)
        .await
        .map_err(|e| {
            if super::is_unique_violation(&e) {
                RepoError::Conflict(format!("准考证号 {no} 已存在"))
            } else {
                RepoError::Db(e)
            }
        })
}

/// A candidate by 准考证号.
pub async fn by_admission_no<C: ConnectionTrait>(
    conn: &C,
    admission_no: &str,
) -> Result<Option<candidate::Model>, RepoError> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::AdmissionNo.eq(admission_no))
        .one(conn)
        .await?)
}

/// Several candidates by id, keyed by id; ids not found are simply absent.
pub async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, candidate::Model>, RepoError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(candidate::Entity::find()
        .filter(candidate::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// A candidate by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<candidate::Model, RepoError> {
    candidate::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// Saves the contact details a candidate keeps up to date (修改信息).
pub async fn update_contact<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    phone: &Phone,
    address: &str,
    now: DateTime<Utc>,
) -> Result<candidate::Model, RepoError> {
    let current = get(conn, id).await?;
    let mut am: candidate::ActiveModel = current.into();
    am.phone = Set(Some(phone.as_str().to_owned()));
    am.address = Set(Some(address.to_owned()));
    am.updated_at = Set(now);
    Ok(am.update(conn).await?)
}

/// 修改信息 by the candidate: the contact details and their audit row in one transaction.
pub async fn change_contact(
    db: &sea_orm::DatabaseConnection,
    id: i64,
    phone: &Phone,
    address: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<candidate::Model, RepoError> {
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let saved = update_contact(&txn, id, phone, address, now).await?;
    super::audit::record(
        &txn,
        now,
        super::audit::Actor {
            kind: "candidate",
            id: Some(id),
        },
        "candidate.contact_updated",
        ("candidate", Some(id)),
        &format!("联系电话 {}", phone.masked()),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The condition selecting the candidates a staff organisation is responsible for: those registered
/// within its subtree (an office is the root of its province, so it sees the whole province), and,
/// for a chief university, those with an enrolled major it examines.
pub fn scope_condition(org: &organisation::Model) -> Condition {
    let in_subtree = Query::select()
        .column(organisation::Column::Id)
        .from(organisation::Entity)
        .and_where(Expr::col(organisation::Column::Path).like(format!("{}%", org.path)))
        .to_owned();
    let mut cond =
        Condition::any().add(candidate::Column::RegistrationOrgId.in_subquery(in_subtree));
    if org.kind == domain::OrgKind::ChiefUniversity.code() {
        let examined = Query::select()
            .column((enrolled_major::Entity, enrolled_major::Column::CandidateId))
            .from(enrolled_major::Entity)
            .inner_join(
                major::Entity,
                Expr::col((major::Entity, major::Column::Id))
                    .equals((enrolled_major::Entity, enrolled_major::Column::MajorId)),
            )
            .and_where(Expr::col((major::Entity, major::Column::ChiefUniversityId)).eq(org.id))
            .to_owned();
        cond = cond.add(candidate::Column::Id.in_subquery(examined));
    }
    cond
}

/// The candidates registered within the organisation subtree at `path` ("/1/4/").
pub fn scope_condition_for_path(path: &str) -> Condition {
    let in_subtree = Query::select()
        .column(organisation::Column::Id)
        .from(organisation::Entity)
        .and_where(Expr::col(organisation::Column::Path).like(format!("{path}%")))
        .to_owned();
    Condition::any().add(candidate::Column::RegistrationOrgId.in_subquery(in_subtree))
}

/// One page of the candidates in an organisation's scope, optionally filtered by admission
/// number or name prefix; returns the page and the total count.
pub async fn list_in_scope<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
    search: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<candidate::Model>, u64), RepoError> {
    let mut q = candidate::Entity::find().filter(scope_condition(org));
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(candidate::Column::AdmissionNo.starts_with(s))
                .add(candidate::Column::Name.starts_with(s)),
        );
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(candidate::Column::AdmissionNo)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Up to `limit` candidates of the organisation's scope under the list's search, in the list's
/// order (准考证号, which is unique), after `after` (the last 准考证号 read): what an export reads
/// chunk by chunk, each chunk as cheap as the first however far into a province it is.
pub async fn chunk_in_scope<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
    search: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<candidate::Model>, RepoError> {
    let mut q = candidate::Entity::find().filter(scope_condition(org));
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(
            Condition::any()
                .add(candidate::Column::AdmissionNo.starts_with(s))
                .add(candidate::Column::Name.starts_with(s)),
        );
    }
    if let Some(last) = after {
        q = q.filter(candidate::Column::AdmissionNo.gt(last));
    }
    Ok(q.order_by_asc(candidate::Column::AdmissionNo)
        .limit(limit)
        .all(conn)
        .await?)
}

/// A candidate, only if it lies in the organisation's scope.
pub async fn get_in_scope<C: ConnectionTrait>(
    conn: &C,
    org: &organisation::Model,
    id: i64,
) -> Result<candidate::Model, RepoError> {
    candidate::Entity::find_by_id(id)
        .filter(scope_condition(org))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

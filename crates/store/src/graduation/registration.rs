//! 学信网 electronic registration of a graduation batch: the 毕业证书编号 of its finally approved
//! applications, and the rows of the registration package read in chunks.
//!
//! Numbers are made when the office first generates the batch's package, not at each final
//! approval: the reviewers' decision path stays as it is, a batch's numbers are made in one
//! locked transaction in the order of the applications, and the office can set or correct its
//! issuing-body code up to the moment it reports. Once made, a number never changes: a second
//! package reads the same numbers and numbers only the applications approved since.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::Level;
use domain::Province;
use domain::graduation::certificate_no::RULE_TEXT;
use domain::review::state::Status;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::{
    application_file, batch, candidate, certificate_number as number,
    graduation_application as app, major, organisation, score_record,
};
use crate::graduation::batches::{By, lock_province, office_id};
use crate::repo::RepoError;
use crate::repo::audit;
use crate::repo::province_settings;

/// Rows inserted per statement: well under every backend's limit of bound parameters.
const INSERT_CHUNK: usize = 500;

/// The graduation batch `id` and its province.
pub async fn batch_of<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<(batch::Model, Province), RepoError> {
    let b = batch::Entity::find_by_id(id)
        .filter(batch::Column::Kind.eq("graduation"))
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let p = Province::of(b.province.as_deref().unwrap_or_default())
        .map_err(|e| RepoError::Invalid(e.0))?;
    Ok((b, p))
}

/// Gives a 毕业证书编号 to every finally approved application of batch `batch_id` that has none,
/// under the province's rule, with one audit row; returns how many were made (0 when every one
/// has its number already, and then nothing is written).
///
/// The province office's row is locked first (as every batch change does), so two packages of
/// one province made at once run one after the other and the second finds the first's numbers;
/// the keys of `certificate_numbers` (one row per application, each number once) stand behind
/// the lock.
pub async fn assign_numbers(
    db: &DatabaseConnection,
    batch_id: i64,
    by: By<'_>,
) -> Result<u64, RepoError> {
    let (b, p) = batch_of(db, batch_id).await?;
    let Some(rule) = province_settings::certificate_rule(db, p.code()).await? else {
        return Err(RepoError::Invalid(format!(
            "{}尚未设置毕业证书编号的机构代码，请先在“毕业办理设置”中填写。{RULE_TEXT}",
            p.label()
        )));
    };
    let office = office_id(db, p).await?;
    let txn = crate::write::begin_write(db).await?;
    lock_province(&txn, office).await?;
    let numbered = Query::select()
        .column(number::Column::ApplicationId)
        .from(number::Entity)
        .and_where(number::Column::BatchId.eq(b.id))
        .to_owned();
    let missing: Vec<(i64, i64, Option<DateTime<Utc>>)> = app::Entity::find()
        .select_only()
        .column(app::Column::Id)
        .column(app::Column::MajorId)
        .column(app::Column::ApprovedAt)
        .filter(app::Column::BatchId.eq(b.id))
        .filter(app::Column::Status.eq(Status::Approved.code()))
        .filter(app::Column::Id.not_in_subquery(numbered))
        .order_by_asc(app::Column::Id)
        .into_tuple()
        .all(&txn)
        .await?;
    if missing.is_empty() {
        return Ok(0);
    }
    let mut major_ids: Vec<i64> = missing.iter().map(|m| m.1).collect();
    major_ids.sort_unstable();
    major_ids.dedup();
    let levels: HashMap<i64, Level> = major::Entity::find()
        .filter(major::Column::Id.is_in(major_ids))
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|m| Level::from_code(&m.level).map(|l| (m.id, l)))
        .collect();
    let mut next: HashMap<String, u32> = HashMap::new();
    let mut rows = Vec::with_capacity(missing.len());
    // The range made, for the audit row.
    let (mut first, mut last) = (String::new(), String::new());
    for (id, major_id, approved_at) in &missing {
        let level = levels.get(major_id).copied().ok_or_else(|| {
            RepoError::Invalid(format!("申请 {id} 的专业没有层次（本科或专科），无法编号"))
        })?;
        let year = domain::calendar::beijing_date(approved_at.unwrap_or(by.now)).year();
        let prefix = rule.prefix(year, level);
        let seq = match next.get(&prefix) {
            Some(s) => *s,
            None => last_sequence(&txn, &prefix).await? + 1,
        };
        let certificate_no = rule
            .number(year, level, seq)
            .map_err(|e| RepoError::Conflict(e.0))?;
        next.insert(prefix.clone(), seq + 1);
        if first.is_empty() {
            first.clone_from(&certificate_no);
        }
        last.clone_from(&certificate_no);
        rows.push(number::ActiveModel {
            application_id: Set(*id),
            batch_id: Set(b.id),
            province: Set(p.code().to_owned()),
            prefix: Set(prefix),
            sequence: Set(i32::try_from(seq).unwrap_or(i32::MAX)),
            certificate_no: Set(certificate_no),
            assigned_by: Set(by.actor.id),
            assigned_at: Set(by.now),
        });
    }
    let count = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let part: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        number::Entity::insert_many(part)
            .exec_without_returning(&txn)
            .await?;
    }
    audit::record(
        &txn,
        by.now,
        by.actor,
        "certificate_no.assigned",
        ("batch", Some(b.id)),
        &format!(
            "province={} org_code={} count={count} first={first} last={last}",
            p.code(),
            rule.org_code()
        ),
        by.ip,
    )
    .await?;
    txn.commit().await?;
    Ok(u64::try_from(count).unwrap_or(u64::MAX))
}

/// The highest sequence made under `prefix`, 0 when none.
async fn last_sequence<C: ConnectionTrait>(conn: &C, prefix: &str) -> Result<u32, RepoError> {
    let max: Option<Option<i32>> = number::Entity::find()
        .select_only()
        .column_as(number::Column::Sequence.max(), "m")
        .filter(number::Column::Prefix.eq(prefix))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(max
        .flatten()
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(0))
}

/// The 毕业证书编号 of each given application that has one.
pub async fn numbers_of<C: ConnectionTrait>(
    conn: &C,
    application_ids: &[i64],
) -> Result<HashMap<i64, String>, RepoError> {
    Ok(number::Entity::find()
        .filter(number::Column::ApplicationId.is_in(application_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|n| (n.application_id, n.certificate_no))
        .collect())
}

/// One graduate of the package, as its data file and photo need them.
#[derive(Debug, Clone)]
pub struct Graduate {
    /// The application.
    pub application_id: i64,
    /// 准考证号.
    pub admission_no: String,
    /// 姓名.
    pub name: String,
    /// 性别.
    pub gender: String,
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// 身份证号.
    pub id_card_no: String,
    /// 民族.
    pub ethnicity: String,
    /// 政治面貌.
    pub political_status: String,
    /// 专业代码.
    pub major_code: String,
    /// 专业名称.
    pub major_name: String,
    /// 层次 (本科 / 专科).
    pub level: &'static str,
    /// 主考学校.
    pub chief_university: String,
    /// 入学日期: for a self-study candidate, who enrols nowhere, the date of the first exam on
    /// record.
    pub first_exam: Option<NaiveDate>,
    /// 毕业日期: the day of final approval, in Beijing.
    pub graduated_on: Option<NaiveDate>,
    /// 毕业证书编号.
    pub certificate_no: Option<String>,
    /// The stored key of the certificate photo (or, where the form has none, the 登记表 photo).
    pub photo_key: Option<String>,
}

/// Up to `limit` finally approved applications of batch `batch_id` after application id
/// `after`, in id order, with everything the package writes of them.
pub async fn graduates<C: ConnectionTrait>(
    conn: &C,
    batch_id: i64,
    after: i64,
    limit: u64,
) -> Result<Vec<Graduate>, RepoError> {
    let apps = app::Entity::find()
        .filter(app::Column::BatchId.eq(batch_id))
        .filter(app::Column::Status.eq(Status::Approved.code()))
        .filter(app::Column::Id.gt(after))
        .order_by_asc(app::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    if apps.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = apps.iter().map(|a| a.id).collect();
    let cand_ids: Vec<i64> = apps.iter().map(|a| a.candidate_id).collect();
    let people: HashMap<i64, candidate::Model> = candidate::Entity::find()
        .filter(candidate::Column::Id.is_in(cand_ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let majors: HashMap<i64, major::Model> = major::Entity::find()
        .filter(major::Column::Id.is_in(apps.iter().map(|a| a.major_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let schools: HashMap<i64, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(apps.iter().map(|a| a.chief_university_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let first_exams: HashMap<i64, NaiveDate> = score_record::Entity::find()
        .select_only()
        .column(score_record::Column::CandidateId)
        .column_as(score_record::Column::ExamDate.min(), "first")
        .filter(score_record::Column::CandidateId.is_in(cand_ids))
        .group_by(score_record::Column::CandidateId)
        .into_tuple::<(i64, Option<NaiveDate>)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(c, d)| d.map(|d| (c, d)))
        .collect();
    let numbers = numbers_of(conn, &ids).await?;
    // The certificate photo where the form asks for one (validated 480×640 on upload); else the
    // 登记表 photo, the only portrait such a form holds.
    let mut photos: HashMap<i64, (bool, String)> = HashMap::new();
    for f in application_file::Entity::find()
        .filter(application_file::Column::ApplicationId.is_in(ids.clone()))
        .filter(application_file::Column::Slot.is_in(["certificate_photo", "photo"]))
        .all(conn)
        .await?
    {
        let certificate = f.slot == "certificate_photo";
        let keep = photos
            .get(&f.application_id)
            .is_none_or(|(was_certificate, _)| certificate && !was_certificate);
        if keep {
            photos.insert(f.application_id, (certificate, f.object_key));
        }
    }
    Ok(apps
        .into_iter()
        .map(|a| {
            let c = people.get(&a.candidate_id);
            let m = majors.get(&a.major_id);
            Graduate {
                application_id: a.id,
                admission_no: c.map(|c| c.admission_no.clone()).unwrap_or_default(),
                name: c.map(|c| c.name.clone()).unwrap_or_default(),
                gender: c.map(|c| c.gender.clone()).unwrap_or_default(),
                birth_date: c.map(|c| c.birth_date).unwrap_or_default(),
                id_card_no: c.map(|c| c.id_card_no.clone()).unwrap_or_default(),
                ethnicity: c.map(|c| c.ethnicity.clone()).unwrap_or_default(),
                political_status: c.map(|c| c.political_status.clone()).unwrap_or_default(),
                major_code: m.map(|m| m.code.clone()).unwrap_or_default(),
                major_name: m.map(|m| m.name.clone()).unwrap_or_default(),
                level: m
                    .and_then(|m| Level::from_code(&m.level))
                    .map(|l| l.label())
                    .unwrap_or(""),
                chief_university: schools
                    .get(&a.chief_university_id)
                    .cloned()
                    .unwrap_or_default(),
                first_exam: first_exams.get(&a.candidate_id).copied(),
                graduated_on: a.approved_at.map(domain::calendar::beijing_date),
                certificate_no: numbers.get(&a.id).cloned(),
                photo_key: photos.remove(&a.id).map(|(_, k)| k),
            }
        })
        .collect())
}

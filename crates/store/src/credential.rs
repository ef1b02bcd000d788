//! 学信网 credential check of prior education behind a trait: production
//! speaks to the national service; the local implementation answers from a
//! registry of verified diplomas that an admin imports.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::credential_record;
use crate::repo::RepoError;

/// Who is asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialQuery {
    /// 姓名 as registered for the exam.
    pub name: String,
    /// 身份证号.
    pub id_card_no: String,
    /// The prior diploma must have been awarded before this day (the application date).
    pub before: NaiveDate,
}

/// The answer of the credential service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialCheck {
    /// A 专科 or higher diploma awarded before the application.
    Verified {
        /// 毕业证编号.
        cert_no: String,
        /// 毕业院校.
        school: String,
        /// 毕业时间.
        graduation_date: NaiveDate,
    },
    /// Nothing suitable found; the reason is shown to the candidate.
    NotVerified(String),
}

/// The service failed (network, configuration); the application falls back to manual review.
#[derive(Debug, thiserror::Error)]
#[error("学历核查服务暂不可用：{0}")]
pub struct CredentialError(pub String);

/// Checks prior education (前置学历).
#[async_trait::async_trait]
pub trait CredentialService: Send + Sync {
    /// Looks the person up.
    async fn check(&self, q: &CredentialQuery) -> Result<CredentialCheck, CredentialError>;
}

/// The local registry of verified diplomas.
#[derive(Clone, Debug)]
pub struct LocalRegistry {
    db: DatabaseConnection,
}

impl LocalRegistry {
    /// A registry over the application's database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl CredentialService for LocalRegistry {
    async fn check(&self, q: &CredentialQuery) -> Result<CredentialCheck, CredentialError> {
        let rows = credential_record::Entity::find()
            .filter(credential_record::Column::IdCardNo.eq(q.id_card_no.as_str()))
            .order_by_asc(credential_record::Column::GraduationDate)
            .all(&self.db)
            .await
            .map_err(|e| CredentialError(e.to_string()))?;
        if rows.is_empty() {
            return Ok(CredentialCheck::NotVerified(
                "学信网未查到该身份证号的专科及以上学历证书".to_owned(),
            ));
        }
        let Some(r) = rows.iter().find(|r| r.graduation_date < q.before) else {
            return Ok(CredentialCheck::NotVerified(format!(
                "查到的学历证书毕业时间不早于本次申请日期 {}",
                q.before
            )));
        };
        if r.name != q.name {
            return Ok(CredentialCheck::NotVerified(format!(
                "学历证书上的姓名“{}”与报考姓名“{}”不一致（如有改名，请上传派出所出具的情况说明）",
                r.name, q.name
            )));
        }
        Ok(CredentialCheck::Verified {
            cert_no: r.cert_no.clone(),
            school: r.school.clone(),
            graduation_date: r.graduation_date,
        })
    }
}

/// A verified diploma to add to the local registry.
pub struct NewCredential<'a> {
    /// 身份证号.
    pub id_card_no: &'a str,
    /// 姓名.
    pub name: &'a str,
    /// 毕业证编号 (unique).
    pub cert_no: &'a str,
    /// 毕业院校.
    pub school: &'a str,
    /// A `domain::Level` code.
    pub level: &'a str,
    /// 毕业时间.
    pub graduation_date: NaiveDate,
}

/// Adds a diploma to the local registry.
pub async fn add<C: ConnectionTrait>(
    conn: &C,
    new: NewCredential<'_>,
    now: DateTime<Utc>,
) -> Result<credential_record::Model, RepoError> {
    credential_record::ActiveModel {
        id_card_no: Set(new.id_card_no.to_owned()),
        name: Set(new.name.to_owned()),
        cert_no: Set(new.cert_no.to_owned()),
        school: Set(new.school.to_owned()),
        level: Set(new.level.to_owned()),
        graduation_date: Set(new.graduation_date),
        imported_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if crate::repo::is_unique_violation(&e) {
            RepoError::Conflict(format!("毕业证编号“{}”已在学历库中", new.cert_no))
        } else {
            RepoError::Db(e)
        }
    })
}

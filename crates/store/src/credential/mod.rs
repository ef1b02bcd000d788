//! 学信网 credential check of prior education behind a trait: production
//! speaks to the national service; the local implementation ([`local`]) answers
//! from a registry of verified diplomas that an admin imports. Two shapes: a
//! direct query, and seed 003's authorisation by the candidate followed by a
//! signed push ([`authorisation`]).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::entity::credential_record;
use crate::repo::RepoError;

pub mod authorisation;
pub mod local;
pub use local::LocalRegistry;

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

/// What the service needs to show a candidate an authorisation code (授权二维码).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisationRequest {
    /// Our authorisation number; the push names it.
    pub auth_no: String,
    /// 姓名 as registered for the exam.
    pub name: String,
    /// 身份证号 as registered.
    pub id_card_no: String,
    /// Where the service POSTs the signed push.
    pub notify_url: String,
    /// Where the service sends the browser after authorising.
    pub return_url: String,
}

/// Checks prior education (前置学历).
#[async_trait::async_trait]
pub trait CredentialService: Send + Sync {
    /// Looks the person up directly (a province's own registry query, seed 001).
    async fn check(&self, q: &CredentialQuery) -> Result<CredentialCheck, CredentialError>;

    /// Registers an authorisation request (seed 003: the code the candidate scans with the
    /// 学信网 app); returns the URL the code encodes. The service answers later with a signed
    /// [`domain::credential::CredentialPush`] to `notify_url`.
    async fn authorise(&self, req: &AuthorisationRequest) -> Result<String, CredentialError>;
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

//! The local credential service (本地学信网): a registry of verified diplomas that an admin
//! imports, and an authorisation page of its own served under `/xuexin/local/`.
//!
//! Authorising there records the grant in the service's own table and sends a signed push to the
//! notify URL of the request, exactly as the national service would after a candidate scans the
//! code with its app. It never reads our application tables: what it knows of a request is what
//! [`CredentialService::authorise`] told it. Anyone who can open the page can authorise, so this
//! service is for development, tests and demonstrations only.

use chrono::{DateTime, Utc};
use domain::credential::{CredentialPush, PushedDiploma};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::{
    AuthorisationRequest, CredentialCheck, CredentialError, CredentialQuery, CredentialService,
};
use crate::entity::{credential_record, local_xuexin_grant as grant};
use crate::repo::RepoError;

/// A request not authorised yet.
pub const PENDING: &str = "pending";
/// The candidate authorised it.
pub const AUTHORISED: &str = "authorised";

/// Where the authorisation page of a request is served, below the public base URL.
pub fn authorise_path(auth_no: &str) -> String {
    format!("/xuexin/local/authorise/{auth_no}")
}

/// The local registry of verified diplomas and its authorisation page.
#[derive(Clone, Debug)]
pub struct LocalRegistry {
    db: DatabaseConnection,
    base_url: String,
}

impl LocalRegistry {
    /// A registry over the application's database whose page is served under `base_url`.
    pub fn new(db: DatabaseConnection, base_url: &str) -> Self {
        Self {
            db,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
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

    async fn authorise(&self, req: &AuthorisationRequest) -> Result<String, CredentialError> {
        let inserted = grant::ActiveModel {
            auth_no: Set(req.auth_no.clone()),
            name: Set(req.name.chars().take(50).collect()),
            id_card_no: Set(req.id_card_no.clone()),
            notify_url: Set(req.notify_url.clone()),
            return_url: Set(req.return_url.clone()),
            status: Set(PENDING.to_owned()),
            created_at: Set(Utc::now()),
            authorised_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        match inserted {
            // The same request twice is the same code.
            Ok(_) => {}
            Err(e) if crate::repo::is_unique_violation(&e) => {}
            Err(e) => return Err(CredentialError(e.to_string())),
        }
        Ok(format!("{}{}", self.base_url, authorise_path(&req.auth_no)))
    }
}

/// A request the service holds, by authorisation number.
pub async fn grant<C: ConnectionTrait>(
    conn: &C,
    auth_no: &str,
) -> Result<Option<grant::Model>, RepoError> {
    Ok(grant::Entity::find()
        .filter(grant::Column::AuthNo.eq(auth_no))
        .one(conn)
        .await?)
}

/// The candidate pressed 确认授权: marks the request authorised once. Returns it and whether
/// this call authorised it; `None` for an unknown number.
pub async fn confirm(
    db: &DatabaseConnection,
    auth_no: &str,
    now: DateTime<Utc>,
) -> Result<Option<(grant::Model, bool)>, RepoError> {
    let n = grant::Entity::update_many()
        .col_expr(grant::Column::Status, Expr::value(AUTHORISED))
        .col_expr(grant::Column::AuthorisedAt, Expr::value(now))
        .filter(grant::Column::AuthNo.eq(auth_no))
        .filter(grant::Column::Status.eq(PENDING))
        .exec(db)
        .await?
        .rows_affected;
    Ok(grant(db, auth_no).await?.map(|g| (g, n > 0)))
}

/// The push for an authorised request, stamped `now`: the earliest diploma on record for the
/// person, or none. `None` while the request is not authorised.
pub async fn push_of<C: ConnectionTrait>(
    conn: &C,
    g: &grant::Model,
    now: DateTime<Utc>,
) -> Result<Option<CredentialPush>, RepoError> {
    if g.status != AUTHORISED {
        return Ok(None);
    }
    let diploma = credential_record::Entity::find()
        .filter(credential_record::Column::IdCardNo.eq(g.id_card_no.as_str()))
        .order_by_asc(credential_record::Column::GraduationDate)
        .one(conn)
        .await?
        .map(|r| PushedDiploma {
            name: r.name,
            cert_no: r.cert_no,
            school: r.school,
            level: r.level,
            graduation_date: r.graduation_date,
        });
    let mut rng = rand::thread_rng();
    Ok(Some(CredentialPush {
        auth_no: g.auth_no.clone(),
        id_card_no: g.id_card_no.clone(),
        diploma,
        timestamp: now.timestamp(),
        nonce: (0..16)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect(),
    }))
}

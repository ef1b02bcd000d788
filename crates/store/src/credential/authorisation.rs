//! Our side of the 学信网 authorisation (seed 003 §(二)1): a code per request tied to one
//! application, and the signed push that answers it. A verified push settles the application's
//! prior-education check; any other answer leaves it to 人工审核 with the reason.
//!
//! Applying a push is a conditional UPDATE on the pending authorisation, written first in its
//! transaction, so a push delivered twice (the service retries) changes things once.

use chrono::{DateTime, Utc};
use domain::credential::{Applicant, CredentialPush, judge};
use domain::messages::inbox as messages;
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::{credential_authorisation as auth, graduation_application as app};
use crate::graduation::application::{PRIOR_MANUAL, PRIOR_VERIFIED};
use crate::repo::RepoError;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox::{self, Recipient};
use crate::repo::versioned;

/// Shown, waiting for the candidate to authorise and the service to push.
pub const PENDING: &str = "pending";
/// The pushed diploma passed.
pub const VERIFIED: &str = "verified";
/// The push came, but the diploma is missing or does not fit; `message` says why.
pub const NOT_VERIFIED: &str = "not_verified";

/// An authorisation number: `XA`, Beijing time to the second, eight random digits.
pub fn new_auth_no(now: DateTime<Utc>) -> String {
    let local = domain::calendar::beijing(now);
    let mut rng = rand::thread_rng();
    let digits: String = (0..8)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    format!("XA{}{digits}", local.format("%Y%m%d%H%M%S"))
}

/// Records a new authorisation for the application; only while its prior education waits for a
/// decision of the candidate (automatic check not passed, 人工审核 not submitted).
pub async fn start<C: ConnectionTrait>(
    conn: &C,
    a: &app::Model,
    now: DateTime<Utc>,
) -> Result<auth::Model, RepoError> {
    if a.prior_check != PRIOR_MANUAL {
        return Err(RepoError::Invalid(
            "前置学历已核验或已提交人工审核，无需再授权".to_owned(),
        ));
    }
    Ok(auth::ActiveModel {
        auth_no: Set(new_auth_no(now)),
        application_id: Set(a.id),
        candidate_id: Set(a.candidate_id),
        status: Set(PENDING.to_owned()),
        message: Set(None),
        cert_no: Set(None),
        school: Set(None),
        graduation_date: Set(None),
        created_at: Set(now),
        pushed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// The latest authorisation of an application.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    application_id: i64,
) -> Result<Option<auth::Model>, RepoError> {
    Ok(auth::Entity::find()
        .filter(auth::Column::ApplicationId.eq(application_id))
        .order_by_desc(auth::Column::Id)
        .one(conn)
        .await?)
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The diploma passed; the application's prior education is verified when it was still
    /// waiting (`applied` false when the candidate had meanwhile submitted 人工审核).
    Verified {
        /// Whether the application's check changed.
        applied: bool,
    },
    /// The diploma is missing or does not fit, for this reason.
    NotVerified(String),
    /// The authorisation was answered before; nothing changed.
    Duplicate,
}

/// Applies a push whose signature was checked: judges the diploma against the applicant and the
/// application date, records the answer once, and settles the application's check.
pub async fn apply_push(
    db: &DatabaseConnection,
    push: &CredentialPush,
    now: DateTime<Utc>,
) -> Result<PushOutcome, RepoError> {
    let row = auth::Entity::find()
        .filter(auth::Column::AuthNo.eq(push.auth_no.as_str()))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let a = crate::graduation::application::get(db, row.application_id).await?;
    let cand = crate::repo::candidate::get(db, a.candidate_id).await?;
    let verdict = judge(
        push,
        Applicant {
            name: &cand.name,
            id_card_no: &cand.id_card_no,
            applied_on: domain::calendar::beijing_date(a.created_at),
        },
    );
    let (status, message) = match &verdict {
        Ok(_) => (VERIFIED, None),
        Err(m) => (NOT_VERIFIED, Some(m.clone())),
    };
    let diploma = push.diploma.as_ref();
    let txn = crate::write::begin_write(db).await?;
    let n = auth::Entity::update_many()
        .col_expr(auth::Column::Status, Expr::value(status))
        .col_expr(auth::Column::Message, Expr::value(message.clone()))
        .col_expr(
            auth::Column::CertNo,
            Expr::value(diploma.map(|d| d.cert_no.chars().take(64).collect::<String>())),
        )
        .col_expr(
            auth::Column::School,
            Expr::value(diploma.map(|d| d.school.chars().take(100).collect::<String>())),
        )
        .col_expr(
            auth::Column::GraduationDate,
            Expr::value(diploma.map(|d| d.graduation_date)),
        )
        .col_expr(auth::Column::PushedAt, Expr::value(now))
        .filter(auth::Column::Id.eq(row.id))
        .filter(auth::Column::Status.eq(PENDING))
        .exec(&txn)
        .await?
        .rows_affected;
    if n == 0 {
        return Ok(PushOutcome::Duplicate);
    }
    // Only an application still waiting for the candidate's choice changes; one under 人工审核
    // keeps its course, and the answer stays on record.
    let mut set = vec![(app::Column::UpdatedAt, Expr::value(now))];
    match &verdict {
        Ok(_) => {
            set.push((app::Column::PriorCheck, Expr::value(PRIOR_VERIFIED)));
            set.push((
                app::Column::PriorCheckMessage,
                Expr::value(Option::<String>::None),
            ));
        }
        Err(m) => set.push((
            app::Column::PriorCheckMessage,
            Expr::value(format!("学信网授权核验未通过：{m}")),
        )),
    }
    let applied = versioned::update_if_unchanged(
        &txn,
        versioned::Claim::<app::Entity> {
            version: app::Column::Version,
            expected: None,
            guard: sea_orm::Condition::all()
                .add(app::Column::Id.eq(a.id))
                .add(app::Column::PriorCheck.eq(PRIOR_MANUAL)),
        },
        set,
    )
    .await?;
    let actor = Actor {
        kind: "system",
        id: None,
    };
    audit::record(
        &txn,
        now,
        actor,
        &format!("credential_authorisation.{status}"),
        ("graduation_application", Some(a.id)),
        &format!("auth_no={}", row.auth_no),
        None,
    )
    .await?;
    let text = match &verdict {
        Ok(d) => messages::prior_credential_verified(&d.school, d.graduation_date),
        Err(m) => messages::prior_credential_not_verified(m),
    };
    inbox::send(
        &txn,
        Recipient::Candidate(a.candidate_id),
        &text.title,
        &text.body,
        Some("/candidate/application#prior"),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(match verdict {
        Ok(_) => PushOutcome::Verified { applied },
        Err(m) => PushOutcome::NotVerified(m),
    })
}

//! Deciding an appeal: 维持原决定 or 撤销原决定 with reasons, by a reviewer of the organisation
//! and stage that decided. The appeal's UPDATE is conditional on its still being 待处理, so two
//! reviewers deciding at once leave one outcome; 撤销 reopens the application in the same
//! transaction, conditionally on the decision still standing, so a revoked decision never
//! leaves the application as it was.

use chrono::{DateTime, Utc};
use domain::appeal::{AppealKind, AppealStatus, check_reason};
use domain::degree::DegreeAward;
use domain::degree::language::{LanguageStatus, Qualification};
use domain::messages::inbox as messages;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection};

use super::file::{appellant_inbox, appellant_page};
use super::get;
use crate::entity::{appeal, degree_application, language_application};
use crate::graduation::application::Reopening;
use crate::repo::audit::{self, Actor};
use crate::repo::inbox;
use crate::repo::versioned::{self, Claim};
use crate::repo::{RepoError, retry_deadlock};

/// Who decides: a member of staff of an organisation, with their roles.
#[derive(Debug, Clone, Copy)]
pub struct Reviewer<'a> {
    /// Their organisation.
    pub org_id: i64,
    /// Their account.
    pub staff_id: i64,
    /// What the account may do.
    pub roles: &'a domain::Roles,
}

fn already_decided(a: &appeal::Model) -> RepoError {
    let status = AppealStatus::from_code(&a.status).map_or("", |s| s.label());
    let at = a
        .outcome_at
        .map(|t| format!("于 {}（北京时间）", domain::calendar::beijing_minute(t)))
        .unwrap_or_default();
    RepoError::Conflict(format!(
        "该申辩已{at}处理，处理结果为“{status}”（可能已被其他审核人员处理），本次未做任何更改"
    ))
}

/// The organisation whose stage rejected the graduation application appeal `a` is about, which
/// reviews it again on a 撤销: the appeal's own, unless the province sends appeals to the one
/// above, when the application's history names it.
async fn rejecting_org(db: &DatabaseConnection, a: &appeal::Model) -> Result<i64, RepoError> {
    let app = crate::graduation::application::get(db, a.subject_id).await?;
    Ok(super::graduation_target(db, &app)
        .await?
        .and_then(|t| t.deciding_org)
        .unwrap_or(a.org_id))
}

/// Records the outcome of appeal `id` (维持 or 撤销原决定) with `reason`. With
/// `expected_version`, only if the appeal is still the one the reviewer saw.
// The outcome, its reason and the version seen are what the reviewer typed; kept apart.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &DatabaseConnection,
    who: Reviewer<'_>,
    id: i64,
    outcome: AppealStatus,
    reason: &str,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<appeal::Model, RepoError> {
    if outcome == AppealStatus::Pending {
        return Err(RepoError::Invalid(
            "请选择处理结果：“维持原决定”或“撤销原决定”".to_owned(),
        ));
    }
    let reason = check_reason(reason).map_err(|e| RepoError::Invalid(e.0))?;
    let a = get(db, id).await?;
    if a.org_id != who.org_id {
        return Err(RepoError::NotFound);
    }
    // The update below is conditional on the appeal, whose stage never changes.
    if !who.roles.may_review_stage(&a.stage_name) {
        return Err(RepoError::Forbidden(format!(
            "您的账号没有“{}”环节的审核权限，不能处理对该环节决定的申辩，本次操作未做任何更改",
            a.stage_name
        )));
    }
    if a.status != AppealStatus::Pending.code() {
        return Err(already_decided(&a));
    }
    // A graduation application reopens at its stage as on an arrival there; the due date needs
    // the calendar, read before the write transaction (SQLite takes its lock first).
    let reopening = match (AppealKind::from_code(&a.kind), outcome) {
        (Some(AppealKind::Graduation), AppealStatus::Revoked) => {
            let stage = a
                .stage
                .and_then(|s| usize::try_from(s).ok())
                .ok_or(RepoError::NotFound)?;
            Some(
                crate::graduation::application::prepare_reopening(
                    db,
                    a.subject_id,
                    stage,
                    rejecting_org(db, &a).await?,
                    now,
                )
                .await?,
            )
        }
        _ => None,
    };
    // Two reviewers at once may deadlock on MySQL/MariaDB (the status is in a secondary index
    // the conditional UPDATE reads and changes); the victim runs again and finds it decided.
    retry_deadlock(|| {
        decide_once(
            db,
            who,
            &a,
            outcome,
            &reason,
            expected_version,
            reopening.as_ref(),
            now,
            ip,
        )
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn decide_once(
    db: &DatabaseConnection,
    who: Reviewer<'_>,
    a: &appeal::Model,
    outcome: AppealStatus,
    reason: &str,
    expected_version: Option<i32>,
    reopening: Option<&Reopening>,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<appeal::Model, RepoError> {
    let Some(kind) = AppealKind::from_code(&a.kind) else {
        return Err(RepoError::NotFound);
    };
    let txn = crate::write::begin_write(db).await?;
    // First statement of the transaction: on SQLite the write lock is taken before any read.
    let decided = versioned::update_if_unchanged(
        &txn,
        Claim::<appeal::Entity> {
            version: appeal::Column::Version,
            expected: expected_version,
            guard: Condition::all()
                .add(appeal::Column::Id.eq(a.id))
                .add(appeal::Column::Status.eq(AppealStatus::Pending.code())),
        },
        vec![
            (appeal::Column::Status, Expr::value(outcome.code())),
            (
                appeal::Column::OutcomeReason,
                Expr::value(reason.to_owned()),
            ),
            (appeal::Column::DecidedBy, Expr::value(who.staff_id)),
            (appeal::Column::OutcomeAt, Expr::value(now)),
        ],
    )
    .await?;
    if !decided {
        txn.rollback().await?;
        return Err(already_decided(&get(db, a.id).await?));
    }
    // What became of a graduation application's fee, told with the outcome.
    let mut fee = None;
    if outcome == AppealStatus::Revoked {
        let reopened = match kind {
            AppealKind::DegreeAward => reopen_degree(&txn, a, now).await?,
            AppealKind::Language => reopen_language(&txn, a).await?,
            AppealKind::Graduation => match reopening {
                Some(r) => {
                    fee = crate::graduation::application::reopen_after_appeal(
                        &txn,
                        r,
                        who.staff_id,
                        reason,
                        now,
                    )
                    .await?;
                    fee.is_some()
                }
                None => false,
            },
        };
        if !reopened {
            txn.rollback().await?;
            return Err(RepoError::Conflict(
                "原决定已经变化（可能已被重新审核或更改），无法撤销，本次未做任何更改；请刷新后查看申请的最新状态"
                    .to_owned(),
            ));
        }
        let (subject, action) = match kind {
            AppealKind::DegreeAward => ("degree_application", "degree_application.award_revoked"),
            AppealKind::Language => ("language_application", "language_application.reopened"),
            AppealKind::Graduation => ("graduation_application", "graduation_application.reopened"),
        };
        audit::record(
            &txn,
            now,
            Actor::staff(who.staff_id),
            action,
            (subject, Some(a.subject_id)),
            &format!(
                "appeal_id={} stage={}{}",
                a.id,
                a.stage_name,
                match &fee {
                    Some(messages::FeeOnReopening::RefundCancelled { .. }) =>
                        " fee=refund_cancelled",
                    Some(messages::FeeOnReopening::PayAgain { .. }) => " fee=pay_again",
                    Some(messages::FeeOnReopening::Held) | None => "",
                }
            ),
            ip,
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        Actor::staff(who.staff_id),
        &format!("appeal.{}", outcome.code()),
        ("appeal", Some(a.id)),
        &format!(
            "kind={} subject_id={} reason={reason}",
            a.kind, a.subject_id
        ),
        ip,
    )
    .await?;
    let text = match &fee {
        Some(fee) => messages::graduation_appeal_revoked(reason, &a.stage_name, fee),
        None => messages::appeal_decided(kind, outcome, reason, &a.stage_name),
    };
    inbox::send(
        &txn,
        appellant_inbox(&a.appellant_kind, a.appellant_id),
        &text.title,
        &text.body,
        Some(appellant_page(kind)),
        now,
    )
    .await?;
    super::file::tell_deciders(&txn, a, outcome, reason, who.staff_id, now).await?;
    let saved = get(&txn, a.id).await?;
    txn.commit().await?;
    Ok(saved)
}

/// 撤销 of a 不授予: the application is approved again with no 学位授予结果, as it was before
/// the result was recorded, so the last stage's reviewers record it anew.
async fn reopen_degree<C: sea_orm::ConnectionTrait>(
    conn: &C,
    a: &appeal::Model,
    now: DateTime<Utc>,
) -> Result<bool, RepoError> {
    use degree_application::Column as C;
    versioned::update_if_unchanged(
        conn,
        Claim::<degree_application::Entity> {
            version: C::Version,
            expected: None,
            guard: Condition::all()
                .add(C::Id.eq(a.subject_id))
                .add(C::Award.eq(DegreeAward::NotAwarded.code())),
        },
        vec![
            (C::Award, Expr::value(Option::<String>::None)),
            (
                C::AwardRecordedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            ),
            // Who recorded the refusal no longer stands for the result recorded anew.
            (C::AwardRecordedBy, Expr::value(Option::<i64>::None)),
            (C::AwardOnBehalfOf, Expr::value(Option::<i64>::None)),
            (C::UpdatedAt, Expr::value(now)),
        ],
    )
    .await
}

/// 撤销 of a 不合格: the application waits again at the stage that decided, without a result,
/// as it did before that stage's review.
async fn reopen_language<C: sea_orm::ConnectionTrait>(
    conn: &C,
    a: &appeal::Model,
) -> Result<bool, RepoError> {
    use language_application::Column as C;
    versioned::update_if_unchanged(
        conn,
        Claim::<language_application::Entity> {
            version: C::Version,
            expected: None,
            guard: Condition::all()
                .add(C::Id.eq(a.subject_id))
                .add(C::Qualification.eq(Qualification::Unqualified.code()))
                .add(C::Status.is_in([
                    LanguageStatus::Approved.code(),
                    LanguageStatus::Rejected.code(),
                ])),
        },
        vec![
            (C::Status, Expr::value(LanguageStatus::Pending.code())),
            (C::Stage, Expr::value(a.stage.unwrap_or(0))),
            (C::Qualification, Expr::value(Option::<String>::None)),
            (C::ReviewOpinion, Expr::value(Option::<String>::None)),
            (C::ReviewedBy, Expr::value(Option::<i64>::None)),
            (C::ReviewedOnBehalfOf, Expr::value(Option::<i64>::None)),
            (C::ReviewedAt, Expr::value(Option::<DateTime<Utc>>::None)),
        ],
    )
    .await
}

//! A school's degree thresholds (学位条件设置). Each language or degree batch copies them when it
//! is created (see [`crate::repo::reference::create_batch`]), so editing them affects only
//! batches created afterwards.

use chrono::{DateTime, Utc};
use domain::degree::DEFAULT_THRESHOLD_TENTHS;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use crate::entity::school_degree_rule as rule;
use crate::repo::RepoError;

/// The three thresholds, in tenths of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DegreeRules {
    /// 学位外语: average of the plan's examination courses.
    pub language_min_average_tenths: i32,
    /// 学位申请: average of all plan courses, graduation courses excluded.
    pub degree_min_average_tenths: i32,
    /// 学位申请: lowest score of each degree core course.
    pub degree_min_core_tenths: i32,
}

impl Default for DegreeRules {
    /// 70/70/70, the seed's figures, for a school without a rules row.
    fn default() -> Self {
        Self {
            language_min_average_tenths: DEFAULT_THRESHOLD_TENTHS,
            degree_min_average_tenths: DEFAULT_THRESHOLD_TENTHS,
            degree_min_core_tenths: DEFAULT_THRESHOLD_TENTHS,
        }
    }
}

/// The school's current rules, or the defaults without a row.
pub async fn of_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
) -> Result<DegreeRules, RepoError> {
    Ok(rule::Entity::find()
        .filter(rule::Column::SchoolOrgId.eq(school_org_id))
        .one(conn)
        .await?
        .map_or_else(DegreeRules::default, |r| DegreeRules {
            language_min_average_tenths: r.language_min_average_tenths,
            degree_min_average_tenths: r.degree_min_average_tenths,
            degree_min_core_tenths: r.degree_min_core_tenths,
        }))
}

/// Sets the school's rules (each 0–1000 tenths); batches already created keep theirs.
pub async fn set_for_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
    rules: DegreeRules,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    for (label, v) in [
        ("学位外语申请条件", rules.language_min_average_tenths),
        ("学位申请平均成绩", rules.degree_min_average_tenths),
        ("学位主干课最低成绩", rules.degree_min_core_tenths),
    ] {
        if !(0..=1000).contains(&v) {
            return Err(RepoError::Invalid(format!(
                "{label}应在0至100分之间，实际为{}",
                domain::degree::threshold_display(v)
            )));
        }
    }
    rule::Entity::insert(rule::ActiveModel {
        school_org_id: Set(school_org_id),
        language_min_average_tenths: Set(rules.language_min_average_tenths),
        degree_min_average_tenths: Set(rules.degree_min_average_tenths),
        degree_min_core_tenths: Set(rules.degree_min_core_tenths),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(rule::Column::SchoolOrgId)
            .update_columns([
                rule::Column::LanguageMinAverageTenths,
                rule::Column::DegreeMinAverageTenths,
                rule::Column::DegreeMinCoreTenths,
                rule::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// 学位条件设置 saved by a school's admin: the thresholds and their audit row in one
/// transaction, so neither stands without the other.
pub async fn save_for_school(
    db: &DatabaseConnection,
    school_org_id: i64,
    rules: DegreeRules,
    staff_id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let txn = db.begin().await?;
    set_for_school(&txn, school_org_id, rules, now).await?;
    crate::repo::audit::record(
        &txn,
        now,
        crate::repo::audit::Actor {
            kind: "staff",
            id: Some(staff_id),
        },
        "degree_rules.set",
        ("organisation", Some(school_org_id)),
        &format!(
            "language={} degree_average={} degree_core={}",
            rules.language_min_average_tenths,
            rules.degree_min_average_tenths,
            rules.degree_min_core_tenths
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

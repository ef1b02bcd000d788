//! A school's degree thresholds (学位条件设置). Each language or degree batch copies them when it
//! is created (see [`crate::repo::reference::create_batch`]), so editing them affects only
//! batches created afterwards.

use chrono::{DateTime, Utc};
use domain::degree::DEFAULT_THRESHOLD_TENTHS;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::entity::school_degree_rule as rule;
use crate::repo::RepoError;

/// The review stages of the school's batches, by name in order (see
/// [`domain::degree::stages`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolStages {
    /// 学位外语 batches.
    pub language: Vec<String>,
    /// 学位申请 batches.
    pub degree: Vec<String>,
}

impl Default for SchoolStages {
    /// One 学校审核 for each, as before a school lists its own.
    fn default() -> Self {
        Self {
            language: domain::degree::stages::default_names(),
            degree: domain::degree::stages::default_names(),
        }
    }
}

/// The school's current stage lists, or the defaults without a row.
pub async fn stages_of_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
) -> Result<SchoolStages, RepoError> {
    use domain::degree::stages::from_stored;
    Ok(rule::Entity::find()
        .filter(rule::Column::SchoolOrgId.eq(school_org_id))
        .one(conn)
        .await?
        .map_or_else(SchoolStages::default, |r| SchoolStages {
            language: from_stored(r.language_stages.as_deref()),
            degree: from_stored(r.degree_stages.as_deref()),
        }))
}

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

/// Sets the school's stage lists (each checked again, as the form does); batches already created
/// keep theirs. The school's thresholds row must exist: [`set_for_school`] first.
pub async fn set_stages_for_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
    stages: &SchoolStages,
) -> Result<(), RepoError> {
    use domain::degree::stages::{names_text, parse_names};
    for (label, names) in [
        ("学位外语审核环节", &stages.language),
        ("学位申请审核环节", &stages.degree),
    ] {
        parse_names(label, &names_text(names)).map_err(|e| RepoError::Invalid(e.0))?;
    }
    rule::Entity::update_many()
        .col_expr(
            rule::Column::LanguageStages,
            sea_orm::sea_query::Expr::value(names_text(&stages.language)),
        )
        .col_expr(
            rule::Column::DegreeStages,
            sea_orm::sea_query::Expr::value(names_text(&stages.degree)),
        )
        .filter(rule::Column::SchoolOrgId.eq(school_org_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// 学位条件设置 saved by a school's admin: the thresholds, the stage lists and their audit row in
/// one transaction, so none stands without the others.
pub async fn save_for_school(
    db: &DatabaseConnection,
    school_org_id: i64,
    rules: DegreeRules,
    stages: &SchoolStages,
    staff_id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let txn = crate::write::begin_write(db).await?;
    set_for_school(&txn, school_org_id, rules, now).await?;
    set_stages_for_school(&txn, school_org_id, stages).await?;
    crate::repo::audit::record(
        &txn,
        now,
        crate::repo::audit::Actor::staff(staff_id),
        "degree_rules.set",
        ("organisation", Some(school_org_id)),
        &format!(
            "language={} degree_average={} degree_core={} language_stages={} degree_stages={}",
            rules.language_min_average_tenths,
            rules.degree_min_average_tenths,
            rules.degree_min_core_tenths,
            stages.language.join("/"),
            stages.degree.join("/")
        ),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

//! Writing a validated plan file: catalogue courses, majors, plan lines and substitutions.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use super::ImportError;
use super::plan_rows::MajorKey;
use super::plans::MajorPlan;
use crate::entity::{course, plan_substitution};
use crate::repo::RepoError;
use crate::repo::reference::{self, NewMajor, PlanCourseInput};

/// Adds the file's courses to the catalogue, renaming those that exist.
pub(super) async fn upsert_courses(
    txn: &DatabaseTransaction,
    courses: &HashMap<String, (String, u64)>,
) -> Result<(), ImportError> {
    let all: Vec<(&String, &String)> = courses.iter().map(|(c, (n, _))| (c, n)).collect();
    for batch in all.chunks(1000) {
        let models = batch.iter().map(|(code, name)| course::ActiveModel {
            code: Set((*code).clone()),
            name: Set((*name).clone()),
            ..Default::default()
        });
        course::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(course::Column::Code)
                    .update_column(course::Column::Name)
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Creates a major of the file that does not exist yet.
pub(super) async fn create_major(
    txn: &DatabaseTransaction,
    key: &MajorKey,
    plan: &MajorPlan,
) -> Result<i64, ImportError> {
    let created = reference::create_major(
        txn,
        NewMajor {
            province: plan.province.as_deref(),
            code: &key.code,
            name: &plan.name,
            level: plan.level,
            chief_university_id: key.university_id,
        },
    )
    .await
    .map_err(repo_error)?;
    Ok(created.id)
}

/// Replaces the major's plan courses and its substitutions with the file's.
pub(super) async fn replace_plan(
    txn: &DatabaseTransaction,
    major_id: i64,
    plan: &MajorPlan,
) -> Result<(), ImportError> {
    let courses: Vec<PlanCourseInput> = plan.lines.iter().map(|l| l.course.clone()).collect();
    reference::replace_plan(txn, major_id, &courses)
        .await
        .map_err(repo_error)?;
    plan_substitution::Entity::delete_many()
        .filter(plan_substitution::Column::MajorId.eq(major_id))
        .exec(txn)
        .await?;
    let mut pairs = HashSet::new();
    let subs: Vec<plan_substitution::ActiveModel> = plan
        .lines
        .iter()
        .flat_map(|l| {
            l.substitutes
                .iter()
                .map(move |s| (&l.course.course_code, s))
        })
        .filter(|pair| pairs.insert(*pair))
        .map(|(course_code, sub)| plan_substitution::ActiveModel {
            major_id: Set(major_id),
            course_code: Set(course_code.clone()),
            substitute_code: Set(sub.clone()),
            ..Default::default()
        })
        .collect();
    for batch in subs.chunks(1000) {
        plan_substitution::Entity::insert_many(batch.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Repository refusals cannot happen after validation passed; treat them as database failures.
fn repo_error(e: RepoError) -> ImportError {
    match e {
        RepoError::Db(e) => ImportError::Db(e),
        other => ImportError::Db(sea_orm::DbErr::Custom(other.to_string())),
    }
}

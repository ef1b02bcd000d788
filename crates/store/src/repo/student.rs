//! Continuing-education students (学生).

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::RepoError;
use crate::entity::{student, student_score};

/// A student by 学号.
pub async fn by_student_no<C: ConnectionTrait>(
    conn: &C,
    student_no: &str,
) -> Result<Option<student::Model>, RepoError> {
    Ok(student::Entity::find()
        .filter(student::Column::StudentNo.eq(student_no))
        .one(conn)
        .await?)
}

/// A student by id.
pub async fn get<C: ConnectionTrait>(conn: &C, id: i64) -> Result<student::Model, RepoError> {
    student::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A student's course results.
pub async fn scores<C: ConnectionTrait>(
    conn: &C,
    student_id: i64,
) -> Result<Vec<student_score::Model>, RepoError> {
    Ok(student_score::Entity::find()
        .filter(student_score::Column::StudentId.eq(student_id))
        .order_by_asc(student_score::Column::CourseCode)
        .all(conn)
        .await?)
}

/// Students of a school of continuing education, paged.
pub async fn list_for_school<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
    page: u64,
    per_page: u64,
) -> Result<(Vec<student::Model>, u64), RepoError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let q = student::Entity::find().filter(student::Column::SchoolOrgId.eq(school_org_id));
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(student::Column::StudentNo)
        .offset(page.saturating_mul(per_page))
        .limit(per_page)
        .all(conn)
        .await?;
    Ok((rows, total))
}

/// Several students by id, keyed by id; ids not found are simply absent.
pub async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, student::Model>, RepoError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(student::Entity::find()
        .filter(student::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

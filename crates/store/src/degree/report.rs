//! 学位授予信息: the degrees a continuing-education school has awarded, read in chunks for the
//! school's report (the web crate writes the workbook).

use std::collections::HashMap;

use domain::degree::DegreeAward;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{batch, degree_application as app, major, student};
use crate::repo::RepoError;

/// One awarded degree with the student's record.
#[derive(Debug, Clone)]
pub struct Awarded {
    /// The application, as filled in and reviewed.
    pub application: app::Model,
    /// 学号.
    pub student_no: String,
    /// 考生号.
    pub exam_reg_no: String,
    /// 专业名称.
    pub major_name: String,
    /// 批次名称.
    pub batch_name: String,
}

/// Up to `limit` degree applications with 授予 recorded in the degree batches of school
/// `school_org_id`, after application id `after`, in id order.
pub async fn awarded<C: ConnectionTrait>(
    conn: &C,
    school_org_id: i64,
    after: i64,
    limit: u64,
) -> Result<Vec<Awarded>, RepoError> {
    let batches = Query::select()
        .column(batch::Column::Id)
        .from(batch::Entity)
        .and_where(batch::Column::Kind.eq("degree"))
        .and_where(batch::Column::OrgId.eq(school_org_id))
        .to_owned();
    let apps = app::Entity::find()
        .filter(app::Column::BatchId.in_subquery(batches))
        .filter(app::Column::Award.eq(DegreeAward::Awarded.code()))
        .filter(app::Column::Id.gt(after))
        .order_by_asc(app::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    if apps.is_empty() {
        return Ok(Vec::new());
    }
    let students: HashMap<i64, student::Model> = student::Entity::find()
        .filter(student::Column::Id.is_in(apps.iter().map(|a| a.student_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let majors: HashMap<i64, String> = major::Entity::find()
        .filter(major::Column::Id.is_in(students.values().map(|s| s.major_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let names: HashMap<i64, String> = batch::Entity::find()
        .filter(batch::Column::Id.is_in(apps.iter().map(|a| a.batch_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    Ok(apps
        .into_iter()
        .map(|a| {
            let s = students.get(&a.student_id);
            Awarded {
                student_no: s.map(|s| s.student_no.clone()).unwrap_or_default(),
                exam_reg_no: s.map(|s| s.exam_reg_no.clone()).unwrap_or_default(),
                major_name: s
                    .and_then(|s| majors.get(&s.major_id))
                    .cloned()
                    .unwrap_or_default(),
                batch_name: names.get(&a.batch_id).cloned().unwrap_or_default(),
                application: a,
            }
        })
        .collect())
}

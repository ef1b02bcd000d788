//! Reference data: courses, majors and their exam plans, enrolled majors, scores, exemptions, batches.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::RepoError;
use crate::entity::{
    batch, course, enrolled_major, exemption, major, organisation, plan_course, plan_substitution,
    score_record,
};

/// Adds a course to the catalogue or renames it.
pub async fn upsert_course<C: ConnectionTrait>(
    conn: &C,
    code: &str,
    name: &str,
) -> Result<(), RepoError> {
    course::Entity::insert(course::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(course::Column::Code)
            .update_column(course::Column::Name)
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Course names by code, for every course in the catalogue.
pub async fn course_names<C: ConnectionTrait>(
    conn: &C,
) -> Result<HashMap<String, String>, RepoError> {
    Ok(course::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect())
}

/// Course names by code, of the courses named only: a catalogue runs to thousands of courses,
/// a candidate's records to a few dozen.
pub async fn course_names_of<'a, C: ConnectionTrait>(
    conn: &C,
    codes: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, String>, RepoError> {
    let codes: std::collections::BTreeSet<&str> = codes.into_iter().collect();
    let mut names = HashMap::with_capacity(codes.len());
    // In slices, as SQLite allows at most 32,766 parameters in one statement.
    let codes: Vec<&str> = codes.into_iter().collect();
    for slice in codes.chunks(1_000) {
        for c in course::Entity::find()
            .filter(course::Column::Code.is_in(slice.iter().copied()))
            .all(conn)
            .await?
        {
            names.insert(c.code, c.name);
        }
    }
    Ok(names)
}

/// What a new major needs.
pub struct NewMajor<'a> {
    /// Province code, `None` for a continuing-education plan.
    pub province: Option<&'a str>,
    /// Major code.
    pub code: &'a str,
    /// Major name.
    pub name: &'a str,
    /// 专科 / 本科.
    pub level: domain::Level,
    /// The chief university (or school of continuing education) that owns the plan.
    pub chief_university_id: i64,
}

/// Creates a major (本科 majors require prior education).
pub async fn create_major<C: ConnectionTrait>(
    conn: &C,
    new: NewMajor<'_>,
) -> Result<major::Model, RepoError> {
    major::ActiveModel {
        province: Set(new.province.map(str::to_owned)),
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        level: Set(new.level.code().to_owned()),
        chief_university_id: Set(new.chief_university_id),
        requires_prior_education: Set(new.level == domain::Level::Bachelor),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            RepoError::Conflict(format!("专业代码 {} 在该主考学校已存在", new.code))
        } else {
            RepoError::Db(e)
        }
    })
}

/// One course line of a plan, as entered.
#[derive(Debug, Clone)]
pub struct PlanCourseInput {
    /// Course code (must be in the catalogue).
    pub course_code: String,
    /// Credits.
    pub credits: i32,
    /// Theory / practical / thesis.
    pub kind: domain::CourseKind,
    /// 学位主干课.
    pub degree_core: bool,
}

/// Replaces the course list of a major's plan.
pub async fn replace_plan<C: ConnectionTrait>(
    conn: &C,
    major_id: i64,
    courses: &[PlanCourseInput],
) -> Result<(), RepoError> {
    plan_course::Entity::delete_many()
        .filter(plan_course::Column::MajorId.eq(major_id))
        .exec(conn)
        .await?;
    if courses.is_empty() {
        return Ok(());
    }
    let rows = courses
        .iter()
        .enumerate()
        .map(|(i, c)| plan_course::ActiveModel {
            major_id: Set(major_id),
            course_code: Set(c.course_code.clone()),
            credits: Set(c.credits),
            kind: Set(c.kind.code().to_owned()),
            degree_core: Set(c.degree_core),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            ..Default::default()
        });
    plan_course::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Allows `substitute_code` to stand for `course_code` in a major's plan.
pub async fn add_substitution<C: ConnectionTrait>(
    conn: &C,
    major_id: i64,
    course_code: &str,
    substitute_code: &str,
) -> Result<(), RepoError> {
    plan_substitution::ActiveModel {
        major_id: Set(major_id),
        course_code: Set(course_code.to_owned()),
        substitute_code: Set(substitute_code.to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A major by id.
pub async fn major<C: ConnectionTrait>(conn: &C, id: i64) -> Result<major::Model, RepoError> {
    major::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A major with the name of its chief university.
#[derive(Debug, Clone)]
pub struct MajorView {
    /// The major.
    pub major: major::Model,
    /// 主考学校 name.
    pub university: String,
}

/// Every major of a province, with university names, ordered by level then code.
pub async fn majors_of_province<C: ConnectionTrait>(
    conn: &C,
    province: &str,
) -> Result<Vec<MajorView>, RepoError> {
    let rows = major::Entity::find()
        .filter(major::Column::Province.eq(province))
        .order_by_asc(major::Column::Level)
        .order_by_asc(major::Column::Code)
        .all(conn)
        .await?;
    let names = org_names(conn, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|m| MajorView {
            university: names
                .get(&m.chief_university_id)
                .cloned()
                .unwrap_or_default(),
            major: m,
        })
        .collect())
}

/// Organisation names by id, of the chief universities of `majors` only: a province's
/// organisations run to thousands once its 助学机构 are registered, and a page names two or three.
async fn org_names<C: ConnectionTrait>(
    conn: &C,
    majors: impl IntoIterator<Item = &major::Model>,
) -> Result<HashMap<i64, String>, RepoError> {
    let ids: std::collections::BTreeSet<i64> =
        majors.into_iter().map(|m| m.chief_university_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Name)
        .filter(organisation::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// One course of a plan with its catalogue name.
#[derive(Debug, Clone)]
pub struct PlanRow {
    /// The plan line.
    pub course: plan_course::Model,
    /// The course name.
    pub name: String,
    /// Codes allowed to stand for this course.
    pub substitutes: Vec<String>,
}

/// A major's plan in order, with names and substitutions.
pub async fn plan<C: ConnectionTrait>(conn: &C, major_id: i64) -> Result<Vec<PlanRow>, RepoError> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder};
    use sea_orm::{FromQueryResult, QueryTrait};
    // Each line with its catalogue name in one statement (every page showing a plan reads it).
    let name_of = Query::select()
        .column((course::Entity, course::Column::Name))
        .from(course::Entity)
        .and_where(
            Expr::col((course::Entity, course::Column::Code))
                .equals((plan_course::Entity, plan_course::Column::CourseCode)),
        )
        .to_owned();
    let stmt = plan_course::Entity::find()
        .filter(plan_course::Column::MajorId.eq(major_id))
        .order_by_asc(plan_course::Column::Position)
        .expr_as(
            Expr::SubQuery(None, Box::new(name_of.into_sub_query_statement())),
            "course_name",
        )
        .build(conn.get_database_backend());
    let mut courses = Vec::new();
    for row in conn.query_all_raw(stmt).await? {
        let name: Option<String> = row.try_get("", "course_name")?;
        courses.push((plan_course::Model::from_query_result(&row, "")?, name));
    }
    let subs = plan_substitution::Entity::find()
        .filter(plan_substitution::Column::MajorId.eq(major_id))
        .all(conn)
        .await?;
    Ok(courses
        .into_iter()
        .map(|(c, name)| PlanRow {
            name: name.unwrap_or_default(),
            substitutes: subs
                .iter()
                .filter(|s| s.course_code == c.course_code)
                .map(|s| s.substitute_code.clone())
                .collect(),
            course: c,
        })
        .collect())
}

/// 新增在籍专业 by the candidate: the major and its audit row in one transaction.
pub async fn enrol(
    db: &sea_orm::DatabaseConnection,
    candidate_id: i64,
    candidate_province: &str,
    major_id: i64,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<(), RepoError> {
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    add_enrolled_major(&txn, candidate_id, candidate_province, major_id, now).await?;
    super::audit::record(
        &txn,
        now,
        super::audit::Actor {
            kind: "candidate",
            id: Some(candidate_id),
        },
        "candidate.enrolled_major_added",
        ("candidate", Some(candidate_id)),
        &format!("major_id={major_id}"),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Adds an enrolled major (在籍专业) for a candidate; the major must belong to the candidate's province.
pub async fn add_enrolled_major<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    candidate_province: &str,
    major_id: i64,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let m = major(conn, major_id).await?;
    if m.province.as_deref() != Some(candidate_province) {
        return Err(RepoError::Invalid(
            "所选专业不属于您报考的省份，不能添加".to_owned(),
        ));
    }
    enrolled_major::ActiveModel {
        candidate_id: Set(candidate_id),
        major_id: Set(major_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            RepoError::Conflict(format!("“{}”已在您的在籍专业中", m.name))
        } else {
            RepoError::Db(e)
        }
    })?;
    Ok(())
}

/// A candidate's enrolled majors with university names, oldest first.
pub async fn enrolled_majors<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<MajorView>, RepoError> {
    let links = enrolled_major::Entity::find()
        .filter(enrolled_major::Column::CandidateId.eq(candidate_id))
        .order_by_asc(enrolled_major::Column::Id)
        .all(conn)
        .await?;
    let mut majors: HashMap<i64, major::Model> = major::Entity::find()
        .filter(major::Column::Id.is_in(links.iter().map(|l| l.major_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let names = org_names(conn, majors.values()).await?;
    Ok(links
        .iter()
        .filter_map(|l| majors.remove(&l.major_id))
        .map(|m| MajorView {
            university: names
                .get(&m.chief_university_id)
                .cloned()
                .unwrap_or_default(),
            major: m,
        })
        .collect())
}

/// Every score record of a candidate, by course code then date.
pub async fn scores_of<C: crate::reader::Reads>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<score_record::Model>, RepoError> {
    use sea_orm::QueryTrait;
    static SQL: crate::reader::Prepared = crate::reader::Prepared::new();
    let stmt = SQL.statement(
        conn.get_database_backend(),
        vec![candidate_id.into()],
        |backend| {
            score_record::Entity::find()
                .filter(score_record::Column::CandidateId.eq(candidate_id))
                .order_by_asc(score_record::Column::CourseCode)
                .order_by_asc(score_record::Column::ExamDate)
                .build(backend)
        },
    );
    Ok(crate::reader::models_of::<_, score_record::Entity>(conn, stmt).await?)
}

/// Records one result.
pub async fn insert_score<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    course_code: &str,
    value: domain::ScoreValue,
    exam_date: NaiveDate,
    source: domain::ScoreSource,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    let (tenths, passed) = value.to_db();
    score_record::ActiveModel {
        candidate_id: Set(candidate_id),
        course_code: Set(course_code.to_owned()),
        score_tenths: Set(tenths),
        passed: Set(passed),
        exam_date: Set(exam_date),
        source: Set(source.code().to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Records an exemption (免考).
pub async fn insert_exemption<C: ConnectionTrait>(
    conn: &C,
    candidate_id: i64,
    course_code: &str,
    mode: domain::ExemptionMode,
    approved_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    exemption::ActiveModel {
        candidate_id: Set(candidate_id),
        course_code: Set(course_code.to_owned()),
        mode: Set(mode.code().to_owned()),
        approved_on: Set(approved_on),
        form_file_key: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A candidate's exemptions.
pub async fn exemptions_of<C: crate::reader::Reads>(
    conn: &C,
    candidate_id: i64,
) -> Result<Vec<exemption::Model>, RepoError> {
    use sea_orm::QueryTrait;
    static SQL: crate::reader::Prepared = crate::reader::Prepared::new();
    let stmt = SQL.statement(
        conn.get_database_backend(),
        vec![candidate_id.into()],
        |backend| {
            exemption::Entity::find()
                .filter(exemption::Column::CandidateId.eq(candidate_id))
                .build(backend)
        },
    );
    Ok(crate::reader::models_of::<_, exemption::Entity>(conn, stmt).await?)
}

/// What a new batch needs.
pub struct NewBatch<'a> {
    /// `graduation`, `language` or `degree`.
    pub kind: &'a str,
    /// Province code for graduation batches.
    pub province: Option<&'a str>,
    /// Owning organisation (school of continuing education for language and degree batches).
    pub org_id: Option<i64>,
    /// Name, e.g. "2024批次".
    pub name: &'a str,
    /// Window start.
    pub opens_at: DateTime<Utc>,
    /// Window end.
    pub closes_at: DateTime<Utc>,
}

/// Creates a batch; the window must not end before it starts. A language or degree batch copies
/// its school's current degree rules (70/70/70 without any).
pub async fn create_batch<C: ConnectionTrait>(
    conn: &C,
    new: NewBatch<'_>,
    now: DateTime<Utc>,
) -> Result<batch::Model, RepoError> {
    if new.closes_at <= new.opens_at {
        return Err(RepoError::Invalid(
            "批次的申请截止时间必须晚于开始时间".to_owned(),
        ));
    }
    // A graduation batch copies its province's pipeline, cutoff, fee and upload limit (the
    // office's settings over the definition), so the province must exist.
    let province = new
        .province
        .map(|code| domain::Province::of(code).map_err(|e| RepoError::Invalid(e.0)))
        .transpose()?;
    let settings = match province {
        Some(p) => super::province_settings::get(conn, p.code()).await?,
        None => domain::province::Settings::default(),
    };
    // Language and degree batches keep the thresholds in force when they were created.
    let (min_average, min_core) = match (new.kind, new.org_id) {
        ("language" | "degree", Some(org)) => {
            let r = crate::degree::rules::of_school(conn, org).await?;
            if new.kind == "language" {
                (Some(r.language_min_average_tenths), None)
            } else {
                (
                    Some(r.degree_min_average_tenths),
                    Some(r.degree_min_core_tenths),
                )
            }
        }
        _ => (None, None),
    };
    let created = batch::ActiveModel {
        kind: Set(new.kind.to_owned()),
        min_average_tenths: Set(min_average),
        min_core_tenths: Set(min_core),
        province: Set(new.province.map(str::to_owned)),
        org_id: Set(new.org_id),
        name: Set(new.name.to_owned()),
        opens_at: Set(new.opens_at),
        closes_at: Set(new.closes_at),
        id_valid_after: Set(
            province.and_then(|p| p.id_cutoff(domain::calendar::beijing_date(new.opens_at)))
        ),
        created_at: Set(now),
        scan_max_bytes: Set(province.map(|p| {
            let bytes = settings.scan_max_bytes.unwrap_or(p.form().scan_max_bytes);
            i64::try_from(bytes).unwrap_or(i64::MAX)
        })),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    // A graduation batch gets its own copy of the province's pipeline.
    if new.kind == "graduation"
        && let Some(p) = province
    {
        let stages = p.stages_with_fee(settings.fee_fen);
        crate::graduation::application::set_stages(conn, created.id, &stages).await?;
    }
    // A school's batch gets its own copy of the school's stages.
    if let ("language" | "degree", Some(org)) = (new.kind, new.org_id) {
        let lists = crate::degree::rules::stages_of_school(conn, org).await?;
        let names = if new.kind == "language" {
            &lists.language
        } else {
            &lists.degree
        };
        crate::graduation::application::set_stages(
            conn,
            created.id,
            &domain::degree::stages::pipeline(names),
        )
        .await?;
    }
    Ok(created)
}

/// Batches of one kind for a province (graduation) or an organisation (language, degree).
pub async fn batches<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
) -> Result<Vec<batch::Model>, RepoError> {
    Ok(batch::Entity::find()
        .filter(batch::Column::Kind.eq(kind))
        .order_by_desc(batch::Column::OpensAt)
        .all(conn)
        .await?)
}

//! A continuing-education school's own settings for its 学位外语 and 学位申请 batches, for its
//! admin, shared by the pages (`/staff/degree-rules`, `/staff/degree-batches`) and the API:
//! 学位条件设置 (the thresholds and the review stages each new batch copies) and the batches
//! themselves (create, move the window).

use chrono::{DateTime, Utc};
use domain::degree::stages::{self as stage_names, parse_names};
use domain::degree::{parse_threshold, threshold_display};
use store::degree::batches;
use store::degree::rules::{self, DegreeRules, SchoolStages};
use store::entity::batch;
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;

/// Refuses anyone but an admin of a continuing-education school.
pub fn require_school_admin(me: &CurrentStaff, what: &str) -> Result<(), AppError> {
    if me.is_admin() && me.org.kind == domain::OrgKind::ContinuingEdSchool.code() {
        return Ok(());
    }
    tracing::warn!(
        staff = me.staff.id,
        "request denied: {what} outside a continuing-education school's admin"
    );
    Err(AppError::Forbidden(format!(
        "{what}仅限继续教育学院的管理员使用"
    )))
}

/// 学位条件设置 as shown and as typed: thresholds in points ("70", "65.5"), stages by name.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// 学位外语: average of the plan's examination courses.
    pub language_min_average: String,
    /// 学位申请: average of all plan courses, graduation courses excluded.
    pub degree_min_average: String,
    /// 学位申请: lowest score of each degree core course.
    pub degree_min_core: String,
    /// 学位外语 review stages, one name per line.
    pub language_stages: String,
    /// 学位申请 review stages, one name per line.
    pub degree_stages: String,
}

/// The school's current settings.
pub async fn rules(state: &AppState, me: &CurrentStaff) -> Result<Rules, AppError> {
    require_school_admin(me, "学位条件设置")?;
    let r = rules::of_school(&state.db, me.org.id).await?;
    let s = rules::stages_of_school(&state.db, me.org.id).await?;
    Ok(Rules {
        language_min_average: threshold_display(r.language_min_average_tenths),
        degree_min_average: threshold_display(r.degree_min_average_tenths),
        degree_min_core: threshold_display(r.degree_min_core_tenths),
        language_stages: stage_names::names_text(&s.language),
        degree_stages: stage_names::names_text(&s.degree),
    })
}

/// Saves 学位条件设置; batches already created keep theirs. Every wrong field is refused at once,
/// each under its name, and nothing is saved.
pub async fn save_rules(
    state: &AppState,
    me: &CurrentStaff,
    input: &Rules,
) -> Result<(), AppError> {
    require_school_admin(me, "学位条件设置")?;
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut threshold = |field: &str, label: &str, raw: &str| match parse_threshold(label, raw) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push((field.to_owned(), e.0));
            None
        }
    };
    let thresholds = (
        threshold(
            "language_min_average",
            "学位外语申请条件（考试课程平均成绩）",
            &input.language_min_average,
        ),
        threshold(
            "degree_min_average",
            "学位申请条件（课程平均成绩）",
            &input.degree_min_average,
        ),
        threshold(
            "degree_min_core",
            "学位主干课最低成绩",
            &input.degree_min_core,
        ),
    );
    let mut list = |field: &str, label: &str, raw: &str| match parse_names(label, raw) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push((field.to_owned(), e.0));
            None
        }
    };
    let lists = (
        list(
            "language_stages",
            "学位外语审核环节",
            &input.language_stages,
        ),
        list("degree_stages", "学位申请审核环节", &input.degree_stages),
    );
    let ((Some(l), Some(a), Some(c)), (Some(language), Some(degree))) = (thresholds, lists) else {
        return Err(AppError::Invalid(errors));
    };
    rules::save_for_school(
        &state.db,
        me.org.id,
        DegreeRules {
            language_min_average_tenths: l,
            degree_min_average_tenths: a,
            degree_min_core_tenths: c,
        },
        &SchoolStages { language, degree },
        me.staff.id,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await?;
    Ok(())
}

/// One of the school's batches with the stages it copied.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The batch.
    pub batch: batch::Model,
    /// Its review stages, in order.
    pub stages: Vec<String>,
}

/// The school's 学位外语 and 学位申请 batches, newest window first.
pub async fn batches(state: &AppState, me: &CurrentStaff) -> Result<Vec<Batch>, AppError> {
    require_school_admin(me, "学位批次设置")?;
    let mut out = Vec::new();
    for b in batches::of_school(&state.db, me.org.id).await? {
        let stages = store::degree::stages_of(&state.db, b.id)
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        out.push(Batch { batch: b, stages });
    }
    Ok(out)
}

fn refused(e: RepoError, field: &str) -> AppError {
    match e {
        RepoError::Invalid(m) => AppError::refused(field, m),
        other => other.into(),
    }
}

/// Creates a batch of `kind` ("language" or "degree"), copying the school's current settings.
pub async fn create_batch(
    state: &AppState,
    me: &CurrentStaff,
    kind: &str,
    name: &str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<batch::Model, AppError> {
    require_school_admin(me, "学位批次设置")?;
    if closes_at <= opens_at {
        return Err(AppError::refused(
            "closes_at",
            "批次的申请截止时间必须晚于开始时间",
        ));
    }
    let field = if batches::KINDS.iter().any(|(k, _)| *k == kind) {
        "name"
    } else {
        "kind"
    };
    batches::create(
        &state.db,
        me.org.id,
        kind,
        name,
        opens_at,
        closes_at,
        me.staff.id,
        state.now(),
    )
    .await
    .map_err(|e| refused(e, field))
}

/// Moves the window of one of the school's batches.
pub async fn move_window(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
) -> Result<batch::Model, AppError> {
    require_school_admin(me, "学位批次设置")?;
    match batches::set_window(
        &state.db,
        me.org.id,
        id,
        opens_at,
        closes_at,
        me.staff.id,
        state.now(),
    )
    .await
    {
        Err(RepoError::NotFound) => Err(AppError::NotFound("未找到本学院的该批次".to_owned())),
        other => other.map_err(|e| refused(e, "closes_at")),
    }
}

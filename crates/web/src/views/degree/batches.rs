//! 学位批次 for the school's admin: the school's 学位外语 and 学位申请 batches with their windows
//! and the thresholds and review stages each copied when it was created; new batches and moved windows. Admins of
//! other organisations are told the page is the school's.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::degree::batches;

use crate::AppState;
use crate::error::AppError;
use crate::services::school;
use crate::session::CurrentStaff;
use crate::views::Layout;

fn beijing_input(t: chrono::DateTime<chrono::Utc>) -> String {
    domain::calendar::beijing(t)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value in Beijing time ("2024-03-01T09:00"), as UTC; `label` names the field.
fn parse_beijing(label: &str, s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let s = s.trim();
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .map(domain::calendar::from_beijing)
        .map_err(|_| {
            format!("{label}应为“年-月-日 时:分”（北京时间），如 2024-03-01 09:00，实际为“{s}”")
        })
}

/// One batch as listed.
pub struct Line {
    /// Id.
    pub id: i64,
    /// 学位外语 / 学位申请.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Window start, as the input shows it.
    pub opens: String,
    /// Window end.
    pub closes: String,
    /// The thresholds it copied.
    pub rules: String,
    /// The review stages it copied, in order.
    pub stages: String,
    /// 申辩期限, in days.
    pub appeal_days: i32,
}

#[derive(Template)]
#[template(path = "staff/degree_batches.html")]
struct Page {
    layout: Layout,
    school: bool,
    lines: Vec<Line>,
    message: Option<String>,
    error: Option<String>,
    form: NewForm,
}

/// The new-batch form, kept as typed after a refusal.
#[derive(Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

fn is_school_admin(me: &CurrentStaff) -> bool {
    school::require_school_admin(me, "学位批次设置").is_ok()
}

async fn render(
    state: &AppState,
    me: &CurrentStaff,
    message: Option<String>,
    error: Option<String>,
    form: NewForm,
) -> Result<String, AppError> {
    let school = is_school_admin(me);
    let lines = if school {
        school::batches(state, me)
            .await?
            .into_iter()
            .map(|school::Batch { batch: b, stages }| Line {
                id: b.id,
                kind: batches::kind_label(&b.kind),
                stages: stages.join(" → "),
                rules: match (b.min_average_tenths, b.min_core_tenths) {
                    (Some(a), Some(c)) => format!(
                        "平均成绩 {} 分，学位主干课 {} 分",
                        domain::degree::threshold_display(a),
                        domain::degree::threshold_display(c)
                    ),
                    (Some(a), None) => {
                        format!(
                            "考试课程平均成绩 {} 分",
                            domain::degree::threshold_display(a)
                        )
                    }
                    _ => String::new(),
                },
                appeal_days: b.appeal_days,
                name: b.name,
                opens: beijing_input(b.opens_at),
                closes: beijing_input(b.closes_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Page {
        layout: Layout::staff(
            "学位批次",
            crate::views::accounts::staff::who(me),
            &me.ctx,
            "/staff/degree-batches",
            &me.roles,
        ),
        school,
        lines,
        message,
        error,
        form,
    }
    .render()?)
}

/// `?done=`.
#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// GET /staff/degree-batches
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let message = q.done.as_deref().map(|d| match d {
        "created" => "批次已创建".to_owned(),
        "appeal_days" => "申辩期限已修改".to_owned(),
        _ => "申请时间已修改".to_owned(),
    });
    let html = render(&state, &me, message, None, NewForm::default()).await?;
    let status = if is_school_admin(&me) {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    Ok((status, Html(html)).into_response())
}

/// POST /staff/degree-batches: a new batch.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentStaff,
    axum::Form(f): axum::Form<NewForm>,
) -> Result<Response, AppError> {
    school::require_school_admin(&me, "学位批次设置")?;
    let created = match parse_beijing("开始时间", &f.opens)
        .and_then(|o| parse_beijing("截止时间", &f.closes).map(|c| (o, c)))
    {
        Ok((opens, closes)) => {
            school::create_batch(&state, &me, &f.kind, &f.name, opens, closes).await
        }
        Err(m) => Err(AppError::refused("opens", m)),
    };
    match created {
        Ok(_) => Ok(Redirect::to("/staff/degree-batches?done=created").into_response()),
        Err(e) => {
            let Some(m) = e.refusal() else {
                return Err(e);
            };
            let status = if matches!(e, AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let html = render(&state, &me, None, Some(m), f).await?;
            Ok((status, Html(html)).into_response())
        }
    }
}

/// The window form of one batch.
#[derive(Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

/// POST /staff/degree-batches/{id}/window: moves the window.
pub async fn window(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<WindowForm>,
) -> Result<Response, AppError> {
    school::require_school_admin(&me, "学位批次设置")?;
    let moved = match parse_beijing("开始时间", &f.opens)
        .and_then(|o| parse_beijing("截止时间", &f.closes).map(|c| (o, c)))
    {
        Ok((opens, closes)) => school::move_window(&state, &me, id, opens, closes).await,
        Err(m) => Err(AppError::refused("opens", m)),
    };
    match moved {
        Ok(_) => Ok(Redirect::to("/staff/degree-batches?done=window").into_response()),
        Err(e) => {
            let Some(m) = e.refusal() else {
                return Err(e);
            };
            let html = render(&state, &me, None, Some(m), NewForm::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

/// The appeal-period form of one batch.
#[derive(Deserialize)]
pub struct AppealDaysForm {
    #[serde(default)]
    appeal_days: String,
}

/// POST /staff/degree-batches/{id}/appeal-days: sets the batch's 申辩期限.
pub async fn appeal_days(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<AppealDaysForm>,
) -> Result<Response, AppError> {
    school::require_school_admin(&me, "学位批次设置")?;
    let set = match domain::appeal::parse_period_days(&f.appeal_days) {
        Ok(days) => {
            batches::set_appeal_days(&state.db, me.org.id, id, days, me.staff.id, state.now())
                .await
                .map_err(AppError::from)
        }
        Err(e) => Err(AppError::refused("appeal_days", e.0)),
    };
    match set {
        Ok(_) => Ok(Redirect::to("/staff/degree-batches?done=appeal_days").into_response()),
        Err(e) => {
            let Some(m) = e.refusal() else {
                return Err(e);
            };
            let html = render(&state, &me, None, Some(m), NewForm::default()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

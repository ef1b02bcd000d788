//! 毕业批次 for the admins of a province's office (`/staff/batches`): the province's graduation
//! batches with their windows in Beijing time, their state and how many applied; a new batch,
//! a moved window (调整时间), the appeal period (申辩期限) and applications ended now (结束申请).
//! Anyone else gets 403 naming their organisation or role.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use store::graduation::batches::Phase;

use crate::AppState;
use crate::error::AppError;
use crate::services::grad_batches as service;
use crate::session::CurrentStaff;
use crate::views::Layout;

const PATH: &str = "/staff/batches";

/// A `datetime-local` value as the input shows it ("2027-03-01T09:00"), in Beijing time.
fn input_value(t: DateTime<Utc>) -> String {
    domain::calendar::beijing(t)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A `datetime-local` value (or "2027-03-01 09:00") read as Beijing time; `label` names the field.
fn parse_beijing(label: &str, s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .map(domain::calendar::from_beijing)
        .map_err(|_| {
            if s.is_empty() {
                format!("请填写{label}（北京时间）")
            } else {
                format!("{label}应为“年-月-日 时:分”（北京时间），如 2027-03-01 09:00，实际为“{s}”")
            }
        })
}

/// Both times of a window form, each refused under its own label.
fn parse_window(opens: &str, closes: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let o = parse_beijing("申请开始", opens);
    let c = parse_beijing("申请截止", closes);
    match (o, c) {
        (Ok(o), Ok(c)) => Ok((o, c)),
        (o, c) => {
            let mut list = Vec::new();
            if let Err(m) = o {
                list.push(("opens_at".to_owned(), m));
            }
            if let Err(m) = c {
                list.push(("closes_at".to_owned(), m));
            }
            Err(AppError::Invalid(list))
        }
    }
}

/// One batch as listed.
struct Line {
    id: i64,
    name: String,
    window: String,
    opens: String,
    closes: String,
    status: &'static str,
    open: bool,
    applications: u64,
    /// 申辩期限 in days.
    appeal_days: i32,
    /// Why its 调整时间, 申辩期限 or 结束申请 was just refused.
    error: Option<String>,
}

/// The new-batch form (and a window form), kept as typed after a refusal.
#[derive(Deserialize, Default, Clone)]
pub struct BatchForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    opens: String,
    #[serde(default)]
    closes: String,
}

#[derive(Template)]
#[template(path = "staff/grad_batches.html")]
struct Page {
    layout: Layout,
    province: &'static str,
    lines: Vec<Line>,
    message: Option<&'static str>,
    /// Why the new batch was refused.
    error: Option<String>,
    form: BatchForm,
}

/// What went wrong on a post, to render beside the form it came from.
struct Refused {
    message: String,
    batch: Option<i64>,
    typed: BatchForm,
}

async fn render(
    state: &AppState,
    me: &CurrentStaff,
    message: Option<&'static str>,
    refused: Option<Refused>,
) -> Result<String, AppError> {
    let p = service::require_office_admin(me)?;
    let now = state.now();
    let (error, error_for, typed) = match refused {
        Some(r) => (Some(r.message), r.batch, r.typed),
        None => (None, None, BatchForm::default()),
    };
    let lines = service::list(state, me)
        .await?
        .into_iter()
        .map(|l| {
            let b = l.batch;
            let phase = Phase::of(&b, now);
            // A refused 调整时间 keeps what was typed in that batch's fields.
            let (opens, closes) = if error_for == Some(b.id) && !typed.opens.is_empty() {
                (typed.opens.clone(), typed.closes.clone())
            } else {
                (input_value(b.opens_at), input_value(b.closes_at))
            };
            Line {
                id: b.id,
                window: format!(
                    "{} 至 {}",
                    crate::util::beijing(b.opens_at),
                    crate::util::beijing(b.closes_at)
                ),
                opens,
                closes,
                status: phase.label(),
                open: phase == Phase::Open,
                applications: l.applications,
                appeal_days: b.appeal_days,
                error: error.clone().filter(|_| error_for == Some(b.id)),
                name: b.name,
            }
        })
        .collect();
    Ok(Page {
        layout: Layout::staff(
            "毕业批次",
            crate::views::accounts::staff::who(me),
            &me.ctx,
            PATH,
            &me.roles,
        ),
        province: p.label(),
        lines,
        message,
        error: error.filter(|_| error_for.is_none()),
        form: if error_for.is_none() {
            typed
        } else {
            BatchForm::default()
        },
    }
    .render()?)
}

/// `?done=created|moved|closed|appeal_days`.
#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// GET /staff/batches
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, AppError> {
    let message = q.done.as_deref().map(|d| match d {
        "created" => "毕业批次已创建",
        "closed" => "已结束申请",
        "appeal_days" => "申辩期限已修改",
        _ => "申请时间已调整",
    });
    Ok(Html(render(&state, &me, message, None).await?))
}

/// A refusal shown on the page beside its form with the typed values; anything else as it is.
async fn refused_page(
    state: &AppState,
    me: &CurrentStaff,
    e: AppError,
    batch: Option<i64>,
    typed: BatchForm,
) -> Result<Response, AppError> {
    let Some(message) = e.refusal() else {
        return Err(e);
    };
    let status = if matches!(e, AppError::Conflict(_)) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let refused = Refused {
        message,
        batch,
        typed,
    };
    let html = render(state, me, None, Some(refused)).await?;
    Ok((status, Html(html)).into_response())
}

/// POST /staff/batches: a new batch.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentStaff,
    axum::Form(f): axum::Form<BatchForm>,
) -> Result<Response, AppError> {
    service::require_office_admin(&me)?;
    let created = match parse_window(&f.opens, &f.closes) {
        Ok((opens, closes)) => service::create(&state, &me, &f.name, opens, closes).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => Ok(Redirect::to("/staff/batches?done=created").into_response()),
        Err(e) => refused_page(&state, &me, e, None, f).await,
    }
}

/// The 申辩期限 form of one batch.
#[derive(Deserialize, Default)]
pub struct AppealDaysForm {
    #[serde(default)]
    appeal_days: String,
}

/// POST /staff/batches/{id}/appeal-days: 申辩期限.
pub async fn appeal_days(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<AppealDaysForm>,
) -> Result<Response, AppError> {
    service::require_office_admin(&me)?;
    let set = match domain::appeal::parse_period_days(&f.appeal_days) {
        Ok(days) => service::set_appeal_days(&state, &me, id, days).await,
        Err(e) => Err(AppError::refused("appeal_days", e.0)),
    };
    match set {
        Ok(_) => Ok(Redirect::to("/staff/batches?done=appeal_days").into_response()),
        Err(e) => refused_page(&state, &me, e, Some(id), BatchForm::default()).await,
    }
}

/// POST /staff/batches/{id}/window: 调整时间.
pub async fn window(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<BatchForm>,
) -> Result<Response, AppError> {
    service::require_office_admin(&me)?;
    let moved = match parse_window(&f.opens, &f.closes) {
        Ok((opens, closes)) => service::move_window(&state, &me, id, opens, closes).await,
        Err(e) => Err(e),
    };
    match moved {
        Ok(_) => Ok(Redirect::to("/staff/batches?done=moved").into_response()),
        Err(e) => refused_page(&state, &me, e, Some(id), f).await,
    }
}

/// POST /staff/batches/{id}/close: 结束申请.
pub async fn close(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match service::close(&state, &me, id).await {
        Ok(_) => Ok(Redirect::to("/staff/batches?done=closed").into_response()),
        Err(e) => refused_page(&state, &me, e, Some(id), BatchForm::default()).await,
    }
}

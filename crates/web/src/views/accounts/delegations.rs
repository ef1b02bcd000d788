//! 工作委托 under 我的账号 for staff: a reviewer hands their review stages to a colleague for a
//! period, in 毕业审核, 学位审核 (with the 学位授予结果) and 学位外语审核; an admin arranges it for
//! any reviewer of the organisation; either party or an admin ends it early. The rules are
//! [`store::accounts::delegation`]'s.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use store::accounts::delegation::{self, By, MAX_DAYS, NewDelegation, REASON_MAX};
use store::repo::RepoError;

use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::{AppState, util};

/// Delegations listed.
const LISTED: u64 = 50;

struct Line {
    id: i64,
    from: String,
    to: String,
    period: String,
    reason: String,
    status: &'static str,
    revocable: bool,
}

/// The form's fields, as typed.
#[derive(Debug, Deserialize, Default)]
pub struct DelegationForm {
    #[serde(default)]
    from_staff_id: i64,
    #[serde(default)]
    to_staff_id: i64,
    #[serde(default)]
    first_day: String,
    #[serde(default)]
    last_day: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "staff/delegations.html")]
struct Page {
    layout: Layout,
    admin: bool,
    may_create: bool,
    me_id: i64,
    me_name: String,
    /// Who is delegating to the signed-in account now, by name.
    acting: String,
    reviewers: Vec<(i64, String)>,
    form: DelegationForm,
    max_days: i64,
    reason_max: usize,
    lines: Vec<Line>,
    info: Option<String>,
    error: Option<String>,
}

/// `?done=`.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

fn by(me: &CurrentStaff) -> By {
    By {
        staff_id: me.staff.id,
        org_id: me.org.id,
        admin: me.is_admin(),
    }
}

async fn render(
    state: &AppState,
    me: &CurrentStaff,
    form: DelegationForm,
    info: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let admin = me.is_admin();
    let reviewers: Vec<(i64, String)> = delegation::reviewers(&state.db, me.org.id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.display_name))
        .collect();
    let names: HashMap<i64, String> = reviewers.iter().cloned().collect();
    let now = state.now();
    let scope = if admin { None } else { Some(me.staff.id) };
    let mut lines = Vec::new();
    for d in delegation::list(&state.db, me.org.id, scope, LISTED).await? {
        let name = |id: i64| {
            let known = names.get(&id).cloned();
            let state = state.clone();
            async move {
                match known {
                    Some(n) => Ok::<_, AppError>(n),
                    None => Ok(store::repo::staff::get(&state.db, id).await?.display_name),
                }
            }
        };
        let status = if d.revoked_at.is_some() {
            "已撤销"
        } else if d.ends_at <= now {
            "已到期"
        } else if d.starts_at > now {
            "未开始"
        } else {
            "生效中"
        };
        lines.push(Line {
            id: d.id,
            from: name(d.from_staff_id).await?,
            to: name(d.to_staff_id).await?,
            period: format!(
                "{} 至 {}",
                util::beijing(d.starts_at),
                util::beijing(d.ends_at)
            ),
            reason: d.reason,
            status,
            revocable: matches!(status, "生效中" | "未开始"),
        });
    }
    let refused = error.is_some();
    let form = if form.first_day.is_empty() {
        let today = domain::calendar::beijing_date(now).to_string();
        DelegationForm {
            from_staff_id: me.staff.id,
            first_day: today.clone(),
            last_day: today,
            ..form
        }
    } else {
        form
    };
    let html = Page {
        layout: Layout::staff(
            "工作委托",
            super::staff::who(me),
            &me.ctx,
            "/staff/account",
            &me.roles,
        ),
        admin,
        may_create: admin || me.roles.has(domain::StaffRole::Reviewer),
        me_id: me.staff.id,
        me_name: me.staff.display_name.clone(),
        acting: me
            .delegated
            .iter()
            .map(|d| d.from_name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        reviewers,
        form,
        max_days: MAX_DAYS,
        reason_max: REASON_MAX,
        lines,
        info,
        error,
    }
    .render()?;
    Ok(if refused {
        (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response()
    } else {
        Html(html).into_response()
    })
}

/// GET /staff/account/delegations
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(d): Query<Done>,
) -> Result<Response, AppError> {
    let info = d.done.as_deref().map(|d| {
        match d {
            "revoked" => "委托已撤销。",
            _ => "委托已保存，期间内受托人可以代为办理毕业审核、学位审核和学位外语审核。",
        }
        .to_owned()
    });
    render(&state, &me, DelegationForm::default(), info, None).await
}

fn day(typed: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{what}“{typed}”无效，应为 年-月-日，如 2026-12-07"))
}

/// POST /staff/account/delegations
pub async fn create(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<DelegationForm>,
) -> Result<Response, AppError> {
    let days = day(&f.first_day, "开始日期").and_then(|a| Ok((a, day(&f.last_day, "结束日期")?)));
    let (first_day, last_day) = match days {
        Ok(d) => d,
        Err(m) => return render(&state, &me, f, None, Some(m)).await,
    };
    let new = NewDelegation {
        from_staff_id: f.from_staff_id,
        to_staff_id: f.to_staff_id,
        first_day,
        last_day,
        reason: f.reason.clone(),
    };
    match delegation::create(&state.db, by(&me), new, Some(&me.ctx.ip), state.now()).await {
        Ok(_) => Ok(Redirect::to("/staff/account/delegations?done=created").into_response()),
        Err(RepoError::Invalid(m) | RepoError::Forbidden(m)) => {
            render(&state, &me, f, None, Some(m)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /staff/account/delegations/{id}/revoke
pub async fn revoke(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match delegation::revoke(&state.db, by(&me), id, Some(&me.ctx.ip), state.now()).await {
        Ok(()) => Ok(Redirect::to("/staff/account/delegations?done=revoked").into_response()),
        Err(RepoError::Conflict(m)) => {
            render(&state, &me, DelegationForm::default(), None, Some(m)).await
        }
        Err(RepoError::NotFound) => Err(AppError::NotFound("未找到该委托".to_owned())),
        Err(e) => Err(e.into()),
    }
}

/// The routes of 工作委托.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/staff/account/delegations", get(page).post(create))
        .route("/staff/account/delegations/{id}/revoke", post(revoke))
}

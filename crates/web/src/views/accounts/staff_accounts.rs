//! 人员账号 for an organisation's admin: the staff accounts of its organisation and the ones
//! below, a new account (审核员 or 管理员) with a one-time password shown once, 停用/启用, and
//! 重置密码. The rules and the audit rows are [`store::accounts::staff`]'s.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::accounts::staff as accounts;
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentAdmin;
use crate::views::Layout;
use crate::views::accounts::staff::who;

struct Row {
    id: i64,
    username: String,
    name: String,
    org: String,
    role: &'static str,
    state: &'static str,
    disabled: bool,
    locked: bool,
    me: bool,
}

/// What was just issued, shown once.
struct Issued {
    username: String,
    password: String,
    what: &'static str,
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct Page {
    layout: Layout,
    rows: Vec<Row>,
    orgs: Vec<(i64, String)>,
    f: NewForm,
    issued: Option<Issued>,
    message: Option<String>,
    error: Option<String>,
}

/// The new-account form, kept as typed after a refusal.
#[derive(Debug, Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    role: String,
}

/// `?done=`.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

async fn render(
    state: &AppState,
    me: &CurrentAdmin,
    f: NewForm,
    issued: Option<Issued>,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let rows = accounts::list(&state.db, &me.0.org, state.now())
        .await?
        .into_iter()
        .map(|l| Row {
            id: l.staff.id,
            role: domain::StaffRole::from_code(&l.staff.role).map_or("", |r| r.label()),
            locked: l.locked_until.is_some(),
            state: if l.staff.disabled {
                "已停用"
            } else if l.locked_until.is_some() {
                "已锁定（密码错误次数过多）"
            } else if l.staff.must_change_password {
                "待首次修改密码"
            } else {
                "正常"
            },
            disabled: l.staff.disabled,
            me: l.staff.id == me.0.staff.id,
            username: l.staff.username,
            name: l.staff.display_name,
            org: l.org.name,
        })
        .collect();
    let orgs = accounts::subtree(&state.db, &me.0.org)
        .await?
        .into_iter()
        .map(|o| (o.id, format!("{}（{}）", o.name, o.code)))
        .collect();
    Ok(Page {
        layout: Layout::staff("人员账号", who(&me.0), &me.0.ctx, "/staff/accounts", true),
        rows,
        orgs,
        f,
        issued,
        message,
        error,
    }
    .render()?)
}

/// A page carrying a password: no cache may keep it.
fn once(html: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// GET /staff/accounts
pub async fn page(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Query(d): Query<Done>,
) -> Result<Html<String>, AppError> {
    let message = d.done.as_deref().map(|d| match d {
        "disabled" => "账号已停用，其登录已全部退出。".to_owned(),
        "unlocked" => "已解除锁定，本人可用自己的密码登录。".to_owned(),
        _ => "账号已启用。".to_owned(),
    });
    Ok(Html(
        render(&state, &me, NewForm::default(), None, message, None).await?,
    ))
}

async fn refused(
    state: &AppState,
    me: &CurrentAdmin,
    f: NewForm,
    e: RepoError,
) -> Result<Response, AppError> {
    let (status, m) = match e {
        RepoError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        RepoError::Conflict(m) => (StatusCode::CONFLICT, m),
        RepoError::NotFound => {
            return Err(AppError::NotFound(
                "未找到该账号，或它不属于本机构及下级机构".to_owned(),
            ));
        }
        other => return Err(other.into()),
    };
    let html = render(state, me, f, None, None, Some(m)).await?;
    Ok((status, Html(html)).into_response())
}

/// POST /staff/accounts: a new account.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Form(f): Form<NewForm>,
) -> Result<Response, AppError> {
    let Some(role) = domain::StaffRole::from_code(&f.role) else {
        return refused(
            &state,
            &me,
            f,
            RepoError::Invalid("请选择角色：审核员或管理员".to_owned()),
        )
        .await;
    };
    let Some(org_id) = f.org_id else {
        return refused(
            &state,
            &me,
            f,
            RepoError::Invalid("请选择所属机构".to_owned()),
        )
        .await;
    };
    let created = accounts::create(
        &state.db,
        &me.0.staff,
        &me.0.org,
        accounts::NewStaff {
            username: &f.username,
            display_name: &f.display_name,
            org_id,
            role,
        },
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await;
    match created {
        Ok((s, password)) => {
            let issued = Issued {
                username: s.username,
                password,
                what: "账号已创建",
            };
            Ok(once(
                render(&state, &me, NewForm::default(), Some(issued), None, None).await?,
            ))
        }
        Err(e) => refused(&state, &me, f, e).await,
    }
}

async fn set_disabled(
    state: AppState,
    me: CurrentAdmin,
    id: i64,
    disabled: bool,
) -> Result<Response, AppError> {
    match accounts::set_disabled(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        disabled,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok(()) => {
            let done = if disabled { "disabled" } else { "enabled" };
            Ok(Redirect::to(&format!("/staff/accounts?done={done}")).into_response())
        }
        Err(e) => refused(&state, &me, NewForm::default(), e).await,
    }
}

/// POST /staff/accounts/{id}/disable
pub async fn disable(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_disabled(state, me, id, true).await
}

/// POST /staff/accounts/{id}/enable
pub async fn enable(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_disabled(state, me, id, false).await
}

/// POST /staff/accounts/{id}/unlock
pub async fn unlock(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match accounts::unlock(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/staff/accounts?done=unlocked").into_response()),
        Err(e) => refused(&state, &me, NewForm::default(), e).await,
    }
}

/// POST /staff/accounts/{id}/reset-password: a one-time password, shown once.
pub async fn reset(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match accounts::reset(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok((s, password)) => {
            let issued = Issued {
                username: s.username,
                password,
                what: "密码已重置，该账号的登录已全部退出、登录锁定已解除",
            };
            Ok(once(
                render(&state, &me, NewForm::default(), Some(issued), None, None).await?,
            ))
        }
        Err(e) => refused(&state, &me, NewForm::default(), e).await,
    }
}

/// The routes of 人员账号.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/staff/accounts", get(page).post(create))
        .route("/staff/accounts/{id}/disable", post(disable))
        .route("/staff/accounts/{id}/enable", post(enable))
        .route("/staff/accounts/{id}/unlock", post(unlock))
        .route("/staff/accounts/{id}/reset-password", post(reset))
}

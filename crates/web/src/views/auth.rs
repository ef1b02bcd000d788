//! Sign-in and sign-out for the three portals.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::repo::{audit, password, session as sessions, throttle};

use super::Layout;
use crate::error::AppError;
use crate::session::{SessionCtx, ensure_session, with_cookie};
use crate::{AppState, util};

/// The three portals; each has its own account table and sign-in name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Portal {
    /// 考生: 准考证号 + password.
    Candidate,
    /// 学生: 学号 + password.
    Student,
    /// 工作人员: username + password.
    Staff,
}

impl Portal {
    fn code(self) -> &'static str {
        match self {
            Portal::Candidate => "candidate",
            Portal::Student => "student",
            Portal::Staff => "staff",
        }
    }
    fn login_path(self) -> &'static str {
        match self {
            Portal::Candidate => "/login",
            Portal::Student => "/student/login",
            Portal::Staff => "/staff/login",
        }
    }
    fn home(self) -> &'static str {
        match self {
            Portal::Candidate => "/candidate/profile",
            Portal::Student => "/student/profile",
            Portal::Staff => "/staff",
        }
    }
    fn username_label(self) -> &'static str {
        match self {
            Portal::Candidate => "准考证号",
            Portal::Student => "学号",
            Portal::Staff => "用户名",
        }
    }
    fn heading(self) -> &'static str {
        match self {
            Portal::Candidate => "自考考生登录",
            Portal::Student => "继续教育学生登录",
            Portal::Staff => "工作人员登录",
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    portal: &'static str,
    heading: &'static str,
    action: &'static str,
    username_label: &'static str,
    username: String,
    info: Option<String>,
    error: Option<String>,
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    expired: Option<String>,
    logged_out: Option<String>,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn render_login(
    portal: Portal,
    ctx: &SessionCtx,
    username: String,
    info: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    Ok(LoginPage {
        layout: Layout::bare(portal.heading(), ctx),
        portal: portal.code(),
        heading: portal.heading(),
        action: portal.login_path(),
        username_label: portal.username_label(),
        username,
        info,
        error,
    }
    .render()?)
}

async fn login_page(
    state: AppState,
    ctx: SessionCtx,
    portal: Portal,
    q: LoginQuery,
) -> Result<Response, AppError> {
    let info = if q.expired.is_some() || ctx.expired {
        Some("登录已过期（30 分钟未操作），请重新登录。".to_owned())
    } else if q.logged_out.is_some() {
        Some("您已安全退出。".to_owned())
    } else {
        None
    };
    let (ctx, new_token) = ensure_session(&state, ctx).await?;
    let html = Html(render_login(portal, &ctx, String::new(), info, None)?);
    Ok(match new_token {
        Some(t) => with_cookie(&state, &t, html),
        None => html.into_response(),
    })
}

/// GET /login
pub async fn candidate_login_page(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    login_page(state, ctx, Portal::Candidate, q).await
}

/// GET /student/login
pub async fn student_login_page(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    login_page(state, ctx, Portal::Student, q).await
}

/// GET /staff/login
pub async fn staff_login_page(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    login_page(state, ctx, Portal::Staff, q).await
}

/// Why a sign-in was refused; the message never tells whether the account exists.
enum Refusal {
    Wrong { left: i32, label: &'static str },
    AccountLocked(chrono::DateTime<chrono::Utc>),
    AddressLocked(chrono::DateTime<chrono::Utc>),
    Empty(&'static str),
}

impl Refusal {
    fn message(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let minutes = |t: &chrono::DateTime<chrono::Utc>| ((*t - now).num_seconds() + 59) / 60;
        match self {
            Refusal::Wrong { left, label } if *left > 0 => {
                format!("{label}或密码错误，还可尝试 {left} 次。")
            }
            Refusal::Wrong { label, .. } => format!(
                "{label}或密码错误。连续 {} 次错误，账号已锁定 {} 分钟。",
                throttle::ACCOUNT.max_failures,
                throttle::ACCOUNT.lock.num_minutes()
            ),
            Refusal::AccountLocked(t) => format!(
                "该账号因连续 {} 次密码错误已被锁定，请在 {} 分钟后（北京时间 {} 以后）再试。",
                throttle::ACCOUNT.max_failures,
                minutes(t),
                util::beijing_hm(*t)
            ),
            Refusal::AddressLocked(t) => format!(
                "您所在网络的登录失败次数过多，请在 {} 分钟后（北京时间 {} 以后）再试。",
                minutes(t),
                util::beijing_hm(*t)
            ),
            Refusal::Empty(label) => format!("请输入{label}和密码。"),
        }
    }
}

/// Looks the account up and returns its id and password hash.
async fn find_account(
    state: &AppState,
    portal: Portal,
    username: &str,
) -> Result<Option<(i64, String)>, AppError> {
    Ok(match portal {
        Portal::Candidate => store::repo::candidate::by_admission_no(&state.db, username)
            .await?
            .map(|c| (c.id, c.password_hash)),
        Portal::Student => store::repo::student::by_student_no(&state.db, username)
            .await?
            .map(|s| (s.id, s.password_hash)),
        Portal::Staff => store::repo::staff::by_username(&state.db, username)
            .await?
            .filter(|s| !s.disabled)
            .map(|s| (s.id, s.password_hash)),
    })
}

async fn attempt(
    state: &AppState,
    portal: Portal,
    username: &str,
    password_plain: String,
    ip: &str,
) -> Result<Result<i64, Refusal>, AppError> {
    let now = state.now();
    if username.is_empty() || password_plain.is_empty() {
        return Ok(Err(Refusal::Empty(portal.username_label())));
    }
    let ip_key = format!("ip:{ip}");
    let acct_key = format!("acct:{}:{username}", portal.code());
    if let Some(t) = throttle::locked_until(&state.db, &ip_key, now).await? {
        return Ok(Err(Refusal::AddressLocked(t)));
    }
    if let Some(t) = throttle::locked_until(&state.db, &acct_key, now).await? {
        return Ok(Err(Refusal::AccountLocked(t)));
    }
    let account = find_account(state, portal, username).await?;
    let hash = account
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || password::verify(&hash, &password_plain))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    match account {
        Some((id, _)) if ok => {
            throttle::clear(&state.db, &acct_key).await?;
            audit::record(
                &state.db,
                now,
                audit::Actor {
                    kind: actor_kind(portal),
                    id: Some(id),
                },
                "login.succeeded",
                (portal.code(), Some(id)),
                "",
                Some(ip),
            )
            .await?;
            Ok(Ok(id))
        }
        _ => {
            let left =
                throttle::record_failure(&state.db, &acct_key, throttle::ACCOUNT, now).await?;
            throttle::record_failure(&state.db, &ip_key, throttle::ADDRESS, now).await?;
            tracing::warn!(portal = portal.code(), ip, "sign-in failed");
            audit::record(
                &state.db,
                now,
                audit::Actor::SYSTEM,
                "login.failed",
                (portal.code(), account.map(|(id, _)| id)),
                &format!("{}：{}", portal.username_label(), username),
                Some(ip),
            )
            .await?;
            Ok(Err(Refusal::Wrong {
                left,
                label: portal.username_label(),
            }))
        }
    }
}

fn actor_kind(portal: Portal) -> &'static str {
    portal.code()
}

async fn login_submit(
    state: AppState,
    ctx: SessionCtx,
    portal: Portal,
    form: LoginForm,
) -> Result<Response, AppError> {
    let username = form.username.trim().to_owned();
    match attempt(&state, portal, &username, form.password, &ctx.ip).await? {
        Ok(id) => {
            // A new session id at sign-in: a token planted before sign-in is worthless after it.
            if let Some(old) = &ctx.session {
                sessions::delete(&state.db, &old.id).await?;
            }
            let (token, _) =
                sessions::create(&state.db, portal.code(), Some(id), state.now()).await?;
            Ok(with_cookie(&state, &token, Redirect::to(portal.home())))
        }
        Err(refusal) => {
            let msg = refusal.message(state.now());
            let html = render_login(portal, &ctx, username, None, Some(msg))?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

/// POST /login
pub async fn candidate_login(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    login_submit(state, ctx, Portal::Candidate, form).await
}

/// POST /student/login
pub async fn student_login(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    login_submit(state, ctx, Portal::Student, form).await
}

/// POST /staff/login
pub async fn staff_login(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    login_submit(state, ctx, Portal::Staff, form).await
}

/// POST /logout: the session row is deleted, so the old cookie is worthless everywhere.
pub async fn logout(State(state): State<AppState>, ctx: SessionCtx) -> Result<Response, AppError> {
    let portal_login = match ctx.session.as_ref().map(|s| s.user_kind.as_str()) {
        Some("staff") => "/staff/login",
        Some("student") => "/student/login",
        _ => "/login",
    };
    if let Some(s) = &ctx.session {
        sessions::delete(&state.db, &s.id).await?;
    }
    let mut resp = Redirect::to(&format!("{portal_login}?logged_out=1")).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, crate::session::clear_cookie());
    Ok(resp)
}

/// GET /: to the portal of whoever is signed in, else to the candidate sign-in.
pub async fn home(ctx: SessionCtx) -> Redirect {
    match ctx.session.as_ref().map(|s| s.user_kind.as_str()) {
        Some("candidate") => Redirect::to(Portal::Candidate.home()),
        Some("student") => Redirect::to(Portal::Student.home()),
        Some("staff") => Redirect::to(Portal::Staff.home()),
        _ => Redirect::to("/login"),
    }
}

//! Sign-in and sign-out for the three portals.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::repo::{audit, password, session as sessions, throttle};

use crate::error::AppError;
use crate::session::{SessionCtx, ensure_form_token, with_cookie};
use crate::views::Layout;
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
    activated: Option<String>,
    recovered: Option<String>,
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
    } else if q.activated.is_some() {
        Some("账号已激活，请用刚设置的密码登录。".to_owned())
    } else if q.recovered.is_some() {
        Some("新密码已设置，该账号原有的登录均已退出，请用新密码登录。".to_owned())
    } else {
        None
    };
    let (ctx, pre_cookie) = ensure_form_token(&state, ctx).await?;
    let mut resp = Html(render_login(portal, &ctx, String::new(), info, None)?).into_response();
    if let Some(c) = pre_cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
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
    AddressBusy(chrono::Duration),
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
            Refusal::AddressBusy(after) => format!(
                "您所在网络的登录尝试过于频繁，请在 {} 秒后再试。",
                after.num_seconds().max(1)
            ),
            Refusal::Empty(label) => format!("请输入{label}和密码。"),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Refusal::AddressBusy(_) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
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

/// The longest sign-in name any account has; longer ones are refused without a lookup (and do
/// not create throttle rows under attacker-chosen keys).
const MAX_USERNAME_CHARS: usize = 64;

/// A permit to compute one password hash: each argon2 hash takes 19 MiB and a core for a
/// moment, so at most as many run at once as there are permits. Waits up to the configured
/// `hash_wait`, then answers that the server is busy.
pub async fn hash_permit(state: &AppState) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
    tokio::time::timeout(
        state.config.hash_wait,
        state.hash_permits.clone().acquire_owned(),
    )
    .await
    .map_err(|_| AppError::Busy("登录人数较多，系统繁忙，请稍后再试。".to_owned()))?
    .map_err(|e| AppError::Internal(e.into()))
}

/// Checks a password against a hash on a blocking thread, holding `permit` meanwhile.
pub async fn verify_password(
    permit: tokio::sync::OwnedSemaphorePermit,
    hash: String,
    plain: String,
) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        password::verify(&hash, &plain)
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// A right password: the account, and whether it still owes its second factor (a staff account
/// with two-factor sign-in), in which case it is not signed in yet.
struct PasswordAccepted {
    id: i64,
    second_factor: bool,
}

async fn attempt(
    state: &AppState,
    portal: Portal,
    username: &str,
    password_plain: String,
    ip: &str,
) -> Result<Result<PasswordAccepted, Refusal>, AppError> {
    if username.is_empty() || password_plain.is_empty() {
        return Ok(Err(Refusal::Empty(portal.username_label())));
    }
    let label = portal.username_label();
    let ip_key = format!("ip:{ip}");
    // Behind one address may be a whole campus: it is slowed down, never locked.
    match throttle::address_turn(&state.db, &ip_key, throttle::ADDRESS, state.now()).await? {
        throttle::AddressGate::Busy(after) => {
            tracing::warn!(ip, "sign-in refused: too many attempts from the address");
            return Ok(Err(Refusal::AddressBusy(after)));
        }
        throttle::AddressGate::Go(wait) => {
            if let Ok(wait) = wait.to_std()
                && !wait.is_zero()
            {
                tokio::time::sleep(wait).await;
            }
        }
    }
    // Before the account's check is reserved: a sign-in turned away as busy costs no attempt.
    let permit = hash_permit(state).await?;
    let now = state.now();
    let acct_key = format!("acct:{}:{username}", portal.code());
    let too_long = username.chars().count() > MAX_USERNAME_CHARS;
    let (account, attempt_no) = if too_long {
        (None, throttle::ACCOUNT.max_failures)
    } else {
        match throttle::reserve_check(&state.db, &acct_key, throttle::ACCOUNT, now).await? {
            throttle::AccountGate::Locked(t) => return Ok(Err(Refusal::AccountLocked(t))),
            throttle::AccountGate::Check { attempt } => {
                (find_account(state, portal, username).await?, attempt)
            }
        }
    };
    let hash = account
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| password::dummy_hash().to_owned());
    let ok = verify_password(permit, hash, password_plain).await?;
    let now = state.now();
    match account {
        Some((id, _)) if ok => {
            throttle::succeeded(&state.db, &acct_key, attempt_no).await?;
            let second_factor =
                portal == Portal::Staff && store::accounts::totp::is_enabled(&state.db, id).await?;
            audit::record(
                &state.db,
                now,
                audit::Actor {
                    kind: actor_kind(portal),
                    id: Some(id),
                },
                // The sign-in succeeds only with the second factor, which writes its own row.
                if second_factor {
                    "login.password_accepted"
                } else {
                    "login.succeeded"
                },
                (portal.code(), Some(id)),
                "",
                Some(ip),
            )
            .await?;
            Ok(Ok(PasswordAccepted { id, second_factor }))
        }
        _ => {
            let left = if too_long {
                0
            } else {
                throttle::check_failed(&state.db, &acct_key, attempt_no, throttle::ACCOUNT, now)
                    .await?
            };
            throttle::address_failed(&state.db, &ip_key, throttle::ADDRESS, now).await?;
            tracing::warn!(portal = portal.code(), ip, "sign-in failed");
            let shown: String = username.chars().take(MAX_USERNAME_CHARS).collect();
            audit::record(
                &state.db,
                now,
                audit::Actor::SYSTEM,
                "login.failed",
                (portal.code(), account.map(|(id, _)| id)),
                &format!("{label}：{shown}"),
                Some(ip),
            )
            .await?;
            Ok(Err(Refusal::Wrong { left, label }))
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
        Ok(PasswordAccepted { id, second_factor }) => {
            // A new session id at sign-in: a token planted before sign-in is worthless after it.
            if let Some(old) = &ctx.session {
                sessions::delete(&state.db, &old.id).await?;
            }
            // With two-factor sign-in the session opens only the code page until the code is in.
            let (kind, next) = if second_factor {
                (
                    sessions::AWAITING_SECOND_FACTOR,
                    super::two_factor::SIGN_IN_PATH,
                )
            } else {
                (portal.code(), portal.home())
            };
            let (token, _) =
                sessions::create_from(&state.db, kind, Some(id), Some(&ctx.ip), state.now())
                    .await?;
            Ok(with_cookie(&state, &token, Redirect::to(next)))
        }
        Err(refusal) => {
            let msg = refusal.message(state.now());
            let html = render_login(portal, &ctx, username, None, Some(msg))?;
            let mut resp = (refusal.status(), Html(html)).into_response();
            if let Refusal::AddressBusy(after) = refusal
                && let Ok(v) =
                    header::HeaderValue::from_str(&after.num_seconds().max(1).to_string())
            {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(resp)
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
        Some("staff" | sessions::AWAITING_SECOND_FACTOR) => "/staff/login",
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
        Some(sessions::AWAITING_SECOND_FACTOR) => Redirect::to(super::two_factor::SIGN_IN_PATH),
        _ => Redirect::to("/login"),
    }
}

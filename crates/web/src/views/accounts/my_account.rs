//! 我的账号 for candidates, students and staff: change the password (every other session ends),
//! the live sessions with when and where they signed in, 退出其他设备, and the last 20 sign-ins.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::accounts::{self, Me};
use store::repo::RepoError;

use crate::error::AppError;
use crate::session::{CurrentCandidate, CurrentStaff, CurrentStudent, SessionCtx};
use crate::views::Layout;
use crate::{AppState, util};

/// Sign-ins listed.
const SIGN_INS: u64 = 20;

/// The page of each kind of account.
pub fn path(me: Me) -> &'static str {
    match me {
        Me::Candidate(_) => "/candidate/account",
        Me::Student(_) => "/student/account",
        Me::Staff(_) => "/staff/account",
    }
}

struct SessionLine {
    started: String,
    last_seen: String,
    ip: String,
    this: bool,
}

struct SignInLine {
    at: String,
    result: &'static str,
    ip: String,
}

#[derive(Template)]
#[template(path = "my_account.html")]
struct Page {
    layout: Layout,
    base: &'static str,
    sessions: Vec<SessionLine>,
    sign_ins: Vec<SignInLine>,
    message: Option<String>,
    error: Option<String>,
}

/// `?done=`.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    must_change: Option<String>,
}

/// The password form.
#[derive(Debug, Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn render(
    state: &AppState,
    me: Me,
    ctx: &SessionCtx,
    layout: Layout,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let this = ctx.session.as_ref().map(|s| s.id.as_str()).unwrap_or("");
    let sessions = store::repo::session::live_for_user(&state.db, me.kind(), me.id(), state.now())
        .await?
        .into_iter()
        .map(|s| SessionLine {
            started: util::beijing(s.created_at),
            last_seen: util::beijing(s.last_seen_at),
            ip: s.ip.unwrap_or_else(|| "（未记录）".to_owned()),
            this: s.id == this,
        })
        .collect();
    let sign_ins = accounts::recent_sign_ins(&state.db, me, SIGN_INS)
        .await?
        .into_iter()
        .map(|s| SignInLine {
            at: util::beijing(s.at),
            result: if s.succeeded {
                "登录成功"
            } else if s.wrong_code {
                "两步验证码错误"
            } else {
                "密码错误"
            },
            ip: s.ip.unwrap_or_default(),
        })
        .collect();
    Ok(Page {
        layout,
        base: path(me),
        sessions,
        sign_ins,
        message,
        error,
    }
    .render()?)
}

fn done_message(d: &Done) -> Option<String> {
    if d.must_change.is_some() {
        return Some(
            "您的密码由他人设置（首次登录或已被重置），请先修改密码；修改前不能使用其他功能。"
                .to_owned(),
        );
    }
    d.done.as_deref().map(|d| match d {
        "password" => "密码已修改，该账号在其他设备上的登录均已退出。".to_owned(),
        "phone" => "手机号已更换，找回密码的验证码将发送到新号码。".to_owned(),
        _ => "其他设备上的登录均已退出。".to_owned(),
    })
}

async fn change(
    state: &AppState,
    me: Me,
    ctx: &SessionCtx,
    layout: Layout,
    f: PasswordForm,
) -> Result<Response, AppError> {
    let refusal = if f.password != f.password_confirm {
        "两次输入的新密码不一致，密码未修改".to_owned()
    } else {
        let keep = ctx
            .session
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let _permit = crate::views::accounts::auth::hash_permit(state).await?;
        match accounts::change_password(
            &state.db,
            me,
            &f.current,
            &f.password,
            &keep,
            state.now(),
            Some(ctx.ip.as_str()),
        )
        .await
        {
            Ok(()) => {
                return Ok(Redirect::to(&format!("{}?done=password", path(me))).into_response());
            }
            Err(RepoError::Invalid(m)) => m,
            Err(e) => return Err(e.into()),
        }
    };
    let html = render(state, me, ctx, layout, None, Some(refusal)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

async fn end_others(state: &AppState, me: Me, ctx: &SessionCtx) -> Result<Response, AppError> {
    let keep = ctx.session.as_ref().map(|s| s.id.as_str()).unwrap_or("");
    accounts::end_other_sessions(&state.db, me, keep, state.now(), Some(ctx.ip.as_str())).await?;
    Ok(Redirect::to(&format!("{}?done=sessions", path(me))).into_response())
}

fn candidate_layout(me: &CurrentCandidate) -> Layout {
    Layout::candidate("我的账号", &me.model.name, &me.ctx, "/candidate/account")
}

fn student_layout(me: &CurrentStudent) -> Layout {
    Layout::student("我的账号", &me.model.name, &me.ctx, "/student/account")
}

/// The staff frame of 我的账号 and of the pages under it (两步验证).
pub(crate) fn staff_layout(me: &CurrentStaff) -> Layout {
    Layout::staff(
        "我的账号",
        crate::views::accounts::staff::who(me),
        &me.ctx,
        "/staff/account",
        &me.roles,
    )
}

/// GET /candidate/account
pub async fn candidate_page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(d): Query<Done>,
) -> Result<Html<String>, AppError> {
    let who = Me::Candidate(me.model.id);
    let html = render(
        &state,
        who,
        &me.ctx,
        candidate_layout(&me),
        done_message(&d),
        None,
    )
    .await?;
    Ok(Html(html))
}

/// POST /candidate/account/password
pub async fn candidate_password(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    change(
        &state,
        Me::Candidate(me.model.id),
        &me.ctx,
        candidate_layout(&me),
        f,
    )
    .await
}

/// POST /candidate/account/sessions/end-others
pub async fn candidate_end_others(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    end_others(&state, Me::Candidate(me.model.id), &me.ctx).await
}

/// GET /student/account
pub async fn student_page(
    State(state): State<AppState>,
    me: CurrentStudent,
    Query(d): Query<Done>,
) -> Result<Html<String>, AppError> {
    let who = Me::Student(me.model.id);
    let html = render(
        &state,
        who,
        &me.ctx,
        student_layout(&me),
        done_message(&d),
        None,
    )
    .await?;
    Ok(Html(html))
}

/// POST /student/account/password
pub async fn student_password(
    State(state): State<AppState>,
    me: CurrentStudent,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    change(
        &state,
        Me::Student(me.model.id),
        &me.ctx,
        student_layout(&me),
        f,
    )
    .await
}

/// POST /student/account/sessions/end-others
pub async fn student_end_others(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Response, AppError> {
    end_others(&state, Me::Student(me.model.id), &me.ctx).await
}

/// GET /staff/account
pub async fn staff_page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(d): Query<Done>,
) -> Result<Html<String>, AppError> {
    let who = Me::Staff(me.staff.id);
    let html = render(
        &state,
        who,
        &me.ctx,
        staff_layout(&me),
        done_message(&d),
        None,
    )
    .await?;
    Ok(Html(html))
}

/// POST /staff/account/password
pub async fn staff_password(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    change(
        &state,
        Me::Staff(me.staff.id),
        &me.ctx,
        staff_layout(&me),
        f,
    )
    .await
}

/// POST /staff/account/sessions/end-others
pub async fn staff_end_others(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<Response, AppError> {
    end_others(&state, Me::Staff(me.staff.id), &me.ctx).await
}

/// The routes of 我的账号 for the three kinds of account.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/candidate/account", get(candidate_page))
        .route("/candidate/account/password", post(candidate_password))
        .route(
            "/candidate/account/sessions/end-others",
            post(candidate_end_others),
        )
        .route("/student/account", get(student_page))
        .route("/student/account/password", post(student_password))
        .route(
            "/student/account/sessions/end-others",
            post(student_end_others),
        )
        .route("/staff/account", get(staff_page))
        .route("/staff/account/password", post(staff_password))
        .route("/staff/account/sessions/end-others", post(staff_end_others))
}

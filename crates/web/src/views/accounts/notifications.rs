//! 消息通知 on 我的账号 for candidates, students and staff: which channels besides the 收件箱 their
//! messages also go by (短信 to the account's phone, 电子邮件 to an address confirmed by a code
//! mailed to it), and the latest delivery records with how each went.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::mail::mask_address;
use store::notifications::{self as notify, Channel};
use store::repo::inbox::Recipient;

use crate::error::AppError;
use crate::services::notifications as service;
use crate::session::{CurrentCandidate, CurrentStaff, CurrentStudent, SessionCtx};
use crate::views::Layout;
use crate::{AppState, util};

/// Delivery records listed.
const RECENT: u64 = 20;

struct DeliveryLine {
    at: String,
    channel: &'static str,
    to: String,
    title: String,
    result: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct Page {
    layout: Layout,
    base: &'static str,
    sms: bool,
    email: bool,
    /// The account's phone, masked.
    phone: Option<String>,
    email_address: Option<String>,
    /// The address waiting for its code.
    pending: Option<String>,
    code_minutes: i64,
    /// What the address field shows after a refusal.
    address: String,
    deliveries: Vec<DeliveryLine>,
    info: Option<String>,
    error: Option<String>,
}

/// The forms' fields.
#[derive(Debug, Deserialize, Default)]
pub struct NotifyForm {
    #[serde(default)]
    sms: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    address: String,
    #[serde(default)]
    code: String,
}

/// `?done=`.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// Who is on the page.
struct Who<'a> {
    to: Recipient,
    ctx: &'a SessionCtx,
    layout: Layout,
}

fn base(to: Recipient) -> &'static str {
    match to {
        Recipient::Candidate(_) => "/candidate/account",
        Recipient::Student(_) => "/student/account",
        Recipient::Staff(_) => "/staff/account",
    }
}

fn candidate(me: &CurrentCandidate) -> Who<'_> {
    Who {
        to: Recipient::Candidate(me.model.id),
        ctx: &me.ctx,
        layout: Layout::candidate("消息通知", &me.model.name, &me.ctx, "/candidate/account"),
    }
}

fn staff(me: &CurrentStaff) -> Who<'_> {
    Who {
        to: Recipient::Staff(me.staff.id),
        ctx: &me.ctx,
        layout: Layout::staff(
            "消息通知",
            super::staff::who(me),
            &me.ctx,
            "/staff/account",
            &me.roles,
        ),
    }
}

fn student(me: &CurrentStudent) -> Who<'_> {
    Who {
        to: Recipient::Student(me.model.id),
        ctx: &me.ctx,
        layout: Layout::student("消息通知", &me.model.name, &me.ctx, "/student/account"),
    }
}

/// How a delivery went, in the words of the page.
fn result(d: &store::entity::notification_delivery::Model) -> String {
    match d.status.as_str() {
        "sent" => "已发送".to_owned(),
        "failed" => format!(
            "发送失败（已尝试{}次）：{}",
            d.attempts,
            d.last_error.as_deref().unwrap_or("未知原因")
        ),
        _ if d.attempts == 0 => "等待发送".to_owned(),
        _ => format!(
            "第{}次发送失败，将于 {} 重试：{}",
            d.attempts,
            util::beijing(d.next_attempt_at),
            d.last_error.as_deref().unwrap_or("未知原因")
        ),
    }
}

async fn render(
    state: &AppState,
    w: Who<'_>,
    address: String,
    info: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let s = notify::settings(&state.db, w.to).await?;
    let deliveries = notify::recent(&state.db, w.to, RECENT)
        .await?
        .into_iter()
        .map(|d| DeliveryLine {
            at: util::beijing(d.created_at),
            channel: Channel::from_code(&d.channel).map_or("（未知）", Channel::label),
            to: match Channel::from_code(&d.channel) {
                Some(Channel::Sms) => domain::otp::mask_phone(&d.address),
                _ => mask_address(&d.address),
            },
            result: result(&d),
            title: d.title,
        })
        .collect();
    let refused = error.is_some();
    let html = Page {
        layout: w.layout,
        base: base(w.to),
        sms: s.sms,
        email: s.email,
        phone: s.phone.as_deref().map(domain::otp::mask_phone),
        email_address: s.email_address,
        pending: s.pending_address,
        code_minutes: notify::CODE_VALID.num_minutes(),
        address,
        deliveries,
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

fn done_message(d: &Done) -> Option<String> {
    d.done.as_deref().map(|d| {
        match d {
            "channels" => "接收方式已保存。",
            "confirmed" => "邮箱已验证，消息将同时发送到该邮箱。",
            "removed" => "邮箱已删除，不再通过电子邮件接收消息。",
            _ => "已保存。",
        }
        .to_owned()
    })
}

async fn page(state: &AppState, w: Who<'_>, d: Done) -> Result<Response, AppError> {
    let info = done_message(&d);
    render(state, w, String::new(), info, None).await
}

/// The words of a refusal, for the page's one error box.
fn refusal(e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Invalid(list) => Ok(list
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Vec<_>>()
            .join("；")),
        other => Err(other),
    }
}

async fn channels(state: &AppState, w: Who<'_>, f: NotifyForm) -> Result<Response, AppError> {
    match service::set_channels(state, w.to, f.sms.is_some(), f.email.is_some(), &w.ctx.ip).await {
        Ok(()) => Ok(
            Redirect::to(&format!("{}/notifications?done=channels", base(w.to))).into_response(),
        ),
        Err(e) => {
            let m = refusal(e)?;
            render(state, w, String::new(), None, Some(m)).await
        }
    }
}

async fn send_code(state: &AppState, w: Who<'_>, f: NotifyForm) -> Result<Response, AppError> {
    match service::send_address_code(state, w.to, &f.address, &w.ctx.ip).await {
        Ok(info) => render(state, w, String::new(), Some(info), None).await,
        Err(e) => {
            let m = refusal(e)?;
            render(state, w, f.address, None, Some(m)).await
        }
    }
}

async fn confirm(state: &AppState, w: Who<'_>, f: NotifyForm) -> Result<Response, AppError> {
    match service::confirm_address(state, w.to, &f.code, &w.ctx.ip).await {
        Ok(_) => Ok(
            Redirect::to(&format!("{}/notifications?done=confirmed", base(w.to))).into_response(),
        ),
        Err(e) => {
            let m = refusal(e)?;
            render(state, w, String::new(), None, Some(m)).await
        }
    }
}

async fn remove(state: &AppState, w: Who<'_>) -> Result<Response, AppError> {
    service::remove_address(state, w.to, &w.ctx.ip).await?;
    Ok(Redirect::to(&format!("{}/notifications?done=removed", base(w.to))).into_response())
}

/// GET /candidate/account/notifications
pub async fn candidate_page(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(d): Query<Done>,
) -> Result<Response, AppError> {
    page(&state, candidate(&me), d).await
}

/// POST /candidate/account/notifications/channels
pub async fn candidate_channels(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    channels(&state, candidate(&me), f).await
}

/// POST /candidate/account/notifications/email
pub async fn candidate_code(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    send_code(&state, candidate(&me), f).await
}

/// POST /candidate/account/notifications/email/confirm
pub async fn candidate_confirm(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    confirm(&state, candidate(&me), f).await
}

/// POST /candidate/account/notifications/email/remove
pub async fn candidate_remove(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    remove(&state, candidate(&me)).await
}

/// GET /student/account/notifications
pub async fn student_page(
    State(state): State<AppState>,
    me: CurrentStudent,
    Query(d): Query<Done>,
) -> Result<Response, AppError> {
    page(&state, student(&me), d).await
}

/// POST /student/account/notifications/channels
pub async fn student_channels(
    State(state): State<AppState>,
    me: CurrentStudent,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    channels(&state, student(&me), f).await
}

/// POST /student/account/notifications/email
pub async fn student_code(
    State(state): State<AppState>,
    me: CurrentStudent,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    send_code(&state, student(&me), f).await
}

/// POST /student/account/notifications/email/confirm
pub async fn student_confirm(
    State(state): State<AppState>,
    me: CurrentStudent,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    confirm(&state, student(&me), f).await
}

/// POST /student/account/notifications/email/remove
pub async fn student_remove(
    State(state): State<AppState>,
    me: CurrentStudent,
) -> Result<Response, AppError> {
    remove(&state, student(&me)).await
}

/// GET /staff/account/notifications
pub async fn staff_page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(d): Query<Done>,
) -> Result<Response, AppError> {
    page(&state, staff(&me), d).await
}

/// POST /staff/account/notifications/channels
pub async fn staff_channels(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    channels(&state, staff(&me), f).await
}

/// POST /staff/account/notifications/email
pub async fn staff_code(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    send_code(&state, staff(&me), f).await
}

/// POST /staff/account/notifications/email/confirm
pub async fn staff_confirm(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<NotifyForm>,
) -> Result<Response, AppError> {
    confirm(&state, staff(&me), f).await
}

/// POST /staff/account/notifications/email/remove
pub async fn staff_remove(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<Response, AppError> {
    remove(&state, staff(&me)).await
}

/// The routes of 消息通知.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/candidate/account/notifications", get(candidate_page))
        .route(
            "/candidate/account/notifications/channels",
            post(candidate_channels),
        )
        .route(
            "/candidate/account/notifications/email",
            post(candidate_code),
        )
        .route(
            "/candidate/account/notifications/email/confirm",
            post(candidate_confirm),
        )
        .route(
            "/candidate/account/notifications/email/remove",
            post(candidate_remove),
        )
        .route("/student/account/notifications", get(student_page))
        .route(
            "/student/account/notifications/channels",
            post(student_channels),
        )
        .route("/student/account/notifications/email", post(student_code))
        .route(
            "/student/account/notifications/email/confirm",
            post(student_confirm),
        )
        .route(
            "/student/account/notifications/email/remove",
            post(student_remove),
        )
        .route("/staff/account/notifications", get(staff_page))
        .route(
            "/staff/account/notifications/channels",
            post(staff_channels),
        )
        .route("/staff/account/notifications/email", post(staff_code))
        .route(
            "/staff/account/notifications/email/confirm",
            post(staff_confirm),
        )
        .route(
            "/staff/account/notifications/email/remove",
            post(staff_remove),
        )
}

//! 更换手机号 on 我的账号 for candidates and students: a code goes to the new phone and only that
//! code makes it the account's phone, the one password recovery then sends codes to. The limits
//! are every code's (one per phone per 60 s, 10 a day, 5 wrong entries void it).

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::accounts::{self, Holder};
use store::repo::RepoError;
use store::sms::{SmsMessage, SmsTemplate};

use crate::AppState;
use crate::error::AppError;
use crate::session::{CurrentCandidate, CurrentStudent, SessionCtx};
use crate::views::Layout;

#[derive(Template)]
#[template(path = "change_phone.html")]
struct Page {
    layout: Layout,
    base: &'static str,
    current: String,
    /// 1: type the new phone; 2: type the code sent to it.
    step: u8,
    phone: String,
    info: Option<String>,
    error: Option<String>,
}

/// Both steps' fields.
#[derive(Debug, Deserialize, Default)]
pub struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
}

/// Who is changing their phone, with what the page needs of them.
struct Who<'a> {
    holder: Holder,
    id: i64,
    phone: Option<&'a str>,
    ctx: &'a SessionCtx,
    layout: Layout,
}

fn base(holder: Holder) -> &'static str {
    match holder {
        Holder::Candidate => "/candidate/account",
        Holder::Student => "/student/account",
    }
}

fn candidate(me: &CurrentCandidate) -> Who<'_> {
    Who {
        holder: Holder::Candidate,
        id: me.model.id,
        phone: me.model.phone.as_deref(),
        ctx: &me.ctx,
        layout: Layout::candidate("更换手机号", &me.model.name, &me.ctx, "/candidate/account"),
    }
}

fn student(me: &CurrentStudent) -> Who<'_> {
    Who {
        holder: Holder::Student,
        id: me.model.id,
        phone: me.model.phone.as_deref(),
        ctx: &me.ctx,
        layout: Layout::student("更换手机号", &me.model.name, &me.ctx, "/student/account"),
    }
}

fn render(
    w: Who<'_>,
    step: u8,
    phone: String,
    info: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let refused = error.is_some();
    let html = Page {
        layout: w.layout,
        base: base(w.holder),
        current: w
            .phone
            .map_or_else(|| "（未登记）".to_owned(), domain::otp::mask_phone),
        step,
        phone,
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

async fn send_code(state: &AppState, w: Who<'_>, f: PhoneForm) -> Result<Response, AppError> {
    let phone = match domain::otp::parse_phone(&f.phone) {
        Ok(p) => p,
        Err(e) => return render(w, 1, f.phone, None, Some(e.0)),
    };
    if let Err(m) = super::recovery::count_code_request(state, &w.ctx.ip).await {
        return render(w, 1, phone, None, Some(m));
    }
    let code = match accounts::request_phone_change(&state.db, w.holder, w.id, &phone, state.now())
        .await
    {
        Ok(c) => c,
        Err(RepoError::Invalid(m)) => return render(w, 1, phone, None, Some(m)),
        Err(e) => return Err(e.into()),
    };
    if let Some(code) = code {
        let message = SmsMessage {
            phone: phone.clone(),
            template: SmsTemplate::VerificationCode,
            params: vec![code, domain::otp::VALID_FOR.num_minutes().to_string()],
        };
        if let Err(e) = state.sms.send(&message).await {
            tracing::error!(
                phone = %domain::otp::mask_phone(&phone),
                error = %e,
                "a verification code could not be sent"
            );
            return render(
                w,
                1,
                phone,
                None,
                Some("验证码短信发送失败，请稍后重试".to_owned()),
            );
        }
    }
    let info = format!(
        "验证码已发送至 {}，{}分钟内有效。",
        domain::otp::mask_phone(&phone),
        domain::otp::VALID_FOR.num_minutes()
    );
    render(w, 2, phone, Some(info), None)
}

async fn confirm(state: &AppState, w: Who<'_>, f: PhoneForm) -> Result<Response, AppError> {
    let phone = match domain::otp::parse_phone(&f.phone) {
        Ok(p) => p,
        Err(e) => return render(w, 1, f.phone, None, Some(e.0)),
    };
    let code = match domain::otp::parse_code(&f.code) {
        Ok(c) => c,
        Err(e) => return render(w, 2, phone, None, Some(e.0)),
    };
    match accounts::change_phone_with_code(
        &state.db,
        w.holder,
        w.id,
        &phone,
        &code,
        state.now(),
        Some(w.ctx.ip.as_str()),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{}?done=phone", base(w.holder))).into_response()),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => render(w, 2, phone, None, Some(m)),
        Err(e) => Err(e.into()),
    }
}

/// GET /candidate/account/phone
pub async fn candidate_page(me: CurrentCandidate) -> Result<Response, AppError> {
    render(candidate(&me), 1, String::new(), None, None)
}

/// POST /candidate/account/phone/code
pub async fn candidate_code(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<PhoneForm>,
) -> Result<Response, AppError> {
    send_code(&state, candidate(&me), f).await
}

/// POST /candidate/account/phone
pub async fn candidate_confirm(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Form(f): Form<PhoneForm>,
) -> Result<Response, AppError> {
    confirm(&state, candidate(&me), f).await
}

/// GET /student/account/phone
pub async fn student_page(me: CurrentStudent) -> Result<Response, AppError> {
    render(student(&me), 1, String::new(), None, None)
}

/// POST /student/account/phone/code
pub async fn student_code(
    State(state): State<AppState>,
    me: CurrentStudent,
    Form(f): Form<PhoneForm>,
) -> Result<Response, AppError> {
    send_code(&state, student(&me), f).await
}

/// POST /student/account/phone
pub async fn student_confirm(
    State(state): State<AppState>,
    me: CurrentStudent,
    Form(f): Form<PhoneForm>,
) -> Result<Response, AppError> {
    confirm(&state, student(&me), f).await
}

/// The routes of 更换手机号.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/candidate/account/phone",
            get(candidate_page).post(candidate_confirm),
        )
        .route("/candidate/account/phone/code", post(candidate_code))
        .route(
            "/student/account/phone",
            get(student_page).post(student_confirm),
        )
        .route("/student/account/phone/code", post(student_code))
}

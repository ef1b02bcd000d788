//! 账号激活 and 找回密码 for candidates and students, in two steps: the person's details and
//! phone ask for a code by text message; the code and a new password set the password. The first
//! step answers the same whether or not the details matched an account (see
//! [`store::accounts`]); the limits of the codes are the store's.
//!
//! The development outbox (`/dev/sms`, only where the local services are mounted) shows what the
//! local sender "sent".

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::accounts::{self, Holder, Identity};
use store::repo::RepoError;
use store::sms::{SmsMessage, SmsTemplate};

use crate::AppState;
use crate::error::AppError;
use crate::session::{SessionCtx, ensure_form_token};
use crate::views::Layout;

/// Code requests one network address may make in [`CODE_REQUEST_WINDOW`]. The per-phone limits
/// keep one phone from being flooded; this keeps one address from spending every phone's daily
/// quota (or voiding people's pending codes) by asking with made-up details. Several people
/// behind one school's address still fit.
pub const CODE_REQUESTS_PER_ADDRESS: i32 = 30;

/// The window of [`CODE_REQUESTS_PER_ADDRESS`].
pub const CODE_REQUEST_WINDOW: chrono::Duration = chrono::Duration::hours(1);

/// Counts a code request from the client's address (in the database, so every instance counts
/// alike) and refuses it, naming the limit, once the address has made too many.
pub(crate) async fn count_code_request(state: &AppState, ip: &str) -> Result<(), String> {
    let rule = store::repo::throttle::AddressRule {
        free_failures: CODE_REQUESTS_PER_ADDRESS,
        window: CODE_REQUEST_WINDOW,
        step: chrono::Duration::zero(),
        max_interval: chrono::Duration::zero(),
        max_wait: chrono::Duration::zero(),
    };
    let n = store::repo::throttle::address_failed(
        &state.db,
        &format!("sms-addr:{ip}"),
        rule,
        state.now(),
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "the code-request counter could not be updated");
        "验证码服务暂时不可用，请稍后重试".to_owned()
    })?;
    if n > CODE_REQUESTS_PER_ADDRESS {
        tracing::warn!(%ip, requests = n, "code requests refused for the address");
        return Err(format!(
            "同一网络地址1小时内最多获取{CODE_REQUESTS_PER_ADDRESS}次验证码，已达上限，请稍后再试"
        ));
    }
    Ok(())
}

/// Which of the two things the pages do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// 首次登录/账号激活.
    Activate,
    /// 找回密码.
    Recover,
}

/// The page's path; the code is asked for at `{base}/code`.
pub fn base(holder: Holder, flow: Flow) -> &'static str {
    match (holder, flow) {
        (Holder::Candidate, Flow::Activate) => "/activate",
        (Holder::Candidate, Flow::Recover) => "/forgot",
        (Holder::Student, Flow::Activate) => "/student/activate",
        (Holder::Student, Flow::Recover) => "/student/forgot",
    }
}

fn login(holder: Holder) -> &'static str {
    match holder {
        Holder::Candidate => "/login",
        Holder::Student => "/student/login",
    }
}

fn heading(holder: Holder, flow: Flow) -> &'static str {
    match (holder, flow) {
        (Holder::Candidate, Flow::Activate) => "考生首次登录（账号激活）",
        (Holder::Candidate, Flow::Recover) => "考生找回密码",
        (Holder::Student, Flow::Activate) => "学生首次登录（账号激活）",
        (Holder::Student, Flow::Recover) => "学生找回密码",
    }
}

/// Both steps' fields, kept as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct CodeForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    id_card_no: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

#[derive(Template)]
#[template(path = "account_code.html")]
struct CodePage {
    layout: Layout,
    heading: &'static str,
    base: &'static str,
    login: &'static str,
    number_label: &'static str,
    activating: bool,
    /// 1: details and phone; 2: code and password.
    step: u8,
    f: CodeForm,
    info: Option<String>,
    error: Option<String>,
}

fn render(
    ctx: &SessionCtx,
    holder: Holder,
    flow: Flow,
    step: u8,
    mut f: CodeForm,
    info: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    // A password typed is never sent back in a page.
    f.password.clear();
    f.password_confirm.clear();
    f.code.clear();
    let h = heading(holder, flow);
    Ok(CodePage {
        layout: Layout::bare(h, ctx),
        heading: h,
        base: base(holder, flow),
        login: login(holder),
        number_label: holder.number_label(),
        activating: flow == Flow::Activate,
        step,
        f,
        info,
        error,
    }
    .render()?)
}

/// GET: the first step.
pub async fn page(
    state: AppState,
    ctx: SessionCtx,
    holder: Holder,
    flow: Flow,
) -> Result<Response, AppError> {
    let (ctx, pre_cookie) = ensure_form_token(&state, ctx).await?;
    let info = Some(match flow {
        Flow::Activate => format!(
            "导入的账号首次使用前须激活：填写与报名档案一致的{}、身份证号和姓名，以及本人手机号，凭短信验证码设置密码。",
            holder.number_label()
        ),
        Flow::Recover => "填写账号和激活时验证的手机号，凭短信验证码设置新密码；设置后该账号在所有设备上的登录都将退出。"
            .to_owned(),
    });
    let html = render(&ctx, holder, flow, 1, CodeForm::default(), info, None)?;
    let mut resp = Html(html).into_response();
    if let Some(c) = pre_cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

fn refused(
    ctx: &SessionCtx,
    holder: Holder,
    flow: Flow,
    step: u8,
    f: CodeForm,
    message: String,
) -> Result<Response, AppError> {
    let html = render(ctx, holder, flow, step, f, None, Some(message))?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

/// POST `{base}/code`: asks for a code; the answer does not tell whether the details matched.
pub async fn request_code(
    state: AppState,
    ctx: SessionCtx,
    holder: Holder,
    flow: Flow,
    f: CodeForm,
) -> Result<Response, AppError> {
    let phone = match domain::otp::parse_phone(&f.phone) {
        Ok(p) => p,
        Err(e) => return refused(&ctx, holder, flow, 1, f, e.0),
    };
    let mut missing = Vec::new();
    if f.number.trim().is_empty() {
        missing.push(holder.number_label());
    }
    if flow == Flow::Activate {
        if f.id_card_no.trim().is_empty() {
            missing.push("身份证号");
        }
        if f.name.trim().is_empty() {
            missing.push("姓名");
        }
    }
    if !missing.is_empty() {
        return refused(
            &ctx,
            holder,
            flow,
            1,
            f,
            format!("请填写{}", missing.join("、")),
        );
    }
    if let Err(m) = count_code_request(&state, &ctx.ip).await {
        return refused(&ctx, holder, flow, 1, f, m);
    }
    let now = state.now();
    let issued = match flow {
        Flow::Activate => {
            accounts::request_activation(
                &state.db,
                holder,
                Identity {
                    number: &f.number,
                    id_card_no: &f.id_card_no,
                    name: &f.name,
                },
                &phone,
                now,
            )
            .await
        }
        Flow::Recover => {
            accounts::request_recovery(&state.db, holder, &f.number, &phone, now).await
        }
    };
    let code = match issued {
        Ok(code) => code,
        Err(RepoError::Invalid(m)) => return refused(&ctx, holder, flow, 1, f, m),
        Err(e) => return Err(e.into()),
    };
    if let Some(code) = code {
        let message = SmsMessage {
            phone: phone.clone(),
            template: SmsTemplate::VerificationCode,
            params: vec![code, domain::otp::VALID_FOR.num_minutes().to_string()],
        };
        // The answer stays the same when the provider fails: a different one would tell that
        // the details matched. The failure is logged for the operators.
        if let Err(e) = state.sms.send(&message).await {
            tracing::error!(
                phone = %domain::otp::mask_phone(&phone),
                error = %e,
                "a verification code could not be sent"
            );
        }
    }
    let info = match flow {
        Flow::Activate => format!(
            "如填写的信息与报名档案一致且账号尚未激活，验证码已发送至 {}，{}分钟内有效。",
            domain::otp::mask_phone(&phone),
            domain::otp::VALID_FOR.num_minutes()
        ),
        Flow::Recover => format!(
            "如该手机号是账号激活时验证的手机号，验证码已发送至 {}，{}分钟内有效。",
            domain::otp::mask_phone(&phone),
            domain::otp::VALID_FOR.num_minutes()
        ),
    };
    let f = CodeForm { phone, ..f };
    Ok(Html(render(&ctx, holder, flow, 2, f, Some(info), None)?).into_response())
}

/// POST `{base}`: the code and the new password.
pub async fn complete(
    state: AppState,
    ctx: SessionCtx,
    holder: Holder,
    flow: Flow,
    f: CodeForm,
) -> Result<Response, AppError> {
    let phone = match domain::otp::parse_phone(&f.phone) {
        Ok(p) => p,
        Err(e) => return refused(&ctx, holder, flow, 1, f, e.0),
    };
    let code = match domain::otp::parse_code(&f.code) {
        Ok(c) => c,
        Err(e) => return refused(&ctx, holder, flow, 2, f, e.0),
    };
    if f.password != f.password_confirm {
        return refused(
            &ctx,
            holder,
            flow,
            2,
            f,
            "两次输入的新密码不一致，请重新输入".to_owned(),
        );
    }
    let purpose = match flow {
        Flow::Activate => holder.activation(),
        Flow::Recover => holder.recovery(),
    };
    let _permit = crate::views::accounts::auth::hash_permit(&state).await?;
    match accounts::set_password_with_code(
        &state.db,
        holder,
        accounts::CodeEntry {
            purpose,
            phone: &phone,
            code: &code,
            password: &f.password,
        },
        state.now(),
        Some(ctx.ip.as_str()),
    )
    .await
    {
        Ok(_) => {
            let flag = match flow {
                Flow::Activate => "activated",
                Flow::Recover => "recovered",
            };
            Ok(Redirect::to(&format!("{}?{flag}=1", login(holder))).into_response())
        }
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => refused(&ctx, holder, flow, 2, f, m),
        Err(RepoError::NotFound) => refused(
            &ctx,
            holder,
            flow,
            1,
            f,
            "账号已不存在，请联系考试机构".to_owned(),
        ),
        Err(e) => Err(e.into()),
    }
}

/// The routes of these pages for both kinds of account.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    let mut r = axum::Router::new();
    for holder in [Holder::Candidate, Holder::Student] {
        for flow in [Flow::Activate, Flow::Recover] {
            let path = base(holder, flow);
            r = r
                .route(
                    path,
                    get(move |State(s): State<AppState>, ctx: SessionCtx| {
                        page(s, ctx, holder, flow)
                    })
                    .post(
                        move |State(s): State<AppState>,
                              ctx: SessionCtx,
                              Form(f): Form<CodeForm>| {
                            complete(s, ctx, holder, flow, f)
                        },
                    ),
                )
                .route(
                    &format!("{path}/code"),
                    post(
                        move |State(s): State<AppState>,
                              ctx: SessionCtx,
                              Form(f): Form<CodeForm>| {
                            request_code(s, ctx, holder, flow, f)
                        },
                    ),
                );
        }
    }
    r
}

#[derive(Template)]
#[template(path = "dev_sms.html")]
struct OutboxPage {
    layout: Layout,
    messages: Vec<(String, String, String)>,
}

/// `?` of the outbox page: only the messages to one phone.
#[derive(Debug, Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    phone: Option<String>,
}

/// GET /dev/sms: the development outbox, newest first.
pub async fn outbox(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Query(q): Query<OutboxQuery>,
) -> Result<Html<String>, AppError> {
    let messages = store::sms::local::outbox(&state.db, 50)
        .await?
        .into_iter()
        .filter(|m| q.phone.as_deref().is_none_or(|p| m.phone == p))
        .map(|m| (crate::util::beijing(m.created_at), m.phone, m.body))
        .collect();
    Ok(Html(
        OutboxPage {
            layout: Layout::bare("开发发件箱（短信）", &ctx),
            messages,
        }
        .render()?,
    ))
}

#[derive(Template)]
#[template(path = "dev_mail.html")]
struct MailOutboxPage {
    layout: Layout,
    /// Time, address, subject, text.
    messages: Vec<(String, String, String, String)>,
}

/// `?` of the mail outbox page: only the messages to one address.
#[derive(Debug, Deserialize, Default)]
pub struct MailOutboxQuery {
    #[serde(default)]
    to: Option<String>,
}

/// GET /dev/mail: the development outbox of e-mail, newest first.
pub async fn mail_outbox(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Query(q): Query<MailOutboxQuery>,
) -> Result<Html<String>, AppError> {
    let messages = store::mail::local::outbox(&state.db, 50)
        .await?
        .into_iter()
        .filter(|m| q.to.as_deref().is_none_or(|t| m.address == t))
        .map(|m| {
            (
                crate::util::beijing(m.created_at),
                m.address,
                m.subject,
                m.body,
            )
        })
        .collect();
    Ok(Html(
        MailOutboxPage {
            layout: Layout::bare("开发发件箱（邮件）", &ctx),
            messages,
        }
        .render()?,
    ))
}

//! 消息通知 over JSON for every kind of account: the channels chosen, the confirmed address, the
//! latest delivery records, and the same changes as the page, through
//! [`crate::services::notifications`].

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::notifications::{self as notify, Channel};
use store::repo::inbox::Recipient;
use utoipa::ToSchema;
use utoipa::openapi::schema::Object;

use super::{Api, ApiError, ApiJson, ApiResult, codes_schema, signed_in};
use crate::error::{AppError, ErrorBody};
use crate::services::notifications as service;
use crate::session::{CurrentCandidate, CurrentStaff, CurrentStudent, SessionCtx};
use crate::{AppState, util};

/// Delivery records returned.
const RECENT: u64 = 20;

/// The account asking, whatever its kind, through that kind's checks (a password to change
/// first, two factors to set up) as on every other operation.
pub struct Account {
    /// Whose messages.
    pub to: Recipient,
    /// The session (for the client's address).
    pub ctx: SessionCtx,
}

impl FromRequestParts<AppState> for Account {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = SessionCtx::from_request_parts(parts, state).await?;
        let to = match signed_in(&ctx)?.0 {
            "candidate" => Recipient::Candidate(
                CurrentCandidate::from_request_parts(parts, state)
                    .await?
                    .model
                    .id,
            ),
            "student" => Recipient::Student(
                CurrentStudent::from_request_parts(parts, state)
                    .await?
                    .model
                    .id,
            ),
            "staff" => Recipient::Staff(
                CurrentStaff::from_request_parts(parts, state)
                    .await?
                    .staff
                    .id,
            ),
            _ => return Err(AppError::Forbidden("该账号没有消息通知".to_owned())),
        };
        Ok(Account { to, ctx })
    }
}

fn channel_schema() -> Object {
    codes_schema(
        ["sms", "email"],
        false,
        "发送方式：sms 短信、email 电子邮件",
    )
}

fn status_schema() -> Object {
    codes_schema(
        ["pending", "sent", "failed"],
        false,
        "发送结果：pending 等待发送或等待重试、sent 已发送、failed 多次重试后仍失败",
    )
}

/// 一条消息经短信或电子邮件的发送记录。
#[derive(Serialize, ToSchema)]
pub struct DeliveryJson {
    /// 消息写入收件箱的时间（北京时间）。
    pub created_at: String,
    /// 发送方式。
    #[schema(schema_with = channel_schema)]
    pub channel: String,
    /// 发送到的手机号或邮箱（已脱敏）。
    pub to: String,
    /// 消息标题。
    pub title: String,
    /// 发送结果。
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// 已尝试次数。
    pub attempts: i32,
    /// 最近一次失败的原因。
    pub last_error: Option<String>,
    /// 等待重试时，下次发送的时间（北京时间）。
    pub next_attempt_at: Option<String>,
}

/// 消息通知设置。
#[derive(Serialize, ToSchema)]
pub struct NotificationsJson {
    /// 是否同时通过短信接收。
    pub sms: bool,
    /// 是否同时通过电子邮件接收。
    pub email: bool,
    /// 短信发送到的手机号（已脱敏）；没有登记手机号时为空。
    pub phone: Option<String>,
    /// 已验证的邮箱。
    pub email_address: Option<String>,
    /// 正在验证的邮箱（验证码已发出）。
    pub pending_address: Option<String>,
    /// 最近的发送记录，新的在前。
    pub deliveries: Vec<DeliveryJson>,
}

async fn current(state: &AppState, to: Recipient) -> Result<NotificationsJson, AppError> {
    let s = notify::settings(&state.db, to).await?;
    let deliveries = notify::recent(&state.db, to, RECENT)
        .await?
        .into_iter()
        .map(|d| DeliveryJson {
            created_at: util::beijing(d.created_at),
            to: match Channel::from_code(&d.channel) {
                Some(Channel::Sms) => domain::otp::mask_phone(&d.address),
                _ => store::mail::mask_address(&d.address),
            },
            next_attempt_at: (d.status == "pending" && d.attempts > 0)
                .then(|| util::beijing(d.next_attempt_at)),
            channel: d.channel,
            title: d.title,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
        })
        .collect();
    Ok(NotificationsJson {
        sms: s.sms,
        email: s.email,
        phone: s.phone.as_deref().map(domain::otp::mask_phone),
        email_address: s.email_address,
        pending_address: s.pending_address,
        deliveries,
    })
}

/// 查看消息通知设置与最近的发送记录。
#[utoipa::path(
    get,
    path = "/api/v1/me/notifications",
    operation_id = "get_notifications",
    tag = "账号",
    security(("session" = [])),
    responses(
        (status = 200, description = "当前设置", body = NotificationsJson),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "须先修改密码或设置两步验证", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Api(Account { to, .. }): Api<Account>,
) -> ApiResult<NotificationsJson> {
    Ok(Json(current(&state, to).await?))
}

/// 选择的接收方式。
#[derive(Deserialize, ToSchema)]
pub struct ChannelsJson {
    /// 同时通过短信接收（须已登记手机号）。
    pub sms: bool,
    /// 同时通过电子邮件接收（须已验证邮箱）。
    pub email: bool,
}

/// 选择接收方式：收件箱始终接收，短信和电子邮件可选。
#[utoipa::path(
    put,
    path = "/api/v1/me/notifications",
    operation_id = "save_notification_channels",
    tag = "账号",
    request_body = ChannelsJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = NotificationsJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "缺少、不符的 X-CSRF-Token，或须先修改密码、设置两步验证", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "没有登记手机号却选择短信，或没有已验证的邮箱却选择电子邮件（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn save(
    State(state): State<AppState>,
    Api(Account { to, ctx }): Api<Account>,
    ApiJson(body): ApiJson<ChannelsJson>,
) -> ApiResult<NotificationsJson> {
    service::set_channels(&state, to, body.sms, body.email, &ctx.ip).await?;
    Ok(Json(current(&state, to).await?))
}

/// 要验证的邮箱。
#[derive(Deserialize, ToSchema)]
pub struct AddressJson {
    /// 邮箱地址。
    #[schema(max_length = 254)]
    pub address: String,
}

/// 操作结果的说明。
#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    /// 说明。
    pub message: String,
}

/// 向邮箱发送验证码（每分钟一次，30 分钟内有效）；输入验证码后邮箱才会使用。
#[utoipa::path(
    post,
    path = "/api/v1/me/notifications/email",
    operation_id = "send_notification_address_code",
    tag = "账号",
    request_body = AddressJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "验证码已发出", body = MessageJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "缺少、不符的 X-CSRF-Token，或须先修改密码、设置两步验证", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "邮箱地址无效、过长，获取过于频繁，或邮件未能发出（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn send_code(
    State(state): State<AppState>,
    Api(Account { to, ctx }): Api<Account>,
    ApiJson(body): ApiJson<AddressJson>,
) -> Result<Response, ApiError> {
    let message = service::send_address_code(&state, to, &body.address, &ctx.ip).await?;
    Ok(Json(MessageJson { message }).into_response())
}

/// 邮件中的验证码。
#[derive(Deserialize, ToSchema)]
pub struct CodeJson {
    /// 6 位数字。
    #[schema(max_length = 6)]
    pub code: String,
}

/// 用邮件中的验证码确认邮箱，确认后同时通过电子邮件接收消息。
#[utoipa::path(
    post,
    path = "/api/v1/me/notifications/email/confirm",
    operation_id = "confirm_notification_address",
    tag = "账号",
    request_body = CodeJson,
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "邮箱已验证", body = NotificationsJson),
        (status = 400, description = "请求体不是有效的 JSON", body = ErrorBody),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "缺少、不符的 X-CSRF-Token，或须先修改密码、设置两步验证", body = ErrorBody),
        (status = 413, description = "请求体过大", body = ErrorBody),
        (status = 415, description = "请求体不是 application/json", body = ErrorBody),
        (status = 422, description = "验证码错误、过期、已失效或没有待验证的邮箱（fields 指明字段）", body = ErrorBody),
    )
)]
pub async fn confirm(
    State(state): State<AppState>,
    Api(Account { to, ctx }): Api<Account>,
    ApiJson(body): ApiJson<CodeJson>,
) -> ApiResult<NotificationsJson> {
    service::confirm_address(&state, to, &body.code, &ctx.ip).await?;
    Ok(Json(current(&state, to).await?))
}

/// 删除已验证的邮箱，不再通过电子邮件接收消息。
#[utoipa::path(
    delete,
    path = "/api/v1/me/notifications/email",
    operation_id = "remove_notification_address",
    tag = "账号",
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 204, description = "已删除（没有邮箱时也是）"),
        (status = 401, description = "未登录或登录已过期", body = ErrorBody),
        (status = 403, description = "缺少、不符的 X-CSRF-Token，或须先修改密码、设置两步验证", body = ErrorBody),
    )
)]
pub async fn remove(
    State(state): State<AppState>,
    Api(Account { to, ctx }): Api<Account>,
) -> Result<StatusCode, ApiError> {
    service::remove_address(&state, to, &ctx.ip).await?;
    Ok(StatusCode::NO_CONTENT)
}

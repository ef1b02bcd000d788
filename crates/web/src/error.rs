//! One error type for handlers: a page for HTML routes, JSON for the API.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use store::repo::RepoError;
use utoipa::ToSchema;

/// What can go wrong in a request, with the message the user sees.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (or the session ran out): HTML routes redirect to the sign-in page.
    #[error("请先登录")]
    Unauthorized {
        /// Sign-in page of the portal the route belongs to.
        login_path: &'static str,
        /// The session existed but ran out.
        expired: bool,
    },
    /// Signed in with a password someone else set (a first admin's, a reset one): nothing but
    /// 我的账号's password change until it is changed. Pages redirect there.
    #[error("密码由他人设置（首次登录或已被重置），请先在“我的账号”修改密码后再使用其他功能")]
    PasswordChangeRequired {
        /// The account page of the portal.
        account_path: &'static str,
    },
    /// A staff member gave the right password but not yet the second factor (两步验证): only
    /// the code page and logout are open. Pages redirect to the code page; the API answers 401.
    #[error(
        "已验证密码，还需完成两步验证：请在工作人员登录的第二步（/staff/login/totp）输入验证器App中当前显示的6位数字或一个恢复码，之后才能使用"
    )]
    SecondFactorPending,
    /// A staff member who must sign in with two factors (an admin, or one whose organisation
    /// requires it) has not set them up: nothing but 我的账号 and the setup until then. Pages
    /// redirect to the setup; the API answers 403.
    #[error(
        "您的账号必须启用两步验证（管理员账号，或所在机构要求本机构工作人员使用）。请先在“我的账号 → 两步验证”（/staff/account/totp）用验证器App完成设置，之后才能使用其他功能"
    )]
    SecondFactorSetupRequired,
    /// Signed in, but this is not yours to see or do.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing there (or outside the caller's scope, which must look the same).
    #[error("{0}")]
    NotFound(String),
    /// Input broke a rule: field → message.
    #[error("输入有误")]
    Invalid(Vec<(String, String)>),
    /// The change conflicts with existing data.
    #[error("{0}")]
    Conflict(String),
    /// The request body is too large.
    #[error("{0}")]
    TooLarge(String),
    /// The server is at its limit for the moment; the caller should come back shortly.
    #[error("{0}")]
    Busy(String),
    /// This caller asked too often (e.g. code lookups from one address); the message says when
    /// to come back.
    #[error("{0}")]
    TooManyRequests(String),
    /// The request cannot be read at all (a body that is not JSON, a query string that is not
    /// form-encoded): there is no field to name.
    #[error("{0}")]
    Malformed(String),
    /// The path exists, the method does not.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body is not of the media type the operation reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A failure of ours; logged, never shown.
    #[error("系统繁忙，请稍后再试")]
    Internal(#[from] anyhow::Error),
}

impl From<RepoError> for AppError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => AppError::NotFound("未找到该记录".to_owned()),
            RepoError::Conflict(m) => AppError::Conflict(m),
            RepoError::Invalid(m) => AppError::Invalid(vec![(String::new(), m)]),
            RepoError::Forbidden(m) => AppError::Forbidden(m),
            RepoError::Db(e) => AppError::Internal(e.into()),
        }
    }
}

impl From<domain::Refusal> for AppError {
    fn from(r: domain::Refusal) -> Self {
        AppError::Invalid(vec![(r.field.to_owned(), r.message)])
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    /// Input refused because of one field (`""` when it concerns the request as a whole): a
    /// page shows the message beside the form, the API's 422 names the field.
    pub fn refused(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![(field.to_owned(), message.into())])
    }

    /// What a page shows beside its form when an operation refused: the messages of invalid
    /// input or of a conflict. `None` for everything else, which answers with the error page.
    pub fn refusal(&self) -> Option<String> {
        match self {
            AppError::Invalid(list) => Some(
                list.iter()
                    .map(|(_, m)| m.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            AppError::Conflict(m) => Some(m.clone()),
            _ => None,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized { .. } | AppError::SecondFactorPending => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Forbidden(_)
            | AppError::PasswordChangeRequired { .. }
            | AppError::SecondFactorSetupRequired => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Malformed(_) => StatusCode::BAD_REQUEST,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn messages(&self) -> Vec<String> {
        match self {
            AppError::Invalid(list) => list
                .iter()
                .map(|(f, m)| {
                    if f.is_empty() {
                        m.clone()
                    } else {
                        format!("{f}：{m}")
                    }
                })
                .collect(),
            other => vec![other.to_string()],
        }
    }

    fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            AppError::Forbidden(m) => tracing::warn!(reason = %m, "request denied"),
            _ => {}
        }
    }

    /// The JSON form, for `/api/v1`.
    pub fn into_json(self) -> Response {
        self.log();
        let status = self.status();
        let fields = match &self {
            AppError::Invalid(list) => list
                .iter()
                .filter(|(f, _)| !f.is_empty())
                .map(|(f, m)| (f.clone(), m.clone()))
                .collect(),
            _ => BTreeMap::new(),
        };
        let body = ErrorBody {
            error: status.canonical_reason().unwrap_or("error").to_owned(),
            message: self.messages().join("；"),
            fields,
        };
        with_retry_after(status, (status, Json(body)).into_response())
    }
}

/// `/api/v1` 下所有出错答复的响应体。
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "error": "Unprocessable Entity",
    "message": "page：查询参数应为 1 到 1000000 之间的整数，收到“0”",
    "fields": {"page": "查询参数应为 1 到 1000000 之间的整数，收到“0”"}
}))]
pub struct ErrorBody {
    /// HTTP 状态的英文名称，如 Unprocessable Entity。
    pub error: String,
    /// 出错原因与处理办法（中文）；有多个字段出错时依次列出。
    pub message: String,
    /// 输入错误时：出错的参数或请求体字段（嵌套字段以点分隔）→ 说明。
    pub fields: BTreeMap<String, String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    messages: Vec<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Unauthorized {
            login_path,
            expired,
        } = &self
        {
            let to = if *expired {
                format!("{login_path}?expired=1")
            } else {
                (*login_path).to_owned()
            };
            return Redirect::to(&to).into_response();
        }
        if let AppError::PasswordChangeRequired { account_path } = &self {
            return Redirect::to(&format!("{account_path}?must_change=1")).into_response();
        }
        if let AppError::SecondFactorPending = &self {
            return Redirect::to(crate::views::accounts::two_factor::SIGN_IN_PATH).into_response();
        }
        if let AppError::SecondFactorSetupRequired = &self {
            return Redirect::to(&format!(
                "{}?required=1",
                crate::views::accounts::two_factor::SETUP_PATH
            ))
            .into_response();
        }
        self.log();
        let status = self.status();
        let title = match status {
            StatusCode::FORBIDDEN => "无权访问",
            StatusCode::NOT_FOUND => "未找到",
            StatusCode::INTERNAL_SERVER_ERROR => "系统错误",
            StatusCode::SERVICE_UNAVAILABLE => "系统繁忙",
            StatusCode::TOO_MANY_REQUESTS => "查询过于频繁",
            _ => "请求未能完成",
        };
        let page = ErrorPage {
            title: title.to_owned(),
            messages: self.messages(),
        };
        let resp = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.messages().join("\n")).into_response(),
        };
        with_retry_after(status, resp)
    }
}

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// A 503 tells the client when to come back.
fn with_retry_after(status: StatusCode, mut resp: Response) -> Response {
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(RETRY_AFTER_SECONDS),
        );
    }
    resp
}

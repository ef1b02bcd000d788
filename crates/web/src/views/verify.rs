//! 文件验证, the public page of verifiable printouts: a code typed or scanned from a printout
//! shows who issued the document, when, for whom (name masked), its SHA-256 and whether it is
//! still the current issue; an uploaded copy of the PDF is checked against that SHA-256. No
//! sign-in; lookups are limited per client address (see [`crate::services::verification`]).

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::verification::VerificationCode;
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::services::verification::{self as service, IssueView};
use crate::session::{SessionCtx, ensure_form_token};
use crate::upload::{CheckedMultipart, grouped, read_upload_capped};
use crate::views::Layout;

/// The largest copy accepted for checking: an archive with photos and many exemption sheets
/// stays well below it.
pub const COPY_MAX_BYTES: usize = 20 * 1024 * 1024;

/// The routes of the verify page, merged into the application's router by [`crate::routes`].
pub fn router() -> Router<AppState> {
    Router::new().route("/verify", get(form)).route(
        "/verify/{code}",
        get(show)
            .post(check_copy)
            // Room beyond the limit, so a copy somewhat too large is read to its end and
            // answered with its size rather than cut off mid-upload.
            .layer(DefaultBodyLimit::max(2 * COPY_MAX_BYTES + 64 * 1024)),
    )
}

/// An uploaded copy compared with the issued PDF.
struct Comparison {
    matches: bool,
    sha256: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    layout: Layout,
    doc: Option<IssueView>,
    comparison: Option<Comparison>,
    error: Option<String>,
    typed: String,
    max_mb: usize,
}

impl VerifyPage {
    fn new(ctx: &SessionCtx) -> Self {
        Self {
            layout: Layout::bare("文件验证", ctx),
            doc: None,
            comparison: None,
            error: None,
            typed: String::new(),
            max_mb: COPY_MAX_BYTES / (1024 * 1024),
        }
    }

    /// The page with `status`, kept out of search engines and shared caches: what it says
    /// changes when a newer issue appears.
    fn respond(self, status: StatusCode, pre_cookie: Option<HeaderValue>) -> Response {
        let mut resp = match self.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => return AppError::from(e).into_response(),
        };
        let headers = resp.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
        if let Some(c) = pre_cookie {
            headers.append(header::SET_COOKIE, c);
        }
        resp
    }
}

/// Query of the code form.
#[derive(Debug, Deserialize, Default)]
pub struct CodeQuery {
    #[serde(default)]
    code: Option<String>,
}

/// GET /verify: the code form; a typed code leads to its page.
pub async fn form(ctx: SessionCtx, Query(q): Query<CodeQuery>) -> Result<Response, AppError> {
    let typed = q.code.unwrap_or_default();
    let mut page = VerifyPage::new(&ctx);
    if typed.trim().is_empty() {
        return Ok(page.respond(StatusCode::OK, None));
    }
    match VerificationCode::parse(&typed) {
        Some(code) => Ok(Redirect::to(&format!("/verify/{}", code.as_str())).into_response()),
        None => {
            page.error = Some(
                "验证码格式不正确：应为文件上印制的 10 位字母和数字，如 ABCDE-FGHJK。".to_owned(),
            );
            page.typed = typed;
            Ok(page.respond(StatusCode::UNPROCESSABLE_ENTITY, None))
        }
    }
}

/// The page of a code that could not be shown: unknown (404) or too many lookups (429).
fn refused(mut page: VerifyPage, err: AppError, typed: &str) -> Result<Response, AppError> {
    let status = match &err {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        _ => return Err(err),
    };
    page.error = Some(err.to_string());
    page.typed = typed.to_owned();
    Ok(page.respond(status, None))
}

/// GET /verify/{code}
pub async fn show(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let page = VerifyPage::new(&ctx);
    let view = match service::lookup(&state, &code, &ctx.ip).await {
        Ok(view) => view,
        Err(e) => return refused(page, e, &code),
    };
    // The upload form is a POST: an anonymous visitor gets its signed token here.
    let (ctx, pre_cookie) = ensure_form_token(&state, ctx).await?;
    let mut page = VerifyPage::new(&ctx);
    page.typed = view.code.clone();
    page.doc = Some(view);
    Ok(page.respond(StatusCode::OK, pre_cookie))
}

/// POST /verify/{code}: checks an uploaded copy against the issued PDF's SHA-256.
pub async fn check_copy(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Path(code): Path<String>,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let upload = read_upload_capped(multipart, COPY_MAX_BYTES).await;
    let mut page = VerifyPage::new(&ctx);
    let view = match service::lookup(&state, &code, &ctx.ip).await {
        Ok(view) => view,
        Err(e) => return refused(page, e, &code),
    };
    page.typed = view.code.clone();
    let (status, outcome) = match upload {
        Err(Ok(e)) => return Err(e),
        Err(Err(message)) => (StatusCode::UNPROCESSABLE_ENTITY, Err(message)),
        Ok(form) => match form.file {
            None => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Err("请选择要核对的 PDF 文件。".to_owned()),
            ),
            Some(up) if up.total > COPY_MAX_BYTES => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Err(format!(
                    "文件过大：上传的文件有 {} 字节，核对的文件不能超过 {} MB。本平台签发的 PDF 都小于此大小，请确认选择的是下载的原文件。",
                    grouped(up.total),
                    COPY_MAX_BYTES / (1024 * 1024)
                )),
            ),
            Some(up) => {
                let (matches, sha256) = service::compare(&view, &up.bytes);
                (StatusCode::OK, Ok(Comparison { matches, sha256 }))
            }
        },
    };
    match outcome {
        Ok(c) => page.comparison = Some(c),
        Err(message) => page.error = Some(message),
    }
    page.doc = Some(view);
    Ok(page.respond(status, None))
}

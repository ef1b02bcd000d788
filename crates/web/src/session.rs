//! Sessions, CSRF protection and the extractors that say who is asking.
//!
//! Every request passes `session_layer`: it loads the session named by the cookie from the
//! database and, for state-changing methods, checks the Origin header and the synchronizer token
//! (a `csrf_token` form field or an `X-CSRF-Token` header) before any handler runs. Multipart
//! uploads are checked by their handlers instead, which read the token as the first part, so that
//! a large file is never buffered just to find the token. Requests that do not come from our
//! pages at all (the payment gateway's, see [`CSRF_EXEMPT_PREFIXES`]) are not checked here.
//!
//! Visitors who are not signed in get no session row: anything anonymous would let anybody fill
//! the database. Their forms (the sign-in pages) carry a token signed with a key shared by every
//! instance, over a random value kept in a cookie of its own ([`PRE_COOKIE`]); a request is
//! accepted when the token is the signature of its cookie.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use store::entity::{candidate, organisation, session as session_entity, staff, student};
use store::repo::session::{self as sessions, Lookup};

use crate::AppState;
use crate::error::AppError;
use crate::util::constant_time_eq;

/// Name of the session cookie.
pub const COOKIE: &str = "biye_sid";

/// Name of the cookie that holds the random value anonymous forms' tokens sign.
pub const PRE_COOKIE: &str = "biye_pre";

/// Path prefixes exempt from the session CSRF and Origin checks: requests that do not come from
/// our own pages and authenticate otherwise. The local payment gateway's pages are a separate
/// system's (its form is posted from its own page, and it changes only the gateway's records);
/// the payment notification is server-to-server and verified by its HMAC signature. The API
/// document is public and read-only: no handler behind it changes anything, so any other method
/// on it is answered 405 rather than refused as a forgery.
pub const CSRF_EXEMPT_PREFIXES: &[&str] = &[
    "/gateway/local/",
    "/api/v1/payments/notify",
    "/xuexin/local/",
    "/api/v1/credentials/notify",
    "/api/v1/openapi.json",
];

fn csrf_exempt(path: &str) -> bool {
    CSRF_EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The session state of one request (`Default`: no session, as a page built outside a request
/// has).
#[derive(Clone, Debug, Default)]
pub struct SessionCtx {
    /// The live session, if any.
    pub session: Option<session_entity::Model>,
    /// The cookie named a session that had run out.
    pub expired: bool,
    /// The caller's address.
    pub ip: String,
    /// Without a session: the token anonymous forms carry, when the visitor has a
    /// [`PRE_COOKIE`].
    pub anon_csrf: Option<String>,
    /// The reference data version read with the session: how far this request may rely on
    /// [`AppState::refs`] (`None` without a session, and then it reads the tables).
    pub seen: Option<store::refcache::Seen>,
    /// A candidate's session: the account, read with it.
    pub candidate: Option<SessionCandidate>,
    /// On a GET or HEAD over a SQLite file, the reader the session was read through: the page's
    /// reads go on with it ([`SessionCtx::reader`]).
    reader: Option<store::reader::Reader>,
}

/// The candidate account read with the session. Its `Debug` names the account only, so that
/// a logged request context carries no personal data.
#[derive(Clone)]
pub struct SessionCandidate(Arc<candidate::Model>);

impl std::fmt::Debug for SessionCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionCandidate({})", self.0.id)
    }
}

impl SessionCtx {
    /// The CSRF token to put into forms ("" without a session or a [`PRE_COOKIE`]).
    pub fn csrf(&self) -> String {
        self.expected_token().unwrap_or_default().to_owned()
    }

    /// The token a state-changing request must carry.
    fn expected_token(&self) -> Option<&str> {
        match &self.session {
            Some(s) => Some(s.csrf_token.as_str()),
            None => self.anon_csrf.as_deref(),
        }
    }

    /// The candidate account `id`, where it was read with this candidate's session.
    pub fn own_candidate(&self, id: i64) -> Option<candidate::Model> {
        match &self.candidate {
            Some(SessionCandidate(c)) if c.id == id => Some(c.as_ref().clone()),
            _ => None,
        }
    }

    /// The reader for this request's reads. On a GET or HEAD over a SQLite file it is the one
    /// the session was read through, so that a page's reads, the session's among them, share
    /// one read transaction: such a request writes nothing its page then reads (its session's
    /// last-seen time at most). Otherwise it is a new reader, which sees what was committed
    /// before its first read.
    pub fn reader(&self, state: &AppState) -> store::reader::Reader {
        self.reader.clone().unwrap_or_else(|| state.reader())
    }

    /// Whether someone is signed in.
    pub fn signed_in(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.user_kind != "anonymous")
    }
}

/// The token of anonymous forms for a [`PRE_COOKIE`] value.
fn sign_pre(key: &str, pre: &str) -> String {
    domain::payment::sign(format!("anonymous-form:{pre}").as_bytes(), key.as_bytes())
}

/// A [`PRE_COOKIE`] value we could have issued (43 URL-safe base64 characters).
fn well_formed_pre(v: &str) -> bool {
    v.len() == 43
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The `Set-Cookie` value for a new session token.
pub fn set_cookie(state: &AppState, token: &str) -> HeaderValue {
    cookie(state, COOKIE, token)
}

fn cookie(state: &AppState, name: &str, value: &str) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("biye_sid=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn client_ip(state: &AppState, req: &Request) -> String {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    crate::client_addr::client_addr(peer, req.headers(), &state.config.trusted_proxies)
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

pub(crate) fn csrf_refusal(path: &str, why: &str) -> Response {
    tracing::warn!(path, reason = why, "request denied: CSRF check failed");
    let message = format!("表单安全校验失败：{why}。请刷新页面后重新提交，本次未做任何更改。");
    let err = AppError::Forbidden(message);
    if is_api(path) {
        err.into_json()
    } else {
        err.into_response()
    }
}

/// Whether the Origin (or, lacking it, the Referer) names this host; absent headers pass, since
/// the synchronizer token is checked as well.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        None | Some("null") => true,
        Some(url) => {
            let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
            let authority = rest.split('/').next().unwrap_or("");
            authority.eq_ignore_ascii_case(host)
        }
    }
}

#[derive(serde::Deserialize)]
struct TokenField {
    csrf_token: Option<String>,
}

/// Loads the session and guards state-changing requests; see the module documentation.
pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let now = state.now();
    let token = cookie_value(req.headers(), COOKIE);
    let reader = state.reader();
    let loaded = match &token {
        Some(t) if !t.is_empty() => match load_session(&state, &reader, t, now).await {
            Ok(l) => l,
            Err(e) => return AppError::from(e).into_response(),
        },
        _ => sessions::Loaded {
            lookup: Lookup::Missing,
            seen: None,
            candidate: None,
        },
    };
    let sessions::Loaded {
        lookup,
        seen,
        candidate,
    } = loaded;
    let (session, expired) = match lookup {
        Lookup::Live(s) => {
            if let Err(e) = sessions::touch(&state.db, &s, now).await {
                return AppError::from(e).into_response();
            }
            (Some(s), false)
        }
        Lookup::Expired => (None, true),
        Lookup::Missing => (None, false),
    };
    let anon_csrf = match (&session, cookie_value(req.headers(), PRE_COOKIE)) {
        (None, Some(pre)) if well_formed_pre(&pre) => match state.form_key().await {
            Ok(key) => Some(sign_pre(key, &pre)),
            Err(e) => return AppError::from(e).into_response(),
        },
        _ => None,
    };
    let ctx = SessionCtx {
        session,
        expired,
        ip: client_ip(&state, &req),
        anon_csrf,
        seen,
        candidate: candidate.map(|c| SessionCandidate(Arc::new(c))),
        // Kept only where holding it costs nothing: a SQLite file's reads take no connection
        // that another request could wait for, while PostgreSQL's and MySQL's readers come from
        // a pool of a few, which a page not reading through it should not hold.
        reader: (matches!(*req.method(), Method::GET | Method::HEAD)
            && reader.reads_on_calling_thread())
        .then_some(reader),
    };
    let signed_in = ctx.signed_in();
    let mut req = req;
    if !matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) && !csrf_exempt(req.uri().path())
    {
        match guard_unsafe(&ctx, req).await {
            Ok(r) => req = r,
            Err(resp) => return resp,
        }
    }
    req.extensions_mut().insert(ctx);
    let mut resp = next.run(req).await;
    // What a signed-in person sees is theirs: never kept by a browser or a shared cache.
    if signed_in && !resp.headers().contains_key(header::CACHE_CONTROL) {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// The session of cookie token `token`. On a SQLite file it is read on this thread through
/// `reader` (see [`store::reader::SyncPool`]); elsewhere through the shared pool, so that no
/// read connection is taken for it and held by a request that then reads nothing more.
async fn load_session(
    state: &AppState,
    reader: &store::reader::Reader,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<sessions::Loaded, sea_orm::DbErr> {
    if reader.reads_on_calling_thread() {
        sessions::load_versioned_from(reader, &state.db, token, now).await
    } else {
        sessions::load_versioned(&state.db, token, now).await
    }
}

async fn guard_unsafe(ctx: &SessionCtx, req: Request) -> Result<Request, Response> {
    let path = req.uri().path().to_owned();
    if !same_origin(req.headers()) {
        return Err(csrf_refusal(&path, "请求来自其他网站"));
    }
    let Some(expected) = ctx.expected_token() else {
        let why = if ctx.expired {
            "登录已过期"
        } else {
            "页面已失效（缺少会话）"
        };
        return Err(csrf_refusal(&path, why));
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Some(h) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return if constant_time_eq(h, expected) {
            let mut req = req;
            req.extensions_mut().insert(CsrfHeaderChecked);
            Ok(req)
        } else {
            Err(csrf_refusal(&path, "安全令牌无效"))
        };
    }
    // A multipart body is checked by the only extractor that reads one, `CheckedMultipart`,
    // which requires the token as the first field.
    if content_type.starts_with("multipart/form-data") {
        return Ok(req);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(csrf_refusal(&path, "缺少安全令牌"));
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return Err(AppError::TooLarge("表单内容过大（上限 1 MB）".to_owned()).into_response());
        }
    };
    let field: TokenField =
        serde_html_form::from_bytes(&bytes).unwrap_or(TokenField { csrf_token: None });
    match field.csrf_token {
        None => Err(csrf_refusal(&path, "缺少安全令牌")),
        Some(t) if !constant_time_eq(&t, expected) => Err(csrf_refusal(&path, "安全令牌无效")),
        Some(_) => Ok(Request::from_parts(parts, Body::from(bytes))),
    }
}

/// Marks a request whose CSRF token came in the `X-CSRF-Token` header and was accepted.
#[derive(Clone, Copy, Debug)]
pub struct CsrfHeaderChecked;

/// Whether `token` is the session's (or the anonymous form's) token.
pub(crate) fn token_matches(ctx: &SessionCtx, token: &str) -> bool {
    ctx.expected_token()
        .is_some_and(|expected| constant_time_eq(token, expected))
}

impl<S: Send + Sync> FromRequestParts<S> for SessionCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<SessionCtx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))
    }
}

fn require_kind<'a>(
    ctx: &'a SessionCtx,
    kind: &str,
    login_path: &'static str,
    label: &str,
) -> Result<&'a session_entity::Model, AppError> {
    match &ctx.session {
        Some(s) if s.user_kind == kind && s.user_id.is_some() => Ok(s),
        // Password right, second factor not yet given: to the code page, whatever was asked.
        Some(s) if s.user_kind == sessions::AWAITING_SECOND_FACTOR => {
            Err(AppError::SecondFactorPending)
        }
        Some(s) if s.user_kind != "anonymous" => {
            // Debug, not warn: the API's shared reads try the staff extractor first and fall back
            // to the candidate's, so every candidate read passes here (130,000 lines in one
            // benchmark run); being signed in on the other portal is no sign of an attack.
            tracing::debug!(have = %s.user_kind, want = kind, "wrong portal");
            Err(AppError::Forbidden(format!(
                "当前登录的账号不是{label}账号，无法访问此页面。请先退出登录。"
            )))
        }
        _ => Err(AppError::Unauthorized {
            login_path,
            expired: ctx.expired,
        }),
    }
}

/// Refuses everything but 我的账号 (the page and its password change) while the account's
/// password is one someone else set.
fn require_own_password(
    parts: &Parts,
    must_change: bool,
    account_path: &'static str,
) -> Result<(), AppError> {
    let path = parts.uri.path();
    let allowed = path == account_path || path == format!("{account_path}/password");
    if must_change && !allowed {
        return Err(AppError::PasswordChangeRequired { account_path });
    }
    Ok(())
}

/// A signed-in candidate (考生).
pub struct CurrentCandidate {
    /// The candidate.
    pub model: candidate::Model,
    /// The session.
    pub ctx: SessionCtx,
}

impl FromRequestParts<AppState> for CurrentCandidate {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = SessionCtx::from_request_parts(parts, state).await?;
        let s = require_kind(&ctx, "candidate", "/login", "考生")?;
        let id = s.user_id.unwrap_or_default();
        let model = match ctx.own_candidate(id) {
            Some(c) => c,
            None => store::repo::candidate::get(&state.db, id).await?,
        };
        require_own_password(parts, model.must_change_password, "/candidate/account")?;
        Ok(CurrentCandidate { model, ctx })
    }
}

/// A signed-in continuing-education student (学生).
pub struct CurrentStudent {
    /// The student.
    pub model: student::Model,
    /// The session.
    pub ctx: SessionCtx,
}

impl FromRequestParts<AppState> for CurrentStudent {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = SessionCtx::from_request_parts(parts, state).await?;
        let s = require_kind(&ctx, "student", "/student/login", "学生")?;
        let id = s.user_id.unwrap_or_default();
        let model = store::repo::student::get(&state.db, id).await?;
        require_own_password(parts, model.must_change_password, "/student/account")?;
        Ok(CurrentStudent { model, ctx })
    }
}

/// A signed-in staff member with their organisation.
pub struct CurrentStaff {
    /// The account.
    pub staff: staff::Model,
    /// The organisation it is scoped to.
    pub org: organisation::Model,
    /// What the account may do there.
    pub roles: domain::Roles,
    /// The reviewers whose stages it decides for now (工作委托 in force), each with the roles it
    /// stands in for.
    pub delegated: Vec<Delegated>,
    /// The session.
    pub ctx: SessionCtx,
}

/// A delegation in force to the signed-in reviewer.
#[derive(Debug, Clone)]
pub struct Delegated {
    /// The reviewer away (委托人).
    pub from_staff_id: i64,
    /// Their name, as the pages show it.
    pub from_name: String,
    /// Their roles: the stages the delegate may decide for them.
    pub roles: domain::Roles,
}

impl CurrentStaff {
    /// Whether the account has the admin role of its organisation.
    pub fn is_admin(&self) -> bool {
        self.roles.is_admin()
    }

    fn denied(&self, what: String) -> AppError {
        tracing::warn!(staff = self.staff.id, roles = %self.roles.label(), %what, "request denied: role missing");
        let held = if self.roles.grants().is_empty() {
            "无".to_owned()
        } else {
            self.roles.label()
        };
        AppError::Forbidden(format!(
            "{what}。您的账号角色为：{held}。如需调整，请联系本机构管理员。"
        ))
    }

    /// Refuses (403) an account without `role` (管理员 holds every role).
    pub fn require(&self, role: domain::StaffRole) -> Result<(), AppError> {
        if self.roles.has(role) {
            Ok(())
        } else {
            Err(self.denied(format!("此功能需要“{}”角色", role.label())))
        }
    }

    /// Refuses (403) an account that may not decide at the review stage named.
    pub fn require_stage(&self, stage: &str) -> Result<(), AppError> {
        self.acting_for(stage).map(drop)
    }

    /// Whether the account may decide at the review stage named: by its own role (`None`), or
    /// for a colleague away under a delegation in force (that colleague's id). Refused (403)
    /// otherwise.
    pub fn acting_for(&self, stage: &str) -> Result<Option<i64>, AppError> {
        if self.roles.may_review_stage(stage) {
            return Ok(None);
        }
        match self
            .delegated
            .iter()
            .find(|d| d.roles.may_review_stage(stage))
        {
            Some(d) => Ok(Some(d.from_staff_id)),
            None => Err(self.denied(format!("您的账号没有“{stage}”环节的审核权限"))),
        }
    }

    /// Whether the account may decide at the review stage named, by its own role or for a
    /// colleague away (a page offers the decision form only then).
    pub fn may_decide_stage(&self, stage: &str) -> bool {
        self.roles.may_review_stage(stage)
            || self
                .delegated
                .iter()
                .any(|d| d.roles.may_review_stage(stage))
    }

    /// Refuses (403) an account that may not see queues and lists (审核员, 只读 or 管理员 may).
    pub fn require_read(&self) -> Result<(), AppError> {
        if self.roles.may_read() {
            Ok(())
        } else {
            Err(self.denied("查看审核列表需要“审核员”或“只读”角色".to_owned()))
        }
    }
}

impl FromRequestParts<AppState> for CurrentStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ctx = SessionCtx::from_request_parts(parts, state).await?;
        let s = require_kind(&ctx, "staff", "/staff/login", "工作人员")?;
        let signed_in = store::repo::staff::signed_in(
            &ctx.reader(state),
            s.user_id.unwrap_or_default(),
            state.now(),
        )
        .await?;
        let staff = signed_in.staff;
        if staff.disabled {
            return Err(AppError::Unauthorized {
                login_path: "/staff/login",
                expired: false,
            });
        }
        require_own_password(parts, staff.must_change_password, "/staff/account")?;
        let delegated = signed_in
            .delegators
            .into_iter()
            // An account disabled since stands in for nobody.
            .filter(|(from, _)| !from.disabled)
            .map(|(from, roles)| Delegated {
                from_staff_id: from.id,
                from_name: from.display_name,
                roles,
            })
            .collect();
        let me = CurrentStaff {
            staff,
            org: signed_in.org,
            roles: signed_in.roles,
            delegated,
            ctx,
        };
        require_second_factor(parts, &me, signed_in.totp_enabled, signed_in.totp_required)?;
        Ok(me)
    }
}

/// Whether a page is open to an account that must still set up two-factor sign-in: 我的账号, its
/// password change and the setup itself.
fn open_before_second_factor(path: &str) -> bool {
    path == "/staff/account" || path.starts_with("/staff/account/")
}

/// Refuses everything but 我的账号 to an account that must sign in with two factors (every
/// admin; the staff of an organisation that requires it, or of one below such) and has not set
/// them up. Asked on every request, so that an office switching the requirement on reaches
/// sessions already open.
fn require_second_factor(
    parts: &Parts,
    me: &CurrentStaff,
    totp_enabled: bool,
    totp_required: bool,
) -> Result<(), AppError> {
    let path = parts.uri.path();
    if open_before_second_factor(path) || totp_enabled {
        return Ok(());
    }
    if me.is_admin() || totp_required {
        tracing::warn!(
            staff = me.staff.id,
            path,
            "request denied: two-factor sign-in not set up"
        );
        return Err(AppError::SecondFactorSetupRequired);
    }
    Ok(())
}

/// A signed-in staff member with the admin role.
pub struct CurrentAdmin(pub CurrentStaff);

impl FromRequestParts<AppState> for CurrentAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let s = CurrentStaff::from_request_parts(parts, state).await?;
        if !s.is_admin() {
            tracing::warn!(staff = s.staff.id, path = %parts.uri.path(), "request denied: admin role required");
            return Err(AppError::Forbidden("此功能仅限本机构管理员使用".to_owned()));
        }
        Ok(CurrentAdmin(s))
    }
}

/// A signed-in staff member with the 数据导入 role (or 管理员).
pub struct CurrentImporter(pub CurrentStaff);

impl FromRequestParts<AppState> for CurrentImporter {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let s = CurrentStaff::from_request_parts(parts, state).await?;
        s.require(domain::StaffRole::Importer)?;
        Ok(CurrentImporter(s))
    }
}

/// A response that also sets a fresh session cookie.
pub fn with_cookie(state: &AppState, token: &str, resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, set_cookie(state, token));
    resp
}

/// Makes sure a page's forms carry a token, writing nothing: signed in, the session's; else the
/// signature of the visitor's [`PRE_COOKIE`], issuing one if the visitor has none. Returns the
/// context to render with and the `Set-Cookie` value of a newly issued [`PRE_COOKIE`].
pub async fn ensure_form_token(
    state: &AppState,
    ctx: SessionCtx,
) -> Result<(SessionCtx, Option<HeaderValue>), AppError> {
    if ctx.expected_token().is_some() {
        return Ok((ctx, None));
    }
    let pre = sessions::random_token();
    let token = sign_pre(state.form_key().await?, &pre);
    Ok((
        SessionCtx {
            anon_csrf: Some(token),
            ..ctx
        },
        Some(cookie(state, PRE_COOKIE, &pre)),
    ))
}

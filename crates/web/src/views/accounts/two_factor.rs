//! 两步验证 for staff: the second step of signing in (a code of the authenticator app, or a
//! recovery code), the setup under 我的账号 (a QR code and the secret as text, the app's first
//! code, ten recovery codes shown once), new recovery codes, a new phone, switching it off where
//! it is not required; and for an organisation's admin, clearing a member's (a lost phone) and
//! requiring it of every member of staff of the organisation and below. The rules, the audit
//! rows and the replay protection are [`store::accounts::totp`]'s.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::accounts::totp::{self, Factor, Proof};
use store::entity::session as session_entity;
use store::repo::{RepoError, audit, session as sessions, throttle};

use crate::error::AppError;
use crate::session::{CurrentAdmin, CurrentStaff, SessionCtx, with_cookie};
use crate::views::Layout;
use crate::views::accounts::auth::hash_permit;
use crate::{AppState, util};

/// The second step of a staff sign-in.
pub const SIGN_IN_PATH: &str = "/staff/login/totp";

/// The two-factor page under 我的账号.
pub const SETUP_PATH: &str = "/staff/account/totp";

#[derive(Template)]
#[template(path = "totp_sign_in.html")]
struct SignInPage {
    layout: Layout,
    username: String,
    error: Option<String>,
}

/// The code typed on the second sign-in step or to confirm a setup; the sign-in step also has a
/// field for a recovery code.
#[derive(Debug, Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    recovery_code: String,
}

impl CodeForm {
    /// The code if one was typed, else the recovery code.
    fn typed(&self) -> &str {
        if self.code.trim().is_empty() {
            &self.recovery_code
        } else {
            &self.code
        }
    }
}

/// The session awaiting its second factor, if that is what the request carries.
fn awaiting(ctx: &SessionCtx) -> Option<&session_entity::Model> {
    ctx.session
        .as_ref()
        .filter(|s| s.user_kind == sessions::AWAITING_SECOND_FACTOR && s.user_id.is_some())
}

/// Where someone without a session awaiting its code goes instead of the code page.
fn elsewhere(ctx: &SessionCtx) -> Response {
    match ctx.session.as_ref().map(|s| s.user_kind.as_str()) {
        Some("staff") => Redirect::to("/staff").into_response(),
        _ if ctx.expired => Redirect::to("/staff/login?expired=1").into_response(),
        _ => Redirect::to("/staff/login").into_response(),
    }
}

async fn render_sign_in(
    state: &AppState,
    ctx: &SessionCtx,
    staff_id: i64,
    error: Option<String>,
) -> Result<String, AppError> {
    let account = store::repo::staff::get(&state.db, staff_id).await?;
    Ok(SignInPage {
        layout: Layout::bare("两步验证", ctx),
        username: account.username,
        error,
    }
    .render()?)
}

/// GET /staff/login/totp: the code page, for a session whose password was right.
pub async fn sign_in_page(
    State(state): State<AppState>,
    ctx: SessionCtx,
) -> Result<Response, AppError> {
    let Some(staff_id) = awaiting(&ctx).and_then(|s| s.user_id) else {
        return Ok(elsewhere(&ctx));
    };
    Ok(Html(render_sign_in(&state, &ctx, staff_id, None).await?).into_response())
}

/// POST /staff/login/totp: the code or a recovery code. Wrong ones are counted like wrong
/// passwords — per account (five per 15 minutes, then locked 15 minutes; a right password does not
/// reset this count) and per address (spaced out, never locked) — and audited.
pub async fn sign_in(
    State(state): State<AppState>,
    ctx: SessionCtx,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    let Some(pending) = awaiting(&ctx).cloned() else {
        return Ok(elsewhere(&ctx));
    };
    let staff_id = pending.user_id.unwrap_or_default();
    let refuse = |status: StatusCode, message: String| {
        let state = state.clone();
        let ctx = ctx.clone();
        async move {
            let html = render_sign_in(&state, &ctx, staff_id, Some(message)).await?;
            Ok::<Response, AppError>((status, Html(html)).into_response())
        }
    };
    let ip = ctx.ip.clone();
    let ip_key = format!("ip:{ip}");
    match throttle::address_turn(&state.db, &ip_key, throttle::ADDRESS, state.now()).await? {
        throttle::AddressGate::Busy(after) => {
            let seconds = after.num_seconds().max(1);
            let mut resp = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                format!("您所在网络的登录尝试过于频繁，请在 {seconds} 秒后再试。"),
            )
            .await?;
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(resp);
        }
        throttle::AddressGate::Go(wait) => {
            if let Ok(wait) = wait.to_std()
                && !wait.is_zero()
            {
                tokio::time::sleep(wait).await;
            }
        }
    }
    let key = totp::throttle_key(staff_id);
    let now = state.now();
    let attempt = match throttle::reserve_check(&state.db, &key, throttle::ACCOUNT, now).await? {
        throttle::AccountGate::Locked(until) => {
            let minutes = ((until - now).num_seconds() + 59) / 60;
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "两步验证码连续 {} 次错误，已锁定，请在 {minutes} 分钟后（北京时间 {} 以后）再试。",
                    throttle::ACCOUNT.max_failures,
                    util::beijing_hm(until)
                ),
            )
            .await;
        }
        throttle::AccountGate::Check { attempt } => attempt,
    };
    match totp::complete_sign_in(&state.db, &pending, f.typed(), now, Some(&ip)).await {
        Ok((token, factor)) => {
            throttle::succeeded(&state.db, &key, attempt).await?;
            let next = match factor {
                Factor::Code => "/staff".to_owned(),
                Factor::RecoveryCode { left } => format!("{SETUP_PATH}?recovery_used={left}"),
            };
            Ok(with_cookie(&state, &token, Redirect::to(&next)))
        }
        Err(RepoError::Invalid(why) | RepoError::Conflict(why)) => {
            let left =
                throttle::check_failed(&state.db, &key, attempt, throttle::ACCOUNT, now).await?;
            throttle::address_failed(&state.db, &ip_key, throttle::ADDRESS, now).await?;
            tracing::warn!(staff = staff_id, ip, "sign-in failed at the second factor");
            audit::record(
                &state.db,
                now,
                audit::Actor::SYSTEM,
                totp::CODE_FAILED_ACTION,
                ("staff", Some(staff_id)),
                &why,
                Some(&ip),
            )
            .await?;
            let message = if left > 0 {
                format!("{why}。还可尝试 {left} 次。")
            } else {
                format!(
                    "{why}。连续 {} 次错误，两步验证已锁定 {} 分钟。",
                    throttle::ACCOUNT.max_failures,
                    throttle::ACCOUNT.lock.num_minutes()
                )
            };
            refuse(StatusCode::UNPROCESSABLE_ENTITY, message).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The QR code and the secret of a setup waiting for its first code.
struct EnrolmentView {
    qr_svg: String,
    /// In groups of four, as typed into an app by hand.
    secret: String,
    url: String,
}

#[derive(Template)]
#[template(path = "staff/two_factor.html")]
struct SetupPage {
    layout: Layout,
    enabled_at: Option<String>,
    recovery_left: u64,
    enrolment: Option<EnrolmentView>,
    /// Why the account must use two factors, if it must.
    required: Option<String>,
    /// Recovery codes just issued, shown this once.
    codes: Vec<String>,
    message: Option<String>,
    error: Option<String>,
}

/// `?required=1`, `?recovery_used=N`, `?done=`.
#[derive(Debug, Deserialize, Default)]
pub struct SetupQuery {
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    recovery_used: Option<u64>,
    #[serde(default)]
    done: Option<String>,
}

/// A form that changes the second factor of a signed-in account: the password or a current code.
#[derive(Debug, Deserialize, Default)]
pub struct ProofForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// A permit for a password check (argon2) when the proof is a password: hashes are bounded.
async fn permit_for(
    state: &AppState,
    proof: Option<Proof<'_>>,
) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, AppError> {
    match proof {
        Some(Proof::Password(p)) if !p.is_empty() => Ok(Some(hash_permit(state).await?)),
        _ => Ok(None),
    }
}

impl ProofForm {
    fn proof(&self) -> Option<Proof<'_>> {
        if !self.code.trim().is_empty() {
            Some(Proof::Code(self.code.trim()))
        } else if !self.password.is_empty() {
            Some(Proof::Password(&self.password))
        } else {
            None
        }
    }
}

/// Why `me` must sign in with two factors, in words that fit "…必须使用两步验证"; `None` if it
/// need not.
async fn required_reason(state: &AppState, me: &CurrentStaff) -> Result<Option<String>, AppError> {
    if me.is_admin() {
        return Ok(Some("管理员账号".to_owned()));
    }
    Ok(totp::required_by(&state.db, &me.org)
        .await?
        .map(|org| format!("{}要求本机构及下级机构的工作人员", org.name)))
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

async fn render_setup(
    state: &AppState,
    me: &CurrentStaff,
    codes: Vec<String>,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let now = state.now();
    let status = totp::status(&state.db, me.staff.id).await?;
    let enrolment = match totp::pending_enrolment(&state.db, &me.staff, now).await? {
        Some(e) if codes.is_empty() => Some(EnrolmentView {
            qr_svg: crate::views::graduation::xuexin::qr_svg(&e.otpauth_url)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("QR code not drawn")))?,
            secret: grouped(&e.secret_base32),
            url: e.otpauth_url,
        }),
        _ => None,
    };
    Ok(SetupPage {
        layout: crate::views::accounts::my_account::staff_layout(me),
        enabled_at: status.enabled_at.map(util::beijing),
        recovery_left: status.recovery_left,
        enrolment,
        required: required_reason(state, me).await?,
        codes,
        message,
        error,
    }
    .render()?)
}

/// A page that shows recovery codes: never kept by any cache.
fn once(html: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// A refusal shown on the page, or the error page for anything else.
async fn refused(state: &AppState, me: &CurrentStaff, e: RepoError) -> Result<Response, AppError> {
    match e {
        RepoError::Invalid(m) | RepoError::Conflict(m) => {
            let html = render_setup(state, me, Vec::new(), None, Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        other => Err(other.into()),
    }
}

/// GET /staff/account/totp
pub async fn setup_page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<SetupQuery>,
) -> Result<Html<String>, AppError> {
    let message = if let Some(left) = q.recovery_used {
        Some(format!(
            "您刚用一个恢复码登录，还剩 {left} 个未用的恢复码。如手机丢失，请用下方“更换手机”绑定新手机；恢复码不多时请重新生成。"
        ))
    } else if q.required.is_some() {
        Some("按规定您的账号必须启用两步验证，设置完成前不能使用其他功能。请按下面的步骤用手机上的验证器App完成设置。".to_owned())
    } else {
        q.done.as_deref().map(|d| match d {
            "off" => "两步验证已停用，登录时只需输入密码。".to_owned(),
            _ => "已生成新的二维码，请用手机扫码后输入验证码完成设置。".to_owned(),
        })
    };
    Ok(Html(
        render_setup(&state, &me, Vec::new(), message, None).await?,
    ))
}

/// POST /staff/account/totp/start: a new secret to scan (a first setup, or a new phone, which
/// takes the password or a current code).
pub async fn start(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<ProofForm>,
) -> Result<Response, AppError> {
    let _permit = permit_for(&state, f.proof()).await?;
    match totp::begin_enrolment(
        &state.db,
        &me.staff,
        f.proof(),
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{SETUP_PATH}?done=started")).into_response()),
        Err(e) => refused(&state, &me, e).await,
    }
}

/// POST /staff/account/totp/confirm: the app's current code switches two-factor sign-in on; the
/// ten recovery codes are shown this once.
pub async fn confirm(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<CodeForm>,
) -> Result<Response, AppError> {
    match totp::confirm_enrolment(
        &state.db,
        &me.staff,
        &f.code,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Ok(codes) => Ok(once(
            render_setup(
                &state,
                &me,
                codes,
                Some(
                    "两步验证已启用。以后登录时，输入密码后还需输入验证器App中的6位数字。"
                        .to_owned(),
                ),
                None,
            )
            .await?,
        )),
        Err(e) => refused(&state, &me, e).await,
    }
}

/// POST /staff/account/totp/recovery-codes: ten new recovery codes replace the old, shown once.
pub async fn regenerate(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<ProofForm>,
) -> Result<Response, AppError> {
    let Some(proof) = f.proof() else {
        return refused(&state, &me, RepoError::Invalid(missing_proof())).await;
    };
    let _permit = permit_for(&state, Some(proof)).await?;
    match totp::regenerate_recovery_codes(
        &state.db,
        &me.staff,
        proof,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Ok(codes) => Ok(once(
            render_setup(
                &state,
                &me,
                codes,
                Some("已生成新的恢复码，原来的恢复码全部作废。".to_owned()),
                None,
            )
            .await?,
        )),
        Err(e) => refused(&state, &me, e).await,
    }
}

fn missing_proof() -> String {
    "请输入当前密码，或验证器App中当前显示的6位数字，以确认是您本人操作".to_owned()
}

/// POST /staff/account/totp/disable: refused where two factors are required.
pub async fn disable(
    State(state): State<AppState>,
    me: CurrentStaff,
    Form(f): Form<ProofForm>,
) -> Result<Response, AppError> {
    let required = required_reason(&state, &me).await?;
    let proof = match (f.proof(), &required) {
        (Some(p), _) => p,
        // The requirement is the answer, whatever else is missing.
        (None, Some(_)) => Proof::Password(""),
        (None, None) => return refused(&state, &me, RepoError::Invalid(missing_proof())).await,
    };
    let _permit = permit_for(&state, Some(proof)).await?;
    match totp::disable(
        &state.db,
        &me.staff,
        proof,
        required.as_deref(),
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{SETUP_PATH}?done=off")).into_response()),
        Err(e) => refused(&state, &me, e).await,
    }
}

/// What 人员账号 shows of two-factor sign-in: who has it, and the organisation's requirement.
pub struct AccountsPart {
    /// Accounts of the list that sign in with two factors.
    pub enabled: std::collections::HashSet<i64>,
    /// The admin's organisation requires it of its staff and those below.
    pub required_here: bool,
    /// An organisation above requires it already (its name).
    pub required_above: Option<String>,
}

impl AccountsPart {
    /// Whether the account signs in with two factors.
    pub fn has(&self, id: &i64) -> bool {
        self.enabled.contains(id)
    }
}

/// The two-factor part of 人员账号 for `ids`.
pub async fn accounts_part(
    state: &AppState,
    admin: &CurrentStaff,
    ids: &[i64],
) -> Result<AccountsPart, AppError> {
    let required_here = totp::requires_here(&state.db, admin.org.id).await?;
    let required_above = totp::required_by(&state.db, &admin.org)
        .await?
        .filter(|o| o.id != admin.org.id)
        .map(|o| o.name);
    Ok(AccountsPart {
        enabled: totp::enabled_among(&state.db, ids).await?,
        required_here,
        required_above,
    })
}

/// The message of 人员账号 after one of the actions here (`?done=`).
pub fn accounts_done(done: &str) -> Option<String> {
    Some(match done {
        "totp_cleared" => "已清除该账号的两步验证，其登录已全部退出；本人用密码登录后需重新设置（如按规定必须使用）。".to_owned(),
        "totp_required" => "已要求本机构及下级机构的全部工作人员使用两步验证；尚未设置的人员下次操作时将被引导完成设置。".to_owned(),
        "totp_not_required" => "已取消本机构对两步验证的要求（管理员账号仍须使用）。".to_owned(),
        _ => return None,
    })
}

/// POST /staff/accounts/{id}/clear-totp: a member lost the phone.
pub async fn clear_member(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match totp::clear_by_admin(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/staff/accounts?done=totp_cleared").into_response()),
        Err(RepoError::NotFound) => Err(AppError::NotFound(
            "未找到该账号，或它不属于本机构及下级机构".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The requirement form of 人员账号.
#[derive(Debug, Deserialize, Default)]
pub struct RequirementForm {
    /// The checkbox; absent when unticked.
    #[serde(default)]
    required: Option<String>,
}

/// POST /staff/accounts/two-factor: the admin's organisation requires two factors of all its
/// staff and those below, or no longer does.
pub async fn set_requirement(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Form(f): Form<RequirementForm>,
) -> Result<Response, AppError> {
    let required = f.required.is_some();
    totp::set_requirement(
        &state.db,
        &me.0.staff,
        &me.0.org,
        required,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await?;
    let done = if required {
        "totp_required"
    } else {
        "totp_not_required"
    };
    Ok(Redirect::to(&format!("/staff/accounts?done={done}")).into_response())
}

/// The routes of two-factor sign-in.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(SIGN_IN_PATH, get(sign_in_page).post(sign_in))
        .route(SETUP_PATH, get(setup_page))
        .route("/staff/account/totp/start", post(start))
        .route("/staff/account/totp/confirm", post(confirm))
        .route("/staff/account/totp/recovery-codes", post(regenerate))
        .route("/staff/account/totp/disable", post(disable))
        .route("/staff/accounts/{id}/clear-totp", post(clear_member))
        .route("/staff/accounts/two-factor", post(set_requirement))
}

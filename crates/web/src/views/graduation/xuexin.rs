//! 学信网 authorisation of prior education (seed 003 §(二)1), both sides of it:
//!
//! - the candidate's: 生成授权二维码 on the application's prior-education section, the code shown
//!   until the service pushes the record;
//! - the local credential service's page (本地学信网) under `/xuexin/local/`, which belongs to the
//!   service, not to biye: no sign-in, no session CSRF token (see
//!   `session::CSRF_EXEMPT_PREFIXES`); it can only change the service's own record of the grant,
//!   and biye learns of it only through the signed push to `/api/v1/credentials/notify`.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::credential::{authorisation, local};
use store::entity::graduation_application as app;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;
use crate::views::graduation::application::{Draft, refuse, saved_at};

/// A pending authorisation as the form shows it.
pub struct AuthView {
    /// Our authorisation number.
    pub auth_no: String,
    /// What the code encodes: the service's authorisation page.
    pub url: String,
    /// The code as inline SVG (generated here from `url`, never from user input).
    pub qr_svg: String,
}

/// The code for `url` as an SVG element sized for a phone camera.
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
    )
}

/// The pending authorisation of `a`, for the form; `None` when there is none waiting.
pub async fn pending_view(state: &AppState, a: &app::Model) -> Result<Option<AuthView>, AppError> {
    let Some(row) = authorisation::latest(&state.db, a.id).await? else {
        return Ok(None);
    };
    if row.status != authorisation::PENDING {
        return Ok(None);
    }
    let url = format!(
        "{}{}",
        state.config.public_base_url.trim_end_matches('/'),
        local::authorise_path(&row.auth_no)
    );
    Ok(qr_svg(&url).map(|qr_svg| AuthView {
        auth_no: row.auth_no,
        url,
        qr_svg,
    }))
}

/// POST /candidate/application/prior-education/authorise (生成授权二维码): registers a new
/// authorisation with the credential service and shows its code on the form.
pub async fn start(
    State(state): State<AppState>,
    me: CurrentCandidate,
) -> Result<Response, AppError> {
    match crate::services::materials::start_authorisation(&state, &me).await {
        Ok(_) => Ok(saved_at("authorisation", "prior")),
        // Without the service nothing can be done here: the error page says so.
        Err(e @ AppError::Conflict(_)) if !state.config.local_services => Err(e),
        Err(e) => refuse(&state, &me, "prior", e, Draft::default()).await,
    }
}

#[derive(Template)]
#[template(path = "xuexin/authorise.html")]
struct AuthorisePage {
    auth_no: String,
    name: String,
    id_card: String,
    authorised: bool,
    action: String,
    return_url: String,
}

fn unknown() -> AppError {
    AppError::NotFound("学信网未找到该授权请求".to_owned())
}

/// GET /xuexin/local/authorise/{auth_no}: the page the code opens.
pub async fn authorise_page(
    State(state): State<AppState>,
    Path(auth_no): Path<String>,
) -> Result<Html<String>, AppError> {
    let g = local::grant(&state.db, &auth_no)
        .await?
        .ok_or_else(unknown)?;
    Ok(Html(
        AuthorisePage {
            action: local::authorise_path(&g.auth_no),
            id_card: crate::util::mask_id(&g.id_card_no),
            authorised: g.status == local::AUTHORISED,
            auth_no: g.auth_no,
            name: g.name,
            return_url: g.return_url,
        }
        .render()?,
    ))
}

/// POST /xuexin/local/authorise/{auth_no} (同意授权): records the grant once, pushes the record in
/// the background and sends the browser back. Authorising twice pushes nothing again.
pub async fn confirm(
    State(state): State<AppState>,
    Path(auth_no): Path<String>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (g, newly) = local::confirm(&state.db, &auth_no, now)
        .await?
        .ok_or_else(unknown)?;
    if newly && let Some(push) = local::push_of(&state.db, &g, now).await? {
        let notify_url = g.notify_url.clone();
        let secret = state.config.credential_secret.clone();
        // The national service pushes asynchronously, after the candidate's app returns.
        tokio::spawn(async move {
            store::notify::deliver_signed(
                &notify_url,
                push.to_body(),
                secret.as_bytes(),
                &push.auth_no,
            )
            .await;
        });
    }
    Ok(Redirect::to(&g.return_url).into_response())
}

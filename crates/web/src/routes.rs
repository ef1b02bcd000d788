//! The application's router: each area of `views` brings its own routes (`router()`), the
//! API its own, and this adds the shared assets, the local stand-in services, the operations
//! endpoints and the layers every request passes.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::views::graduation::xuexin;
use crate::views::payment::gateway;
use crate::{AppState, api, headers, ops, overload, session};

static CSS: &str = include_str!("../static/app.css");
static APPLICATION_JS: &str = include_str!("../static/application.js");
static PRINT_JS: &str = include_str!("../static/print.js");
static FOCUS_JS: &str = include_str!("../static/focus.js");
static LOCAL_SERVICE_CSS: &str = include_str!("../static/local-service.css");

/// A file of ours, cacheable for an hour.
fn asset(content_type: &'static str, body: &'static str) -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

/// Body limit of the picture uploads: the signature photo's 8M before cropping, and room for
/// the form fields.
pub const UPLOAD_LIMIT: usize = 9 * 1024 * 1024;

/// The local payment gateway, the local 学信网 and the text-message outbox: separate systems
/// served here for development and tests only, since anyone reaching them can "pay",
/// "authorise" or read the codes sent.
fn local_services(state: &AppState) -> Router<AppState> {
    if !state.config.local_services {
        return Router::new();
    }
    Router::new()
        .route(
            "/xuexin/local/authorise/{auth_no}",
            get(xuexin::authorise_page).post(xuexin::confirm),
        )
        .route(
            "/gateway/local/pay/{order_no}",
            get(gateway::pay_page).post(gateway::confirm),
        )
        .route("/gateway/local/query", post(gateway::query))
        .route("/dev/sms", get(crate::views::accounts::recovery::outbox))
        .route(
            "/dev/mail",
            get(crate::views::accounts::recovery::mail_outbox),
        )
        .route(
            "/static/local-service.css",
            get(|| async { asset("text/css; charset=utf-8", LOCAL_SERVICE_CSS) }),
        )
}

/// Every route, with sessions, CSRF checks, request ids, tracing and metrics.
pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let import_limit = usize::try_from(state.config.import_max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    let app = Router::new()
        .route(
            "/static/application.js",
            get(|| async { asset("text/javascript; charset=utf-8", APPLICATION_JS) }),
        )
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/static/print.js",
            get(|| async { asset("text/javascript; charset=utf-8", PRINT_JS) }),
        )
        .route(
            "/static/focus.js",
            get(|| async { asset("text/javascript; charset=utf-8", FOCUS_JS) }),
        )
        .merge(crate::views::accounts::router(import_limit))
        .merge(crate::views::graduation::router())
        .merge(crate::views::review::router())
        .merge(crate::views::payment::router())
        .merge(crate::views::degree::router())
        .merge(crate::views::language::router())
        .merge(crate::views::appeal::router())
        .merge(crate::views::verify::router())
        .merge(local_services(&state))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics_endpoint))
        // Every /api/v1 route, with its documented operation and JSON 404/405 answers.
        .merge(api::router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::session_layer,
        ))
        .layer(middleware::from_fn(ops::track))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state.clone());
    app.layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        // Outermost: a shed request costs nothing but its answer, and the requests let in run
        // on the work runtime from here on.
        .layer(middleware::from_fn_with_state(state, overload::shed))
}

/// Serves `router` on `listener` until `shutdown` resolves, letting requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    ops::metrics_handle();
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

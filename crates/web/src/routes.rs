//! The one route table of biye.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::views::{
    application, archive, auth, backfill, candidate, degree, degree_batches, degree_review,
    gateway, graduation, imports, language, language_review, legacy, materials, payment, printouts,
    prior_review, province_settings, record_correction, review, staff, student, xuexin,
};
use crate::{AppState, api, headers, ops, overload, session};

static CSS: &str = include_str!("../static/app.css");
static APPLICATION_JS: &str = include_str!("../static/application.js");
static PRINT_JS: &str = include_str!("../static/print.js");
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

/// Every route, with sessions, CSRF checks, request ids, tracing and metrics.
/// The local payment gateway and the local 学信网: separate systems served here for development
/// and tests only, since anyone reaching them can "pay" or "authorise".
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
        .route(
            "/static/local-service.css",
            get(|| async { asset("text/css; charset=utf-8", LOCAL_SERVICE_CSS) }),
        )
}

pub fn router(state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let import_limit = usize::try_from(state.config.import_max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1024 * 1024);
    // Uploads are judged after reading (so the message can name the real size), within a cap
    // well above every picture rule.
    let upload_limit = UPLOAD_LIMIT;
    let app = Router::new()
        .route("/", get(auth::home))
        .route(
            "/login",
            get(auth::candidate_login_page).post(auth::candidate_login),
        )
        .route(
            "/student/login",
            get(auth::student_login_page).post(auth::student_login),
        )
        .route(
            "/staff/login",
            get(auth::staff_login_page).post(auth::staff_login),
        )
        .route("/logout", post(auth::logout))
        .route("/candidate/profile", get(candidate::profile))
        .route(
            "/candidate/profile/edit",
            get(candidate::edit_page).post(candidate::edit_submit),
        )
        .route(
            "/candidate/majors",
            get(candidate::majors).post(candidate::add_major),
        )
        .route("/candidate/scores", get(candidate::scores))
        .route("/candidate/legacy", get(legacy::page).post(legacy::link))
        .route(
            "/candidate/backfills",
            get(backfill::candidate_page)
                .post(backfill::candidate_submit)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/candidate/backfills/{id}/scan",
            get(backfill::candidate_scan),
        )
        .route("/staff/backfills", get(backfill::staff_page))
        .route("/staff/backfills/{id}/decide", post(backfill::decide))
        .route("/staff/backfills/{id}/scan", get(backfill::staff_scan))
        .route("/candidate/graduation", get(graduation::self_check))
        .route(
            "/candidate/corrections",
            get(record_correction::candidate_page).post(record_correction::candidate_submit),
        )
        .route("/candidate/application", get(application::form))
        .route("/candidate/application/open", post(application::open))
        .route(
            "/candidate/application/major",
            post(application::save_major),
        )
        .route(
            "/candidate/application/prior-education",
            post(application::save_prior),
        )
        .route(
            "/candidate/application/resume",
            post(application::save_resume),
        )
        .route(
            "/candidate/application/self-appraisal",
            post(application::save_self_appraisal),
        )
        .route(
            "/candidate/application/statement",
            post(application::save_statement),
        )
        .route(
            "/candidate/application/files",
            post(application::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/candidate/application/signature",
            post(application::upload_signature).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/candidate/application/files/{id}", get(application::file))
        .route(
            "/candidate/application/files/{id}/delete",
            post(application::delete_file),
        )
        .route("/candidate/application/submit", post(application::submit))
        .route(
            "/candidate/application/id-validity",
            post(materials::save_id_validity),
        )
        .route(
            "/candidate/application/photo",
            post(materials::upload_photo),
        )
        .route(
            "/candidate/application/photo/accept",
            post(materials::accept_photo),
        )
        .route(
            "/candidate/application/photo/discard",
            post(materials::discard_photo),
        )
        .route(
            "/candidate/application/prior-education/submit",
            post(materials::submit_prior),
        )
        .route(
            "/candidate/application/commitment",
            get(materials::commitment),
        )
        .route(
            "/candidate/application/wrong-major",
            post(application::wrong_major),
        )
        .route(
            "/candidate/application/progress",
            get(application::progress),
        )
        .route(
            "/candidate/application/register.pdf",
            get(printouts::candidate_register),
        )
        .route(
            "/candidate/application/transcript.pdf",
            get(printouts::candidate_transcript),
        )
        .route(
            "/candidate/application/archive.pdf",
            get(archive::candidate_archive),
        )
        .route(
            "/staff/applications/{id}/archive.pdf",
            get(archive::staff_archive),
        )
        .route(
            "/staff/applications/{id}/register.pdf",
            get(printouts::staff_register),
        )
        .route(
            "/staff/applications/{id}/transcript.pdf",
            get(printouts::staff_transcript),
        )
        .route("/candidate/inbox", get(application::inbox_page))
        .route("/candidate/inbox/read", post(application::inbox_read))
        .route(
            "/static/application.js",
            get(|| async { asset("text/javascript; charset=utf-8", APPLICATION_JS) }),
        )
        .route("/student/profile", get(student::profile))
        .route("/student/scores", get(student::scores))
        .route("/student/language", get(language::page))
        .route(
            "/student/language/{batch_id}/apply",
            get(language::form)
                .post(language::submit)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/student/language/applications/{id}", get(language::detail))
        .route(
            "/student/language/applications/{id}/withdraw",
            post(language::withdraw),
        )
        .route(
            "/student/language/applications/{id}/files/{file_id}",
            get(language::file),
        )
        .route("/student/inbox", get(language::inbox_page))
        .route("/student/inbox/read", post(language::inbox_read))
        .route("/staff/language", get(language_review::queue))
        .route("/staff/language/bulk", post(language_review::bulk))
        .route("/staff/language/{id}", get(language_review::detail))
        .route("/staff/language/{id}/decide", post(language_review::decide))
        .route(
            "/staff/language/{id}/files/{file_id}",
            get(language_review::file),
        )
        .route(
            "/staff/degree-rules",
            get(language_review::rules_page).post(language_review::rules_save),
        )
        .route(
            "/staff/province-settings",
            get(province_settings::settings_page).post(province_settings::settings_save),
        )
        .route("/student/degree", get(degree::page))
        .route("/student/degree/template.xlsx", get(degree::template))
        .route(
            "/student/degree/apply",
            get(degree::form).post(degree::save),
        )
        .route(
            "/student/degree/upload",
            post(degree::upload).layer(DefaultBodyLimit::max(degree::UPLOAD_LIMIT)),
        )
        .route("/student/degree/submit", post(degree::submit))
        .route("/student/degree/files/{id}", get(degree::own_file))
        .route("/staff/degree", get(degree_review::queue))
        .route(
            "/staff/degree-batches",
            get(degree_batches::page).post(degree_batches::create),
        )
        .route(
            "/staff/degree-batches/{id}/window",
            post(degree_batches::window),
        )
        .route("/staff/degree/award", post(degree_review::award))
        .route("/staff/degree/{id}", get(degree_review::detail))
        .route("/staff/degree/{id}/review", post(degree_review::review))
        .route(
            "/staff/degree/{id}/files/{file_id}",
            get(degree_review::file),
        )
        .route("/staff", get(staff::dashboard))
        .route("/staff/candidates", get(staff::candidates))
        .route("/staff/candidates/{id}", get(staff::candidate_detail))
        .route("/staff/corrections", get(record_correction::staff_page))
        .route(
            "/staff/corrections/{id}/approve",
            post(record_correction::approve),
        )
        .route(
            "/staff/corrections/{id}/reject",
            post(record_correction::reject),
        )
        // 毕业审核, reviewer side (its JSON counterparts are in `api::router`).
        .route("/staff/prior-reviews", get(prior_review::page))
        .route(
            "/staff/prior-reviews/{id}/stamped",
            post(prior_review::upload_stamped),
        )
        .route(
            "/staff/prior-reviews/{id}/originals-checked",
            post(prior_review::originals_checked),
        )
        .route(
            "/staff/prior-reviews/{id}/decide",
            post(prior_review::decide),
        )
        .route("/staff/reviews", get(review::queue))
        .route("/staff/reviews/bulk", post(review::bulk))
        .route("/staff/reviews/{id}", get(review::detail))
        .route("/staff/reviews/{id}/decide", post(review::decide))
        .route("/staff/reviews/{id}/files/{file_id}", get(review::file))
        .route(
            "/staff/imports",
            get(imports::page)
                .post(imports::upload)
                .layer(DefaultBodyLimit::max(import_limit)),
        )
        .route("/candidate/application/pay", post(payment::pay))
        .route(
            "/candidate/application/prior-education/authorise",
            post(xuexin::start),
        )
        .route(
            "/static/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/static/print.js",
            get(|| async { asset("text/javascript; charset=utf-8", PRINT_JS) }),
        )
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

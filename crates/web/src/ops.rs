//! Operations endpoints: liveness, readiness, Prometheus metrics, and the request metrics layer.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// The process-wide Prometheus recorder (installed once, however many apps a test process starts).
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// GET /healthz: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for each dependency: shorter than a balancer's check interval, longer
/// than a healthy database or bucket ever takes.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// GET /readyz: the database and the object storage both answer within [`READY_TIMEOUT`]; 503
/// naming the one that does not, so an operator (or a balancer's active check) can tell which.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let (db_ok, objects) = tokio::join!(
        tokio::time::timeout(READY_TIMEOUT, store::db::ping(&state.db)),
        state.objects.check(READY_TIMEOUT),
    );
    let db_ok = db_ok.unwrap_or(false);
    if !db_ok {
        tracing::warn!("readiness: the database does not answer");
    }
    if let Err(e) = &objects {
        tracing::warn!(error = %e, "readiness: the object storage does not answer");
    }
    let line = |name: &str, ok: bool| format!("{name}：{}\n", if ok { "正常" } else { "不可用" });
    // The reason stays in the log: the body is public and an error names endpoints.
    let body = line("数据库", db_ok) + &line("文件存储", objects.is_ok());
    let status = if db_ok && objects.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body).into_response()
}

/// GET /metrics: Prometheus text format.
pub async fn metrics_endpoint() -> String {
    metrics_handle().render()
}

/// Counts requests and their latency by route template (never by raw path, which holds ids).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    resp
}

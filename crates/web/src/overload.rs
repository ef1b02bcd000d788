//! Load shedding: a bound on the requests in flight. Past it a request is answered at once with
//! 503, `Retry-After` and a short page, instead of queueing behind the others until every
//! request is slow and memory has grown with the queue. The operations endpoints are exempt, so
//! a balancer and the monitoring still see the instance while it is busy. While more connections
//! are open than requests are let in, the requests let in run on the [`crate::WorkRuntime`], out
//! of the way of the ones being turned away; otherwise where they were read.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::RETRY_AFTER_SECONDS;

/// Paths that are never shed.
const EXEMPT: &[&str] = &["/healthz", "/readyz", "/metrics"];

static BUSY_PAGE: &str = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>系统繁忙 - 毕业申请与审核平台</title></head>\
<body><h1>系统繁忙</h1><p>当前访问人数较多，请稍候几秒后刷新页面。您已保存的内容不会丢失。</p></body></html>";

static BUSY_JSON: &str = "{\"error\":\"Service Unavailable\",\"message\":\"当前访问人数较多，系统繁忙，请稍后重试。\",\"fields\":{}}";

/// The answer to a request that was shed.
fn busy(api: bool) -> Response {
    let (content_type, body) = if api {
        ("application/json", BUSY_JSON)
    } else {
        ("text/html; charset=utf-8", BUSY_PAGE)
    };
    let mut resp = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::headers::PAGE_POLICY),
    );
    resp
}

/// Whether a request let in may run where it was read. The work runtime is for a flood: when
/// the runtime that reads requests holds no more tasks than requests are let in at once, a
/// request run on it waits behind no more than it would on the work runtime, and it saves the
/// hand-over, two thread wake-ups that cost a short page about a tenth of its time.
fn calm(state: &AppState) -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|here| here.metrics().num_alive_tasks() <= state.config.max_in_flight)
}

/// Runs the request if a slot is free, else sheds it.
pub async fn shed(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if EXEMPT.contains(&path) {
        return next.run(req).await;
    }
    let api = path.starts_with("/api/");
    let Ok(permit) = state.in_flight.clone().try_acquire_owned() else {
        metrics::counter!("http_requests_shed_total").increment(1);
        return busy(api);
    };
    let work = async move {
        let resp = next.run(req).await;
        drop(permit);
        resp
    };
    if calm(&state) {
        return work.await;
    }
    let Some(runtime) = state.work.handle() else {
        return work.await;
    };
    match runtime.spawn(work).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
    }
}

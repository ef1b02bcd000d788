//! Security headers of every response: a Content-Security-Policy on pages (no inline script or
//! style anywhere, so none is allowed), HSTS when the site is served over HTTPS.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The policy of every HTML page: our own scripts, styles and images only (pictures chosen for
/// upload are previewed from `blob:` URLs, the QR code of the 学信网 authorisation is inline
/// SVG markup, never a `data:` script), no plugins, no framing, forms posted to us only.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
form-action 'self'";

/// HSTS for a year, sent only when cookies are `Secure` (the site is served over HTTPS).
const HSTS: &str = "max-age=31536000";

/// Adds the security headers a response lacks.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = resp.headers_mut();
    if is_html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_POLICY),
        );
    }
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    resp
}

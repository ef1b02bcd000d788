//! Signed notifications sent by the local stand-ins of outside services (the payment gateway,
//! 学信网) to our callbacks, as the real services send them: POST, JSON body, HMAC-SHA256 of
//! the body in a header, retried with backoff until the receiver answers `success`.

use std::time::Duration;

use domain::payment::{SIGNATURE_HEADER, sign};

/// Waits between delivery attempts: the callback may be restarting; reconciliation settles
/// whatever is still unconfirmed after the last one.
const RETRY_DELAYS: [Duration; 4] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
];

/// The client the local stand-ins call us with (and we call them with): ten seconds a request.
pub(crate) fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    // reqwest is built without a bundled crypto provider (see objects.rs); an error here only
    // means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
}

/// POSTs `body` with its HMAC-SHA256 in [`SIGNATURE_HEADER`] to `notify_url`, retrying with
/// backoff until the receiver answers `success`; returns whether it did. `what` names the
/// message in the log. Shared by the local services that notify us (payments, 学信网 pushes).
pub async fn deliver_signed(notify_url: &str, body: Vec<u8>, secret: &[u8], what: &str) -> bool {
    let client = match http_client() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "local service: cannot build the HTTP client");
            return false;
        }
    };
    let signature = sign(&body, secret);
    let mut delays = RETRY_DELAYS.iter();
    loop {
        let sent = client
            .post(notify_url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &signature)
            .body(body.clone())
            .send()
            .await;
        let outcome = match sent {
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                if status.is_success() && text.trim() == "success" {
                    tracing::info!(%what, "local service: notification delivered");
                    return true;
                }
                format!(
                    "HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                )
            }
            Err(e) => e.to_string(),
        };
        let Some(delay) = delays.next() else {
            tracing::warn!(%what, last = %outcome,
                "local service: notification not delivered; the receiver can query it later");
            return false;
        };
        tracing::info!(%what, error = %outcome, retry_in = ?delay,
            "local service: notification failed");
        tokio::time::sleep(*delay).await;
    }
}

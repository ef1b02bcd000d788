//! The credential service's push callback (学信网推送前置学历信息). No session: the body's HMAC
//! signature under the shared secret is the authentication.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::credential::verify_push;
use domain::payment::SIGNATURE_HEADER;
use store::credential::authorisation::{self, PushOutcome};
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;

/// A refused push: 400 with a Chinese message, logged; nothing was changed.
fn refuse(message: String) -> Response {
    tracing::warn!(reason = %message, "credential push refused");
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({
            "error": "Bad Request",
            "message": message,
            "fields": {},
        })),
    )
        .into_response()
}

/// POST /api/v1/credentials/notify: verifies the signature over the raw body and the timestamp
/// window, then judges the pushed diploma for the authorisation it names. Applied and duplicate
/// pushes both answer 200 `success`.
pub async fn notify(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let now = state.now();
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let push = match verify_push(
        &body,
        signature,
        state.config.credential_secret.as_bytes(),
        now,
    ) {
        Ok(p) => p,
        Err(r) => return refuse(r.to_string()),
    };
    match authorisation::apply_push(&state.db, &push, now).await {
        Ok(outcome) => {
            match outcome {
                PushOutcome::Verified { applied } => {
                    tracing::info!(auth_no = %push.auth_no, applied, "prior education verified by push");
                }
                PushOutcome::NotVerified(reason) => {
                    tracing::info!(auth_no = %push.auth_no, %reason, "pushed prior education not verified");
                }
                PushOutcome::Duplicate => {
                    tracing::info!(auth_no = %push.auth_no, "duplicate credential push ignored");
                }
            }
            (StatusCode::OK, "success").into_response()
        }
        Err(RepoError::NotFound) => refuse(format!("授权编号不存在：{}", push.auth_no)),
        Err(RepoError::Invalid(m) | RepoError::Conflict(m)) => refuse(m),
        Err(e @ RepoError::Db(_)) => AppError::from(e).into_json(),
    }
}

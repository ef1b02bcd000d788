//! The only way a handler reads a multipart body: [`CheckedMultipart`] checks the form's CSRF
//! token, the first field, before the handler sees anything, so no upload route can forget it
//! and the session layer needs no list of upload routes. A request whose token came in the
//! `X-CSRF-Token` header (checked by the session layer) goes straight through.

use axum::extract::{FromRequest, Multipart, Request};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::session::{CsrfHeaderChecked, SessionCtx, csrf_refusal, token_matches};

/// A multipart body whose CSRF token was checked; the token field is consumed.
pub struct CheckedMultipart(pub Multipart);

impl FromRequest<AppState> for CheckedMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let header_checked = req.extensions().get::<CsrfHeaderChecked>().is_some();
        let ctx = req.extensions().get::<SessionCtx>().cloned();
        let path = req.uri().path().to_owned();
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if header_checked {
            return Ok(Self(multipart));
        }
        let Some(ctx) = ctx else {
            return Err(csrf_refusal(&path, "页面已失效（缺少会话）"));
        };
        let token = match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("csrf_token") => f.text().await.unwrap_or_default(),
            _ => return Err(csrf_refusal(&path, "缺少安全令牌")),
        };
        if token_matches(&ctx, &token) {
            Ok(Self(multipart))
        } else {
            Err(csrf_refusal(&path, "安全令牌无效"))
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every handler reads multipart bodies through [`super::CheckedMultipart`]: a bare
    /// `Multipart` parameter would skip the CSRF check.
    #[test]
    fn no_handler_takes_a_bare_multipart() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        let mut offenders = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("upload.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    for (n, line) in text.lines().enumerate() {
                        let l = line.trim();
                        if (l.ends_with(": Multipart,") || l.ends_with(": Multipart)"))
                            && !l.starts_with("//")
                        {
                            offenders.push(format!("{}:{}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "bare Multipart at {offenders:?}");
    }
}

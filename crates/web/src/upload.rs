//! The only way a handler reads a multipart body: [`CheckedMultipart`] checks the form's CSRF
//! token, the first field, before the handler sees anything, so no upload route can forget it
//! and the session layer needs no list of upload routes. A request whose token came in the
//! `X-CSRF-Token` header (checked by the session layer) goes straight through.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::response::{IntoResponse, Response};
use domain::files::check_jpeg;

use crate::AppState;
use crate::error::AppError;
use crate::session::{CsrfHeaderChecked, SessionCtx, csrf_refusal, token_matches};

/// Largest signature photo accepted before cropping: phone photos are large, and the crop
/// brings them under 50K.
pub(crate) const SIGNATURE_SOURCE_MAX: usize = 8 * 1024 * 1024;

/// Bytes read from an upload beyond which the rest is only counted, so the message can name
/// the real size without holding a large file in memory.
const READ_CAP: usize = SIGNATURE_SOURCE_MAX;

/// A multipart body whose CSRF token was checked; the token field is consumed.
pub struct CheckedMultipart(pub Multipart);

impl FromRequest<AppState> for CheckedMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let header_checked = req.extensions().get::<CsrfHeaderChecked>().is_some();
        let ctx = req.extensions().get::<SessionCtx>().cloned();
        let path = req.uri().path().to_owned();
        let mut multipart = Multipart::from_request(req, state).await.map_err(|r| {
            if path.starts_with("/api/") {
                AppError::UnsupportedMediaType(format!(
                    "请求体应为 multipart/form-data（{}）",
                    r.body_text()
                ))
                .into_json()
            } else {
                r.into_response()
            }
        })?;
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

/// An upload read from a multipart field: at most `READ_CAP` bytes kept, the total counted.
pub struct Upload {
    /// The bytes kept.
    pub bytes: Vec<u8>,
    /// The size sent, counted even beyond what was kept.
    pub total: usize,
    /// The file name the browser gave.
    pub name: String,
}

async fn read_field(
    field: axum::extract::multipart::Field<'_>,
    cap: usize,
) -> Result<Upload, String> {
    let name = field.file_name().unwrap_or("").to_owned();
    let mut field = field;
    let mut bytes = Vec::new();
    let mut total = 0usize;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                total += chunk.len();
                if bytes.len() < cap {
                    let room = cap - bytes.len();
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
            }
            Ok(None) => break,
            Err(e) => return Err(format!("文件上传中断：{e}")),
        }
    }
    Ok(Upload { bytes, total, name })
}

/// Fields of an upload form, with the CSRF token checked before any file is read.
#[derive(Default)]
pub(crate) struct UploadForm {
    pub(crate) fields: std::collections::HashMap<String, String>,
    pub(crate) file: Option<Upload>,
}

pub(crate) async fn read_upload(
    multipart: CheckedMultipart,
) -> Result<UploadForm, Result<AppError, String>> {
    read_upload_capped(multipart, READ_CAP).await
}

/// [`read_upload`], keeping at most `cap` bytes of the file (the total is still counted, so a
/// message can name the real size).
pub(crate) async fn read_upload_capped(
    CheckedMultipart(mut multipart): CheckedMultipart,
    cap: usize,
) -> Result<UploadForm, Result<AppError, String>> {
    let mut form = UploadForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(Err(format!("上传内容无法读取：{e}"))),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let up = read_field(field, cap).await.map_err(Err)?;
            if !up.name.is_empty() || up.total > 0 {
                form.file = Some(up);
            }
        } else {
            let v = field.text().await.unwrap_or_default();
            form.fields.insert(name, v);
        }
    }
    Ok(form)
}

/// The fields of a form and its files sent under `files_field` (several allowed), at most
/// `keep` bytes of each kept and the total counted.
pub(crate) async fn read_many(
    CheckedMultipart(mut multipart): CheckedMultipart,
    files_field: &str,
    keep: usize,
) -> Result<(HashMap<String, String>, Vec<Upload>), Result<AppError, String>> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(Err(format!("上传内容无法读取：{e}"))),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == files_field {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let mut bytes = Vec::new();
            let mut total = 0usize;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        total += chunk.len();
                        if bytes.len() < keep {
                            let room = keep - bytes.len();
                            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(Err(format!("文件上传中断：{e}"))),
                }
            }
            // A file input left empty still sends a part without name or bytes.
            if !file_name.is_empty() || total > 0 {
                files.push(Upload {
                    name: file_name,
                    bytes,
                    total,
                });
            }
        } else {
            fields.insert(name, field.text().await.unwrap_or_default());
        }
    }
    Ok((fields, files))
}

/// Checks a picture against the JPEG rules, naming the real size when it is too large.
pub(crate) fn check_picture(up: &Upload, max: usize) -> Result<domain::files::CleanJpeg, String> {
    if up.total == 0 {
        return Err("请选择要上传的 .jpg 图片".to_owned());
    }
    if up.total > up.bytes.len() || up.total > max {
        // Only the size matters here; the rest was not kept.
        let probe = vec![0u8; max + 1];
        let msg = check_jpeg(&probe, max)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        return Err(msg.replace(&grouped(max + 1), &grouped(up.total)).replace(
            &format!("约 {:.1}K", (max + 1) as f64 / 1024.0),
            &format!("约 {:.1}K", up.total as f64 / 1024.0),
        ));
    }
    check_jpeg(&up.bytes, max).map_err(|e| e.0)
}

pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

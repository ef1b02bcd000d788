//! 批量导入 on 人员账号: an organisation's admin uploads a spreadsheet of staff accounts for the
//! organisation and those below it. The rules, the all-or-nothing report and the audit rows are
//! [`store::import::staff`]'s; this page shows the new accounts' one-time passwords once, never
//! cached and never offered as a file.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use store::import::ImportError;
use store::import::staff::{HashBudget, IssuedPassword, MAX_ROWS, StaffImportRequest};
use store::repo::audit::Actor;

use super::imports::Outcome;
use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentAdmin;
use crate::upload::{CheckedMultipart, read_upload_capped};
use crate::views::Layout;
use crate::views::accounts::staff::who;

/// The largest file taken: far above what 500 rows of five short cells need, so only a wrong
/// file reaches it.
const FILE_MAX: usize = 2 * 1024 * 1024;

#[derive(Template)]
#[template(path = "staff/accounts_import.html")]
struct ImportPage {
    layout: Layout,
    max_rows: u64,
    max_mb: usize,
    outcome: Option<Outcome>,
    failure: Option<String>,
    issued: Vec<IssuedPassword>,
}

fn render(
    me: &CurrentAdmin,
    outcome: Option<Outcome>,
    failure: Option<String>,
    issued: Vec<IssuedPassword>,
) -> Result<String, AppError> {
    Ok(ImportPage {
        layout: Layout::staff(
            "批量导入人员账号",
            who(&me.0),
            &me.0.ctx,
            "/staff/accounts",
            &me.0.roles,
        ),
        max_rows: MAX_ROWS,
        max_mb: FILE_MAX / (1024 * 1024),
        outcome,
        failure,
        issued,
    }
    .render()?)
}

fn refuse(me: &CurrentAdmin, status: StatusCode, message: String) -> Result<Response, AppError> {
    Ok((status, Html(render(me, None, Some(message), Vec::new())?)).into_response())
}

/// GET /staff/accounts/import: the form and the columns a file needs.
pub async fn page(me: CurrentAdmin) -> Result<Html<String>, AppError> {
    Ok(Html(render(&me, None, None, Vec::new())?))
}

/// POST /staff/accounts/import (multipart: csrf_token, file).
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentAdmin,
    headers: HeaderMap,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let too_large = |size: usize| {
        format!(
            "文件过大：约 {:.1} MB，人员账号文件不超过 {} MB（最多 {MAX_ROWS} 行）。本次未做任何更改。",
            size as f64 / (1024.0 * 1024.0),
            FILE_MAX / (1024 * 1024)
        )
    };
    // Refuse an oversized upload from its declared length before reading any of it.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|l| *l > FILE_MAX + 64 * 1024) {
        return refuse(&me, StatusCode::PAYLOAD_TOO_LARGE, too_large(len));
    }
    let form = match read_upload_capped(multipart, FILE_MAX).await {
        Ok(f) => f,
        Err(Ok(e)) => return Err(e),
        Err(Err(m)) => return refuse(&me, StatusCode::BAD_REQUEST, m),
    };
    let Some(file) = form.file.filter(|f| !f.name.is_empty()) else {
        return refuse(
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择要上传的文件（.xlsx 或 .csv）。".to_owned(),
        );
    };
    if file.total > FILE_MAX {
        return refuse(&me, StatusCode::PAYLOAD_TOO_LARGE, too_large(file.total));
    }
    if file.total == 0 {
        return refuse(
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("文件为空：“{}”不含任何内容，本次未做任何更改。", file.name),
        );
    }
    let Ok(format) = tabular::Format::from_path(std::path::Path::new(&file.name)) else {
        return refuse(
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "不支持的文件类型“{}”：请上传 .xlsx 或 .csv 文件，本次未做任何更改。",
                file.name
            ),
        );
    };
    let spooled = tempfile::NamedTempFile::new_in(&state.config.spool_dir)
        .map_err(|e| AppError::Internal(e.into()))?
        .into_temp_path();
    tokio::fs::write(&spooled, &file.bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;

    let s = &me.0;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let result = store::import::staff::import_staff(
        &state.db,
        StaffImportRequest {
            path: &spooled,
            format,
            file_name: &file.name,
            org: &s.org,
            actor: Actor::staff(s.staff.id),
            ip: Some(&s.ctx.ip),
            now: state.now(),
            // The permits sign-ins take too: one import never keeps them waiting for long.
            hashing: HashBudget {
                permits: state.hash_permits.clone(),
                at_once: cores,
            },
        },
    )
    .await;
    match result {
        Ok(done) => {
            let ok = done.report.succeeded();
            let outcome = Outcome {
                summary: if ok {
                    format!(
                        "{}。新账号须用下表中的临时密码首次登录并立即修改密码。",
                        done.report.summary()
                    )
                } else {
                    done.report.summary()
                },
                ok,
                error_count: done.report.error_count,
                errors: done.report.errors,
            };
            let html = render(&me, Some(outcome), None, done.issued)?;
            if ok {
                Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
            } else {
                Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
            }
        }
        Err(ImportError::Db(e)) => Err(AppError::Internal(e.into())),
        Err(e) => refuse(
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{e}。本次未做任何更改。"),
        ),
    }
}

/// The routes of 批量导入人员账号.
pub fn routes() -> axum::Router<AppState> {
    use axum::extract::DefaultBodyLimit;
    use axum::routing::get;
    axum::Router::new().route(
        "/staff/accounts/import",
        get(page)
            .post(upload)
            .layer(DefaultBodyLimit::max(FILE_MAX + 64 * 1024)),
    )
}

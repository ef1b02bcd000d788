//! The admin upload page for imports of candidates, scores, exam plans, and a school of continuing
//! education's students and their scores.
//!
//! The upload is streamed to a spool file under a size cap (never held in memory), checked for
//! its CSRF token first, then handed to the same import the `biye import` command runs.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use store::entity::import_run;
use store::import::{ImportKind, ImportRequest, RowError};
use store::repo::audit::Actor;
use tokio::io::AsyncWriteExt;

use crate::error::AppError;
use crate::session::{CurrentImporter, SessionCtx};
use crate::upload::CheckedMultipart;
use crate::views::Layout;
use crate::{AppState, util};

/// A past import in the history table.
pub struct RunLine {
    /// When.
    pub at: String,
    /// 考生 / 成绩 / 考试计划.
    pub kind: String,
    /// Original file name.
    pub file_name: String,
    /// 成功 / 失败.
    pub status: String,
    /// Data rows.
    pub rows: i64,
    /// Errors found.
    pub errors: i64,
}

/// The outcome shown after an upload.
pub struct Outcome {
    /// One-line summary.
    pub summary: String,
    /// Whether the file was imported.
    pub ok: bool,
    /// Errors by row and column.
    pub errors: Vec<RowError>,
    /// How many errors there were in all (the list stops at 1,000).
    pub error_count: u64,
}

#[derive(Template)]
#[template(path = "staff/imports.html")]
struct ImportsPage {
    layout: Layout,
    max_mb: u64,
    outcome: Option<Outcome>,
    failure: Option<String>,
    runs: Vec<RunLine>,
}

async fn render(
    state: &AppState,
    me: &CurrentImporter,
    outcome: Option<Outcome>,
    failure: Option<String>,
) -> Result<String, AppError> {
    let runs = import_run::Entity::find()
        .order_by_desc(import_run::Column::Id)
        .limit(20)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|r| RunLine {
            at: util::beijing(r.created_at),
            kind: ImportKind::from_code(&r.kind)
                .map(|k| k.label().to_owned())
                .unwrap_or(r.kind),
            file_name: r.file_name,
            status: if r.status == "succeeded" {
                "成功"
            } else {
                "失败"
            }
            .to_owned(),
            rows: r.rows,
            errors: r.error_count,
        })
        .collect();
    let s = &me.0;
    let who = format!("{}（{}）", s.staff.display_name, s.org.name);
    Ok(ImportsPage {
        layout: Layout::staff("数据导入", who, &s.ctx, "/staff/imports", &s.roles),
        max_mb: state.config.import_max_bytes / (1024 * 1024),
        outcome,
        failure,
        runs,
    }
    .render()?)
}

/// GET /staff/imports
pub async fn page(
    State(state): State<AppState>,
    me: CurrentImporter,
) -> Result<Html<String>, AppError> {
    Ok(Html(render(&state, &me, None, None).await?))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

async fn refuse(
    state: &AppState,
    me: &CurrentImporter,
    status: StatusCode,
    msg: String,
) -> Result<Response, AppError> {
    Ok((status, Html(render(state, me, None, Some(msg)).await?)).into_response())
}

/// POST /staff/imports (multipart: csrf_token, kind, file — in that order).
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentImporter,
    ctx: SessionCtx,
    headers: HeaderMap,
    CheckedMultipart(mut multipart): CheckedMultipart,
) -> Result<Response, AppError> {
    let max = state.config.import_max_bytes;
    // Refuse an oversized upload from its declared length before reading any of it.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared.filter(|l| *l > max + 64 * 1024) {
        return refuse(&state, &me, StatusCode::PAYLOAD_TOO_LARGE, format!(
            "文件过大：上传内容约 {}，超过上限 {}。请拆分为多个文件后分别导入，本次未做任何更改。",
            mb(len), mb(max)
        )).await;
    }
    let mut kind = None;
    let mut spooled: Option<(tempfile::TempPath, String, u64)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return refuse(
                    &state,
                    &me,
                    StatusCode::BAD_REQUEST,
                    format!("上传内容无法读取：{e}"),
                )
                .await;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "kind" => {
                kind = ImportKind::from_code(field.text().await.unwrap_or_default().trim());
            }
            "file" => {
                let original = field.file_name().unwrap_or("").to_owned();
                let tmp = tempfile::NamedTempFile::new_in(&state.config.spool_dir)
                    .map_err(|e| AppError::Internal(e.into()))?;
                let (file, path) = tmp.into_parts();
                let mut out = tokio::fs::File::from_std(file);
                let mut written: u64 = 0;
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            written += chunk.len() as u64;
                            if written > max {
                                return refuse(&state, &me, StatusCode::PAYLOAD_TOO_LARGE, format!(
                                    "文件过大：已超过上限 {}。请拆分为多个文件后分别导入，本次未做任何更改。", mb(max)
                                )).await;
                            }
                            out.write_all(&chunk)
                                .await
                                .map_err(|e| AppError::Internal(e.into()))?;
                        }
                        Ok(None) => break,
                        Err(e) => {
                            return refuse(
                                &state,
                                &me,
                                StatusCode::BAD_REQUEST,
                                format!("文件上传中断：{e}"),
                            )
                            .await;
                        }
                    }
                }
                out.flush()
                    .await
                    .map_err(|e| AppError::Internal(e.into()))?;
                spooled = Some((path, original, written));
            }
            _ => {}
        }
    }
    let Some(kind) = kind else {
        return refuse(
            &state,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择导入类型（考生、成绩、考试计划、学历库、13位准考证成绩、学生或学生成绩）。"
                .to_owned(),
        )
        .await;
    };
    // The registry decides prior-education checks for the whole province: only the office
    // maintains it.
    let office = [
        domain::OrgKind::MunicipalOffice.code(),
        domain::OrgKind::ProvincialOffice.code(),
    ];
    // The old 13-character registers are province-wide too, and a link is checked against them.
    if matches!(kind, ImportKind::Diplomas | ImportKind::LegacyScores)
        && !office.contains(&me.0.org.kind.as_str())
    {
        return refuse(
            &state,
            &me,
            StatusCode::FORBIDDEN,
            format!(
                "{}只能由市自考办或省招生考试院的管理员导入，本次未做任何更改。",
                kind.label()
            ),
        )
        .await;
    }
    // Students belong to the school that imports them: only a school of continuing education has any.
    if kind.for_school() && me.0.org.kind != domain::OrgKind::ContinuingEdSchool.code() {
        let is = domain::OrgKind::from_code(&me.0.org.kind).map_or("该类机构", |k| k.label());
        return refuse(
            &state,
            &me,
            StatusCode::FORBIDDEN,
            format!(
                "{}只能由继续教育学院导入到本学院，“{}”是{is}。本次未做任何更改。",
                kind.label(),
                me.0.org.name
            ),
        )
        .await;
    }
    let Some((path, original, size)) = spooled.filter(|(_, n, _)| !n.is_empty()) else {
        return refuse(
            &state,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择要上传的文件。".to_owned(),
        )
        .await;
    };
    if size == 0 {
        return refuse(
            &state,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("文件为空：“{original}”不含任何内容，本次未做任何更改。"),
        )
        .await;
    }
    let Ok(format) = tabular::Format::from_path(std::path::Path::new(&original)) else {
        return refuse(
            &state,
            &me,
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("不支持的文件类型“{original}”：请上传 .xlsx 或 .csv 文件，本次未做任何更改。"),
        )
        .await;
    };
    let s = &me.0;
    let result = store::import::import_file(
        &state.db,
        ImportRequest {
            kind,
            path: &path,
            format,
            file_name: &original,
            actor: Actor::staff(s.staff.id),
            ip: Some(&ctx.ip),
            now: state.now(),
            scope: Some(&s.org.path),
            school: Some(s.org.id),
        },
    )
    .await;
    match result {
        Ok(report) => {
            let ok = report.succeeded();
            let outcome = Outcome {
                summary: report.summary(),
                ok,
                error_count: report.error_count,
                errors: report.errors,
            };
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((
                status,
                Html(render(&state, &me, Some(outcome), None).await?),
            )
                .into_response())
        }
        Err(store::import::ImportError::Db(e)) => Err(AppError::Internal(e.into())),
        Err(e) => {
            refuse(
                &state,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{e}。本次未做任何更改。"),
            )
            .await
        }
    }
}

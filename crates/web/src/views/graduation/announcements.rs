//! 主考学校公告 (`/staff/announcements`) for the admins of a chief university: one text per
//! graduation batch of the province, which the candidates who apply to the university in that
//! batch read at the top of their form. Plain text: escaped on the page, line breaks kept.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::services::announcements as service;
use crate::session::CurrentStaff;
use crate::views::Layout;

const PATH: &str = "/staff/announcements";

/// One batch with its text as the form shows it.
struct Line {
    id: i64,
    name: String,
    window: String,
    status: &'static str,
    body: String,
    updated: String,
    /// Saved just now: the confirmation shows beside it.
    just_saved: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/announcements.html")]
struct Page {
    layout: Layout,
    university: String,
    standing: String,
    max_chars: usize,
    lines: Vec<Line>,
}

/// A refused save: the batch, the message and the text as typed.
struct Refused {
    batch: i64,
    message: String,
    typed: String,
}

async fn render(
    state: &AppState,
    me: &CurrentStaff,
    saved: Option<i64>,
    refused: Option<Refused>,
) -> Result<String, AppError> {
    let now = state.now();
    let lines = service::list(state, me)
        .await?
        .into_iter()
        .map(|n| {
            let b = n.batch;
            let mine = refused.as_ref().filter(|r| r.batch == b.id);
            Line {
                id: b.id,
                window: format!(
                    "{} 至 {}",
                    crate::util::beijing(b.opens_at),
                    crate::util::beijing(b.closes_at)
                ),
                status: store::graduation::batches::Phase::of(&b, now).label(),
                body: match mine {
                    Some(r) => r.typed.clone(),
                    None => n.body.as_ref().map(|t| t.body.clone()).unwrap_or_default(),
                },
                updated: n
                    .body
                    .as_ref()
                    .map(|t| crate::util::beijing(t.updated_at))
                    .unwrap_or_default(),
                error: mine.map(|r| r.message.clone()),
                just_saved: saved == Some(b.id),
                name: b.name,
            }
        })
        .collect();
    Ok(Page {
        layout: Layout::staff(
            "主考学校公告",
            crate::views::accounts::staff::who(me),
            &me.ctx,
            PATH,
            &me.roles,
        ),
        university: me.org.name.clone(),
        standing: me.org.announcement.clone(),
        max_chars: store::graduation::announcements::MAX_CHARS,
        lines,
    }
    .render()?)
}

/// `?saved={batch id}` after a save.
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<i64>,
}

/// GET /staff/announcements
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<SavedQuery>,
) -> Result<Html<String>, AppError> {
    Ok(Html(render(&state, &me, q.saved, None).await?))
}

/// The text of one batch's form.
#[derive(Deserialize, Default)]
pub struct NoticeForm {
    #[serde(default)]
    body: String,
}

/// POST /staff/announcements/{batch}: saves the text (empty: the standing 公告 shows again).
/// A refusal keeps what was typed beside the message.
pub async fn save(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(batch): Path<i64>,
    axum::Form(f): axum::Form<NoticeForm>,
) -> Result<Response, AppError> {
    match service::save(&state, &me, batch, &f.body).await {
        Ok(_) => Ok(Redirect::to(&format!("{PATH}?saved={batch}#notice-{batch}")).into_response()),
        Err(e) => {
            let Some(message) = e.refusal() else {
                return Err(e);
            };
            let refused = Refused {
                batch,
                message,
                typed: f.body,
            };
            let html = render(&state, &me, None, Some(refused)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

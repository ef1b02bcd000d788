//! 消息 for staff: the review deadline reminders and escalations (督办) addressed to the account.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::repo::inbox::{self, Recipient};

use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::{AppState, util};

/// Messages listed.
const LISTED: u64 = 100;

struct MessageLine {
    at: String,
    unread: bool,
    title: String,
    body: String,
    link: String,
}

#[derive(Template)]
#[template(path = "staff/inbox.html")]
struct InboxPage {
    layout: Layout,
    messages: Vec<MessageLine>,
    unread: u64,
}

/// GET /staff/inbox
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<Html<String>, AppError> {
    let to = Recipient::Staff(me.staff.id);
    let messages = inbox::list(&state.db, to, LISTED)
        .await?
        .into_iter()
        .map(|m| MessageLine {
            at: util::beijing(m.created_at),
            unread: m.read_at.is_none(),
            title: m.title,
            body: m.body,
            link: m.link.unwrap_or_default(),
        })
        .collect();
    let page = InboxPage {
        layout: Layout::staff(
            "消息",
            super::staff::who(&me),
            &me.ctx,
            "/staff/inbox",
            &me.roles,
        ),
        unread: inbox::unread(&state.db, to).await?,
        messages,
    };
    Ok(Html(page.render()?))
}

/// POST /staff/inbox/read: marks everything read.
pub async fn read(State(state): State<AppState>, me: CurrentStaff) -> Result<Response, AppError> {
    inbox::mark_all_read(&state.db, Recipient::Staff(me.staff.id), state.now()).await?;
    Ok(Redirect::to("/staff/inbox").into_response())
}

/// The routes of 消息.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/staff/inbox", get(page))
        .route("/staff/inbox/read", post(read))
}

//! Back from the gateway (支付返回): the candidate lands here with their order, and sees 审核进度
//! only once the payment is booked. Until then a small page says 支付结果确认中 and reloads
//! itself (a `Refresh` header: pages carry no script of their own) for about a minute.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::error::AppError;
use crate::services::payment::{Returned, after_return};
use crate::session::CurrentCandidate;
use crate::views::Layout;
use crate::views::payment::pay::return_path;

/// Seconds between two looks while the result is not known.
pub const REFRESH_SECONDS: u32 = 2;

/// Looks before the page stops reloading and says what to do instead (about a minute).
pub const MAX_LOOKS: u32 = 30;

/// Where 审核进度 is.
const PROGRESS: &str = "/candidate/application/progress";

/// The return address's query.
#[derive(Deserialize)]
pub struct ReturnQuery {
    #[serde(default)]
    order_no: String,
    /// How many looks this page has had (its own reloads count them).
    #[serde(default)]
    n: u32,
}

#[derive(Template)]
#[template(path = "candidate/payment_return.html")]
struct ReturnPage {
    layout: Layout,
    order_no: String,
    /// Still reloading itself.
    waiting: bool,
    again: String,
}

/// GET /candidate/application/pay/return?order_no=…: a booked payment (asked of the gateway
/// when its notification has not come yet) goes on to 审核进度; otherwise 支付结果确认中.
pub async fn returned(
    State(state): State<AppState>,
    me: CurrentCandidate,
    Query(q): Query<ReturnQuery>,
) -> Result<Response, AppError> {
    if after_return(&state, &me, &q.order_no).await? == Returned::Paid {
        return Ok(Redirect::to(PROGRESS).into_response());
    }
    let looks = q.n.saturating_add(1);
    let waiting = looks < MAX_LOOKS;
    let next = format!("{}&n={looks}", return_path(&q.order_no));
    let page = ReturnPage {
        layout: Layout::candidate("支付结果确认中", &me.model.name, &me.ctx, PROGRESS),
        waiting,
        // After the last look, asking again starts a new round of looks.
        again: if waiting {
            next.clone()
        } else {
            return_path(&q.order_no)
        },
        order_no: q.order_no,
    }
    .render()?;
    if waiting {
        Ok((
            [(header::REFRESH, format!("{REFRESH_SECONDS}; url={next}"))],
            Html(page),
        )
            .into_response())
    } else {
        Ok(Html(page).into_response())
    }
}

//! 前置学历人工审核 for staff (seed 003 §(二)1): the confirmation point or chief university checks
//! the originals and uploads copies stamped "复印件与原件一致"; the provincial office gives the
//! final review. Each organisation sees only what waits for it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::graduation::form::FileSlot;
use serde::Deserialize;
use store::graduation::application::{
    self as apps, PRIOR_AWAITING_FINAL, PRIOR_AWAITING_ORIGINALS,
};
use store::graduation::prior_review;

use crate::error::AppError;
use crate::services::prior_review as service;
use crate::session::CurrentStaff;
use crate::upload::CheckedMultipart;
use crate::upload::read_upload;
use crate::views::Layout;
use crate::views::accounts::staff::who;
use crate::{AppState, util};

/// One application waiting for this organisation.
struct Row {
    id: i64,
    name: String,
    admission_no: String,
    id_card_masked: String,
    /// "核验原件" or "终审".
    step: &'static str,
    originals: bool,
    cert_no: String,
    school: String,
    graduation_date: String,
    prior_name: String,
    prior_id_card_masked: String,
    files: Vec<(String, String)>,
    stamped: usize,
}

#[derive(Template)]
#[template(path = "staff/prior_reviews.html")]
struct Page {
    layout: Layout,
    rows: Vec<Row>,
    message: Option<String>,
    error: Option<String>,
    /// 上一页 / 下一页 links, by key.
    prev: Option<String>,
    next: Option<String>,
}

/// `?done=` after an action, and the page's cursor.
#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

const PATH: &str = "/staff/prior-reviews";

async fn render(
    state: &AppState,
    me: &CurrentStaff,
    message: Option<String>,
    error: Option<String>,
    at: store::keyset::PageAt,
) -> Result<String, AppError> {
    let page = prior_review::queue_page(&state.db, &me.org, at, crate::paging::PER_PAGE).await?;
    let (prev, next) = crate::paging::links(PATH, &[], page.prev, page.next);
    let queue = page.rows;
    // Candidates and files of the whole page in two queries, not two per row.
    let mut people = store::repo::candidate::by_ids(
        &state.db,
        &queue.iter().map(|a| a.candidate_id).collect::<Vec<_>>(),
    )
    .await?;
    let mut all_files =
        apps::files_of(&state.db, &queue.iter().map(|a| a.id).collect::<Vec<_>>()).await?;
    let mut rows = Vec::new();
    for a in queue {
        let Some(c) = people.remove(&a.candidate_id) else {
            continue;
        };
        let files = all_files.remove(&a.id).unwrap_or_default();
        let prior_slots = [
            FileSlot::PriorDiploma,
            FileSlot::PriorRegistration,
            FileSlot::PriorChangeProof,
            FileSlot::PriorStampedCopy,
        ];
        rows.push(Row {
            id: a.id,
            name: c.name,
            admission_no: c.admission_no,
            id_card_masked: util::mask_id(&c.id_card_no),
            step: if a.prior_check == PRIOR_AWAITING_FINAL {
                "省招生考试院终审"
            } else {
                "现场核验原件"
            },
            originals: a.prior_check == PRIOR_AWAITING_ORIGINALS,
            cert_no: a.prior_cert_no.clone().unwrap_or_default(),
            school: a.prior_school.clone().unwrap_or_default(),
            graduation_date: a
                .prior_graduation_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            prior_name: a.prior_name.clone().unwrap_or_default(),
            prior_id_card_masked: util::mask_id(a.prior_id_card_no.as_deref().unwrap_or("")),
            stamped: files
                .iter()
                .filter(|f| f.slot == FileSlot::PriorStampedCopy.code())
                .count(),
            files: files
                .iter()
                .filter(|f| prior_slots.iter().any(|s| s.code() == f.slot))
                .map(|f| {
                    (
                        FileSlot::from_code(&f.slot)
                            .map(|s| s.label().to_owned())
                            .unwrap_or_default(),
                        format!("/staff/reviews/{}/files/{}", a.id, f.id),
                    )
                })
                .collect(),
        });
    }
    Ok(Page {
        layout: Layout::staff("前置学历审核", who(me), &me.ctx, PATH, &me.roles),
        rows,
        message,
        error,
        prev,
        next,
    }
    .render()?)
}

/// GET /staff/prior-reviews
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<DoneQuery>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let message = q.done.map(|d| {
        match d.as_str() {
            "stamped" => "盖章复印件已上传",
            "checked" => "已确认原件核验，转省招生考试院终审",
            "approved" => "前置学历审核已通过",
            "rejected" => "已驳回，考生修改后可重新提交",
            _ => "已完成",
        }
        .to_owned()
    });
    let at = store::keyset::PageAt::from_query(&q.after, &q.before);
    Ok(Html(render(&state, &me, message, None, at).await?))
}

/// GET /staff/prior-reviews/export.xlsx (导出): every application waiting for this organisation,
/// as the list shows it (ID numbers masked), read by key in chunks inside one snapshot.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<axum::response::Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require_read()?;
    let mut x = XlsxExport::new(
        "前置学历审核",
        &[
            "准考证号",
            "姓名",
            "身份证号",
            "环节",
            "前置学历姓名",
            "前置学历身份证号",
            "毕业证编号",
            "毕业院校",
            "毕业时间",
        ],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut at = store::keyset::PageAt::First;
    loop {
        let page = prior_review::queue_page(&snapshot, &me.org, at, crate::export::CHUNK).await?;
        let people = store::repo::candidate::by_ids(
            &snapshot,
            &page.rows.iter().map(|a| a.candidate_id).collect::<Vec<_>>(),
        )
        .await?;
        for a in &page.rows {
            let Some(c) = people.get(&a.candidate_id) else {
                continue;
            };
            let id_card = util::mask_id(&c.id_card_no);
            let prior_id = util::mask_id(a.prior_id_card_no.as_deref().unwrap_or(""));
            let graduated = a
                .prior_graduation_date
                .map(|d| d.to_string())
                .unwrap_or_default();
            x.push(&[
                Cell::Text(&c.admission_no),
                Cell::Text(&c.name),
                Cell::Text(&id_card),
                Cell::Text(if a.prior_check == PRIOR_AWAITING_FINAL {
                    "省招生考试院终审"
                } else {
                    "现场核验原件"
                }),
                Cell::Text(a.prior_name.as_deref().unwrap_or("")),
                Cell::Text(&prior_id),
                Cell::Text(a.prior_cert_no.as_deref().unwrap_or("")),
                Cell::Text(a.prior_school.as_deref().unwrap_or("")),
                Cell::Text(&graduated),
            ])?;
        }
        match page.next {
            Some(c) => at = store::keyset::PageAt::After(c),
            None => break,
        }
    }
    let name = format!(
        "前置学历审核-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

async fn outcome<T>(
    state: &AppState,
    me: &CurrentStaff,
    r: Result<T, AppError>,
    done: &str,
) -> Result<Response, AppError> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/staff/prior-reviews?done={done}")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            Html(render(state, me, None, e.refusal(), store::keyset::PageAt::First).await?),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

/// POST /staff/prior-reviews/{id}/stamped (multipart: csrf_token, file)
pub async fn upload_stamped(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    multipart: CheckedMultipart,
) -> Result<Response, AppError> {
    let r = match read_upload(multipart).await {
        Ok(form) => service::upload_stamped(&state, &me, id, form.file).await,
        Err(Ok(e)) => Err(e),
        Err(Err(m)) => Err(AppError::refused("file", m)),
    };
    outcome(&state, &me, r, "stamped").await
}

/// POST /staff/prior-reviews/{id}/originals-checked
pub async fn originals_checked(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let r = service::originals_checked(&state, &me, id).await;
    outcome(&state, &me, r, "checked").await
}

/// The office's decision.
#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// POST /staff/prior-reviews/{id}/decide
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    let done = if f.decision == "approve" {
        "approved"
    } else {
        "rejected"
    };
    let r = service::decide(&state, &me, id, &f.decision, &f.reason).await;
    outcome(&state, &me, r, done).await
}

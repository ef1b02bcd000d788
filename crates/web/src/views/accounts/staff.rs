//! The staff workspace: dashboard and the organisation's candidates.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Deserialize;
use store::repo::{candidate as candidates, reference};

use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::views::accounts::candidate::{ProfileView, plan_sheet};
use crate::{AppState, util};

/// Who is signed in, as the page frame shows it: name, organisation and role.
pub(crate) fn who(s: &CurrentStaff) -> String {
    who_of(&s.staff.display_name, &s.org.name, &s.roles.label())
}

/// The header's name of a staff member: the name, then what it does not already say of the
/// organisation and the roles ("重庆师范大学审核员" alone, not "重庆师范大学审核员（重庆师范大学审核员）").
fn who_of(name: &str, org: &str, roles: &str) -> String {
    // "重庆市教育考试院（市自考办）" is named in a name by its part before the brackets.
    let short = org.split('（').next().unwrap_or(org);
    let rest = name
        .strip_prefix(org)
        .or_else(|| name.strip_prefix(short).filter(|_| !short.is_empty()))
        .unwrap_or(name);
    let org_part = if rest.len() < name.len() { "" } else { org };
    let roles_part = if rest.contains(roles) { "" } else { roles };
    if org_part.is_empty() && roles_part.is_empty() {
        name.to_owned()
    } else {
        format!("{name}（{org_part}{roles_part}）")
    }
}

#[cfg(test)]
mod tests {
    use super::who_of;

    #[test]
    fn the_header_says_the_organisation_and_roles_once() {
        assert_eq!(
            who_of("重庆师范大学审核员", "重庆师范大学", "审核员"),
            "重庆师范大学审核员"
        );
        assert_eq!(
            who_of("重庆师范大学管理员", "重庆师范大学", "审核员、管理员"),
            "重庆师范大学管理员（审核员、管理员）"
        );
        assert_eq!(
            who_of("张老师", "重庆师范大学", "审核员"),
            "张老师（重庆师范大学审核员）"
        );
        assert_eq!(
            who_of(
                "重庆市教育考试院审核员",
                "重庆市教育考试院（市自考办）",
                "审核员"
            ),
            "重庆市教育考试院审核员"
        );
        assert_eq!(
            who_of("审核员小李", "重庆大学", "审核员"),
            "审核员小李（重庆大学）"
        );
    }
}

fn org_kind_label(code: &str) -> String {
    domain::OrgKind::from_code(code)
        .map(|k| k.label().to_owned())
        .unwrap_or_else(|| code.to_owned())
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    org_name: String,
    org_kind: String,
    roles: String,
    /// Candidates in scope; `None` for an account that may not see them.
    candidates: Option<u64>,
    reader: bool,
    importer: bool,
    /// Graduation applications waiting for this organisation; `None` when it reviews none.
    reviews_pending: Option<u64>,
    /// Of those, (已逾期, 即将到期) by their stage's 办理时限; `None` when it reviews none.
    reviews_due: Option<(u64, u64)>,
    /// An admin of a chief university: writes the 公告 of each batch.
    writes_announcements: bool,
}

/// How many applications waiting for `org` are overdue and how many due within one working
/// day, each counted on the range of the due-date index the queue's filter reads.
async fn due_counts(
    state: &AppState,
    org: &store::entity::organisation::Model,
) -> Result<(u64, u64), AppError> {
    use store::graduation::application::{DueRange, QueueFilter, queue_count};
    let now = state.now();
    let cal = store::repo::calendar::load(&state.db).await?;
    let within = |due| QueueFilter {
        due: Some(due),
        ..Default::default()
    };
    let overdue = queue_count(&state.db, org, &within(DueRange::overdue(now))).await?;
    let soon = queue_count(&state.db, org, &within(DueRange::due_soon(&cal, now))).await?;
    Ok((overdue, soon))
}

/// GET /staff (工作台)
pub async fn dashboard(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> Result<Html<String>, AppError> {
    // Counts of candidates and applications are for those who may see them.
    let reader = me.roles.may_read();
    let candidates = if reader {
        Some(
            candidates::list_in_scope(&state.db, &me.org, None, 0, 1)
                .await?
                .1,
        )
    } else {
        None
    };
    let reviews = reader && crate::views::review::review_remit(&me.org).is_ok();
    let reviews_pending = if reviews {
        let pending = store::graduation::application::QueueFilter::default();
        Some(store::graduation::application::queue_count(&state.db, &me.org, &pending).await?)
    } else {
        None
    };
    let reviews_due = if reviews {
        Some(due_counts(&state, &me.org).await?)
    } else {
        None
    };
    let page = DashboardPage {
        layout: Layout::staff("工作台", who(&me), &me.ctx, "/staff", &me.roles),
        org_name: me.org.name.clone(),
        org_kind: org_kind_label(&me.org.kind),
        roles: me.roles.label(),
        candidates,
        reader,
        importer: me.roles.has(domain::StaffRole::Importer),
        reviews_pending,
        reviews_due,
        writes_announcements: me.is_admin()
            && me.org.kind == domain::OrgKind::ChiefUniversity.code(),
    };
    Ok(Html(page.render()?))
}

/// One candidate in the list, with personal data masked.
pub struct CandidateRow {
    /// Id for the detail link.
    pub id: i64,
    /// 准考证号.
    pub admission_no: String,
    /// 姓名.
    pub name: String,
    /// 身份证号, masked.
    pub id_card: String,
    /// 联系电话, masked.
    pub phone: String,
    /// 考生类型.
    pub candidate_type: String,
}

#[derive(Template)]
#[template(path = "staff/candidates.html")]
struct CandidatesPage {
    layout: Layout,
    rows: Vec<CandidateRow>,
    total: u64,
    page: u64,
    pages: u64,
    q: String,
    /// 导出 of what the search shows.
    export: String,
}

/// Query of the candidate list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<u64>,
}

const PER_PAGE: u64 = 50;

/// GET /staff/candidates: the organisation's candidates, paged, searchable by 准考证号 or 姓名.
pub async fn candidates(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    let page = q.page.unwrap_or(1).max(1);
    let (list, total) =
        candidates::list_in_scope(&state.db, &me.org, Some(&q.q), page - 1, PER_PAGE).await?;
    let rows = list
        .iter()
        .map(|c| CandidateRow {
            id: c.id,
            admission_no: c.admission_no.clone(),
            name: c.name.clone(),
            id_card: util::mask_id(&c.id_card_no),
            phone: util::mask_phone(c.phone.as_deref()),
            candidate_type: domain::CandidateType::from_code(&c.candidate_type)
                .map(|t| t.label().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let page_view = CandidatesPage {
        layout: Layout::staff("考生", who(&me), &me.ctx, "/staff/candidates", &me.roles),
        rows,
        total,
        page,
        pages: total.div_ceil(PER_PAGE).max(1),
        export: crate::paging::link(
            "/staff/candidates/export.xlsx",
            &[("q", q.q.clone())],
            store::keyset::PageAt::First,
        ),
        q: q.q,
    };
    Ok(Html(page_view.render()?))
}

/// GET /staff/candidates/export.xlsx (导出): every candidate the list shows under its search, as
/// listed (ID numbers and phones masked), read by 准考证号 in chunks inside one snapshot.
pub async fn candidates_export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<ListQuery>,
) -> Result<axum::response::Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require_read()?;
    let mut x = XlsxExport::new(
        "考生",
        &["准考证号", "姓名", "身份证号", "联系电话", "考生类型"],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut after: Option<String> = None;
    loop {
        let chunk = candidates::chunk_in_scope(
            &snapshot,
            &me.org,
            Some(&q.q),
            after.as_deref(),
            crate::export::CHUNK,
        )
        .await?;
        for c in &chunk {
            let id_card = util::mask_id(&c.id_card_no);
            let phone = util::mask_phone(c.phone.as_deref());
            x.push(&[
                Cell::Text(&c.admission_no),
                Cell::Text(&c.name),
                Cell::Text(&id_card),
                Cell::Text(&phone),
                Cell::Text(
                    domain::CandidateType::from_code(&c.candidate_type)
                        .map(|t| t.label())
                        .unwrap_or(""),
                ),
            ])?;
        }
        if (chunk.len() as u64) < crate::export::CHUNK {
            break;
        }
        after = chunk.last().map(|c| c.admission_no.clone());
    }
    let name = format!(
        "考生-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

#[derive(Template)]
#[template(path = "staff/candidate.html")]
struct CandidatePage {
    layout: Layout,
    id: i64,
    p: ProfileView,
    sheets: Vec<crate::views::accounts::candidate::PlanSheet>,
    /// A one-time password just issued, shown this once.
    one_time: Option<String>,
}

/// GET /staff/candidates/{id}: one candidate, only within the organisation's scope; a candidate
/// outside it looks exactly like one that does not exist.
pub async fn candidate_detail(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    me.require_read()?;
    Ok(Html(render_candidate(&state, &me, id, None).await?))
}

/// POST /staff/candidates/{id}/reset-password: a one-time password for a candidate of the
/// organisation's scope who has lost the phone, shown once on the page that answers; the candidate
/// must change it at the next sign-in.
pub async fn reset_candidate_password(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, AppError> {
    me.require(domain::StaffRole::Reviewer)?;
    use axum::response::IntoResponse;
    // The scope check first: outside it looks like nothing there.
    render_candidate(&state, &me, id, None).await?;
    let password = store::accounts::reset_to_one_time(
        &state.db,
        store::accounts::Me::Candidate(id),
        store::accounts::ResetBy::Staff(me.staff.id),
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await?;
    let html = render_candidate(&state, &me, id, Some(password)).await?;
    // The password is in this answer only: no cache may keep it.
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Html(html),
    )
        .into_response())
}

async fn render_candidate(
    state: &AppState,
    me: &CurrentStaff,
    id: i64,
    one_time: Option<String>,
) -> Result<String, AppError> {
    let c = match candidates::get_in_scope(&state.db, &me.org, id).await {
        Ok(c) => c,
        Err(store::repo::RepoError::NotFound) => {
            tracing::warn!(
                staff = me.staff.id,
                org = me.org.id,
                candidate = id,
                "request denied: candidate outside scope or missing"
            );
            return Err(AppError::NotFound(
                "未找到该考生，或该考生不在本机构的管辖范围内。".to_owned(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let records = reference::scores_of(&state.db, c.id).await?;
    let names =
        reference::course_names_of(&state.db, records.iter().map(|r| r.course_code.as_str()))
            .await?;
    let mut sheets = Vec::new();
    for m in reference::enrolled_majors(&state.db, c.id).await? {
        let plan = reference::plan(&state.db, m.major.id).await?;
        let line = crate::views::accounts::candidate::MajorLine {
            code: m.major.code.clone(),
            name: m.major.name.clone(),
            level: domain::Level::from_code(&m.major.level)
                .map(|l| l.label().to_owned())
                .unwrap_or_default(),
            university: m.university.clone(),
        };
        sheets.push(plan_sheet(line, &plan, &records, &names));
    }
    let mut p = ProfileView::of(&c);
    p.phone = util::mask_phone(c.phone.as_deref());
    let page = CandidatePage {
        layout: Layout::staff("考生详情", who(me), &me.ctx, "/staff/candidates", &me.roles),
        id: c.id,
        p,
        sheets,
        one_time,
    };
    Ok(page.render()?)
}

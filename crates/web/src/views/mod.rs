//! Server-rendered pages (askama templates in `templates/`), one module per area.

pub mod accounts;
pub mod appeal;
pub mod degree;
pub mod graduation;
pub mod language;
pub mod payment;
pub mod review;
pub mod verify;

use crate::session::SessionCtx;

/// One entry of the portal menu; an empty `href` is a group heading.
pub struct MenuItem {
    /// Label from the seeds.
    pub label: &'static str,
    /// Target.
    pub href: &'static str,
    /// Whether this is the current page.
    pub active: bool,
}

/// What the shared page frame shows.
pub struct Layout {
    /// Page title.
    pub title: String,
    /// Who is signed in, shown beside the logout button.
    pub who: Option<String>,
    /// The portal menu.
    pub menu: Vec<MenuItem>,
    /// Token for the logout form.
    pub csrf: String,
}

impl Layout {
    /// A frame without menu (sign-in pages).
    pub fn bare(title: &str, ctx: &SessionCtx) -> Layout {
        Layout {
            title: title.to_owned(),
            who: None,
            menu: Vec::new(),
            csrf: ctx.csrf(),
        }
    }

    fn with_menu(
        title: &str,
        who: String,
        ctx: &SessionCtx,
        items: &[(&'static str, &'static str)],
        active: &str,
    ) -> Layout {
        Layout {
            title: title.to_owned(),
            who: Some(who),
            menu: items
                .iter()
                .map(|(label, href)| MenuItem {
                    label,
                    href,
                    active: !href.is_empty() && *href == active,
                })
                .collect(),
            csrf: ctx.csrf(),
        }
    }

    /// The candidate portal (seed 001's menu; entries appear as their flows are finished).
    pub fn candidate(title: &str, name: &str, ctx: &SessionCtx, active: &str) -> Layout {
        Self::with_menu(
            title,
            format!("考生：{name}"),
            ctx,
            &[
                ("考生信息", ""),
                ("个人信息", "/candidate/profile"),
                ("修改信息", "/candidate/profile/edit"),
                ("在籍专业", "/candidate/majors"),
                ("成绩查询", "/candidate/scores"),
                ("13位准考证查询", "/candidate/legacy"),
                ("成绩补录", "/candidate/backfills"),
                ("免考申请", "/candidate/exemptions"),
                ("考籍办理", ""),
                ("毕业条件自查", "/candidate/graduation"),
                ("毕业申请", "/candidate/application"),
                ("审核进度", "/candidate/application/progress"),
                ("考籍更正", "/candidate/corrections"),
                ("收件箱", "/candidate/inbox"),
                ("我的账号", "/candidate/account"),
            ],
            active,
        )
    }

    /// The continuing-education student portal (seed 002's menu).
    pub fn student(title: &str, name: &str, ctx: &SessionCtx, active: &str) -> Layout {
        Self::with_menu(
            title,
            format!("学生：{name}"),
            ctx,
            &[
                ("个人信息", "/student/profile"),
                ("成绩查询", "/student/scores"),
                ("学位外语", "/student/language"),
                ("学位申请", "/student/degree"),
                ("收件箱", "/student/inbox"),
                ("我的账号", "/student/account"),
            ],
            active,
        )
    }

    /// The staff workspace; the import page only for admins. 毕业审核 and 考籍更正 are listed for
    /// everyone: each page itself tells staff of organisations that do not review there where
    /// those applications go.
    pub fn staff(
        title: &str,
        who: String,
        ctx: &SessionCtx,
        active: &str,
        roles: &domain::Roles,
    ) -> Layout {
        let mut items: Vec<(&'static str, &'static str)> =
            vec![("工作台", "/staff"), ("消息", "/staff/inbox")];
        // Only what the account's roles open: a link that would answer 403 is not offered.
        if roles.may_read() {
            items.extend([
                ("考生", "/staff/candidates"),
                ("毕业审核", "/staff/reviews"),
                ("前置学历审核", "/staff/prior-reviews"),
                ("成绩补录", "/staff/backfills"),
                ("考籍更正", "/staff/corrections"),
                ("学位外语审核", "/staff/language"),
                ("学位审核", "/staff/degree"),
                ("申辩复核", "/staff/appeals"),
            ]);
        }
        if roles.has(domain::StaffRole::Reviewer) {
            items.push(("免考审核", "/staff/exemptions"));
        }
        if roles.is_admin() {
            items.push(("人员账号", "/staff/accounts"));
            items.push(("审计日志", "/staff/audit"));
        }
        if roles.has(domain::StaffRole::Importer) {
            items.push(("数据导入", "/staff/imports"));
        }
        if roles.is_admin() {
            items.push(("学位条件设置", "/staff/degree-rules"));
            items.push(("学位批次", "/staff/degree-batches"));
            items.push(("毕业办理设置", "/staff/province-settings"));
            items.push(("毕业批次", "/staff/batches"));
        }
        if roles.has(domain::StaffRole::Finance) {
            items.push(("缴费与退费", "/staff/payments"));
        }
        items.push(("我的账号", "/staff/account"));
        Self::with_menu(title, who, ctx, &items, active)
    }
}

/// A stored file (a candidate's scan) as its owner or a reviewer opens it: never cached, as it
/// holds personal data.
pub(crate) async fn private_object(
    state: &crate::AppState,
    key: &str,
    content_type: &str,
) -> Result<axum::response::Response, crate::error::AppError> {
    use axum::response::IntoResponse;
    let bytes = state
        .objects
        .get(key)
        .await
        .map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

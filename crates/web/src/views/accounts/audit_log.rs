//! 审计日志 for an organisation's admin: who did what to which subject, when and from where,
//! newest first, 50 rows a page paged by key, narrowed by 操作人, 操作, 对象 and 起止时间 (Beijing
//! dates). An admin reads the rows of staff of its organisation and those below, of candidates
//! registered there and of students of its school; the system's rows only at a root (the
//! office, a school). The rows are [`store::repo::audit::search`]'s; the API's
//! `GET /api/v1/audit` reads the same through [`read`].

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;
use store::repo::audit::{self as log, ActorName, Cursor, Filter, Scope};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentStaff;
use crate::views::Layout;
use crate::views::accounts::staff::who;

/// Rows a page holds.
pub const PAGE_SIZE: u64 = 50;

/// The filters, as the page's GET form and `GET /api/v1/audit` send them; an empty value leaves
/// a filter open.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 操作人：工作人员用户名、准考证号或学号（完全一致）。
    #[param(max_length = 64)]
    pub actor: Option<String>,
    /// 操作：操作代码（如 login.failed），完全一致。
    #[param(max_length = 60)]
    pub action: Option<String>,
    /// 对象类型（如 staff、candidate、graduation_application）。
    #[param(max_length = 40)]
    pub subject: Option<String>,
    /// 对象 id。
    #[param(pattern = r"^[0-9]*$", max_length = 19)]
    pub subject_id: Option<String>,
    /// 开始日期（北京时间，含当日），YYYY-MM-DD。
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// 结束日期（北京时间，含当日），YYYY-MM-DD。
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: Option<String>,
    /// 翻页位置：上一页返回的 next（时间_编号），省略时从最新的一条开始。
    #[param(pattern = r"^([0-9]+_[0-9]+)?$", max_length = 60)]
    pub after: Option<String>,
}

/// A trimmed value, `None` when empty.
fn given(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The first instant of a Beijing date.
fn beijing_midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    Shanghai
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn date(field: &str, label: &str, v: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    match given(v) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::refused(field, format!("{label}应为 YYYY-MM-DD 格式的日期"))),
    }
}

/// What `me` may read, as the store's scope.
fn scope_of(me: &CurrentStaff) -> Scope {
    Scope {
        org_path: me.org.path.clone(),
        root: me.org.parent_id.is_none(),
    }
}

/// The store's filter and cursor for `q`, within what `me` may read.
fn filter_of(me: &CurrentStaff, q: &AuditQuery) -> Result<(Filter, Option<Cursor>), AppError> {
    let subject_id = match given(&q.subject_id) {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .map_err(|_| AppError::refused("subject_id", "对象编号应为数字"))?,
        ),
    };
    let from = date("from", "开始日期", &q.from)?;
    let to = date("to", "结束日期", &q.to)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::refused("to", "结束日期不能早于开始日期"));
    }
    let after = match given(&q.after) {
        None => None,
        Some(s) => Some(
            Cursor::decode(&s)
                .ok_or_else(|| AppError::refused("after", "翻页位置无效，请从第一页开始"))?,
        ),
    };
    Ok((
        Filter {
            scope: Some(scope_of(me)),
            actor: given(&q.actor),
            action: given(&q.action),
            subject_kind: given(&q.subject),
            subject_id,
            from: from.and_then(beijing_midnight),
            until: to
                .and_then(|d| d.checked_add_signed(Duration::days(1)))
                .and_then(beijing_midnight),
        },
        after,
    ))
}

/// A 准考证号 or 学号 for lists: the first 4 and the last 2 characters kept ("0121****34").
pub fn mask_number(no: &str) -> String {
    let chars: Vec<char> = no.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars.iter().take(4).collect();
    let tail: String = chars.iter().skip(chars.len() - 2).collect();
    format!("{head}****{tail}")
}

/// Who acted, as a row shows it.
fn actor_label(e: &log::Entry) -> String {
    match &e.actor {
        ActorName::Staff(u) => format!("工作人员 {u}"),
        ActorName::Candidate(n) => format!("考生 {}", mask_number(n)),
        ActorName::Student(n) => format!("学生 {}", mask_number(n)),
        ActorName::Other => match e.row.actor_kind.as_str() {
            "system" => "系统".to_owned(),
            kind => format!("{kind} #{}", e.row.actor_id.unwrap_or_default()),
        },
    }
}

/// The Chinese name of an action code, when it has one.
pub fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "login.succeeded" => "登录成功",
        "login.failed" => "登录失败",
        "login.password_accepted" => "密码正确，待两步验证",
        "login.code_failed" => "两步验证失败",
        "account.activated" => "激活账号",
        "account.password_changed" => "修改密码",
        "account.password_recovered" => "找回密码",
        "account.password_reset" => "重置密码",
        "account.phone_changed" => "更换手机号",
        "account.sessions_ended" => "退出全部登录",
        "staff.created" => "新建人员账号",
        "staff.disabled" => "停用账号",
        "staff.enabled" => "启用账号",
        "staff.roles_changed" => "修改角色",
        "staff.totp_cleared" => "清除两步验证",
        "staff.unlocked" => "解除锁定",
        "totp.enabled" => "启用两步验证",
        "totp.disabled" => "关闭两步验证",
        "totp.enrolment_started" => "开始设置两步验证",
        "totp.phone_changed" => "更换两步验证手机",
        "totp.recovery_codes_regenerated" => "重新生成恢复码",
        "org.created" => "新建机构",
        "org.totp_required" => "要求两步验证",
        "org.totp_requirement_lifted" => "取消两步验证要求",
        "batch.created" => "新建批次",
        "batch.moved" => "调整批次时间",
        "batch.window_changed" => "调整批次时间",
        "batch.closed" => "结束批次申请",
        "province_settings.set" => "修改毕业办理设置",
        "degree_rules.set" => "修改学位条件",
        "candidate.contact_updated" => "修改联系方式",
        "candidate.enrolled_major_added" => "添加报考专业",
        "candidate.record_corrected" => "更正考籍",
        "record_correction.submitted" => "提交考籍更正",
        "record_correction.approved" => "同意考籍更正",
        "record_correction.rejected" => "驳回考籍更正",
        "graduation_application.opened" => "开始毕业申请",
        "graduation_application.section_saved" => "保存毕业申请",
        "graduation_application.file_uploaded" => "上传材料",
        "graduation_application.file_removed" => "删除材料",
        "graduation_application.photo_accepted" => "确认照片",
        "graduation_application.submitted" => "提交毕业申请",
        "graduation_application.closed" => "关闭毕业申请",
        "graduation_application.deadline_reminded" => "发送截止提醒",
        "review.due_reminder_sent" => "发送办理时限提醒",
        "review.due_escalated" => "办理时限督办",
        "notification.channels_changed" => "修改消息通知方式",
        "delegation.created" => "委托审核工作",
        "delegation.revoked" => "撤销工作委托",
        "notification.email_confirmed" => "验证通知邮箱",
        "notification.email_removed" => "删除通知邮箱",
        "graduation_application.wrong_major_requested" => "申请更换专业",
        "prior_education.submitted_for_manual_review" => "提交前置学历人工审核",
        "prior_education.stamped_copy_uploaded" => "上传前置学历盖章件",
        "prior_education.originals_checked" => "核验前置学历原件",
        "prior_education.approved" => "前置学历审核通过",
        "prior_education.rejected" => "前置学历审核不通过",
        "score_backfill.filed" => "申请成绩补录",
        "score_backfill.approved" => "同意成绩补录",
        "score_backfill.rejected" => "驳回成绩补录",
        "language_application.filed" => "申请学位外语",
        "language_application.reviewed" => "审核学位外语",
        "language_application.withdrawn" => "撤回学位外语申请",
        "degree_application.saved" => "保存学位申请",
        "degree_application.file_uploaded" => "上传学位材料",
        "degree_application.submitted" => "提交学位申请",
        "payment_order.created" => "创建缴费订单",
        "payment_order.paid" => "缴费成功",
        "refund.queued" => "申请退费",
        "refund.executed" => "退费完成",
        "exemption.imported" => "导入免考记录",
        "legacy_admission_no.linked" => "关联旧准考证号",
        "demo.seeded" => "生成演示数据",
        _ => return None,
    })
}

/// One row as shown and as the API answers it.
#[derive(Debug, Clone)]
pub struct Line {
    /// The row's id.
    pub id: i64,
    /// When, UTC.
    pub at: DateTime<Utc>,
    /// 时间, Beijing.
    pub at_beijing: String,
    /// 操作人.
    pub actor: String,
    /// The action code.
    pub action: String,
    /// 操作: its Chinese name, or the code.
    pub action_label: String,
    /// 对象: kind and id.
    pub subject: String,
    /// 详情.
    pub detail: String,
    /// IP.
    pub ip: String,
}

/// A page of lines and where the next starts.
pub struct Read {
    /// The rows, newest first.
    pub lines: Vec<Line>,
    /// The `after` of the next page, when there is one.
    pub next: Option<String>,
}

/// The rows `q` asks for that `me` may read: for admins only (403 otherwise, naming the role).
pub async fn read(state: &AppState, me: &CurrentStaff, q: &AuditQuery) -> Result<Read, AppError> {
    me.require(domain::StaffRole::Admin)?;
    let (filter, after) = filter_of(me, q)?;
    let page = log::search(&state.db, &filter, after, PAGE_SIZE).await?;
    let lines = page.entries.iter().map(line_of).collect();
    Ok(Read {
        lines,
        next: page.next.map(|c| c.encode()),
    })
}

/// One row as the page shows it (candidates' and students' numbers masked).
fn line_of(e: &log::Entry) -> Line {
    Line {
        id: e.row.id,
        at: e.row.at,
        at_beijing: e
            .row
            .at
            .with_timezone(&Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        actor: actor_label(e),
        action_label: action_label(&e.row.action)
            .map(str::to_owned)
            .unwrap_or_else(|| e.row.action.clone()),
        action: e.row.action.clone(),
        subject: match e.row.subject_id {
            Some(id) => format!("{} #{id}", e.row.subject_kind),
            None => e.row.subject_kind.clone(),
        },
        detail: e.row.detail.clone(),
        ip: e.row.ip.clone().unwrap_or_default(),
    }
}

/// GET /staff/audit/export.xlsx (导出): every row the filters let through, newest first, as the
/// page shows them; for admins only, like the page.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    use tabular::export::{Cell, XlsxExport};
    me.require(domain::StaffRole::Admin)?;
    // The whole log under the filters, whatever page the link came from.
    let q = AuditQuery { after: None, ..q };
    let (filter, _) = filter_of(&me, &q)?;
    let mut x = XlsxExport::new(
        "审计日志",
        &["时间", "操作人", "操作", "操作代码", "对象", "详情", "IP"],
    )?;
    let snapshot = crate::export::snapshot(&state.db).await?;
    let mut after = None;
    loop {
        let page = log::search(&snapshot, &filter, after, crate::export::CHUNK).await?;
        for l in page.entries.iter().map(line_of) {
            x.push(&[
                Cell::Text(&l.at_beijing),
                Cell::Text(&l.actor),
                Cell::Text(&l.action_label),
                Cell::Text(&l.action),
                Cell::Text(&l.subject),
                Cell::Text(&l.detail),
                Cell::Text(&l.ip),
            ])?;
        }
        match page.next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    let name = format!(
        "审计日志-{}.xlsx",
        domain::calendar::beijing_date(state.now()).format("%Y%m%d")
    );
    crate::export::download(x, &name).await
}

#[derive(Template)]
#[template(path = "staff/audit_log.html")]
struct Page {
    layout: Layout,
    q: Shown,
    actions: Vec<(String, String)>,
    lines: Vec<Line>,
    next: Option<String>,
    error: Option<String>,
}

/// The filters as typed, for the form and the next page's link.
#[derive(Default)]
struct Shown {
    actor: String,
    action: String,
    subject: String,
    subject_id: String,
    from: String,
    to: String,
    first_page: bool,
}

impl Shown {
    fn of(q: &AuditQuery) -> Shown {
        let v = |o: &Option<String>| given(o).unwrap_or_default();
        Shown {
            actor: v(&q.actor),
            action: v(&q.action),
            subject: v(&q.subject),
            subject_id: v(&q.subject_id),
            from: v(&q.from),
            to: v(&q.to),
            first_page: given(&q.after).is_none(),
        }
    }

    /// 导出 with the same filters.
    fn export_href(&self) -> String {
        self.href("/staff/audit/export.xlsx", None)
    }

    /// The query string of the page after `cursor`, with the same filters.
    fn next_href(&self, cursor: &str) -> String {
        self.href("/staff/audit", Some(cursor))
    }

    /// `path` with the filters and, when given, the cursor.
    fn href(&self, path: &str, cursor: Option<&str>) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("subject", &self.subject),
            ("subject_id", &self.subject_id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                pairs.push((k, v));
            }
        }
        if let Some(c) = cursor {
            pairs.push(("after", c));
        }
        format!(
            "{path}?{}",
            serde_html_form::to_string(&pairs).unwrap_or_default()
        )
    }
}

/// GET /staff/audit
pub async fn page(
    State(state): State<AppState>,
    me: CurrentStaff,
    Query(q): Query<AuditQuery>,
) -> Result<Html<String>, AppError> {
    me.require(domain::StaffRole::Admin)?;
    let (lines, next, error) = match read(&state, &me, &q).await {
        Ok(r) => (r.lines, r.next, None),
        Err(e) => match e.refusal() {
            Some(m) => (Vec::new(), None, Some(m)),
            None => return Err(e),
        },
    };
    let shown = Shown::of(&q);
    let mut actions: Vec<(String, String)> = log::actions(&state.db)
        .await?
        .into_iter()
        .map(|code| {
            let label = match action_label(&code) {
                Some(l) => format!("{l}（{code}）"),
                None => code.clone(),
            };
            (code, label)
        })
        .collect();
    if !shown.action.is_empty() && !actions.iter().any(|(c, _)| *c == shown.action) {
        actions.push((shown.action.clone(), shown.action.clone()));
    }
    let next = next.map(|c| shown.next_href(&c));
    Ok(Html(
        Page {
            layout: Layout::staff("审计日志", who(&me), &me.ctx, "/staff/audit", &me.roles),
            q: shown,
            actions,
            lines,
            next,
            error,
        }
        .render()?,
    ))
}

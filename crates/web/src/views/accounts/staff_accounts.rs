//! 人员账号 for an organisation's admin: the staff accounts of its organisation and the ones
//! below, a new account with its roles (审核员 for every stage or one named stage, 管理员, 数据导入,
//! 财务, 只读) and a one-time password shown once, 修改角色, 停用/启用, and 重置密码. The rules and
//! the audit rows are [`store::accounts::staff`]'s.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::accounts::staff as accounts;
use store::repo::RepoError;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentAdmin;
use crate::views::Layout;
use crate::views::accounts::staff::who;

struct Row {
    id: i64,
    username: String,
    name: String,
    /// 手机号, masked.
    phone: String,
    org: String,
    roles: String,
    state: &'static str,
    disabled: bool,
    locked: bool,
    me: bool,
    /// Signs in with two factors.
    totp: bool,
}

/// What was just issued, shown once.
struct Issued {
    username: String,
    password: String,
    what: &'static str,
}

/// One role a checkbox offers: the form value, its label and whether it is ticked.
pub(crate) struct RoleBox {
    value: String,
    label: String,
    checked: bool,
}

/// The checkboxes for `stages`, ticked as in `picked`.
fn role_boxes(stages: &[String], picked: &[String]) -> Vec<RoleBox> {
    use domain::StaffRole::*;
    let mut out: Vec<(String, String)> = vec![(
        Reviewer.code().to_owned(),
        "审核员（本机构参与的全部审核环节）".to_owned(),
    )];
    out.extend(stages.iter().map(|s| {
        (
            format!("{}@{s}", Reviewer.code()),
            format!("审核员（仅“{s}”环节）"),
        )
    }));
    out.push((
        Admin.code().to_owned(),
        "管理员（人员账号和本机构设置，并拥有其他全部角色）".to_owned(),
    ));
    out.push((
        Importer.code().to_owned(),
        "数据导入（考生、学生、成绩和计划导入）".to_owned(),
    ));
    out.push((Finance.code().to_owned(), "财务（缴费和退费）".to_owned()));
    out.push((
        ReadOnly.code().to_owned(),
        "只读（查看列表和报表，不能修改）".to_owned(),
    ));
    out.into_iter()
        .map(|(value, label)| RoleBox {
            checked: picked.contains(&value),
            value,
            label,
        })
        .collect()
}

/// The roles ticked, refused when none is or a stage name is too long.
fn parse_roles(values: &[String]) -> Result<domain::Roles, RepoError> {
    let reviewer_at = format!("{}@", domain::StaffRole::Reviewer.code());
    let grants = values
        .iter()
        .filter_map(|v| match v.strip_prefix(&reviewer_at) {
            Some(stage) => Some(domain::Grant::reviewer_at(stage)),
            None => domain::StaffRole::from_code(v).map(domain::Grant::of),
        });
    domain::Roles::parse(grants).map_err(|e| RepoError::Invalid(e.0))
}

/// The form values of roles an account holds.
fn role_values(roles: &domain::Roles) -> Vec<String> {
    roles
        .grants()
        .iter()
        .map(|g| match &g.stage {
            Some(s) => format!("{}@{s}", g.role.code()),
            None => g.role.code().to_owned(),
        })
        .collect()
}

/// The stages a reviewer of any organisation of the subtree can be limited to.
async fn subtree_stages(
    state: &AppState,
    orgs: &[store::entity::organisation::Model],
) -> Result<Vec<String>, AppError> {
    let mut seen_kinds = std::collections::HashSet::new();
    let mut names: Vec<String> = Vec::new();
    for o in orgs {
        // Schools have stage lists of their own; every other kind's follow from the province.
        let school = o.kind == domain::OrgKind::ContinuingEdSchool.code();
        if !school && !seen_kinds.insert((o.kind.clone(), o.province.clone())) {
            continue;
        }
        for n in accounts::stage_names(&state.db, o).await? {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    Ok(names)
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct Page {
    layout: Layout,
    rows: Vec<Row>,
    orgs: Vec<(i64, String)>,
    boxes: Vec<RoleBox>,
    f: NewForm,
    issued: Option<Issued>,
    message: Option<String>,
    error: Option<String>,
    two_factor: super::two_factor::AccountsPart,
}

/// The new-account form, kept as typed after a refusal.
#[derive(Debug, Deserialize, Default)]
pub struct NewForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    org_id: Option<i64>,
    #[serde(default)]
    roles: Vec<String>,
}

/// `?done=`.
#[derive(Debug, Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

async fn render(
    state: &AppState,
    me: &CurrentAdmin,
    f: NewForm,
    issued: Option<Issued>,
    message: Option<String>,
    error: Option<String>,
) -> Result<String, AppError> {
    let lines = accounts::list(&state.db, &me.0.org, state.now()).await?;
    let ids: Vec<i64> = lines.iter().map(|l| l.staff.id).collect();
    let two_factor = super::two_factor::accounts_part(state, &me.0, &ids).await?;
    let rows = lines
        .into_iter()
        .map(|l| Row {
            id: l.staff.id,
            totp: two_factor.has(&l.staff.id),
            roles: l.roles.label(),
            locked: l.locked_until.is_some(),
            state: if l.staff.disabled {
                "已停用"
            } else if l.locked_until.is_some() {
                "已锁定（密码错误次数过多）"
            } else if l.staff.must_change_password {
                "待首次修改密码"
            } else {
                "正常"
            },
            disabled: l.staff.disabled,
            me: l.staff.id == me.0.staff.id,
            username: l.staff.username,
            name: l.staff.display_name,
            phone: crate::util::mask_phone(l.staff.phone.as_deref()),
            org: l.org.name,
        })
        .collect();
    let subtree = accounts::subtree(&state.db, &me.0.org).await?;
    let boxes = role_boxes(&subtree_stages(state, &subtree).await?, &f.roles);
    let orgs = subtree
        .into_iter()
        .map(|o| (o.id, format!("{}（{}）", o.name, o.code)))
        .collect();
    Ok(Page {
        layout: Layout::staff(
            "人员账号",
            who(&me.0),
            &me.0.ctx,
            "/staff/accounts",
            &me.0.roles,
        ),
        rows,
        orgs,
        boxes,
        f,
        issued,
        message,
        error,
        two_factor,
    }
    .render()?)
}

/// A page carrying a password: no cache may keep it.
fn once(html: String) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// GET /staff/accounts
pub async fn page(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Query(d): Query<Done>,
) -> Result<Html<String>, AppError> {
    let message = d.done.as_deref().map(|d| match d {
        "disabled" => "账号已停用，其登录已全部退出。".to_owned(),
        "unlocked" => "已解除锁定，本人可用自己的密码登录。".to_owned(),
        "roles" => "角色已修改，下一次操作起生效。".to_owned(),
        other => {
            super::two_factor::accounts_done(other).unwrap_or_else(|| "账号已启用。".to_owned())
        }
    });
    Ok(Html(
        render(&state, &me, NewForm::default(), None, message, None).await?,
    ))
}

async fn refused(
    state: &AppState,
    me: &CurrentAdmin,
    f: NewForm,
    e: RepoError,
) -> Result<Response, AppError> {
    let (status, m) = match e {
        RepoError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        RepoError::Conflict(m) => (StatusCode::CONFLICT, m),
        RepoError::NotFound => {
            return Err(AppError::NotFound(
                "未找到该账号，或它不属于本机构及下级机构".to_owned(),
            ));
        }
        other => return Err(other.into()),
    };
    let html = render(state, me, f, None, None, Some(m)).await?;
    Ok((status, Html(html)).into_response())
}

/// Reads a form with repeated `roles` keys.
fn read_form<T: serde::de::DeserializeOwned>(raw: &[u8]) -> Result<T, AppError> {
    serde_html_form::from_bytes(raw)
        .map_err(|_| AppError::Invalid(vec![(String::new(), "表单内容无效".to_owned())]))
}

/// POST /staff/accounts: a new account.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentAdmin,
    RawForm(raw): RawForm,
) -> Result<Response, AppError> {
    let f: NewForm = read_form(&raw)?;
    let roles = match parse_roles(&f.roles) {
        Ok(r) => r,
        Err(e) => return refused(&state, &me, f, e).await,
    };
    let Some(org_id) = f.org_id else {
        return refused(
            &state,
            &me,
            f,
            RepoError::Invalid("请选择所属机构".to_owned()),
        )
        .await;
    };
    let created = accounts::create(
        &state.db,
        &me.0.staff,
        &me.0.org,
        accounts::NewStaff {
            username: &f.username,
            display_name: &f.display_name,
            phone: &f.phone,
            org_id,
            roles,
        },
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await;
    match created {
        Ok((s, password)) => {
            let issued = Issued {
                username: s.username,
                password,
                what: "账号已创建",
            };
            Ok(once(
                render(&state, &me, NewForm::default(), Some(issued), None, None).await?,
            ))
        }
        Err(e) => refused(&state, &me, f, e).await,
    }
}

#[derive(Template)]
#[template(path = "staff/account_roles.html")]
struct RolesPage {
    layout: Layout,
    id: i64,
    username: String,
    name: String,
    org: String,
    held: String,
    boxes: Vec<RoleBox>,
    error: Option<String>,
}

/// The ticked roles of a role form.
#[derive(Debug, Deserialize, Default)]
pub struct RolesForm {
    #[serde(default)]
    roles: Vec<String>,
}

async fn render_roles(
    state: &AppState,
    me: &CurrentAdmin,
    id: i64,
    picked: Option<Vec<String>>,
    error: Option<String>,
) -> Result<String, AppError> {
    let s = match accounts::in_subtree(&state.db, &me.0.org, id).await {
        Ok(s) => s,
        Err(RepoError::NotFound) => {
            return Err(AppError::NotFound(
                "未找到该账号，或它不属于本机构及下级机构".to_owned(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let org = store::repo::org::get(&state.db, s.org_id).await?;
    let held = store::repo::staff::roles_of(&state.db, s.id).await?;
    let picked = picked.unwrap_or_else(|| role_values(&held));
    let stages = accounts::stage_names(&state.db, &org).await?;
    Ok(RolesPage {
        layout: Layout::staff(
            "修改角色",
            who(&me.0),
            &me.0.ctx,
            "/staff/accounts",
            &me.0.roles,
        ),
        id: s.id,
        username: s.username,
        name: s.display_name,
        org: org.name,
        held: held.label(),
        boxes: role_boxes(&stages, &picked),
        error,
    }
    .render()?)
}

/// GET /staff/accounts/{id}/roles
pub async fn roles_page(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    Ok(Html(render_roles(&state, &me, id, None, None).await?))
}

/// POST /staff/accounts/{id}/roles
pub async fn roles_save(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
    RawForm(raw): RawForm,
) -> Result<Response, AppError> {
    let f: RolesForm = read_form(&raw)?;
    let saved = match parse_roles(&f.roles) {
        Ok(roles) => {
            accounts::set_roles(
                &state.db,
                &me.0.staff,
                &me.0.org,
                id,
                &roles,
                state.now(),
                Some(me.0.ctx.ip.as_str()),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to("/staff/accounts?done=roles").into_response()),
        Err(RepoError::Invalid(m)) => {
            let html = render_roles(&state, &me, id, Some(f.roles), Some(m)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(RepoError::NotFound) => Err(AppError::NotFound(
            "未找到该账号，或它不属于本机构及下级机构".to_owned(),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(
    state: AppState,
    me: CurrentAdmin,
    id: i64,
    disabled: bool,
) -> Result<Response, AppError> {
    match accounts::set_disabled(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        disabled,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok(()) => {
            let done = if disabled { "disabled" } else { "enabled" };
            Ok(Redirect::to(&format!("/staff/accounts?done={done}")).into_response())
        }
        Err(e) => refused(&state, &me, NewForm::default(), e).await,
    }
}

/// POST /staff/accounts/{id}/disable
pub async fn disable(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_disabled(state, me, id, true).await
}

/// POST /staff/accounts/{id}/enable
pub async fn enable(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    set_disabled(state, me, id, false).await
}

/// POST /staff/accounts/{id}/unlock
pub async fn unlock(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match accounts::unlock(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/staff/accounts?done=unlocked").into_response()),
        Err(e) => refused(&state, &me, NewForm::default(), e).await,
    }
}

/// POST /staff/accounts/{id}/reset-password: a one-time password, shown once.
pub async fn reset(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    match accounts::reset(
        &state.db,
        &me.0.staff,
        &me.0.org,
        id,
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await
    {
        Ok((s, password)) => {
            let issued = Issued {
                username: s.username,
                password,
                what: "密码已重置，该账号的登录已全部退出、登录锁定已解除",
            };
            Ok(once(
                render(&state, &me, NewForm::default(), Some(issued), None, None).await?,
            ))
        }
        Err(e) => refused(&state, &me, NewForm::default(), e).await,
    }
}

/// The routes of 人员账号.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/staff/accounts", get(page).post(create))
        .route("/staff/accounts/{id}/disable", post(disable))
        .route("/staff/accounts/{id}/enable", post(enable))
        .route("/staff/accounts/{id}/unlock", post(unlock))
        .route("/staff/accounts/{id}/reset-password", post(reset))
        .route(
            "/staff/accounts/{id}/roles",
            get(roles_page).post(roles_save),
        )
}

//! 毕业办理设置: a province office's admins set the fee, the upload limit and the 须知 over
//! their province's definition. A batch copies the fee and the limit when it is created, so a
//! change reaches only batches created afterwards; the 须知 shows at once. The code that starts
//! the province's 毕业证书编号 has a form of its own.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use domain::Province;
use domain::graduation::certificate_no::{CertificateRule, RULE_TEXT};
use domain::province::{Settings, SettingsInput, parse_settings};
use serde::Deserialize;
use store::repo::province_settings;

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentAdmin;
use crate::views::Layout;
use crate::views::accounts::staff::who;

#[derive(Template)]
#[template(path = "staff/province_settings.html")]
struct SettingsPage {
    layout: Layout,
    province: &'static str,
    has_fee: bool,
    default_fee: String,
    default_limit: String,
    default_notice: Vec<String>,
    form: SettingsInput,
    errors: Vec<String>,
    saved: bool,
    /// 毕业证书编号的机构代码 as stored or as typed.
    cert_org_code: String,
    /// Why the code was refused.
    cert_errors: Vec<String>,
    /// The national layout the code starts.
    cert_rule: &'static str,
}

/// `?saved=1`.
#[derive(Deserialize, Default)]
pub struct SavedFlag {
    #[serde(default)]
    saved: Option<String>,
}

/// The province whose office the admin works at; anyone else is refused.
fn office_province(me: &CurrentAdmin) -> Result<Province, AppError> {
    let org = &me.0.org;
    match org.province.as_deref().and_then(Province::from_code) {
        Some(p) if org.kind == p.office().code() => Ok(p),
        _ => {
            tracing::warn!(
                staff = me.0.staff.id,
                "request denied: province settings outside a province office"
            );
            Err(AppError::Forbidden(
                "毕业办理设置仅限省级考试机构（如市自考办、省招生考试院）的管理员使用".to_owned(),
            ))
        }
    }
}

fn input_of(s: &Settings) -> SettingsInput {
    SettingsInput {
        fee_yuan: s.fee_fen.map(domain::review::yuan).unwrap_or_default(),
        scan_limit_k: s
            .scan_max_bytes
            .map(|b| (b / 1024).to_string())
            .unwrap_or_default(),
        notice: s.notice.as_ref().map(|n| n.join("\n")).unwrap_or_default(),
    }
}

fn page(
    me: &CurrentAdmin,
    p: Province,
    form: SettingsInput,
    errors: Vec<String>,
    saved: bool,
) -> SettingsPage {
    SettingsPage {
        cert_org_code: String::new(),
        cert_errors: Vec::new(),
        cert_rule: RULE_TEXT,
        layout: Layout::staff(
            "毕业办理设置",
            who(&me.0),
            &me.0.ctx,
            "/staff/province-settings",
            &me.0.roles,
        ),
        province: p.label(),
        has_fee: p.has_fee(),
        default_fee: p.fee_fen().map(domain::review::yuan).unwrap_or_default(),
        default_limit: (p.form().scan_max_bytes / 1024).to_string(),
        default_notice: p.definition().notice.clone(),
        form,
        errors,
        saved,
    }
}

/// GET /staff/province-settings
pub async fn settings_page(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Query(q): Query<SavedFlag>,
) -> Result<Html<String>, AppError> {
    let p = office_province(&me)?;
    let s = province_settings::get(&state.db, p.code()).await?;
    let mut view = page(&me, p, input_of(&s), Vec::new(), q.saved.is_some());
    view.cert_org_code = province_settings::certificate_rule(&state.db, p.code())
        .await?
        .map(|r| r.org_code().to_owned())
        .unwrap_or_default();
    Ok(Html(view.render()?))
}

/// The 毕业证书编号 form.
#[derive(Deserialize, Default)]
pub struct CertificateRuleForm {
    #[serde(default)]
    cert_org_code: String,
}

/// POST /staff/province-settings/certificate-rule: the five-digit code that starts the
/// province's 毕业证书编号; refused, with the rule named, unless it is five digits.
pub async fn certificate_rule_save(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Form(f): Form<CertificateRuleForm>,
) -> Result<Response, AppError> {
    let p = office_province(&me)?;
    let rule = match CertificateRule::parse(&f.cert_org_code) {
        Ok(r) => r,
        Err(e) => {
            let s = province_settings::get(&state.db, p.code()).await?;
            let mut view = page(&me, p, input_of(&s), Vec::new(), false);
            view.cert_org_code = f.cert_org_code;
            view.cert_errors = vec![e.0];
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response());
        }
    };
    province_settings::set_certificate_rule(
        &state.db,
        p.code(),
        &rule,
        (me.0.staff.id, me.0.org.id),
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await?;
    Ok(Redirect::to("/staff/province-settings?saved=1").into_response())
}

/// POST /staff/province-settings
pub async fn settings_save(
    State(state): State<AppState>,
    me: CurrentAdmin,
    Form(f): Form<SettingsInput>,
) -> Result<Response, AppError> {
    let p = office_province(&me)?;
    let s = match parse_settings(p, &f) {
        Ok(s) => s,
        Err(list) => {
            let errors = list.into_iter().map(|(_, m)| m).collect();
            let html = page(&me, p, f, errors, false).render()?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    province_settings::set(
        &state.db,
        p.code(),
        &s,
        (me.0.staff.id, me.0.org.id),
        state.now(),
        Some(me.0.ctx.ip.as_str()),
    )
    .await?;
    Ok(Redirect::to("/staff/province-settings?saved=1").into_response())
}

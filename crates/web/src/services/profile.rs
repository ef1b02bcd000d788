//! The candidate's own record, shared by 考生信息 (`views::accounts::candidate`) and the API: 修改信息 and
//! 新增在籍专业.

use store::repo::{RepoError, candidate, reference};

use crate::AppState;
use crate::error::AppError;
use crate::session::CurrentCandidate;

/// 修改信息: both fields checked, each refusal naming its field; on any refusal nothing is
/// saved.
pub async fn change_contact(
    state: &AppState,
    me: &CurrentCandidate,
    phone: &str,
    address: &str,
) -> Result<store::entity::candidate::Model, AppError> {
    let phone = domain::Phone::parse(phone);
    let address = domain::validate_address(address);
    let mut errors = Vec::new();
    if let Err(e) = &phone {
        errors.push(("phone".to_owned(), e.to_string()));
    }
    if let Err(e) = &address {
        errors.push(("address".to_owned(), e.to_string()));
    }
    // A recorded phone receives the recovery codes: another takes a code to it (更换手机号).
    if let (Ok(p), Some(current)) = (&phone, me.model.phone.as_deref())
        && p.as_str() != current
    {
        errors.push((
            "phone".to_owned(),
            format!(
                "已登记的手机号 {} 用于找回密码，更换须验证新号码：请到“我的账号—更换手机号”办理",
                domain::otp::mask_phone(current)
            ),
        ));
    }
    let (Ok(phone), Ok(address)) = (phone, address) else {
        return Err(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(candidate::change_contact(
        &state.db,
        me.model.id,
        &phone,
        &address,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await?)
}

/// 新增在籍专业: a major of the candidate's province, once.
pub async fn add_major(
    state: &AppState,
    me: &CurrentCandidate,
    major_id: i64,
) -> Result<(), AppError> {
    match reference::enrol(
        &state.db,
        me.model.id,
        &me.model.province,
        major_id,
        state.now(),
        Some(me.ctx.ip.as_str()),
    )
    .await
    {
        Err(RepoError::NotFound) => Err(AppError::refused("major_id", "所选专业不存在。")),
        Err(RepoError::Invalid(m)) => Err(AppError::refused("major_id", m)),
        other => Ok(other?),
    }
}

//! 消息通知, shared by the page (`views::accounts::notifications`) and the API
//! (`api::notifications`): choosing channels, and confirming an address with a mailed code.

use store::mail::{EmailMessage, mask_address};
use store::notifications as notify;
use store::repo::RepoError;
use store::repo::inbox::Recipient;

use crate::AppState;
use crate::error::AppError;

fn field(name: &str, e: RepoError) -> AppError {
    match e {
        RepoError::Invalid(m) | RepoError::Conflict(m) => {
            AppError::Invalid(vec![(name.to_owned(), m)])
        }
        other => other.into(),
    }
}

/// Turns text messages and e-mail on or off; refused, naming the channel, when its phone or
/// address is missing.
pub async fn set_channels(
    state: &AppState,
    to: Recipient,
    sms: bool,
    email: bool,
    ip: &str,
) -> Result<(), AppError> {
    notify::set_channels(&state.db, to, sms, email, Some(ip), state.now())
        .await
        .map_err(|e| field(if email { "email" } else { "sms" }, e))
}

/// Mails a confirmation code to `address`; returns the sentence that says where it went. The
/// request is counted against the client's address like every code request; a code that could
/// not be mailed is withdrawn, so that another may be asked for at once.
pub async fn send_address_code(
    state: &AppState,
    to: Recipient,
    address: &str,
    ip: &str,
) -> Result<String, AppError> {
    // Every code a network asks for counts the same, by text message or by e-mail: a form that
    // mails codes must not become a way to flood someone's mailbox.
    crate::views::accounts::recovery::count_code_request(state, ip)
        .await
        .map_err(|m| AppError::Invalid(vec![("address".to_owned(), m)]))?;
    let code = notify::request_address_code(&state.db, to, address, state.now())
        .await
        .map_err(|e| field("address", e))?;
    let address = address.trim().to_owned();
    let minutes = notify::CODE_VALID.num_minutes();
    let text = domain::messages::channels::confirm_address(&code, minutes);
    let message = EmailMessage {
        to: address.clone(),
        subject: text.subject,
        body: text.body,
    };
    if let Err(e) = state.mail.send(&message).await {
        tracing::error!(to = %mask_address(&address), error = %e, "an address code could not be mailed");
        notify::forget_address_code(&state.db, to).await?;
        return Err(AppError::Invalid(vec![(
            "address".to_owned(),
            "验证邮件发送失败，请检查邮箱地址或稍后重试".to_owned(),
        )]));
    }
    Ok(format!(
        "验证码已发送到 {address}，{minutes}分钟内有效。没有收到请检查垃圾邮件，或1分钟后重新获取。"
    ))
}

/// Confirms the pending address with the code typed; returns the address.
pub async fn confirm_address(
    state: &AppState,
    to: Recipient,
    code: &str,
    ip: &str,
) -> Result<String, AppError> {
    let code = domain::otp::parse_code(code)
        .map_err(|e| AppError::Invalid(vec![("code".to_owned(), e.0)]))?;
    notify::confirm_address(&state.db, to, &code, Some(ip), state.now())
        .await
        .map_err(|e| field("code", e))
}

/// Removes the confirmed address.
pub async fn remove_address(state: &AppState, to: Recipient, ip: &str) -> Result<(), AppError> {
    Ok(notify::remove_address(&state.db, to, Some(ip), state.now()).await?)
}

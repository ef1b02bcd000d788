//! Text messages (短信) behind an interface: the one-time codes of account activation and
//! password recovery go out through an [`SmsSender`]. The local sender ([`local::LogSender`])
//! writes each message to the log (phone masked) and to the development outbox table, which the
//! demo shows on a page; [`tencent::TencentSms`] speaks to Tencent Cloud's SMS API.
//!
//! A provider is a separate system with its own clock, so the sender takes no `now`.

pub mod local;
pub mod tencent;

/// Which message: providers in mainland China send only templates registered in advance, so a
/// message is a template and its parameters; [`SmsMessage::text`] is the same message written out
/// for the log and the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsTemplate {
    /// A one-time code; parameters: the code, its validity in minutes.
    VerificationCode,
    /// A 收件箱 message waiting; parameter: its title, shortened to
    /// [`NOTICE_TITLE_CHARS`] characters.
    Notice,
}

/// The longest title a notice carries: providers limit a template parameter's length.
pub const NOTICE_TITLE_CHARS: usize = 20;

impl SmsTemplate {
    /// The template's text as registered with a provider, `{1}`, `{2}` … for the parameters.
    pub fn text(&self) -> &'static str {
        match self {
            SmsTemplate::VerificationCode => {
                "您的验证码为{1}，{2}分钟内有效。如非本人操作，请忽略本短信，切勿将验证码告诉他人。"
            }
            SmsTemplate::Notice => "您的收件箱有一条新消息：{1}。请登录毕业申请平台查看详情。",
        }
    }

    /// The stable name a deployment maps to its provider's template id (`sms_template_*`).
    pub fn code(&self) -> &'static str {
        match self {
            SmsTemplate::VerificationCode => "verification_code",
            SmsTemplate::Notice => "notice",
        }
    }
}

/// One message to one mainland mobile number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    /// Eleven digits, e.g. "13800138000" (no country code).
    pub phone: String,
    /// The template.
    pub template: SmsTemplate,
    /// The template's parameters, in order.
    pub params: Vec<String>,
}

impl SmsMessage {
    /// The message as the recipient reads it.
    pub fn text(&self) -> String {
        let mut t = self.template.text().to_owned();
        for (i, p) in self.params.iter().enumerate() {
            t = t.replace(&format!("{{{}}}", i + 1), p);
        }
        t
    }
}

/// The message could not be sent (network, configuration, or the provider refused it).
#[derive(Debug, thiserror::Error)]
#[error("短信发送失败：{0}")]
pub struct SmsError(pub String);

/// Something that sends text messages.
#[async_trait::async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends one message; `Ok` once the provider accepted it.
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError>;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_text_fills_the_template() {
        let m = SmsMessage {
            phone: "13800138000".into(),
            template: SmsTemplate::VerificationCode,
            params: vec!["042917".into(), "5".into()],
        };
        assert_eq!(
            m.text(),
            "您的验证码为042917，5分钟内有效。如非本人操作，请忽略本短信，切勿将验证码告诉他人。"
        );
    }
}

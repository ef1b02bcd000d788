//! SMTP through `lettre`. The server is named by URL, as lettre reads it:
//! `smtp://host:25` (plain, for a relay on the same network), `smtp://user:pass@host:587?tls=required`
//! (STARTTLS), `smtps://user:pass@host:465` (TLS from the start).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{EmailMessage, EmailSender, MailError};

/// How long one message may take, connection included: the delivery job retries later.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Sends through one SMTP server.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the credentials.
        f.debug_struct("SmtpSender")
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpSender {
    /// A sender for the server at `url`, writing as `from` (`毕业申请平台 <noreply@example.cn>`
    /// or a bare address).
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        // rustls is built without a bundled crypto provider; an error only means one is set.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailError(format!("发件人地址“{from}”无效：{e}")))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError(format!("SMTP 服务器地址无效：{e}")))?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Self { transport, from })
    }
}

#[async_trait::async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| MailError(format!("收件人地址无效：{e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| MailError(format!("邮件无法生成：{e}")))?;
        self.transport
            .send(email)
            .await
            .map(drop)
            .map_err(|e| MailError(e.to_string()))
    }
}

//! E-mail behind an interface: 收件箱 messages a person chose to receive by e-mail, and the code
//! that confirms their address, go out through an [`EmailSender`]. [`smtp::SmtpSender`] speaks
//! SMTP (plain, STARTTLS or TLS, by URL); [`local::LogMailer`] writes each message to the log
//! (address masked) and the development outbox.

pub mod local;
pub mod smtp;

/// One plain-text message to one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

/// The message could not be sent (network, configuration, or the server refused it).
#[derive(Debug, thiserror::Error)]
#[error("邮件发送失败：{0}")]
pub struct MailError(pub String);

/// Something that sends e-mail.
#[async_trait::async_trait]
pub trait EmailSender: Send + Sync {
    /// Sends one message; `Ok` once the server accepted it.
    async fn send(&self, message: &EmailMessage) -> Result<(), MailError>;
}

/// An address with its local part shortened to its first character, for logs and lists:
/// `zhangsan@example.com` → `z***@example.com`.
pub fn mask_address(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_masked_to_its_first_letter_and_domain() {
        assert_eq!(mask_address("zhangsan@example.com"), "z***@example.com");
        assert_eq!(mask_address("张三@例子.中国"), "张***@例子.中国");
        assert_eq!(mask_address("nodomain"), "***");
    }
}

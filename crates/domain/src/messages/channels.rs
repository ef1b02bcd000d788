//! The e-mails the platform writes: a 收件箱 message sent on by e-mail, and the code that
//! confirms an address. (Text messages are provider templates, kept with the SMS sender.)

/// The platform's name as it signs its e-mail.
pub const PLATFORM: &str = "毕业申请平台";

/// One e-mail as the recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailText {
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
}

fn footer() -> String {
    format!(
        "\n\n——\n本邮件由{PLATFORM}自动发送，请勿直接回复。不想再通过邮件接收消息，请登录后在“我的账号—消息通知”中关闭。"
    )
}

/// A 收件箱 message sent on by e-mail: its title as the subject, its text, and where to read it
/// when it points somewhere (`url`, absolute).
pub fn inbox_message(title: &str, body: &str, url: Option<&str>) -> EmailText {
    let mut text = body.trim_end().to_owned();
    if let Some(url) = url {
        text.push_str(&format!("\n\n查看详情：{url}"));
    }
    text.push_str(&footer());
    EmailText {
        subject: format!("【{PLATFORM}】{title}"),
        body: text,
    }
}

/// The code that confirms `address` for notifications, valid `minutes`.
pub fn confirm_address(code: &str, minutes: i64) -> EmailText {
    EmailText {
        subject: format!("【{PLATFORM}】邮箱验证码 {code}"),
        body: format!(
            "您正在{PLATFORM}设置接收消息通知的邮箱，验证码为 {code}，{minutes}分钟内有效。\n如非本人操作，请忽略本邮件，切勿将验证码告诉他人。{}",
            footer()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inbox_message_keeps_its_title_and_text_and_points_to_the_page() {
        let e = inbox_message(
            "毕业申请被驳回（初审）",
            "驳回原因：照片不清晰。",
            Some("https://biye.example.cn/candidate/graduation"),
        );
        assert_eq!(e.subject, "【毕业申请平台】毕业申请被驳回（初审）");
        assert!(e.body.starts_with(
            "驳回原因：照片不清晰。\n\n查看详情：https://biye.example.cn/candidate/graduation\n"
        ));
        assert!(e.body.contains("我的账号—消息通知"));
        let plain = inbox_message("t", "正文\n", None);
        assert!(!plain.body.contains("查看详情"));
        assert!(plain.body.starts_with("正文\n\n——"));
    }

    #[test]
    fn the_code_is_in_the_subject_and_the_text_with_its_validity() {
        let e = confirm_address("042917", 30);
        assert!(e.subject.contains("042917"));
        assert!(e.body.contains("验证码为 042917，30分钟内有效"));
    }
}

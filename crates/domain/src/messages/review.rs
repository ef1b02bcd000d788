//! Messages to staff about review deadlines (办理时限): the reminder to an organisation's
//! reviewers the working day before applications are due, and the escalation (督办) to the
//! organisation above on the due date. Candidates appear by application number and masked name
//! only: the messages may go on by text message and e-mail.

use chrono::NaiveDate;

use super::inbox::InboxText;

/// Applications listed by name in one message; the rest are counted.
pub const LISTED: usize = 20;

/// One application in such a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueLine {
    /// The application's number.
    pub application_id: i64,
    /// The candidate's name, masked.
    pub masked_name: String,
    /// The review stage it waits at.
    pub stage: String,
}

fn list(lines: &[DueLine]) -> String {
    let mut out: Vec<String> = lines
        .iter()
        .take(LISTED)
        .map(|l| format!("申请 {}　{}　{}", l.application_id, l.masked_name, l.stage))
        .collect();
    if lines.len() > LISTED {
        out.push(format!("……等共 {} 件", lines.len()));
    }
    out.join("\n")
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// To the reviewers of `org`: `lines` are due at the end of `due` (Beijing time).
pub fn due_reminder(org: &str, due: NaiveDate, lines: &[DueLine]) -> InboxText {
    InboxText {
        title: format!("办理提醒：{} 件申请将于 {} 到期", lines.len(), date(due)),
        body: format!(
            "{org}待审核的以下申请，办理时限将于 {} 24:00（北京时间）届满，请在到期前完成审核：\n{}\n逾期未办理的，将于到期当日告知上级机构。",
            date(due),
            list(lines)
        ),
    }
}

/// To the admins of the organisation above `org`: `lines` are due at `org` at the end of today,
/// `due`, and still waiting.
pub fn due_escalation(org: &str, due: NaiveDate, lines: &[DueLine]) -> InboxText {
    InboxText {
        title: format!("督办：{org}有 {} 件申请今日到期未办理", lines.len()),
        body: format!(
            "{org}的以下申请，办理时限于今日（{}）24:00（北京时间）届满，目前仍未审核，请督促办理：\n{}",
            date(due),
            list(lines)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<DueLine> {
        (0..n)
            .map(|i| DueLine {
                application_id: 100 + i as i64,
                masked_name: "张*".into(),
                stage: "初审".into(),
            })
            .collect()
    }

    #[test]
    fn a_reminder_names_the_count_the_date_and_each_application() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        let t = due_reminder("重庆大学", d, &lines(2));
        assert_eq!(t.title, "办理提醒：2 件申请将于 2026-12-07 到期");
        assert!(
            t.body.contains("2026-12-07 24:00（北京时间）"),
            "{}",
            t.body
        );
        assert!(
            t.body.contains("申请 100　张*　初审\n申请 101　张*　初审"),
            "{}",
            t.body
        );
        assert!(!t.body.contains("等共"));
    }

    #[test]
    fn past_the_listed_number_the_rest_are_counted() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        let t = due_escalation("重庆大学", d, &lines(LISTED + 1));
        assert_eq!(
            t.title,
            format!("督办：重庆大学有 {} 件申请今日到期未办理", LISTED + 1)
        );
        assert_eq!(t.body.matches("申请 1").count(), LISTED);
        assert!(
            t.body.ends_with(&format!("……等共 {} 件", LISTED + 1)),
            "{}",
            t.body
        );
    }
}

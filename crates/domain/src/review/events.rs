//! What a line of an application's history records: the closed list of event actions, with the
//! words the candidate's 审核进度 and the reviewers' history use for each.

coded_enum! {
    /// One thing that happened to a graduation application.
    pub enum EventAction("审核记录") {
        /// 提交初审 (again, after a rejection).
        Submitted => ("submitted", "提交申请"),
        /// A stage approved it.
        Approved => ("approved", "审核通过"),
        /// A stage rejected it.
        Rejected => ("rejected", "驳回"),
        /// The fee was paid.
        Paid => ("paid", "交费成功"),
        /// 本次不予办理: the batch closed before it succeeded.
        Closed => ("closed", "本次不予办理"),
        /// A refund is due.
        RefundQueued => ("refund_queued", "退费待办理"),
        /// The refund was made.
        Refunded => ("refunded", "已退费"),
        /// A queued refund was called off: an appeal revoked the rejection that queued it, so the
        /// fee pays for the application again.
        RefundCancelled => ("refund_cancelled", "退费已取消"),
        /// The candidate asked the chief university to reject it (专业误选).
        WrongMajorRequested => ("wrong_major_requested", "请求主考学校驳回（专业误选）"),
        /// An appeal against the final rejection was decided 撤销原决定: the stage that rejected
        /// reviews it again.
        AppealRevoked => ("appeal_revoked", "申辩复核撤销原决定，重新审核"),
    }
}

impl EventAction {
    /// The reviewers' shorter word, as the staff history and the archive show it.
    pub fn reviewer_label(self) -> &'static str {
        match self {
            EventAction::Approved => "通过",
            EventAction::Paid => "已交费",
            EventAction::RefundQueued => "退费",
            EventAction::RefundCancelled => "取消退费",
            EventAction::WrongMajorRequested => "考生申请驳回（专业误选）",
            EventAction::AppealRevoked => "申辩撤销原决定",
            other => other.label(),
        }
    }

    /// Whether the event decides the stage it was recorded at (the progress page's result).
    pub fn decides_stage(self) -> bool {
        matches!(
            self,
            EventAction::Approved | EventAction::Rejected | EventAction::Paid
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_code() {
        for a in EventAction::ALL {
            assert_eq!(EventAction::from_code(a.code()), Some(*a));
        }
        assert_eq!(EventAction::from_code("unknown"), None);
        assert_eq!(EventAction::Approved.reviewer_label(), "通过");
        assert_eq!(EventAction::Closed.reviewer_label(), "本次不予办理");
    }
}

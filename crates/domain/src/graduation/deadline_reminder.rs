//! 截止提醒 *(ours)*: before a graduation batch's deadline, a candidate whose application still
//! waits for them — not yet submitted, rejected and not resubmitted, or not yet paid — is
//! reminded twice, three calendar days and one day before, since after the deadline the
//! application is not processed in this batch (本次不予办理).

use chrono::{DateTime, Duration, Utc};

use crate::review::Status;

coded_enum! {
    /// One of the reminders before a batch's deadline; each is sent at most once per application.
    pub enum DeadlineReminder("截止提醒") {
        /// Three calendar days before the deadline.
        ThreeDays => ("3_days", "截止前3天"),
        /// One day before the deadline.
        OneDay => ("1_day", "截止前1天"),
    }
}

impl DeadlineReminder {
    /// How long before the deadline the reminder falls due.
    pub fn before(self) -> Duration {
        match self {
            DeadlineReminder::ThreeDays => Duration::days(3),
            DeadlineReminder::OneDay => Duration::days(1),
        }
    }

    /// The earliest any reminder falls due before the deadline: batches closing further away than
    /// this need no look.
    pub fn earliest() -> Duration {
        DeadlineReminder::ThreeDays.before()
    }

    /// The reminder due at `now` for a batch closing at `closes_at`, or none (too early, or the
    /// batch has closed). Once the one-day reminder is due the three-day one no longer is: a
    /// candidate who first needs reminding then (an application opened, or rejected, late) gets
    /// one message, not two at once.
    pub fn due(closes_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<DeadlineReminder> {
        if now >= closes_at {
            return None;
        }
        Self::ALL
            .iter()
            .rev()
            .copied()
            .find(|r| now >= closes_at - r.before())
    }

    /// Whether an application in `status` is reminded: only while the next step is the
    /// candidate's (填写中, 已驳回, 待交费). One waiting for a reviewer, or done, is not.
    pub fn applies_to(status: Status) -> bool {
        matches!(
            status,
            Status::Draft | Status::Rejected | Status::AwaitingPayment
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn closes() -> DateTime<Utc> {
        // 2026-12-20 17:00 in Beijing.
        Utc.with_ymd_and_hms(2026, 12, 20, 9, 0, 0).unwrap()
    }

    #[test]
    fn three_days_then_one_day_then_nothing_after_the_deadline() {
        let c = closes();
        let due = |d: Duration| DeadlineReminder::due(c, c - d);
        assert_eq!(due(Duration::days(4)), None);
        assert_eq!(due(Duration::days(3) + Duration::seconds(1)), None);
        assert_eq!(due(Duration::days(3)), Some(DeadlineReminder::ThreeDays));
        assert_eq!(due(Duration::days(2)), Some(DeadlineReminder::ThreeDays));
        assert_eq!(
            due(Duration::days(1) + Duration::seconds(1)),
            Some(DeadlineReminder::ThreeDays)
        );
        assert_eq!(due(Duration::days(1)), Some(DeadlineReminder::OneDay));
        assert_eq!(due(Duration::seconds(1)), Some(DeadlineReminder::OneDay));
        assert_eq!(due(Duration::zero()), None);
        assert_eq!(DeadlineReminder::due(c, c + Duration::days(1)), None);
    }

    #[test]
    fn only_applications_waiting_for_the_candidate_are_reminded() {
        let reminded: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| DeadlineReminder::applies_to(*s))
            .collect();
        assert_eq!(
            reminded,
            [Status::Draft, Status::AwaitingPayment, Status::Rejected]
        );
    }

    #[test]
    fn codes_fit_the_table_and_are_distinct() {
        assert_eq!(DeadlineReminder::ThreeDays.code(), "3_days");
        assert_eq!(DeadlineReminder::OneDay.code(), "1_day");
        assert!(DeadlineReminder::ALL.iter().all(|r| r.code().len() <= 16));
        assert_eq!(DeadlineReminder::earliest(), Duration::days(3));
    }
}

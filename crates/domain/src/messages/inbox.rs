//! 收件箱: every message the platform puts in a candidate's or a student's inbox.
//!
//! Each function takes only the variable parts and returns the finished title and body, so the
//! sentence around them is fixed here: times are given as instants and always written in Beijing
//! time, reviewers' free text loses its closing punctuation before the sentence adds its own.

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::beijing_minute;
use crate::clause;
use crate::degree::language::{LanguageStatus, Qualification};
use crate::degree::{DegreeAward, DegreeReview};
use crate::review::yuan;

/// One inbox message as the recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxText {
    /// The line shown in the list (the inbox keeps its first 200 characters).
    pub title: String,
    /// The whole message.
    pub body: String,
}

impl InboxText {
    fn new(title: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            body: body.into(),
        }
    }
}

/// A reviewer's reason or opinion as a clause of a sentence. Callers refuse blank reasons, but one
/// that is punctuation alone would otherwise leave "原因：。".
fn reason(text: &str) -> &str {
    match clause(text) {
        "" => "未说明",
        c => c,
    }
}

// ---- 毕业申请 ----

/// The candidate submitted the graduation application; `first_stage` is the stage it now waits at.
pub fn graduation_submitted(first_stage: &str, at: DateTime<Utc>) -> InboxText {
    InboxText::new(
        format!("毕业申请已提交，等待{first_stage}"),
        format!(
            "你的毕业申请已于 {}（北京时间）提交，进入“{first_stage}”环节。提交后资料不能修改，请耐心等待审核结果。",
            beijing_minute(at)
        ),
    )
}

/// `org` rejected the graduation application at `stage`.
pub fn graduation_rejected(stage: &str, org: &str, why: &str) -> InboxText {
    InboxText::new(
        format!("毕业申请被驳回（{stage}）"),
        format!(
            "{org}在“{stage}”环节驳回了你的毕业申请。驳回原因：{}。请按驳回原因修改信息或补充材料后重新提交。",
            reason(why)
        ),
    )
}

/// The last stage passed: the application is approved and the certificate may be collected from
/// `pickup_from` on.
pub fn graduation_approved(stage: &str, pickup_from: NaiveDate) -> InboxText {
    InboxText::new(
        "毕业申请审核通过",
        format!(
            "你的毕业申请已通过“{stage}”。毕业证书最早可于 {pickup_from} 起领取，具体领取时间及方式请查看主考学校公告。"
        ),
    )
}

/// `stage` passed and the fee is due next.
pub fn graduation_awaiting_payment(stage: &str) -> InboxText {
    InboxText::new(
        format!("{stage}通过，请交费"),
        format!("你的毕业申请已通过“{stage}”，请在批次截止前完成交费，逾期本次不予办理。"),
    )
}

/// `stage` passed and another review stage follows.
pub fn graduation_stage_passed(stage: &str) -> InboxText {
    InboxText::new(
        format!("{stage}通过"),
        format!("你的毕业申请已通过“{stage}”，进入下一审核环节。"),
    )
}

/// The fee of `stage` arrived; the application moved on to `next_stage`.
pub fn graduation_paid(stage: &str, next_stage: &str) -> InboxText {
    InboxText::new(
        "交费成功",
        format!("你的{stage}已交费成功，毕业申请进入“{next_stage}”环节。"),
    )
}

/// The candidate asked the chief university to reject the application (wrong major chosen).
pub fn graduation_wrong_major_requested(at: DateTime<Utc>) -> InboxText {
    InboxText::new(
        "已请求主考学校驳回",
        format!(
            "你于 {}（北京时间）以“专业选择有误”请求主考学校驳回本次毕业申请。驳回后可改选正确的专业重新申请；处理结果会发到收件箱。",
            beijing_minute(at)
        ),
    )
}

// ---- 截止提醒 (before the batch closes at `closes_at`) ----

/// The application in `batch` is still a draft (填写中).
pub fn graduation_deadline_not_submitted(batch: &str, closes_at: DateTime<Utc>) -> InboxText {
    InboxText::new(
        "毕业申请尚未提交",
        format!(
            "你在“{batch}”的毕业申请尚未提交，请在 {}（北京时间）前完成填写并提交，逾期本次不予办理。",
            beijing_minute(closes_at)
        ),
    )
}

/// The application in `batch` was rejected at `stage` for `why` and not resubmitted.
pub fn graduation_deadline_rejected(
    batch: &str,
    stage: &str,
    why: &str,
    closes_at: DateTime<Utc>,
) -> InboxText {
    InboxText::new(
        "毕业申请被驳回，尚未重新提交",
        format!(
            "你在“{batch}”的毕业申请在“{stage}”环节被驳回，驳回原因：{}。请按驳回原因修改信息或补充材料，在 {}（北京时间）前重新提交，逾期本次不予办理。",
            reason(why),
            beijing_minute(closes_at)
        ),
    )
}

/// The application in `batch` waits for the fee of `stage`.
pub fn graduation_deadline_unpaid(batch: &str, stage: &str, closes_at: DateTime<Utc>) -> InboxText {
    InboxText::new(
        "毕业申请尚未交费",
        format!(
            "你在“{batch}”的毕业申请正在“{stage}”环节等待交费，请在 {}（北京时间）前完成交费，逾期本次不予办理。",
            beijing_minute(closes_at)
        ),
    )
}

// ---- 本次不予办理 (the batch closed before the application succeeded) ----

/// The application was never submitted.
pub fn graduation_closed_not_submitted(batch: &str) -> InboxText {
    InboxText::new(
        "本次毕业申请不予办理",
        format!(
            "“{batch}”已截止，你的毕业申请截止时仍未提交，本次不予办理。可在下次批次重新申请。"
        ),
    )
}

/// The application was rejected at `stage` for `why` and not resubmitted before the deadline.
pub fn graduation_closed_rejected(batch: &str, stage: &str, why: &str) -> InboxText {
    InboxText::new(
        "本次毕业申请不予办理",
        format!(
            "“{batch}”已截止，你的毕业申请在“{stage}”环节被驳回（驳回原因：{}）后未在截止前重新提交，本次不予办理。可在下次批次重新申请。",
            reason(why)
        ),
    )
}

/// The application was still waiting for a reviewer at `stage`: nothing the candidate failed to
/// do, and the message says so.
pub fn graduation_closed_in_review(batch: &str, stage: &str) -> InboxText {
    InboxText::new(
        "本次毕业申请不予办理",
        format!(
            "“{batch}”已截止，截止时你的毕业申请仍在“{stage}”环节等待审核，未能在本批次办理完成，本次不予办理。这并非你的原因所致，可在下次批次重新申请。"
        ),
    )
}

/// The application passed the initial review but the fee of `stage` was not paid.
pub fn graduation_closed_unpaid(batch: &str, stage: &str) -> InboxText {
    InboxText::new(
        "本次毕业申请不予办理",
        format!(
            "“{batch}”已截止，你的毕业申请已通过初审，但未在截止前完成交费（{stage}），本次不予办理。可在下次批次重新申请。"
        ),
    )
}

// ---- 前置学历 ----

/// The prior education went to 人工审核: the originals are to be shown at `org`.
pub fn prior_manual_submitted(org: &str) -> InboxText {
    InboxText::new(
        "前置学历已提交人工审核",
        format!(
            "请携带前置学历毕业证书原件和复印件、《教育部学历证书电子注册备案表》及有关变更证明原件和复印件，到{org}现场提交材料进行人工审核。"
        ),
    )
}

/// The confirmation point or chief university checked the originals.
pub fn prior_originals_checked() -> InboxText {
    InboxText::new(
        "前置学历原件已核验",
        "确认点或主考学校已核验你的前置学历原件，等待省招生考试院终审。",
    )
}

/// The provincial office approved the prior education in its final review.
pub fn prior_approved() -> InboxText {
    InboxText::new(
        "前置学历审核通过",
        "省招生考试院已通过你的前置学历人工审核（仅本次毕业申请有效），请继续完成毕业申请。",
    )
}

/// The provincial office rejected the prior education in its final review.
pub fn prior_rejected(why: &str) -> InboxText {
    InboxText::new(
        "前置学历审核未通过",
        format!(
            "省招生考试院驳回了你的前置学历人工审核：{}。请修改后重新提交。",
            reason(why)
        ),
    )
}

/// 学信网 pushed a diploma that passed the automatic check.
pub fn prior_credential_verified(school: &str, graduation_date: NaiveDate) -> InboxText {
    InboxText::new(
        "前置学历核验通过",
        format!(
            "学信网已推送你的前置学历信息（{school}，{graduation_date}毕业），系统审核通过，仅本次毕业申请有效。"
        ),
    )
}

/// 学信网 pushed information that failed the automatic check, for the reason `why`.
pub fn prior_credential_not_verified(why: &str) -> InboxText {
    InboxText::new(
        "前置学历授权核验未通过",
        format!(
            "学信网推送的前置学历信息未通过系统审核：{}。你可以选择人工审核。",
            reason(why)
        ),
    )
}

// ---- 交费与退费 ----

/// The gateway charged order `order_no` a second time (`txn_no`); that charge goes back at once.
pub fn refund_second_charge(order_no: &str, amount_fen: i64, txn_no: &str) -> InboxText {
    InboxText::new(
        "重复扣款将退回",
        format!(
            "支付平台对订单 {order_no} 重复扣款 {} 元（交易号 {txn_no}），重复的款项将尽快退回原交费账号，无需任何操作。",
            yuan(amount_fen)
        ),
    )
}

/// A fee arrived that the application could not take, because of `why`; it goes back after the
/// batch.
pub fn refund_queued(amount_fen: i64, why: &str) -> InboxText {
    InboxText::new(
        "交费将退回",
        format!(
            "毕业审定费 {} 元已到账，但{}，将在本次毕业办理结束后退回原交费账号。",
            yuan(amount_fen),
            reason(why)
        ),
    )
}

/// A refund was paid out.
pub fn refund_executed(amount_fen: i64, refund_no: &str) -> InboxText {
    InboxText::new(
        "退费完成",
        format!(
            "毕业审定费 {} 元已退回原交费账号（退款单号 {refund_no}），到账时间以支付机构为准。",
            yuan(amount_fen)
        ),
    )
}

// ---- 免考 ----

/// The candidate applied online for the exemption of `course_code`, handled by `handler`.
pub fn exemption_submitted(course_code: &str, at: DateTime<Utc>, handler: &str) -> InboxText {
    InboxText::new(
        format!("免考申请已提交（{course_code}）"),
        format!(
            "你于 {}（北京时间）申请课程{course_code}免考，等待{handler}审核。审核结果会发到收件箱。",
            beijing_minute(at)
        ),
    )
}

/// The exemption of `course_code` was approved and recorded.
pub fn exemption_approved(course_code: &str) -> InboxText {
    InboxText::new(
        format!("免考申请已通过（{course_code}）"),
        format!(
            "你申请的课程{course_code}免考已通过审核，免考成绩已记入考籍，申请毕业时无需再上传免考材料。"
        ),
    )
}

/// The exemption of `course_code` was refused.
pub fn exemption_rejected(course_code: &str, why: &str) -> InboxText {
    InboxText::new(
        format!("免考申请未通过（{course_code}）"),
        format!(
            "你申请的课程{course_code}免考未通过审核。原因：{}。可按原因准备材料后重新申请。",
            reason(why)
        ),
    )
}

// ---- 考籍更正 ----

/// The candidate asked to correct `field` (its label, e.g. 姓名) to `new_value`.
pub fn correction_submitted(field: &str, new_value: &str, at: DateTime<Utc>) -> InboxText {
    InboxText::new(
        format!("{field}更正申请已提交"),
        format!(
            "你于 {}（北京时间）申请将{field}更正为“{new_value}”，等待审核。审核结果会发到收件箱。",
            beijing_minute(at)
        ),
    )
}

/// The correction of `field` to `new_value` was approved and applied.
pub fn correction_approved(field: &str, new_value: &str) -> InboxText {
    InboxText::new(
        format!("{field}更正已通过"),
        format!("你申请的{field}更正已通过审核，考籍中的{field}已改为“{new_value}”。"),
    )
}

/// The correction of `field` to `new_value` was refused with the opinion `why`.
pub fn correction_rejected(field: &str, new_value: &str, why: &str) -> InboxText {
    InboxText::new(
        format!("{field}更正未通过"),
        format!(
            "你申请将{field}更正为“{new_value}”未通过审核。审核意见：{}。如有需要，可按意见准备材料后重新申请。",
            reason(why)
        ),
    )
}

// ---- 成绩补录 ----

/// A 13-digit admission number was linked to the account and `copied` of its scores moved in.
pub fn legacy_linked(legacy_no: &str, copied: usize) -> InboxText {
    InboxText::new(
        "13位准考证号已关联",
        format!(
            "13位准考证号{legacy_no}已关联到您的账号，其下{copied}条成绩已转入管理平台，可在“成绩查询”中查看并用于申请毕业。"
        ),
    )
}

/// The course as the backfill messages name it: code and, when known, name.
fn course(code: &str, name: &str) -> String {
    format!("{code} {name}").trim_end().to_owned()
}

/// A score backfill of the course was approved; `score` as displayed (e.g. 72.5, 合格).
pub fn backfill_approved(course_code: &str, course_name: &str, score: &str) -> InboxText {
    InboxText::new(
        "成绩补录已通过",
        format!(
            "课程{}的成绩（{score}）已补录到管理平台，可用于申请毕业。",
            course(course_code, course_name)
        ),
    )
}

/// A score backfill of the course was rejected.
pub fn backfill_rejected(course_code: &str, course_name: &str, why: &str) -> InboxText {
    InboxText::new(
        "成绩补录未通过",
        format!(
            "课程{}的成绩补录申请被驳回：{}。如有需要，可修改后重新提交。",
            course(course_code, course_name),
            reason(why)
        ),
    )
}

// ---- 学位申请 ----

/// The student submitted the degree application of `batch`.
pub fn degree_submitted(batch: &str) -> InboxText {
    InboxText::new(
        "学位申请已提交",
        format!("你的学位申请（{batch}）已确认提交，请等待学校审核。"),
    )
}

/// The degree application passed `stage` and waits at `following`.
pub fn degree_stage_passed(stage: &str, following: &str) -> InboxText {
    InboxText::new(
        format!("学位申请已通过{stage}"),
        format!("你的学位申请已通过“{stage}”，进入“{following}”环节，请等待审核。"),
    )
}

/// The degree application was refused at `stage` with the 审核意见 `opinion`.
pub fn degree_rejected(stage: &str, opinion: &str) -> InboxText {
    InboxText::new(
        format!("学位申请{}", DegreeReview::Rejected.label()),
        format!(
            "你的学位申请在“{stage}”环节审核不通过。审核意见：{}。可在申请时间内按意见修改后重新提交。",
            reason(opinion)
        ),
    )
}

/// The degree application passed its last stage.
pub fn degree_approved() -> InboxText {
    InboxText::new(
        format!("学位申请{}", DegreeReview::Approved.label()),
        "你的学位申请已审核通过，学位授予结果公布后将通知你。",
    )
}

/// The 学位授予结果 was recorded.
pub fn degree_award(award: DegreeAward) -> InboxText {
    InboxText::new(
        format!("学位授予结果：{}", award.label()),
        format!("你的学位申请的学位授予结果为：{}。", award.label()),
    )
}

// ---- 学位外语成绩认定 ----

/// The language application of `batch` passed `stage` and waits at `following`.
pub fn language_stage_passed(batch: &str, stage: &str, following: &str) -> InboxText {
    InboxText::new(
        format!("学位外语成绩认定：已通过{stage}"),
        format!(
            "您在{batch}的学位外语成绩认定申请已通过“{stage}”，进入“{following}”环节，请等待审核结果。"
        ),
    )
}

/// The language application of `batch` was decided (`status` 审核通过 or 审核不通过) with its
/// 合格状态 and an optional opinion (blank when the reviewer wrote none).
pub fn language_decided(
    batch: &str,
    status: LanguageStatus,
    qualification: Qualification,
    opinion: &str,
) -> InboxText {
    let opinion = match clause(opinion) {
        "" => String::new(),
        o => format!("审核意见：{o}。"),
    };
    let next = if qualification == Qualification::Qualified {
        "学位外语成绩合格，达到学位申请条件者可进入“学位申请”。"
    } else {
        ""
    };
    InboxText::new(
        format!("学位外语成绩认定：{}", status.label()),
        format!(
            "您在{batch}的学位外语成绩认定申请{}，合格状态：{}。{opinion}{next}",
            status.label(),
            qualification.label()
        ),
    )
}

// ---- 陈述申辩 ----

/// The student filed an appeal against the decision `kind` at `at`; `org` decides it.
pub fn appeal_filed(kind: crate::appeal::AppealKind, org: &str, at: DateTime<Utc>) -> InboxText {
    InboxText::new(
        format!("申辩已提交：{}", kind.label()),
        format!(
            "你对{}的申辩已于 {}（北京时间）提交，由{org}复核，处理结果会发到收件箱。",
            kind.label(),
            beijing_minute(at)
        ),
    )
}

/// To the reviewers who decide it: the student `student_no` appealed the decision `kind` in
/// `batch`. No name: the message may go on by text message and e-mail.
pub fn appeal_received(
    kind: crate::appeal::AppealKind,
    batch: &str,
    student_no: &str,
    appeal_id: i64,
) -> InboxText {
    InboxText::new(
        format!("新的申辩待处理：{}", kind.label()),
        format!(
            "学号为 {student_no} 的学生对{batch}的{}提出申辩（申辩编号 {appeal_id}），请在“申辩复核”中查看申辩陈述和材料，作出维持或撤销原决定的结论并说明理由。",
            kind.label()
        ),
    )
}

/// To the reviewers who decide it: the candidate with admission number `admission_no` appealed
/// the final rejection of their graduation application in `batch`, rejected at `stage`. No
/// name: the message may go on by text message and e-mail.
pub fn graduation_appeal_received(
    batch: &str,
    stage: &str,
    admission_no: &str,
    appeal_id: i64,
) -> InboxText {
    InboxText::new(
        format!(
            "新的申辩待处理：{}",
            crate::appeal::AppealKind::Graduation.label()
        ),
        format!(
            "准考证号为 {admission_no} 的考生对“{batch}”的毕业申请在“{stage}”环节被驳回、批次截止时仍未重新提交、本次不予办理的决定提出申辩（申辩编号 {appeal_id}），请在“申辩复核”中查看申辩陈述和材料，作出维持或撤销原决定的结论并说明理由。"
        ),
    )
}

/// To the colleagues who could have decided it (reviewers of `stage` and admins of the deciding
/// organisation): the appeal `appeal_id` of `appellant` (e.g. "学号为 … 的学生", numbers only:
/// the message may go on by text message and e-mail) against the decision `kind` on application
/// `application_id` of `batch` was decided `outcome` for `why`.
// The parts are what the message names; kept apart so that each reads in its place.
#[allow(clippy::too_many_arguments)]
pub fn appeal_decided_for_staff(
    kind: crate::appeal::AppealKind,
    outcome: crate::appeal::AppealStatus,
    appellant: &str,
    batch: &str,
    application_id: i64,
    appeal_id: i64,
    why: &str,
    stage: &str,
) -> InboxText {
    use crate::appeal::{AppealKind, AppealStatus};
    let next = match (outcome, kind) {
        (AppealStatus::Revoked, AppealKind::DegreeAward) => {
            "原“不授予”已撤销，该申请恢复为审核通过、未登记学位授予结果，需重新登记学位授予结果。"
                .to_owned()
        }
        (AppealStatus::Revoked, AppealKind::Language) => {
            format!("原决定已撤销，该申请已退回“{stage}”环节待审核，需重新审核。")
        }
        (AppealStatus::Revoked, AppealKind::Graduation) => format!(
            "原决定已撤销，该毕业申请已重新打开，将在“{stage}”环节重新审核（不受批次截止时间限制）。"
        ),
        _ => "原决定继续有效，无需再处理。".to_owned(),
    };
    InboxText::new(
        format!("申辩已处理（{}）：{}", outcome.label(), kind.label()),
        format!(
            "{appellant}对“{batch}”申请编号 {application_id} 的{}提出的申辩（申辩编号 {appeal_id}）已处理，结果为{}。理由：{}。{next}",
            kind.label(),
            outcome.label(),
            reason(why)
        ),
    )
}

/// The appeal against `kind` was decided: `outcome` (维持 or 撤销原决定) for `why`; a revoked
/// decision is taken again at `stage`.
pub fn appeal_decided(
    kind: crate::appeal::AppealKind,
    outcome: crate::appeal::AppealStatus,
    why: &str,
    stage: &str,
) -> InboxText {
    use crate::appeal::{AppealKind, AppealStatus};
    let next = match (outcome, kind) {
        (AppealStatus::Revoked, AppealKind::DegreeAward) => {
            "原“不授予”决定已撤销，学校将重新登记你的学位授予结果，结果会发到收件箱。".to_owned()
        }
        (AppealStatus::Revoked, AppealKind::Language) => format!(
            "原决定已撤销，你的学位外语成绩认定申请已退回“{stage}”环节重新审核，结果会发到收件箱。"
        ),
        (AppealStatus::Revoked, AppealKind::Graduation) => format!(
            "原决定已撤销，你的毕业申请已退回“{stage}”环节重新审核（不受批次截止时间限制），审核结果会发到收件箱。"
        ),
        _ => "原决定继续有效。".to_owned(),
    };
    InboxText::new(
        format!("申辩处理结果：{}", outcome.label()),
        format!(
            "你对{}的申辩已处理，结果为{}。理由：{}。{next}",
            kind.label(),
            outcome.label(),
            reason(why)
        ),
    )
}

/// What revoking a graduation application's final rejection did with the fee paid before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeOnReopening {
    /// No fee was paid before the stage, or it is still held: nothing to say.
    Held,
    /// The refund the rejection queued was called off: the fee pays for the application again.
    RefundCancelled {
        /// The fee, in fen.
        amount_fen: i64,
    },
    /// The fee had already gone back: the candidate pays again at `payment_stage`, then the
    /// application returns to the stage that rejected.
    PayAgain {
        /// The fee, in fen.
        amount_fen: i64,
        /// The payment stage's name.
        payment_stage: String,
    },
}

/// 撤销原决定 of a graduation application's final rejection at `stage`, for the reason `why`,
/// with what became of the fee.
pub fn graduation_appeal_revoked(why: &str, stage: &str, fee: &FeeOnReopening) -> InboxText {
    let next = match fee {
        FeeOnReopening::Held => format!(
            "你的毕业申请已退回“{stage}”环节重新审核（不受批次截止时间限制），审核结果会发到收件箱。"
        ),
        FeeOnReopening::RefundCancelled { amount_fen } => format!(
            "你的毕业申请已退回“{stage}”环节重新审核（不受批次截止时间限制），审核结果会发到收件箱。原定退回的毕业审定费 {} 元不再退回，继续用于本次申请。",
            yuan(*amount_fen)
        ),
        FeeOnReopening::PayAgain {
            amount_fen,
            payment_stage,
        } => format!(
            "因毕业审定费 {} 元已退回原交费账号，请在“{payment_stage}”环节重新交费（不受批次截止时间限制）；交费后申请回到“{stage}”环节重新审核，审核结果会发到收件箱。",
            yuan(*amount_fen)
        ),
    };
    InboxText::new(
        format!(
            "申辩处理结果：{}",
            crate::appeal::AppealStatus::Revoked.label()
        ),
        format!(
            "你对{}的申辩已处理，结果为{}。理由：{}。原决定已撤销，{next}",
            crate::appeal::AppealKind::Graduation.label(),
            crate::appeal::AppealStatus::Revoked.label(),
            reason(why)
        ),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        // 2024-04-10 10:05 in Beijing.
        Utc.with_ymd_and_hms(2024, 4, 10, 2, 5, 0).unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 7, 1).unwrap()
    }

    #[test]
    fn a_revoked_graduation_rejection_says_what_became_of_the_fee() {
        let held = graduation_appeal_revoked("图片清晰", "终审", &FeeOnReopening::Held);
        assert_eq!(held.title, "申辩处理结果：撤销原决定");
        assert!(
            held.body.contains("已退回“终审”环节重新审核"),
            "{}",
            held.body
        );
        assert!(!held.body.contains("审定费"), "{}", held.body);
        let kept = graduation_appeal_revoked(
            "图片清晰",
            "终审",
            &FeeOnReopening::RefundCancelled { amount_fen: 5000 },
        );
        assert!(kept.body.contains("50.00 元不再退回"), "{}", kept.body);
        let again = graduation_appeal_revoked(
            "图片清晰",
            "终审",
            &FeeOnReopening::PayAgain {
                amount_fen: 5000,
                payment_stage: "网上交费".into(),
            },
        );
        assert!(
            again
                .body
                .contains("50.00 元已退回原交费账号，请在“网上交费”环节重新交费"),
            "{}",
            again.body
        );
        assert!(again.body.contains("回到“终审”环节"), "{}", again.body);
    }

    #[test]
    fn graduation_texts() {
        let t = graduation_submitted("初审", at());
        assert_eq!(t.title, "毕业申请已提交，等待初审");
        assert_eq!(
            t.body,
            "你的毕业申请已于 2024-04-10 10:05（北京时间）提交，进入“初审”环节。提交后资料不能修改，请耐心等待审核结果。"
        );
        let t = graduation_rejected("初审", "昆明确认点", "照片模糊。");
        assert_eq!(t.title, "毕业申请被驳回（初审）");
        assert_eq!(
            t.body,
            "昆明确认点在“初审”环节驳回了你的毕业申请。驳回原因：照片模糊。请按驳回原因修改信息或补充材料后重新提交。"
        );
        let t = graduation_approved("终审", day());
        assert_eq!(t.title, "毕业申请审核通过");
        assert_eq!(
            t.body,
            "你的毕业申请已通过“终审”。毕业证书最早可于 2024-07-01 起领取，具体领取时间及方式请查看主考学校公告。"
        );
        let t = graduation_awaiting_payment("初审");
        assert_eq!(t.title, "初审通过，请交费");
        assert_eq!(
            t.body,
            "你的毕业申请已通过“初审”，请在批次截止前完成交费，逾期本次不予办理。"
        );
        let t = graduation_stage_passed("复审");
        assert_eq!(t.title, "复审通过");
        assert_eq!(t.body, "你的毕业申请已通过“复审”，进入下一审核环节。");
        let t = graduation_paid("毕业审定费", "主考学校审核");
        assert_eq!(t.title, "交费成功");
        assert_eq!(
            t.body,
            "你的毕业审定费已交费成功，毕业申请进入“主考学校审核”环节。"
        );
        let t = graduation_wrong_major_requested(at());
        assert_eq!(t.title, "已请求主考学校驳回");
        assert_eq!(
            t.body,
            "你于 2024-04-10 10:05（北京时间）以“专业选择有误”请求主考学校驳回本次毕业申请。驳回后可改选正确的专业重新申请；处理结果会发到收件箱。"
        );
    }

    #[test]
    fn deadline_reminder_texts() {
        let closes = Utc.with_ymd_and_hms(2026, 12, 20, 9, 0, 0).unwrap();
        let t = graduation_deadline_not_submitted("2026年下半年毕业申请", closes);
        assert_eq!(t.title, "毕业申请尚未提交");
        assert_eq!(
            t.body,
            "你在“2026年下半年毕业申请”的毕业申请尚未提交，请在 2026-12-20 17:00（北京时间）前完成填写并提交，逾期本次不予办理。"
        );
        let t = graduation_deadline_rejected(
            "2026年下半年毕业申请",
            "主考学校初审",
            "照片模糊。",
            closes,
        );
        assert_eq!(t.title, "毕业申请被驳回，尚未重新提交");
        assert_eq!(
            t.body,
            "你在“2026年下半年毕业申请”的毕业申请在“主考学校初审”环节被驳回，驳回原因：照片模糊。请按驳回原因修改信息或补充材料，在 2026-12-20 17:00（北京时间）前重新提交，逾期本次不予办理。"
        );
        let t = graduation_deadline_unpaid("2026年下半年毕业申请", "缴纳毕业审定费", closes);
        assert_eq!(t.title, "毕业申请尚未交费");
        assert_eq!(
            t.body,
            "你在“2026年下半年毕业申请”的毕业申请正在“缴纳毕业审定费”环节等待交费，请在 2026-12-20 17:00（北京时间）前完成交费，逾期本次不予办理。"
        );
    }

    #[test]
    fn closed_texts_say_why() {
        let batch = "2024年上半年毕业申请";
        let t = graduation_closed_not_submitted(batch);
        assert_eq!(t.title, "本次毕业申请不予办理");
        assert_eq!(
            t.body,
            "“2024年上半年毕业申请”已截止，你的毕业申请截止时仍未提交，本次不予办理。可在下次批次重新申请。"
        );
        let t = graduation_closed_rejected(batch, "主考学校初审", "照片模糊！");
        assert_eq!(t.title, "本次毕业申请不予办理");
        assert_eq!(
            t.body,
            "“2024年上半年毕业申请”已截止，你的毕业申请在“主考学校初审”环节被驳回（驳回原因：照片模糊）后未在截止前重新提交，本次不予办理。可在下次批次重新申请。"
        );
        let t = graduation_closed_in_review(batch, "主考学校初审");
        assert_eq!(t.title, "本次毕业申请不予办理");
        assert_eq!(
            t.body,
            "“2024年上半年毕业申请”已截止，截止时你的毕业申请仍在“主考学校初审”环节等待审核，未能在本批次办理完成，本次不予办理。这并非你的原因所致，可在下次批次重新申请。"
        );
        let t = graduation_closed_unpaid(batch, "缴纳毕业审定费");
        assert_eq!(t.title, "本次毕业申请不予办理");
        assert_eq!(
            t.body,
            "“2024年上半年毕业申请”已截止，你的毕业申请已通过初审，但未在截止前完成交费（缴纳毕业审定费），本次不予办理。可在下次批次重新申请。"
        );
    }

    #[test]
    fn prior_education_texts() {
        let t = prior_manual_submitted("昆明确认点");
        assert_eq!(t.title, "前置学历已提交人工审核");
        assert_eq!(
            t.body,
            "请携带前置学历毕业证书原件和复印件、《教育部学历证书电子注册备案表》及有关变更证明原件和复印件，到昆明确认点现场提交材料进行人工审核。"
        );
        assert_eq!(prior_originals_checked().title, "前置学历原件已核验");
        assert_eq!(prior_approved().title, "前置学历审核通过");
        let t = prior_rejected("备案表不清晰！");
        assert_eq!(t.title, "前置学历审核未通过");
        assert_eq!(
            t.body,
            "省招生考试院驳回了你的前置学历人工审核：备案表不清晰。请修改后重新提交。"
        );
        let t = prior_credential_verified("云南大学", day());
        assert_eq!(t.title, "前置学历核验通过");
        assert_eq!(
            t.body,
            "学信网已推送你的前置学历信息（云南大学，2024-07-01毕业），系统审核通过，仅本次毕业申请有效。"
        );
        let t = prior_credential_not_verified("学信网未查到该身份证号的专科及以上学历证书");
        assert_eq!(t.title, "前置学历授权核验未通过");
        assert_eq!(
            t.body,
            "学信网推送的前置学历信息未通过系统审核：学信网未查到该身份证号的专科及以上学历证书。你可以选择人工审核。"
        );
    }

    #[test]
    fn payment_texts() {
        let t = refund_second_charge("G2024001", 12000, "T99");
        assert_eq!(t.title, "重复扣款将退回");
        assert_eq!(
            t.body,
            "支付平台对订单 G2024001 重复扣款 120.00 元（交易号 T99），重复的款项将尽快退回原交费账号，无需任何操作。"
        );
        let t = refund_queued(12000, "交费到账时申请已不在待交费状态（批次已截止）");
        assert_eq!(t.title, "交费将退回");
        assert_eq!(
            t.body,
            "毕业审定费 120.00 元已到账，但交费到账时申请已不在待交费状态（批次已截止），将在本次毕业办理结束后退回原交费账号。"
        );
        let t = refund_executed(12050, "RG2024001");
        assert_eq!(t.title, "退费完成");
        assert_eq!(
            t.body,
            "毕业审定费 120.50 元已退回原交费账号（退款单号 RG2024001），到账时间以支付机构为准。"
        );
    }

    #[test]
    fn exemption_and_correction_texts() {
        let t = exemption_submitted("00015", at(), "云南大学");
        assert_eq!(t.title, "免考申请已提交（00015）");
        assert_eq!(
            t.body,
            "你于 2024-04-10 10:05（北京时间）申请课程00015免考，等待云南大学审核。审核结果会发到收件箱。"
        );
        let t = exemption_approved("00015");
        assert_eq!(t.title, "免考申请已通过（00015）");
        assert_eq!(
            t.body,
            "你申请的课程00015免考已通过审核，免考成绩已记入考籍，申请毕业时无需再上传免考材料。"
        );
        let t = exemption_rejected("00015", "证书已过期.");
        assert_eq!(t.title, "免考申请未通过（00015）");
        assert_eq!(
            t.body,
            "你申请的课程00015免考未通过审核。原因：证书已过期。可按原因准备材料后重新申请。"
        );
        let t = correction_submitted("姓名", "张三", at());
        assert_eq!(t.title, "姓名更正申请已提交");
        assert_eq!(
            t.body,
            "你于 2024-04-10 10:05（北京时间）申请将姓名更正为“张三”，等待审核。审核结果会发到收件箱。"
        );
        let t = correction_approved("姓名", "张三");
        assert_eq!(t.title, "姓名更正已通过");
        assert_eq!(
            t.body,
            "你申请的姓名更正已通过审核，考籍中的姓名已改为“张三”。"
        );
        let t = correction_rejected("姓名", "张三", "请上传户籍证明；");
        assert_eq!(t.title, "姓名更正未通过");
        assert_eq!(
            t.body,
            "你申请将姓名更正为“张三”未通过审核。审核意见：请上传户籍证明。如有需要，可按意见准备材料后重新申请。"
        );
    }

    #[test]
    fn backfill_texts() {
        let t = legacy_linked("0123456789012", 3);
        assert_eq!(t.title, "13位准考证号已关联");
        assert_eq!(
            t.body,
            "13位准考证号0123456789012已关联到您的账号，其下3条成绩已转入管理平台，可在“成绩查询”中查看并用于申请毕业。"
        );
        let t = backfill_approved("00015", "英语（二）", "72.5");
        assert_eq!(t.title, "成绩补录已通过");
        assert_eq!(
            t.body,
            "课程00015 英语（二）的成绩（72.5）已补录到管理平台，可用于申请毕业。"
        );
        let t = backfill_rejected("00015", "", "成绩单模糊。");
        assert_eq!(t.title, "成绩补录未通过");
        assert_eq!(
            t.body,
            "课程00015的成绩补录申请被驳回：成绩单模糊。如有需要，可修改后重新提交。"
        );
    }

    #[test]
    fn degree_texts() {
        let t = degree_submitted("2024年学士学位申请");
        assert_eq!(t.title, "学位申请已提交");
        assert_eq!(
            t.body,
            "你的学位申请（2024年学士学位申请）已确认提交，请等待学校审核。"
        );
        let t = degree_stage_passed("学院审核", "学校审核");
        assert_eq!(t.title, "学位申请已通过学院审核");
        assert_eq!(
            t.body,
            "你的学位申请已通过“学院审核”，进入“学校审核”环节，请等待审核。"
        );
        let t = degree_rejected("学院审核", "论文成绩不足。");
        assert_eq!(t.title, "学位申请审核不通过");
        assert_eq!(
            t.body,
            "你的学位申请在“学院审核”环节审核不通过。审核意见：论文成绩不足。可在申请时间内按意见修改后重新提交。"
        );
        let t = degree_approved();
        assert_eq!(t.title, "学位申请审核通过");
        let t = degree_award(DegreeAward::NotAwarded);
        assert_eq!(t.title, "学位授予结果：不授予");
        assert_eq!(t.body, "你的学位申请的学位授予结果为：不授予。");
        let t = language_stage_passed("2024年学位外语", "学院审核", "学校审核");
        assert_eq!(t.title, "学位外语成绩认定：已通过学院审核");
        assert_eq!(
            t.body,
            "您在2024年学位外语的学位外语成绩认定申请已通过“学院审核”，进入“学校审核”环节，请等待审核结果。"
        );
        let t = language_decided(
            "2024年学位外语",
            LanguageStatus::Approved,
            Qualification::Qualified,
            "",
        );
        assert_eq!(t.title, "学位外语成绩认定：审核通过");
        assert_eq!(
            t.body,
            "您在2024年学位外语的学位外语成绩认定申请审核通过，合格状态：合格。学位外语成绩合格，达到学位申请条件者可进入“学位申请”。"
        );
        let t = language_decided(
            "2024年学位外语",
            LanguageStatus::Rejected,
            Qualification::Unqualified,
            "成绩未达425分。",
        );
        assert_eq!(
            t.body,
            "您在2024年学位外语的学位外语成绩认定申请审核不通过，合格状态：不合格。审核意见：成绩未达425分。"
        );
    }

    /// Every message, with `opinion` wherever a person's free text goes in.
    fn every_message(opinion: &str) -> Vec<InboxText> {
        let mut all = vec![
            graduation_submitted("初审", at()),
            graduation_rejected("初审", "昆明确认点", opinion),
            graduation_approved("终审", day()),
            graduation_awaiting_payment("初审"),
            graduation_stage_passed("复审"),
            graduation_paid("毕业审定费", "主考学校审核"),
            graduation_wrong_major_requested(at()),
            graduation_deadline_not_submitted("2024年上半年毕业申请", at()),
            graduation_deadline_rejected("2024年上半年毕业申请", "初审", opinion, at()),
            graduation_deadline_unpaid("2024年上半年毕业申请", "缴纳毕业审定费", at()),
            graduation_closed_not_submitted("2024年上半年毕业申请"),
            graduation_closed_rejected("2024年上半年毕业申请", "初审", opinion),
            graduation_closed_in_review("2024年上半年毕业申请", "初审"),
            graduation_closed_unpaid("2024年上半年毕业申请", "缴纳毕业审定费"),
            prior_manual_submitted("昆明确认点"),
            prior_originals_checked(),
            prior_approved(),
            prior_rejected(opinion),
            prior_credential_verified("云南大学", day()),
            prior_credential_not_verified(opinion),
            refund_second_charge("G2024001", 12000, "T99"),
            refund_queued(12000, opinion),
            refund_executed(12000, "RG2024001"),
            exemption_submitted("00015", at(), "云南大学"),
            exemption_approved("00015"),
            exemption_rejected("00015", opinion),
            correction_submitted("姓名", "张三", at()),
            correction_approved("姓名", "张三"),
            correction_rejected("姓名", "张三", opinion),
            legacy_linked("0123456789012", 0),
            backfill_approved("00015", "英语（二）", "合格"),
            backfill_rejected("00015", "英语（二）", opinion),
            backfill_rejected("00015", "", opinion),
            degree_submitted("2024年学士学位申请"),
            degree_stage_passed("学院审核", "学校审核"),
            degree_rejected("学院审核", opinion),
            degree_approved(),
            language_stage_passed("2024年学位外语", "学院审核", "学校审核"),
        ];
        for award in DegreeAward::ALL {
            all.push(degree_award(*award));
        }
        for status in [LanguageStatus::Approved, LanguageStatus::Rejected] {
            for q in Qualification::ALL {
                all.push(language_decided("2024年学位外语", status, *q, opinion));
            }
        }
        all
    }

    #[test]
    fn no_message_doubles_punctuation_or_leaves_a_gap() {
        let opinions = [
            "照片模糊",
            "照片模糊。",
            "照片模糊。。",
            "照片模糊！",
            "照片模糊!",
            "照片模糊.",
            "照片模糊；",
            "照片模糊，",
            " 照片模糊。 ",
            "。",
            "",
        ];
        let bad = [
            "。。",
            "。，",
            "，。",
            "：。",
            "于提交",
            "于 （",
            "于  ",
            "可于  ",
            "{",
            "}",
            " 的",
        ];
        for opinion in opinions {
            for m in every_message(opinion) {
                for text in [&m.title, &m.body] {
                    assert!(!text.is_empty(), "empty text for {opinion:?}: {m:?}");
                    for b in bad {
                        assert!(!text.contains(b), "{b:?} in {text:?} (opinion {opinion:?})");
                    }
                }
                assert!(
                    m.body.ends_with('。'),
                    "body does not end a sentence: {:?}",
                    m.body
                );
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod appeal_texts {
    use super::*;
    use crate::appeal::{AppealKind, AppealStatus};
    use chrono::TimeZone;

    #[test]
    fn appeal_texts_read_whole_and_name_the_decision() {
        let at = Utc.with_ymd_and_hms(2026, 12, 5, 2, 0, 0).unwrap();
        let t = appeal_filed(AppealKind::DegreeAward, "继续教育学院", at);
        assert_eq!(t.title, "申辩已提交：学位授予结果“不授予”");
        assert_eq!(
            t.body,
            "你对学位授予结果“不授予”的申辩已于 2026-12-05 10:00（北京时间）提交，由继续教育学院复核，处理结果会发到收件箱。"
        );
        let t = appeal_received(AppealKind::Language, "2026批次", "2022130502001", 7);
        assert_eq!(t.title, "新的申辩待处理：学位外语成绩认定“不合格”");
        assert!(t.body.contains(
            "学号为 2022130502001 的学生对2026批次的学位外语成绩认定“不合格”提出申辩（申辩编号 7）"
        ));
        for why in ["成绩单核实无误", "成绩单核实无误。", "。", ""] {
            for kind in AppealKind::ALL {
                for outcome in [AppealStatus::Upheld, AppealStatus::Revoked] {
                    let t = appeal_decided(*kind, outcome, why, "学院审核");
                    for bad in ["。。", "：。", "{", "}"] {
                        assert!(!t.body.contains(bad), "{bad:?} in {:?}", t.body);
                    }
                    assert!(t.body.ends_with('。'), "{:?}", t.body);
                }
            }
        }
        let t = appeal_decided(
            AppealKind::Language,
            AppealStatus::Revoked,
            "成绩证明有效。",
            "学院审核",
        );
        assert_eq!(t.title, "申辩处理结果：撤销原决定");
        assert_eq!(
            t.body,
            "你对学位外语成绩认定“不合格”的申辩已处理，结果为撤销原决定。理由：成绩证明有效。原决定已撤销，你的学位外语成绩认定申请已退回“学院审核”环节重新审核，结果会发到收件箱。"
        );
        let t = appeal_filed(AppealKind::Graduation, "某某市自学考试办公室", at);
        assert_eq!(
            t.body,
            "你对毕业申请“本次不予办理”的申辩已于 2026-12-05 10:00（北京时间）提交，由某某市自学考试办公室复核，处理结果会发到收件箱。"
        );
        let t = graduation_appeal_received("2026年下半年毕业申请", "市级审核", "010123456789", 9);
        assert_eq!(t.title, "新的申辩待处理：毕业申请“本次不予办理”");
        assert!(t.body.starts_with(
            "准考证号为 010123456789 的考生对“2026年下半年毕业申请”的毕业申请在“市级审核”环节被驳回"
        ));
        assert!(t.body.contains("（申辩编号 9）"), "{}", t.body);
        let t = appeal_decided(
            AppealKind::Graduation,
            AppealStatus::Revoked,
            "毕业论文成绩已核实",
            "市级审核",
        );
        assert_eq!(
            t.body,
            "你对毕业申请“本次不予办理”的申辩已处理，结果为撤销原决定。理由：毕业论文成绩已核实。原决定已撤销，你的毕业申请已退回“市级审核”环节重新审核（不受批次截止时间限制），审核结果会发到收件箱。"
        );
        let t = appeal_decided(
            AppealKind::Graduation,
            AppealStatus::Upheld,
            "驳回理由成立",
            "市级审核",
        );
        assert!(
            t.body.ends_with("理由：驳回理由成立。原决定继续有效。"),
            "{}",
            t.body
        );
        let t = appeal_decided(
            AppealKind::DegreeAward,
            AppealStatus::Upheld,
            "论文答辩未通过",
            "",
        );
        assert_eq!(
            t.body,
            "你对学位授予结果“不授予”的申辩已处理，结果为维持原决定。理由：论文答辩未通过。原决定继续有效。"
        );
    }
}

#[cfg(test)]
mod staff_appeal_texts {
    use super::*;
    use crate::appeal::{AppealKind, AppealStatus};

    #[test]
    fn colleagues_read_the_outcome_with_the_application_and_the_reason() {
        let t = appeal_decided_for_staff(
            AppealKind::DegreeAward,
            AppealStatus::Revoked,
            "学号为 2022130502001 的学生",
            "2026年学位申请",
            41,
            7,
            "答辩记录核实无误。",
            "学院审核",
        );
        assert_eq!(t.title, "申辩已处理（撤销原决定）：学位授予结果“不授予”");
        assert_eq!(
            t.body,
            "学号为 2022130502001 的学生对“2026年学位申请”申请编号 41 的学位授予结果“不授予”提出的申辩（申辩编号 7）已处理，结果为撤销原决定。理由：答辩记录核实无误。原“不授予”已撤销，该申请恢复为审核通过、未登记学位授予结果，需重新登记学位授予结果。"
        );
        let t = appeal_decided_for_staff(
            AppealKind::Graduation,
            AppealStatus::Upheld,
            "准考证号为 010123456789 的考生",
            "2026年下半年毕业申请",
            12,
            9,
            "驳回理由成立",
            "市级审核",
        );
        assert!(
            t.body
                .ends_with("结果为维持原决定。理由：驳回理由成立。原决定继续有效，无需再处理。"),
            "{}",
            t.body
        );
        for why in ["成绩单核实无误", "成绩单核实无误。", "。", ""] {
            for kind in AppealKind::ALL {
                for outcome in [AppealStatus::Upheld, AppealStatus::Revoked] {
                    let t =
                        appeal_decided_for_staff(*kind, outcome, "某人", "批次", 1, 2, why, "终审");
                    for bad in ["。。", "：。", "{", "}"] {
                        assert!(!t.body.contains(bad), "{bad:?} in {:?}", t.body);
                    }
                    assert!(t.body.ends_with('。'), "{:?}", t.body);
                    assert!(t.body.contains(outcome.label()), "{:?}", t.body);
                }
            }
        }
        let t = appeal_decided_for_staff(
            AppealKind::Language,
            AppealStatus::Revoked,
            "学号为 1 的学生",
            "批次",
            3,
            4,
            "成绩有效",
            "学院审核",
        );
        assert!(t.body.contains("已退回“学院审核”环节待审核"), "{}", t.body);
    }
}

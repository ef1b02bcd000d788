//! 驳回原因: the catalogue of common rejection reasons a reviewer picks from,
//! and how a picked reason and the reviewer's own words become the one reason
//! the candidate reads.
//!
//! The catalogue follows the materials the graduation notice asks for (seed
//! 001 §8), so that a candidate who is told what is wrong finds the same words
//! as on the form and knows which section to fix.

use crate::ValueError;

coded_enum! {
    /// A common reason for rejecting a graduation application.
    pub enum CommonReason("驳回原因") {
        /// The ID card's portrait side cannot be read.
        IdFrontUnclear => ("id_front_unclear", "身份证正面（人像面）图片不清晰或不完整"),
        /// The ID card's emblem side cannot be read.
        IdBackUnclear => ("id_back_unclear", "身份证反面（国徽面）图片不清晰或不完整"),
        /// The pictures were edited rather than taken from the original.
        ImageModified => ("image_modified", "上传的图片经过修改，请上传原图"),
        /// 自我鉴定 does not meet the requirements.
        SelfAppraisal => ("self_appraisal", "自我鉴定内容不符合要求"),
        /// The signature is unreadable or not the candidate's own.
        Signature => ("signature", "签名不清晰或非本人签名"),
        /// 本人简历 is incomplete.
        ResumeIncomplete => ("resume_incomplete", "本人简历填写不完整"),
        /// The typed prior-education data differ from the certificate.
        PriorMismatch => ("prior_mismatch", "前置学历信息与证书不一致"),
        /// The prior diploma or its registration record cannot be read.
        PriorImagesUnclear => ("prior_images_unclear", "前置学历证书或电子注册备案表图片不清晰"),
        /// A name or ID change lacks the police statement.
        ChangeProofMissing => ("change_proof_missing", "身份信息有变更，缺少派出所出具的改名或身份证号变更情况说明"),
        /// The application's identity differs from the candidate's record.
        IdentityMismatch => ("identity_mismatch", "姓名或身份证号与考籍信息不符（请先申请考籍更正）"),
        /// Practical components or the graduation assessment are not done.
        PracticalUnfinished => ("practical_unfinished", "实践性环节或毕业考核未完成"),
        /// The candidate asked for the rejection: the major was chosen wrongly.
        WrongMajor => ("wrong_major", "考生申请驳回：专业选择有误"),
        /// Seed 003: a notice stamped by anyone else is not accepted.
        WrongSeal => ("wrong_seal", "实习(实验)考核合格成绩通知单未加盖申请毕业主考学校有关学院的公章"),
        /// Seed 003's photo rules (light-blue background, head centred, no selfies).
        PhotoNonCompliant => ("photo_non_compliant", "毕业证书照片不符合要求（须为近期正面免冠彩色浅蓝色背景头像）"),
        /// Seed 003: the ID card must be valid after the batch's cutoff.
        IdExpired => ("id_expired", "身份证扫描件不清晰或有效期不符合要求"),
        /// Seed 003: the signed commitment letter.
        CommitmentMissing => ("commitment_missing", "承诺书未本人签字或扫描件不清晰"),
    }
}

/// Longest free text (补充说明) a reviewer may add, in characters: long enough
/// for a precise instruction, short enough for an inbox line.
pub const REASON_TEXT_MAX: usize = 200;

/// Combines a picked catalogue reason (its code; empty when none was picked)
/// and the reviewer's free text into the reason the candidate sees, e.g.
/// "身份证正面（人像面）图片不清晰或不完整；请在光线充足处重新拍摄".
///
/// At least one of the two is required. Line breaks in the free text become
/// spaces, as the reason is shown on one line in lists and messages.
pub fn compose_reason(code: &str, text: &str) -> Result<String, ValueError> {
    let code = code.trim();
    let picked = if code.is_empty() {
        None
    } else {
        Some(
            CommonReason::from_code(code)
                .ok_or_else(|| ValueError::new("所选的驳回原因不在常见原因列表中，请重新选择"))?,
        )
    };
    let text: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let n = text.chars().count();
    if n > REASON_TEXT_MAX {
        return Err(ValueError(format!(
            "补充说明最多 {REASON_TEXT_MAX} 字，当前 {n} 字，超出 {} 字",
            n - REASON_TEXT_MAX
        )));
    }
    match (picked, text.is_empty()) {
        (None, true) => Err(ValueError::new(
            "驳回时请选择常见驳回原因或填写补充说明（至少一项）",
        )),
        (None, false) => Ok(text),
        (Some(r), true) => Ok(r.label().to_owned()),
        (Some(r), false) => Ok(format!("{}；{text}", r.label())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_picked_reason_alone_is_the_reason() {
        assert_eq!(
            compose_reason("id_front_unclear", "  "),
            Ok("身份证正面（人像面）图片不清晰或不完整".to_owned())
        );
    }

    #[test]
    fn free_text_alone_is_the_reason() {
        assert_eq!(
            compose_reason("", " 请补充实践考核成绩通知单 "),
            Ok("请补充实践考核成绩通知单".to_owned())
        );
    }

    #[test]
    fn both_are_joined_with_the_catalogue_reason_first() {
        assert_eq!(
            compose_reason("signature", "签名被裁掉一半\n请重新截取").unwrap(),
            "签名不清晰或非本人签名；签名被裁掉一半 请重新截取"
        );
    }

    #[test]
    fn neither_is_refused() {
        let err = compose_reason(" ", "\n ").unwrap_err();
        assert!(err.0.contains("至少一项"), "{err}");
    }

    #[test]
    fn unknown_codes_are_refused_not_ignored() {
        let err = compose_reason("made_up", "照片模糊").unwrap_err();
        assert!(err.0.contains("不在常见原因列表中"), "{err}");
    }

    #[test]
    fn free_text_stops_at_two_hundred_characters() {
        assert!(compose_reason("", &"字".repeat(REASON_TEXT_MAX)).is_ok());
        let err = compose_reason("wrong_major", &"字".repeat(REASON_TEXT_MAX + 3)).unwrap_err();
        assert_eq!(err.0, "补充说明最多 200 字，当前 203 字，超出 3 字");
    }

    #[test]
    fn catalogue_codes_are_unique_and_cover_the_notice_materials() {
        let mut codes: Vec<&str> = CommonReason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        let n = codes.len();
        codes.dedup();
        assert_eq!(n, codes.len());
        for label in [
            "身份证正面（人像面）图片不清晰或不完整",
            "身份证反面（国徽面）图片不清晰或不完整",
            "自我鉴定内容不符合要求",
            "签名不清晰或非本人签名",
            "本人简历填写不完整",
            "前置学历信息与证书不一致",
            "前置学历证书或电子注册备案表图片不清晰",
            "姓名或身份证号与考籍信息不符（请先申请考籍更正）",
            "实践性环节或毕业考核未完成",
            "考生申请驳回：专业选择有误",
        ] {
            assert!(
                CommonReason::ALL.iter().any(|r| r.label() == label),
                "{label}"
            );
        }
    }
}

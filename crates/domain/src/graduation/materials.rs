//! What a province's application form asks for (SPEC §3 "application form
//! sections"): the resume, self-appraisal and signature of seed 001,
//! the ID validity, commitment letter, exemption forms, practical
//! assessment notice and certificate photo (seed 003). The form, the
//! completeness check and the reviewer page all read this one profile, so a
//! province's materials are data rather than branches scattered over pages.

use chrono::NaiveDate;

use crate::ValueError;

/// The sections and materials a province's form asks for (its definition's `[form]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormProfile {
    /// 本人简历, 自我鉴定 and 签名 (seed 001's register and transcript page).
    pub register_sections: bool,
    /// 身份证有效期 typed in and checked against the batch's cutoff.
    pub id_validity: bool,
    /// 《毕业办证申请暨思想品德合格承诺书》 scan (moral condition c).
    pub commitment_letter: bool,
    /// 《免考课程登记表》 per offline exemption used.
    pub exemption_forms: bool,
    /// 实习(实验)考核合格成绩通知单 where the plan has a practical part or thesis.
    pub practical_notice: bool,
    /// The certificate photo of seed 003 (480×640, 300 dpi …).
    pub certificate_photo: bool,
    /// Largest picture accepted for the form's scans, in bytes.
    pub scan_max_bytes: usize,
    /// Prior education reviewed manually before the application is submitted
    /// (confirmation point or university checks originals, the office gives
    /// the final review); otherwise the application's reviewers look at it.
    pub prior_reviewed_before_submit: bool,
    /// Prior education is checked only after the candidate authorises 学信网 to push it (seed
    /// 003 §(二)1); otherwise the platform queries the registry itself (seed 001).
    pub prior_by_authorisation: bool,
}

/// Written for an ID card valid without end (长期).
pub const ID_VALID_INDEFINITELY: &str = "长期";

/// Checks the 身份证有效期截止日期 typed on the form: "YYYY-MM-DD" or "长期",
/// strictly after the batch's cutoff (seed 003: "身份证有效期在2024年6月30日之后").
/// Returns the value to store.
pub fn validate_id_validity(input: &str, cutoff: Option<NaiveDate>) -> Result<String, ValueError> {
    let s = input.trim();
    if s == ID_VALID_INDEFINITELY {
        return Ok(s.to_owned());
    }
    if s.is_empty() {
        return Err(ValueError(
            "请填写身份证有效期截止日期（长期有效的填“长期”）".to_owned(),
        ));
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ValueError(format!(
            "身份证有效期截止日期应为“年-月-日”格式，如 2031-05-01，或填“长期”，实际为“{s}”"
        ))
    })?;
    if let Some(cutoff) = cutoff
        && date <= cutoff
    {
        return Err(ValueError(format!(
            "身份证有效期截止于 {date}，须在 {} 之后，请先换领有效身份证",
            cutoff.format("%Y年%-m月%-d日")
        )));
    }
    Ok(date.to_string())
}

/// Whether a plan with these course kinds needs the practical assessment
/// notice: a 专科 plan with a practical component or a 本科 plan with a thesis
/// (seed 003 §(三)4). Either kind is enough, as every plan with one of them is
/// assessed at the chief university.
pub fn needs_practical_notice(kinds: &[crate::CourseKind]) -> bool {
    kinds
        .iter()
        .any(|k| matches!(k, crate::CourseKind::Practical | crate::CourseKind::Thesis))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cutoff() -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2024, 6, 30)
    }

    #[test]
    fn id_valid_until_the_cutoff_itself_is_refused_and_the_day_after_accepted() {
        assert_eq!(
            validate_id_validity("2024-06-30", cutoff()).unwrap_err().0,
            "身份证有效期截止于 2024-06-30，须在 2024年6月30日 之后，请先换领有效身份证"
        );
        assert_eq!(
            validate_id_validity(" 2024-07-01 ", cutoff()).unwrap(),
            "2024-07-01"
        );
    }

    #[test]
    fn indefinite_id_is_accepted_and_garbage_is_named() {
        assert_eq!(validate_id_validity("长期", cutoff()).unwrap(), "长期");
        assert_eq!(
            validate_id_validity("2024/07/01", cutoff()).unwrap_err().0,
            "身份证有效期截止日期应为“年-月-日”格式，如 2031-05-01，或填“长期”，实际为“2024/07/01”"
        );
        assert!(validate_id_validity("", cutoff()).is_err());
    }

    #[test]
    fn provinces_ask_for_their_own_materials() {
        let cq = crate::Province::from_code("chongqing").unwrap().form();
        let yn = crate::Province::from_code("yunnan").unwrap().form();
        assert!(cq.register_sections && !cq.certificate_photo && !cq.commitment_letter);
        assert!(!yn.register_sections && yn.certificate_photo && yn.commitment_letter);
        assert_eq!(cq.scan_max_bytes, 51_200);
        assert!(yn.prior_reviewed_before_submit && !cq.prior_reviewed_before_submit);
    }

    #[test]
    fn practical_notice_needed_only_with_practical_or_thesis() {
        use crate::CourseKind::*;
        assert!(!needs_practical_notice(&[Theory, Theory]));
        assert!(needs_practical_notice(&[Theory, Practical]));
        assert!(needs_practical_notice(&[Thesis]));
    }
}

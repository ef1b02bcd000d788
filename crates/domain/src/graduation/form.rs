//! The graduation application form (seed 001 §8, SPEC §3): its file slots,
//! the resume, the prior-education section and the optional statement, each
//! validated on its own because each is saved on its own.

use chrono::NaiveDate;

use crate::{IdCardNo, Refusal, ValueError};

coded_enum! {
    /// Where an uploaded picture belongs on the form.
    pub enum FileSlot("材料类型") {
        /// 身份证正面（人像面）.
        IdFront => ("id_front", "身份证正面（人像面）"),
        /// 身份证反面（国徽面）.
        IdBack => ("id_back", "身份证反面（国徽面）"),
        /// The cropped signature.
        Signature => ("signature", "签名"),
        /// The photo printed on the 毕业生登记表 (optional: offices may print the exam record's).
        Photo => ("photo", "照片（打印在毕业生登记表上）"),
        /// 前置学历毕业证书.
        PriorDiploma => ("prior_diploma", "前置学历毕业证书"),
        /// 教育部学历证书电子注册备案表.
        PriorRegistration => ("prior_registration", "教育部学历证书电子注册备案表"),
        /// Police statement of a name or ID number change.
        PriorChangeProof => ("prior_change_proof", "派出所出具的改名或身份证号变更情况说明"),
        /// 其它材料, optional and several.
        Other => ("other", "其它材料"),
        /// 《毕业办证申请暨思想品德合格承诺书》 signed and scanned.
        Commitment => ("commitment", "毕业办证申请暨思想品德合格承诺书"),
        /// 《免考课程登记表》 of one offline exemption; the file names its course.
        ExemptionForm => ("exemption_form", "免考课程登记表"),
        /// 实习(实验)考核合格成绩通知单 with the chief university college's seal.
        PracticalNotice => ("practical_notice", "实习(实验)考核合格成绩通知单"),
        /// The photo printed on the certificate and sent for e-registration (seed 003).
        CertificatePhoto => ("certificate_photo", "毕业证书照片"),
        /// An automatically corrected certificate photo awaiting the candidate's choice.
        CertificatePhotoPreview => ("certificate_photo_preview", "自动修正后的照片（待确认）"),
        /// The uncorrected upload kept beside its preview until the candidate chooses.
        CertificatePhotoOriginal => ("certificate_photo_original", "上传的原照片（待确认）"),
        /// Copies of the prior-education originals, stamped "复印件与原件一致" and
        /// uploaded by the confirmation point or chief university.
        PriorStampedCopy => ("prior_stamped_copy", "盖章确认的前置学历材料复印件"),
    }
}

/// Most pictures under 其它材料: enough for a few certificates, few enough that
/// reviewers look at all of them.
pub const MAX_OTHER_MATERIALS: usize = 5;

/// Longest 情况说明 in characters.
pub const STATEMENT_MAX: usize = 1_000;

/// Most entries in a resume.
pub const RESUME_MAX_ENTRIES: usize = 20;

/// One line of 本人简历: a period and where the candidate studied or worked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResumeEntry {
    /// Start, "YYYY-MM".
    pub from: String,
    /// End, "YYYY-MM", or "至今".
    pub to: String,
    /// 在何单位学习或工作.
    pub unit: String,
    /// 任何职务 (may be empty).
    pub role: String,
}

fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    ((1900..=2100).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

/// Checks the resume: at least one entry, months as YYYY-MM, no period ending
/// before it starts or in the future, each unit named. Blank rows (all fields
/// empty) are dropped, as forms always offer a few spare rows.
pub fn validate_resume(
    entries: Vec<ResumeEntry>,
    today: NaiveDate,
) -> Result<Vec<ResumeEntry>, ValueError> {
    let today_month = (
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
    );
    let mut out = Vec::new();
    for (i, e) in entries.into_iter().enumerate() {
        let e = ResumeEntry {
            from: e.from.trim().to_string(),
            to: e.to.trim().to_string(),
            unit: e.unit.trim().to_string(),
            role: e.role.trim().to_string(),
        };
        if e.from.is_empty() && e.to.is_empty() && e.unit.is_empty() && e.role.is_empty() {
            continue;
        }
        let n = i + 1;
        let from = parse_month(&e.from).ok_or_else(|| {
            ValueError(format!(
                "简历第 {n} 行：起始年月应为“年-月”格式，如 2018-09，实际为“{}”",
                e.from
            ))
        })?;
        let to = if e.to == "至今" {
            today_month
        } else {
            parse_month(&e.to).ok_or_else(|| {
                ValueError(format!(
                    "简历第 {n} 行：终止年月应为“年-月”格式或“至今”，实际为“{}”",
                    e.to
                ))
            })?
        };
        if to < from {
            return Err(ValueError(format!(
                "简历第 {n} 行：终止年月 {} 早于起始年月 {}",
                e.to, e.from
            )));
        }
        if to > today_month {
            return Err(ValueError(format!(
                "简历第 {n} 行：终止年月 {} 晚于本月，尚未到来的经历请填“至今”",
                e.to
            )));
        }
        let unit_len = e.unit.chars().count();
        if unit_len == 0 {
            return Err(ValueError(format!(
                "简历第 {n} 行：请填写在何单位学习或工作"
            )));
        }
        if unit_len > 60 || e.role.chars().count() > 30 {
            return Err(ValueError(format!(
                "简历第 {n} 行：单位最多 60 字、职务最多 30 字，实际 {} 字、{} 字",
                unit_len,
                e.role.chars().count()
            )));
        }
        out.push(e);
    }
    if out.is_empty() {
        return Err(ValueError("本人简历至少填写一条".to_string()));
    }
    if out.len() > RESUME_MAX_ENTRIES {
        return Err(ValueError(format!(
            "本人简历最多 {RESUME_MAX_ENTRIES} 条，实际 {} 条",
            out.len()
        )));
    }
    Ok(out)
}

/// The prior-education section (seed 001 §8b) as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PriorEducationInput {
    /// 姓名 on the prior diploma.
    pub name: String,
    /// 身份证号 on the prior diploma.
    pub id_card_no: String,
    /// 前置学历毕业证编号.
    pub cert_no: String,
    /// 前置学历毕业院校.
    pub school: String,
    /// 毕业时间, "YYYY-MM-DD".
    pub graduation_date: String,
}

/// The prior-education section once valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriorEducationForm {
    /// 姓名.
    pub name: String,
    /// 身份证号.
    pub id_card_no: IdCardNo,
    /// 毕业证编号.
    pub cert_no: String,
    /// 毕业院校.
    pub school: String,
    /// 毕业时间.
    pub graduation_date: NaiveDate,
}

/// Checks the prior-education section; the graduation date must lie before
/// the application (`today`).
pub fn validate_prior_education(
    input: &PriorEducationInput,
    today: NaiveDate,
) -> Result<PriorEducationForm, Refusal> {
    let name = input.name.trim();
    crate::ids::validate_person_name(name).map_err(|e| e.at("name"))?;
    let id_card_no = IdCardNo::parse(&input.id_card_no).map_err(|e| e.at("id_card_no"))?;
    let cert_no = input.cert_no.trim();
    if cert_no.is_empty() {
        return Err(ValueError("请填写前置学历毕业证编号".to_string()).at("cert_no"));
    }
    if cert_no.len() > 40 || !cert_no.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ValueError(format!(
            "毕业证编号应为不超过 40 位的数字或字母，实际为“{cert_no}”"
        ))
        .at("cert_no"));
    }
    let school = input.school.trim();
    let school_len = school.chars().count();
    if !(2..=60).contains(&school_len) {
        return Err(
            ValueError(format!("毕业院校应为 2 至 60 字，实际 {school_len} 字")).at("school"),
        );
    }
    let raw_date = input.graduation_date.trim();
    let graduation_date = NaiveDate::parse_from_str(raw_date, "%Y-%m-%d").map_err(|_| {
        ValueError(format!(
            "毕业时间应为“年-月-日”格式，如 2019-06-30，实际为“{raw_date}”"
        ))
        .at("graduation_date")
    })?;
    if graduation_date >= today {
        return Err(ValueError(format!(
            "前置学历毕业时间 {graduation_date} 须早于本次申请日期 {today}"
        ))
        .at("graduation_date"));
    }
    Ok(PriorEducationForm {
        name: name.to_string(),
        id_card_no,
        cert_no: cert_no.to_string(),
        school: school.to_string(),
        graduation_date,
    })
}

/// Checks the optional 情况说明 and returns it trimmed (`None` when empty).
pub fn validate_statement(text: &str) -> Result<Option<String>, ValueError> {
    let t = text.trim();
    let n = t.chars().count();
    if n > STATEMENT_MAX {
        return Err(ValueError(format!(
            "情况说明最多 {STATEMENT_MAX} 字，当前 {n} 字，超出 {} 字",
            n - STATEMENT_MAX
        )));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default()
    }

    fn entry(from: &str, to: &str, unit: &str) -> ResumeEntry {
        ResumeEntry {
            from: from.into(),
            to: to.into(),
            unit: unit.into(),
            role: String::new(),
        }
    }

    #[test]
    fn resume_keeps_filled_rows_and_drops_blank_ones() {
        let r = validate_resume(
            vec![
                entry("2012-09", "2015-06", "重庆市第一中学"),
                entry("", "", ""),
                entry("2015-07", "至今", "重庆某公司"),
            ],
            today(),
        );
        assert_eq!(r.map(|v| v.len()), Ok(2));
    }

    #[test]
    fn resume_refuses_bad_months_reversed_periods_and_empty_lists() {
        let bad = |e: ResumeEntry| validate_resume(vec![e], today()).unwrap_err().0;
        assert!(bad(entry("2012/09", "2015-06", "某校")).contains("第 1 行：起始年月"));
        assert!(bad(entry("2015-09", "2012-06", "某校")).contains("早于起始年月"));
        assert!(bad(entry("2015-09", "2027-01", "某校")).contains("晚于本月"));
        assert!(bad(entry("2015-09", "2016-01", "")).contains("在何单位"));
        assert!(validate_resume(vec![], today()).is_err());
    }

    #[test]
    fn prior_graduation_must_precede_the_application() {
        let mut input = PriorEducationInput {
            name: "张三".into(),
            id_card_no: "11010519491231002X".into(),
            cert_no: "106111201905001234".into(),
            school: "重庆师范大学".into(),
            graduation_date: "2026-11-24".into(),
        };
        let err = validate_prior_education(&input, today()).unwrap_err();
        assert!(err.message.contains("须早于本次申请日期"), "{err}");
        assert_eq!(err.field, "graduation_date");
        input.graduation_date = "2026-11-23".into();
        assert!(validate_prior_education(&input, today()).is_ok());
        input.graduation_date = "2019/06/30".into();
        assert_eq!(
            validate_prior_education(&input, today()).map_err(|e| e.field),
            Err("graduation_date")
        );
        input.graduation_date = "2019-06-30".into();
        input.cert_no = "1061-1120".into();
        assert_eq!(
            validate_prior_education(&input, today()).map_err(|e| e.field),
            Err("cert_no")
        );
        input.cert_no = "106111201905001234".into();
        input.id_card_no = "110105194912310021".into();
        assert_eq!(
            validate_prior_education(&input, today()).map_err(|e| e.field),
            Err("id_card_no")
        );
    }

    #[test]
    fn statement_is_optional_and_bounded() {
        assert_eq!(validate_statement("  "), Ok(None));
        assert!(validate_statement(&"字".repeat(STATEMENT_MAX)).is_ok());
        let err = validate_statement(&"字".repeat(STATEMENT_MAX + 1)).unwrap_err();
        assert!(err.0.contains("超出 1 字"));
    }
}

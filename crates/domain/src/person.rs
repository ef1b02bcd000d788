//! Personal attributes recorded on a graduation application.

use crate::ValueError;

coded_enum! {
    /// Sex as recorded on the ID card.
    pub enum Gender("性别") {
        /// 男.
        Male => ("male", "男"),
        /// 女.
        Female => ("female", "女"),
    }
}

coded_enum! {
    /// How the candidate studied, which decides who reviews the application.
    pub enum CandidateType("考生类型") {
        /// Studied independently (社会考生).
        SelfStudy => ("self_study", "社会考生"),
        /// Enrolled with an assisted-learning unit (助学考生).
        Assisted => ("assisted", "助学考生"),
        /// Full-time student using credit recognition (学分互认在校生).
        CreditRecognition => ("credit_recognition", "学分互认在校生"),
    }
}

coded_enum! {
    /// Qualification level of the programme.
    pub enum Level("层次") {
        /// 专科.
        Associate => ("associate", "专科"),
        /// 本科.
        Bachelor => ("bachelor", "本科"),
    }
}

/// The 56 officially recognised ethnic groups, in the GB/T 3304 order.
pub const ETHNICITIES: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// Entries outside the 56 that ID cards and registration forms also use.
const OTHER_ETHNICITIES: [&str; 2] = ["其他", "外国血统中国籍人士"];

/// Normalises an ethnicity to its full name: `汉` and `汉族` both give `汉族`.
/// `其他` and `外国血统中国籍人士` are accepted as-is.
pub fn validate_ethnicity(s: &str) -> Result<String, ValueError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValueError::new("民族不能为空"));
    }
    if ETHNICITIES.contains(&s) || OTHER_ETHNICITIES.contains(&s) {
        return Ok(s.to_string());
    }
    let with_suffix = format!("{s}族");
    if ETHNICITIES.contains(&with_suffix.as_str()) {
        return Ok(with_suffix);
    }
    Err(ValueError(format!(
        "民族“{s}”无效：应为56个民族之一（如“汉族”），或“其他”“外国血统中国籍人士”"
    )))
}

/// 政治面貌 values from GB/T 4762, in their canonical short form.
pub const POLITICAL_STATUSES: &[&str] = &[
    "中共党员",
    "中共预备党员",
    "共青团员",
    "民革党员",
    "民盟盟员",
    "民建会员",
    "民进会员",
    "农工党党员",
    "致公党党员",
    "九三学社社员",
    "台盟盟员",
    "无党派人士",
    "群众",
];

/// Common longer or colloquial spellings seen in imports, mapped to the
/// canonical entry so reports group them together.
const POLITICAL_ALIASES: &[(&str, &str)] = &[
    ("中国共产党党员", "中共党员"),
    ("党员", "中共党员"),
    ("中国共产党预备党员", "中共预备党员"),
    ("预备党员", "中共预备党员"),
    ("中国共产主义青年团团员", "共青团员"),
    ("团员", "共青团员"),
    ("无党派", "无党派人士"),
];

/// Returns the canonical 政治面貌, accepting a few well-known long forms.
pub fn validate_political_status(s: &str) -> Result<String, ValueError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValueError::new("政治面貌不能为空"));
    }
    if let Some(found) = POLITICAL_STATUSES.iter().find(|&&p| p == s) {
        return Ok((*found).to_string());
    }
    if let Some((_, canonical)) = POLITICAL_ALIASES.iter().find(|&&(alias, _)| alias == s) {
        return Ok((*canonical).to_string());
    }
    Err(ValueError(format!(
        "政治面貌“{s}”无效，应为以下之一：{}",
        POLITICAL_STATUSES.join("、")
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_round_trips_between_code_and_label() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(&T) -> &'static str,
            label: fn(&T) -> &'static str,
            from_code: fn(&str) -> Option<T>,
            parse: fn(&str) -> Result<T, ValueError>,
        ) {
            for v in all {
                assert_eq!(from_code(code(v)), Some(*v));
                assert_eq!(parse(label(v)).unwrap(), *v);
                assert_eq!(parse(code(v)).unwrap(), *v);
            }
        }
        check(
            Gender::ALL,
            Gender::code,
            Gender::label,
            Gender::from_code,
            Gender::parse_label_or_code,
        );
        check(
            CandidateType::ALL,
            CandidateType::code,
            CandidateType::label,
            CandidateType::from_code,
            CandidateType::parse_label_or_code,
        );
        check(
            Level::ALL,
            Level::code,
            Level::label,
            Level::from_code,
            Level::parse_label_or_code,
        );
        assert_eq!(Gender::ALL.len(), 2);
        assert_eq!(CandidateType::ALL.len(), 3);
        assert_eq!(Level::ALL.len(), 2);
    }

    #[test]
    fn enum_parse_trims_and_ignores_code_case() {
        assert_eq!(
            Level::parse_label_or_code(" 本科 ").unwrap(),
            Level::Bachelor
        );
        assert_eq!(
            CandidateType::parse_label_or_code("SELF_STUDY").unwrap(),
            CandidateType::SelfStudy
        );
        assert_eq!(Gender::from_code("MALE"), None);
    }

    #[test]
    fn enum_parse_error_lists_allowed_labels() {
        assert_eq!(
            CandidateType::parse_label_or_code("自考生").unwrap_err().0,
            "考生类型应为以下之一：社会考生、助学考生、学分互认在校生，实际为“自考生”"
        );
        assert_eq!(
            Gender::parse_label_or_code(" ").unwrap_err().0,
            "性别不能为空"
        );
    }

    #[test]
    fn enum_display_is_the_label() {
        assert_eq!(Gender::Female.to_string(), "女");
    }

    #[test]
    fn ethnicity_accepts_short_and_full_forms() {
        assert_eq!(validate_ethnicity("汉").unwrap(), "汉族");
        assert_eq!(validate_ethnicity("汉族").unwrap(), "汉族");
        assert_eq!(validate_ethnicity("维吾尔").unwrap(), "维吾尔族");
        assert_eq!(validate_ethnicity("其他").unwrap(), "其他");
        assert_eq!(
            validate_ethnicity("外国血统中国籍人士").unwrap(),
            "外国血统中国籍人士"
        );
    }

    #[test]
    fn ethnicity_list_has_56_distinct_entries_all_ending_in_zu() {
        let distinct: std::collections::HashSet<_> = ETHNICITIES.iter().collect();
        assert_eq!(distinct.len(), 56);
        assert!(ETHNICITIES.iter().all(|e| e.ends_with('族')));
    }

    #[test]
    fn unknown_ethnicity_is_rejected_with_guidance() {
        assert_eq!(
            validate_ethnicity("火星族").unwrap_err().0,
            "民族“火星族”无效：应为56个民族之一（如“汉族”），或“其他”“外国血统中国籍人士”"
        );
        assert!(validate_ethnicity("族").is_err());
    }

    #[test]
    fn political_status_accepts_canonical_and_long_forms() {
        assert_eq!(validate_political_status("群众").unwrap(), "群众");
        assert_eq!(
            validate_political_status("中国共产主义青年团团员").unwrap(),
            "共青团员"
        );
        assert!(validate_political_status("九三学社社员").is_ok());
        let e = validate_political_status("公民").unwrap_err().0;
        assert!(
            e.starts_with("政治面貌“公民”无效，应为以下之一：中共党员、"),
            "{e}"
        );
    }
}

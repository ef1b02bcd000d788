//! 学位外语成绩认定 foreign-language recognition (seed 002, step 1): the form's closed
//! vocabularies, the four accepted exam kinds with their levels and score rules, and the statuses
//! of an application.
//!
//! Seed 002: “学位外语认定仅包含四类”. The third kind holds two examinations (English majors' and
//! Russian majors' 四级/八级), so the vocabulary below has five exams in four kinds.

use chrono::NaiveDate;

use crate::{Score, ValueError};

coded_enum! {
    /// 科目: the seed offers only 外国语.
    pub enum LanguageSubject("科目") {
        /// 外国语.
        ForeignLanguage => ("foreign_language", "外国语"),
    }
}

coded_enum! {
    /// 申请证书类型: the seed offers only 其他语言类成绩认证.
    pub enum CertificateType("申请证书类型") {
        /// 其他语言类成绩认证.
        OtherLanguage => ("other_language", "其他语言类成绩认证"),
    }
}

coded_enum! {
    /// 语种.
    pub enum ForeignLanguage("语种") {
        /// English.
        English => ("english", "英语"),
        /// Russian.
        Russian => ("russian", "俄语"),
    }
}

coded_enum! {
    /// The accepted examinations (学位外语认定仅包含四类).
    pub enum ExamKind("考试类别") {
        /// 1. 国际人才英语考试 (初级、中级、高级、高端、高翻).
        TalentEnglish => ("talent_english", "国际人才英语考试"),
        /// 2. 全国大学英语四、六级考试.
        Cet => ("cet", "全国大学英语四、六级考试"),
        /// 3. 全国高等学校英语专业四级、八级考试.
        EnglishMajor => ("english_major", "全国高等学校英语专业四级、八级考试"),
        /// 3. 全国高等学校俄语专业四级、八级考试.
        RussianMajor => ("russian_major", "全国高等学校俄语专业四级、八级考试"),
        /// 4. 全国高等教育自学考试全国统一命题《英语（二）》考试.
        SelfStudyEnglishTwo => ("english_two", "全国高等教育自学考试全国统一命题《英语（二）》考试"),
    }
}

coded_enum! {
    /// 审核状态 of an application.
    pub enum LanguageStatus("审核状态") {
        /// Filed, waiting for the school's review.
        Pending => ("pending", "待审核"),
        /// Withdrawn by the student while pending; a new application may follow.
        Withdrawn => ("withdrawn", "已撤销"),
        /// Reviewed and approved.
        Approved => ("approved", "审核通过"),
        /// Reviewed and refused.
        Rejected => ("rejected", "审核不通过"),
    }
}

coded_enum! {
    /// 合格状态 set by the review.
    pub enum Qualification("合格状态") {
        /// 合格: opens the degree application (step 2).
        Qualified => ("qualified", "合格"),
        /// 不合格.
        Unqualified => ("unqualified", "不合格"),
    }
}

/// Lowest CET-4/CET-6 total score that counts as 合格. The national reports give a total of 0 to
/// 710 without a pass mark; 425 is the line universities commonly take as passing, and the one this
/// platform applies: 424 is refused, 425 accepted.
pub const CET_PASS_SCORE: u32 = 425;

/// Highest CET total score.
pub const CET_MAX_SCORE: u32 = 710;

/// Longest 成绩单编号.
pub const TRANSCRIPT_NO_MAX: usize = 40;

/// The seed's notice under the form, listing the four accepted kinds.
pub const KINDS_NOTICE: [&str; 4] = [
    "1.国际人才英语考试初级、中级、高级、高端、高翻；",
    "2.全国大学英语四、六级考试；",
    "3.全国高等学校英语专业四级、八级考试，全国高等学校俄语专业四级、八级考试；",
    "4.全国高等教育自学考试全国统一命题《英语（二）》考试。",
];

impl ExamKind {
    /// The levels (级别) the exam has; empty when it has none (《英语（二）》).
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Self::TalentEnglish => &["初级", "中级", "高级", "高端", "高翻"],
            Self::Cet => &["CET-4", "CET-6"],
            Self::EnglishMajor => &["TEM-4（四级）", "TEM-8（八级）"],
            Self::RussianMajor => &["俄语专业四级", "俄语专业八级"],
            Self::SelfStudyEnglishTwo => &[],
        }
    }

    /// The language the exam is in.
    pub fn language(self) -> ForeignLanguage {
        match self {
            Self::RussianMajor => ForeignLanguage::Russian,
            _ => ForeignLanguage::English,
        }
    }

    /// What 考试成绩 must look like for this exam, as the form hints it.
    pub fn score_rule(self) -> &'static str {
        match self {
            Self::TalentEnglish => "填写“合格”",
            Self::Cet => "0至710的整数，425分及以上为合格",
            Self::EnglishMajor | Self::RussianMajor => "填写“合格”“良好”或“优秀”",
            Self::SelfStudyEnglishTwo => "0至100分，最多一位小数，60分及以上为合格",
        }
    }

    /// Which of the seed's four kinds this exam belongs to (1–4).
    pub fn kind_no(self) -> u8 {
        match self {
            Self::TalentEnglish => 1,
            Self::Cet => 2,
            Self::EnglishMajor | Self::RussianMajor => 3,
            Self::SelfStudyEnglishTwo => 4,
        }
    }
}

/// The form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LanguageInput {
    /// 科目 code or label.
    pub subject: String,
    /// 申请证书类型 code or label.
    pub certificate_type: String,
    /// [`ExamKind`] code.
    pub exam_kind: String,
    /// 级别, one of the kind's levels.
    pub exam_level: String,
    /// 语种 code or label.
    pub language: String,
    /// 证书获取日期, "YYYY-MM-DD".
    pub obtained_on: String,
    /// 成绩单编号.
    pub transcript_no: String,
    /// 考试成绩.
    pub score: String,
    /// 成绩状态.
    pub score_status: String,
}

/// A form whose fields each passed their rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLanguageForm {
    /// 科目.
    pub subject: LanguageSubject,
    /// 申请证书类型.
    pub certificate_type: CertificateType,
    /// The exam.
    pub exam_kind: ExamKind,
    /// Its level, `None` for an exam without levels.
    pub exam_level: Option<String>,
    /// 语种.
    pub language: ForeignLanguage,
    /// 证书获取日期.
    pub obtained_on: NaiveDate,
    /// 成绩单编号, trimmed.
    pub transcript_no: String,
    /// 考试成绩, normalised ("512", "良好", "61.5", "合格").
    pub score: String,
    /// 成绩状态: always 合格 (only a passing result is recognised).
    pub score_status: Qualification,
}

/// Field → message, in form order.
pub type FieldErrors = Vec<(&'static str, String)>;

fn pick<T>(
    errors: &mut FieldErrors,
    field: &'static str,
    parsed: Result<T, ValueError>,
) -> Option<T> {
    match parsed {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push((field, e.0));
            None
        }
    }
}

/// Checks the 考试成绩 of an exam of `kind`, returning it normalised.
pub fn check_score(kind: ExamKind, raw: &str) -> Result<String, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValueError(format!(
            "考试成绩不能为空：{}应{}",
            kind.label(),
            kind.score_rule()
        )));
    }
    match kind {
        ExamKind::TalentEnglish => {
            if s == "合格" {
                Ok(s.to_owned())
            } else {
                Err(ValueError(format!(
                    "国际人才英语考试的考试成绩应为“合格”，实际为“{s}”"
                )))
            }
        }
        ExamKind::EnglishMajor | ExamKind::RussianMajor => {
            if ["合格", "良好", "优秀"].contains(&s) {
                Ok(s.to_owned())
            } else {
                Err(ValueError(format!(
                    "{}的考试成绩应为“合格”“良好”或“优秀”，实际为“{s}”",
                    kind.label()
                )))
            }
        }
        ExamKind::Cet => {
            let ascii: String = s
                .chars()
                .map(|c| match c {
                    '０'..='９' => {
                        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
                    }
                    c => c,
                })
                .collect();
            if ascii.is_empty() || !ascii.bytes().all(|b| b.is_ascii_digit()) || ascii.len() > 4 {
                return Err(ValueError(format!(
                    "四、六级考试成绩应为0至{CET_MAX_SCORE}的整数，实际为“{s}”"
                )));
            }
            let n: u32 = ascii.parse().unwrap_or(u32::MAX);
            if n > CET_MAX_SCORE {
                return Err(ValueError(format!(
                    "四、六级考试成绩最高为{CET_MAX_SCORE}分，实际为{n}分，超出{}分",
                    n - CET_MAX_SCORE
                )));
            }
            if n < CET_PASS_SCORE {
                return Err(ValueError(format!(
                    "四、六级考试成绩须达到{CET_PASS_SCORE}分方可认定为合格，实际为{n}分，差{}分",
                    CET_PASS_SCORE - n
                )));
            }
            Ok(n.to_string())
        }
        ExamKind::SelfStudyEnglishTwo => {
            let score = Score::parse(s)
                .map_err(|e| ValueError(format!("《英语（二）》考试成绩：{}", e.0)))?;
            if score.tenths() < crate::PASS_MARK_TENTHS {
                let short = crate::PASS_MARK_TENTHS - score.tenths();
                return Err(ValueError(format!(
                    "《英语（二）》考试成绩须达到60分方可认定为合格，实际为{}分，差{}分",
                    score.display(),
                    Score::from_tenths(short)
                        .map(|d| d.display())
                        .unwrap_or_default()
                )));
            }
            Ok(score.display())
        }
    }
}

fn check_transcript_no(raw: &str) -> Result<String, ValueError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(ValueError::new(
            "成绩单编号不能为空（1至40位字母、数字或“-”）",
        ));
    }
    if n > TRANSCRIPT_NO_MAX {
        return Err(ValueError(format!(
            "成绩单编号最多{TRANSCRIPT_NO_MAX}位，实际为{n}位，多了{}位",
            n - TRANSCRIPT_NO_MAX
        )));
    }
    if let Some((pos, c)) = crate::first_bad_char(s, |c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ValueError(format!(
            "成绩单编号只能包含字母、数字和“-”，第{pos}位为{}",
            crate::show_char(c)
        )));
    }
    Ok(s.to_owned())
}

fn check_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValueError::new("证书获取日期不能为空（年-月-日）"));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        ValueError(format!(
            "证书获取日期应为“年-月-日”格式的有效日期，如2023-06-15，实际为“{s}”"
        ))
    })?;
    if d > today {
        return Err(ValueError(format!(
            "证书获取日期不能晚于今天（{today}），实际为{d}"
        )));
    }
    Ok(d)
}

/// Checks the whole form; every failing field is reported, each naming its rule and limit.
pub fn validate(input: &LanguageInput, today: NaiveDate) -> Result<ValidLanguageForm, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let subject = pick(
        &mut errors,
        "subject",
        LanguageSubject::parse_label_or_code(&input.subject),
    );
    let certificate_type = pick(
        &mut errors,
        "certificate_type",
        CertificateType::parse_label_or_code(&input.certificate_type),
    );
    let exam_kind = pick(
        &mut errors,
        "exam_kind",
        ExamKind::from_code(input.exam_kind.trim())
            .or_else(|| ExamKind::parse_label_or_code(&input.exam_kind).ok())
            .ok_or_else(|| {
                ValueError(format!(
                    "考试类别应为学位外语认定的四类之一，实际为“{}”",
                    input.exam_kind.trim()
                ))
            }),
    );
    let language = pick(
        &mut errors,
        "language",
        ForeignLanguage::parse_label_or_code(&input.language),
    );
    let mut exam_level = None;
    if let Some(kind) = exam_kind {
        let level = input.exam_level.trim();
        if kind.levels().is_empty() {
            if !level.is_empty() {
                errors.push((
                    "exam_level",
                    format!("{}不分级别，请不要选择级别", kind.label()),
                ));
            }
        } else if kind.levels().contains(&level) {
            exam_level = Some(level.to_owned());
        } else {
            errors.push((
                "exam_level",
                format!(
                    "{}的级别应为以下之一：{}，实际为“{level}”",
                    kind.label(),
                    kind.levels().join("、")
                ),
            ));
        }
        if let Some(lang) = language
            && lang != kind.language()
        {
            errors.push((
                "language",
                format!(
                    "{}的语种应为{}，实际选择了{}",
                    kind.label(),
                    kind.language().label(),
                    lang.label()
                ),
            ));
        }
    }
    let obtained_on = pick(
        &mut errors,
        "obtained_on",
        check_date(&input.obtained_on, today),
    );
    let transcript_no = pick(
        &mut errors,
        "transcript_no",
        check_transcript_no(&input.transcript_no),
    );
    let score = match exam_kind {
        Some(k) => pick(&mut errors, "score", check_score(k, &input.score)),
        None => None,
    };
    let score_status = pick(
        &mut errors,
        "score_status",
        match input.score_status.trim() {
            "合格" | "qualified" => Ok(Qualification::Qualified),
            "" => Err(ValueError::new(
                "成绩状态不能为空，只有“合格”的成绩可以申请认定",
            )),
            other => Err(ValueError(format!(
                "成绩状态应为“合格”：只有合格的外语成绩可以申请认定，实际为“{other}”"
            ))),
        },
    );
    match (
        subject,
        certificate_type,
        exam_kind,
        language,
        obtained_on,
        transcript_no,
        score,
        score_status,
    ) {
        (Some(s), Some(c), Some(k), Some(l), Some(d), Some(t), Some(sc), Some(st))
            if errors.is_empty() =>
        {
            Ok(ValidLanguageForm {
                subject: s,
                certificate_type: c,
                exam_kind: k,
                exam_level,
                language: l,
                obtained_on: d,
                transcript_no: t,
                score: sc,
                score_status: st,
            })
        }
        _ => Err(errors),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    fn cet(score: &str) -> LanguageInput {
        LanguageInput {
            subject: "外国语".to_owned(),
            certificate_type: "其他语言类成绩认证".to_owned(),
            exam_kind: "cet".to_owned(),
            exam_level: "CET-4".to_owned(),
            language: "english".to_owned(),
            obtained_on: "2023-06-15".to_owned(),
            transcript_no: "231234567890123".to_owned(),
            score: score.to_owned(),
            score_status: "合格".to_owned(),
        }
    }

    fn field(errors: &FieldErrors, f: &str) -> String {
        errors
            .iter()
            .find(|(k, _)| *k == f)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }

    #[test]
    fn cet_424_is_refused_and_425_accepted() {
        let e = validate(&cet("424"), today()).unwrap_err();
        let m = field(&e, "score");
        assert!(
            m.contains("425") && m.contains("424") && m.contains("差1分"),
            "{m}"
        );
        let ok = validate(&cet("425"), today()).unwrap();
        assert_eq!(ok.score, "425");
        assert_eq!(ok.exam_level.as_deref(), Some("CET-4"));
    }

    #[test]
    fn cet_above_710_is_refused_naming_the_limit() {
        assert!(validate(&cet("710"), today()).is_ok());
        let m = field(&validate(&cet("711"), today()).unwrap_err(), "score");
        assert!(m.contains("710") && m.contains("超出1分"), "{m}");
        let m = field(&validate(&cet("五百"), today()).unwrap_err(), "score");
        assert!(m.contains("整数"), "{m}");
    }

    #[test]
    fn english_two_59_is_refused_and_60_accepted() {
        let form = |s: &str| LanguageInput {
            exam_kind: "english_two".to_owned(),
            exam_level: String::new(),
            score: s.to_owned(),
            ..cet("")
        };
        let m = field(&validate(&form("59"), today()).unwrap_err(), "score");
        assert!(
            m.contains("60分") && m.contains("59") && m.contains("差1分"),
            "{m}"
        );
        let m = field(&validate(&form("59.9"), today()).unwrap_err(), "score");
        assert!(m.contains("差0.1分"), "{m}");
        assert_eq!(validate(&form("60"), today()).unwrap().score, "60");
        assert!(field(&validate(&form("100.5"), today()).unwrap_err(), "score").contains("0至100"));
    }

    #[test]
    fn major_exams_take_grades_and_the_matching_language() {
        let russian = LanguageInput {
            exam_kind: "russian_major".to_owned(),
            exam_level: "俄语专业四级".to_owned(),
            language: "russian".to_owned(),
            score: "良好".to_owned(),
            ..cet("")
        };
        assert_eq!(
            validate(&russian, today()).unwrap().language,
            ForeignLanguage::Russian
        );
        let wrong = LanguageInput {
            language: "english".to_owned(),
            ..russian.clone()
        };
        let m = field(&validate(&wrong, today()).unwrap_err(), "language");
        assert!(m.contains("应为俄语"), "{m}");
        let bad = LanguageInput {
            score: "85".to_owned(),
            ..russian
        };
        assert!(field(&validate(&bad, today()).unwrap_err(), "score").contains("优秀"));
    }

    #[test]
    fn talent_english_has_five_levels() {
        let f = |level: &str| LanguageInput {
            exam_kind: "talent_english".to_owned(),
            exam_level: level.to_owned(),
            score: "合格".to_owned(),
            ..cet("")
        };
        for l in ["初级", "中级", "高级", "高端", "高翻"] {
            assert!(validate(&f(l), today()).is_ok(), "{l}");
        }
        let m = field(&validate(&f("专家级"), today()).unwrap_err(), "exam_level");
        assert!(m.contains("初级、中级、高级、高端、高翻"), "{m}");
    }

    #[test]
    fn only_the_seed_subject_and_certificate_type_are_accepted() {
        let f = LanguageInput {
            subject: "数学".to_owned(),
            certificate_type: "学历证书".to_owned(),
            ..cet("500")
        };
        let e = validate(&f, today()).unwrap_err();
        assert!(field(&e, "subject").contains("外国语"));
        assert!(field(&e, "certificate_type").contains("其他语言类成绩认证"));
        let unknown = LanguageInput {
            exam_kind: "toefl".to_owned(),
            ..cet("500")
        };
        assert!(field(&validate(&unknown, today()).unwrap_err(), "exam_kind").contains("四类"));
    }

    #[test]
    fn a_certificate_date_in_the_future_is_refused() {
        let f = LanguageInput {
            obtained_on: "2026-03-02".to_owned(),
            ..cet("500")
        };
        let m = field(&validate(&f, today()).unwrap_err(), "obtained_on");
        assert!(
            m.contains("不能晚于今天（2026-03-01）") && m.contains("2026-03-02"),
            "{m}"
        );
        let f = LanguageInput {
            obtained_on: "2026-03-01".to_owned(),
            ..cet("500")
        };
        assert!(validate(&f, today()).is_ok());
    }

    #[test]
    fn transcript_numbers_are_letters_digits_and_dashes_up_to_40() {
        let f = |no: &str| LanguageInput {
            transcript_no: no.to_owned(),
            ..cet("500")
        };
        assert!(validate(&f(&"A".repeat(40)), today()).is_ok());
        let m = field(
            &validate(&f(&"A".repeat(41)), today()).unwrap_err(),
            "transcript_no",
        );
        assert!(m.contains("最多40位") && m.contains("41"), "{m}");
        let m = field(
            &validate(&f("CET 2023"), today()).unwrap_err(),
            "transcript_no",
        );
        assert!(m.contains("第4位为空格"), "{m}");
        assert!(validate(&f("CET4-2023-001"), today()).is_ok());
    }

    #[test]
    fn only_a_passing_status_is_recognised() {
        let f = LanguageInput {
            score_status: "不合格".to_owned(),
            ..cet("500")
        };
        assert!(field(&validate(&f, today()).unwrap_err(), "score_status").contains("应为“合格”"));
    }

    #[test]
    fn every_kind_is_in_the_notice() {
        assert_eq!(KINDS_NOTICE.len(), 4);
        for k in ExamKind::ALL {
            assert!((1..=4).contains(&k.kind_no()));
        }
    }
}

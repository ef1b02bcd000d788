//! The degree application form of seed 002 step 7 (SPEC §5): 证件信息 (correctable here),
//! 学籍信息, 联系信息, and the two uploads. Parsed once; every message names the field and the
//! rule.

use crate::ValueError;

/// 是 / 否 answers of the 学籍信息 section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DegreeKinds {
    /// 是否第二学位.
    pub second_degree: bool,
    /// 是否主辅修学位.
    pub major_minor: bool,
    /// 是否辅修学位.
    pub minor: bool,
    /// 是否双学士学位.
    pub double_bachelor: bool,
    /// 是否联合学位.
    pub joint: bool,
}

/// The filled form, as typed (trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DegreeFormInput {
    /// 姓名 (correctable).
    pub name: String,
    /// *姓名拼音.
    pub name_pinyin: String,
    /// 证件号码 (correctable; a 居民身份证 number is checked).
    pub id_card_no: String,
    /// 本科入学年月, YYYYMM.
    pub entry_month: String,
    /// 本科毕业年月, YYYYMM.
    pub graduation_month: String,
    /// 国家或地区.
    pub country: String,
    /// The five 是/否 answers.
    pub kinds: DegreeKinds,
    /// 联合培养单位; required when 联合学位 is 是.
    pub joint_unit: String,
    /// *电子邮箱.
    pub email: String,
    /// *QQ账号.
    pub qq: String,
    /// *微信账号.
    pub wechat: String,
    /// 其他信息.
    pub other: String,
    /// 论文题目, which names the thesis file.
    pub thesis_title: String,
}

/// A field and what is wrong with it.
pub type FieldError = (&'static str, String);

fn yyyymm(field: &'static str, label: &str, s: &str) -> Result<(i32, u32), FieldError> {
    let bad = || {
        (
            field,
            format!("{label}应为六位数字“年年年年月月”，如 202203，实际为“{s}”"),
        )
    };
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let year: i32 = s[..4].parse().map_err(|_| bad())?;
    let month: u32 = s[4..].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) {
        return Err((
            field,
            format!("{label}的月份应为 01–12，实际为 {:02}", month),
        ));
    }
    if !(1950..=2100).contains(&year) {
        return Err((
            field,
            format!("{label}的年份应在 1950–2100 之间，实际为 {year}"),
        ));
    }
    Ok((year, month))
}

/// An e-mail address: one @, a dotted domain, no spaces, at most 100 characters.
pub fn validate_email(s: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n == 0 {
        return Err("电子邮箱不能为空".to_owned());
    }
    if n > 100 {
        return Err(format!("电子邮箱最多 100 个字符，实际 {n} 个"));
    }
    let ok = match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && s.is_ascii()
                && !s.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "电子邮箱格式不正确，应如 name@example.com，实际为“{s}”"
        ))
    }
}

/// A QQ number: 5–11 digits, not starting with 0.
pub fn validate_qq(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("QQ账号不能为空".to_owned());
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.starts_with('0') {
        return Err(format!("QQ账号应为数字且不以 0 开头，实际为“{s}”"));
    }
    if !(5..=11).contains(&s.len()) {
        return Err(format!("QQ账号应为 5–11 位数字，实际 {} 位", s.len()));
    }
    Ok(())
}

/// A WeChat ID (6–20 characters: a letter first, then letters, digits, _ or -) or the mobile
/// number the account was registered with.
pub fn validate_wechat(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("微信账号不能为空".to_owned());
    }
    let mobile = s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit());
    if mobile {
        return Ok(());
    }
    let n = s.chars().count();
    let starts_with_letter = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !starts_with_letter || !allowed {
        return Err(format!(
            "微信账号应以字母开头，只含字母、数字、下划线或减号（也可填写绑定的手机号），实际为“{s}”"
        ));
    }
    if !(6..=20).contains(&n) {
        return Err(format!("微信账号应为 6–20 个字符，实际 {n} 个"));
    }
    Ok(())
}

/// 姓名拼音: letters (ü allowed) in words separated by single spaces, 2–60 characters.
pub fn validate_name_pinyin(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("姓名拼音不能为空".to_owned());
    }
    let n = s.chars().count();
    if n > 60 {
        return Err(format!("姓名拼音最多 60 个字符，实际 {n} 个"));
    }
    let words_ok = s.split(' ').all(|w| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphabetic() || matches!(c, 'ü' | 'Ü' | '\''))
    });
    if !words_ok {
        return Err(format!(
            "姓名拼音只能包含英文字母，姓与名之间用一个空格分开，如 Zhang Xiaoming，实际为“{s}”"
        ));
    }
    Ok(())
}

/// Checks the whole form; every problem at once, per field.
pub fn validate(input: &DegreeFormInput) -> Result<(), Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let name_len = input.name.chars().count();
    if name_len == 0 || name_len > 40 {
        errors.push(("name", format!("姓名应为 1–40 个字，实际 {name_len} 个")));
    }
    if let Err(m) = validate_name_pinyin(&input.name_pinyin) {
        errors.push(("name_pinyin", m));
    }
    if let Err(ValueError(m)) = crate::IdCardNo::parse(&input.id_card_no) {
        errors.push(("id_card_no", m));
    }
    let entry = yyyymm("entry_month", "本科入学年月", &input.entry_month);
    let grad = yyyymm("graduation_month", "本科毕业年月", &input.graduation_month);
    match (&entry, &grad) {
        (Ok(e), Ok(g)) if g <= e => errors.push((
            "graduation_month",
            format!(
                "本科毕业年月 {} 应晚于入学年月 {}",
                input.graduation_month, input.entry_month
            ),
        )),
        _ => {}
    }
    errors.extend(entry.err());
    errors.extend(grad.err());
    if input.country.is_empty() || input.country.chars().count() > 40 {
        errors.push(("country", "国家或地区应为 1–40 个字".to_owned()));
    }
    let unit_len = input.joint_unit.chars().count();
    if input.kinds.joint && unit_len == 0 {
        errors.push((
            "joint_unit",
            "是否联合学位选“是”时，必须填写联合培养单位".to_owned(),
        ));
    }
    if unit_len > 100 {
        errors.push((
            "joint_unit",
            format!("联合培养单位最多 100 个字，实际 {unit_len} 个"),
        ));
    }
    for (field, result) in [
        ("email", validate_email(&input.email)),
        ("qq", validate_qq(&input.qq)),
        ("wechat", validate_wechat(&input.wechat)),
    ] {
        if let Err(m) = result {
            errors.push((field, m));
        }
    }
    let other_len = input.other.chars().count();
    if other_len > 200 {
        errors.push((
            "other",
            format!("其他信息最多 200 个字，实际 {other_len} 个"),
        ));
    }
    let title_len = input.thesis_title.chars().count();
    if title_len == 0 || title_len > 100 {
        errors.push((
            "thesis_title",
            format!("论文题目应为 1–100 个字，实际 {title_len} 个"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The name the thesis is stored and offered back under: 学号 + 姓名 + 论文题目, with characters
/// that file systems refuse replaced, plus the extension.
pub fn thesis_file_name(student_no: &str, name: &str, title: &str, ext: &str) -> String {
    let clean: String = format!("{student_no}{name}{title}")
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    format!("{clean}.{ext}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn good() -> DegreeFormInput {
        DegreeFormInput {
            name: "张晓梅".into(),
            name_pinyin: "Zhang Xiaomei".into(),
            id_card_no: "50010119960312002X".into(),
            entry_month: "202203".into(),
            graduation_month: "202406".into(),
            country: "中国".into(),
            kinds: DegreeKinds::default(),
            joint_unit: String::new(),
            email: "zxm@example.com".into(),
            qq: "12345678".into(),
            wechat: "zxm_2024".into(),
            other: String::new(),
            thesis_title: "乡村振兴背景下的视觉设计研究".into(),
        }
    }

    fn fields(r: Result<(), Vec<FieldError>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn a_complete_form_passes() {
        assert_eq!(validate(&good()), Ok(()));
    }

    #[test]
    fn joint_degree_needs_the_partner_unit() {
        let mut f = good();
        f.kinds.joint = true;
        assert_eq!(fields(validate(&f)), vec!["joint_unit"]);
        f.joint_unit = "某某大学".into();
        assert_eq!(validate(&f), Ok(()));
    }

    #[test]
    fn months_are_yyyymm_and_graduation_follows_entry() {
        for (entry, grad, field) in [
            ("2022-3", "202406", "entry_month"),
            ("202213", "202406", "entry_month"),
            ("202203", "202203", "graduation_month"),
            ("202203", "20246", "graduation_month"),
        ] {
            let mut f = good();
            f.entry_month = entry.into();
            f.graduation_month = grad.into();
            assert_eq!(fields(validate(&f)), vec![field], "{entry} {grad}");
        }
    }

    #[test]
    fn contact_fields_are_checked() {
        assert!(validate_email("a@b.cn").is_ok());
        for bad in ["ab.cn", "a@b", "a@@b.cn", "a b@c.cn", "张@b.cn"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
        assert!(validate_qq("10001").is_ok());
        assert!(validate_qq("12345678901").is_ok());
        assert!(validate_qq("1234").unwrap_err().contains("实际 4 位"));
        assert!(
            validate_qq("123456789012")
                .unwrap_err()
                .contains("实际 12 位")
        );
        assert!(validate_qq("012345").is_err());
        assert!(validate_wechat("wxid_abc").is_ok());
        assert!(validate_wechat("13812345678").is_ok());
        assert!(validate_wechat("abcde").unwrap_err().contains("实际 5 个"));
        assert!(validate_wechat("1abcdef").is_err());
        assert!(
            validate_wechat(&format!("a{}", "b".repeat(20)))
                .unwrap_err()
                .contains("实际 21 个")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut f = good();
        f.name_pinyin = "张".into();
        f.id_card_no = "500101199603120028".into();
        f.email = String::new();
        f.thesis_title = String::new();
        assert_eq!(
            fields(validate(&f)),
            vec!["name_pinyin", "id_card_no", "email", "thesis_title"]
        );
    }

    #[test]
    fn the_thesis_is_named_by_number_name_and_title() {
        assert_eq!(
            thesis_file_name("2022130502001", "张晓梅", "论文/设计:研究", "pdf"),
            "2022130502001张晓梅论文_设计_研究.pdf"
        );
    }
}

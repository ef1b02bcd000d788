//! Free-text personal details: names and postal addresses.

use crate::{ValueError, first_bad_char, show_char};

/// Separator used in transliterated minority and foreign names (U+00B7).
const NAME_DOT: char = '·';

/// Look-alike dots that input methods and fonts produce instead of U+00B7;
/// unified so the same person is not stored under two spellings.
const NAME_DOT_VARIANTS: [char; 5] = ['•', '・', '‧', '･', '∙'];

/// Keeps the first character and replaces each remaining one with `*`,
/// e.g. `张三` → `张*`, `欧阳娜娜` → `欧***`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// A reviewer's free text as a clause inside a sentence the platform writes: without the full
/// stop (or other closing punctuation) it may end with, since the sentence adds its own —
/// "驳回原因：照片模糊。请按…" rather than "照片模糊。。请按…".
pub fn clause(text: &str) -> &str {
    text.trim().trim_end_matches([
        '。', '．', '.', '；', ';', '，', ',', '！', '!', ' ', '\u{3000}',
    ])
}

#[cfg(test)]
mod clause_tests {
    use super::clause;

    #[test]
    fn a_reason_loses_only_its_closing_punctuation() {
        assert_eq!(clause("照片模糊。"), "照片模糊");
        assert_eq!(clause(" 照片模糊。。 "), "照片模糊");
        assert_eq!(clause("照片模糊；"), "照片模糊");
        assert_eq!(clause("第1.5行"), "第1.5行");
        assert_eq!(clause("照片模糊"), "照片模糊");
        assert_eq!(clause("。"), "");
    }
}

/// Validates a person's name as printed on the ID card and returns it
/// normalised: trimmed, inner whitespace runs collapsed to one space, and
/// look-alike dots replaced by `·`. Allowed: Chinese characters, Latin
/// letters, spaces and `·`; 2–30 characters.
pub fn validate_person_name(s: &str) -> Result<String, ValueError> {
    let name = collapse_whitespace(s)
        .chars()
        .map(|c| {
            if NAME_DOT_VARIANTS.contains(&c) {
                NAME_DOT
            } else {
                c
            }
        })
        .collect::<String>();
    if name.is_empty() {
        return Err(ValueError::new("姓名不能为空"));
    }
    if let Some((pos, c)) = first_bad_char(&name, |c| {
        is_cjk(c) || is_latin_letter(c) || c == ' ' || c == NAME_DOT
    }) {
        return Err(ValueError(format!(
            "姓名只能包含汉字、字母、空格或“·”，第{pos}个字符为{}",
            show_char(c)
        )));
    }
    let len = name.chars().count();
    if !(2..=30).contains(&len) {
        return Err(ValueError(format!(
            "姓名长度应为2至30个字符，实际为{len}个字符"
        )));
    }
    if name.starts_with(NAME_DOT) || name.ends_with(NAME_DOT) {
        return Err(ValueError::new("姓名不能以“·”开头或结尾"));
    }
    Ok(name)
}

/// Validates a mailing address (where the diploma is posted) and returns it
/// trimmed with whitespace runs, including line breaks pasted from
/// spreadsheets, collapsed to a single space; 5–100 characters.
pub fn validate_address(s: &str) -> Result<String, ValueError> {
    let addr = collapse_whitespace(s);
    if addr.is_empty() {
        return Err(ValueError::new("地址不能为空"));
    }
    if let Some((pos, c)) = first_bad_char(&addr, |c| !c.is_control()) {
        return Err(ValueError(format!(
            "地址不能包含控制字符，第{pos}个字符为{}",
            show_char(c)
        )));
    }
    let len = addr.chars().count();
    if !(5..=100).contains(&len) {
        return Err(ValueError(format!(
            "地址长度应为5至100个字符，实际为{len}个字符"
        )));
    }
    Ok(addr)
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// CJK ideographs, including the extension blocks that rare surname
/// characters live in, plus `〇`.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}'
        | '\u{30000}'..='\u{323AF}'
        | '〇')
}

/// Latin letters including accented ones, for foreign names.
fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && (c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c))
        && c != '×'
        && c != '÷'
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mask_name_keeps_first_character_only() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "王");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn chinese_minority_and_latin_names_are_accepted() {
        assert_eq!(validate_person_name(" 张三 ").unwrap(), "张三");
        assert_eq!(validate_person_name("买买提•艾力").unwrap(), "买买提·艾力");
        assert_eq!(validate_person_name("John   Smith").unwrap(), "John Smith");
        assert_eq!(validate_person_name("𠮷田").unwrap(), "𠮷田");
    }

    #[test]
    fn name_length_limits_report_actual_length() {
        assert_eq!(
            validate_person_name("张").unwrap_err().0,
            "姓名长度应为2至30个字符，实际为1个字符"
        );
        assert!(validate_person_name(&"张".repeat(30)).is_ok());
        assert_eq!(
            validate_person_name(&"张".repeat(31)).unwrap_err().0,
            "姓名长度应为2至30个字符，实际为31个字符"
        );
    }

    #[test]
    fn names_with_digits_or_dangling_dot_are_rejected() {
        assert_eq!(
            validate_person_name("张三1").unwrap_err().0,
            "姓名只能包含汉字、字母、空格或“·”，第3个字符为“1”"
        );
        assert_eq!(
            validate_person_name("·艾力").unwrap_err().0,
            "姓名不能以“·”开头或结尾"
        );
    }

    #[test]
    fn address_counts_characters_not_bytes() {
        assert!(validate_address("重庆市渝").is_err());
        assert_eq!(validate_address("重庆市渝中区").unwrap(), "重庆市渝中区");
        assert_eq!(
            validate_address("重庆市").unwrap_err().0,
            "地址长度应为5至100个字符，实际为3个字符"
        );
        assert!(validate_address(&"路".repeat(100)).is_ok());
        assert_eq!(
            validate_address(&"路".repeat(101)).unwrap_err().0,
            "地址长度应为5至100个字符，实际为101个字符"
        );
    }

    #[test]
    fn address_line_breaks_become_single_spaces() {
        assert_eq!(
            validate_address(" 云南省昆明市\n五华区 ").unwrap(),
            "云南省昆明市 五华区"
        );
    }
}

//! 姓名拼音 offered from the name (seed 002 step 7): the surname read as a surname, which for a
//! handful of characters differs from their everyday reading (单 Shan, not Dan; 曾 Zeng, not Ceng;
//! 区 Ou; 解 Xie; 仇 Qiu …), compound surnames (欧阳, 司马 …) kept together, then the given name
//! written as one word (GB/T 28039: "Ouyang Xiuwen"). It is only an offer: the student corrects
//! it on the form when a given-name character has another reading.

use pinyin::ToPinyin;

/// Compound surnames, longest first where one is a prefix of another.
const COMPOUND: &[(&str, &str)] = &[
    ("欧阳", "ouyang"),
    ("司马", "sima"),
    ("上官", "shangguan"),
    ("诸葛", "zhuge"),
    ("东方", "dongfang"),
    ("皇甫", "huangfu"),
    ("尉迟", "yuchi"),
    ("公孙", "gongsun"),
    ("慕容", "murong"),
    ("长孙", "zhangsun"),
    ("宇文", "yuwen"),
    ("司徒", "situ"),
    ("司空", "sikong"),
    ("令狐", "linghu"),
    ("澹台", "tantai"),
    ("单于", "chanyu"),
    ("夏侯", "xiahou"),
    ("端木", "duanmu"),
    ("万俟", "moqi"),
    ("轩辕", "xuanyuan"),
    ("独孤", "dugu"),
    ("南宫", "nangong"),
    ("西门", "ximen"),
    ("百里", "baili"),
    ("呼延", "huyan"),
    ("闻人", "wenren"),
    ("申屠", "shentu"),
    ("钟离", "zhongli"),
    ("赫连", "helian"),
    ("拓跋", "tuoba"),
];

/// Single-character surnames whose surname reading is not the character's first reading.
const SURNAMES: &[(char, &str)] = &[
    ('单', "shan"),
    ('曾', "zeng"),
    ('区', "ou"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('乐', "yue"),
    ('覃', "qin"),
    ('缪', "miao"),
    ('翟', "zhai"),
    ('秘', "bi"),
    ('繁', "po"),
    ('句', "gou"),
    ('尉', "yu"),
    ('员', "yun"),
    ('召', "shao"),
    ('折', "she"),
    ('种', "chong"),
    ('重', "chong"),
    ('纪', "ji"),
    ('宁', "ning"),
    ('沈', "shen"),
    ('华', "hua"),
    ('任', "ren"),
    ('谌', "chen"),
    ('阚', "kan"),
    ('冼', "xian"),
    ('洗', "xian"),
    ('莘', "shen"),
    ('黑', "he"),
    ('能', "nai"),
    ('乜', "nie"),
    ('隗', "wei"),
    ('长', "chang"),
    ('柏', "bai"),
    ('薄', "bo"),
    ('卜', "bu"),
    ('蔚', "yu"),
    ('燕', "yan"),
    ('都', "du"),
    ('贲', "ben"),
    ('叶', "ye"),
    ('藏', "zang"),
    ('石', "shi"),
];

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Plain syllable of one character (ü kept as ü), or the character itself when it has none.
fn syllable(c: char) -> String {
    match c.to_pinyin() {
        Some(p) => p.plain().to_owned(),
        None => c.to_string(),
    }
}

/// Syllables written as one word, with an apostrophe before a syllable starting with a, o or e
/// (Xi'an), as the spelling rules require.
fn join(syllables: &[String]) -> String {
    let mut out = String::new();
    for (i, s) in syllables.iter().enumerate() {
        if i > 0 && s.starts_with(['a', 'o', 'e']) {
            out.push('\'');
        }
        out.push_str(s);
    }
    out
}

/// The surname's reading and the rest of the name.
fn split_surname(name: &str) -> (String, &str) {
    if let Some((han, py)) = COMPOUND.iter().find(|(han, _)| name.starts_with(han)) {
        return ((*py).to_owned(), &name[han.len()..]);
    }
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return (String::new(), name);
    };
    let reading = SURNAMES
        .iter()
        .find(|(c, _)| *c == first)
        .map(|(_, py)| (*py).to_owned())
        .unwrap_or_else(|| syllable(first));
    (reading, chars.as_str())
}

/// The 姓名拼音 offered for `name`: "Zhang Xiaoming", "Ouyang Xiuwen", "Shan Lili". Names of
/// several parts joined by a middle dot (买买提·艾力) give one word per part.
pub fn name_pinyin(name: &str) -> String {
    let name = name.trim();
    if name.contains('·') || name.contains('•') {
        return name
            .split(['·', '•'])
            .filter(|p| !p.is_empty())
            .map(|p| capitalise(&join(&p.chars().map(syllable).collect::<Vec<_>>())))
            .collect::<Vec<_>>()
            .join(" ");
    }
    let (surname, given) = split_surname(name);
    let given: Vec<String> = given.chars().map(syllable).collect();
    if given.is_empty() {
        return capitalise(&surname);
    }
    format!("{} {}", capitalise(&surname), capitalise(&join(&given)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyphonic_surnames_read_as_surnames() {
        assert_eq!(name_pinyin("单丽丽"), "Shan Lili");
        assert_eq!(name_pinyin("曾国藩"), "Zeng Guofan");
        assert_eq!(name_pinyin("区志强"), "Ou Zhiqiang");
        assert_eq!(name_pinyin("解缙"), "Xie Jin");
        assert_eq!(name_pinyin("仇明"), "Qiu Ming");
    }

    #[test]
    fn ordinary_and_compound_surnames() {
        assert_eq!(name_pinyin("张晓梅"), "Zhang Xiaomei");
        assert_eq!(name_pinyin("欧阳修文"), "Ouyang Xiuwen");
        assert_eq!(name_pinyin("司马光"), "Sima Guang");
    }

    #[test]
    fn a_syllable_starting_with_a_vowel_is_set_apart() {
        assert_eq!(name_pinyin("李西安"), "Li Xi'an");
    }

    #[test]
    fn names_with_a_middle_dot_give_a_word_per_part() {
        assert_eq!(name_pinyin("买买提·艾力"), "Maimaiti Aili");
    }
}

//! 自我鉴定 (self-appraisal): the free text printed onto the transcript page
//! that goes into the graduate's file.

use super::FileRefusal;

/// Fewest characters a self-appraisal may have.
pub const SELF_APPRAISAL_MIN: usize = 300;
/// Most characters a self-appraisal may have.
pub const SELF_APPRAISAL_MAX: usize = 500;

/// Counts a self-appraisal and checks it is 300–500 characters long.
///
/// Every character counts one — a Chinese character is one, not three bytes,
/// and punctuation counts too — while whitespace and line breaks do not, so
/// blank lines cannot pad a short text. Returns the count.
pub fn self_appraisal_length(text: &str) -> Result<usize, FileRefusal> {
    let count = text.chars().filter(|&c| counts(c)).count();
    if count < SELF_APPRAISAL_MIN {
        return Err(FileRefusal(format!(
            "自我鉴定需 {SELF_APPRAISAL_MIN} 至 {SELF_APPRAISAL_MAX} 字，当前 {count} 字，还差 {} 字",
            SELF_APPRAISAL_MIN - count
        )));
    }
    if count > SELF_APPRAISAL_MAX {
        return Err(FileRefusal(format!(
            "自我鉴定需 {SELF_APPRAISAL_MIN} 至 {SELF_APPRAISAL_MAX} 字，当前 {count} 字，超出 {} 字",
            count - SELF_APPRAISAL_MAX
        )));
    }
    Ok(count)
}

/// Text pasted from word processors carries invisible characters (zero-width
/// spaces, byte-order marks) that nobody sees on the printed page, so they are
/// treated like whitespace.
fn counts(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chinese(n: usize) -> String {
        "我在自学考试期间认真学习".chars().cycle().take(n).collect()
    }

    #[test]
    fn appraisal_of_299_characters_is_one_short() {
        assert_eq!(
            self_appraisal_length(&chinese(299)).unwrap_err().0,
            "自我鉴定需 300 至 500 字，当前 299 字，还差 1 字"
        );
    }

    #[test]
    fn appraisal_of_300_and_500_characters_is_accepted() {
        assert_eq!(self_appraisal_length(&chinese(300)).unwrap(), 300);
        assert_eq!(self_appraisal_length(&chinese(500)).unwrap(), 500);
    }

    #[test]
    fn appraisal_of_501_characters_is_one_over() {
        assert_eq!(
            self_appraisal_length(&chinese(501)).unwrap_err().0,
            "自我鉴定需 300 至 500 字，当前 501 字，超出 1 字"
        );
    }

    #[test]
    fn chinese_character_counts_one_not_three_bytes() {
        let text = chinese(300);
        assert_eq!(text.len(), 900);
        assert_eq!(self_appraisal_length(&text).unwrap(), 300);
    }

    #[test]
    fn whitespace_and_line_breaks_are_not_counted() {
        let mut text = String::new();
        for (i, c) in chinese(299).chars().enumerate() {
            text.push(c);
            if i % 50 == 49 {
                text.push_str("\r\n\n\u{3000}\u{3000}");
            } else if i % 7 == 0 {
                text.push(' ');
                text.push('\t');
                text.push('\u{200B}');
            }
        }
        assert_eq!(
            self_appraisal_length(&text).unwrap_err().0,
            "自我鉴定需 300 至 500 字，当前 299 字，还差 1 字"
        );
    }

    #[test]
    fn punctuation_and_latin_letters_count_one_each() {
        let text = format!("{}，。ab1", chinese(295));
        assert_eq!(self_appraisal_length(&text).unwrap(), 300);
    }

    #[test]
    fn empty_appraisal_says_how_many_are_missing() {
        assert_eq!(
            self_appraisal_length(" \n ").unwrap_err().0,
            "自我鉴定需 300 至 500 字，当前 0 字，还差 300 字"
        );
    }
}

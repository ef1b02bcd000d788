//! Verifiable printouts (文件验证): every PDF the platform issues carries a short code that
//! anyone holding the paper can look up on the public 验证 page, which tells who issued it,
//! when, for whom (name partly masked), its SHA-256, and whether a newer issue replaced it.

coded_enum! {
    /// The kinds of document that are issued with a verification code.
    pub enum DocumentKind ("文件类型") {
        /// 高等教育自学考试毕业生登记表.
        GraduateRegister => ("graduate_register", "毕业生登记表"),
        /// The transcript page (成绩页) with the self-appraisal.
        Transcript => ("transcript", "毕业生成绩表"),
        /// 毕业生电子档案, with its 免考课程审核单 pages.
        EArchive => ("e_archive", "毕业生电子档案"),
    }
}

/// Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or typed from paper
/// cannot be mistaken for another.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters of a code: 10 × 5 bits = 50 bits, far too many to guess within the lookup limit.
pub const CODE_LEN: usize = 10;

/// A verification code (验证码), ten Crockford base32 characters, shown as `ABCDE-FGHJK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerificationCode(String);

impl VerificationCode {
    /// The code made of `random` (at least 50 bits of it are used): the caller supplies bytes
    /// from the operating system's generator, so this module stays free of I/O.
    pub fn from_random(random: [u8; 7]) -> Self {
        let mut bits = random
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut out = [0u8; CODE_LEN];
        for slot in out.iter_mut().rev() {
            // The mask keeps the index below 32.
            *slot = ALPHABET[(bits & 0x1f) as usize];
            bits >>= 5;
        }
        Self(out.iter().map(|&b| char::from(b)).collect())
    }

    /// Reads a code as people type it: case, spaces and hyphens do not matter, and the letters
    /// Crockford reads as digits (O as 0, I and L as 1) are taken as those digits. `None` when
    /// what remains is not ten characters of the alphabet.
    pub fn parse(input: &str) -> Option<Self> {
        let mut out = String::with_capacity(CODE_LEN);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\u{3000}' | '－' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            out.push(c);
        }
        (out.len() == CODE_LEN).then_some(Self(out))
    }

    /// The ten characters without separator, as stored and as put in the URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Two groups of five, as printed: easier to read out and to type.
    pub fn grouped(&self) -> String {
        let (a, b) = self.0.split_at(CODE_LEN / 2);
        format!("{a}-{b}")
    }
}

impl std::fmt::Display for VerificationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// A name with all but its first and last characters hidden (张*三, 欧**明); a two-character
/// name keeps only the first (王*): the public page confirms whose document it is to someone
/// holding it, without telling a stranger the full name.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut out = String::new();
            out.push(chars[0]);
            out.extend(std::iter::repeat_n('*', n - 2));
            out.push(chars[n - 1]);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_ten_characters_of_the_alphabet_and_prints_in_two_groups() {
        let code = VerificationCode::from_random([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9a]);
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(code.grouped().len(), CODE_LEN + 1);
        assert_eq!(&code.grouped()[5..6], "-");
        assert_ne!(
            code,
            VerificationCode::from_random([0xff, 0, 0x12, 0x34, 0x56, 0x78, 0x9b])
        );
    }

    #[test]
    fn a_code_is_read_back_however_it_was_typed() {
        let code = VerificationCode::from_random([1, 2, 3, 4, 5, 6, 7]);
        let typed = code.grouped().to_ascii_lowercase();
        assert_eq!(VerificationCode::parse(&typed), Some(code.clone()));
        assert_eq!(
            VerificationCode::parse(&format!(" {} ", code.as_str())),
            Some(code)
        );
        assert_eq!(
            VerificationCode::parse("abcde-fghok").map(|c| c.as_str().to_owned()),
            Some("ABCDEFGH0K".to_owned())
        );
        assert_eq!(VerificationCode::parse("ABCDE-FGHJ"), None, "too short");
        assert_eq!(VerificationCode::parse("ABCDE-FGHJKM"), None, "too long");
        assert_eq!(
            VerificationCode::parse("ABCDE-FGHJU"),
            None,
            "U is not used"
        );
        assert_eq!(VerificationCode::parse("验证码ABCDEFGH"), None);
    }

    #[test]
    fn names_keep_their_first_and_last_characters() {
        assert_eq!(mask_name("张小三"), "张*三");
        assert_eq!(mask_name("王五"), "王*");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("李"), "*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn kinds_have_stable_codes() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(DocumentKind::GraduateRegister.code(), "graduate_register");
        assert_eq!(DocumentKind::EArchive.code(), "e_archive");
    }
}

//! The rules of biye as plain values: identifiers that are validated once at
//! the boundary, the closed vocabularies (genders, candidate types, org kinds…)
//! with stable database codes and Chinese labels, and scores.
//!
//! Everything here is pure: no I/O and no clock. Anything that depends on the
//! current date takes `today: NaiveDate` so callers decide which timezone
//! "today" means and tests stay deterministic.
//!
//! Every error is a [`ValueError`] carrying a specific Simplified Chinese
//! message meant to be shown to the person who typed or imported the value.

/// Declares a closed vocabulary enum with a stable English code (what the
/// database stores) and a Chinese label (what people see and type).
///
/// Kept as one macro so every vocabulary behaves identically: same lookup
/// rules, same error wording, and serde using the code so JSON matches the DB.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($noun:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $label:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every variant in declaration order (the order used in dropdowns).
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Stable English code stored in the database; never localised.
            pub fn code(&self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }

            /// Simplified Chinese label shown to people.
            pub fn label(&self) -> &'static str {
                match self { $(Self::$variant => $label,)+ }
            }

            /// Looks up a variant by its exact database code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// Parses user or spreadsheet input, accepting either the Chinese
            /// label or the code (codes case-insensitively, full-width
            /// parentheses treated as ASCII ones, surrounding whitespace ignored).
            pub fn parse_label_or_code(s: &str) -> Result<Self, $crate::ValueError> {
                let trimmed = s.trim();
                if trimmed.is_empty() {
                    return Err($crate::ValueError(format!("{}不能为空", $noun)));
                }
                // Input-method editors often produce full-width parentheses.
                let normalized = trimmed.replace('（', "(").replace('）', ")");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.label() == normalized || v.code().eq_ignore_ascii_case(&normalized))
                    .ok_or_else(|| {
                        let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.label()).collect();
                        $crate::ValueError(format!(
                            "{}应为以下之一：{}，实际为“{}”",
                            $noun,
                            allowed.join("、"),
                            trimmed
                        ))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

/// Declares the string-backed serde and display plumbing shared by the
/// validated identifier types: deserialising goes through `parse`, so a value
/// read from JSON is as trustworthy as one typed by a person.
macro_rules! string_newtype_impls {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = $crate::ValueError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub mod appeal;
pub mod backfill;
pub mod calendar;
pub mod credential;
pub mod degree;
pub mod files;
pub mod graduation;
pub mod ids;
pub mod messages;
pub mod org;
pub mod otp;
pub mod password;
pub mod payment;
pub mod person;
pub mod province;
pub mod review;
pub mod score;
pub mod student;
pub mod totp;
pub mod verification;

pub use ids::*;
pub use org::*;
pub use person::*;
pub use province::Province;
pub use score::*;
pub use student::{EnrolmentStatus, EntryMonth, Grade, StudyLevel};

/// A value was rejected; the payload is a specific Simplified Chinese message
/// naming the rule that failed and, where it helps, the limit and actual value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

impl ValueError {
    /// Builds an error from any message; saves `.to_string()` noise at call sites.
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }

    /// The same message, said of one input field.
    pub fn at(self, field: &'static str) -> Refusal {
        Refusal {
            field,
            message: self.0,
        }
    }
}

/// Input refused because of one field: the field's name as the form and the JSON API call it,
/// and the message, so a page shows it beside the field and the API's 422 names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The field, e.g. `graduation_date`.
    pub field: &'static str,
    /// Why, in Chinese.
    pub message: String,
}

/// Finds the first character failing `ok`, with its 1-based position, so
/// messages can point at exactly where the input went wrong.
pub(crate) fn first_bad_char(s: &str, ok: impl Fn(char) -> bool) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|&(_, c)| !ok(c))
        .map(|(i, c)| (i + 1, c))
}

/// Renders a character for a message; invisible characters would otherwise
/// appear as empty quotes and confuse the reader.
pub(crate) fn show_char(c: char) -> String {
    match c {
        ' ' => "空格".to_string(),
        '\u{3000}' => "全角空格".to_string(),
        '\t' => "制表符".to_string(),
        '\n' | '\r' => "换行符".to_string(),
        c if c.is_control() || c.is_whitespace() => format!("不可见字符U+{:04X}", c as u32),
        c => format!("“{c}”"),
    }
}

//! The review stages a school runs its 学位外语 and 学位申请 batches through, as data: the school
//! lists them by name in its 学位条件设置 (e.g. 学院审核, then 学位评定分委员会), each batch copies
//! the list when it is created, and applications pass it on the same state machine as graduation
//! ([`crate::review::transition`]). Every stage is reviewed by the school that runs the batch.

use crate::ValueError;
use crate::review::{ReviewerRule, Stage};

/// The one stage of a school that has not listed its own.
pub const DEFAULT_STAGE: &str = "学校审核";

/// Most stages a school may list.
pub const MAX_STAGES: usize = 5;

/// Longest stage name, in characters.
pub const NAME_MAX: usize = 20;

/// The default list: one review by the school.
pub fn default_names() -> Vec<String> {
    vec![DEFAULT_STAGE.to_owned()]
}

/// Reads a list typed one stage per line; blank lines are skipped. `label` names the list in
/// the message, which says which line breaks which limit.
pub fn parse_names(label: &str, text: &str) -> Result<Vec<String>, ValueError> {
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(ValueError(format!(
            "{label}至少需要一个环节，每行填写一个环节名称"
        )));
    }
    if names.len() > MAX_STAGES {
        return Err(ValueError(format!(
            "{label}最多{MAX_STAGES}个环节，实际填写了{}个，多了{}个",
            names.len(),
            names.len() - MAX_STAGES
        )));
    }
    for (i, n) in names.iter().enumerate() {
        let len = n.chars().count();
        if len > NAME_MAX {
            return Err(ValueError(format!(
                "{label}第{}个环节“{n}”有{len}个字，最多{NAME_MAX}个字",
                i + 1
            )));
        }
        if names[..i].contains(n) {
            return Err(ValueError(format!(
                "{label}中环节“{n}”重复（第{}个），每个环节名称只能出现一次",
                i + 1
            )));
        }
    }
    Ok(names)
}

/// The list as stored and shown in the form: one name per line.
pub fn names_text(names: &[String]) -> String {
    names.join("\n")
}

/// Reads a stored list back; an empty or missing one is the default.
pub fn from_stored(stored: Option<&str>) -> Vec<String> {
    let names: Vec<String> = stored
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        default_names()
    } else {
        names
    }
}

/// The pipeline a batch runs: every stage reviewed by the batch's school.
pub fn pipeline(names: &[String]) -> Vec<Stage> {
    names
        .iter()
        .map(|n| Stage::review(n, ReviewerRule::School))
        .collect()
}

/// 审核状态 as shown while an application waits at a stage of a multi-stage pipeline:
/// "待审核（学位评定分委员会）"; with a single stage the seed's plain "待审核".
pub fn pending_label(stages: &[Stage], stage: Option<usize>) -> String {
    match stage.and_then(|i| stages.get(i)) {
        Some(s) if stages.len() > 1 => format!("待审核（{}）", s.name),
        _ => "待审核".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_list_reads_one_stage_per_line() {
        let names = parse_names("学位申请审核环节", "学院审核\n\n  学位评定分委员会 \n").unwrap();
        assert_eq!(names, ["学院审核", "学位评定分委员会"]);
        assert_eq!(names_text(&names), "学院审核\n学位评定分委员会");
        assert_eq!(from_stored(Some(&names_text(&names))), names);
        assert_eq!(from_stored(None), [DEFAULT_STAGE]);
        assert_eq!(from_stored(Some(" \n")), [DEFAULT_STAGE]);
    }

    #[test]
    fn limits_are_named_with_the_excess() {
        let five = "一\n二\n三\n四\n五";
        assert_eq!(parse_names("L", five).unwrap().len(), MAX_STAGES);
        let e = parse_names("L", &format!("{five}\n六")).unwrap_err();
        assert_eq!(e.0, "L最多5个环节，实际填写了6个，多了1个");
        let at = "审".repeat(NAME_MAX);
        assert!(parse_names("L", &at).is_ok());
        let e = parse_names("L", &format!("甲\n{at}审")).unwrap_err();
        assert!(
            e.0.contains("第2个环节") && e.0.contains("有21个字，最多20个字"),
            "{}",
            e.0
        );
        let e = parse_names("L", "学院审核\n学院审核").unwrap_err();
        assert!(e.0.contains("“学院审核”重复（第2个）"), "{}", e.0);
        let e = parse_names("L", "\n \n").unwrap_err();
        assert!(e.0.contains("至少需要一个环节"), "{}", e.0);
    }

    #[test]
    fn the_pending_label_names_the_stage_only_when_there_are_several() {
        let one = pipeline(&default_names());
        assert_eq!(pending_label(&one, Some(0)), "待审核");
        let two = pipeline(&["学院审核".to_owned(), "学位评定分委员会".to_owned()]);
        assert_eq!(pending_label(&two, Some(1)), "待审核（学位评定分委员会）");
        assert_eq!(pending_label(&two, None), "待审核");
    }
}

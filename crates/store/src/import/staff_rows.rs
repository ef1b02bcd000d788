//! The cells of one 人员账号 row: the username, 姓名 and 手机号 under the rules of a single new
//! account, the organisation of the importer's subtree that 所属机构 names, and the roles that
//! 角色 lists.

use std::collections::HashMap;

use domain::{Grant, Roles, StaffRole};
use tabular::Row;

use super::report::{ErrorLog, mask_phone};
use super::source::{Column, ColumnSpec};
use crate::accounts::staff::{check_display_name, check_phone, check_username};
use crate::entity::organisation;

pub(super) const REQUIRED: [ColumnSpec; 4] = [
    ColumnSpec::new("用户名", "username"),
    ColumnSpec::new("姓名", "display_name"),
    ColumnSpec::new("所属机构", "org"),
    ColumnSpec::new("角色", "roles"),
];
pub(super) const PHONE: ColumnSpec = ColumnSpec::new("手机号", "phone");
/// Organisations named in an "ambiguous name" message.
const CODES_LISTED: usize = 6;

/// The columns of a staff file.
pub(super) struct Columns {
    pub(super) username: Column,
    pub(super) name: Column,
    pub(super) org: Column,
    pub(super) roles: Column,
    pub(super) phone: Option<Column>,
}

/// One valid row.
pub(super) struct StaffLine {
    pub(super) line: u64,
    pub(super) username: String,
    pub(super) name: String,
    pub(super) phone: Option<String>,
    /// Index of its organisation in the [`Subtree`].
    pub(super) org: usize,
    pub(super) roles: Roles,
}

/// The organisations of the importer's subtree, which are all a row may name.
pub(super) struct Subtree {
    top: organisation::Model,
    orgs: Vec<organisation::Model>,
    /// Uppercased code → index.
    by_code: HashMap<String, usize>,
}

/// Full-width parentheses as ASCII ones, so that 重庆市教育考试院（市自考办） and
/// 重庆市教育考试院(市自考办) are one name.
fn normalise(name: &str) -> String {
    name.trim().replace('（', "(").replace('）', ")")
}

impl Subtree {
    /// The subtree of `top`, `top` included.
    pub(super) fn new(top: organisation::Model, orgs: Vec<organisation::Model>) -> Self {
        let by_code = orgs
            .iter()
            .enumerate()
            .map(|(i, o)| (o.code.to_ascii_uppercase(), i))
            .collect();
        Subtree { top, orgs, by_code }
    }

    /// The organisation at `i`.
    pub(super) fn get(&self, i: usize) -> Option<&organisation::Model> {
        self.orgs.get(i)
    }

    /// The organisation a 所属机构 cell names: by code, else by its full name. One outside the
    /// subtree reads like one that does not exist, as on the single-account form.
    fn find(&self, raw: &str) -> Result<usize, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("所属机构不能为空，请填写机构代码或机构全称".to_owned());
        }
        if let Some(&i) = self.by_code.get(&text.to_ascii_uppercase()) {
            return Ok(i);
        }
        let wanted = normalise(text);
        let named: Vec<usize> = (0..self.orgs.len())
            .filter(|&i| {
                self.orgs
                    .get(i)
                    .is_some_and(|o| normalise(&o.name) == wanted)
            })
            .collect();
        match named.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "机构“{text}”不存在，或不在“{}”及其下级机构之中（按机构代码或机构全称查找）",
                self.top.name
            )),
            many => {
                let codes: Vec<&str> = many
                    .iter()
                    .filter_map(|&i| self.orgs.get(i))
                    .take(CODES_LISTED)
                    .map(|o| o.code.as_str())
                    .collect();
                Err(format!(
                    "名为“{text}”的机构有{}个（代码 {}），请填写机构代码",
                    many.len(),
                    codes.join("、")
                ))
            }
        }
    }
}

/// How a role is written, for messages.
const ROLE_HINT: &str =
    "应为审核员、管理员、数据导入、财务或只读，限定审核环节的审核员写作“审核员（环节名称）”";

/// Splits a 角色 cell at 、 , ， ; ； outside brackets (a stage name keeps its own punctuation).
fn split_roles(raw: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    for c in raw.chars() {
        match c {
            '（' | '(' => {
                depth += 1;
                current.push(c);
            }
            '）' | ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            '、' | ',' | '，' | ';' | '；' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
            }
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// One role as written: a label (or code), and for a reviewer perhaps a stage in brackets.
fn parse_grant(token: &str) -> Result<Grant, String> {
    let (role_text, stage) = match token.find(['（', '(']) {
        Some(open) => {
            let inner = &token[open..];
            let inner = inner
                .strip_prefix('（')
                .or_else(|| inner.strip_prefix('('))
                .unwrap_or(inner);
            let Some(stage) = inner.strip_suffix('）').or_else(|| inner.strip_suffix(')')) else {
                return Err(format!("角色“{token}”的括号不完整，{ROLE_HINT}"));
            };
            (token[..open].trim(), Some(stage.trim()))
        }
        None => (token, None),
    };
    let role = StaffRole::parse_label_or_code(role_text)
        .map_err(|_| format!("无法识别的角色“{token}”：{ROLE_HINT}"))?;
    match stage {
        None => Ok(Grant::of(role)),
        Some("") => Err(format!(
            "角色“{token}”的括号中没有审核环节名称，{ROLE_HINT}"
        )),
        Some(s) if role == StaffRole::Reviewer => Ok(Grant::reviewer_at(s)),
        Some(_) => Err(format!(
            "只有审核员可以限定审核环节，“{token}”应写作“{}”",
            role.label()
        )),
    }
}

/// The roles of a 角色 cell, every unknown one named.
fn parse_roles(raw: &str) -> Result<Roles, String> {
    let tokens = split_roles(raw);
    if tokens.is_empty() {
        return Err(format!("角色不能为空：{ROLE_HINT}，多个角色以“、”分隔"));
    }
    let mut grants = Vec::with_capacity(tokens.len());
    let mut bad = Vec::new();
    for t in &tokens {
        match parse_grant(t) {
            Ok(g) => grants.push(g),
            Err(m) => bad.push(m),
        }
    }
    if !bad.is_empty() {
        return Err(bad.join("；"));
    }
    Roles::parse(grants).map_err(|e| e.0)
}

/// Checks every cell on its own, so one report lists every problem of the row; the line is
/// `None` when any cell failed. The username comes back whenever it passed its rule, for the
/// duplicate checks.
pub(super) fn parse(
    row: &Row,
    cols: &Columns,
    subtree: &Subtree,
    errors: &mut ErrorLog,
) -> (Option<String>, Option<StaffLine>) {
    let line = row.line;
    let mut fail = |col: &Column, value: String, reason: String| {
        errors.push(line, &col.header, value, reason);
    };
    let cell = |col: &Column| col.cell(row).to_owned();

    let username = check_username(cols.username.cell(row))
        .map(|()| cell(&cols.username))
        .map_err(|m| fail(&cols.username, cell(&cols.username), m))
        .ok();
    let name = check_display_name(cols.name.cell(row))
        .map(|()| cell(&cols.name))
        .map_err(|m| fail(&cols.name, cell(&cols.name), m))
        .ok();
    let phone = match &cols.phone {
        Some(col) => check_phone(col.cell(row))
            .map_err(|m| fail(col, mask_phone(col.cell(row)), m))
            .ok(),
        None => Some(None),
    };
    let org = subtree
        .find(cols.org.cell(row))
        .map_err(|m| fail(&cols.org, cell(&cols.org), m))
        .ok();
    let roles = parse_roles(cols.roles.cell(row))
        .map_err(|m| fail(&cols.roles, cell(&cols.roles), m))
        .ok();

    let new = match (username.clone(), name, phone, org, roles) {
        (Some(username), Some(name), Some(phone), Some(org), Some(roles)) => Some(StaffLine {
            line,
            username,
            name,
            phone,
            org,
            roles,
        }),
        _ => None,
    };
    (username, new)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_roles_cell_splits_outside_brackets_in_either_width() {
        assert_eq!(
            split_roles("审核员（主考学校初审）、数据导入, 财务；只读;管理员，审核员(A、B)"),
            [
                "审核员（主考学校初审）",
                "数据导入",
                "财务",
                "只读",
                "管理员",
                "审核员(A、B)"
            ]
        );
        let roles = parse_roles("审核员(主考学校初审)、财务").unwrap();
        assert_eq!(roles.label(), "审核员（主考学校初审）、财务");
        assert_eq!(
            parse_roles("reviewer,import").unwrap().label(),
            "审核员、数据导入"
        );
    }

    #[test]
    fn a_roles_cell_names_what_is_wrong() {
        assert!(parse_roles("").unwrap_err().contains("角色不能为空"));
        let e = parse_roles("审核员、校长、出纳").unwrap_err();
        assert!(
            e.contains("无法识别的角色“校长”") && e.contains("“出纳”"),
            "{e}"
        );
        assert!(
            parse_roles("财务（主考学校初审）")
                .unwrap_err()
                .contains("只有审核员可以限定审核环节，“财务（主考学校初审）”应写作“财务”")
        );
        assert!(
            parse_roles("审核员（）")
                .unwrap_err()
                .contains("没有审核环节名称")
        );
        assert!(
            parse_roles("审核员（初审")
                .unwrap_err()
                .contains("括号不完整")
        );
        let long = format!("审核员（{}）", "审".repeat(41));
        assert!(parse_roles(&long).unwrap_err().contains("多了1个"));
    }
}

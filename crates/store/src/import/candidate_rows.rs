//! The cells of one 考生 row.

use std::collections::HashMap;

use chrono::NaiveDate;
use domain::{
    AdmissionNo, CandidateType, IdCardNo, OrgKind, Phone, Province, validate_address,
    validate_ethnicity, validate_person_name, validate_political_status,
};
use tabular::Row;

use super::report::{ErrorLog, mask_id_card, mask_phone};
use super::source::{Column, ColumnSpec};
use crate::repo::candidate::NewCandidate;

/// Where a candidate may register; offices and universities do not take registrations.
const REGISTRATION_KINDS: [OrgKind; 3] = [
    OrgKind::DistrictAgency,
    OrgKind::ConfirmationPoint,
    OrgKind::AssistedLearningUnit,
];

pub(super) const REQUIRED: [ColumnSpec; 5] = [
    ColumnSpec::new("准考证号", "admission_no"),
    ColumnSpec::new("姓名", "name"),
    ColumnSpec::new("身份证号", "id_card_no"),
    ColumnSpec::new("考生类型", "candidate_type"),
    ColumnSpec::new("报考机构", "registration_org"),
];
pub(super) const OPTIONAL: [ColumnSpec; 4] = [
    ColumnSpec::new("民族", "ethnicity"),
    ColumnSpec::new("政治面貌", "political_status"),
    ColumnSpec::new("联系电话", "phone"),
    ColumnSpec::new("通讯地址", "address"),
];

/// The columns of a candidate file.
pub(super) struct Columns {
    pub(super) admission: Column,
    pub(super) name: Column,
    pub(super) id_card: Column,
    pub(super) kind: Column,
    pub(super) org: Column,
    pub(super) ethnicity: Option<Column>,
    pub(super) political: Option<Column>,
    pub(super) phone: Option<Column>,
    pub(super) address: Option<Column>,
}

/// A registration organisation as the rows need it.
pub(super) struct Org {
    pub(super) id: i64,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) kind: Option<OrgKind>,
    pub(super) province: Option<Province>,
    /// Within the importing organisation's subtree.
    pub(super) in_scope: bool,
}

/// Checks every cell on its own; the candidate is `None` when any cell failed.
pub(super) fn parse(
    row: &Row,
    cols: &Columns,
    orgs: &HashMap<String, Org>,
    today: NaiveDate,
    errors: &mut ErrorLog,
) -> (Option<AdmissionNo>, Option<NewCandidate>) {
    let line = row.line;
    let mut fail = |col: &Column, value: String, reason: String| {
        errors.push(line, &col.header, value, reason);
    };
    let cell = |col: &Column| col.cell(row).to_owned();

    let admission = AdmissionNo::parse(cols.admission.cell(row))
        .map_err(|e| fail(&cols.admission, cell(&cols.admission), e.0))
        .ok();
    let name = validate_person_name(cols.name.cell(row))
        .map_err(|e| fail(&cols.name, cell(&cols.name), e.0))
        .ok();
    let id_card = IdCardNo::parse(cols.id_card.cell(row))
        .and_then(|id| id.check_not_future(today).map(|()| id))
        .map_err(|e| fail(&cols.id_card, mask_id_card(cols.id_card.cell(row)), e.0))
        .ok();
    let kind = CandidateType::parse_label_or_code(cols.kind.cell(row))
        .map_err(|e| fail(&cols.kind, cell(&cols.kind), e.0))
        .ok();
    let org = match registration_org(orgs, cols.org.cell(row)) {
        Ok(org) => Some(org),
        Err(reason) => {
            fail(&cols.org, cell(&cols.org), reason);
            None
        }
    };
    let ethnicity = match cols.ethnicity.as_ref().filter(|c| !c.cell(row).is_empty()) {
        Some(col) => validate_ethnicity(col.cell(row))
            .map_err(|e| fail(col, cell(col), e.0))
            .ok(),
        None => Some("汉族".to_owned()),
    };
    let political = match cols.political.as_ref().filter(|c| !c.cell(row).is_empty()) {
        Some(col) => validate_political_status(col.cell(row))
            .map_err(|e| fail(col, cell(col), e.0))
            .ok(),
        None => Some("群众".to_owned()),
    };
    let phone = match cols.phone.as_ref().filter(|c| !c.cell(row).is_empty()) {
        Some(col) => Phone::parse(col.cell(row))
            .map(Some)
            .map_err(|e| fail(col, mask_phone(col.cell(row)), e.0))
            .ok(),
        None => Some(None),
    };
    let address = match cols.address.as_ref().filter(|c| !c.cell(row).is_empty()) {
        Some(col) => validate_address(col.cell(row))
            .map(Some)
            .map_err(|e| fail(col, cell(col), e.0))
            .ok(),
        None => Some(None),
    };

    let new = match (
        admission.clone(),
        name,
        id_card,
        kind,
        org,
        ethnicity,
        political,
        phone,
        address,
    ) {
        (
            Some(admission_no),
            Some(name),
            Some(id_card_no),
            Some(candidate_type),
            Some((registration_org_id, province)),
            Some(ethnicity),
            Some(political_status),
            Some(phone),
            Some(address),
        ) => Some(NewCandidate {
            admission_no,
            name,
            id_card_no,
            ethnicity,
            political_status,
            phone,
            address,
            candidate_type,
            province,
            registration_org_id,
        }),
        _ => None,
    };
    (admission, new)
}

/// The organisation a candidate registers at, and the province that makes the candidate's.
fn registration_org(orgs: &HashMap<String, Org>, code: &str) -> Result<(i64, Province), String> {
    if code.is_empty() {
        return Err("报考机构不能为空".to_owned());
    }
    let org = orgs
        .get(&code.to_lowercase())
        .ok_or_else(|| format!("报考机构代码不存在：{code}"))?;
    if !org.in_scope {
        return Err(format!(
            "报考机构“{}”（{}）不在本机构管辖范围内，不能为其导入考生",
            org.name, org.code
        ));
    }
    if !org.kind.is_some_and(|k| REGISTRATION_KINDS.contains(&k)) {
        let what = org.kind.map_or("该类机构", |k| k.label());
        return Err(format!(
            "报考机构“{}”（{}）是{what}，考生只能在区县考试机构、确认点或助学单位报考",
            org.name, org.code
        ));
    }
    let province = org.province.ok_or_else(|| {
        format!(
            "报考机构“{}”（{}）未设置省份，无法确定考生所属省份",
            org.name, org.code
        )
    })?;
    Ok((org.id, province))
}

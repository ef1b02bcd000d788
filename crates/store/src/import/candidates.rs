//! 考生 imports: one candidate per row, registered at an organisation named by its code.
//!
//! Imported candidates cannot sign in until a password is set: hashing a password per row
//! with argon2 would make a province-wide import take hours.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::NaiveDate;
use domain::{
    AdmissionNo, CandidateType, IdCardNo, OrgKind, Phone, Province, validate_address,
    validate_ethnicity, validate_person_name, validate_political_status,
};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect};
use tabular::{Row, Table};

use super::report::{ErrorLog, mask_id_card, mask_phone};
use super::source::{Chunks, Column, ColumnSpec, Item, optional, required};
use super::values::admission_key;
use super::{ImportError, ImportRequest, Outcome};
use crate::entity::{candidate, organisation};
use crate::repo::candidate::NewCandidate;

/// Rows validated and written together.
const CHUNK_ROWS: usize = 5000;
/// Rows per INSERT: 16 columns × 1,000 = 16,000 bound values, under SQLite's limit of 32,766.
const INSERT_ROWS: usize = 1000;
/// The password hash of an imported account: no argon2 hash equals it, so nobody can sign in
/// with any password until one is set.
const NO_PASSWORD: &str = "!";

/// Where a candidate may register; offices and universities do not take registrations.
const REGISTRATION_KINDS: [OrgKind; 3] = [
    OrgKind::DistrictAgency,
    OrgKind::ConfirmationPoint,
    OrgKind::AssistedLearningUnit,
];

const REQUIRED: [ColumnSpec; 5] = [
    ColumnSpec {
        zh: "准考证号",
        en: "admission_no",
    },
    ColumnSpec {
        zh: "姓名",
        en: "name",
    },
    ColumnSpec {
        zh: "身份证号",
        en: "id_card_no",
    },
    ColumnSpec {
        zh: "考生类型",
        en: "candidate_type",
    },
    ColumnSpec {
        zh: "报考机构",
        en: "registration_org",
    },
];
const OPTIONAL: [ColumnSpec; 4] = [
    ColumnSpec {
        zh: "民族",
        en: "ethnicity",
    },
    ColumnSpec {
        zh: "政治面貌",
        en: "political_status",
    },
    ColumnSpec {
        zh: "联系电话",
        en: "phone",
    },
    ColumnSpec {
        zh: "通讯地址",
        en: "address",
    },
];

struct Columns {
    admission: Column,
    name: Column,
    id_card: Column,
    kind: Column,
    org: Column,
    ethnicity: Option<Column>,
    political: Option<Column>,
    phone: Option<Column>,
    address: Option<Column>,
}

/// A registration organisation as the rows need it.
struct Org {
    id: i64,
    code: String,
    name: String,
    kind: Option<OrgKind>,
    province: Option<Province>,
}

struct State {
    cols: Columns,
    today: NaiveDate,
    /// Organisations by lowercased code: a few hundred rows, loaded once.
    orgs: HashMap<String, Org>,
    /// Admission numbers seen so far, with the row that had them first.
    seen: HashMap<u64, u64>,
    errors: ErrorLog,
}

pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let headers = table.headers();
    let [admission, name, id_card, kind, org] = required(headers, REQUIRED)?;
    let [ethnicity, political, phone, address] = OPTIONAL.map(|s| optional(headers, s));
    let cols = Columns {
        admission,
        name,
        id_card,
        kind,
        org,
        ethnicity,
        political,
        phone,
        address,
    };
    let orgs = organisation::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|o| {
            let org = Org {
                id: o.id,
                kind: OrgKind::from_code(&o.kind),
                province: o.province.as_deref().and_then(Province::from_code),
                name: o.name,
                code: o.code,
            };
            (org.code.to_lowercase(), org)
        })
        .collect();
    let mut state = State {
        cols,
        today: req.today(),
        orgs,
        seen: HashMap::new(),
        errors: ErrorLog::default(),
    };

    let (mut rows, mut imported) = (0u64, 0u64);
    let mut chunks = Chunks::start(table, CHUNK_ROWS);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk?;
        rows += chunk.len() as u64;
        let ready = check_chunk(txn, &mut state, chunk).await?;
        state.errors.flush_chunk();
        if state.errors.is_clean() {
            imported += ready.len() as u64;
            for batch in ready.chunks(INSERT_ROWS) {
                let models = batch
                    .iter()
                    .map(|(_, c)| c.clone().into_active(NO_PASSWORD.to_owned(), req.now));
                candidate::Entity::insert_many(models)
                    .exec_without_returning(txn)
                    .await?;
            }
        }
    }
    Ok(Outcome {
        rows,
        imported,
        errors: state.errors,
    })
}

/// Validates a chunk; returns the candidates to write with their row numbers.
async fn check_chunk(
    txn: &DatabaseTransaction,
    state: &mut State,
    chunk: Vec<Item>,
) -> Result<Vec<(u64, NewCandidate)>, ImportError> {
    let mut parsed = Vec::with_capacity(chunk.len());
    for item in chunk {
        let line = item.line();
        match item {
            Item::Row(row) => {
                let (admission, new) = parse(&row, state);
                let Some(admission) = admission else {
                    continue;
                };
                let key = admission_key(admission.as_str());
                match state.seen.entry(key) {
                    Entry::Occupied(first) => {
                        let reason = format!("与第{}行重复", first.get());
                        let header = &state.cols.admission.header;
                        state.errors.push(line, header, admission.as_str(), reason);
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(line);
                        parsed.push((line, admission, new));
                    }
                }
            }
            Item::Unreadable { line, reason } => state.errors.push(line, "", "", reason),
        }
    }
    if parsed.is_empty() {
        return Ok(Vec::new());
    }

    let existing: Vec<String> = candidate::Entity::find()
        .select_only()
        .column(candidate::Column::AdmissionNo)
        .filter(candidate::Column::AdmissionNo.is_in(parsed.iter().map(|(_, a, _)| a.as_str())))
        .into_tuple::<String>()
        .all(txn)
        .await?;
    let existing: std::collections::HashSet<String> = existing.into_iter().collect();
    let mut ready = Vec::with_capacity(parsed.len());
    for (line, admission, new) in parsed {
        if existing.contains(admission.as_str()) {
            let header = &state.cols.admission.header;
            state
                .errors
                .push(line, header, admission.as_str(), "准考证号已存在");
        } else if let Some(new) = new {
            ready.push((line, new));
        }
    }
    Ok(ready)
}

/// Checks every cell on its own; the candidate is `None` when any cell failed.
fn parse(row: &Row, state: &mut State) -> (Option<AdmissionNo>, Option<NewCandidate>) {
    let cols = &state.cols;
    let errors = &mut state.errors;
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
        .and_then(|id| id.check_not_future(state.today).map(|()| id))
        .map_err(|e| fail(&cols.id_card, mask_id_card(cols.id_card.cell(row)), e.0))
        .ok();
    let kind = CandidateType::parse_label_or_code(cols.kind.cell(row))
        .map_err(|e| fail(&cols.kind, cell(&cols.kind), e.0))
        .ok();
    let org = match registration_org(&state.orgs, cols.org.cell(row)) {
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

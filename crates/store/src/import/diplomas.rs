//! 学历库 imports: verified prior diplomas for the local credential service (the registry the
//! prior-education check reads, standing in for 学信网). One diploma per row; a file holds
//! thousands, not millions, so it is read whole.

use std::collections::HashMap;

use domain::{IdCardNo, Level};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use tabular::Table;

use super::report::ErrorLog;
use super::source::{Chunks, ColumnSpec, Item, required};
use super::values::parse_exam_date;
use super::{ImportError, ImportRequest, Outcome};
use crate::credential::{self, NewCredential};
use crate::entity::credential_record;

const REQUIRED: [ColumnSpec; 6] = [
    ColumnSpec::new("身份证号", "id_card_no"),
    ColumnSpec::new("姓名", "name"),
    ColumnSpec::new("毕业证编号", "cert_no"),
    ColumnSpec::new("毕业院校", "school"),
    ColumnSpec::new("层次", "level"),
    ColumnSpec::new("毕业时间", "graduation_date"),
];

struct Line {
    line: u64,
    id_card_no: String,
    name: String,
    cert_no: String,
    school: String,
    level: Level,
    graduation_date: chrono::NaiveDate,
}

/// Validates every row, refuses certificate numbers already in the file or the registry, then
/// writes all rows if none failed.
pub(crate) async fn run(
    txn: &DatabaseTransaction,
    table: Table,
    req: &ImportRequest<'_>,
) -> Result<Outcome, ImportError> {
    let [id_col, name_col, cert_col, school_col, level_col, date_col] =
        required(table.headers(), REQUIRED)?;
    let today = req.today();
    let mut errors = ErrorLog::default();
    let mut lines: Vec<Line> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut rows = 0u64;
    let mut chunks = Chunks::start(table, 1000);
    while let Some(chunk) = chunks.next().await {
        for item in chunk? {
            rows += 1;
            let row = match item {
                Item::Row(row) => row,
                Item::Unreadable { line, reason } => {
                    errors.push(line, "", "", reason);
                    continue;
                }
            };
            let line = row.line;
            let id = match IdCardNo::parse(id_col.cell(&row)) {
                Ok(v) => Some(v),
                Err(e) => {
                    let shown = super::report::mask_id_card(id_col.cell(&row));
                    errors.push(line, &id_col.header, shown, e.0);
                    None
                }
            };
            let name = match domain::validate_person_name(name_col.cell(&row)) {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(line, &name_col.header, name_col.cell(&row), e.0);
                    None
                }
            };
            let cert = cert_col.cell(&row).to_owned();
            let cert_ok = !cert.is_empty()
                && cert.len() <= 40
                && cert.chars().all(|c| c.is_ascii_alphanumeric());
            if !cert_ok {
                errors.push(
                    line,
                    &cert_col.header,
                    cert.as_str(),
                    "毕业证编号应为不超过 40 位的数字或字母",
                );
            } else if let Some(first) = seen.get(&cert) {
                errors.push(
                    line,
                    &cert_col.header,
                    cert.as_str(),
                    format!("与第{first}行的毕业证编号重复"),
                );
            } else {
                seen.insert(cert.clone(), line);
            }
            let school = school_col.cell(&row).to_owned();
            let school_len = school.chars().count();
            if !(2..=60).contains(&school_len) {
                errors.push(
                    line,
                    &school_col.header,
                    school.as_str(),
                    format!("毕业院校应为 2 至 60 字，实际 {school_len} 字"),
                );
            }
            let level = match Level::parse_label_or_code(level_col.cell(&row)) {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(line, &level_col.header, level_col.cell(&row), e.0);
                    None
                }
            };
            let date = match parse_exam_date(date_col.cell(&row), today) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(line, &date_col.header, date_col.cell(&row), e);
                    None
                }
            };
            if let (Some(id), Some(name), true, Some(level), Some(graduation_date)) = (
                id,
                name,
                cert_ok && (2..=60).contains(&school_len),
                level,
                date,
            ) {
                lines.push(Line {
                    line,
                    id_card_no: id.as_str().to_owned(),
                    name,
                    cert_no: cert,
                    school,
                    level,
                    graduation_date,
                });
            }
        }
        errors.flush_chunk();
    }
    // Certificates already in the registry.
    let certs: Vec<String> = lines.iter().map(|l| l.cert_no.clone()).collect();
    for part in certs.chunks(500) {
        let existing = credential_record::Entity::find()
            .filter(credential_record::Column::CertNo.is_in(part.iter().cloned()))
            .all(txn)
            .await?;
        for e in existing {
            if let Some(l) = lines.iter().find(|l| l.cert_no == e.cert_no) {
                errors.push(
                    l.line,
                    &cert_col.header,
                    e.cert_no.as_str(),
                    "该毕业证编号已在学历库中",
                );
            }
        }
    }
    errors.flush_chunk();
    let mut imported = 0;
    if errors.is_clean() {
        for l in &lines {
            credential::add(
                txn,
                NewCredential {
                    id_card_no: &l.id_card_no,
                    name: &l.name,
                    cert_no: &l.cert_no,
                    school: &l.school,
                    level: l.level.code(),
                    graduation_date: l.graduation_date,
                },
                req.now,
            )
            .await
            .map_err(|e| match e {
                crate::repo::RepoError::Db(d) => ImportError::Db(d),
                other => ImportError::Db(sea_orm::DbErr::Custom(other.to_string())),
            })?;
            imported += 1;
        }
    }
    Ok(Outcome {
        rows,
        imported,
        updated: 0,
        errors,
    })
}

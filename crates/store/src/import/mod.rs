//! Spreadsheet imports of candidates (考生), scores (成绩), exam plans (考试计划), the prior-diploma
//! registry (学历库), results under older 13-character admission numbers (13位准考证成绩), a
//! school of continuing education's students (学生) and their scores (学生成绩), and an admin's
//! staff accounts (人员账号, [`staff`]) and offline exemptions (免考).
//!
//! Every file is all-or-nothing: its rows are validated and written inside one transaction,
//! every row is checked even after the first error so that one report lists everything to fix,
//! and a file with any error is rolled back. Either way the run is recorded in `import_runs`
//! and the audit trail. Rows are streamed in chunks so that a province's million-row score
//! sheet is never held in memory at once.

mod candidate_rows;
mod candidates;
mod diplomas;
mod exemptions;
mod legacy_scores;
mod plan_rows;
mod plan_write;
mod plans;
mod report;
mod score_rows;
mod scores;
mod source;
pub mod staff;
mod staff_rows;
mod student_rows;
mod student_score_rows;
mod student_scores;
mod students;
pub mod synthetic;
mod values;

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, DbErr, Set};
use tabular::{Format, Table, TabularError, TextEncoding};

use crate::entity::import_run;
use crate::repo::audit::{self, Actor};

pub use report::{ImportReport, MAX_KEPT_ERRORS, RowError};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// 考生: one candidate per row.
    Candidates,
    /// 成绩: one score record per row.
    Scores,
    /// 考试计划: one course of a major's plan per row.
    Plans,
    /// 学历库: one verified prior diploma per row, for the local credential service.
    Diplomas,
    /// 13位准考证成绩: one result under an older 13-character admission number per row.
    LegacyScores,
    /// 学生: one continuing-education student of the importing school per row.
    Students,
    /// 学生成绩: one course result of a continuing-education student per row.
    StudentScores,
    /// 免考: one offline exemption per row, granted by the office at its counter.
    Exemptions,
    /// 人员账号: one staff account of the importing admin's subtree per row; imported by
    /// [`staff::import_staff`], which hands back the accounts' one-time passwords.
    Staff,
}

impl ImportKind {
    /// Every kind, in the order offered to staff.
    pub const ALL: &'static [ImportKind] = &[
        ImportKind::Candidates,
        ImportKind::Scores,
        ImportKind::Plans,
        ImportKind::Diplomas,
        ImportKind::LegacyScores,
        ImportKind::Students,
        ImportKind::StudentScores,
        ImportKind::Exemptions,
        ImportKind::Staff,
    ];

    /// Stable code used in URLs, `import_runs.kind` and audit actions.
    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Candidates => "candidates",
            ImportKind::Scores => "scores",
            ImportKind::Plans => "plans",
            ImportKind::Diplomas => "diplomas",
            ImportKind::LegacyScores => "legacy_scores",
            ImportKind::Students => "students",
            ImportKind::StudentScores => "student_scores",
            ImportKind::Exemptions => "exemptions",
            ImportKind::Staff => "staff",
        }
    }

    /// Chinese label shown to staff.
    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Candidates => "考生",
            ImportKind::Scores => "成绩",
            ImportKind::Plans => "考试计划",
            ImportKind::Diplomas => "学历库（前置学历核查）",
            ImportKind::LegacyScores => "13位准考证成绩",
            ImportKind::Students => "学生",
            ImportKind::StudentScores => "学生成绩",
            ImportKind::Exemptions => "免考（线下）",
            ImportKind::Staff => "人员账号",
        }
    }

    /// Whether a row may change a record already there (re-importing a student updates them);
    /// the other kinds only add.
    pub fn updates(self) -> bool {
        matches!(
            self,
            ImportKind::Students | ImportKind::StudentScores | ImportKind::Exemptions
        )
    }

    /// Whether the rows belong to one school of continuing education, named by the request.
    pub fn for_school(self) -> bool {
        matches!(self, ImportKind::Students | ImportKind::StudentScores)
    }

    /// The kind with the given code.
    pub fn from_code(code: &str) -> Option<ImportKind> {
        ImportKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

impl std::fmt::Display for ImportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A problem with the file as a whole; nothing was changed and no row report exists.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is empty, of an unsupported type, or unreadable.
    #[error("{0}")]
    File(TabularError),
    /// The header row lacks required columns (listed by their Chinese headers).
    #[error("缺少必需的列：{}", .0.join("、"))]
    MissingColumns(Vec<String>),
    /// The file cannot be imported for whom it was asked, e.g. students for an organisation that
    /// is not a school of continuing education; the message says why.
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error("数据库错误，导入未完成")]
    Db(#[from] DbErr),
}

/// One import: what, from where, and who asked.
#[derive(Debug, Clone)]
pub struct ImportRequest<'a> {
    /// What the file holds.
    pub kind: ImportKind,
    /// Where the uploaded file is stored.
    pub path: &'a Path,
    /// Its format (uploads are stored under generated names, so the caller says).
    pub format: Format,
    /// The original file name, for the report and the run record.
    pub file_name: &'a str,
    /// Who imports; a staff actor is recorded on the run.
    pub actor: Actor,
    /// The client address, for the audit trail.
    pub ip: Option<&'a str>,
    /// The current time: timestamps rows, and bounds dates that cannot lie in the future.
    pub now: DateTime<Utc>,
    /// Tree path of the importing organisation ("/1/"): rows may only touch organisations and
    /// candidates within it. `None` (the command line, run by an operator) means everything.
    pub scope: Option<&'a str>,
    /// The school of continuing education whose students (and their scores) the file holds: the
    /// importer's own organisation on the staff page, `--school` on the command line. Required
    /// for students; for student scores `None` (the command line) means any school's students.
    /// The other kinds ignore it.
    pub school: Option<i64>,
}

impl ImportRequest<'_> {
    /// Whether an organisation's tree path lies within the importer's scope.
    pub(crate) fn in_scope(&self, org_path: &str) -> bool {
        self.scope.is_none_or(|s| org_path.starts_with(s))
    }
}

impl ImportRequest<'_> {
    /// Today in China (UTC+8 all year, no daylight saving), which is what dates in files mean.
    fn today(&self) -> NaiveDate {
        domain::calendar::beijing_date(self.now)
    }
}

/// What one kind's importer found; the caller decides commit or rollback from `errors`.
pub(crate) struct Outcome {
    rows: u64,
    imported: u64,
    /// Of `imported`, the rows that changed a record already there.
    updated: u64,
    errors: report::ErrorLog,
}

/// Imports one file all-or-nothing and records the run; see the module documentation.
///
/// Row problems come back as a report with `succeeded() == false`; problems with the whole
/// file (empty, unsupported, missing columns) as an [`ImportError`], with nothing recorded.
pub async fn import_file(
    db: &crate::Db,
    req: ImportRequest<'_>,
) -> Result<ImportReport, ImportError> {
    let (table, encoding) = open_table(req.path, req.format).await?;

    let txn = crate::write::begin_write(db).await?;
    let result = match req.kind {
        ImportKind::Candidates => candidates::run(&txn, table, &req).await,
        ImportKind::Scores => scores::run(&txn, table, &req).await,
        ImportKind::Plans => plans::run(&txn, table, &req).await,
        ImportKind::Diplomas => diplomas::run(&txn, table, &req).await,
        ImportKind::LegacyScores => legacy_scores::run(&txn, table, &req).await,
        ImportKind::Students => students::run(&txn, table, &req).await,
        ImportKind::StudentScores => student_scores::run(&txn, table, &req).await,
        ImportKind::Exemptions => exemptions::run(&txn, table, &req).await,
        // The one-time passwords of the new accounts must reach the importer, which this
        // report cannot carry.
        ImportKind::Staff => Err(ImportError::Refused(
            "人员账号请在“人员账号”页面批量导入，或用 biye import staff 导入".to_owned(),
        )),
    };
    let outcome = match result {
        Ok(o) if o.rows == 0 => {
            txn.rollback().await?;
            return Err(ImportError::File(TabularError::Empty));
        }
        Ok(o) => o,
        Err(e) => {
            txn.rollback().await?;
            return Err(e);
        }
    };
    let succeeded = outcome.errors.is_clean();
    if succeeded {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }

    let error_count = outcome.errors.count();
    let refused_rows = outcome.errors.rows();
    let mut report = ImportReport {
        kind: req.kind,
        file_name: req.file_name.to_owned(),
        rows: outcome.rows,
        imported: if succeeded { outcome.imported } else { 0 },
        updated: if succeeded { outcome.updated } else { 0 },
        refused_rows,
        error_count,
        errors: outcome.errors.into_kept(),
        encoding,
        run_id: 0,
    };
    report.run_id = record_run(db, &req, &report).await?;
    Ok(report)
}

/// Opens an uploaded file with its header row read, and the name of its text encoding.
async fn open_table(
    path: &Path,
    format: Format,
) -> Result<(Table, Option<&'static str>), ImportError> {
    let path = path.to_path_buf();
    // Opening may scan a whole CSV to detect its encoding: blocking work.
    let table = tokio::task::spawn_blocking(move || Table::open_as(&path, format))
        .await
        .map_err(|e| ImportError::File(TabularError::Io(std::io::Error::other(e))))?
        .map_err(ImportError::File)?;
    let encoding = table.encoding().map(|e| match e {
        TextEncoding::Utf8 => "UTF-8",
        TextEncoding::Gb18030 => "GB18030",
    });
    Ok((table, encoding))
}

/// Writes the `import_runs` row and the audit entry, after the import's own transaction so that
/// a rejected file is recorded too.
async fn record_run(
    db: &crate::Db,
    req: &ImportRequest<'_>,
    report: &ImportReport,
) -> Result<i64, ImportError> {
    let json = serde_json::to_string(&report.errors)
        .map_err(|e| DbErr::Custom(format!("import report: {e}")))?;
    let txn = crate::write::begin_write(db).await?;
    let run = import_run::ActiveModel {
        kind: Set(req.kind.code().to_owned()),
        file_name: Set(req.file_name.chars().take(255).collect()),
        staff_id: Set(req.actor.id.filter(|_| req.actor.kind == "staff")),
        status: Set(if report.succeeded() {
            "succeeded"
        } else {
            "rejected"
        }
        .to_owned()),
        rows: Set(i64::try_from(report.rows).unwrap_or(i64::MAX)),
        error_count: Set(i64::try_from(report.error_count).unwrap_or(i64::MAX)),
        report: Set(json),
        created_at: Set(req.now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        req.now,
        req.actor,
        &format!("import.{}", req.kind.code()),
        ("import_run", Some(run.id)),
        &format!("{}：{}", req.file_name, report.summary()),
        req.ip,
    )
    .await?;
    txn.commit().await?;
    Ok(run.id)
}

//! 人员账号 imports: an admin creates the staff accounts of a file at once, each in the admin's
//! organisation or one below it, with the roles its 角色 cell lists.
//!
//! Every row passes the rules of a single new account (the username, 姓名 and 手机号 rules, an
//! organisation of the subtree, reviewer stages that organisation reviews, a username nobody
//! has — in the file or in the database, without regard to case), and the file is all-or-nothing
//! like every import. Each account gets a one-time password to be changed at the first sign-in;
//! the passwords come back once, to be shown to the importer and never stored in clear or
//! written to the report. Each account is audited as `staff.created`, as a single new one is, in
//! the transaction that creates them all.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use tabular::{Format, Table};
use tokio::sync::Semaphore;

use super::report::ErrorLog;
use super::source::{Item, optional, required};
use super::staff_rows::{Columns, PHONE, REQUIRED, StaffLine, Subtree, parse};
use super::{ImportError, ImportKind, ImportReport, ImportRequest, open_table, record_run};
use crate::accounts::one_time_password;
use crate::accounts::staff::{stage_names, stage_refusal, subtree};
use crate::entity::{audit, organisation, staff, staff_role};
use crate::repo::RepoError;
use crate::repo::audit::Actor;

/// The most accounts one file creates: a file is checked as a whole and every account's
/// password hashed before anything is written, and the passwords are read off one page.
pub const MAX_ROWS: u64 = 500;

/// How the new passwords are hashed: each argon2 hash takes 19 MiB and a core for a moment.
#[derive(Debug, Clone)]
pub struct HashBudget {
    /// Permits shared with whatever else hashes passwords (sign-ins); one is held per hash, so
    /// a sign-in waits for at most one of the import's hashes rather than for all of them.
    pub permits: Arc<Semaphore>,
    /// Hashes the import asks permits for at once.
    pub at_once: usize,
}

impl HashBudget {
    /// One hash per core, with nothing else to share them with (the command line).
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        HashBudget {
            permits: Arc::new(Semaphore::new(cores)),
            at_once: cores,
        }
    }
}

/// One staff import: the file, the admin's organisation, who asks.
#[derive(Debug, Clone)]
pub struct StaffImportRequest<'a> {
    /// Where the uploaded file is stored.
    pub path: &'a Path,
    /// Its format (uploads are stored under generated names, so the caller says).
    pub format: Format,
    /// The original file name, for the report and the run record.
    pub file_name: &'a str,
    /// The organisation whose subtree the accounts belong to: the admin's own (`--org` on the
    /// command line).
    pub org: &'a organisation::Model,
    /// Who imports: the admin, or the operator at the command line.
    pub actor: Actor,
    /// The client address, for the audit trail.
    pub ip: Option<&'a str>,
    /// The current time.
    pub now: DateTime<Utc>,
    /// How the passwords are hashed.
    pub hashing: HashBudget,
}

/// An account created with its one-time password, to be shown once.
#[derive(Clone)]
pub struct IssuedPassword {
    /// The file's row.
    pub line: u64,
    /// The username.
    pub username: String,
    /// 姓名.
    pub display_name: String,
    /// The organisation's name.
    pub org_name: String,
    /// The one-time password, to be changed at the first sign-in.
    pub password: String,
}

/// The password never reaches a log line through `{:?}`.
impl std::fmt::Debug for IssuedPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedPassword")
            .field("line", &self.line)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What a staff import did: the report of every import, and the accounts created (none when the
/// file was refused), in file order.
#[derive(Debug, Clone)]
pub struct StaffImport {
    /// Rows, errors by row and column, the run record.
    pub report: ImportReport,
    /// The new accounts and their one-time passwords.
    pub issued: Vec<IssuedPassword>,
}

/// Imports a staff file all-or-nothing and records the run; see the module documentation.
///
/// Row problems come back as a report with `succeeded() == false`; problems with the whole file
/// (empty, unsupported, missing columns, more than [`MAX_ROWS`] rows) as an [`ImportError`],
/// with nothing recorded.
pub async fn import_staff(
    db: &crate::Db,
    req: StaffImportRequest<'_>,
) -> Result<StaffImport, ImportError> {
    let (table, encoding) = open_table(req.path, req.format).await?;
    let headers = table.headers();
    let [username, name, org, roles] = required(headers, REQUIRED)?;
    let cols = Columns {
        username,
        name,
        org,
        roles,
        phone: optional(headers, PHONE),
    };
    let (items, rows) = read_rows(table).await?;
    if rows == 0 {
        return Err(ImportError::File(tabular::TabularError::Empty));
    }
    if rows > MAX_ROWS {
        return Err(ImportError::Refused(format!(
            "每个文件最多导入{MAX_ROWS}个人员账号，本文件有{rows}行，多了{}行；请拆分为多个文件分别导入",
            rows - MAX_ROWS
        )));
    }

    let orgs = subtree(db, req.org).await.map_err(repo_error)?;
    let subtree = Subtree::new(req.org.clone(), orgs);
    let mut errors = ErrorLog::default();
    let ready = check(db, &cols, &subtree, items, &mut errors).await?;
    let run = ImportRequest {
        kind: ImportKind::Staff,
        path: req.path,
        format: req.format,
        file_name: req.file_name,
        actor: req.actor,
        ip: req.ip,
        now: req.now,
        scope: Some(&req.org.path),
        school: None,
    };
    let mut report = ImportReport {
        kind: ImportKind::Staff,
        file_name: req.file_name.to_owned(),
        rows,
        imported: 0,
        updated: 0,
        refused_rows: errors.rows(),
        error_count: errors.count(),
        errors: Vec::new(),
        encoding,
        run_id: 0,
    };
    if !errors.is_clean() {
        report.errors = errors.into_kept();
        report.run_id = record_run(db, &run, &report).await?;
        return Ok(StaffImport {
            report,
            issued: Vec::new(),
        });
    }

    let secrets = hash_passwords(ready.len(), &req.hashing).await?;
    let issued = write(db, &req, &subtree, &ready, secrets).await?;
    report.imported = issued.len() as u64;
    report.run_id = record_run(db, &run, &report).await?;
    Ok(StaffImport { report, issued })
}

fn repo_error(e: RepoError) -> ImportError {
    match e {
        RepoError::Db(e) => ImportError::Db(e),
        other => ImportError::Refused(other.to_string()),
    }
}

/// The first [`MAX_ROWS`] rows, and how many rows the file has in all (read to the end, so
/// that a refusal can say by how many it is over).
async fn read_rows(table: Table) -> Result<(Vec<Item>, u64), ImportError> {
    // Decoding is synchronous file work: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        let mut kept = Vec::new();
        let mut rows = 0u64;
        for item in table {
            let item = match item {
                Ok(row) => Item::Row(row),
                Err(tabular::TabularError::Parse { line, reason }) => {
                    Item::Unreadable { line, reason }
                }
                Err(fatal) => return Err(ImportError::File(fatal)),
            };
            rows += 1;
            if rows <= MAX_ROWS {
                kept.push(item);
            }
        }
        Ok((kept, rows))
    })
    .await
    .map_err(|e| ImportError::File(tabular::TabularError::Io(std::io::Error::other(e))))?
}

/// Validates every row, then what needs the database: usernames already taken and stages the
/// organisations review. Returns the rows that passed; they are created only when `errors`
/// stayed clean, so a row with a taken username may be among them.
async fn check(
    db: &crate::Db,
    cols: &Columns,
    subtree: &Subtree,
    items: Vec<Item>,
    errors: &mut ErrorLog,
) -> Result<Vec<StaffLine>, ImportError> {
    // Lowercased usernames seen so far (MySQL compares them without case), with their first row.
    let mut seen: HashMap<String, u64> = HashMap::new();
    // Every row's username that passed its rule, even in a row failing elsewhere, so that the
    // report names a taken username at once rather than after the other cells are fixed.
    let mut named: Vec<(u64, String)> = Vec::with_capacity(items.len());
    let mut parsed = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Row(row) => {
                let (username, new) = parse(&row, cols, subtree, errors);
                let Some(username) = username else {
                    continue;
                };
                match seen.entry(username.to_ascii_lowercase()) {
                    Entry::Occupied(first) => errors.push(
                        row.line,
                        &cols.username.header,
                        username,
                        format!(
                            "与第{}行的用户名重复：同一用户名在文件中只能出现一次（不区分大小写）",
                            first.get()
                        ),
                    ),
                    Entry::Vacant(slot) => {
                        slot.insert(row.line);
                        named.push((row.line, username));
                        parsed.extend(new);
                    }
                }
            }
            Item::Unreadable { line, reason } => errors.push(line, "", "", reason),
        }
    }

    let taken: HashMap<String, String> = staff::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(staff::Column::Username))).is_in(seen.keys().cloned()),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.username.to_ascii_lowercase(), s.username))
        .collect();
    for (line, username) in named {
        if let Some(existing) = taken.get(&username.to_ascii_lowercase()) {
            let reason = if *existing == username {
                format!("用户名“{existing}”已被使用")
            } else {
                format!("用户名“{username}”已被使用：已有账号“{existing}”，用户名不区分大小写")
            };
            errors.push(line, &cols.username.header, username, reason);
        }
    }
    let mut stages: HashMap<usize, Vec<String>> = HashMap::new();
    let mut ready = Vec::with_capacity(parsed.len());
    for new in parsed {
        let Some(org) = subtree.get(new.org) else {
            continue;
        };
        if new.roles.grants().iter().any(|g| g.stage.is_some()) {
            let known = match stages.entry(new.org) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(stage_names(db, org).await.map_err(repo_error)?),
            };
            if let Some(reason) = stage_refusal(org, known, &new.roles) {
                errors.push(new.line, &cols.roles.header, new.roles.label(), reason);
                continue;
            }
        }
        ready.push(new);
    }
    errors.flush_chunk();
    Ok(ready)
}

/// `n` one-time passwords with their argon2 hashes, at most `budget.at_once` computed at once,
/// each off the async workers and holding one of the shared permits.
async fn hash_passwords(
    n: usize,
    budget: &HashBudget,
) -> Result<Vec<(String, String)>, ImportError> {
    let failed = |e: String| ImportError::Refused(format!("密码处理失败：{e}"));
    futures::stream::iter(0..n)
        .map(|_| {
            let permits = budget.permits.clone();
            async move {
                let permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|e| failed(e.to_string()))?;
                tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    let password = one_time_password();
                    crate::repo::password::hash(&password).map(|h| (password, h))
                })
                .await
                .map_err(|e| failed(e.to_string()))?
                .map_err(failed)
            }
        })
        .buffered(budget.at_once.max(1))
        .try_collect()
        .await
}

/// Creates the accounts, their roles and their audit rows in one transaction.
async fn write(
    db: &crate::Db,
    req: &StaffImportRequest<'_>,
    subtree: &Subtree,
    ready: &[StaffLine],
    secrets: Vec<(String, String)>,
) -> Result<Vec<IssuedPassword>, ImportError> {
    let org_of = |l: &StaffLine| subtree.get(l.org).cloned();
    let mut hashes = Vec::with_capacity(secrets.len());
    let mut issued = Vec::with_capacity(secrets.len());
    for (l, (password, hash)) in ready.iter().zip(secrets) {
        let Some(org) = org_of(l) else { continue };
        hashes.push(hash);
        issued.push(IssuedPassword {
            line: l.line,
            username: l.username.clone(),
            display_name: l.name.clone(),
            org_name: org.name,
            password,
        });
    }

    let txn = crate::write::begin_write(db).await?;
    let models = ready.iter().zip(hashes).filter_map(|(l, hash)| {
        org_of(l).map(|org| staff::ActiveModel {
            org_id: Set(org.id),
            username: Set(l.username.clone()),
            display_name: Set(l.name.clone()),
            password_hash: Set(hash),
            disabled: Set(false),
            created_at: Set(req.now),
            must_change_password: Set(true),
            phone: Set(l.phone.clone()),
            ..Default::default()
        })
    });
    if let Err(e) = staff::Entity::insert_many(models)
        .exec_without_returning(&txn)
        .await
    {
        txn.rollback().await?;
        return Err(if crate::repo::is_unique_violation(&e) {
            ImportError::Refused(
                "导入期间，文件中的用户名已被其他操作使用；请重新导入以查看是哪一行".to_owned(),
            )
        } else {
            ImportError::Db(e)
        });
    }
    let ids: HashMap<String, i64> = staff::Entity::find()
        .filter(staff::Column::Username.is_in(ready.iter().map(|l| l.username.as_str())))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.username, s.id))
        .collect();
    if ids.len() != ready.len() {
        txn.rollback().await?;
        return Err(ImportError::Db(sea_orm::DbErr::Custom(format!(
            "staff import: {} of {} new accounts found after inserting them",
            ids.len(),
            ready.len()
        ))));
    }
    let id_of = |l: &StaffLine| ids.get(&l.username).copied();
    let grants = ready.iter().flat_map(|l| {
        let id = id_of(l);
        l.roles.grants().iter().filter_map(move |g| {
            id.map(|staff_id| staff_role::ActiveModel {
                staff_id: Set(staff_id),
                role: Set(g.role.code().to_owned()),
                stage: Set(g.stage.clone().unwrap_or_default()),
                ..Default::default()
            })
        })
    });
    staff_role::Entity::insert_many(grants)
        .exec_without_returning(&txn)
        .await?;
    let audited = ready.iter().filter_map(|l| {
        let org = org_of(l)?;
        Some(audit::ActiveModel {
            at: Set(req.now),
            actor_kind: Set(req.actor.kind.to_owned()),
            actor_id: Set(req.actor.id),
            action: Set("staff.created".to_owned()),
            subject_kind: Set("staff".to_owned()),
            subject_id: Set(Some(id_of(l)?)),
            detail: Set(format!(
                "username={} org={} roles={}{} import={}",
                l.username,
                org.code,
                l.roles.label(),
                l.phone
                    .as_deref()
                    .map(|p| format!(" phone={}", domain::otp::mask_phone(p)))
                    .unwrap_or_default(),
                req.file_name
            )),
            ip: Set(req.ip.map(str::to_owned)),
            ..Default::default()
        })
    });
    audit::Entity::insert_many(audited)
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(issued)
}
